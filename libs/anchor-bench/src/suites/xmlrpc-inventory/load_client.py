"""Drives an inventory with N callers for a fixed time, each alternating add and get of the item it just added, each on
a connection (XML-RPC) or channel (gRPC) of its own, and prints the calls per second and the CPU this process used as
JSON.

    /usr/bin/python3 load_client.py --system xmlrpc --address 127.0.0.1:PORT --callers 4 --duration-ms 2000
    PYTHONPATH=STUBS /usr/bin/python3 load_client.py --system grpc --address 127.0.0.1:PORT --callers 4 --client asyncio

Two ways to run the callers, as a Python user would write them:
- threads (every system): N threads, each making blocking calls (xmlrpc.client.ServerProxy; grpcio's sync stubs);
- asyncio (gRPC only; the standard library has no asynchronous XML-RPC client): N tasks on one asyncio event loop,
  each awaiting its calls through grpc.aio stubs (the same generated code, on a grpc.aio channel), so N calls are in
  flight as with N threads, without a thread per call.

The gRPC stubs are generated from proto/ (examples/python-client/generate.sh) into STUBS. Every call's result is
checked (the get returns the name just added), so a system that answers wrongly cannot look fast.
"""

import argparse
import asyncio
import json
import os
import threading
import time
import xmlrpc.client

CALLS_PER_CALLER_MAX = 10_000_000  # A bound on each loop besides its duration.


def xmlrpc_operations(address):
    # As the lab's clients: a plain ServerProxy, whose transport keeps its HTTP/1.1 connection between calls.
    proxy = xmlrpc.client.ServerProxy(f"http://{address}/", allow_none=True)

    def add(name):
        return proxy.add(name, 1)["id"]

    def get(item_id):
        return proxy.get(item_id)["name"]

    return add, get, proxy.__exit__


def grpc_operations(address):
    import grpc
    from distlab.inventory.v1 import inventory_pb2, inventory_pb2_grpc

    # A channel of its own per thread: grpcio would otherwise share one connection among channels with equal arguments.
    channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
    stub = inventory_pb2_grpc.InventoryServiceStub(channel)

    def add(name):
        return stub.AddItem(inventory_pb2.AddItemRequest(name=name, quantity=1), timeout=10).item.id

    def get(item_id):
        return stub.GetItem(inventory_pb2.GetItemRequest(id=item_id), timeout=10).item.name

    return add, get, lambda *_: channel.close()


def grpc_echo_operations(address):
    """The floor of distlab's side: the same client and server stack (a peer's GreeterService), no storage."""
    import grpc
    from distlab.greeter.v1 import greeter_pb2, greeter_pb2_grpc

    channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
    stub = greeter_pb2_grpc.GreeterServiceStub(channel)
    names = {}

    def add(name):
        stub.SayHello(greeter_pb2.SayHelloRequest(name=name), timeout=10)
        names[len(names) + 1] = name
        return len(names)

    def get(item_id):
        stub.SayHello(greeter_pb2.SayHelloRequest(name=names[item_id]), timeout=10)
        return names.pop(item_id)

    return add, get, lambda *_: channel.close()


OPERATIONS = {"xmlrpc": xmlrpc_operations, "grpc": grpc_operations, "grpc-echo": grpc_echo_operations}


def grpc_asyncio_operations(address):
    """As grpc_operations, through grpc.aio: the calls are awaited; the channel is closed by awaiting close()."""
    import grpc
    from distlab.inventory.v1 import inventory_pb2, inventory_pb2_grpc

    channel = grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
    stub = inventory_pb2_grpc.InventoryServiceStub(channel)

    async def add(name):
        return (await stub.AddItem(inventory_pb2.AddItemRequest(name=name, quantity=1), timeout=10)).item.id

    async def get(item_id):
        return (await stub.GetItem(inventory_pb2.GetItemRequest(id=item_id), timeout=10)).item.name

    return add, get, channel.close


def grpc_echo_asyncio_operations(address):
    """The floor of distlab's side through grpc.aio: a peer's SayHello, no storage."""
    import grpc
    from distlab.greeter.v1 import greeter_pb2, greeter_pb2_grpc

    channel = grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
    stub = greeter_pb2_grpc.GreeterServiceStub(channel)
    names = {}

    async def add(name):
        await stub.SayHello(greeter_pb2.SayHelloRequest(name=name), timeout=10)
        names[len(names) + 1] = name
        return len(names)

    async def get(item_id):
        await stub.SayHello(greeter_pb2.SayHelloRequest(name=names[item_id]), timeout=10)
        return names.pop(item_id)

    return add, get, channel.close


