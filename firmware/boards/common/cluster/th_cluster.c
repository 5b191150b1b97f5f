/* th_cluster.c - per-core counting around a fork and at every barrier (see th_cluster.h for what
 * work, wait and critical mean). Portable: no atomics here; synchronisation is th_cl_sync. */
#include "th_cluster.h"

/* Phase work by phase parity: a core writes slot[k & 1][c] before barrier k and everybody reads
 * slot[k & 1][*] after it; nobody writes parity k & 1 again before barrier k + 1, which cannot
 * complete until every core has finished reading. */
static struct {
  th_cl_fn fn;
  void *arg;
  int32_t n;
  uint64_t slot[2][TH_MAX_CORES];
  uint32_t phase[TH_MAX_CORES];
  uint64_t start[TH_MAX_CORES]; /* counter at the start of the core's current phase */
  uint64_t work[TH_MAX_CORES], wait[TH_MAX_CORES];
  uint64_t critical; /* written by core 0 only */
} cl;

void th_cl_begin(int32_t n_cores, th_cl_fn fn, void *arg) {
  /* Only what the team reads (slots are written before they are read): the fork's overhead
   * counts in the run's total. */
  cl.fn = fn;
  cl.arg = arg;
  cl.n = n_cores < 1 ? 1 : n_cores > TH_MAX_CORES ? TH_MAX_CORES : n_cores;
  cl.critical = 0;
  for (int32_t i = 0; i < cl.n; i++) cl.phase[i] = 0, cl.work[i] = cl.wait[i] = 0;
}

static uint64_t phase_max(uint32_t k) {
  uint64_t m = 0;
  for (int32_t i = 0; i < cl.n; i++)
    if (cl.slot[k & 1u][i] > m) m = cl.slot[k & 1u][i];
  return m;
}

/* Closes core c's current phase: its work since the phase started. */
static uint64_t close_phase(int32_t c) {
  uint64_t w = th_cl_counter() - cl.start[c];
  cl.slot[cl.phase[c] & 1u][c] = w;
  cl.work[c] += w;
  return w;
}

void th_cl_body(int32_t c) {
  if (c < 0 || c >= cl.n) return;
  cl.start[c] = th_cl_counter();
  cl.fn(c, cl.arg);
  close_phase(c); /* the last phase; th_cl_end accounts for it once everybody has joined */
}

void th_cl_barrier(void) {
  int32_t c = th_cl_core_id();
  uint64_t w, m;
  uint32_t k;
  if (c < 0 || c >= cl.n) return;
  if (cl.n == 1) return; /* nothing to wait for; the phase simply goes on */
  w = close_phase(c);
  k = cl.phase[c]++;
  th_cl_sync(c, cl.n);
  m = phase_max(k);
  cl.wait[c] += m - w;
  if (c == 0) cl.critical += m;
  cl.start[c] = th_cl_counter();
}

void th_cl_end(uint64_t per_core[]) {
  /* Every core has passed the same barriers (the kernels call them collectively). */
  uint64_t m = phase_max(cl.phase[0]);
  for (int32_t i = 0; i < cl.n; i++) {
    cl.wait[i] += m - cl.slot[cl.phase[0] & 1u][i];
    if (per_core) per_core[i] = cl.work[i];
  }
  cl.critical += m;
}

void th_cl_last(uint64_t wait[], uint64_t *critical) {
  for (int32_t i = 0; i < cl.n; i++) wait[i] = cl.wait[i];
  *critical = cl.critical;
}
