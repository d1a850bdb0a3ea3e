// A QEMU client's serial console as text: markers the client prints are parsed from it, and its tail goes into failure reports.

/** Every line the client's report prints starts with this, so it stands out from kernel and systemd output. */
export const MARKER = 'ltsp-boot-check:';

// systemd colours its status lines and moves the cursor (ESC M, ESC [K); \r comes from the serial line discipline.
const ESCAPES = /\x1b(\[[0-9;?]*)?[A-Za-z]|\r/g;

// What a client prints when it will never reach multi-user.target: waiting for the timeout would only cost minutes.
// `cause`: the line before says why (LTSP's die() prints its reason, then this line, then sleeps forever).
const FATAL: { pattern: RegExp; what: string; cause?: true }[] = [
  { pattern: /Kernel panic - not syncing:[^\n]*/, what: 'kernel panic' },
  { pattern: /You are in emergency mode[^\n]*/, what: 'systemd emergency mode' },
  { pattern: /Entering emergency mode[^\n]*/, what: 'systemd emergency mode' },
  { pattern: /Give root password for maintenance[^\n]*/, what: 'systemd emergency mode' },
  { pattern: /No working init found[^\n]*/, what: 'no init' },
  { pattern: /Target filesystem doesn't have requested [^\n]*/, what: 'no init in the image' },
  { pattern: /LTSP boot error![^\n]*/, what: 'LTSP boot error', cause: true },
  { pattern: /Gave up waiting for root (file system )?device[^\n]*/, what: 'initramfs gave up on the root device' },
  { pattern: /Rebooting automatically due to panic= boot argument[^\n]*/, what: 'initramfs panic', cause: true },
  { pattern: /ALERT! [^\n]*Dropping to a shell![^\n]*/, what: 'dropped to the initramfs shell' },
];

export function plainConsole(raw: string): string {
  return raw.replace(ESCAPES, '');
}

/** The last `lines` lines of the console, without colour codes. */
export function consoleTail(raw: string, lines = 40): string {
  return plainConsole(raw).trimEnd().split('\n').slice(-lines).join('\n');
}

/** `ltsp-boot-check: key=value` lines as a map (the last value of a key wins). */
export function consoleMarkers(raw: string): Map<string, string> {
  const markers = new Map<string, string>();
  const pattern = new RegExp(`${MARKER} ([A-Za-z0-9_.-]+)=(.*)$`, 'gm');
  for (const match of plainConsole(raw).matchAll(pattern)) markers.set(match[1]!, match[2]!.trim());
  return markers;
}

// Lines that say nothing of the cause: LTSP's die() without a message, and kernel messages printed in between.
const NOT_A_CAUSE = /^(Aborting ltsp|\[\s*\d+\.\d+\] .*)$/;

/** The last line before a fatal one that says why, if any of the few before it does. */
function causeBefore(text: string): string | undefined {
  const lines = text.trimEnd().split('\n').slice(-5).map((line) => line.trim());
  return lines.reverse().find((line) => line !== '' && !NOT_A_CAUSE.test(line));
}

/**
 * What the console shows that means the boot failed for good (`kernel panic: Attempted to kill init!...`), or null.
 * Only complete lines count, so a line QEMU writes in two pieces is reported whole.
 */
export function fatalSign(text: string): string | null {
  const plain = plainConsole(text.slice(0, text.lastIndexOf('\n') + 1));
  for (const { pattern, what, cause } of FATAL) {
    const match = pattern.exec(plain);
    if (!match) continue;
    const line = match[0].trim();
    const before = cause ? causeBefore(plain.slice(0, match.index)) : undefined;
    return `${what}: ${before ? `${before} ... ` : ''}${line}`;
  }
  return null;
}
