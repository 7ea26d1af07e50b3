/* Shared by the C sides of the benchmarks: the raw bpf() call and a monotonic clock. */
#ifndef TSBPF_BENCH_H
#define TSBPF_BENCH_H
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

static inline double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
#endif
