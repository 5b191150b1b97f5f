/* main.c - tinyhil-host-sim: the firmware core serving a pseudo-terminal on the host. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* How long the main loop may take to notice host_stop before the watchdog ends the process:
 * a RUN only returns between repeats, and one repeat of a big kernel may take minutes. */
#define STOP_GRACE_MS 300
static int exit_with_parent = 1;
static pid_t parent;

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Watchdog thread: notices a dead parent (also when PR_SET_PDEATHSIG cannot: a non-Linux host,
 * or a parent thread that was not the process) and a stop request the main loop cannot reach
 * because it is inside a RUN; then ends the process. */
static void *watchdog(void *arg) {
  uint64_t since = 0;
  (void)arg;
  for (;;) {
    usleep(50000);
    if (exit_with_parent && getppid() != parent) host_stop = 1;
    if (!host_stop) continue;
    if (!since) since = mono_ms();
    else if (mono_ms() - since >= STOP_GRACE_MS) {
      static const char msg[] = "tinyhil-host-sim: stopping in the middle of a request\n";
      ssize_t w = write(2, msg, sizeof msg - 1);
      (void)w;
      _exit(0);
    }
  }
  return NULL;
}

static void start_watchdog(void) {
  pthread_t t;
  sigset_t block, old;
  /* Signals stay with the main thread, so they interrupt its poll(). */
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  if (pthread_create(&t, NULL, watchdog, NULL) != 0) {
    fprintf(stderr, "tinyhil-host-sim: cannot start the watchdog thread\n");
    exit(1);
  }
  pthread_detach(t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: tinyhil-host-sim [--arena BYTES] [--max-frame N] [--keep-running]\n"
          "  Serves the tinyhil protocol (docs/protocol.md) on a new pseudo-terminal and prints\n"
          "  'PTY <path>' on stdout when ready. Stops within a second on SIGTERM or SIGINT, or when\n"
          "  the process that started it dies, even in the middle of a RUN.\n"
          "  --arena BYTES   arena size, 1024..1073741824 (default 8388608)\n"
          "  --max-frame N   largest frame offered in HELLO, 256..%u (default 4096)\n"
          "  --keep-running  do not stop when the process that started it dies\n"
          "  --exit-with-parent  the default (kept for old scripts)\n",
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
  int i;
  parent = getppid();
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--arena")) host_arena_bytes = number("--arena", argv[++i], 1024, 1ul << 30);
    else if (!strcmp(argv[i], "--max-frame")) max_frame = number("--max-frame", argv[++i], 256, TH_FW_MAX_FRAME);
    else if (!strcmp(argv[i], "--exit-with-parent")) exit_with_parent = 1;
    else if (!strcmp(argv[i], "--keep-running")) exit_with_parent = 0;
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
#endif
    /* Elsewhere the watchdog's getppid() check does it, within 50 ms. */
  }
  start_watchdog();

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
