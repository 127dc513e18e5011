// Every anchor suite, in the order the table prints them.

import type { AnchorSuite } from '../anchor-row';
import { gmpFactorialSuite } from './gmp-factorial';

export const SUITES: readonly AnchorSuite[] = [gmpFactorialSuite];
