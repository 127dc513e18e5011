#!/usr/bin/env python3
"""Times n! to decimal both ways, for the anchor bench's GMP rows (Debian's /usr/bin/python3).

    factorial-bench.py gmp --n 1000000 --repeat 1
        GMP in-process through gmpy2: fac(n) then its decimal digits, one thread.
    factorial-bench.py distlab --balancer 127.0.0.1:PORT --n 1000000 --repeat 1
        ComputeStream(n) through distlab's balancer: every chunk received and joined into one string, then (untimed)
        checked against gmpy2's digits, offsets and digit count included. A wrong digit exits 1, saying where.

Prints one JSON object: {"seconds": [one figure per repetition]}. The distlab stubs must be on PYTHONPATH (generated
from proto/ by the suite).
"""

import argparse
import json
import sys
import time

import gmpy2

DEADLINE_S = 120


def time_gmp(n: int, repeat: int) -> list:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        digits = gmpy2.fac(n).digits()
        seconds.append(time.perf_counter() - started)
        del digits
    return seconds


def receive(stub, factorial_pb2, n: int):
    """One ComputeStream call: the chunks as received, joined, as a user of the stream would hold the number."""
    chunks = list(stub.ComputeStream(factorial_pb2.ComputeStreamRequest(n=n), timeout=DEADLINE_S))
    return chunks, "".join(chunk.digits for chunk in chunks)


def check(n: int, chunks, digits: str) -> None:
    """Exits non-zero, loudly, unless the stream carried exactly n!'s digits, in order, with consistent offsets and count."""
    expected = gmpy2.fac(n).digits()
    offset = 0
    for index, chunk in enumerate(chunks):
        if chunk.offset != offset or chunk.digit_count != len(expected):
            sys.exit(f"distlab: chunk {index} of {n}! says offset {chunk.offset} and digit_count {chunk.digit_count}; "
                     f"expected {offset} and {len(expected)}")
        offset += len(chunk.digits)
    if digits != expected:
        first = next((i for i, (a, b) in enumerate(zip(digits, expected)) if a != b), min(len(digits), len(expected)))
        sys.exit(f"distlab: {n}! differs from GMP's at digit {first} (got {len(digits)} digits, GMP {len(expected)})")


def time_distlab(balancer: str, n: int, repeat: int) -> list:
    import grpc
    from distlab.factorial.v1 import factorial_pb2, factorial_pb2_grpc

    with grpc.insecure_channel(balancer) as channel:
        stub = factorial_pb2_grpc.FactorialServiceStub(channel)
        check(1000, *receive(stub, factorial_pb2, 1000))  # Connects, and proves the path, before any timing.
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            chunks, digits = receive(stub, factorial_pb2, n)
            seconds.append(time.perf_counter() - started)
            check(n, chunks, digits)
        return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("side", choices=["gmp", "distlab"])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--balancer", help="distlab's balancer, host:port (side distlab)")
    args = parser.parse_args()
    if args.side == "gmp":
        seconds = time_gmp(args.n, args.repeat)
    else:
        if args.balancer is None:
            parser.error("distlab needs --balancer")
        seconds = time_distlab(args.balancer, args.n, args.repeat)
    print(json.dumps({"seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
