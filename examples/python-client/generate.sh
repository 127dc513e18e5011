#!/bin/sh
# Generates Python stubs for every distlab contract into ${1:-./gen}, with Debian's protoc and
# gRPC plugin (apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf).
# Run from anywhere; then: PYTHONPATH=gen python3 client.py --balancer HOST:PORT --inventory HOST:PORT
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/gen}
mkdir -p "$out"
# (grpc.health.v1 is not generated here: its package `grpc` would clash with grpcio's; use grpcio-health-checking.)
protoc -I "$root/proto" -I "$root/third_party/proto" \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  $(cd "$root/proto" && find distlab -name '*.proto')
# protoc writes no __init__.py; Python 3 finds the packages as namespace packages without them.
