// Prints this process's system-clock epoch as one JSON line: the system-clock spec starts several of these at once.
import { systemEpoch } from '../time/system-clock';

process.stdout.write(`${JSON.stringify(systemEpoch())}\n`);
