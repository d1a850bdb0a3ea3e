// How the oracle keeps its hidden dirs out of the image, by each route an admin has: inline, an excludes file (added or as the base list), or ltsp.conf adding or omitting one.
import fs from 'node:fs';
import path from 'node:path';

/** The entries under these dirs are excluded while `excluded` holds: the source's, and the second source's at its mount point. */
const PATTERNS = 'opt/hidden/*\nmnt/hidden/*\n';

/**
 * inline: `add_image_excludes` holds the patterns; add file: it names a file holding them; base file: `excludes_file`
 * does; ltsp.conf add: ltsp.conf's ADD_IMAGE_EXCLUDES names that file; ltsp.conf omit: the base file holds them and
 * ltsp.conf's OMIT_IMAGE_EXCLUDES names a file that takes them out again.
 */
export const ROUTES = ['inline', 'add file', 'base file', 'ltsp.conf add', 'ltsp.conf omit'] as const;
export type Route = (typeof ROUTES)[number];

export class Excludes {
  route: Route = 'inline';
  excluded = true;

  constructor(
    /** Root-owned and not group or other writable, as the module requires of config files. */
    private readonly dir: string,
  ) {
    fs.mkdirSync(dir, { mode: 0o755 });
    this.write();
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Writes every file this state names (each run reads them as they are now). */
  write(): void {
    const on = this.excluded;
    const put = (name: string, text: string): void => fs.writeFileSync(this.file(name), text, { mode: 0o644 });
    put('add.excludes', this.route === 'add file' && on ? PATTERNS : '');
    put('conf.excludes', PATTERNS);
    // A base list that is not the built-in one, so the routes through it change nothing but the hidden dirs.
    put('base.excludes', `tmp/*\n${(this.route === 'base file' && on) || this.route === 'ltsp.conf omit' ? PATTERNS : ''}`);
    const conf = this.route === 'ltsp.conf add' && on ? `ADD_IMAGE_EXCLUDES=${this.file('conf.excludes')}` : this.route === 'ltsp.conf omit' && !on ? `OMIT_IMAGE_EXCLUDES=${this.file('conf.excludes')}` : '';
    put('ltsp.conf', `[server]\n${conf}\n`);
  }

  /** The options every run takes this step (the forced reference build's too). */
  args(): Record<string, unknown> {
    const base = this.route === 'base file' || this.route === 'ltsp.conf omit' ? { excludes_file: this.file('base.excludes') } : {};
    const add = this.route === 'inline' ? PATTERNS.trim() : this.route === 'add file' ? this.file('add.excludes') : undefined;
    return { ...base, ...(add === undefined || (this.route === 'inline' && !this.excluded) ? {} : { add_image_excludes: add }), ltsp_conf: this.file('ltsp.conf') };
  }

  /** Flips the hidden dirs in or out, by a route picked at random. */
  flip(route: Route): string {
    this.route = route;
    this.excluded = !this.excluded;
    this.write();
    return `${this.excluded ? 'excluded' : 'included'} (${route})`;
  }
}
