// Lets a run tell whoever watches it which phase it is in and how far mksquashfs got; under Ansible nobody watches.
export interface Progress {
  /** True when someone watches live (a terminal), so the build may pay for a pseudo-terminal to get mksquashfs's progress. */
  readonly live: boolean;
  start(phase: string): void;
  end(phase: string, seconds: number): void;
  /** Work done so far in the current phase, e.g. mksquashfs blocks. */
  advance(done: number, total: number): void;
  /** Something the watcher should know while it happens, such as waiting for a lock. */
  note(message: string): void;
}

/** Module runs: only the waiting notes, on stderr, where the reference tool prints them. */
export const quietProgress: Progress = {
  live: false,
  start() {},
  end() {},
  advance() {},
  note(message) {
    process.stderr.write(`${message}\n`);
  },
};
