// Worker threads do not inherit the loader hooks that `--import tsx` installed in the main thread: register tsx here,
// then run the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./load-worker.ts');
