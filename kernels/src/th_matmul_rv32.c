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
#define TH_RV43_TILE(TA, SFX)                                                                       \
  TH_INLINE void th_rv43_tile_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb, int32_t k, \
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
      TH_RV43_K(0) TH_RV43_K(1) TH_RV43_K(2) TH_RV43_K(3)                                                  \
      a0 += 4, b0 += 4;                                                                            \
      if (MR > 1) a1 += 4;                                                                         \
      if (MR > 2) a2 += 4;                                                                         \
      if (MR > 3) a3 += 4;                                                                         \
      if (NR > 1) b1 += 4;                                                                         \
      if (NR > 2) b2 += 4;                                                                         \
    }                                                                                              \
    for (; q < k; q++) {                                                                           \
      TH_RV43_K(0)                                                                                   \
      a0++, a1++, a2++, a3++, b0++, b1++, b2++;                                                    \
    }                                                                                              \
    TH_RV43_STORE(0, c00, c01, c02)                                                                  \
    if (MR > 1) TH_RV43_STORE(1, c10, c11, c12)                                                      \
    if (MR > 2) TH_RV43_STORE(2, c20, c21, c22)                                                      \
    if (MR > 3) TH_RV43_STORE(3, c30, c31, c32)                                                      \
  }
#define TH_RV43_K(o)                                                                  \
  {                                                                                 \
    int32_t w0 = b0[o], w1 = NR > 1 ? b1[o] : 0, w2 = NR > 2 ? b2[o] : 0, x;       \
    x = a0[o], c00 += x * w0, c01 += x * w1, c02 += x * w2;                         \
    if (MR > 1) x = a1[o], c10 += x * w0, c11 += x * w1, c12 += x * w2;             \
    if (MR > 2) x = a2[o], c20 += x * w0, c21 += x * w1, c22 += x * w2;             \
    if (MR > 3) x = a3[o], c30 += x * w0, c31 += x * w1, c32 += x * w2;             \
  }
#define TH_RV43_STORE(r, s0, s1, s2)                                           \
  {                                                                          \
    int8_t *o_ = out + (r) * rs;                                             \
    o_[0] = th_rv_rq(s0, rq, fast, M);                                       \
    if (NR > 1) o_[cs] = th_rv_rq(s1, rq, fast, M);                          \
    if (NR > 2) o_[2 * cs] = th_rv_rq(s2, rq, fast, M);                      \
  }

TH_RV43_TILE(int8_t, i8)
TH_RV43_TILE(uint8_t, u8)

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
        if (nr == 3) th_rv43_tile_##SFX(ai, lda, bj, ldb, k, 4, 3, init, rq, fast, M, o, rs, cs);      \
        else if (nr == 2) th_rv43_tile_##SFX(ai, lda, bj, ldb, k, 4, 2, init, rq, fast, M, o, rs, cs); \
        else th_rv43_tile_##SFX(ai, lda, bj, ldb, k, 4, 1, init, rq, fast, M, o, rs, cs);              \
      }                                                                                              \
      for (; i < m; i++) {                                                                           \
        const TA *ai = a + (size_t)i * lda;                                                          \
        int8_t *o = out + (ptrdiff_t)i * rs + (ptrdiff_t)j * cs;                                     \
        if (nr == 3) th_rv43_tile_##SFX(ai, lda, bj, ldb, k, 1, 3, init, rq, fast, M, o, rs, cs);      \
        else if (nr == 2) th_rv43_tile_##SFX(ai, lda, bj, ldb, k, 1, 2, init, rq, fast, M, o, rs, cs); \
        else th_rv43_tile_##SFX(ai, lda, bj, ldb, k, 1, 1, init, rq, fast, M, o, rs, cs);              \
      }                                                                                              \
    }                                                                                                \
  }                                                                                                  \
  /* The whole contraction (rows longer than TH_RV_KMAX). */                                         \
  static void th_rv_mm43_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,    \
                      int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs,           \
                      ptrdiff_t cs) {                                                                \
    int32_t M = 0;                                                                                   \
    if (th_rv_fast_mul(rq, &M)) th_rv_cols_##SFX(a, lda, b, ldb, m, n, k, bias, rq, 1, M, out, rs, cs); \
    else th_rv_cols_##SFX(a, lda, b, ldb, m, n, k, bias, rq, 0, M, out, rs, cs);                     \
  }

TH_RV_COLS(int8_t, i8)
TH_RV_COLS(uint8_t, u8)


