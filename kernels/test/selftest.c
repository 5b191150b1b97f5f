/* selftest.c - sanitizer self-test: every kernel on random shapes, 1..8 cores (pthreads and slices in turn), vs th_ref_run. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th_ref.h"
#include "tinyhil.h"

static uint32_t rng_state = 0x1234567u;

/* mulberry32, the generator of docs/kernels.md */
static uint32_t rnd(void) {
  uint32_t t = (rng_state += 0x6D2B79F5u);
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}
static int32_t rnd_in(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }

static long n_fail = 0, n_cases = 0, n_runs = 0, n_arg_checks = 0;
static long per_kernel[TH_K_COUNT];

#define CHECK(cond, ...)                        \
  do {                                          \
    n_arg_checks++;                             \
    if (!(cond)) {                              \
      n_fail++;                                 \
      printf("FAIL %s:%d: ", __FILE__, __LINE__); \
      printf(__VA_ARGS__);                      \
      printf("\n");                             \
    }                                           \
  } while (0)

/* ---- running a kernel on n cores ---------------------------------------- */

typedef struct {
  int32_t id;
  const th_params *p;
  const void *const *in;
  void *out;
  th_ctx ctx;
  th_status st;
} worker;

static void barrier_wait(void *arg) { pthread_barrier_wait((pthread_barrier_t *)arg); }

static void *worker_main(void *arg) {
  worker *w = (worker *)arg;
  w->st = th_kernel_run(w->id, w->p, w->in, w->out, &w->ctx);
  return NULL;
}

/* mode 0: real threads with a pthread barrier; mode 1: slices in turn (single-stage only). */
static th_status run_cores(int32_t id, const th_params *p, const void *const in[], void *out,
                           int32_t n, int mode) {
  size_t need = th_scratch_bytes(id, &p->shape, n);
  void *scratch = need ? malloc(need) : NULL;
  worker w[TH_MAX_CORES];
  pthread_t th[TH_MAX_CORES];
  pthread_barrier_t bar;
  th_status st = TH_OK;
  int32_t c;
  if (need) memset(scratch, 0x5A, need);
  if (mode == 0 && n > 1) pthread_barrier_init(&bar, NULL, (unsigned)n);
  for (c = 0; c < n; c++) {
    w[c].id = id, w[c].p = p, w[c].in = in, w[c].out = out;
    w[c].ctx.core_id = c, w[c].ctx.n_cores = n;
    w[c].ctx.scratch = scratch, w[c].ctx.scratch_bytes = need;
    w[c].ctx.barrier = (mode == 0 && n > 1) ? barrier_wait : NULL;
    w[c].ctx.barrier_arg = (mode == 0 && n > 1) ? (void *)&bar : NULL;
  }
  if (mode == 0 && n > 1) {
    for (c = 0; c < n; c++) pthread_create(&th[c], NULL, worker_main, &w[c]);
    for (c = 0; c < n; c++) pthread_join(th[c], NULL);
    pthread_barrier_destroy(&bar);
  } else {
    for (c = 0; c < n; c++) worker_main(&w[c]);
  }
  for (c = 0; c < n; c++)
    if (w[c].st != TH_OK) st = w[c].st;
  free(scratch);
  n_runs++;
  return st;
}

/* ---- one random case ----------------------------------------------------- */

static int is_multistage(int32_t id) {
  return id == TH_K_MHSA || id == TH_K_MHSA_FWSA || id == TH_K_MHSA_DFT;
}

static void fill(void *buf, size_t n, th_dtype t, int mode) {
  size_t i;
  for (i = 0; i < n; i++) {
    int32_t v;
    switch (mode) {
      case 1: v = t == TH_U8 ? 255 : -128; break;               /* overflow hunters */
      case 2: v = (rnd() & 1) ? (t == TH_U8 ? 255 : 127) : (t == TH_U8 ? 0 : -128); break;
      default: v = (int32_t)(rnd() >> 16) - 32768; break;
    }
    if (t == TH_I16)
      ((int16_t *)buf)[i] = (int16_t)(mode == 1 ? -32768 : v);
    else if (t == TH_U8)
      ((uint8_t *)buf)[i] = (uint8_t)(mode == 0 ? (v & 0xFF) : v);
    else
      ((int8_t *)buf)[i] = (int8_t)(mode == 0 ? (int8_t)(v & 0xFF) : v);
  }
}

