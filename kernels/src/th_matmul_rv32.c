/* th_matmul_rv32.c - RV32IMC register-blocked contraction tiles (qemu-rv32, GAP9 cores): what
 * th_mm_i8/th_mm_u8 run on RISC-V unless TH_NO_DSP/TH_NO_SIMD. The portable tiles in th_matmul.c
 * are the spec; the bytes are the same.
 *
 * RV32IM has no multiply-accumulate and no SIMD, so a MAC is MUL + ADD at best: the tiles exist
 * to keep the operand loads and the loop below that. Loads are bytes: LB/LBU sign- or zero-extend
 * for free, while a word load costs 1-2 shifts per byte to extract (measured worse here), so word
 * loads with shifts do not win on this ISA, and widening to int16/int32 beforehand saves nothing
 * (one load per operand either way). rq uses MULH with the same M = mul * 2^(32 - div) as the ARM
 * path when it fits. Three layers, each the spec of the next in the same sums:
 *   4x3 tiles in place (k > TH_RV_KMAX): 7 row pointers, k unrolled by 4;
 *   4x3 C tiles over one side packed by k on the stack (k <= TH_RV_KMAX): row tails, output
 *     strides without a unit one, and the exact 64-bit rq;
 *   4x4 assembly tiles over the same packed side: everything else (one-MULH rq, a unit stride). */
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
#ifndef TH_RV_KMAX
/* Longest k packed: the block is 4 * k bytes of stack (a VLA, so short rows take little); longer
 * rows run the 4x3 tiles in place above. A board with small stacks lowers it (gap9.cmake). */
#define TH_RV_KMAX 512
#endif
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

/* ==== 4x4 tiles in assembly (fast rq, one unit output stride) ============================= *
 * A 4x4 tile needs 28 registers in its k loop (16 sums, 4 bytes in place, the packed byte and a
 * product, the packed pointer and its end, 4 row pointers): every register RV32 has beside zero,
 * sp, gp and tp. GCC spills there, so this loop is written out: the panel's state lives in a
 * copy of th_rv_ctx below sp (one copy per panel), the loop holds only the tile. Per k: 8 byte
 * loads + 16 MUL + 16 ADD for 16 MACs (2.5 per MAC); per tile: sums started from the bias,
 * then per output MULH, ADDI, BLEU (+ SRAI/XORI when it saturates), SB at an immediate offset
 * along the output's unit stride. Registers: sums s0-s11, a0-a3 (row p of the packed block in
 * s(4p)..s(4p+3), p = 3 in a0-a3); bytes in place a4-a7; packed byte t0; product t1; packed
 * pointer t2, its end t3; row pointers t4, t5, t6, ra. k % 8 >= 4 enters the first turn part-way
 * (a computed jump: the turn is assembled without compressed instructions, 160 bytes per k), fewer
 * run as single k after the turns. The C 4x3 tiles are the spec (same sums,
 * same rq): they also do the row tails, other strides and the exact 64-bit rq. */
#if defined(__OPTIMIZE__) && !defined(TH_RV_NO_ASM)
#define TH_RV_ASM 1
typedef struct {
  const void *pk0;    /*  0: packed block */
  const void *e8;     /*  4: pk0 + 32 * (k / 8) */
  int32_t kt4;        /*  8: 4 * (k % 8) when k % 8 < 4 (single k after the turns), else 0 */
  int32_t ldr;        /* 12: row stride in place */
  int32_t rstep;      /* 16: 4 * ldr - k: from the end of a tile's rows to the next tile's */
  int8_t *o;          /* 20: output of the tile */
  int32_t ostep;      /* 24: from one tile's output to the next */
  int32_t stride;     /* 28: the output stride that is not 1 */
  int32_t M;          /* 32: rq multiplier (one MULH) */
  int32_t ntiles;     /* 36: tiles left */
  const void *r0;     /* 40: first row in place of the tile */
  const int16_t *brp; /* 44: bias of the tile's rows in place (4 int16), or NULL: */
  int32_t ktd4;       /* 48: 4 * (k % 8) when k % 8 >= 4 (a first turn entered part-way), else 0 */
  int32_t ip[4];      /* 52: then the sums start at these, one per packed row */
} th_rv_ctx;
#define TH_RV_CTX_WORDS 17
#define TH_RV_FRAME "80" /* >= 4 * TH_RV_CTX_WORDS, 16-aligned */

