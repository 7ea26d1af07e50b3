/*
 * The C side of bench/count.ts: fill a hash map of N u32 -> u64 entries, then count it with
 * BPF_MAP_GET_NEXT_KEY, raw syscalls only. Usage: count N ROUNDS  (prints "count_iterate SECONDS..." with one time per round)
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 1000;
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.map_type = BPF_MAP_TYPE_HASH;
  a.key_size = 4;
  a.value_size = 8;
  a.max_entries = n;
  int fd = sys_bpf(BPF_MAP_CREATE, &a);
  if (fd < 0) { perror("create"); return 1; }
  uint32_t *keys = malloc(n * 4);
  uint64_t *vals = calloc(n, 8);
  for (uint32_t i = 0; i < n; i++) keys[i] = i;
  memset(&a, 0, sizeof a);
  a.batch.map_fd = fd;
  a.batch.keys = (uintptr_t)keys;
  a.batch.values = (uintptr_t)vals;
  a.batch.count = n;
  if (sys_bpf(BPF_MAP_UPDATE_BATCH, &a) < 0) { perror("fill"); return 1; }
  printf("count_iterate");
  for (int r = 0; r < rounds; r++) {
    double t = now();
    uint32_t cur, next;
    uint64_t count = 0;
    int first = 1;
    for (;;) {
      memset(&a, 0, sizeof a);
      a.map_fd = fd;
      a.key = first ? 0 : (uintptr_t)&cur;
      a.next_key = (uintptr_t)&next;
      if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) < 0) break;
      cur = next;
      first = 0;
      count++;
    }
    t = now() - t;
    if (count != n) { fprintf(stderr, "count %llu != %u\n", (unsigned long long)count, n); return 1; }
    printf(" %.9f", t);
  }
  printf("\n");
  return 0;
}
