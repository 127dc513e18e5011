// One etcd locker, as a user of etcd's v3 gRPC API would lock from Node: a channel of its own, a lease of its own
// (LeaseGrant), then Lock (which waits while another holds the name) and Unlock with the key Lock returned. The
// services are loaded with @grpc/proto-loader from the hand-written v3lock.proto and lease.proto beside this file.

import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** int64 fields as strings (etcd's lease ids use all 64 bits), bytes as Buffers. */
const LOAD_OPTIONS = { longs: String, defaults: false, keepCase: false } as const;

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: Callback<Res>) => void;
interface LockClient extends grpc.Client {
  lock: Unary<{ name: Buffer; lease: string }, { key: Buffer }>;
  unlock: Unary<{ key: Buffer }, object>;
}
interface LeaseClient extends grpc.Client {
  leaseGrant: Unary<{ TTL: string }, { ID: string; error?: string }>;
}

let constructors: { Lock: grpc.ServiceClientConstructor; Lease: grpc.ServiceClientConstructor } | undefined;
function loadConstructors(): NonNullable<typeof constructors> {
  if (constructors !== undefined) return constructors;
  const definition = grpc.loadPackageDefinition(
    loadSync([join(__dirname, 'v3lock.proto'), join(__dirname, 'lease.proto')], LOAD_OPTIONS),
  ) as unknown as {
    v3lockpb: { Lock: grpc.ServiceClientConstructor };
    etcdserverpb: { Lease: grpc.ServiceClientConstructor };
  };
  constructors = { Lock: definition.v3lockpb.Lock, Lease: definition.etcdserverpb.Lease };
  return constructors;
}

const CALL_DEADLINE_MS = 30_000;

function call<Req, Res>(method: Unary<Req, Res>, client: grpc.Client, request: Req, deadlineMs: number): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(client, request, { deadline: Date.now() + deadlineMs }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

/** A locker with its own connection to etcd; `lockUnlock` after `grantLease`. */
export class EtcdLocker {
  private readonly lockClient: LockClient;
  private readonly leaseClient: LeaseClient;
  private leaseId: string | undefined;

  constructor(address: string) {
    const { Lock, Lease } = loadConstructors();
    // A channel of its own per locker, as separate users have (grpc-js would otherwise share one connection).
    const options = { 'grpc.use_local_subchannel_pool': 1 };
    this.lockClient = new Lock(address, grpc.credentials.createInsecure(), options) as unknown as LockClient;
    this.leaseClient = new Lease(address, grpc.credentials.createInsecure(), options) as unknown as LeaseClient;
  }

  /** Grants this locker's lease (`ttlSeconds`), which its locks are held under. */
  async grantLease(ttlSeconds: number, deadlineMs = CALL_DEADLINE_MS): Promise<void> {
    const granted = await call(this.leaseClient.leaseGrant, this.leaseClient, { TTL: String(ttlSeconds) }, deadlineMs);
    if (granted.error) throw new Error(`etcd refused a lease: ${granted.error}`);
    this.leaseId = granted.ID;
  }

  /** Takes the lock `name` (waiting while another locker holds it), then releases it. */
  async lockUnlock(name: Buffer): Promise<void> {
    if (this.leaseId === undefined) throw new Error('grant a lease before locking');
    const { key } = await call(this.lockClient.lock, this.lockClient, { name, lease: this.leaseId }, CALL_DEADLINE_MS);
    await call(this.lockClient.unlock, this.lockClient, { key }, CALL_DEADLINE_MS);
  }

  close(): void {
    this.lockClient.close();
    this.leaseClient.close();
  }
}
