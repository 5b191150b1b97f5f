/* th_linear_v.c - kernel 1 `linear_v`: O[H,P,S] = rq(I . W_h^T + B_h), per-head transposed for A.V. */
#include "th_internal.h"

void th_linear_v_units(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O,
                       int32_t S, int32_t E, th_rq rq, int32_t u0, int32_t u1) {
  /* Unit u = h*P + p is row u of W and row u of O viewed as [H*P, S]: one contraction
   * with the I rows as the left operand, written transposed (row stride 1, column stride S). */
  if (u1 > u0)
    th_mm_i8(I, (size_t)E, W + (size_t)u0 * E, (size_t)E, S, u1 - u0, E, B + u0, rq,
             O + (size_t)u0 * S, 1, S);
}

static void th_linear_v(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  th_range r = th_partition(sh->H * sh->P, ctx);
  th_linear_v_units((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                    (int8_t *)out, sh->S, sh->E, p->rq[0], r.start, r.stop);
}

/* ---- descriptor (sizes and MACs as linear_qk) ---- */
const th_kernel_def th_def_linear_v = {
    {"linear_v", 3, {"I", "W", "B"}, {TH_I8, TH_I8, TH_I16}, TH_I8, 1, 0, 0},
    th_linear_v, TH_F_S | TH_F_E | TH_F_P | TH_F_H, 1, 0, th_linear_counts, NULL, th_linear_macs};
