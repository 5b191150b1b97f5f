/* hal_host.c - hal.h for the host: a raw pseudo-terminal, CLOCK_MONOTONIC, pthreads as cores. */
#define _GNU_SOURCE /* posix_openpt, ptsname_r, cfmakeraw */
#include "hal_host.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hal.h"

#define HOST_CORES 8

static char cpu_name[80] = "host";
const hal_board_t hal_board = {"host-sim", cpu_name, 0, HAL_COUNTER_NANOSECONDS, "ns (host)", HOST_CORES, 0};

uint32_t host_arena_bytes = 8u << 20;
volatile int host_stop;

static int master = -1, slave = -1;
static char slave_path[128];
static uint8_t *arena;
static uint8_t rx[4096];
static size_t rx_len, rx_pos;

static void die(const char *what) {
  fprintf(stderr, "tinyhil-host-sim: %s: %s\n", what, strerror(errno));
  exit(1);
}

void hal_init(void) {
  struct termios tio;
  struct utsname u;
  int flags;
  if (uname(&u) == 0) snprintf(cpu_name, sizeof cpu_name, "%s host", u.machine);
  if (posix_memalign((void **)&arena, 64, host_arena_bytes ? host_arena_bytes : 1) != 0) {
    fprintf(stderr, "tinyhil-host-sim: cannot allocate an arena of %u bytes\n", (unsigned)host_arena_bytes);
    exit(1);
  }
  memset(arena, 0, host_arena_bytes);
  master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) die("posix_openpt");
  if (grantpt(master) != 0) die("grantpt");
  if (unlockpt(master) != 0) die("unlockpt");
  if (ptsname_r(master, slave_path, sizeof slave_path) != 0) die("ptsname_r");
  /* Our own slave fd keeps the pty alive when a client closes it (no EIO), as QEMU does,
   * and holds raw mode so bytes pass unaltered whoever opens it next. */
  slave = open(slave_path, O_RDWR | O_NOCTTY);
  if (slave < 0) die(slave_path);
  if (tcgetattr(slave, &tio) != 0) die("tcgetattr");
  cfmakeraw(&tio);
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (tcsetattr(slave, TCSANOW, &tio) != 0) die("tcsetattr");
  flags = fcntl(master, F_GETFL);
  if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) != 0) die("fcntl O_NONBLOCK");
}

const char *host_pty_path(void) { return slave_path; }

void host_shutdown(void) {
  if (slave >= 0) close(slave);
  if (master >= 0) close(master);
  slave = master = -1;
  free(arena);
  arena = NULL;
}

static uint64_t now_ns(void);

/* When the last read() found nothing, 0 after hal_idle. A RUN checks the link for ABORT after
 * every repeat (th_abort_poll): at most one read() per millisecond keeps that check to a clock
 * read, so short kernels repeated many times are not timed as system calls. */
static uint64_t empty_at;

int hal_getc(void) {
  if (rx_pos == rx_len) {
    ssize_t n;
    if (empty_at && now_ns() - empty_at < 1000000u) return -1;
    n = read(master, rx, sizeof rx);
    if (n <= 0) { /* EAGAIN: nothing pending; EIO: no slave open (cannot last) */
      empty_at = now_ns();
      return -1;
    }
    empty_at = 0;
    rx_len = (size_t)n;
    rx_pos = 0;
  }
  return rx[rx_pos++];
}

void hal_write(const uint8_t *buf, uint32_t len) {
  while (len && !host_stop) {
    ssize_t n = write(master, buf, len);
    if (n > 0) {
      buf += n;
      len -= (uint32_t)n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      fprintf(stderr, "tinyhil-host-sim: write to pty: %s (reply dropped)\n", strerror(errno));
      return;
    }
    {
      /* The slave's input queue is full: wait for a reader, but not forever. */
      struct pollfd p = {master, POLLOUT, 0};
      if (poll(&p, 1, 2000) == 0) {
        fprintf(stderr, "tinyhil-host-sim: nobody reads the pty for 2 s (reply dropped)\n");
        return;
      }
    }
  }
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t hal_millis(void) { return (uint32_t)(now_ns() / 1000000u); }

void hal_idle(void) {
  struct pollfd p = {master, POLLIN, 0};
  empty_at = 0; /* the main loop reads as soon as poll() says so */
  if (poll(&p, 1, 100) > 0 && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN))
    usleep(10000); /* hang-up without data: do not spin */
}

uint8_t *hal_arena(uint32_t *bytes) {
  *bytes = host_arena_bytes;
  return arena;
}

uint64_t hal_counter(void) { return now_ns(); }

void hal_trigger(int level) { (void)level; /* no pin on the host */ }

/* ---- cores: a pool of HOST_CORES - 1 threads started once, core 0 is the caller ---- */

static pthread_t workers[HOST_CORES];
static int pool_started;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_start = PTHREAD_COND_INITIALIZER, cv_done = PTHREAD_COND_INITIALIZER;
static unsigned generation;
static int pending;
static pthread_barrier_t barrier;
static struct {
  void (*fn)(int32_t, void *);
  void *arg;
  int32_t n;
  uint64_t *per_core;
} job;

static void *worker(void *p) {
  int32_t id = (int32_t)(intptr_t)p;
  unsigned seen = 0;
  for (;;) {
    uint64_t t0;
    pthread_mutex_lock(&mu);
    while (generation == seen) pthread_cond_wait(&cv_start, &mu);
    seen = generation;
    if (id >= job.n) {
      pthread_mutex_unlock(&mu);
      continue;
    }
    pthread_mutex_unlock(&mu);
    t0 = now_ns();
    job.fn(id, job.arg);
    job.per_core[id] = now_ns() - t0;
    pthread_mutex_lock(&mu);
    if (--pending == 0) pthread_cond_signal(&cv_done);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

void hal_parallel(int32_t n, void (*fn)(int32_t, void *), void *arg, uint64_t per_core[]) {
  uint64_t t0;
  int32_t i;
  if (n <= 1) {
    t0 = now_ns();
    fn(0, arg);
    per_core[0] = now_ns() - t0;
    return;
  }
  if (n > HOST_CORES) n = HOST_CORES;
  if (!pool_started) {
    /* Workers block SIGTERM/SIGINT so the signal interrupts the main thread's poll(). */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (i = 1; i < HOST_CORES; i++)
      if (pthread_create(&workers[i], NULL, worker, (void *)(intptr_t)i) != 0) die("pthread_create");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pool_started = 1;
  }
  pthread_barrier_init(&barrier, NULL, (unsigned)n);
  pthread_mutex_lock(&mu);
  job.fn = fn;
  job.arg = arg;
  job.n = n;
  job.per_core = per_core;
  pending = n - 1;
  generation++;
  pthread_cond_broadcast(&cv_start);
  pthread_mutex_unlock(&mu);
  t0 = now_ns();
  fn(0, arg);
  per_core[0] = now_ns() - t0;
  pthread_mutex_lock(&mu);
  while (pending > 0) pthread_cond_wait(&cv_done, &mu);
  pthread_mutex_unlock(&mu);
  pthread_barrier_destroy(&barrier);
}

void hal_barrier(void *arg) {
  (void)arg;
  pthread_barrier_wait(&barrier);
}
