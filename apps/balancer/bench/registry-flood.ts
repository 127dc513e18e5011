// The registry under the fuzzer's flood, as fuzz.spec.ts sends it, with a factorial worker keeping its lease: what
// the hostile calls got, and whether the worker's lease held (the registry's own view, looked up every 200 ms).
//
//   node --conditions=@distlab/source --import tsx apps/balancer/bench/registry-flood.ts [requests] [cpu-profile-dir]
//
// With a profile directory, the balancer runs under node --cpu-prof and writes its profile there when it stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { freePort, fuzzInChildProcess, waitForServing, WORKSPACE_ROOT } from '@distlab/testing';

const WORKER_NAME = 'distlab.factorial.v1.FactorialService';
const FUZZED = ['distlab.registry.v1.RegistryService', 'distlab.balancer.v1.BalancerService'];
const POLL_MS = 200;

function startApp(app: string, args: string[], nodeOptions: string[] = []): ChildProcess {
  const entry = join(WORKSPACE_ROOT, 'apps', app, 'src', 'main.ts');
  return spawn(process.execPath, [...nodeOptions, '--conditions=@distlab/source', '--import', 'tsx', entry, ...args], {
    cwd: WORKSPACE_ROOT,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 1500);
  const profileDir = process.argv[3];
  const address = `127.0.0.1:${await freePort()}`;
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const balancer = startApp('balancer', ['--port', address.split(':')[1], '--log-level', 'error'], profile);
  await waitForServing(address);
  const worker = startApp('factorial-worker', [
    ...['--port', String(await freePort()), '--registry', address, '--log-level', 'error'],
  ]);
  const registry = createClient(RegistryServiceClient, address, { deadlineMs: 5000, maxAttempts: 1 });
  const leaseIds = new Set<string>();
  let missing = 0;
  let polling = true;
  const poller = (async () => {
    for (let poll = 0; polling && poll < 100_000; poll += 1) {
      const found = await unaryCall(registry, 'lookup', { name: WORKER_NAME }).catch(() => undefined);
      if (found !== undefined && found.registrations.length === 0 && leaseIds.size > 0) missing += 1;
      for (const entry of found?.registrations ?? []) leaseIds.add(entry.leaseId);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  for (let waited = 0; leaseIds.size === 0 && waited < 300; waited += 1) await new Promise((r) => setTimeout(r, 100));
  const reports = await fuzzInChildProcess(address, FUZZED, { requests, seed: 21, deadlineMs: 1_000 });
  polling = false;
  await poller;
  for (const report of reports) console.log(`${report.service}: ${JSON.stringify(report.statuses)}`);
  console.log(`worker: ${leaseIds.size} lease id(s) seen, missing from the registry in ${missing} lookups`);
  registry.close();
  worker.kill('SIGTERM');
  balancer.kill('SIGTERM');
  await Promise.all([once(worker, 'exit'), once(balancer, 'exit')]);
}

void main();
