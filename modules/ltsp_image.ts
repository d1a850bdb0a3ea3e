// Entry point of the ltsp_image module (and its command line); start() also runs it as the namespace worker.
import { runLtspImage } from '../src/image/run.js';
import { summarizeBuild } from '../src/cli/summary.js';
import { ltspImageSchema } from '../src/generated/ltsp_image.js';
import validate from '../src/generated/ltsp_image.validate.js';
import { detectImages } from '../src/source/detect.js';
import { fromSchema } from '../src/runtime/definition.js';
import { start } from '../src/start.js';

void start({ name: 'ltsp_image', ...fromSchema(ltspImageSchema), validate, run: runLtspImage, summarize: summarizeBuild, detectImages });
