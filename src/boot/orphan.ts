// Children of the boot check die with the module, even on SIGKILL: setpriv sets the parent-death signal Node cannot set itself.

/** argv that runs `argv` with SIGKILL as its parent-death signal (util-linux's setpriv). */
export function diesWithParent(argv: string[]): string[] {
  return ['setpriv', '--pdeathsig', 'KILL', '--', ...argv];
}
