// Entry point of the ltsp_image_revert module (and its command line); re-executed inside the private namespace to read the kernel from the image.
import { summarizeRevert } from '../src/cli/summary.js';
import { ltspImageRevertSchema } from '../src/generated/ltsp_image_revert.js';
import validate from '../src/generated/ltsp_image_revert.validate.js';
import { WORKER_FLAG } from '../src/namespace/protocol.js';
import { workerMain } from '../src/namespace/worker.js';
import { runLtspImageRevert } from '../src/revert/run.js';
import { fromSchema } from '../src/runtime/definition.js';
import { start } from '../src/runtime/start.js';

if (process.argv[2] === WORKER_FLAG) {
  void workerMain();
} else {
  void start({ name: 'ltsp_image_revert', ...fromSchema(ltspImageRevertSchema), validate, run: runLtspImageRevert, summarize: summarizeRevert });
}
