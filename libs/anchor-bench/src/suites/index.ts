// Every anchor suite, in the order the table prints them (the order of the table).

import type { AnchorSuite } from '../anchor-row';
import { etcdLockSuite } from './etcd-lock';
import { gmpFactorialSuite } from './gmp-factorial';
import { nginxGrpcSuite } from './nginx-grpc';
import { peersAtRestSuite } from './peers-at-rest';
import { xmlrpcInventorySuite } from './xmlrpc-inventory';

export const SUITES: readonly AnchorSuite[] = [
  nginxGrpcSuite,
  xmlrpcInventorySuite,
  etcdLockSuite,
  gmpFactorialSuite,
  peersAtRestSuite,
];
