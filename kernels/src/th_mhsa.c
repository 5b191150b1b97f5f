/* th_mhsa.c - kernel 7 `mhsa`: Q,K,V projections -> M1 (qk_softmax) -> M2 (av) -> output projection. */
#include "th_internal.h"

void th_mhsa(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H;
  const int8_t *I = (const int8_t *)in[0];
  const size_t hsp = (size_t)H * S * P;
  /* Scratch, as documented: Q[H,S,P] | K[H,S,P] | V[H,P,S] | A[S,H,S] | M[S,H*P]. */
  int8_t *Q = (int8_t *)ctx->scratch, *K = Q + hsp, *V = K + hsp;
  uint8_t *A = (uint8_t *)(V + hsp);
  int8_t *M = (int8_t *)(A + (size_t)S * H * S);
  th_range r;
  int32_t h;

  /* Stage 1: the three projections (independent, no barrier between them). */
  r = th_partition(H * S, ctx);
  th_linear_qk_units(I, (const int8_t *)in[1], (const int16_t *)in[2], Q, S, E, P, p->rq[0],
                     r.start, r.stop);
  th_linear_qk_units(I, (const int8_t *)in[3], (const int16_t *)in[4], K, S, E, P, p->rq[1],
                     r.start, r.stop);
  r = th_partition(H * P, ctx);
  th_linear_v_units(I, (const int8_t *)in[5], (const int16_t *)in[6], V, S, E, p->rq[2], r.start,
                    r.stop);
  th_sync(ctx);

  /* Stage 2: M1 by heads. */
  r = th_partition(H, ctx);
  for (h = r.start; h < r.stop; h++)
    th_qk_softmax_rows(Q, K, A + (size_t)h * S, (size_t)H * S, S, P, h, p->rq[3], 0, S);
  th_sync(ctx);

  /* Stage 3: M2 by heads. */
  for (h = r.start; h < r.stop; h++)
    th_av_rows(A + (size_t)h * S, (size_t)H * S, V, M, S, P, H, h, p->rq[4], 0, S);
  th_sync(ctx);

  /* Stage 4: output projection by rows. */
  r = th_partition(S, ctx);
  th_linear_o_rows(M, (const int8_t *)in[7], (const int16_t *)in[8], (int8_t *)out, E, H * P,
                   p->rq[5], r.start, r.stop);
}
