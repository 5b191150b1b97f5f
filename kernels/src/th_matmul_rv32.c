/* th_matmul_rv32.c - RV32IMC register-blocked contraction tiles (qemu-rv32, GAP9 cores): what
 * th_mm_i8/th_mm_u8 run on RISC-V unless TH_NO_DSP/TH_NO_SIMD. The portable tiles in th_matmul.c
 * are the spec; the bytes are the same.
 *
 * RV32IM has no multiply-accumulate and no SIMD, so a MAC is MUL + ADD at best: the tile exists
 * to keep the operand loads below that. A 4x3 tile holds 12 int32 sums in registers and loads
 * 4 + 3 bytes per k for 12 MACs. Loads are bytes: LB/LBU sign- or zero-extend for free, while a
 * word load costs 1-2 shifts per byte to extract (measured worse here), so word loads with shifts
 * do not win on this ISA. k is unrolled by 4 with immediate offsets (one pointer bump per row and
 * 4 k). rq uses MULH with the same M = mul * 2^(32 - div) as the ARM path when it fits. */
#include "th_internal.h"

#if defined(__riscv) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)

#if defined(__GNUC__) && !defined(__clang__)
/* GCC's first scheduling pass hoists the 28 byte loads of an unrolled 4x3 step and spills the
 * sums (195 instructions per 48 MACs, 63 of them stack traffic); without it: 139, 7. */
#pragma GCC optimize("no-schedule-insns")
#endif

#define TH_RV_MR 4 /* rows of a per tile */
#define TH_RV_NR 3 /* rows of b (output columns) per tile */

/* floor(x*mul / 2^div) = floor(x*M / 2^32) when M = mul*2^(32-div) fits int32 (one MULH). */
TH_INLINE int th_rv_fast_mul(th_rq rq, int32_t *M) {
  int32_t lim;
  if (rq.div < 1 || rq.div > 31) return 0;
  lim = (int32_t)1 << (rq.div - 1);
  if (rq.mul < -lim || rq.mul >= lim) return 0;
  *M = (int32_t)((uint32_t)rq.mul << (32 - rq.div));
  return 1;
}
TH_INLINE int8_t th_rv_rq(int32_t x, th_rq rq, const int fast, int32_t M) {
  if (fast) {
    int32_t v = (int32_t)(((int64_t)x * M) >> 32);
    /* one unsigned compare for both bounds; out of range -> 127 or -128 by the sign */
    if ((uint32_t)(v + 128) > 255u) v = 127 ^ (v >> 31);
    return (int8_t)v;
  }
  return th_rq32(x, rq.mul, rq.div);
}

/* One tile of MR rows of a x NR rows of b (MR <= 4, NR <= 3, both constants where inlined):
 * sums start at init[j], out[i*rs + j*cs]. */
#define TH_RV_TILE(TA, SFX)                                                                       \
  TH_INLINE void th_rv_tile_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb, int32_t k, \
                                  const int MR, const int NR, const int32_t *init, th_rq rq,       \
                                  const int fast, int32_t M, int8_t *out, ptrdiff_t rs,            \
                                  ptrdiff_t cs) {                                                  \
    const TA *a0 = a, *a1 = a + lda, *a2 = a1 + lda, *a3 = a2 + lda;                               \
    const int8_t *b0 = b, *b1 = b + ldb, *b2 = b1 + ldb;                                           \
    int32_t c00 = init[0], c01 = NR > 1 ? init[1] : 0, c02 = NR > 2 ? init[2] : 0;                  \
    int32_t c10 = c00, c11 = c01, c12 = c02, c20 = c00, c21 = c01, c22 = c02;                      \
    int32_t c30 = c00, c31 = c01, c32 = c02, q;                                                    \
    /* one k: NR bytes of b, then each row's byte against them */                                  \
    for (q = 0; q + 4 <= k; q += 4) {                                                              \
      TH_RV_K(0) TH_RV_K(1) TH_RV_K(2) TH_RV_K(3)                                                  \
      a0 += 4, b0 += 4;                                                                            \
      if (MR > 1) a1 += 4;                                                                         \
      if (MR > 2) a2 += 4;                                                                         \
      if (MR > 3) a3 += 4;                                                                         \
      if (NR > 1) b1 += 4;                                                                         \
      if (NR > 2) b2 += 4;                                                                         \
    }                                                                                              \
    for (; q < k; q++) {                                                                           \
      TH_RV_K(0)                                                                                   \
      a0++, a1++, a2++, a3++, b0++, b1++, b2++;                                                    \
    }                                                                                              \
    TH_RV_STORE(0, c00, c01, c02)                                                                  \
    if (MR > 1) TH_RV_STORE(1, c10, c11, c12)                                                      \
    if (MR > 2) TH_RV_STORE(2, c20, c21, c22)                                                      \
    if (MR > 3) TH_RV_STORE(3, c30, c31, c32)                                                      \
  }
