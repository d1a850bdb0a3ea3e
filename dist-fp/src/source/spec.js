// Parses the `name` option: one source, or stacked sources `img1,opts1,,img2,opts2` with their special options.
import { ModuleError } from '../runtime/errors.js';
function parseOne(part, index) {
    const [spec = '', ...opts] = part.split(',');
    if (!spec)
        throw new ModuleError(`Option name: stacked source ${index + 1} is empty; write img1,opts1,,img2,opts2`);
    const out = { spec, options: [] };
    for (const opt of opts.filter(Boolean)) {
        const [key, ...rest] = opt.split('=');
        const value = rest.join('=');
        if (key === 'partition') {
            if (!/^[1-9]\d{0,3}$/.test(value))
                throw new ModuleError(`Option name: partition=${value} must be a partition number such as partition=2`);
            out.partition = Number(value);
        }
        else if (key === 'fstype') {
            if (!/^[a-z0-9_.]+$/.test(value))
                throw new ModuleError(`Option name: fstype=${value} is not a filesystem type such as fstype=ext4`);
            out.fstype = value;
        }
        else if (key === 'subdir') {
            const clean = value.replace(/^\/+|\/+$/g, '');
            if (!clean || clean.split('/').some((c) => c === '..' || c === '.' || c === '')) {
                throw new ModuleError(`Option name: subdir=${value} must be a directory inside the image, such as subdir=boot/efi`);
            }
            out.subdir = clean;
        }
        else {
            out.options.push(opt);
        }
    }
    if (index === 0 && out.subdir)
        throw new ModuleError('Option name: the first source is the image root and cannot have subdir=; give subdir= to the later stacked sources');
    if (index > 0 && !out.subdir)
        throw new ModuleError(`Option name: stacked source ${spec} needs subdir=DIR to say where it goes in the image, e.g. ${spec},subdir=boot`);
    return out;
}
export function parseSourceSpecs(name) {
    if (!name)
        throw new ModuleError('Option name is empty: give a chroot name, a path, or / for a chrootless image');
    if (name.includes('\0'))
        throw new ModuleError('Option name contains a NUL byte: give a chroot name, a path, or / for a chrootless image');
    return name.split(',,').map(parseOne);
}
//# sourceMappingURL=spec.js.map