#define TH_RV_A_ROW(o, p, LP, c0, c1, c2, c3)          \
  LP " t0, 4*" #o "+" #p "(t2)\n\t"                    \
  "mul t1, t0, a4\n\tadd " c0 ", " c0 ", t1\n\t"       \
  "mul t1, t0, a5\n\tadd " c1 ", " c1 ", t1\n\t"       \
  "mul t1, t0, a6\n\tadd " c2 ", " c2 ", t1\n\t"       \
  "mul t0, t0, a7\n\tadd " c3 ", " c3 ", t0\n\t"
/* one k at offset o: the 4 bytes in place, then each packed byte against them */
#define TH_RV_A_K(o, LP, LR)                                                                   \
  LR " a4, " #o "(t4)\n\t" LR " a5, " #o "(t5)\n\t" LR " a6, " #o "(t6)\n\t" LR " a7, " #o "(ra)\n\t" \
  TH_RV_A_ROW(o, 0, LP, "s0", "s1", "s2", "s3")                                                \
  TH_RV_A_ROW(o, 1, LP, "s4", "s5", "s6", "s7")                                                \
  TH_RV_A_ROW(o, 2, LP, "s8", "s9", "s10", "s11")                                              \
  TH_RV_A_ROW(o, 3, LP, "a0", "a1", "a2", "a3")
/* rq(c) (M in a4, 255 in a7) stored at off(a5) */
#define TH_RV_A_RQ(c, off)                                                                     \
  "mulh t0, " c ", a4\n\taddi t1, t0, 128\n\tbleu t1, a7, 1f\n\t"                              \
  "srai t0, t0, 31\n\txori t0, t0, 127\n1:\tsb t0, " #off "(a5)\n\t"
/* four outputs along the unit stride, then a5 += stride (a6) */
#define TH_RV_A_ST4(c0, c1, c2, c3) \
  TH_RV_A_RQ(c0, 0) TH_RV_A_RQ(c1, 1) TH_RV_A_RQ(c2, 2) TH_RV_A_RQ(c3, 3) "add a5, a5, a6\n\t"
/* packed rows along the unit stride (out[p + r*stride]) or rows in place (out[p*stride + r]) */
#define TH_RV_A_STORE_P1                                                                      \
  TH_RV_A_ST4("s0", "s4", "s8", "a0") TH_RV_A_ST4("s1", "s5", "s9", "a1")                     \
  TH_RV_A_ST4("s2", "s6", "s10", "a2") TH_RV_A_ST4("s3", "s7", "s11", "a3")
#define TH_RV_A_STORE_R1                                                                      \
  TH_RV_A_ST4("s0", "s1", "s2", "s3") TH_RV_A_ST4("s4", "s5", "s6", "s7")                     \
  TH_RV_A_ST4("s8", "s9", "s10", "s11") TH_RV_A_ST4("a0", "a1", "a2", "a3")
#define TH_RV_A_COPY(w) "lw t0, 4*" #w "(a0)\n\tsw t0, 4*" #w "(sp)\n\t"
/* a row of sums = ip (one per packed row) / = the first row (the bias per row in place) */
#define TH_RV_A_INIT(ip, c0, c1, c2, c3) \
  "lw " c0 ", " #ip "(sp)\n\tmv " c1 ", " c0 "\n\tmv " c2 ", " c0 "\n\tmv " c3 ", " c0 "\n\t"
#define TH_RV_A_COPY4(c0, c1, c2, c3) "mv " c0 ", s0\n\tmv " c1 ", s1\n\tmv " c2 ", s2\n\tmv " c3 ", s3\n\t"

