// Entry point of the ltsp_image module (and its command line); the same file is re-executed inside the private namespace as the build worker.
import { runLtspImage } from '../src/build/run.js';
import { summarizeBuild } from '../src/cli/summary.js';
import { ltspImageSchema } from '../src/generated/ltsp_image.js';
import validate from '../src/generated/ltsp_image.validate.js';
import { WORKER_FLAG } from '../src/namespace/protocol.js';
import { workerMain } from '../src/namespace/worker.js';
import { detectImages } from '../src/source/detect.js';
import { fromSchema } from '../src/runtime/definition.js';
import { start } from '../src/runtime/start.js';

if (process.argv[2] === WORKER_FLAG) {
  void workerMain();
} else {
  void start({ name: 'ltsp_image', ...fromSchema(ltspImageSchema), validate, run: runLtspImage, summarize: summarizeBuild, detectImages });
}
