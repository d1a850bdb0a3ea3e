// The scratch layout most module tests share (BASE, TFTP, the images dir and a source), made before a suite's tests and removed after them.
import fs from 'node:fs';
import path from 'node:path';
import { makeChrootFixture, type ChrootFixture } from './chroot-fixture.js';
import { requireRoot } from './root.js';
import { settle } from './settle.js';
import { removeScratch, scratchDir } from './tmp.js';

/** 'chroot': BASE/fixture, a small chroot (name 'fixture'); 'dir': SCRATCH/src with an empty etc/; 'none': the suite makes its own sources. */
export type SourceKind = 'chroot' | 'dir' | 'none';

export interface Sandbox {
  scratch: string;
  /** SCRATCH/ltsp, the base_dir (not made: the module makes it, or makeChrootFixture for 'chroot'). */
  base: string;
  /** SCRATCH/tftp, the tftp_dir (not made: the module makes it). */
  tftp: string;
  /** BASE/images. */
  images: string;
  /** The source of the kind asked for; '' for 'none'. */
  source: string;
  /** Writes `content` to `rel` in the source and waits until the fingerprint trusts the file's times. */
  change(rel: string, content: string): Promise<void>;
}

/** A 'chroot' sandbox also gives the fixture's facts (its secrets, kernel files, special files). */
export interface ChrootSandbox extends Sandbox {
  fixture: ChrootFixture;
}

/**
 * Registers before() and after() hooks on the calling describe(); the returned object is filled in by before(), which
 * runs ahead of the suite's own before() hooks, so those can seed the source or build a first image. The after() hook
 * likewise runs first: a suite's own after() must not need the scratch dir.
 */
export function useSandbox(prefix: string, kind: 'chroot'): ChrootSandbox;
export function useSandbox(prefix: string, kind: 'dir' | 'none'): Sandbox;
export function useSandbox(prefix: string, kind: SourceKind): Sandbox {
  const box: Sandbox & { fixture?: ChrootFixture } = {
    scratch: '',
    base: '',
    tftp: '',
    images: '',
    source: '',
    change: async (rel, content) => {
      if (!box.source) throw new Error('change(): this sandbox has no source (kind none)');
      fs.writeFileSync(path.join(box.source, rel), content);
      await settle();
    },
  };
  before(async function () {
    requireRoot(this);
    box.scratch = await scratchDir(prefix);
    box.base = path.join(box.scratch, 'ltsp');
    box.tftp = path.join(box.scratch, 'tftp');
    box.images = path.join(box.base, 'images');
    if (kind === 'chroot') {
      box.source = path.join(box.base, 'fixture');
      box.fixture = await makeChrootFixture(box.source);
    } else if (kind === 'dir') {
      box.source = path.join(box.scratch, 'src');
      fs.mkdirSync(path.join(box.source, 'etc'), { recursive: true });
    }
  });
  after(async () => {
    if (box.scratch) await removeScratch(box.scratch);
  });
  return box;
}
