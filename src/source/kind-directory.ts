// A chroot directory (or `/`): the one kind that is walked, locked and read where it is, and bind-mounted rather than loop-mounted.
import type { DirectorySource, KindModule } from './kinds.js';

export const directoryKind: KindModule<DirectorySource> = {
  hostTree: (source) => source.path,
  identityFiles: () => [],
  mountArgv: (source, file, target) => ['mount', '-o', ['bind', 'ro', ...source.options].join(','), file, target],
  recorded: (source) => ({ path: source.path, kind: source.kind, subdir: source.subdir ?? null, partition: null, fstype: null, options: source.options }),
  specOptions: () => [],
};