/* ==== 4x3 tiles over one packed side (k <= TH_RV_KMAX) =================================== *
 * One side of the contraction, 4 rows at a time, is copied to the stack interleaved by k
 * (pk[4q + p] = row p at q): its 4 bytes of a k are then one base register and immediate
 * offsets. The other side is read in place through 3 row pointers. A 4x3 tile keeps 12 sums and
 * loads 4 + 3 bytes per k for 12 MACs (31 instructions); k unrolled by 8 bumps 4 pointers per
 * 96 MACs: 252 instructions, 2.63 per MAC, against 139 per 48 (2.90) with 7 row pointers.
 * Measured alternatives: 4x4 and 5x3 need 28 and 25 live registers in the loop and GCC 12
 * spills there (349 per 128 and 330 per 120 MACs); a 5x3 tile in a function of its own does
 * not spill (312 per 120) but its call costs more than it saves at k = 32.
 * The side that is packed is the one whose copy is amortised over more rows of the other
 * (rows of a when n >= m, else rows of b); swapping the sides swaps the output strides. */
#define TH_RV_KMAX 512 /* packed block: 4 * TH_RV_KMAX bytes of stack */
#define TH_RV_PN 4     /* packed rows per block */
#define TH_RV_RN 3     /* rows in place per tile */

TH_INLINE int8_t th_rv_rq_fast(int32_t x, int32_t M) {
  int32_t v = (int32_t)(((int64_t)x * M) >> 32);
  if ((uint32_t)(v + 128) > 255u) v = 127 ^ (v >> 31);
  return (int8_t)v;
}

/* Sums of a tile with the exact 64-bit rq (rq outside the one-MULH form): not inlined. */
static void th_rv_store_slow(const int32_t c[12], int np, int nr, th_rq rq, int8_t *out,
                             ptrdiff_t ps, ptrdiff_t pr) {
  int p, r;
  for (p = 0; p < np; p++)
    for (r = 0; r < nr; r++) out[p * ps + r * pr] = th_rq32(c[p * 3 + r], rq.mul, rq.div);
}

/* np (<= 4) rows of x, k long, to pk[4q + p]. */
#define TH_RV_PACK(T, SFX)                                                                  \
  TH_INLINE void th_rv_pack_##SFX(const T *x, size_t ldx, int np, int32_t k, T *pk) {       \
    int32_t q = 0;                                                                          \
    if (np == 4) {                                                                          \
      const T *x0 = x, *x1 = x + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;                       \
      for (; q + 4 <= k; q += 4, pk += 16, x0 += 4, x1 += 4, x2 += 4, x3 += 4) {            \
        pk[0] = x0[0], pk[1] = x1[0], pk[2] = x2[0], pk[3] = x3[0];                         \
        pk[4] = x0[1], pk[5] = x1[1], pk[6] = x2[1], pk[7] = x3[1];                         \
        pk[8] = x0[2], pk[9] = x1[2], pk[10] = x2[2], pk[11] = x3[2];                       \
        pk[12] = x0[3], pk[13] = x1[3], pk[14] = x2[3], pk[15] = x3[3];                     \
      }                                                                                     \
      for (; q < k; q++, pk += 4) pk[0] = *x0++, pk[1] = *x1++, pk[2] = *x2++, pk[3] = *x3++; \
    } else {                                                                                \
      int p;                                                                                \
      for (p = 0; p < np; p++)                                                              \
        for (q = 0; q < k; q++) pk[4 * q + p] = x[(size_t)p * ldx + q];                     \
    }                                                                                       \
  }
TH_RV_PACK(int8_t, i8)
TH_RV_PACK(uint8_t, u8)

/* What a panel needs beside the packed block (one struct: fewer than 8 argument registers). */
typedef struct {
  const void *r;         /* first row in place */
  size_t ldr;            /* its row stride */
  int32_t nr, k;         /* rows in place, length */
  const int16_t *br;     /* bias per row in place, or NULL */
  int32_t ip[TH_RV_PN];  /* starting sums per packed row (its bias, or 0) */
  int8_t *out;           /* out[p*ps + r*pr] */
  ptrdiff_t ps, pr;
  int32_t M, fast;       /* one-MULH rq when fast */
  th_rq rq;
} th_rv_job;

/* One tile: NP packed rows (pk, 4 bytes per k) x NR rows in place (r0, stride ldr); sums start
 * at ip[p] + ir[r]; out[p*ps + r*pr]. NP, NR are constants where inlined. */