static void random_rq(th_params *p, int extreme) {
  int32_t i;
  for (i = 0; i < TH_MAX_RQ; i++) {
    if (extreme) {
      static const int32_t muls[] = {INT32_MIN, INT32_MAX, -1, 0, 1, 385};
      p->rq[i].mul = muls[rnd() % 6];
      p->rq[i].div = (rnd() & 1) ? 31 : (int32_t)(rnd() % 32);
    } else {
      p->rq[i].mul = rnd_in(-400, 3000);
      p->rq[i].div = rnd_in(4, 18);
    }
  }
  if (extreme && (rnd() & 1)) {
    static const int32_t c[] = {INT32_MIN, INT32_MAX, 0, 1, -1, 40, 1772};
    for (i = 0; i < TH_MAX_CONSTS; i++) p->consts[i] = c[rnd() % 7];
    if (p->consts[0] <= 0) p->consts[0] = INT32_MAX; /* gelu's qb must be > 0 (th_check_params) */
  } else {
    p->consts[0] = rnd_in(1, 200), p->consts[1] = rnd_in(-5000, 5000), p->consts[2] = rnd_in(-5000, 5000);
  }
}

static void print_case(int32_t id, const th_params *p) {
  printf("%s S=%d E=%d P=%d H=%d T=%d split=%d", th_kernel_get(id)->name, p->shape.S, p->shape.E,
         p->shape.P, p->shape.H, p->shape.T, (int)p->split);
}

static int compare(int32_t id, const th_params *p, const void *ref, const void *got, size_t n,
                   const char *how, int32_t cores) {
  size_t i;
  if (memcmp(ref, got, n) == 0) return 1;
  for (i = 0; i < n && ((const uint8_t *)ref)[i] == ((const uint8_t *)got)[i]; i++) {
  }
  n_fail++;
  printf("MISMATCH ");
  print_case(id, p);
  printf(" %s cores=%d: first byte %zu of %zu ref=%d got=%d\n", how, cores, i, n,
         ((const uint8_t *)ref)[i], ((const uint8_t *)got)[i]);
  return 0;
}

static void run_case(int32_t id, th_params *p, int fill_mode) {
  const th_kernel_desc *d = th_kernel_get(id);
  size_t counts[TH_MAX_INPUTS], out_n, ob;
  void *in[TH_MAX_INPUTS] = {0}, *copy[TH_MAX_INPUTS] = {0};
  void *ref, *got;
  int32_t i, n;
  int rs;
  th_status st = th_kernel_sizes(id, &p->shape, counts, &out_n);
  if (st != TH_OK) {
    printf("SKIP (sizes %d) ", st);
    print_case(id, p);
    printf("\n");
    return;
  }
  for (i = 0; i < d->n_inputs; i++) {
    size_t b = counts[i] * th_dtype_size(d->input_types[i]);
    in[i] = malloc(b);
    copy[i] = malloc(b);
    fill(in[i], counts[i], d->input_types[i], fill_mode);
    memcpy(copy[i], in[i], b);
  }
  ob = out_n * th_dtype_size(d->output_type);
  ref = malloc(ob), got = malloc(ob);
  memset(ref, 0xEE, ob);
  rs = th_ref_run(id, p, (const void *const *)in, ref);
  n_cases++;
  per_kernel[id]++;
  if (rs != TH_OK) {
    n_fail++;
    printf("REF FAILED %d: ", rs);
    print_case(id, p);
    printf("\n");
  } else {
    int32_t core_sets[4] = {1, 0, 0, 0};
    core_sets[1] = rnd_in(2, TH_MAX_CORES);
    core_sets[2] = rnd_in(2, TH_MAX_CORES);
    for (n = 0; n < 3; n++) {
      int mode;
      for (mode = 0; mode < 2; mode++) {
        if (mode == 1 && (is_multistage(id) || core_sets[n] == 1)) continue;
        memset(got, (int)(rnd() & 0xFF), ob);
        st = run_cores(id, p, (const void *const *)in, got, core_sets[n], mode);
        if (st != TH_OK) {
          n_fail++;
          printf("RUN FAILED %d: ", st);
          print_case(id, p);
          printf("\n");
          continue;
        }
        compare(id, p, ref, got, ob, mode ? "slices" : "threads", core_sets[n]);
      }
    }
  }
  for (i = 0; i < d->n_inputs; i++) {
    size_t b = counts[i] * th_dtype_size(d->input_types[i]);
    if (memcmp(in[i], copy[i], b) != 0) {
      n_fail++;
      printf("INPUT %s MODIFIED: ", d->input_names[i]);
      print_case(id, p);
      printf("\n");
    }
    free(in[i]), free(copy[i]);
  }
  free(ref), free(got);
}

