// The import boundaries between src/ folders: every folder is declared a library or an orchestration folder, library
// folders never import orchestration ones, and no folders import each other in a loop. Exits 1 naming each breach.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Parts a module's run is made of: they may use each other (without loops) and every library folder. */
const ORCHESTRATION = ['cli', 'image', 'info', 'namespace', 'revert', 'runtime', 'scan', 'steps', '.'];
/** Parts that know nothing of a module's run (its context, plan or result); README's Development shows what each uses. */
const LIBRARY = ['generated', 'core', 'fs', 'match', 'layout', 'report', 'kernel', 'ltsp-conf', 'boot', 'source', 'readiness', 'mount', 'fingerprint', 'cleanup', 'squashfs', 'packages', 'store'];

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The folder under src a file belongs to; '.' for the files directly in src. */
function folderOf(src, file) {
  const rel = path.relative(src, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0] : '.';
}

/** Each folder-to-folder edge with one import that makes it (file -> imported file). */
function folderEdges(src) {
  const edges = new Map();
  for (const file of sourceFiles(src)) {
    const from = folderOf(src, file);
    for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(src + path.sep)) continue;
      const to = folderOf(src, target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, `${path.relative(src, file)} -> ${spec}`);
    }
  }
  return edges;
}

/** One loop through `edges`, as the folders on it, or null (depth-first search, three colours). */
function findLoop(edges) {
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const loop = visit(next);
        if (loop) return loop;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...edges.keys()].sort()) {
    if (state.has(node)) continue;
    const loop = visit(node);
    if (loop) return loop;
  }
  return null;
}

export function checkLayers(src) {
  const problems = [];
  const folders = ['.', ...fs.readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)];
  for (const folder of folders) {
    if (!ORCHESTRATION.includes(folder) && !LIBRARY.includes(folder)) problems.push(`src/${folder}/ is in no layer: add it to LIBRARY or ORCHESTRATION in scripts/check-layers.mjs (and README's Development)`);
  }
  const edges = folderEdges(src);
  for (const [from, tos] of edges) {
    if (!LIBRARY.includes(from)) continue;
    for (const [to, example] of tos) {
      if (ORCHESTRATION.includes(to)) problems.push(`library src/${from}/ imports orchestration src/${to}/ (${example}): move the shared part down, or pass it in`);
    }
  }
  const loop = findLoop(edges);
  if (loop) {
    const steps = loop.slice(1).map((to, i) => `  ${loop[i]} -> ${to}: ${edges.get(loop[i]).get(to)}`);
    problems.push(`src folders import each other in a loop (${loop.join(' -> ')}); break one of:\n${steps.join('\n')}`);
  }
  return { problems, folders: folders.length, edges: [...edges.values()].reduce((n, tos) => n + tos.size, 0) };
}

/** What each library folder imports, as README's Development shows it: a Markdown table, the libraries in LIBRARY's order. */
function table(src) {
  const edges = folderEdges(src);
  const rows = LIBRARY.map((folder) => [folder, [...(edges.get(folder)?.keys() ?? [])].sort().map((to) => `\`${to}\``).join(', ') || 'nothing of `src/`']);
  return ['| library | imports |', '|---|---|', ...rows.map(([folder, to]) => `| \`${folder}\` | ${to} |`)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const src = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src'));
  if (args.includes('--table')) {
    console.log(table(src));
    process.exit(0);
  }
  const { problems, folders, edges } = checkLayers(src);
  for (const problem of problems) console.error(problem);
  if (problems.length) process.exit(1);
  console.error(`import boundaries: ${folders} folders, ${edges} folder imports, no loop, no library importing orchestration`);
}