ASYNCIO_OPERATIONS = {"grpc": grpc_asyncio_operations, "grpc-echo": grpc_echo_asyncio_operations}


def check_pair(name, item_id, got):
    if got != name:
        raise AssertionError(f"item {item_id} came back with another name than {name}")


def drive(system, address, caller_index, deadline, pairs, results):
    """One thread: blocking calls, add then get of the item just added, until the deadline or `pairs` pairs."""
    add, get, close = OPERATIONS[system](address)
    calls = 0
    errors = 0
    first_error = None
    try:
        for index in range(pairs):
            if time.monotonic() >= deadline:
                break
            name = f"t{caller_index}-{index}"
            try:
                item_id = add(name)
                calls += 1
                check_pair(name, item_id, get(item_id))
                calls += 1
            except Exception as error:  # Counted and reported: a failing system must not look fast.
                errors += 1
                first_error = first_error or repr(error)[:300]
    finally:
        close(None, None, None)
    results[caller_index] = (calls, errors, first_error)


async def drive_asyncio(system, address, caller_index, deadline, pairs, results):
    """One asyncio task: the same loop as drive, each call awaited."""
    add, get, close = ASYNCIO_OPERATIONS[system](address)
    calls = 0
    errors = 0
    first_error = None
    try:
        for index in range(pairs):
            if time.monotonic() >= deadline:
                break
            name = f"t{caller_index}-{index}"
            try:
                item_id = await add(name)
                calls += 1
                check_pair(name, item_id, await get(item_id))
                calls += 1
            except Exception as error:  # Counted and reported, as in drive.
                errors += 1
                first_error = first_error or repr(error)[:300]
    finally:
        await close()
    results[caller_index] = (calls, errors, first_error)


def run_threads(system, address, callers, deadline, pairs):
    results = [None] * callers
    threads = [
        threading.Thread(target=drive, args=(system, address, index, deadline, pairs, results))
        for index in range(callers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def run_asyncio(system, address, callers, deadline, pairs):
    results = [None] * callers

    async def all_callers():
        callers_running = (drive_asyncio(system, address, index, deadline, pairs, results) for index in range(callers))
        await asyncio.gather(*callers_running)

    asyncio.run(all_callers())
    return results


async def warm_up_asyncio(system, address):
    add, get, close = ASYNCIO_OPERATIONS[system](address)
    await get(await add("warm-up"))
    await close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", choices=sorted(OPERATIONS), required=True)
    parser.add_argument("--address", required=True, help="host:port")
    parser.add_argument("--client", choices=["threads", "asyncio"], default="threads")
    parser.add_argument("--callers", type=int, default=1, help="calls in flight: threads, or asyncio tasks")
    parser.add_argument("--duration-ms", type=int, default=2000)
    parser.add_argument(
        "--calls-per-caller",
        type=int,
        default=CALLS_PER_CALLER_MAX,
        help="stop each caller after this many calls even before the duration (for instruction counts under valgrind)",
    )
    arguments = parser.parse_args()
    if arguments.client == "asyncio" and arguments.system not in ASYNCIO_OPERATIONS:
        parser.error(f"--client asyncio drives {sorted(ASYNCIO_OPERATIONS)} only")

    # Warm-up (imports, the first connection), not measured.
    if arguments.client == "asyncio":
        asyncio.run(warm_up_asyncio(arguments.system, arguments.address))
    else:
        add, get, close = OPERATIONS[arguments.system](arguments.address)
        get(add("warm-up"))
        close(None, None, None)

    run = run_asyncio if arguments.client == "asyncio" else run_threads
    cpu_before = os.times()
    started = time.monotonic()
    deadline = started + arguments.duration_ms / 1000
    pairs = min(arguments.calls_per_caller, CALLS_PER_CALLER_MAX) // 2
    results = run(arguments.system, arguments.address, arguments.callers, deadline, pairs)
    elapsed = time.monotonic() - started
    cpu_after = os.times()
    calls = sum(result[0] for result in results)
    errors = sum(result[1] for result in results)
    first_error = next((result[2] for result in results if result[2] is not None), None)
    # This process's CPU over the measured window, every thread (grpcio's own included), user and system.
    cpu_seconds = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    figures = {
        "opsPerSecond": calls / elapsed,
        "calls": calls,
        "errors": errors,
        "firstError": first_error,
        "cpuSeconds": cpu_seconds,
        "elapsedSeconds": elapsed,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
