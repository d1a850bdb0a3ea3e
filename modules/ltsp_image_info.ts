// Entry point of the read-only ltsp_image_info module (and its command line).
import { summarizeInfo } from '../src/cli/summary.js';
import { ltspImageInfoSchema } from '../src/generated/ltsp_image_info.js';
import validate from '../src/generated/ltsp_image_info.validate.js';
import { runLtspImageInfo } from '../src/info/run.js';
import { fromSchema } from '../src/runtime/definition.js';
import { start } from '../src/start.js';

void start({ name: 'ltsp_image_info', ...fromSchema(ltspImageInfoSchema), validate, run: runLtspImageInfo, summarize: summarizeInfo });
