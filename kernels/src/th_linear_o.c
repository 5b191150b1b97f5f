/* th_linear_o.c - kernel 2 `linear_o`: O[S,E] = rq(I[S,H*P] . W[E,H*P]^T + B). */
#include "th_internal.h"

void th_linear_o_rows(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O, int32_t E,
                      int32_t K, th_rq rq, int32_t s0, int32_t s1) {
  if (s1 > s0)
    th_mm_i8(I + (size_t)s0 * K, (size_t)K, W, (size_t)K, s1 - s0, E, K, B, rq,
             O + (size_t)s0 * E, E, 1);
}

static void th_linear_o(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  th_range r = th_partition(sh->S, ctx);
  th_linear_o_rows((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                   (int8_t *)out, sh->E, sh->H * sh->P, p->rq[0], r.start, r.stop);
}

/* ---- descriptor ---- */
static void th_linear_o_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), HP = TH_U64(s->H) * TH_U64(s->P);
  in[0] = S * HP, in[1] = E * HP, in[2] = E, *out = S * E;
}

const th_kernel_def th_def_linear_o = {
    {"linear_o", 3, {"I", "W", "B"}, {TH_I8, TH_I8, TH_I16}, TH_I8, 1, 0, 0},
    th_linear_o, TH_F_S | TH_F_E | TH_F_P | TH_F_H, 1, 0, th_linear_o_counts, NULL, th_linear_macs};
