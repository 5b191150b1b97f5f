/* th_linear.c - kernel 13 `linear`: O[S,N] = rq(I[S,K] . W[N,K]^T + B[N]), K = shape.E, N = shape.P.
 * The plain dense layer of an FFN. Same contraction as linear_o (which is this with K = H*P,
 * N = E), so it shares linear_o's row routine and with it every ISA path of th_mm_i8. */
#include "th_internal.h"

void th_linear(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  th_range r = th_partition(sh->S, ctx);
  th_linear_o_rows((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                   (int8_t *)out, sh->P, sh->E, p->rq[0], r.start, r.stop);
}