/* ntiles 4x4 tiles (ntiles >= 1) of one packed block: LP/LR load the packed / in-place bytes. */
#define TH_RV_ASM_PANEL(NAME, LP, LR, STORE)                                                     \
  __attribute__((noinline)) static void NAME(th_rv_ctx *ctx) {                                   \
    register th_rv_ctx *cx __asm__("a0") = ctx;                                                  \
    __asm__ volatile(                                                                            \
        "addi sp, sp, -" TH_RV_FRAME "\n\t"                                                      \
        TH_RV_A_COPY(0) TH_RV_A_COPY(1) TH_RV_A_COPY(2) TH_RV_A_COPY(3) TH_RV_A_COPY(4)          \
        TH_RV_A_COPY(5) TH_RV_A_COPY(6) TH_RV_A_COPY(7) TH_RV_A_COPY(8) TH_RV_A_COPY(9)          \
        TH_RV_A_COPY(10) TH_RV_A_COPY(11) TH_RV_A_COPY(12) TH_RV_A_COPY(13) TH_RV_A_COPY(14)     \
        TH_RV_A_COPY(15) TH_RV_A_COPY(16)                                                        \
        "lw t4, 40(sp)\n"                                                                        \
        "10:\n\t" /* a tile: sums from the bias of the rows in place, or of the packed rows */   \
        "lw t2, 44(sp)\n\tbeqz t2, 15f\n\t"                                                       \
        "lh s0, 0(t2)\n\tlh s1, 2(t2)\n\tlh s2, 4(t2)\n\tlh s3, 6(t2)\n\t"                         \
        "addi t2, t2, 8\n\tsw t2, 44(sp)\n\t"                                                     \
        TH_RV_A_COPY4("s4", "s5", "s6", "s7") TH_RV_A_COPY4("s8", "s9", "s10", "s11")            \
        TH_RV_A_COPY4("a0", "a1", "a2", "a3") "j 16f\n"                                          \
        "15:\n\t"                                                                                \
        TH_RV_A_INIT(52, "s0", "s1", "s2", "s3") TH_RV_A_INIT(56, "s4", "s5", "s6", "s7")        \
        TH_RV_A_INIT(60, "s8", "s9", "s10", "s11") TH_RV_A_INIT(64, "a0", "a1", "a2", "a3")      \
        "16:\n\t"                                                                                \
        "lw t2, 0(sp)\n\tlw t3, 4(sp)\n\tlw t1, 12(sp)\n\t"                                      \
        "add t5, t4, t1\n\tadd t6, t5, t1\n\tadd ra, t6, t1\n\t"                                 \
        "lw t0, 48(sp)\n\tbeqz t0, 20f\n\t"                                                       \
        /* k % 8 >= 4: the first turn starts at K(8 - k % 8), the pointers that many k back */    \
        "add t3, t3, t0\n\taddi t0, t0, -32\n\tadd t2, t2, t0\n\tsrai t0, t0, 2\n\t"              \
        "add t4, t4, t0\n\tadd t5, t5, t0\n\tadd t6, t6, t0\n\tadd ra, ra, t0\n\t"                \
        "neg t0, t0\n\tli t1, 160\n\tmul t0, t0, t1\n\tla t1, 11f\n\tadd t1, t1, t0\n\tjr t1\n"   \
        "20:\n\t"                                                                                \
        "beq t2, t3, 12f\n"                                                                      \
        ".option push\n.option norvc\n" /* each K: 40 instructions of 4 bytes, for the entry */  \
        "11:\n\t" /* 8 k per turn */                                                             \
        TH_RV_A_K(0, LP, LR) TH_RV_A_K(1, LP, LR) TH_RV_A_K(2, LP, LR) TH_RV_A_K(3, LP, LR)      \
        TH_RV_A_K(4, LP, LR) TH_RV_A_K(5, LP, LR) TH_RV_A_K(6, LP, LR) TH_RV_A_K(7, LP, LR)      \
        ".option pop\n\t"                                                                        \
        "addi t2, t2, 32\n\taddi t4, t4, 8\n\taddi t5, t5, 8\n\taddi t6, t6, 8\n\taddi ra, ra, 8\n\t" \
        "bne t2, t3, 11b\n"                                                                      \
        "12:\n\t" /* k % 8 < 4: single k */                                                      \
        "lw t3, 8(sp)\n\tbeqz t3, 14f\n\tadd t3, t3, t2\n"                                       \
        "13:\n\t" TH_RV_A_K(0, LP, LR)                                                           \
        "addi t2, t2, 4\n\taddi t4, t4, 1\n\taddi t5, t5, 1\n\taddi t6, t6, 1\n\taddi ra, ra, 1\n\t" \
        "bne t2, t3, 13b\n"                                                                      \
        "14:\n\t" /* rq and store, next tile */                                                  \
        "lw a4, 32(sp)\n\tlw a5, 20(sp)\n\tlw a6, 28(sp)\n\tli a7, 255\n\t"                      \
        STORE                                                                                    \
        "lw t0, 16(sp)\n\tadd t4, t4, t0\n\t"                                                    \
        "lw a5, 20(sp)\n\tlw t0, 24(sp)\n\tadd a5, a5, t0\n\tsw a5, 20(sp)\n\t"                  \
        "lw t0, 36(sp)\n\taddi t0, t0, -1\n\tsw t0, 36(sp)\n\tbnez t0, 10b\n\t"                  \
        "addi sp, sp, " TH_RV_FRAME "\n\t"                                                       \
        : "+r"(cx)                                                                               \
        :                                                                                        \
        : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "s0", "s1", "s2", "s3", "s4", "s5",    \
          "s6", "s7", "s8", "s9", "s10", "s11", "a1", "a2", "a3", "a4", "a5", "a6", "a7",        \
          "memory");                                                                             \
  }
