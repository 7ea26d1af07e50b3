#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for tsbpf: system packages (as root), then npm packages and
# the native addon. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v clang >/dev/null || need+=(clang)
command -v llvm-strip >/dev/null || need+=(llvm)
[ -f /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
# bpftool: the libbpf side of comparisons (docs/parity.md, bench/startup.ts); never a runtime dependency.
command -v bpftool >/dev/null || need+=(bpftool)
command -v ip >/dev/null || need+=(iproute2)
command -v make >/dev/null || need+=(make)
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
echo "#include <sys/sdt.h>" | cc -E -x c - >/dev/null 2>&1 || need+=(systemtap-sdt-dev)
# Prometheus and promtool for the exporter's integration test and the alerting rules' unit tests.
# Debian's package enables a systemd service; where there is no systemd (containers, CI) nothing
# starts, and the tests run their own prometheus with a temporary config either way.
command -v prometheus >/dev/null && command -v promtool >/dev/null || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages: ${need[*]}; run as root or: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# npm packages, dist/ (the prepare script) and the native addon: the install script
# (node-gyp-build) builds native/bpf.c with node-gyp; --build-from-source makes it build even when
# an earlier build or a prebuilt addon would load, so a checkout always runs its own native/bpf.c.
if [ -f package-lock.json ]; then
  npm ci --build-from-source --no-audit --no-fund --loglevel=error
else
  npm install --build-from-source --no-audit --no-fund --loglevel=error
fi
test -f build/Release/tsbpf.node || npm run build:native --silent
