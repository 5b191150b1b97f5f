/* th_mhsa_dft.c - kernel 9 `mhsa_dft`: MHSA with depth-first tiling over query rows, bit-identical to `mhsa`. */
#include "th_internal.h"

/* Only K and V are held whole: Q, the attention map, M and the output projection
 * are produced tile by tile (T query rows at a time) in per-core buffers, so the
 * S*H*S map, Q[H,S,P] and M[S,H*P] never exist. Every contraction goes through
 * th_mm_i8/th_mm_u8 (SIMD/DSP tiles), exactly the cores the whole-tensor kernels use. */

/* One tile: query rows [s0, s0+n) -> O[s0.., :]. Qt [T,P], At [T,S], Mt [T,H*P]. */
static void th_dft_tile(const th_params *p, const void *const in[], const int8_t *K,
                        const int8_t *V, int8_t *Qt, uint8_t *At, int8_t *Mt, int32_t s0,
                        int32_t n, int8_t *O) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H;
  const int8_t *I = (const int8_t *)in[0] + (size_t)s0 * E;
  const int8_t *Wq = (const int8_t *)in[1];
  const int16_t *Bq = (const int16_t *)in[2];
  int32_t h;
  for (h = 0; h < H; h++) {
    /* Qt = the tile's rows of Q_h (same contraction as linear_qk; on the ARM DSP path with the
     * tile as the panel and W_q,h streamed, when that applies). */
#if defined(TH_HAVE_MM_I8_U8B)
    if (!th_mm_i8_rowbias(Wq + (size_t)h * P * E, (size_t)E, I, (size_t)E, P, n, E,
                          Bq + (size_t)h * P, p->rq[0], Qt, 1, P))
#endif
      th_mm_i8(I, (size_t)E, Wq + (size_t)h * P * E, (size_t)E, n, P, E, Bq + (size_t)h * P,
               p->rq[0], Qt, P, 1);
#if defined(TH_HAVE_MM_I8_U8B)
    /* ARM DSP: the contraction widens its right operand into a panel per call, so the small tile
     * goes right and K_h / V_h stream past it (transposed outputs: same sums, same bytes). */
    th_mm_i8(K + (size_t)h * S * P, (size_t)P, Qt, (size_t)P, S, n, P, NULL, p->rq[3],
             (int8_t *)At, 1, S);
    th_isoftmax_rows((const int8_t *)At, At, S, n, (size_t)S);
    th_mm_i8_u8b(V + (size_t)h * P * S, (size_t)S, At, (size_t)S, P, n, S, p->rq[4],
                 Mt + (size_t)h * P, 1, (ptrdiff_t)H * P);
#else
    /* Scores as int8 into the uint8 rows, then the softmax in place (as qk_softmax). */
    th_mm_i8(Qt, (size_t)P, K + (size_t)h * S * P, (size_t)P, n, S, P, NULL, p->rq[3],
             (int8_t *)At, S, 1);
    th_isoftmax_rows((const int8_t *)At, At, S, n, (size_t)S);
    /* Mt[:, h*P..] = At . V_h^T (as av, rows relative to the tile). */
    th_av_rows(At, (size_t)S, V, Mt, S, P, H, h, p->rq[4], 0, n);
#endif
  }
  /* Output projection of the tile's rows, straight into O (ARM DSP: W_o streamed past the tile). */
#if defined(TH_HAVE_MM_I8_U8B)
  if (!th_mm_i8_rowbias((const int8_t *)in[7], (size_t)H * P, Mt, (size_t)H * P, E, n, H * P,
                        (const int16_t *)in[8], p->rq[5], O + (size_t)s0 * E, 1, E))
#endif
    th_linear_o_rows(Mt, (const int8_t *)in[7], (const int16_t *)in[8], O + (size_t)s0 * E, E,
                     H * P, p->rq[5], 0, n);
}

static void th_mhsa_dft(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H, T = p->shape.T;
  const int32_t n_tiles = (S + T - 1) / T;
  const int8_t *I = (const int8_t *)in[0];
  const size_t hsp = (size_t)H * S * P;
  const size_t per_core = (size_t)T * P + (size_t)T * S + (size_t)T * H * P;
  /* Scratch, as documented: K[H,S,P] | V[H,P,S] | per core: Qt[T,P] | At[T,S] | Mt[T,H*P]. */
  int8_t *K = (int8_t *)ctx->scratch, *V = K + hsp;
  int8_t *Qt = V + hsp + (size_t)ctx->core_id * per_core;
  uint8_t *At = (uint8_t *)(Qt + (size_t)T * P);
  int8_t *Mt = (int8_t *)(At + (size_t)T * S);
  th_range r;
  int32_t u;

  /* Stage 1: K and V whole, partitioned as linear_qk / linear_v. */
  r = th_partition(H * S, ctx);
  th_linear_qk_units(I, (const int8_t *)in[3], (const int16_t *)in[4], K, S, E, P, p->rq[1],
                     r.start, r.stop);
  r = th_partition(H * P, ctx);
  th_linear_v_units(I, (const int8_t *)in[5], (const int16_t *)in[6], V, S, E, p->rq[2], r.start,
                    r.stop);
  th_sync(ctx);

  /* Stage 2: row tiles, each core on its own buffers and its own output rows: no barrier. */
  r = th_partition(n_tiles, ctx);
  for (u = r.start; u < r.stop; u++) {
    int32_t s0 = u * T, n = S - s0 < T ? S - s0 : T;
    th_dft_tile(p, in, K, V, Qt, At, Mt, s0, n, (int8_t *)out);
  }
}

/* ---- descriptor (sizes and MACs as mhsa) ---- */
static uint64_t th_mhsa_dft_scratch(const th_shape *s, uint64_t n) {
  const uint64_t S = TH_U64(s->S), P = TH_U64(s->P), H = TH_U64(s->H), T = TH_U64(s->T);
  return 2 * H * S * P + n * (T * P + T * S + T * H * P);
}

const th_kernel_def th_def_mhsa_dft = {
    {"mhsa_dft", 9, {"I", "Wq", "Bq", "Wk", "Bk", "Wv", "Bv", "Wo", "Bo"},
     {TH_I8, TH_I8, TH_I16, TH_I8, TH_I16, TH_I8, TH_I16, TH_I8, TH_I16}, TH_I8, 6, 0, 1},
    th_mhsa_dft, TH_F_S | TH_F_E | TH_F_P | TH_F_H | TH_F_T, 2, 0, th_mhsa_counts,
    th_mhsa_dft_scratch, th_mhsa_macs};
