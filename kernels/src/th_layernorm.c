/* th_layernorm.c - kernel 10 `layernorm`: I-BERT style integer LayerNorm with an exact integer square root. */
#include "th_internal.h"

static void th_layernorm(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int8_t *X = (const int8_t *)in[0], *gamma = (const int8_t *)in[1];
  const int16_t *beta = (const int16_t *)in[2];
  const int32_t E = p->shape.E;
  const th_rq rq = p->rq[0];
  th_range r = th_partition(p->shape.S, ctx);
  int32_t s, i;
  for (s = r.start; s < r.stop; s++) {
    const int8_t *x = X + (size_t)s * E;
    int8_t *y = (int8_t *)out + (size_t)s * E;
    int64_t sum = 0, sd;
    uint64_t sq = 0; /* sum of d^2 <= E^3 * 127.5^2 < 2^63 */
#ifdef TH_TEST_BROKEN_KERNEL /* test-only: an off-by-one in the tail (test/spec-check.test.ts) */
    for (i = 0; i < E - 1; i++) sum += x[i];
#else
    for (i = 0; i < E; i++) sum += x[i];
#endif
    for (i = 0; i < E; i++) {
      int64_t d = (int64_t)E * x[i] - sum;
      sq += (uint64_t)(d * d);
    }
    sd = (int64_t)th_isqrt64(sq / (uint64_t)E);
    if (sd < 1) sd = 1;
    for (i = 0; i < E; i++) {
      int64_t d = (int64_t)E * x[i] - sum;
      int64_t n = th_floor_div(d * 256, sd); /* |n| < 2^18 */
      y[i] = th_rq_wide(n * gamma[i] + beta[i], 1, rq.mul, rq.div);
    }
  }
}

/* ---- descriptor ---- */
static void th_layernorm_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  in[0] = TH_U64(s->S) * TH_U64(s->E), in[1] = in[2] = TH_U64(s->E), *out = in[0];
}

const th_kernel_def th_def_layernorm = {
    {"layernorm", 3, {"X", "gamma", "beta"}, {TH_I8, TH_I8, TH_I16}, TH_I8, 1, 0, 0},
    th_layernorm, TH_F_S | TH_F_E, 1, 0, th_layernorm_counts, NULL, th_elementwise_macs};
