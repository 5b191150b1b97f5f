/* th_linear_o.c - kernel 2 `linear_o`: O[S,E] = rq(I[S,H*P] . W[E,H*P]^T + B). */
#include "th_internal.h"

void th_linear_o_rows(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O, int32_t E,
                      int32_t K, th_rq rq, int32_t s0, int32_t s1) {
  if (s1 > s0)
    th_mm_i8(I + (size_t)s0 * K, (size_t)K, W, (size_t)K, s1 - s0, E, K, B, rq,
             O + (size_t)s0 * E, E, 1);
}

void th_linear_o(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  th_range r = th_partition(sh->S, ctx);
  th_linear_o_rows((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                   (int8_t *)out, sh->E, sh->H * sh->P, p->rq[0], r.start, r.stop);
}
