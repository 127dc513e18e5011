#!/usr/bin/env python3
"""Writes a Ricart-Agrawala run's event logs in distlab's event-line format, to show that any language can be checked.

Usage: python3 write_log.py OUT_DIR [--broken]

Three processes each enter the critical section once. Each process keeps a Lamport clock and a vector clock and writes
one JSON line per send, receive, enter and exit to OUT_DIR/peer-<id>.jsonl (schema: docs/event-log-format.md). The
correct run defers replies while a process holds or wants the section with an older request, as Ricart-Agrawala says.
With --broken, process 1 replies at once while it holds the section (the "replies while holding" bug), so process 2
enters while process 1 is still inside: `distlab check --events-dir OUT_DIR` must then report mutual exclusion FAILED.
Only the standard library is used.
"""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

ALGORITHM = "ricart-agrawala"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Process:
    def __init__(self, peer, out_dir):
        self.peer = peer
        self.lamport = 0
        self.vector = {}
        self.sequence = 0
        self.file = open(os.path.join(out_dir, f"peer-{peer}.jsonl"), "w", encoding="utf-8")

    def _write(self, kind, label, **extra):
        self.sequence += 1
        vector = ",".join(f"{peer}:{count}" for peer, count in sorted(self.vector.items()) if count > 0)
        line = {
            "peer": self.peer,
            "incarnation": 1,
            "sequence": self.sequence,
            "kind": kind,
            "lamport": self.lamport,
            "vector": vector,
            "wallTime": (START + timedelta(milliseconds=self.lamport)).isoformat().replace("+00:00", "Z"),
            "algorithm": ALGORITHM,
            "label": label,
        }
        line.update(extra)
        self.file.write(json.dumps(line) + "\n")

    def _tick(self):
        self.lamport += 1
        self.vector[self.peer] = self.vector.get(self.peer, 0) + 1

    def send(self, to, label):
        """A send: tick both clocks and return the message with its stamps and a unique id."""
        self._tick()
        message_id = f"{self.peer}-{self.sequence + 1}"
        self._write("send", label, remotePeer=to, messageId=message_id)
        return {"from": self.peer, "id": message_id, "lamport": self.lamport, "vector": dict(self.vector)}

    def receive(self, message, label):
        """A receive: Lamport max-then-tick, vector merge-then-tick."""
        self.lamport = max(self.lamport, message["lamport"])
        for peer, count in message["vector"].items():
            self.vector[peer] = max(self.vector.get(peer, 0), count)
        self._tick()
        self._write("receive", label, remotePeer=message["from"], messageId=message["id"])

    def local(self, kind, label):
        self._tick()
        self._write(kind, label)

    def close(self):
        self.file.close()


def run(out_dir, broken):
    os.makedirs(out_dir, exist_ok=True)
    p = {peer: Process(peer, out_dir) for peer in (1, 2, 3)}

    # Process 1 asks; 2 and 3 reply at once (neither wants the section); 1 enters.
    requests = [p[1].send(to, "request ts=1") for to in (2, 3)]
    p[2].receive(requests[0], "request from 1")
    p[3].receive(requests[1], "request from 1")
    p[1].receive(p[2].send(1, "reply to 1"), "reply from 2")
    p[1].receive(p[3].send(1, "reply to 1"), "reply from 3")
    p[1].local("cs-enter", "enter (token 1)")

    # Process 2 asks while 1 is inside; 3 replies at once.
    requests = [p[2].send(to, "request ts=3") for to in (1, 3)]
    p[3].receive(requests[1], "request from 2")
    p[2].receive(p[3].send(2, "reply to 2"), "reply from 3")
    p[1].receive(requests[0], "request from 2")
    if broken:
        # The bug: 1 replies while holding, so 2 enters before 1 has left.
        p[2].receive(p[1].send(2, "reply to 2"), "reply from 1")
        p[2].local("cs-enter", "enter (token 2)")
        p[1].local("cs-exit", "exit (token 1)")
    else:
        # Correct: 1 defers its reply until it leaves.
        p[1].local("cs-exit", "exit (token 1)")
        p[2].receive(p[1].send(2, "reply to 2"), "reply from 1")
        p[2].local("cs-enter", "enter (token 2)")
    p[2].local("cs-exit", "exit (token 2)")

    # Process 3 asks last; both others are out, so both reply at once.
    requests = [p[3].send(to, "request ts=9") for to in (1, 2)]
    p[1].receive(requests[0], "request from 3")
    p[2].receive(requests[1], "request from 3")
    p[3].receive(p[1].send(3, "reply to 3"), "reply from 1")
    p[3].receive(p[2].send(3, "reply to 3"), "reply from 2")
    p[3].local("cs-enter", "enter (token 3)")
    p[3].local("cs-exit", "exit (token 3)")

    for process in p.values():
        process.close()


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python3 write_log.py OUT_DIR [--broken]")
    run(sys.argv[1], "--broken" in sys.argv[2:])
