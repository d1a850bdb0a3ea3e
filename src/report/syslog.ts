// One line per phase to syslog and the journal, as Ansible modules log, so `journalctl -f -t ltsp_image` follows a long build.
import { execa } from 'execa';

/** LTSP_IMAGE_SYSLOG_SOCKET sends the lines to another socket than /dev/log (used by the tests). */
export async function syslog(tag: string, message: string): Promise<void> {
  const socket = process.env.LTSP_IMAGE_SYSLOG_SOCKET;
  const args = ['--tag', tag, `--id=${process.pid}`, ...(socket ? ['--socket', socket] : []), '--', message];
  await execa('logger', args, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', timeout: 5000 }).catch(() => undefined);
}
