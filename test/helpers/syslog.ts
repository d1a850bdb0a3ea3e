// A syslog socket the module logs to (LTSP_IMAGE_SYSLOG_SOCKET), collected to a file, so tests can read what a run logged.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from './settle.js';

export interface SyslogListener {
  /** The env that points a run's syslog lines here. */
  env: { LTSP_IMAGE_SYSLOG_SOCKET: string };
  /** Everything logged so far, a line per message. */
  read(): string;
  stop(): Promise<void>;
}

export async function listenSyslog(dir: string): Promise<SyslogListener> {
  const socket = path.join(dir, `log-${Date.now()}.sock`);
  const collected = path.join(dir, `log-${Date.now()}.txt`);
  const listener = execa(
    'python3',
    ['-c', 'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nopen(sys.argv[2],"w").close()\nwhile True:\n  d=s.recv(65536)\n  open(sys.argv[2],"ab").write(d+b"\\n")', socket, collected],
    { reject: false },
  );
  await waitFor(() => fs.existsSync(collected), 'the syslog listener');
  return {
    env: { LTSP_IMAGE_SYSLOG_SOCKET: socket },
    read: () => fs.readFileSync(collected, 'utf8'),
    stop: async () => {
      listener.kill();
      await listener;
    },
  };
}
