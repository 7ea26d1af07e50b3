/*
 * Helper process for the USDT tests (src/link/usdt.kernel.test.ts), built with the host cc and
 * <sys/sdt.h> (Debian package systemtap-sdt-dev).
 *
 * Reads commands, one per line, from stdin and answers each with one line on stdout:
 *   fire N   runs the probes N times (i = 0..N-1), prints "fired N"
 *   sema     prints the value of the tsbpf:guarded probe's semaphore
 *   quit     exits (so does end of input)
 *
 * Probes (provider tsbpf):
 *   args     (signed char -5, unsigned short 65000, int -123456-i, unsigned 4000000000+i,
 *            long -1234567890123*(i+1), const char *"hello usdt", long i, int 1000+i and
 *            short -7-i read from memory through a pointer)
 *   consts   constants only: (-9, 42)
 *   guarded  (i), behind its semaphore: fires only while the semaphore is > 0 (the other two
 *            have semaphores too, as every probe does under _SDT_HAS_SEMAPHORES, but fire always)
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>

/* With _SDT_HAS_SEMAPHORES every probe has a semaphore; only `guarded` checks its own. */
unsigned short tsbpf_args_semaphore __attribute__((section(".probes")));
unsigned short tsbpf_consts_semaphore __attribute__((section(".probes")));
unsigned short tsbpf_guarded_semaphore __attribute__((section(".probes")));
#define TSBPF_GUARDED_ENABLED() __builtin_expect(tsbpf_guarded_semaphore, 0)

static const char message[] = "hello usdt";

struct record {
  long pad;
  int value;
  short small;
};

__attribute__((noinline)) static void fire(long i, const struct record *r) {
  signed char c = -5;
  unsigned short u16 = 65000;
  int s32 = -123456 - (int)i;
  unsigned u32 = 4000000000u + (unsigned)i;
  long s64 = -1234567890123L * (i + 1);
  /* The compiler picks where each argument lives: constants, registers, memory (r->value). */
  DTRACE_PROBE9(tsbpf, args, c, u16, s32, u32, s64, message, i, r->value, r->small);
  DTRACE_PROBE2(tsbpf, consts, -9, 42);
  if (TSBPF_GUARDED_ENABLED()) DTRACE_PROBE1(tsbpf, guarded, i);
}

int main(void) {
  char line[64];
  setvbuf(stdout, NULL, _IOLBF, 0);
  while (fgets(line, sizeof line, stdin)) {
    if (!strncmp(line, "fire ", 5)) {
      long n = atol(line + 5);
      for (long i = 0; i < n; i++) {
        struct record r = {0, (int)(1000 + i), (short)(-7 - i)};
        fire(i, &r);
      }
      printf("fired %ld\n", n);
    } else if (!strcmp(line, "sema\n")) {
      printf("%u\n", (unsigned)tsbpf_guarded_semaphore);
    } else if (!strcmp(line, "quit\n")) {
      break;
    } else {
      printf("unknown command\n");
    }
  }
  return 0;
}
