// The scratch layout most module tests share (BASE, TFTP, the images dir and a source), made before a suite's tests and removed after them.
import fs from 'node:fs';
import path from 'node:path';
import { makeChrootFixture } from './chroot-fixture.js';
import { requireRoot } from './root.js';
import { settle } from './settle.js';
import { removeScratch, scratchDir } from './tmp.js';

export interface Sandbox {
  scratch: string;
  /** SCRATCH/ltsp, the base_dir. */
  base: string;
  /** SCRATCH/tftp, the tftp_dir (not made: the module makes it). */
  tftp: string;
  /** BASE/images. */
  images: string;
  /** 'chroot': BASE/fixture, a small chroot (name 'fixture'); 'dir': SCRATCH/src with an empty etc/. */
  source: string;
  /** Writes `content` to `rel` in the source and waits until the fingerprint trusts the file's times. */
  change(rel: string, content: string): Promise<void>;
}

/** Registers before() and after() hooks on the calling describe(); the returned object is filled in by before(). */
export function useSandbox(prefix: string, kind: 'chroot' | 'dir'): Sandbox {
  const box: Sandbox = {
    scratch: '',
    base: '',
    tftp: '',
    images: '',
    source: '',
    change: async (rel, content) => {
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
      await makeChrootFixture(box.source);
    } else {
      box.source = path.join(box.scratch, 'src');
      fs.mkdirSync(path.join(box.source, 'etc'), { recursive: true });
    }
  });
  after(async () => {
    if (box.scratch) await removeScratch(box.scratch);
  });
  return box;
}
