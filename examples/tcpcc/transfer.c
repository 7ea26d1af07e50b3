/*
 * A TCP transfer over 127.0.0.1 with a chosen congestion control, for the tcpcc example.
 *
 *   transfer <congestion control> <bytes>
 *
 * A child process accepts and reads everything; the parent connects with
 * setsockopt(TCP_CONGESTION, <name>), sends <bytes> bytes, waits for the child to report how many
 * it received, and prints one line:
 *
 *   congestion=<getsockopt(TCP_CONGESTION) of the sending socket> sent=<n> received=<n>
 *
 * Exit status 3 when the kernel refuses the congestion control (its errno is printed).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "transfer: %s: %s\n", what, strerror(errno));
  exit(1);
}

static long long receive_all(int lfd) {
  int fd = accept(lfd, NULL, NULL);
  if (fd < 0) die("accept");
  static char buf[1 << 16];
  long long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read");
    if (n == 0) break;
    total += n;
  }
  if (write(fd, &total, sizeof total) != sizeof total) die("write count");
  close(fd);
  return total;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: transfer <congestion control> <bytes>\n");
    return 2;
  }
  const char *cc = argv[1];
  long long want = atoll(argv[2]);
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(lfd, 1) < 0) die("listen");
  if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    receive_all(lfd);
    _exit(0);
  }
  close(lfd);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc)) < 0) {
    printf("setsockopt TCP_CONGESTION %s: %s\n", cc, strerror(errno));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 3;
  }
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  static char buf[1 << 16];
  memset(buf, 'x', sizeof buf);
  long long sent = 0;
  while (sent < want) {
    size_t chunk = want - sent < (long long)sizeof buf ? (size_t)(want - sent) : sizeof buf;
    ssize_t n = write(fd, buf, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("write");
    sent += n;
  }
  char name[16] = {0}; /* TCP_CA_NAME_MAX */
  socklen_t nlen = sizeof name;
  if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &nlen) < 0) die("getsockopt TCP_CONGESTION");
  if (shutdown(fd, SHUT_WR) < 0) die("shutdown");
  long long received = -1;
  size_t got = 0;
  while (got < sizeof received) {
    ssize_t n = read(fd, (char *)&received + got, sizeof received - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("read count");
    got += n;
  }
  close(fd);
  int status = 0;
  waitpid(child, &status, 0);
  printf("congestion=%.*s sent=%lld received=%lld\n", (int)strnlen(name, sizeof name), name, sent, received);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
