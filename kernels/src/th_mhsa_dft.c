/* th_mhsa_dft.c - kernel 9 `mhsa_dft`: MHSA with depth-first tiling over query rows, bit-identical to `mhsa`. */
#include "th_internal.h"

/* Only K and V are held whole: Q, the attention map, M and the output projection
 * are produced tile by tile (T query rows at a time) in per-core buffers, so the
 * S*H*S map, Q[H,S,P] and M[S,H*P] never exist. Every contraction goes through
 * th_mm_i8/th_mm_u8 (SIMD/DSP tiles), exactly the cores the whole-tensor kernels use. */

/* ==== portable tile: the spec ==== *
 * One tile: query rows [s0, s0+n) -> O[s0.., :]. Qt [T,P], At [T,S], Mt [T,H*P]. */
static void th_dft_tile(const th_params *p, const void *const in[], const int8_t *K,
                        const int8_t *V, int8_t *Qt, uint8_t *At, int8_t *Mt, int32_t s0,
                        int32_t n, int8_t *O) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H;
  const int8_t *I = (const int8_t *)in[0] + (size_t)s0 * E;
  const int8_t *Wq = (const int8_t *)in[1];
  const int16_t *Bq = (const int16_t *)in[2];
  int32_t h;
  for (h = 0; h < H; h++) {
    /* Qt = the tile's rows of Q_h (same contraction as linear_qk) */
    th_mm_i8(I, (size_t)E, Wq + (size_t)h * P * E, (size_t)E, n, P, E, Bq + (size_t)h * P,
             p->rq[0], Qt, P, 1);
    /* Scores as int8 into the uint8 rows, then the softmax in place (as qk_softmax). */
    th_mm_i8(Qt, (size_t)P, K + (size_t)h * S * P, (size_t)P, n, S, P, NULL, p->rq[3],
             (int8_t *)At, S, 1);
    th_isoftmax_rows((const int8_t *)At, At, S, n, (size_t)S);
    /* Mt[:, h*P..] = At . V_h^T (as av, rows relative to the tile). */
    th_av_rows(At, (size_t)S, V, Mt, S, P, H, h, p->rq[4], 0, n);
  }
  /* Output projection of the tile's rows, straight into O. */
  th_linear_o_rows(Mt, (const int8_t *)in[7], (const int16_t *)in[8], O + (size_t)s0 * E, E,
                   H * P, p->rq[5], 0, n);
}

#if defined(TH_HAVE_MM_I8_U8B)
/* Tiles of at least this many rows run the scores and A.V on the 3x2 path, K_h and V_h widened per
 * tile (where it applies); smaller tiles stream K_h and V_h past a panel of the tile. Measured on
 * qemu-m4 at S81 E32 P32 H8 (mhsa_dft over mhsa): 6-row tiles +22.2% streamed, +26.7% widened;
 * 12-row tiles +19.1% streamed, +14.0% widened; one tile of 81 rows +16.0% and +4.1%. */
#ifndef TH_DFT_3X2_ROWS
#define TH_DFT_3X2_ROWS 12
#endif

/* ==== ARMv7E-M DSP tile (same sums, so the same bytes) ====
 * The contraction widens its right operand into a panel per call, so the small tile goes right
 * (the panel) and the big K_h and V_h stream past it (transposed outputs); a tile of
 * TH_DFT_3X2_ROWS rows or more pays for widening K_h and V_h on the 3x2 path instead. Q of the
 * tile is made for ALL heads in one call into Mt, whose head-h slot A.V then overwrites once the
 * scores of head h have used it (Qt is not needed). For Q and the output projection a tile of
 * whole row triples runs the 3x2 path (the tile as triples, W_q,h / W_o widened per tile), any
 * other tile streams W_q / W_o past a panel of the tile (measured: each the cheaper one there). */
