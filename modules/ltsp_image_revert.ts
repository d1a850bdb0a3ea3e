// Entry point of the ltsp_image_revert module; re-executed inside the private namespace to read the kernel from the image.
import { ltspImageRevertSchema } from '../src/generated/ltsp_image_revert.js';
import validate from '../src/generated/ltsp_image_revert.validate.js';
import { WORKER_FLAG } from '../src/namespace/protocol.js';
import { workerMain } from '../src/namespace/worker.js';
import { runLtspImageRevert } from '../src/revert/run.js';
import { runModule } from '../src/runtime/module.js';

const definitions = ltspImageRevertSchema.definitions as Record<string, Record<string, unknown>>;

if (process.argv[2] === WORKER_FLAG) {
  void workerMain();
} else {
  void runModule({ name: 'ltsp_image_revert', optionsSchema: definitions.options!, validate, run: runLtspImageRevert });
}
