// Worker threads do not inherit the loader hooks that `--import tsx` installed in the main thread: register tsx here,
// then run the TypeScript worker.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

// Both: a .ts file in a CommonJS package is loaded through the CommonJS hook, its imports through either.
registerCommonJs();
registerEsm();
await import('./load-worker.ts');
