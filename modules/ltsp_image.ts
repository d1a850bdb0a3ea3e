// Entry point of the ltsp_image module; the same file is re-executed inside the private namespace as the build worker.
import { runLtspImage } from '../src/build/run.js';
import { ltspImageSchema } from '../src/generated/ltsp_image.js';
import validate from '../src/generated/ltsp_image.validate.js';
import { WORKER_FLAG } from '../src/namespace/protocol.js';
import { workerMain } from '../src/namespace/worker.js';
import { runModule } from '../src/runtime/module.js';

const definitions = ltspImageSchema.definitions as Record<string, Record<string, unknown>>;

if (process.argv[2] === WORKER_FLAG) {
  void workerMain();
} else {
  void runModule({ name: 'ltsp_image', optionsSchema: definitions.options!, validate, run: runLtspImage });
}
