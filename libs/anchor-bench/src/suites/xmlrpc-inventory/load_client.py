"""Drives an inventory with N threads for a fixed time, each thread alternating add and get of the item it just added,
each on a connection (XML-RPC) or channel (gRPC) of its own, and prints the calls per second as JSON.

    /usr/bin/python3 load_client.py --system xmlrpc --address 127.0.0.1:PORT --threads 4 --duration-ms 2000
    PYTHONPATH=STUBS /usr/bin/python3 load_client.py --system grpc --address 127.0.0.1:PORT --threads 4

The gRPC stubs are generated from proto/ (examples/python-client/generate.sh) into STUBS. Every call's result is
checked (the get returns the name just added), so a system that answers wrongly cannot look fast.
"""

import argparse
import json
import threading
import time
import xmlrpc.client

CALLS_PER_THREAD_MAX = 10_000_000  # A bound on each loop besides its duration.


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


def drive(system, address, thread_index, deadline, results):
    add, get, close = OPERATIONS[system](address)
    calls = 0
    errors = 0
    first_error = None
    try:
        for index in range(CALLS_PER_THREAD_MAX // 2):
            if time.monotonic() >= deadline:
                break
            name = f"t{thread_index}-{index}"
            try:
                item_id = add(name)
                calls += 1
                if get(item_id) != name:
                    raise AssertionError(f"item {item_id} came back with another name than {name}")
                calls += 1
            except Exception as error:  # Counted and reported: a failing system must not look fast.
                errors += 1
                first_error = first_error or repr(error)[:300]
    finally:
        close(None, None, None)
    results[thread_index] = (calls, errors, first_error)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", choices=sorted(OPERATIONS), required=True)
    parser.add_argument("--address", required=True, help="host:port")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--duration-ms", type=int, default=2000)
    arguments = parser.parse_args()

    # Warm-up: one add and get per thread's worth of connections is not measured.
    add, get, close = OPERATIONS[arguments.system](arguments.address)
    get(add("warm-up"))
    close(None, None, None)

    results = [None] * arguments.threads
    started = time.monotonic()
    deadline = started + arguments.duration_ms / 1000
    threads = [
        threading.Thread(target=drive, args=(arguments.system, arguments.address, index, deadline, results))
        for index in range(arguments.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    calls = sum(result[0] for result in results)
    errors = sum(result[1] for result in results)
    first_error = next((result[2] for result in results if result[2] is not None), None)
    print(json.dumps({"opsPerSecond": calls / elapsed, "calls": calls, "errors": errors, "firstError": first_error}))


if __name__ == "__main__":
    main()
