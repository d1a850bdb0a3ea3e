// Secrets cleanup must scrub that sit behind symlinks inside the tree, and logs whose names are not UTF-8: one seeding for the build tests and the differential test.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeAll } from './chroot-fixture.js';

/** What must not be readable anywhere in the image. */
export const LINKED_NEEDLES = ['SECRET-DEBCONF-PASSWORD', 'SECRET-FSTAB-PASSWORD', 'SECRET-PRINTER-PASSWORD', 'SECRET-LOG-LINE'];

/** The targets, all under data/ (a top-level dir of the tree). */
export const LINK_TARGETS = { passwords: 'data/pw.dat', fstab: 'data/fstab', printers: 'data/printers.conf' } as const;

/** The symlinks, and where each points (passwords.dat's relative form; fstab's through data/fstab-link). */
const LINKS: [rel: string, target: string][] = [
  ['var/cache/debconf/passwords.dat', `../../../${LINK_TARGETS.passwords}`],
  ['etc/fstab', '../data/fstab-link'],
  ['etc/cups/printers.conf', `../../${LINK_TARGETS.printers}`],
];

/** var/log names that are not UTF-8 (latin1 é, and 0xff), as bytes. */
export const NON_UTF8_LOGS = [Buffer.from('caf\xe9.log', 'latin1'), Buffer.from('\xffsyslog', 'latin1')];

export const PRINTER_COMMENTS = '# Printer configuration file for CUPS v2.4.2\n# Written by cupsd\n';
export const PRINTERS_WITH_QUEUE = `${PRINTER_COMMENTS}<DefaultPrinter Office>\nDeviceURI ipp://scan:SECRET-PRINTER-PASSWORD@printer.example.lan/ipp/print\n</DefaultPrinter>\n`;

/** Undoes a seeding, so that a shared tree is as it was for what runs next. */
export type Restore = () => Promise<void>;

/**
 * var/cache/debconf/passwords.dat, etc/fstab (through a chain of two links) and etc/cups/printers.conf become
 * symlinks to files under data/ holding secrets; what they replace is kept beside the tree until restored.
 * With `absolute`, passwords.dat's link is absolute (/data/pw.dat): in-tree for a chroot, on the host for the reference.
 */
export async function seedSymlinkedSecrets(root: string, options: { absolute?: boolean } = {}): Promise<Restore> {
  await writeAll(root, [
    [LINK_TARGETS.passwords, 'Name: mariadb-server/root_password\nTemplate: mariadb-server/root_password\nValue: SECRET-DEBCONF-PASSWORD\n\n', 0o600],
    [LINK_TARGETS.fstab, '//nas/share /mnt/share cifs username=backup,password=SECRET-FSTAB-PASSWORD 0 0\n'],
    [LINK_TARGETS.printers, PRINTERS_WITH_QUEUE, 0o600],
  ]);
  await fs.symlink('fstab', path.join(root, 'data/fstab-link'));
  const saved = await fs.mkdtemp(path.join(path.dirname(root), '.replaced-'));
  const had: boolean[] = [];
  for (const [i, [rel, target]] of LINKS.entries()) {
    const file = path.join(root, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    had[i] = await fs.rename(file, path.join(saved, String(i))).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        return false;
      },
    );
    await fs.symlink(i === 0 && options.absolute ? `/${LINK_TARGETS.passwords}` : target, file);
  }
  return async () => {
    for (const [i, [rel]] of LINKS.entries()) {
      await fs.rm(path.join(root, rel));
      if (had[i]) await fs.rename(path.join(saved, String(i)), path.join(root, rel));
    }
    await fs.rm(path.join(root, 'data'), { recursive: true });
    await fs.rm(saved, { recursive: true });
  };
}

/** Two logs directly in var/log whose names are not UTF-8. */
export async function seedNonUtf8Logs(root: string): Promise<Restore> {
  const logDir = Buffer.from(path.join(root, 'var/log/'));
  await fs.mkdir(logDir, { recursive: true });
  for (const name of NON_UTF8_LOGS) await fs.writeFile(Buffer.concat([logDir, name]), 'server sshd: SECRET-LOG-LINE\n', { mode: 0o640 });
  return async () => {
    for (const name of NON_UTF8_LOGS) await fs.rm(Buffer.concat([logDir, name]));
  };
}
