// Entry point of the read-only ltsp_image_info module.
import { ltspImageInfoSchema } from '../src/generated/ltsp_image_info.js';
import validate from '../src/generated/ltsp_image_info.validate.js';
import { runLtspImageInfo } from '../src/info/run.js';
import { runModule } from '../src/runtime/module.js';

const definitions = ltspImageInfoSchema.definitions as Record<string, Record<string, unknown>>;

void runModule({ name: 'ltsp_image_info', optionsSchema: definitions.options!, validate, run: runLtspImageInfo });
