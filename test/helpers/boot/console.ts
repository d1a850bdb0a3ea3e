// A QEMU client's serial console as text: markers the client prints are parsed from it, and its tail goes into failure messages.

/** Every line the client's checks print starts with this, so it stands out from kernel and systemd output. */
export const MARKER = 'ltsp-boot-check:';

// systemd colours its status lines and moves the cursor (ESC M, ESC [K); \r comes from the serial line discipline.
const ESCAPES = /\x1b(\[[0-9;?]*)?[A-Za-z]|\r/g;

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