#define TH_RV_K(o)                                                                  \
  {                                                                                 \
    int32_t w0 = b0[o], w1 = NR > 1 ? b1[o] : 0, w2 = NR > 2 ? b2[o] : 0, x;       \
    x = a0[o], c00 += x * w0, c01 += x * w1, c02 += x * w2;                         \
    if (MR > 1) x = a1[o], c10 += x * w0, c11 += x * w1, c12 += x * w2;             \
    if (MR > 2) x = a2[o], c20 += x * w0, c21 += x * w1, c22 += x * w2;             \
    if (MR > 3) x = a3[o], c30 += x * w0, c31 += x * w1, c32 += x * w2;             \
  }
#define TH_RV_STORE(r, s0, s1, s2)                                           \
  {                                                                          \
    int8_t *o_ = out + (r) * rs;                                             \
    o_[0] = th_rv_rq(s0, rq, fast, M);                                       \
    if (NR > 1) o_[cs] = th_rv_rq(s1, rq, fast, M);                          \
    if (NR > 2) o_[2 * cs] = th_rv_rq(s2, rq, fast, M);                      \
  }

TH_RV_TILE(int8_t, i8)
TH_RV_TILE(uint8_t, u8)

/* Column panels of 3 (then 2, 1): 4x3 tiles down the rows, 1xN for the last rows. FAST is a
 * constant where inlined, so the per-output rq has no run-time branch on it. */
#define TH_RV_COLS(TA, SFX)                                                                          \
  TH_INLINE void th_rv_cols_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb, int32_t m,   \
                                  int32_t n, int32_t k, const int16_t *bias, th_rq rq,               \
                                  const int fast, int32_t M, int8_t *out, ptrdiff_t rs,              \
                                  ptrdiff_t cs) {                                                    \
    int32_t i, j, c;                                                                                 \
    for (j = 0; j < n; j += TH_RV_NR) {                                                              \
      const int nr = n - j < TH_RV_NR ? n - j : TH_RV_NR;                                            \
      const int8_t *bj = b + (size_t)j * ldb;                                                        \
      int32_t init[TH_RV_NR];                                                                        \
      for (c = 0; c < nr; c++) init[c] = bias ? bias[j + c] : 0;                                     \
      for (i = 0; i + TH_RV_MR <= m; i += TH_RV_MR) {                                                \
        const TA *ai = a + (size_t)i * lda;                                                          \
        int8_t *o = out + (ptrdiff_t)i * rs + (ptrdiff_t)j * cs;                                     \
        if (nr == 3) th_rv_tile_##SFX(ai, lda, bj, ldb, k, 4, 3, init, rq, fast, M, o, rs, cs);      \
        else if (nr == 2) th_rv_tile_##SFX(ai, lda, bj, ldb, k, 4, 2, init, rq, fast, M, o, rs, cs); \
        else th_rv_tile_##SFX(ai, lda, bj, ldb, k, 4, 1, init, rq, fast, M, o, rs, cs);              \
      }                                                                                              \
      for (; i < m; i++) {                                                                           \
        const TA *ai = a + (size_t)i * lda;                                                          \
        int8_t *o = out + (ptrdiff_t)i * rs + (ptrdiff_t)j * cs;                                     \
        if (nr == 3) th_rv_tile_##SFX(ai, lda, bj, ldb, k, 1, 3, init, rq, fast, M, o, rs, cs);      \
        else if (nr == 2) th_rv_tile_##SFX(ai, lda, bj, ldb, k, 1, 2, init, rq, fast, M, o, rs, cs); \
        else th_rv_tile_##SFX(ai, lda, bj, ldb, k, 1, 1, init, rq, fast, M, o, rs, cs);              \
      }                                                                                              \
    }                                                                                                \
  }                                                                                                  \
  /* The whole contraction. */                                                                       \
  void th_rv_mm_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,    \
                      int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs,           \
                      ptrdiff_t cs) {                                                                \
    int32_t M = 0;                                                                                   \
    if (th_rv_fast_mul(rq, &M)) th_rv_cols_##SFX(a, lda, b, ldb, m, n, k, bias, rq, 1, M, out, rs, cs); \
    else th_rv_cols_##SFX(a, lda, b, ldb, m, n, k, bias, rq, 0, M, out, rs, cs);                     \
  }

TH_RV_COLS(int8_t, i8)
TH_RV_COLS(uint8_t, u8)

#else
typedef int th_matmul_rv32_unused; /* ISO C: no empty translation unit */
#endif
