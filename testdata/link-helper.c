/*
 * Helper process for the link tests (src/link/*.kernel.test.ts), built with the host cc.
 *
 *   link-helper getpid N    wait for a line on stdin, call getpid() N times, print the pid
 *   link-helper uprobe N    wait for a line on stdin, call tsbpf_uprobe_target(i) for i < N,
 *                           print the sum of the return values
 *   link-helper unlink N    wait for a line on stdin, unlink a missing file N times (ENOENT)
 *   link-helper socket      print "ok" if socket(AF_INET, SOCK_DGRAM) works, else the errno
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) int tsbpf_uprobe_target(int x) {
  __asm__ volatile("" ::: "memory");
  return x * 2 + 1;
}

static void wait_go(void) {
  char line[16];
  if (!fgets(line, sizeof line, stdin)) exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "getpid") && argc == 3) {
    long n = atol(argv[2]);
    wait_go();
    long pid = 0;
    for (long i = 0; i < n; i++) pid = syscall(SYS_getpid);
    printf("%ld\n", pid);
    return 0;
  }
  if (!strcmp(argv[1], "unlink") && argc == 3) {
    long n = atol(argv[2]);
    wait_go();
    int enoent = 0;
    for (long i = 0; i < n; i++) enoent += unlink("/nonexistent-tsbpf-link-helper") < 0 && errno == ENOENT;
    printf("%d\n", enoent);
    return 0;
  }
  if (!strcmp(argv[1], "uprobe") && argc == 3) {
    int n = atoi(argv[2]);
    wait_go();
    long sum = 0;
    for (int i = 0; i < n; i++) sum += tsbpf_uprobe_target(i);
    printf("%ld\n", sum);
    return 0;
  }
  if (!strcmp(argv[1], "socket")) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
      printf("%s\n", strerrorname_np(errno));
      return 0;
    }
    close(fd);
    printf("ok\n");
    return 0;
  }
  return 2;
}
