// Every anchor suite, in the order the table prints them.

import type { AnchorSuite } from '../anchor-row';

export const SUITES: readonly AnchorSuite[] = [];
