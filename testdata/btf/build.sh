#!/bin/sh
# Rebuilds the BTF fixtures of src/btf from core-kinds.bpf.c (needs clang and llvm-objcopy).
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
clang -target bpf -O2 -g -I/usr/include/$(uname -m)-linux-gnu -c core-kinds.bpf.c -o "$tmp/core-kinds.bpf.o"
llvm-objcopy --dump-section .BTF=core-kinds.btf --dump-section .BTF.ext=core-kinds.btf.ext \
	--dump-section socket=core-kinds.socket.insns --dump-section xdp=core-kinds.xdp.insns --dump-section .text=core-kinds.text.insns "$tmp/core-kinds.bpf.o"
rm -rf "$tmp"
