// Test-side initrd pieces: Debian's `ltsp initrd` run into a scratch TFTP dir, and the accounts a test client gets instead of this host's.
import { execa } from 'execa';
import path from 'node:path';

/** What stands in for the server's accounts, which ltsp.img carries: this machine's must not reach test clients. */
export const SERVER_ACCOUNTS = { passwd: 'root:x:0:0:root:/root:/bin/bash\n', group: 'root:x:0:\n' };

/**
 * Runs Debian's `ltsp initrd` with its output in tftpDir and its temp dir under workDir, and returns the path
 * of ltsp.img. It packs this host's /etc/ltsp, passwd and group: override what the client must not see.
 */
export async function ltspInitrd(tftpDir: string, workDir: string): Promise<string> {
  const run = await execa('ltsp', [`--tftp-dir=${tftpDir}`, 'initrd'], {
    env: { TMPDIR: workDir },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  const image = path.join(tftpDir, 'ltsp', 'ltsp.img');
  if (run.exitCode !== 0) throw new Error(`ltsp --tftp-dir=${tftpDir} initrd failed (${run.shortMessage}):\n${run.all}`);
  return image;
}
