// A resolved source as the state file records it, field by field: a field added to ResolvedSource stays out of the file until the schema has it.
import type { StateSource } from '../generated/formats/image_state.js';
import type { ResolvedSource } from './kinds.js';

/** Only the fields that are set: an absent optional field stays absent, as records of earlier builds have it. */
function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

export function stateRecordOf(source: ResolvedSource): StateSource {
  const common = { spec: source.spec, path: source.path, subdir: source.subdir, options: [...source.options] };
  switch (source.kind) {
    case 'directory':
      return defined({ ...common, kind: source.kind });
    case 'filesystem':
      return defined({ ...common, kind: source.kind, fstype: source.fstype, format: source.format, chain: source.chain && [...source.chain] });
    case 'disk':
      return defined({
        ...common,
        kind: source.kind,
        fstype: source.fstype,
        format: source.format,
        chain: source.chain && [...source.chain],
        partition: source.partition,
        offset: source.offset,
        sizelimit: source.sizelimit,
        fstab: source.fstab,
      });
  }
}
