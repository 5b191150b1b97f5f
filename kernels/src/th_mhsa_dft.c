/* th_mhsa_dft.c - kernel 9 `mhsa_dft`: MHSA with depth-first tiling, bit-identical to `mhsa`
 * without ever holding the S*H*S attention map (one T*S tile per core). */
#include "th_internal.h"

void th_mhsa_dft(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H, T = p->shape.T;
  const int32_t n_tiles = (S + T - 1) / T;
  const int8_t *I = (const int8_t *)in[0];
  const size_t hsp = (size_t)H * S * P;
  /* Scratch, as documented: Q | K | V | M[S,H*P] | n_cores x tile[T,S]. */
  int8_t *Q = (int8_t *)ctx->scratch, *K = Q + hsp, *V = K + hsp, *M = V + hsp;
  uint8_t *tile = (uint8_t *)(M + hsp) + (size_t)ctx->core_id * T * S;
  th_range r;
  int32_t u;

  /* Stage 1: projections, as in mhsa. */
  r = th_partition(H * S, ctx);
  th_linear_qk_units(I, (const int8_t *)in[1], (const int16_t *)in[2], Q, S, E, P, p->rq[0],
                     r.start, r.stop);
  th_linear_qk_units(I, (const int8_t *)in[3], (const int16_t *)in[4], K, S, E, P, p->rq[1],
                     r.start, r.stop);
  r = th_partition(H * P, ctx);
  th_linear_v_units(I, (const int8_t *)in[5], (const int16_t *)in[6], V, S, E, p->rq[2], r.start,
                    r.stop);
  th_sync(ctx);

  /* Stage 2: units (h, tile), h-major: scores -> softmax -> .V straight into M. */
  r = th_partition(H * n_tiles, ctx);
  for (u = r.start; u < r.stop; u++) {
    int32_t h = u / n_tiles, s0 = (u % n_tiles) * T;
    int32_t s1 = S - s0 < T ? S : s0 + T;
    th_qk_softmax_rows(Q, K, tile, (size_t)S, S, P, h, p->rq[3], s0, s1);
    th_av_rows(tile, (size_t)S, V, M, S, P, H, h, p->rq[4], s0, s1);
  }
  th_sync(ctx);

  /* Stage 3: output projection by rows. */
  r = th_partition(S, ctx);
  th_linear_o_rows(M, (const int8_t *)in[7], (const int16_t *)in[8], (int8_t *)out, E, H * P,
                   p->rq[5], r.start, r.stop);
}
