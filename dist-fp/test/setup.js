// Root hooks: children of the tests see the machine's Node, not node_modules/.bin/node (which is Node 18 for the compatibility test).
import path from 'node:path';
process.env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !dir.endsWith(`node_modules${path.sep}.bin`))
    .join(path.delimiter);
//# sourceMappingURL=setup.js.map