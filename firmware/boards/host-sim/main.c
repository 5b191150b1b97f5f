/* main.c - tinyhil-host-sim: the firmware core serving a pseudo-terminal on the host. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "hal.h"
#include "hal_host.h"
#include "th_fw.h"

static void on_signal(int sig) {
  (void)sig;
  host_stop = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: tinyhil-host-sim [--arena BYTES] [--max-frame N] [--exit-with-parent]\n"
          "  Serves the tinyhil protocol (docs/protocol.md) on a new pseudo-terminal and prints\n"
          "  'PTY <path>' on stdout when ready. Stops on SIGTERM or SIGINT.\n"
          "  --arena BYTES   arena size, 1024..1073741824 (default 8388608)\n"
          "  --max-frame N   largest frame offered in HELLO, 256..%u (default 4096)\n"
          "  --exit-with-parent  stop when the process that started it dies (Linux)\n",
          (unsigned)TH_FW_MAX_FRAME);
}

/* Parses a decimal argument within [lo, hi] or exits naming the option. */
static uint32_t number(const char *opt, const char *s, unsigned long lo, unsigned long hi) {
  char *end;
  unsigned long v;
  if (!s) {
    fprintf(stderr, "tinyhil-host-sim: %s needs a value\n", opt);
    exit(2);
  }
  v = strtoul(s, &end, 10);
  if (*s == '\0' || *end != '\0' || *s == '-' || v < lo || v > hi) {
    fprintf(stderr, "tinyhil-host-sim: %s %s: expected an integer in %lu..%lu\n", opt, s, lo, hi);
    exit(2);
  }
  return (uint32_t)v;
}

int main(int argc, char **argv) {
  struct sigaction sa;
  uint32_t max_frame = 4096;
  int i, exit_with_parent = 0;
  pid_t parent = getppid();
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--arena")) host_arena_bytes = number("--arena", argv[++i], 1024, 1ul << 30);
    else if (!strcmp(argv[i], "--max-frame")) max_frame = number("--max-frame", argv[++i], 256, TH_FW_MAX_FRAME);
    else if (!strcmp(argv[i], "--exit-with-parent")) exit_with_parent = 1;
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
    else {
      fprintf(stderr, "tinyhil-host-sim: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR and the loop sees host_stop */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  if (exit_with_parent) {
#ifdef __linux__
    /* A parent that dies without stopping us (a crashed test runner) still stops us. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) return 0; /* it died before prctl took effect */
#else
    (void)parent;
    fprintf(stderr, "tinyhil-host-sim: --exit-with-parent needs Linux; ignored\n");
#endif
  }

  hal_init();
  th_fw_set_max_frame(max_frame);
  th_fw_init();
  th_fw_send_boot();
  printf("PTY %s\n", host_pty_path());
  fflush(stdout);
  while (!host_stop) {
    th_fw_poll();
    if (!host_stop) hal_idle();
  }
  host_shutdown();
  return 0;
}
