/* bench.c - times one kernel: naive reference vs optimised C on 1 core and on N pthreads (checks bytes too). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "th_ref.h"
#include "tinyhil.h"

typedef struct {
  int32_t id;
  const th_params *p;
  const void *const *in;
  void *out;
  th_ctx ctx;
} job;

static void bar_wait(void *a) { pthread_barrier_wait((pthread_barrier_t *)a); }
static void *job_main(void *a) {
  job *j = (job *)a;
  if (th_kernel_run(j->id, j->p, j->in, j->out, &j->ctx) != TH_OK) abort();
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double run_opt(int32_t id, const th_params *p, const void *const *in, void *out, int n,
                      void *scratch, size_t sb) {
  pthread_t th[TH_MAX_CORES];
  job jb[TH_MAX_CORES];
  pthread_barrier_t bar;
  double t0 = now();
  int c;
  if (n > 1) pthread_barrier_init(&bar, NULL, (unsigned)n);
  for (c = 0; c < n; c++) {
    th_ctx ctx;
    ctx.core_id = c, ctx.n_cores = n, ctx.scratch = scratch, ctx.scratch_bytes = sb;
    ctx.barrier = n > 1 ? bar_wait : NULL, ctx.barrier_arg = n > 1 ? (void *)&bar : NULL;
    jb[c].id = id, jb[c].p = p, jb[c].in = in, jb[c].out = out, jb[c].ctx = ctx;
  }
  for (c = 1; c < n; c++) pthread_create(&th[c], NULL, job_main, &jb[c]);
  job_main(&jb[0]);
  for (c = 1; c < n; c++) pthread_join(th[c], NULL);
  if (n > 1) pthread_barrier_destroy(&bar);
  return now() - t0;
}

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "mhsa";
  int32_t id = th_kernel_find(name), i;
  th_params p;
  int n = argc > 7 ? atoi(argv[7]) : 2, reps = argc > 8 ? atoi(argv[8]) : 20, r;
  size_t counts[TH_MAX_INPUTS], on, sb;
  void *in[TH_MAX_INPUTS] = {0}, *ref, *got, *scratch;
  double tref = 1e9, t1 = 1e9, tn = 1e9;
  const th_kernel_desc *d;
  if (id < 0) {
    fprintf(stderr, "usage: th_bench [kernel S E P H T threads reps]\n");
    return 2;
  }
  d = th_kernel_get(id);
  memset(&p, 0, sizeof p);
  p.shape.S = argc > 2 ? atoi(argv[2]) : 128, p.shape.E = argc > 3 ? atoi(argv[3]) : 64;
  p.shape.P = argc > 4 ? atoi(argv[4]) : 64, p.shape.H = argc > 5 ? atoi(argv[5]) : 4;
  p.shape.T = argc > 6 ? atoi(argv[6]) : 16;
  for (i = 0; i < TH_MAX_RQ; i++) p.rq[i].mul = 385, p.rq[i].div = 16;
  p.consts[0] = 40, p.consts[1] = 1772, p.consts[2] = 1772;
  if (th_kernel_sizes(id, &p.shape, counts, &on) != TH_OK) return 2;
  srand(1);
  for (i = 0; i < d->n_inputs; i++) {
    size_t b = counts[i] * th_dtype_size(d->input_types[i]), k;
    in[i] = malloc(b);
    for (k = 0; k < b; k++) ((unsigned char *)in[i])[k] = (unsigned char)rand();
  }
  on *= th_dtype_size(d->output_type);
  ref = malloc(on), got = malloc(on);
  sb = th_scratch_bytes(id, &p.shape, n);
  scratch = malloc(sb ? sb : 1);
  for (r = 0; r < reps; r++) {
    double t0 = now(), t;
    th_ref_run(id, &p, (const void *const *)in, ref);
    t = now() - t0;
    if (t < tref) tref = t;
    t = run_opt(id, &p, (const void *const *)in, got, 1, scratch, sb);
    if (t < t1) t1 = t;
    t = run_opt(id, &p, (const void *const *)in, got, n, scratch, sb);
    if (t < tn) tn = t;
  }
  printf("%s S=%d E=%d P=%d H=%d T=%d: ref %.3f ms, opt 1 core %.3f ms (x%.1f), opt %d threads %.3f ms (x%.1f), %.2f GMAC/s, bytes %s\n",
         name, p.shape.S, p.shape.E, p.shape.P, p.shape.H, p.shape.T, tref * 1e3, t1 * 1e3,
         tref / t1, n, tn * 1e3, tref / tn, th_kernel_macs(id, &p.shape) / tn * 1e-9,
         memcmp(ref, got, on) ? "DIFFER" : "identical");
  return memcmp(ref, got, on) ? 1 : 0;
}
