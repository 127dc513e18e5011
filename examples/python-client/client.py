#!/usr/bin/env python3
"""A distlab client in Python, from stubs generated out of proto/ (see generate.sh and docs/clients.md).

Calls a running system the way any gRPC user would: the registry (the name server), a factorial through the
balancer (unary and streamed, every digit checked against Python's own math.factorial), and the inventory
(add, get, a refused request with its status). Prints one JSON object with what it saw; exits 1 on a wrong answer.

    python3 client.py --balancer 127.0.0.1:50051 --inventory 127.0.0.1:50052
"""

import argparse
import json
import math
import sys

import grpc

from distlab.factorial.v1 import factorial_pb2, factorial_pb2_grpc
from distlab.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from distlab.registry.v1 import registry_pb2, registry_pb2_grpc

DEADLINE_S = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--balancer", default="127.0.0.1:50051", help="the balancer (registry and proxy), host:port")
    parser.add_argument("--inventory", default="127.0.0.1:50052", help="the inventory service, host:port")
    parser.add_argument("--n", type=int, default=200, help="the factorial to compute")
    args = parser.parse_args()
    seen = {}

    with grpc.insecure_channel(args.balancer) as balancer:
        registry = registry_pb2_grpc.RegistryServiceStub(balancer)
        listed = registry.List(registry_pb2.ListRequest(name_prefix="distlab.factorial"), timeout=DEADLINE_S)
        seen["factorial_workers"] = sorted(registration.address for registration in listed.registrations)

        factorial = factorial_pb2_grpc.FactorialServiceStub(balancer)
        computed = factorial.Compute(factorial_pb2.ComputeRequest(n=args.n), timeout=DEADLINE_S)
        expected = str(math.factorial(args.n))
        seen["compute_matches"] = computed.value == expected
        digits = "".join(
            chunk.digits
            for chunk in factorial.ComputeStream(factorial_pb2.ComputeStreamRequest(n=args.n), timeout=DEADLINE_S)
        )
        seen["stream_matches"] = digits == expected
        try:
            factorial.Compute(factorial_pb2.ComputeRequest(n=-1), timeout=DEADLINE_S)
            seen["negative_n"] = "OK"
        except grpc.RpcError as error:
            seen["negative_n"] = error.code().name

    with grpc.insecure_channel(args.inventory) as inventory_channel:
        inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_channel)
        added = inventory.AddItem(inventory_pb2.AddItemRequest(name="python widget", quantity=3), timeout=DEADLINE_S)
        got = inventory.GetItem(inventory_pb2.GetItemRequest(id=added.item.id), timeout=DEADLINE_S)
        seen["inventory_round_trip"] = got.item.name == "python widget" and got.item.quantity == 3
        try:
            inventory.GetItem(inventory_pb2.GetItemRequest(id=added.item.id + 1_000_000), timeout=DEADLINE_S)
            seen["missing_item"] = "OK"
        except grpc.RpcError as error:
            seen["missing_item"] = error.code().name

    print(json.dumps(seen, sort_keys=True))
    ok = seen["compute_matches"] and seen["stream_matches"] and seen["inventory_round_trip"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
