/* th_linear_qk.c - kernel 0 `linear_qk`: O[H,S,P] = rq(I . W_h^T + B_h), head-major. */
#include "th_internal.h"

void th_linear_qk_units(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O,
                        int32_t S, int32_t E, int32_t P, th_rq rq, int32_t u0, int32_t u1) {
  /* A unit range may span heads: whole heads in one call (they share the input rows), the
   * partial ones one contraction per run of rows within a head. */
  while (u0 < u1) {
    int32_t h = u0 / S, s0 = u0 % S;
    int32_t n = (u1 - u0 < S - s0) ? u1 - u0 : S - s0;
    if (s0 == 0 && n == S) {
      const int32_t nh = (u1 - u0) / S;
      th_mm_i8_heads(I, (size_t)E, W + (size_t)h * P * E, (size_t)E, (size_t)P * E, S, P, E,
                     B + (size_t)h * P, (size_t)P, nh, rq, O + (size_t)h * S * P, P, (size_t)S * P);
      n = nh * S;
    } else {
      th_mm_i8(I + (size_t)s0 * E, (size_t)E, W + (size_t)h * P * E, (size_t)E, n, P, E,
               B + (size_t)h * P, rq, O + ((size_t)h * S + s0) * P, P, 1);
    }
    u0 += n;
  }
}

static void th_linear_qk(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  th_range r = th_partition(sh->H * sh->S, ctx);
  th_linear_qk_units((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                     (int8_t *)out, sh->S, sh->E, sh->P, p->rq[0], r.start, r.stop);
}

/* ---- descriptor ---- */
void th_linear_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), HP = TH_U64(s->H) * TH_U64(s->P);
  in[0] = S * E, in[1] = HP * E, in[2] = HP, *out = HP * S;
}

uint64_t th_linear_macs(const th_shape *s) {
  return TH_U64(s->S) * TH_U64(s->E) * TH_U64(s->P) * TH_U64(s->H);
}

const th_kernel_def th_def_linear_qk = {
    {"linear_qk", 3, {"I", "W", "B"}, {TH_I8, TH_I8, TH_I16}, TH_I8, 1, 0, 0},
    th_linear_qk, TH_F_S | TH_F_E | TH_F_P | TH_F_H, 1, 0, th_linear_counts, NULL, th_linear_macs};