#define TH_RV_TILE(TP, TR, SFX)                                                                    \
  TH_INLINE void th_rv_tile_##SFX(const TP *pk, const TR *r0, size_t ldr, int32_t k, const int NP, \
                                  const int NR, const int32_t *ip, const int32_t *ir, int fast,    \
                                  int32_t M, th_rq rq, int8_t *out, ptrdiff_t ps, ptrdiff_t pr) {  \
    const TR *r1 = NR > 1 ? r0 + ldr : r0, *r2 = NR > 2 ? r1 + ldr : r0;                           \
    const TP *e8 = pk + TH_RV_PN * (k & ~7);                                                             \
    int32_t c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0, c20 = 0, c21 = 0, c22 = 0;       \
    int32_t c30 = 0, c31 = 0, c32 = 0, q;                                                                                         \
    TH_RV_INIT_ROW(0, c00, c01, c02)                                                               \
    if (NP > 1) TH_RV_INIT_ROW(1, c10, c11, c12)                                                   \
    if (NP > 2) TH_RV_INIT_ROW(2, c20, c21, c22)                                                   \
    if (NP > 3) TH_RV_INIT_ROW(3, c30, c31, c32)                                                   \
    for (; pk != e8; pk += 8 * TH_RV_PN) {                                                                   \
      TH_RV_K(0) TH_RV_K(1) TH_RV_K(2) TH_RV_K(3) TH_RV_K(4) TH_RV_K(5) TH_RV_K(6) TH_RV_K(7)      \
      r0 += 8;                                                                                     \
      if (NR > 1) r1 += 8;                                                                         \
      if (NR > 2) r2 += 8;                                                                         \
    }                                                                                              \
    for (q = k & 7; q > 0; q--) {                                                                  \
      TH_RV_K(0)                                                                                   \
      pk += TH_RV_PN, r0++;                                                                               \
      if (NR > 1) r1++;                                                                            \
      if (NR > 2) r2++;                                                                            \
    }                                                                                              \
    if (fast) {                                                                                    \
      TH_RV_ST(0, c00, c01, c02)                                                                   \
      if (NP > 1) TH_RV_ST(1, c10, c11, c12)                                                       \
      if (NP > 2) TH_RV_ST(2, c20, c21, c22)                                                       \
      if (NP > 3) TH_RV_ST(3, c30, c31, c32)                                                       \
    } else {                                                                                       \
      const int32_t c[12] = {c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32};          \
      th_rv_store_slow(c, NP, NR, rq, out, ps, pr);                                                \
    }                                                                                              \
  }
#define TH_RV_INIT_ROW(p, s0, s1, s2) \
  {                                   \
    s0 = ip[p] + ir[0];               \
    if (NR > 1) s1 = ip[p] + ir[1];   \
    if (NR > 2) s2 = ip[p] + ir[2];   \
  }
/* one k: the NR bytes in place, then each packed byte against them */
#define TH_RV_K(o)                                                                   \
  {                                                                                  \
    int32_t w0 = r0[o], w1 = NR > 1 ? r1[o] : 0, w2 = NR > 2 ? r2[o] : 0, x;         \
    x = pk[TH_RV_PN * (o)], c00 += x * w0, c01 += x * w1, c02 += x * w2;                    \
    if (NP > 1) x = pk[TH_RV_PN * (o) + 1], c10 += x * w0, c11 += x * w1, c12 += x * w2;    \
    if (NP > 2) x = pk[TH_RV_PN * (o) + 2], c20 += x * w0, c21 += x * w1, c22 += x * w2;    \
    if (NP > 3) x = pk[TH_RV_PN * (o) + 3], c30 += x * w0, c31 += x * w1, c32 += x * w2;    \
  }
#define TH_RV_ST(p, s0, s1, s2)                         \
  {                                                     \
    int8_t *o_ = out + (p) * ps;                        \
    o_[0] = th_rv_rq_fast(s0, M);                       \
    if (NR > 1) o_ += pr, o_[0] = th_rv_rq_fast(s1, M); \
    if (NR > 2) o_ += pr, o_[0] = th_rv_rq_fast(s2, M); \
  }

/* One packed block of NP rows against every row in place: NPx3 tiles, then a 2- or 1-row tail.
 * Not inlined: the block loop's own state is then saved once per panel, not kept live beside
 * the 22 registers of the k loop. */
