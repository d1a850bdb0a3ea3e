// A bare filesystem file, raw or in a VM disk format: loop-mounted whole, known by its files' identity, walked only mounted.
import { mountOptionsFor } from './probe.js';
import type { FilesystemSource, KindModule } from './kinds.js';

export const filesystemKind: KindModule<FilesystemSource> = {
  hostTree: () => null,
  identityFiles: (source) => [source.path, ...(source.chain ?? [])],
  mountArgv: (source, file, target) => ['mount', '-t', source.fstype, '-o', ['loop', mountOptionsFor(source.fstype), ...source.options].join(','), file, target],
  recorded: (source) => ({ path: source.path, kind: source.kind, subdir: source.subdir ?? null, partition: null, fstype: source.fstype, options: source.options }),
  specOptions: (source) => [`fstype=${source.fstype}`],
};
