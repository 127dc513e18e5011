// Every anchor suite, in the order the table prints them.

import type { AnchorSuite } from '../anchor-row';
import { etcdLockSuite } from './etcd-lock';
import { peersAtRestSuite } from './peers-at-rest';

export const SUITES: readonly AnchorSuite[] = [etcdLockSuite, peersAtRestSuite];
