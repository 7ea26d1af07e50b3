#!/usr/bin/env bash
# Runs the whole test suite against the native addon built with AddressSanitizer.
#
# Builds native/bpf.c with -fsanitize=address into build-asan/ (the normal build/ is left alone),
# then runs scripts/run-tests.mjs with TSBPF_ADDON pointing at it. Node is not built with ASan, so
# libasan is preloaded into every node process; leak detection is off because Node itself does
# not free everything at exit. Any ASan report (use after free, overflow...) fails the run.
# Usage: bash scripts/asan.sh [run-tests.mjs arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

libasan=$(gcc -print-file-name=libasan.so)
if [ ! -e "$libasan" ] || [ "$libasan" = libasan.so ]; then
  echo "asan: libasan not found (Debian package: libasan8, installed with gcc)" >&2
  exit 1
fi
inc=$(node -p "require('path').resolve(process.execPath, '../../include/node')")
if [ ! -f "$inc/node_api.h" ]; then
  inc="$HOME/.cache/node-gyp/$(node -p 'process.versions.node')/include/node"
fi
if [ ! -f "$inc/node_api.h" ]; then
  echo "asan: Node headers not found (run npm install once so node-gyp fetches them)" >&2
  exit 1
fi

mkdir -p build-asan
gcc -shared -fPIC -std=gnu11 -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer -fsanitize=address \
  -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=tsbpf -I"$inc" native/bpf.c -o build-asan/tsbpf.node
echo "asan: built build-asan/tsbpf.node"

report=build-asan/reports
rm -rf "$report" && mkdir -p "$report"
start=$(date +%s)
set +e
TSBPF_ADDON="$PWD/build-asan/tsbpf.node" \
  LD_PRELOAD="$libasan" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$PWD/$report/asan" \
  node scripts/run-tests.mjs "$@"
status=$?
set -e
echo "asan: tests exited $status after $(( $(date +%s) - start )) s"
if compgen -G "$report/asan.*" >/dev/null; then
  echo "asan: AddressSanitizer reports:" >&2
  cat "$report"/asan.* >&2
  exit 1
fi
echo "asan: no AddressSanitizer reports"
exit "$status"
