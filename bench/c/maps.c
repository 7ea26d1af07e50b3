/*
 * The C side of bench/maps.ts: the same map work with raw bpf() syscalls, no library.
 * Usage: maps N BATCH   (prints one "name seconds" line per task)
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

static int create(uint32_t n) {
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.map_type = BPF_MAP_TYPE_HASH;
  a.key_size = 4;
  a.value_size = 8;
  a.max_entries = n;
  strcpy(a.map_name, "bench_c");
  int fd = sys_bpf(BPF_MAP_CREATE, &a);
  if (fd < 0) { perror("map create"); exit(1); }
  return fd;
}

static void fill_single(int fd, uint32_t n) {
  union bpf_attr a;
  uint32_t k;
  uint64_t v;
  for (k = 0; k < n; k++) {
    v = k;
    memset(&a, 0, sizeof a);
    a.map_fd = fd;
    a.key = (uintptr_t)&k;
    a.value = (uintptr_t)&v;
    if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0) { perror("update"); exit(1); }
  }
}

static void fill_batch(int fd, uint32_t n, uint32_t batch) {
  uint32_t *keys = malloc(n * 4);
  uint64_t *vals = malloc(n * 8);
  for (uint32_t i = 0; i < n; i++) { keys[i] = i; vals[i] = i; }
  for (uint32_t off = 0; off < n; off += batch) {
    uint32_t cnt = n - off < batch ? n - off : batch;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.batch.map_fd = fd;
    a.batch.keys = (uintptr_t)(keys + off);
    a.batch.values = (uintptr_t)(vals + off);
    a.batch.count = cnt;
    if (sys_bpf(BPF_MAP_UPDATE_BATCH, &a) < 0) { perror("update batch"); exit(1); }
  }
  free(keys);
  free(vals);
}

static uint64_t count_iter(int fd) {
  union bpf_attr a;
  uint32_t cur, next;
  uint64_t n = 0;
  int first = 1;
  for (;;) {
    memset(&a, 0, sizeof a);
    a.map_fd = fd;
    a.key = first ? 0 : (uintptr_t)&cur;
    a.next_key = (uintptr_t)&next;
    if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) < 0) break;
    cur = next;
    first = 0;
    n++;
  }
  return n;
}

static uint64_t read_iter(int fd) {
  union bpf_attr a;
  uint32_t cur, next;
  uint64_t v, sum = 0;
  int first = 1;
  for (;;) {
    memset(&a, 0, sizeof a);
    a.map_fd = fd;
    a.key = first ? 0 : (uintptr_t)&cur;
    a.next_key = (uintptr_t)&next;
    if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) < 0) break;
    cur = next;
    first = 0;
    memset(&a, 0, sizeof a);
    a.map_fd = fd;
    a.key = (uintptr_t)&cur;
    a.value = (uintptr_t)&v;
    if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) == 0) sum += v;
  }
  return sum;
}

static uint64_t read_batch(int fd, uint32_t batch) {
  uint32_t *keys = malloc(batch * 4);
  uint64_t *vals = malloc(batch * 8);
  uint64_t in = 0, out = 0, sum = 0;
  int first = 1;
  for (;;) {
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.batch.map_fd = fd;
    a.batch.in_batch = first ? 0 : (uintptr_t)&in;
    a.batch.out_batch = (uintptr_t)&out;
    a.batch.keys = (uintptr_t)keys;
    a.batch.values = (uintptr_t)vals;
    a.batch.count = batch;
    long r = sys_bpf(BPF_MAP_LOOKUP_BATCH, &a);
    for (uint32_t i = 0; i < a.batch.count; i++) sum += vals[i];
    if (r < 0) break;
    in = out;
    first = 0;
  }
  free(keys);
  free(vals);
  return sum;
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 1000000;
  uint32_t batch = argc > 2 ? (uint32_t)atoi(argv[2]) : 8192;
  double t;
  int fd = create(n);
  t = now(); fill_single(fd, n); printf("fill_single %.6f\n", now() - t);
  close(fd);
  fd = create(n);
  t = now(); fill_batch(fd, n, batch); printf("fill_batch %.6f\n", now() - t);
  t = now(); uint64_t c = count_iter(fd); printf("count_iterate %.6f\n", now() - t);
  if (c != n) { fprintf(stderr, "count %llu != %u\n", (unsigned long long)c, n); return 1; }
  t = now(); uint64_t s1 = read_iter(fd); printf("read_iterate %.6f\n", now() - t);
  t = now(); uint64_t s2 = read_batch(fd, batch); printf("read_batch %.6f\n", now() - t);
  if (s1 != s2) { fprintf(stderr, "sums differ\n"); return 1; }
  close(fd);
  return 0;
}
