// Every anchor suite, in the order the table prints them.

import type { AnchorSuite } from '../anchor-row';
import { xmlrpcInventorySuite } from './xmlrpc-inventory';

export const SUITES: readonly AnchorSuite[] = [xmlrpcInventorySuite];
