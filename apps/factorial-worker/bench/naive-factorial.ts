// The naive loop, as the benchmark's reference: multiply 1·2·…·n one factor at a time, then V8's toString. Run in a
// child process so that the benchmark can stop it at its time limit.
const n = Number(process.argv[2]);
const startedAt = performance.now();
let product = 1n;
for (let factor = 2n; factor <= BigInt(n); factor += 1n) product *= factor;
const digits = product.toString().length;
process.stdout.write(`${JSON.stringify({ n, digits, elapsedMs: performance.now() - startedAt })}\n`);
