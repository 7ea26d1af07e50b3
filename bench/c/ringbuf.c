/*
 * The C side of bench/ringbuf.ts: consume a BPF ring buffer the way libbpf's ring_buffer__consume
 * does (acquire loads of producer_pos and of each header, the sample handed to a callback through
 * a function pointer, a release store of consumer_pos after each record), with no library.
 *
 * Inherited fds: 3 = the BPF_MAP_TYPE_RINGBUF map, 4 = the producer program (a socket filter
 * that emits PER_RUN 16-byte records { u64 seq; u64 index } per run).
 * Usage: ringbuf RING_SIZE N REPEAT ROUNDS
 *   Each round test-runs the producer with REPEAT (filling N records), then times consuming them.
 *   Prints one line per round: "consume <seconds> <records> <sum of seq>". With ROUNDS 0 it runs
 *   one round per line read on stdin (until EOF), so a driver can interleave its own rounds.
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

#define MAP_FD 3
#define PROG_FD 4

typedef int (*sample_fn)(void *ctx, void *data, size_t size);

struct ring {
  unsigned long *consumer_pos;
  unsigned long *producer_pos;
  uint8_t *data;
  unsigned long mask;
  sample_fn cb;
  void *ctx;
};

struct totals {
  uint64_t records;
  uint64_t sum;
};

static int on_sample(void *ctx, void *data, size_t size) {
  struct totals *t = ctx;
  uint64_t seq;
  (void)size;
  memcpy(&seq, data, sizeof seq);
  t->records++;
  t->sum += seq;
  return 0;
}

/* One pass over everything published, as libbpf's ringbuf_process_ring. */
static __attribute__((noinline)) int64_t consume(struct ring *r) {
  int64_t cnt = 0;
  unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
  for (;;) {
    int got_new = 0;
    unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
    while (cons < prod) {
      uint32_t *lenp = (uint32_t *)(r->data + (cons & r->mask));
      uint32_t len = __atomic_load_n(lenp, __ATOMIC_ACQUIRE);
      if (len & BPF_RINGBUF_BUSY_BIT) goto done;
      got_new = 1;
      cons += ((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
        r->cb(r->ctx, (uint8_t *)lenp + BPF_RINGBUF_HDR_SZ, len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT));
        cnt++;
      }
      __atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
    }
    if (!got_new) break;
  }
done:
  return cnt;
}

static void fill(uint32_t repeat) {
  uint8_t packet[64] = {0};
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.test.prog_fd = PROG_FD;
  a.test.data_in = (uintptr_t)packet;
  a.test.data_size_in = sizeof packet;
  a.test.repeat = repeat;
  if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof a) < 0) {
    perror("BPF_PROG_TEST_RUN");
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: ringbuf RING_SIZE N REPEAT ROUNDS\n");
    return 2;
  }
  unsigned long ring_size = strtoul(argv[1], NULL, 10);
  uint64_t n = strtoull(argv[2], NULL, 10);
  uint32_t repeat = (uint32_t)strtoul(argv[3], NULL, 10);
  int rounds = atoi(argv[4]);
  long page = sysconf(_SC_PAGESIZE);
  void *cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, MAP_FD, 0);
  if (cons == MAP_FAILED) { perror("mmap consumer"); return 1; }
  void *prod = mmap(NULL, page + 2 * ring_size, PROT_READ, MAP_SHARED, MAP_FD, page);
  if (prod == MAP_FAILED) { perror("mmap producer"); return 1; }
  struct totals t = {0, 0};
  struct ring r = {cons, prod, (uint8_t *)prod + page, ring_size - 1, on_sample, &t};
  consume(&r); /* whatever an earlier reader left */
  char line[64];
  for (int i = 0; rounds == 0 ? fgets(line, sizeof line, stdin) != NULL : i < rounds; i++) {
    fill(repeat);
    t.records = 0;
    t.sum = 0;
    double t0 = now();
    int64_t got = consume(&r);
    double dt = now() - t0;
    if ((uint64_t)got != n || t.records != n) {
      fprintf(stderr, "round %d: consumed %lld records, expected %llu\n", i, (long long)got, (unsigned long long)n);
      return 1;
    }
    printf("consume %.9f %llu %llu\n", dt, (unsigned long long)t.records, (unsigned long long)t.sum);
    fflush(stdout);
  }
  munmap(prod, page + 2 * ring_size);
  munmap(cons, page);
  return 0;
}
