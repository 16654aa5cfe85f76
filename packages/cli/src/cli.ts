import { processEnv } from './config.js';
import { processIo } from './output.js';
import { main } from './program.js';

// Set the code instead of calling process.exit(): stdout is flushed before the process ends.
process.exitCode = await main(process.argv.slice(2), processIo(), processEnv());
