// One line per phase to syslog and the journal, as Ansible modules log, so `journalctl -f -t ltsp_image` follows a long build.
import { execa, type ResultPromise } from 'execa';

let logger: { tag: string; child: ResultPromise } | undefined;

/**
 * One `logger` per run reads the lines from its stdin (one message per line): a process per line cost a
 * no-op run a spawn and a wait each time. LTSP_IMAGE_SYSLOG_SOCKET sends them elsewhere than /dev/log (tests).
 */
export function syslog(tag: string, message: string): Promise<void> {
  if (logger && logger.tag !== tag) void closeSyslog();
  if (!logger) {
    const socket = process.env.LTSP_IMAGE_SYSLOG_SOCKET;
    const child = execa('logger', ['--tag', tag, `--id=${process.pid}`, ...(socket ? ['--socket', socket] : [])], {
      reject: false,
      stdin: 'pipe',
      stdout: 'ignore',
      stderr: 'ignore',
      timeout: 60_000,
    });
    // No logger on this host, or one that died: the lines are lost, the run goes on.
    child.stdin?.on('error', () => undefined);
    child.catch(() => undefined);
    logger = { tag, child };
  }
  logger.child.stdin?.write(`${message.replace(/[\r\n]+/g, ' ')}\n`);
  return Promise.resolve();
}

/** Ends the run's logger and waits until it has sent every line, so nothing is lost when the process exits right after. */
export async function closeSyslog(): Promise<void> {
  const current = logger;
  logger = undefined;
  if (!current) return;
  current.child.stdin?.end();
  await current.child.catch(() => undefined);
}