static void random_shape(th_params *p, int big) {
  int32_t lim = big ? 130 : 40;
  memset(p, 0, sizeof *p);
  p->shape.S = rnd_in(1, lim), p->shape.E = rnd_in(1, lim);
  p->shape.P = rnd_in(1, lim), p->shape.H = rnd_in(1, big ? 4 : 9);
  if (rnd() % 4 == 0) p->shape.S = 1;
  if (rnd() % 6 == 0) p->shape.H = 1;
  p->shape.T = rnd_in(1, p->shape.S);
  p->split = (rnd() & 1) ? TH_SPLIT_ROWS : TH_SPLIT_HEADS;
}

/* ---- argument checks ----------------------------------------------------- */

static void arg_checks(void) {
  int8_t buf[4096];
  const void *in[TH_MAX_INPUTS];
  th_params p;
  th_ctx ctx;
  size_t counts[TH_MAX_INPUTS], out_n;
  uint8_t out[64];
  int32_t id, i;
  /* The names as TH_KERNEL_LIST spells them: the descriptors must agree. */
#define TH_NAME_(id, NAME, name) #name,
  static const char *names[TH_K_COUNT] = {TH_KERNEL_LIST(TH_NAME_)};
#undef TH_NAME_
  uint8_t scratch[4096];

  memset(buf, 1, sizeof buf);
  for (i = 0; i < TH_MAX_INPUTS; i++) in[i] = buf;
  memset(&p, 0, sizeof p);
  p.shape.S = p.shape.E = p.shape.P = p.shape.H = p.shape.T = 2;
  for (i = 0; i < TH_MAX_RQ; i++) p.rq[i].mul = 385, p.rq[i].div = 16;
  p.consts[0] = 40; /* gelu's qb */
  memset(&ctx, 0, sizeof ctx);
  ctx.n_cores = 1;
  ctx.scratch = scratch, ctx.scratch_bytes = sizeof scratch;

  CHECK(th_kernel_get(-1) == NULL && th_kernel_get(TH_K_COUNT) == NULL, "th_kernel_get bad id");
  CHECK(th_kernel_find("nope") == -1 && th_kernel_find(NULL) == -1, "th_kernel_find unknown");
  CHECK(th_kernel_find("mhs") == -1 && th_kernel_find("mhsa_") == -1, "th_kernel_find prefix");
  for (id = 0; id < TH_K_COUNT; id++) {
    CHECK(th_kernel_find(names[id]) == id, "th_kernel_find(%s)", names[id]);
    CHECK(strcmp(th_kernel_get(id)->name, names[id]) == 0, "name of %d", id);
    CHECK(th_kernel_run(id, &p, in, out, &ctx) == TH_OK, "%s small run", names[id]);
    { /* the two halves give what the whole does */
      uint8_t out2[sizeof out];
      memset(out2, 0x5A, sizeof out2);
      CHECK(th_kernel_check(id, &p, in, out2, &ctx) == TH_OK, "%s check", names[id]);
      CHECK(out2[0] == 0x5A, "%s: th_kernel_check writes nothing", names[id]);
      th_kernel_exec(id, &p, in, out2, &ctx);
      th_kernel_run(id, &p, in, out, &ctx);
      CHECK(th_kernel_sizes(id, &p.shape, counts, &out_n) == TH_OK && out_n <= sizeof out &&
                memcmp(out, out2, out_n * th_dtype_size(th_kernel_get(id)->output_type)) == 0,
            "%s: th_kernel_exec == th_kernel_run", names[id]);
    }
  }
  CHECK(th_kernel_check(TH_K_COUNT, &p, in, out, &ctx) == TH_ERR_ARG, "check: bad id");
  p.rq[0].div = 32;
  CHECK(th_kernel_check(0, &p, in, out, &ctx) == TH_ERR_RQ, "check: div 32");
  p.rq[0].div = 16;
  ctx.scratch_bytes = 0;
  CHECK(th_kernel_check(TH_K_MHSA, &p, in, out, &ctx) == TH_ERR_SCRATCH, "check: scratch");
  ctx.scratch_bytes = sizeof scratch;
  CHECK(th_kernel_run(TH_K_COUNT, &p, in, out, &ctx) == TH_ERR_ARG, "bad id");
  CHECK(th_kernel_run(-1, &p, in, out, &ctx) == TH_ERR_ARG, "id -1");
  CHECK(th_kernel_run(0, NULL, in, out, &ctx) == TH_ERR_ARG, "null params");
  CHECK(th_kernel_run(0, &p, NULL, out, &ctx) == TH_ERR_ARG, "null inputs");
  CHECK(th_kernel_run(0, &p, in, NULL, &ctx) == TH_ERR_ARG, "null output");
  CHECK(th_kernel_run(0, &p, in, out, NULL) == TH_ERR_ARG, "null ctx");
  in[2] = NULL;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_ARG, "null input 2");
  CHECK(th_kernel_run(TH_K_AV, &p, in, out, &ctx) == TH_OK, "av ignores input 2");
  in[2] = buf;
  ctx.n_cores = 0;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_ARG, "n_cores 0");
  ctx.n_cores = TH_MAX_CORES + 1;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_ARG, "n_cores 9");
  ctx.n_cores = 2, ctx.core_id = 2;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_ARG, "core_id == n_cores");
  ctx.core_id = -1;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_ARG, "core_id -1");
  ctx.core_id = 0;
  CHECK(th_kernel_run(TH_K_MHSA, &p, in, out, &ctx) == TH_ERR_ARG, "mhsa 2 cores, no barrier");
  CHECK(th_kernel_run(TH_K_MHSA_DFT, &p, in, out, &ctx) == TH_ERR_ARG, "dft 2 cores, no barrier");
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_OK, "linear_qk 2 cores, no barrier is fine");
  ctx.n_cores = 1;

  /* shapes */
  p.shape.S = 0;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_SHAPE, "S=0");
  CHECK(th_check_params(0, &p) == TH_ERR_SHAPE, "check S=0");
  p.shape.S = 2;
  p.consts[0] = 0;
  CHECK(th_check_params(TH_K_GELU, &p) == TH_ERR_ARG, "gelu qb 0 (docs/kernels.md: qb > 0)");
  p.consts[0] = -1;
  CHECK(th_kernel_run(TH_K_GELU, &p, in, out, &ctx) == TH_ERR_ARG, "gelu qb -1");
  p.consts[0] = 1;
  CHECK(th_check_params(TH_K_GELU, &p) == TH_OK, "gelu qb 1");
  p.shape.S = 0;
  p.shape.S = 2, p.shape.E = TH_MAX_DIM + 1;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_SHAPE, "E=65536");
  CHECK(th_kernel_run(TH_K_QK_SOFTMAX, &p, in, out, &ctx) == TH_OK, "qk_softmax ignores E");
  p.shape.E = 2, p.shape.P = -3;
  CHECK(th_kernel_run(TH_K_SOFTMAX, &p, in, out, &ctx) == TH_OK, "softmax ignores P");
  CHECK(th_kernel_run(TH_K_FWSA, &p, in, out, &ctx) == TH_OK, "fwsa ignores P");
  CHECK(th_kernel_run(TH_K_LINEAR_V, &p, in, out, &ctx) == TH_ERR_SHAPE, "P=-3");
  p.shape.P = 2, p.shape.T = 0;
  CHECK(th_kernel_run(TH_K_MHSA_DFT, &p, in, out, &ctx) == TH_ERR_SHAPE, "T=0");
  CHECK(th_kernel_run(TH_K_MHSA, &p, in, out, &ctx) == TH_OK, "mhsa ignores T");
  p.shape.T = 3;
  CHECK(th_kernel_run(TH_K_MHSA_DFT, &p, in, out, &ctx) == TH_ERR_SHAPE, "T>S");
  p.shape.T = 2;
  {
    th_shape big = {65535, 65535, 1, 1, 1};
    CHECK(th_kernel_sizes(0, &big, counts, &out_n) == TH_ERR_SHAPE, "S*E > 2^31 overflow");
    CHECK(th_scratch_bytes(0, &big, 1) == SIZE_MAX, "scratch of bad shape");
    CHECK(th_kernel_macs(0, &big) == 0, "macs of bad shape");
    big.S = 40000, big.E = 1, big.P = 1, big.H = 2; /* A = S*H*S = 3.2e9 */
    CHECK(th_kernel_sizes(TH_K_QK_SOFTMAX, &big, counts, &out_n) == TH_ERR_SHAPE, "S*H*S overflow");
    big.S = 30000, big.H = 1, big.P = 30000, big.E = 1; /* mhsa scratch 3*9e8 > 2^31 */
    CHECK(th_kernel_sizes(TH_K_MHSA, &big, counts, &out_n) == TH_ERR_SHAPE, "mhsa scratch overflow");
    big.S = 3, big.E = 5, big.P = 7, big.H = 2, big.T = 2;
    CHECK(th_kernel_sizes(TH_K_MHSA_FWSA, &big, counts, &out_n) == TH_OK && counts[1] == 50 &&
              counts[2] == 10 && counts[3] == 70 && counts[5] == 70 && counts[6] == 5 && out_n == 15,
          "mhsa_fwsa counts");
    CHECK(th_scratch_bytes(TH_K_MHSA, &big, 3) == 3 * 42 + 18 + 42, "mhsa scratch");
    CHECK(th_scratch_bytes(TH_K_MHSA_FWSA, &big, 3) == 42 + 18 + 42 + 3 * 15, "mhsa_fwsa scratch");
    CHECK(th_scratch_bytes(TH_K_MHSA_DFT, &big, 3) == 2 * 42 + 3 * (2 * 7 + 2 * 3 + 2 * 14), "dft scratch");
    CHECK(th_scratch_bytes(TH_K_FWSA, &big, 4) == 4 * 15, "fwsa scratch");
    CHECK(th_scratch_bytes(TH_K_LINEAR_O, &big, 4) == 0, "linear_o scratch");
    CHECK(th_scratch_bytes(TH_K_FWSA, &big, 9) == SIZE_MAX, "scratch n_cores 9");
    CHECK(th_kernel_macs(TH_K_MHSA, &big) == 4u * 210 + 2u * 2 * 9 * 7, "mhsa macs");
    CHECK(th_kernel_macs(TH_K_MHSA_FWSA, &big) == (2u * 3 * 25 + 2u * 9 * 5) + 2u * 210 + 2u * 9 * 7,
          "mhsa_fwsa macs");
    CHECK(th_kernel_macs(TH_K_GELU, &big) == 15, "gelu macs");
  }
  /* split */
  p.split = (th_split)7;
  CHECK(th_kernel_run(TH_K_AV, &p, in, out, &ctx) == TH_ERR_ARG, "split 7 (av)");
  CHECK(th_kernel_run(TH_K_LINEAR_QK, &p, in, out, &ctx) == TH_OK, "split ignored by linear_qk");
  p.split = TH_SPLIT_HEADS;
  /* rq: only the kernel's own slots are checked */
  p.rq[0].div = 32;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_RQ, "div 32");
  CHECK(th_kernel_run(TH_K_SOFTMAX, &p, in, out, &ctx) == TH_OK, "softmax has no rq");
  p.rq[0].div = -1;
  CHECK(th_kernel_run(0, &p, in, out, &ctx) == TH_ERR_RQ, "div -1");
  p.rq[0].div = 16, p.rq[5].div = 40;
  CHECK(th_kernel_run(TH_K_MHSA, &p, in, out, &ctx) == TH_ERR_RQ, "mhsa rq5 div 40");
  CHECK(th_kernel_run(TH_K_MHSA_FWSA, &p, in, out, &ctx) == TH_OK, "mhsa_fwsa has 5 rq");
  p.rq[5].div = 16;
  /* scratch */
  ctx.scratch_bytes = th_scratch_bytes(TH_K_MHSA, &p.shape, 1) - 1;
  CHECK(th_kernel_run(TH_K_MHSA, &p, in, out, &ctx) == TH_ERR_SCRATCH, "scratch one short");
  ctx.scratch_bytes += 1;
  CHECK(th_kernel_run(TH_K_MHSA, &p, in, out, &ctx) == TH_OK, "scratch exact");
  ctx.scratch = NULL;
  CHECK(th_kernel_run(TH_K_MHSA, &p, in, out, &ctx) == TH_ERR_ARG, "scratch NULL");
  ctx.scratch_bytes = 0;
  CHECK(th_kernel_run(TH_K_ADD, &p, in, out, &ctx) == TH_OK, "no scratch needed");
  /* output untouched on error */
  memset(out, 0x77, sizeof out);
  p.rq[0].div = 99;
  th_kernel_run(0, &p, in, out, &ctx);
  for (i = 0; i < (int32_t)sizeof out; i++)
    if (out[i] != 0x77) break;
  CHECK(i == (int32_t)sizeof out, "output written on error");
  p.rq[0].div = 16;
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv) {
  int32_t rounds = argc > 1 ? atoi(argv[1]) : 40, r, id;
  th_params p;
  if (argc > 2) rng_state = (uint32_t)strtoul(argv[2], NULL, 0);

  arg_checks();

  /* Fixed edge shapes: all ones, primes, tails of the 4x2 tile. */
  {
    static const th_shape edges[] = {{1, 1, 1, 1, 1}, {5, 3, 7, 1, 2},  {7, 13, 3, 3, 3},
                                     {4, 8, 4, 2, 4}, {9, 2, 5, 8, 4},  {33, 31, 17, 2, 32},
                                     {2, 1, 1, 9, 1}, {1, 64, 64, 4, 1}, {150, 7, 3, 1, 7}};
    size_t k;
    for (k = 0; k < sizeof edges / sizeof edges[0]; k++)
      for (id = 0; id < TH_K_COUNT; id++) {
        memset(&p, 0, sizeof p);
        p.shape = edges[k];
        random_rq(&p, 0);
        p.split = (k & 1) ? TH_SPLIT_ROWS : TH_SPLIT_HEADS;
        run_case(id, &p, 0);
      }
  }
  /* Random shapes: every kernel each round, sometimes extreme rq/consts/fills or bigger dims. */
  for (r = 0; r < rounds; r++)
    for (id = 0; id < TH_K_COUNT; id++) {
      int big = rnd() % 8 == 0, extreme = rnd() % 5 == 0, fm = rnd() % 6 == 0 ? 1 + (int)(rnd() & 1) : 0;
      random_shape(&p, big);
      random_rq(&p, extreme);
      run_case(id, &p, fm);
    }
  /* Overflow hunters: int32 accumulators at their limits. */
  memset(&p, 0, sizeof p);
  random_rq(&p, 0);
  p.shape.S = 2, p.shape.E = 3, p.shape.H = 3, p.shape.P = 50000, p.shape.T = 1; /* H*P > 131068 */
  run_case(TH_K_LINEAR_O, &p, 1);
  run_case(TH_K_LINEAR_O, &p, 2);
  p.shape.E = 65535, p.shape.P = 3; /* linear: the longest K (= E) with saturated fills */
  run_case(TH_K_LINEAR, &p, 1);
  run_case(TH_K_LINEAR, &p, 2);
  p.shape.S = 2, p.shape.E = 65535, p.shape.H = 1, p.shape.P = 1;
  run_case(TH_K_LAYERNORM, &p, 2);
  run_case(TH_K_LINEAR_QK, &p, 1);
  run_case(TH_K_SOFTMAX, &p, 2);
  p.shape.S = 3000, p.shape.E = 1, p.shape.H = 1, p.shape.P = 2;
  run_case(TH_K_AV, &p, 1);

  printf("selftest: %ld cases (", n_cases);
  for (id = 0; id < TH_K_COUNT; id++)
    printf("%s%s %ld", id ? ", " : "", th_kernel_get(id)->name, per_kernel[id]);
  printf("), %ld optimised runs, %ld argument checks, %ld failures\n", n_runs, n_arg_checks, n_fail);
  return n_fail ? 1 : 0;
}
