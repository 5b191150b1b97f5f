/* th_gelu.c - kernel 11 `gelu`: I-BERT i-GELU with the second-order erf polynomial, exact for any int32 consts. */
#include "th_internal.h"

static void th_gelu(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int8_t *X = (const int8_t *)in[0];
  int8_t *Y = (int8_t *)out;
  const int64_t qb = p->consts[0], qc = p->consts[1], q1 = p->consts[2];
  const th_rq rq = p->rq[0];
  const size_t E = (size_t)p->shape.E;
  th_range r = th_partition(p->shape.S, ctx);
  size_t i, end = (size_t)r.stop * E;
  for (i = (size_t)r.start * E; i < end; i++) {
    int64_t x = X[i], ax = x < 0 ? -x : x;
    int64_t t = (ax < qb ? ax : qb) - qb; /* in [-qb, 0] (0 when qb <= |x|): |t| < 2^31 */
    int64_t L = qc - t * t;               /* t*t < 2^62: exact */
    if (x < 0) L = -L;                    /* sign(x); x == 0 gives y = 0 below anyway */
    /* y = x * (L + q1) may exceed 64 bits: th_rq_wide forms it with saturation. */
    Y[i] = th_rq_wide(x, L + q1, rq.mul, rq.div);
  }
}

/* ---- descriptor ---- */
static void th_gelu_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  in[0] = TH_U64(s->S) * TH_U64(s->E), *out = in[0];
}

const th_kernel_def th_def_gelu = {
    {"gelu", 1, {"X"}, {TH_I8}, TH_I8, 1, 3, 0},
    th_gelu, TH_F_S | TH_F_E, 1, 0, th_gelu_counts, NULL, th_elementwise_macs};
