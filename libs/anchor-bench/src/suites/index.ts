// Every anchor suite, in the order the table prints them.

import type { AnchorSuite } from '../anchor-row';
import { nginxGrpcSuite } from './nginx-grpc';
import { xmlrpcInventorySuite } from './xmlrpc-inventory';

export const SUITES: readonly AnchorSuite[] = [nginxGrpcSuite, xmlrpcInventorySuite];
