// What registrations of addresses nobody serves cost the balancer: its CPU (process.cpuUsage, as a fraction of one
// core) over five idle seconds while it holds `count` of them, each watched for health by its own watch.
//
//   node --conditions=@distlab/source --import tsx apps/balancer/bench/dead-backend-watches.ts [count...]
import { silentLogger } from '@distlab/grpc-kit';
import { startBalancer } from '../src/balancer-server';

const SETTLE_MS = 3000;
const MEASURE_MS = 5000;

async function coreFraction(count: number): Promise<number> {
  const balancer = await startBalancer({
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    registry: { registrationsPerClientMax: count + 1 },
  });
  // Ports from 20000 up on loopback: nothing listens there, so every dial is refused.
  for (let index = 0; index < count; index += 1)
    balancer.leases.register('dead', `127.0.0.1:${20_000 + index}`, {}, 3_600_000, Date.now());
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const before = process.cpuUsage();
  const startedMs = Date.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const used = process.cpuUsage(before);
  const fraction = (used.user + used.system) / 1000 / (Date.now() - startedMs);
  await balancer.shutdown(0);
  return fraction;
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  for (const count of counts.length > 0 ? counts : [0, 128]) {
    console.log(`${count} dead registrations: ${(await coreFraction(count)).toFixed(3)} of a core`);
  }
}

void main();