TH_RV_ASM_PANEL(th_rv_asm_ii_p1, "lb", "lb", TH_RV_A_STORE_P1)
TH_RV_ASM_PANEL(th_rv_asm_ii_r1, "lb", "lb", TH_RV_A_STORE_R1)
TH_RV_ASM_PANEL(th_rv_asm_ui_p1, "lbu", "lb", TH_RV_A_STORE_P1)
TH_RV_ASM_PANEL(th_rv_asm_ui_r1, "lbu", "lb", TH_RV_A_STORE_R1)
TH_RV_ASM_PANEL(th_rv_asm_iu_p1, "lb", "lbu", TH_RV_A_STORE_P1)
TH_RV_ASM_PANEL(th_rv_asm_iu_r1, "lb", "lbu", TH_RV_A_STORE_R1)

/* As many 4x4 tiles as fit of a 4-row packed block; returns the rows in place done (0 when the
 * assembly does not apply: exact rq, or neither output stride is 1). */
#define TH_RV_ASM_RUN(TR, SFX)                                                                   \
  static int32_t th_rv_asm_tiles_##SFX(const void *pk, const th_rv_job *jb) {                    \
    th_rv_ctx c;                                                                                 \
    const int32_t nt = jb->nr / 4, k = jb->k;                                                    \
    int p1;                                                                                      \
    if (!jb->fast || nt == 0 || (jb->ps != 1 && jb->pr != 1)) return 0;                          \
    p1 = jb->ps == 1;                                                                            \
    c.pk0 = pk, c.e8 = (const int8_t *)pk + 32 * (k >> 3);                                       \
    c.kt4 = (k & 7) < 4 ? 4 * (k & 7) : 0, c.ktd4 = (k & 7) < 4 ? 0 : 4 * (k & 7);                 \
    c.ldr = (int32_t)jb->ldr, c.rstep = 4 * (int32_t)jb->ldr - k;                                \
    c.o = jb->out, c.ostep = (int32_t)(4 * jb->pr), c.stride = (int32_t)(p1 ? jb->pr : jb->ps);  \
    c.M = jb->M, c.ntiles = nt, c.r0 = jb->r;                                                    \
    c.brp = jb->br; /* run: bias on one side at most */                                          \
    c.ip[0] = jb->ip[0], c.ip[1] = jb->ip[1], c.ip[2] = jb->ip[2], c.ip[3] = jb->ip[3];          \
    if (p1) th_rv_asm_##SFX##_p1(&c);                                                            \
    else th_rv_asm_##SFX##_r1(&c);                                                               \
    return 4 * nt;                                                                               \
  }
TH_RV_ASM_RUN(int8_t, ii)
TH_RV_ASM_RUN(int8_t, ui)
TH_RV_ASM_RUN(uint8_t, iu)
#endif

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
    int32_t ir[TH_RV_RN] = {0, 0, 0}, i = 0;                                                       \
    TH_RV_ASM_FIRST(SFX, NP)                                                                       \
    for (; i + 3 <= nr; i += 3, r += 3 * ldr, o += 3 * pr) {                                      \
      if (jb->br) ir[0] = jb->br[i], ir[1] = jb->br[i + 1], ir[2] = jb->br[i + 2];                 \
      th_rv_tile_##SFX(pk, r, ldr, k, NP, 3, jb->ip, ir, jb->fast, jb->M, jb->rq, o, ps, pr);      \
    }                                                                                              \
    if (jb->br && i < nr) ir[0] = jb->br[i], ir[1] = i + 1 < nr ? jb->br[i + 1] : 0;               \
    if (nr - i == 2)                                                                               \
      th_rv_tile_##SFX(pk, r, ldr, k, NP, 2, jb->ip, ir, jb->fast, jb->M, jb->rq, o, ps, pr);      \
    else if (nr - i == 1)                                                                          \
      th_rv_tile_##SFX(pk, r, ldr, k, NP, 1, jb->ip, ir, jb->fast, jb->M, jb->rq, o, ps, pr);      \
  }

#if defined(TH_RV_ASM)
/* 4-row blocks: the 4x4 assembly tiles first, the C tiles after them */
#define TH_RV_ASM_FIRST(SFX, NP)                          \
  if (NP == 4) {                                          \
    i = th_rv_asm_tiles_##SFX(pk, jb);                    \
    r += (size_t)i * ldr, o += (ptrdiff_t)i * pr;         \
  }
#else
#define TH_RV_ASM_FIRST(SFX, NP)
#endif

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
    TP pk[TH_RV_PN * (k > 0 ? k : 1)]; /* k <= TH_RV_KMAX */                                          \
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
