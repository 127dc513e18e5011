// A fixture process for the testing library's own tests: prints a greeting, echoes stdin lines, exits with code 3.
import { createInterface } from 'node:readline';

process.stdout.write('ready\n');
createInterface({ input: process.stdin })
  .on('line', (line) => process.stdout.write(`echo: ${line}\n`))
  .on('close', () => process.exit(3));
