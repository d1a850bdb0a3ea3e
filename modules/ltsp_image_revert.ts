// Entry point of the ltsp_image_revert module (and its command line); start() also runs it as the namespace worker.
import { summarizeRevert } from '../src/cli/summary.js';
import { ltspImageRevertSchema } from '../src/generated/ltsp_image_revert.js';
import validate from '../src/generated/ltsp_image_revert.validate.js';
import { runLtspImageRevert } from '../src/revert/run.js';
import { fromSchema } from '../src/runtime/definition.js';
import { start } from '../src/start.js';

void start({ name: 'ltsp_image_revert', ...fromSchema(ltspImageRevertSchema), validate, run: runLtspImageRevert, summarize: summarizeRevert });
