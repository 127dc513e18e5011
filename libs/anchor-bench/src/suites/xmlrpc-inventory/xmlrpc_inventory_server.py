"""The lab's inventory as it was: an XML-RPC server over HTTP/1.1 keep-alive, one thread per connection, items in a
dict behind a lock, and nothing on disk. It is the anchor the distlab inventory is compared with, so it does what the
lab's did and no more.

    /usr/bin/python3 xmlrpc_inventory_server.py [--port 0]

Prints one JSON line with the address it listens on, then serves until stdin closes or it is sent SIGTERM.
"""

import argparse
import json
import signal
import sys
import threading
from socketserver import ThreadingMixIn
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class KeepAliveHandler(SimpleXMLRPCRequestHandler):
    # HTTP/1.1 keeps each client's connection open between calls, as the lab's clients did.
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # Quiet at rest: a line per call would measure the terminal.


class ThreadedXMLRPCServer(ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    allow_reuse_address = True


class Inventory:
    """add/get/update/delete/list over a dict; ids count up from 1."""

    def __init__(self):
        self._items = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, name, quantity):
        with self._lock:
            item_id = self._next_id
            self._next_id += 1
            self._items[item_id] = {"id": item_id, "name": name, "quantity": quantity}
            return self._items[item_id]

    def get(self, item_id):
        with self._lock:
            item = self._items.get(item_id)
        if item is None:
            raise ValueError(f"no item with id {item_id}")
        return item

    def update(self, item_id, quantity):
        with self._lock:
            item = self._items.get(item_id)
            if item is None:
                raise ValueError(f"no item with id {item_id}")
            item["quantity"] = quantity
            return item

    def delete(self, item_id):
        with self._lock:
            item = self._items.pop(item_id, None)
        if item is None:
            raise ValueError(f"no item with id {item_id}")
        return item

    def list(self):
        with self._lock:
            return list(self._items.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    arguments = parser.parse_args()
    server = ThreadedXMLRPCServer(
        ("127.0.0.1", arguments.port), requestHandler=KeepAliveHandler, allow_none=True, logRequests=False
    )
    server.register_instance(Inventory())
    host, port = server.server_address
    print(json.dumps({"address": f"{host}:{port}"}), flush=True)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    # A parent that dies without stopping this server closes its stdin: stop then too.
    threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
