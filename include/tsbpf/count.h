/* SPDX-License-Identifier: MIT */
/*
 * tsbpf/count.h: the number of elements in a hash map, from a BPF program.
 *
 * Hash-family maps (hash, LRU hash, per-CPU hash, with or without BPF_F_NO_PREALLOC) keep a
 * per-CPU element counter in the kernel; the kfunc bpf_map_sum_elem_count() (Linux 6.6+) sums
 * it. The count is exact after every insert, update and delete, whoever made them, so there is
 * no counter to keep next to the map and no NOEXIST/EXIST race. Array maps report 0 (they always
 * hold max_entries elements).
 *
 *     #include <linux/bpf.h>          // or "vmlinux.h"
 *     #include <bpf/bpf_helpers.h>
 *     #include <tsbpf/count.h>        // tsbpf gen adds tsbpf's include directory
 *
 *     SEC("socket") int count(struct __sk_buff *skb) { return tsbpf_map_count(&my_map); }
 *
 * The loader (tsbpf's loadCollection) resolves the kfunc against the running kernel's BTF;
 * a kernel without it refuses the program with "kernel function bpf_map_sum_elem_count not found".
 * Include this after <linux/bpf.h> or vmlinux.h (it needs __s64).
 */
#ifndef __TSBPF_COUNT_H
#define __TSBPF_COUNT_H

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

struct bpf_map;

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* The kernel's element count of a map defined in SEC(".maps"): tsbpf_map_count(&my_map). */
#define tsbpf_map_count(map) bpf_map_sum_elem_count((const struct bpf_map *)(map))

#endif /* __TSBPF_COUNT_H */
