/* th_mhsa_fwsa.c - kernel 8 `mhsa_fwsa`: FWSA attention + V projection -> A.V -> output projection. */
#include "th_internal.h"

void th_mhsa_fwsa(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H;
  const int8_t *I = (const int8_t *)in[0];
  /* Scratch, as documented: V[H,P,S] | A[H,S,S] | M[S,H*P] | n_cores x I*[S,E]. */
  int8_t *V = (int8_t *)ctx->scratch;
  uint8_t *A = (uint8_t *)(V + (size_t)H * P * S);
  int8_t *M = (int8_t *)(A + (size_t)H * S * S);
  int8_t *istar = M + (size_t)S * H * P + (size_t)ctx->core_id * S * E;
  th_range r;
  int32_t h;

  /* Stage 1: fused attention by heads and the V projection (independent). */
  r = th_partition(H, ctx);
  for (h = r.start; h < r.stop; h++)
    th_fwsa_head(I, (const int8_t *)in[1], (const int16_t *)in[2], A, istar, S, E, h, p->rq[0],
                 p->rq[1]);
  r = th_partition(H * P, ctx);
  th_linear_v_units(I, (const int8_t *)in[3], (const int16_t *)in[4], V, S, E, p->rq[2], r.start,
                    r.stop);
  th_sync(ctx);

  /* Stage 2: M[s,h*P+p] = rq3(A[h,s,:] . V[h,p,:]) by heads. */
  r = th_partition(H, ctx);
  for (h = r.start; h < r.stop; h++)
    th_av_rows(A + (size_t)h * S * S, (size_t)S, V, M, S, P, H, h, p->rq[3], 0, S);
  th_sync(ctx);

  /* Stage 3: output projection by rows. */
  r = th_partition(S, ctx);
  th_linear_o_rows(M, (const int8_t *)in[5], (const int16_t *)in[6], (int8_t *)out, E, H * P,
                   p->rq[4], r.start, r.stop);
}
