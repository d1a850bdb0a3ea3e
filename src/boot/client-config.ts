// What the boot check adds to the client's /etc/ltsp (the image is never touched): a hook that enables our unit, which reports on the console and powers off.
import { MARKER } from './console.js';
import type { CpioFile } from './cpio.js';

const UNIT = 'ltsp-boot-check.service';

// `ltsp init` copies the initramfs' /etc/ltsp into the client's root and evaluates ltsp.conf's [clients] section;
// its POST_INIT_ commands run after its own scripts, before it executes systemd, so the unit is there when systemd reads units.
const LTSP_CONF = `# Written by the boot check: enables ${UNIT} on the client
[clients]
POST_INIT_BOOT_CHECK="mkdir -p /etc/systemd/system/multi-user.target.wants && cp /etc/ltsp/${UNIT} /etc/systemd/system/${UNIT} && ln -sf ../${UNIT} /etc/systemd/system/multi-user.target.wants/${UNIT}"
`;

// Ordered after the target it is wanted by: it starts once multi-user.target is reached, and powers off whatever happens.
const SERVICE = `[Unit]
Description=LTSP boot check: report on the console and power off
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/sh /etc/ltsp/ltsp-boot-check

[Install]
WantedBy=multi-user.target
`;

const REPORT = `#!/bin/sh
# Prints the boot check's markers on the console: the target's state, then the caller's checks, then done.
exec >/dev/console 2>&1
echo "${MARKER} multi-user.target=$(systemctl is-active multi-user.target) uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -f /etc/ltsp/ltsp-boot-check.d/checks ]; then
    sh /etc/ltsp/ltsp-boot-check.d/checks || echo "${MARKER} checks_exit=$?"
fi
echo "${MARKER} done=1"
`;

export interface ClientConfig {
  /** Accounts `ltsp init` merges into the client instead of the ones ltsp.img carries (the server's). */
  passwd?: string;
  group?: string;
  /** A POSIX shell script run on the client after multi-user.target; it prints `ltsp-boot-check: key=value` lines. */
  checks?: string;
}

/**
 * The files of the extra initrd archive, for writeCpio(). Its ltsp.conf replaces the server's in ltsp.img, so the
 * site's [clients] settings (network homes, printers) cannot hang a client that has no server to reach.
 */
export function clientConfigFiles(config: ClientConfig = {}): CpioFile[] {
  const files: CpioFile[] = [
    { path: 'etc/ltsp/ltsp.conf', content: LTSP_CONF, mode: 0o644 },
    { path: `etc/ltsp/${UNIT}`, content: SERVICE, mode: 0o644 },
    { path: 'etc/ltsp/ltsp-boot-check', content: REPORT, mode: 0o755 },
  ];
  if (config.passwd !== undefined) files.push({ path: 'etc/ltsp/passwd', content: config.passwd, mode: 0o644 });
  if (config.group !== undefined) files.push({ path: 'etc/ltsp/group', content: config.group, mode: 0o644 });
  if (config.checks !== undefined) files.push({ path: 'etc/ltsp/ltsp-boot-check.d/checks', content: config.checks, mode: 0o755 });
  return files;
}