#define TH_RV_PANEL(TP, TR, SFX, NP)                                                               \
  __attribute__((noinline)) static void th_rv_panel_##SFX##NP(const TP *pk, const th_rv_job *jb) { \
    const TR *r = (const TR *)jb->r;                                                               \
    const size_t ldr = jb->ldr;                                                                    \
    const int32_t k = jb->k, nr = jb->nr;                                                          \
    int8_t *o = jb->out;                                                                           \
    const ptrdiff_t ps = jb->ps, pr = jb->pr;                                                      \
    int32_t ir[TH_RV_RN] = {0, 0, 0}, i;                                                           \
    for (i = 0; i + 3 <= nr; i += 3, r += 3 * ldr, o += 3 * pr) {                                 \
      if (jb->br) ir[0] = jb->br[i], ir[1] = jb->br[i + 1], ir[2] = jb->br[i + 2];                 \
      th_rv_tile_##SFX(pk, r, ldr, k, NP, 3, jb->ip, ir, jb->fast, jb->M, jb->rq, o, ps, pr);      \
    }                                                                                              \
    if (jb->br && i < nr) ir[0] = jb->br[i], ir[1] = i + 1 < nr ? jb->br[i + 1] : 0;               \
    if (nr - i == 2)                                                                               \
      th_rv_tile_##SFX(pk, r, ldr, k, NP, 2, jb->ip, ir, jb->fast, jb->M, jb->rq, o, ps, pr);      \
    else if (nr - i == 1)                                                                          \
      th_rv_tile_##SFX(pk, r, ldr, k, NP, 1, jb->ip, ir, jb->fast, jb->M, jb->rq, o, ps, pr);      \
  }

/* np rows of P (packed 4 at a time) x nr rows of R:
 * out[p*ps + r*pr]; the bias is per packed row (bp) or per row of R (br), or none. */
#define TH_RV_RUN(TP, TR, SFX, PSFX)                                                                \
  TH_RV_TILE(TP, TR, SFX)                                                                           \
  TH_RV_PANEL(TP, TR, SFX, 4)                                                                       \
  TH_RV_PANEL(TP, TR, SFX, 3)                                                                       \
  TH_RV_PANEL(TP, TR, SFX, 2)                                                                       \
  TH_RV_PANEL(TP, TR, SFX, 1)                                                                       \
  static void th_rv_run_##SFX(const TP *P, size_t ldp, int32_t np, const TR *R, size_t ldr,         \
                              int32_t nr, int32_t k, const int16_t *bp, const int16_t *br,          \
                              th_rq rq, int8_t *out, ptrdiff_t ps, ptrdiff_t pr) {                  \
    TP pk[TH_RV_PN * TH_RV_KMAX];                                                                   \
    th_rv_job jb;                                                                                   \
    int32_t p, c, n4;                                                                               \
    jb.r = R, jb.ldr = ldr, jb.nr = nr, jb.k = k, jb.br = br, jb.ps = ps, jb.pr = pr, jb.rq = rq;   \
    jb.fast = th_rv_fast_mul(rq, &jb.M);                                                            \
    for (p = 0; p < np; p += n4) {                                                                  \
      const int32_t left = np - p;                                                                  \
      n4 = left < TH_RV_PN ? left : TH_RV_PN;                                                        \
      th_rv_pack_##PSFX(P + (size_t)p * ldp, ldp, (int)n4, k, pk);                                  \
      for (c = 0; c < TH_RV_PN; c++) jb.ip[c] = bp && c < n4 ? bp[p + c] : 0;                       \
      jb.out = out + (ptrdiff_t)p * ps;                                                             \
      if (n4 == 4) th_rv_panel_##SFX##4(pk, &jb);                                              \
      else if (n4 == 3) th_rv_panel_##SFX##3(pk, &jb);                                              \
      else if (n4 == 2) th_rv_panel_##SFX##2(pk, &jb);                                              \
      else th_rv_panel_##SFX##1(pk, &jb);                                                           \
    }                                                                                               \
  }

TH_RV_RUN(int8_t, int8_t, ii, i8)  /* int8 x int8, either side packed */
TH_RV_RUN(uint8_t, int8_t, ui, u8) /* uint8 a packed, int8 b in place */
TH_RV_RUN(int8_t, uint8_t, iu, i8) /* int8 b packed, uint8 a in place */

void th_rv_mm_i8(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                 int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  if (k > TH_RV_KMAX) th_rv_mm43_i8(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs);
  else if (n >= m) th_rv_run_ii(a, lda, m, b, ldb, n, k, NULL, bias, rq, out, rs, cs);
  else th_rv_run_ii(b, ldb, n, a, lda, m, k, bias, NULL, rq, out, cs, rs);
}

void th_rv_mm_u8(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                 int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  if (k > TH_RV_KMAX) th_rv_mm43_u8(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs);
  else if (n >= m) th_rv_run_ui(a, lda, m, b, ldb, n, k, NULL, bias, rq, out, rs, cs);
  else th_rv_run_iu(b, ldb, n, a, lda, m, k, bias, NULL, rq, out, cs, rs);
}

#else
typedef int th_matmul_rv32_unused; /* ISO C: no empty translation unit */
#endif