static void th_dft_tile_dsp(const th_params *p, const void *const in[], const int8_t *K,
                            const int8_t *V, uint8_t *At, int8_t *Mt, int32_t s0, int32_t n,
                            int8_t *O) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H, HP = H * P;
  const int8_t *I = (const int8_t *)in[0] + (size_t)s0 * E;
  const int8_t *Wq = (const int8_t *)in[1];
  const int16_t *Bq = (const int16_t *)in[2];
  int32_t h;
  /* Mt[r, h*P + p] = Q[s0 + r, h, p] for every head */
  if (n % 3 == 0)
    th_mm_i8_heads(I, (size_t)E, Wq, (size_t)E, (size_t)P * E, n, P, E, Bq, (size_t)P, H, p->rq[0],
                   Mt, HP, (size_t)P);
  else if (!th_mm_i8_rowbias(Wq, (size_t)E, I, (size_t)E, HP, n, E, Bq, p->rq[0], Mt, 1, HP))
    th_mm_i8(I, (size_t)E, Wq, (size_t)E, n, HP, E, Bq, p->rq[0], Mt, HP, 1);
  for (h = 0; h < H; h++) {
    const int wide = n >= TH_DFT_3X2_ROWS;
    if (!wide || !th_mm_3x2(Mt + (size_t)h * P, 0, (size_t)HP, K + (size_t)h * S * P, (size_t)P, n,
                            S, P, p->rq[3], (int8_t *)At, S))
      th_mm_i8_panel(K + (size_t)h * S * P, (size_t)P, Mt + (size_t)h * P, (size_t)HP, S, n, P,
                     p->rq[3], (int8_t *)At, 1, S);
    th_isoftmax_rows((const int8_t *)At, At, S, n, (size_t)S);
    if (!wide || !th_mm_3x2(At, 1, (size_t)S, V + (size_t)h * P * S, (size_t)S, n, P, S, p->rq[4],
                            Mt + (size_t)h * P, HP))
      th_mm_i8_u8b(V + (size_t)h * P * S, (size_t)S, At, (size_t)S, P, n, S, p->rq[4],
                   Mt + (size_t)h * P, 1, HP);
  }
  if (n % 3 == 0 || !th_mm_i8_rowbias((const int8_t *)in[7], (size_t)HP, Mt, (size_t)HP, E, n, HP,
                                      (const int16_t *)in[8], p->rq[5], O + (size_t)s0 * E, 1, E))
    th_linear_o_rows(Mt, (const int8_t *)in[7], (const int16_t *)in[8], O + (size_t)s0 * E, E, HP,
                     p->rq[5], 0, n);
}

/* Rows per DSP tile: the panel is cut into widths of 6 (4, 2) columns, so tiles of a multiple
 * of 6 rows (4, 2 when T is smaller) run every panel at its full width. */
#ifndef TH_DFT_DSP_ROWS
#define TH_DFT_DSP_ROWS(T) ((T) >= 6 ? (T) / 6 * 6 : (T) >= 4 ? 4 : (T) >= 2 ? 2 : 1)
#endif
#endif

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
#if defined(TH_HAVE_MM_I8_U8B)
  {
    /* The core's rows [r0, r1) (its tiles) in tiles of tt <= T rows; an odd last tile takes one
     * row of the tile before it along (recomputed: the same bytes written again by this core). */
    const int32_t r0 = r.start * T, r1 = S < r.stop * T ? S : r.stop * T, tt = TH_DFT_DSP_ROWS(T);
    int32_t s0;
    (void)Qt, (void)u, (void)th_dft_tile; /* the portable tile is the spec */
    for (s0 = r0; s0 < r1; s0 += tt) {
      int32_t n = r1 - s0 < tt ? r1 - s0 : tt, s = s0;
      if ((n & 1) && n < tt && s0 > r0) s--, n++;
      th_dft_tile_dsp(p, in, K, V, At, Mt, s, n, (int8_t *)out);
    }
  }
#else
  for (u = r.start; u < r.stop; u++) {
    int32_t s0 = u * T, n = S - s0 < T ? S - s0 : T;
    th_dft_tile(p, in, K, V, Qt, At, Mt, s0, n, (int8_t *)out);
  }
#endif
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
