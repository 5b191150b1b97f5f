/* th_add.c - kernel 12 `add`: residual add Y = clamp(rq0'(A) + rq1'(B)) with no clamp before the sum. */
#include "th_internal.h"

static void th_add(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int8_t *A = (const int8_t *)in[0], *B = (const int8_t *)in[1];
  int8_t *Y = (int8_t *)out;
  const th_rq ra = p->rq[0], rb = p->rq[1];
  const size_t E = (size_t)p->shape.E;
  th_range r = th_partition(p->shape.S, ctx);
  size_t i, end = (size_t)r.stop * E;
  for (i = (size_t)r.start * E; i < end; i++)
    Y[i] = th_clamp_i8(th_floor_shift((int64_t)A[i] * ra.mul, ra.div) +
                       th_floor_shift((int64_t)B[i] * rb.mul, rb.div));
}

/* ---- descriptor ---- */
static void th_add_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  in[0] = in[1] = TH_U64(s->S) * TH_U64(s->E), *out = in[0];
}

const th_kernel_def th_def_add = {
    {"add", 2, {"A", "B"}, {TH_I8, TH_I8}, TH_I8, 2, 0, 0},
    th_add, TH_F_S | TH_F_E, 1, 0, th_add_counts, NULL, th_elementwise_macs};
