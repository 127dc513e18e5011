import { spawnSync, type ChildProcess } from 'node:child_process';
import { stopProcesses } from '@distlab/testing';
import { DEBIAN_PYTHON, missingRequirement } from '../requirements';
import { runLoadClient, startXmlRpcInventory } from './xmlrpc-inventory/python-load';

// The anchor does what the lab's inventory did (add, get, update, delete, list over XML-RPC, refusing an unknown id),
// and the load client drives it with every answer checked. No figure is asserted: this is not a benchmark.

const missing = missingRequirement([{ kind: 'binary', path: DEBIAN_PYTHON, debianPackage: 'python3' }]);
const describeIfPython = missing === undefined ? describe : describe.skip;
if (missing !== undefined) console.warn(`XML-RPC anchor test skipped: ${missing}`);

const SESSION = `
import sys, xmlrpc.client
proxy = xmlrpc.client.ServerProxy("http://" + sys.argv[1] + "/", allow_none=True)
first = proxy.add("apple", 3)
second = proxy.add("pear", 5)
assert proxy.get(first["id"]) == {"id": 1, "name": "apple", "quantity": 3}, proxy.get(first["id"])
assert proxy.update(second["id"], 7)["quantity"] == 7
assert [item["name"] for item in proxy.list()] == ["apple", "pear"]
assert proxy.delete(first["id"])["name"] == "apple"
try:
    proxy.get(first["id"])
    raise SystemExit("a deleted item was still there")
except xmlrpc.client.Fault as fault:
    assert "no item with id 1" in fault.faultString, fault.faultString
print("ok")
`;

describeIfPython("the lab's XML-RPC inventory (the anchor)", () => {
  let anchor: { address: string; child: ChildProcess } | undefined;
  beforeAll(async () => {
    anchor = await startXmlRpcInventory();
  }, 30_000);
  afterAll(async () => {
    if (anchor !== undefined) await stopProcesses([anchor.child]);
  });

  it('adds, gets, updates, lists and deletes items, and refuses an unknown id', () => {
    const session = spawnSync(DEBIAN_PYTHON, ['-c', SESSION, anchor!.address], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: session.status, stdout: session.stdout, stderr: session.stderr }).toEqual({
      status: 0,
      stdout: 'ok\n',
      stderr: '',
    });
  });

  it('is driven by the load client with several threads, every answer checked', async () => {
    const run = await runLoadClient({
      system: 'xmlrpc',
      client: 'threads',
      address: anchor!.address,
      callers: 2,
      durationMs: 300,
      stubs: '',
      serverPid: anchor!.child.pid,
    });
    expect(run.opsPerSecond).toBeGreaterThan(0);
    expect(run.clientCpuUsPerCall).toBeGreaterThan(0);
  }, 60_000);
});
