// A partition of a raw or VM disk: a read-only loop device at its byte range, known by the disk's files' identity, walked only mounted.
import { mountOptionsFor } from './probe.js';
import type { KindModule, PartitionSource } from './kinds.js';

export const partitionKind: KindModule<PartitionSource> = {
  hostTree: () => null,
  identityFiles: (source) => [source.path, ...(source.chain ?? [])],
  mountArgv: (source, file, target) => {
    const options = ['loop', mountOptionsFor(source.fstype), `offset=${source.offset}`, `sizelimit=${source.sizelimit}`, ...source.options];
    return ['mount', '-t', source.fstype, '-o', options.join(','), file, target];
  },
  recorded: (source) => ({ path: source.path, kind: source.kind, subdir: source.subdir ?? null, partition: source.partition, fstype: source.fstype, options: source.options }),
  specOptions: (source) => [`partition=${source.partition}`, `fstype=${source.fstype}`],
};
