// Builds one source with `ltsp image` and with ltsp_image side by side (dir/reference, dir/ours), for the differential test.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extractImage } from './image-diff.js';
import { referenceVersions, runModuleInRoot, runReference, runReferenceInRoot, type ServerRoot } from './reference.js';
import { runModule } from './run-module.js';

export interface Output {
  /** BASE and TFTP of the run: dir/WHO/ltsp and dir/WHO/tftp. */
  base: string;
  tftp: string;
  name: string;
  image: string;
  kernelDir: string;
  /** The image's content dirs, unpacked. */
  unpacked: string;
}

export interface Pair {
  reference: Output;
  ours: Output;
  /** The mksquashfs argv ltsp_image ran (its result's `command`). */
  command: string[];
}

async function outputOf(dir: string, who: string, name: string): Promise<Output> {
  const base = path.join(dir, who, 'ltsp');
  const tftp = path.join(dir, who, 'tftp');
  const image = path.join(base, 'images', `${name}.img`);
  return { base, tftp, name, image, kernelDir: path.join(tftp, 'ltsp', name), unpacked: await extractImage(image, path.join(dir, who, 'unpacked')) };
}

export interface BuildArgs {
  /** `ltsp image` arguments (flags and the source). */
  reference: string[];
  /** ltsp_image options. */
  ours: Record<string, unknown>;
  /** An ltsp.conf for the reference's run. */
  ltspConf?: string;
}

/** Both tools on the machine, each with its own base and TFTP dirs. */
export async function buildOnHost(dir: string, args: BuildArgs): Promise<Pair> {
  const ref = { baseDir: path.join(dir, 'reference/ltsp'), tftpDir: path.join(dir, 'reference/tftp') };
  await runReference(args.reference, { ...ref, confDir: path.join(dir, 'etc-ltsp'), ...(args.ltspConf !== undefined ? { ltspConf: args.ltspConf } : {}) });
  const run = await runModule('ltsp_image', { base_dir: path.join(dir, 'ours/ltsp'), tftp_dir: path.join(dir, 'ours/tftp'), ...args.ours });
  assert.equal(run.code, 0, run.stdout);
  const name = String(run.result.image_name);
  return { reference: await outputOf(dir, 'reference', name), ours: await outputOf(dir, 'ours', name), command: run.result.command as string[] };
}

/**
 * Chrootless: both tools run with root as `/` and their defaults (/srv/ltsp, /srv/tftp inside it), one after the
 * other; what each leaves in srv/ is moved out to dir, so the second starts from the same `/`.
 */
export async function buildInRoot(root: string, dir: string, args: BuildArgs, kind: ServerRoot = 'mount'): Promise<Pair> {
  const versions = await referenceVersions(root);
  assert.equal(versions.inRoot, versions.host, 'the ltsp package in the tree is the one on the machine');
  const collect = async (who: string): Promise<Output> => {
    await fs.mkdir(path.join(dir, who), { recursive: true });
    for (const d of ['ltsp', 'tftp']) {
      await fs.rename(path.join(root, 'srv', d), path.join(dir, who, d)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
    return outputOf(dir, who, 'x86_64');
  };
  await runReferenceInRoot(root, args.reference, kind);
  const reference = await collect('reference');
  const run = await runModuleInRoot(root, args.ours, kind);
  assert.equal(run.code, 0, run.stdout);
  assert.equal(run.result.image, '/srv/ltsp/images/x86_64.img');
  return { reference, ours: await collect('ours'), command: run.result.command as string[] };
}
