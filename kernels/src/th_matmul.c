/* th_matmul.c - the contraction core every projection/attention kernel runs on: portable C, SSE2 and ARM DSP tiles. */
#include <string.h>

#include "th_internal.h"

/* Rows of a (int8 or uint8) times rows of b (int8), both contiguous along k. One
 * generic driver walks TH_TM x 2 output tiles with 1-wide / 1-high tails; the
 * tiles are per ISA (selected by #if, same results bit for bit):
 *   ARMv7E-M DSP : unit column (or row) stride, m >= 3, n >= 2, k <= 256, fast rq: both
 *                  operands widened once to int16 pairs, 3x2 tiles of LDM + LDRD + 6 SMLAD
 *                  in assembly (th_mm3, below); else m >= 2, k >= 4: panels of 6 (4, 2)
 *                  rows of b sign-extended once to int16 pairs on the stack, every row of a
 *                  streamed past them (LDM + SXTB16/UXTB16 + SMLAD, row loop in assembly, rq
 *                  as SMMUL + SSAT when mul/div allow); else 2x2 tiles as CMSIS-NN
 *   x86 SSE2     : 4x2 tiles, 8 int8 per load widened to int16, PMADDWD
 *   portable C   : 4x2 tiles of int32 accumulators over contiguous bytes, which
 *                  GCC/Clang -O3 auto-vectorise on any target.
 * Define TH_NO_SIMD to force the portable tiles (the self-test checks both). */

/* With |a*b| <= 2^14 and |bias| <= 2^15, an int32 accumulator is exact for k up to
 * (2^31 - 1 - 2^15) / 2^14 = 131069 (uint8 x int8 without bias: 255*128*k < 2^31
 * for k <= 65535, all the u8 core is called with). Longer int8 rows (linear_o with
 * H*P that big) take the int64 path. */
#define TH_MM_K32_MAX 131068

#if !defined(TH_NO_SIMD) && !defined(TH_NO_DSP) && defined(__ARM_FEATURE_DSP)
#define TH_ISA_DSP 1
#include <arm_acle.h>
#define TH_TM 2
#elif !defined(TH_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64))
#define TH_ISA_SSE2 1
#include <emmintrin.h>
#define TH_TM 4
#else
#define TH_TM 4
#endif

#define TH_BIAS(bias, j) ((bias) ? (int32_t)(bias)[j] : 0)

/* ==== portable tiles (also the k tails of the SIMD tiles) ============== */

#define TH_PORTABLE_TILES(TA, SFX)                                                          \
  TH_INLINE int32_t th_dot1_##SFX(const TA *TH_RESTRICT a, const int8_t *TH_RESTRICT b,     \
                                  int32_t q, int32_t k) {                                   \
    int32_t c = 0;                                                                          \
    for (; q < k; q++) c += a[q] * b[q];                                                    \
    return c;                                                                               \
  }

TH_PORTABLE_TILES(int8_t, i8)
TH_PORTABLE_TILES(uint8_t, u8)

#if defined(TH_ISA_DSP)
/* ==== ARMv7E-M DSP tiles ================================================ */

/* Readable names for the ACLE SIMD32 intrinsics. SXTB16/UXTB16 with ROR #8 pick the
 * odd bytes in one instruction; GCC does not fold a C rotate into that operand (and
 * GCC 12's arm_acle.h has no __ror), so, like CMSIS-Core's __SXTB16_RORn, GCC gets
 * the one-instruction form through inline asm. */
#if defined(__GNUC__) && !defined(__clang__)
TH_INLINE uint32_t th_sxtb16_ror8(uint32_t w) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ROR #8" : "=r"(r) : "r"(w));
  return r;
}
TH_INLINE uint32_t th_uxtb16_ror8(uint32_t w) {
  uint32_t r;
  __asm__("uxtb16 %0, %1, ROR #8" : "=r"(r) : "r"(w));
  return r;
}
#else
TH_INLINE uint32_t th_sxtb16_ror8(uint32_t w) { return __sxtb16((w >> 8) | (w << 24)); }
TH_INLINE uint32_t th_uxtb16_ror8(uint32_t w) { return __uxtb16((w >> 8) | (w << 24)); }
#endif
#define TH_SIGN_EXTEND_EVEN_BYTES(w) __sxtb16(w)       /* [b0, b2] -> int16 x2 */
#define TH_SIGN_EXTEND_ODD_BYTES(w) th_sxtb16_ror8(w)  /* [b1, b3] -> int16 x2 */
#define TH_ZERO_EXTEND_EVEN_BYTES(w) __uxtb16(w)       /* [b0, b2] -> uint16 x2 */
#define TH_ZERO_EXTEND_ODD_BYTES(w) th_uxtb16_ror8(w)  /* [b1, b3] -> uint16 x2 */
#define TH_DUAL_MAC(x, y, acc) ((int32_t)__smlad((x), (y), (uint32_t)(acc))) /* acc + x.lo*y.lo + x.hi*y.hi */
/* 4 bytes from any alignment (Cortex-M4/M7 LDR handles unaligned words). */
TH_INLINE uint32_t th_read4(const void *p) {
  uint32_t w;
  memcpy(&w, p, 4);
  return w;
}

#define TH_DSP_TILES(TA, SFX, EXT_EVEN, EXT_ODD)                                             \
  /* 2 rows of a x 2 rows of b: per 4 k, 4 loads, 8 extensions, 8 SMLAD = 16 MACs. */        \
  TH_INLINE void th_tmain_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb,        \
                                int32_t k, int32_t c[2 * TH_TM]) {                           \
    const TA *a0 = a, *a1 = a + lda, *pa0 = a0, *pa1 = a1;                                   \
    const int8_t *b0 = b, *b1 = b + ldb, *pb0 = b0, *pb1 = b1;                               \
    int32_t c00 = 0, c01 = 0, c10 = 0, c11 = 0, q = k & ~3, it;                             \
    for (it = k >> 2; it > 0; it--) {                                                        \
      uint32_t wa0 = th_read4(pa0), wa1 = th_read4(pa1), wb, be, bo;                         \
      uint32_t a0e = EXT_EVEN(wa0), a0o = EXT_ODD(wa0), a1e = EXT_EVEN(wa1), a1o = EXT_ODD(wa1); \
      wb = th_read4(pb0), be = TH_SIGN_EXTEND_EVEN_BYTES(wb), bo = TH_SIGN_EXTEND_ODD_BYTES(wb); \
      c00 = TH_DUAL_MAC(a0e, be, c00); c00 = TH_DUAL_MAC(a0o, bo, c00);                      \
      c10 = TH_DUAL_MAC(a1e, be, c10); c10 = TH_DUAL_MAC(a1o, bo, c10);                      \
      wb = th_read4(pb1), be = TH_SIGN_EXTEND_EVEN_BYTES(wb), bo = TH_SIGN_EXTEND_ODD_BYTES(wb); \
      c01 = TH_DUAL_MAC(a0e, be, c01); c01 = TH_DUAL_MAC(a0o, bo, c01);                      \
      c11 = TH_DUAL_MAC(a1e, be, c11); c11 = TH_DUAL_MAC(a1o, bo, c11);                      \
      pa0 += 4, pa1 += 4, pb0 += 4, pb1 += 4;                                                \
    }                                                                                        \
    c[0] = c00 + th_dot1_##SFX(a0, b0, q, k);                                                \
    c[1] = c01 + th_dot1_##SFX(a0, b1, q, k);                                                \
    c[2] = c10 + th_dot1_##SFX(a1, b0, q, k);                                                \
    c[3] = c11 + th_dot1_##SFX(a1, b1, q, k);                                                \
  }                                                                                          \
  /* 1 row of a x 1 row of b (used for every tail). */                                       \
  TH_INLINE int32_t th_tdot_##SFX(const TA *a, const int8_t *b, int32_t k) {                 \
    int32_t c0 = 0, q = 0;                                                                   \
    for (; q + 4 <= k; q += 4) {                                                             \
      uint32_t wa = th_read4(a + q), wb = th_read4(b + q);                                   \
      c0 = TH_DUAL_MAC(EXT_EVEN(wa), TH_SIGN_EXTEND_EVEN_BYTES(wb), c0);                     \
      c0 = TH_DUAL_MAC(EXT_ODD(wa), TH_SIGN_EXTEND_ODD_BYTES(wb), c0);                       \
    }                                                                                        \
    return c0 + th_dot1_##SFX(a, b, q, k);                                                   \
  }

TH_DSP_TILES(int8_t, i8, TH_SIGN_EXTEND_EVEN_BYTES, TH_SIGN_EXTEND_ODD_BYTES)
TH_DSP_TILES(uint8_t, u8, TH_ZERO_EXTEND_EVEN_BYTES, TH_ZERO_EXTEND_ODD_BYTES)

/* ---- DSP panel path (m >= 2, k >= 4): what th_mm_i8/th_mm_u8 run on ARMv7E-M ----
 * Up to TH_DSP_NC rows of b (output columns) are sign-extended ONCE into a panel of
 * int16 pairs on the stack, [b0,b2] and [b1,b3] per 4 k per column, then every row of
 * a streams past it: per 4 k, one word load and two extensions of a feed 2*NC SMLAD
 * against panel words the compiler loads two at a time (LDRD/LDM). The accumulators
 * start at the bias. The k % 4 tail is one more group: a's word at k-4 against the
 * panel word with the already-counted low bytes masked to 0 (never reads past a row).
 * k is cut into chunks of TH_DSP_KG groups (stack bound); with several chunks, rows
 * go in blocks of TH_DSP_MB whose partial sums wait in a small stack array. */
#define TH_DSP_NC 6
#ifndef TH_DSP_KG
#define TH_DSP_KG 64 /* 4*64 k per chunk: panel 6*2*64 words = 3 KiB of stack */
#endif
#define TH_DSP_MB 16 /* rows per block when k needs several chunks (384 B of partials) */

/* rq fast form: floor(x*mul / 2^div) = floor(x*M / 2^32) with M = mul*2^(32-div) when M
 * fits int32 (div >= 1, -2^(div-1) <= mul < 2^(div-1)): SMULL's high word then SSAT. */
TH_INLINE int th_rq_fast_mul(th_rq rq, int32_t *M) {
  int32_t lim;
  if (rq.div < 1 || rq.div > 31) return 0;
  lim = (int32_t)1 << (rq.div - 1);
  if (rq.mul < -lim || rq.mul >= lim) return 0;
  *M = (int32_t)((uint32_t)rq.mul << (32 - rq.div));
  return 1;
}
TH_INLINE int8_t th_rq_fast(int32_t x, int32_t M) {
  return (int8_t)__ssat((int32_t)(((int64_t)x * M) >> 32), 8);
}

/* Panel of columns b[c*ldb], c < nc, groups [g0, g1) of 4 k (group k4 = the tail). */
static void th_dsp_widen(const int8_t *b, size_t ldb, int nc, int32_t g0, int32_t g1, int32_t k,
                         uint32_t *pw, int zext) {
  const int32_t k4 = k >> 2;
  const uint32_t tail_mask = 0xFFFFFFFFu << (8 * (4 - (k & 3)));
  const int32_t gf = g1 < k4 ? g1 : k4; /* full groups end */
  int32_t g;
  int c;
  if (zext) { /* b holds uint8 (th_mm_i8_u8b) */
    for (g = g0; g < gf; g++) {
      const int8_t *bc = b + 4 * g;
      for (c = 0; c < nc; c++, bc += ldb) {
        uint32_t w = th_read4(bc);
        pw[0] = TH_ZERO_EXTEND_EVEN_BYTES(w), pw[1] = TH_ZERO_EXTEND_ODD_BYTES(w), pw += 2;
      }
    }
    if (g1 > k4)
      for (c = 0; c < nc; c++) {
        uint32_t w = th_read4(b + (size_t)c * ldb + k - 4) & tail_mask;
        pw[0] = TH_ZERO_EXTEND_EVEN_BYTES(w), pw[1] = TH_ZERO_EXTEND_ODD_BYTES(w), pw += 2;
      }
    return;
  }
  for (g = g0; g < gf; g++) {
    const int8_t *bc = b + 4 * g;
    for (c = 0; c < nc; c++, bc += ldb) {
      uint32_t w = th_read4(bc);
      pw[0] = TH_SIGN_EXTEND_EVEN_BYTES(w), pw[1] = TH_SIGN_EXTEND_ODD_BYTES(w), pw += 2;
    }
  }
  if (g1 > k4) /* the tail group */
    for (c = 0; c < nc; c++) {
      uint32_t w = th_read4(b + (size_t)c * ldb + k - 4) & tail_mask;
      pw[0] = TH_SIGN_EXTEND_EVEN_BYTES(w), pw[1] = TH_SIGN_EXTEND_ODD_BYTES(w), pw += 2;
    }
}

/* One group: a's 4 bytes against NC panel columns (constant NC: fully unrolled). */
#define TH_DSP_STEP(EXT_EVEN, EXT_ODD, xw, w)                                    \
  do {                                                                           \
    uint32_t xe_ = EXT_EVEN(xw), xo_ = EXT_ODD(xw);                              \
    c0 = TH_DUAL_MAC(xe_, (w)[0], c0), c0 = TH_DUAL_MAC(xo_, (w)[1], c0);        \
    if (NC > 1) c1 = TH_DUAL_MAC(xe_, (w)[2], c1), c1 = TH_DUAL_MAC(xo_, (w)[3], c1);   \
    if (NC > 2) c2 = TH_DUAL_MAC(xe_, (w)[4], c2), c2 = TH_DUAL_MAC(xo_, (w)[5], c2);   \
    if (NC > 3) c3 = TH_DUAL_MAC(xe_, (w)[6], c3), c3 = TH_DUAL_MAC(xo_, (w)[7], c3);   \
    if (NC > 4) c4 = TH_DUAL_MAC(xe_, (w)[8], c4), c4 = TH_DUAL_MAC(xo_, (w)[9], c4);   \
    if (NC > 5) c5 = TH_DUAL_MAC(xe_, (w)[10], c5), c5 = TH_DUAL_MAC(xo_, (w)[11], c5); \
  } while (0)

/* ---- the row loop in assembly (GCC spills at this register pressure) -------------
 * th_dsp_rows{6,4,2}_{i8,u8}(job): every row of a against one panel of NC columns, with
 * the fast rq. Registers in the k loop: r0-r5 sums, r6/r12 a's even/odd halves, r7 a,
 * r11 panel, lr turns, r4/r5/r8-r10 panel words (LDM: the lowest register takes the
 * lowest address). 8 groups (32 k) per turn; the first turn enters the unrolled body
 * part-way (Duff) so any number of groups >= 1 runs without a remainder loop. The job
 * pointer sits at [sp]. Per 4 k and 6 columns: 1 LDR, 2 extensions, 4 LDM, 12 SMLAD. */
typedef struct {
  const int32_t *bias; /*  0: NC int32 sums to start from */
  uint32_t entry;      /*  4: in: groups (>= 1); the asm turns it into the entry address */
  const uint32_t *pw;  /*  8: panel groups */
  int32_t turns;       /* 12: in: anything; set by the asm */
  const void *a;       /* 16: current row (+ k offset) */
  int8_t *o;           /* 20: current output row */
  int32_t rows;        /* 24: rows left (>= 1) */
  int32_t M;           /* 28: fast rq multiplier */
  int32_t cs, rs, lda; /* 32, 36, 40 */
  int32_t tail;        /* 44: 1 if the tail group is at a + tail_off */
  int32_t tail_off;    /* 48 */
} th_dsp_job;

#define th_dsp_init(LAST) "ldmia r6, {r0-" #LAST "}\n\t"
/* r9 is free until the k loop; the job pointer sits at [sp] */
#define th_dsp_init_rows(LAST) "ldmia r6!, {r0-" #LAST "}\n\tldr r9, [sp]\n\tstr r6, [r9]\n\t"
/* INIT loads the row's starting sums from the bias pointer: th_dsp_init (same NC sums for every
 * row) or th_dsp_init_rows (NC sums per row, the pointer advances: a bias per row of a). */
#define TH_DSP_ASM_FN(NAME, XT, NC, LAST, GBYTES, INIT)                                                \
  ".global " NAME "\n\t.type " NAME ", %function\n\t.thumb_func\n" NAME ":\n\t"          \
  "push {r4-r11, lr}\n\tpush {r0}\n\t"                                                   \
  /* entry = loop + ((8 - groups % 8) % 8) * bytes per group; turns = ceil(groups / 8) */ \
  "ldr r1, [r0, #4]\n\tadd r2, r1, #7\n\tlsr r2, r2, #3\n\tstr r2, [r0, #12]\n\t"         \
  "neg r1, r1\n\tand r1, r1, #7\n\tmov r2, #" #GBYTES "\n\t"                                  \
  "adr.w r3, 2f\n\tmla r1, r1, r2, r3\n\torr r1, r1, #1\n\tstr r1, [r0, #4]\n"             \
  "mov lr, r0\n"              /* lr = job at the top of every row */                       \
  "1:\n\tldr r7, [lr, #16]\n\tldmia lr, {r6, r8, r11, lr}\n\t"                                \
  INIT(LAST) "bx r8\n\t.balign 4\n"                                                     \
  "2:\n\t.rept 8\n\tth_dsp_g" #NC " " XT "\n\t.endr\n\t"                                 \
  "subs lr, lr, #1\n\tbne.w 2b\n\t"                                                      \
  "ldr lr, [sp]\n\tldr r6, [lr, #44]\n\tcbz r6, 3f\n\t"                                   \
  "ldr r7, [lr, #16]\n\tldr r6, [lr, #48]\n\tadd r7, r7, r6\n\tth_dsp_g" #NC " " XT "\n" \
  "3:\n\tadd r6, lr, #16\n\tldmia r6, {r6-r12}\n\t" /* a o rows M cs rs lda */            \
  "th_dsp_rq" #NC "\n\t"                                                                 \
  "add r6, r6, r12\n\tadd r7, r7, r11\n\tsubs r8, r8, #1\n\tadd r0, lr, #16\n\t"          \
  "stmia r0, {r6, r7, r8}\n\tbne.w 1b\n\t"                                               \
  "add sp, sp, #4\n\tpop {r4-r11, pc}\n\t.size " NAME ", .-" NAME "\n"

__asm__(
    ".pushsection .text\n\t.syntax unified\n\t.thumb\n\t"
    /* one group of 4 k: NC columns */
    ".macro th_dsp_g6 xt\n\t"
    "ldr.w r6, [r7], #4\n\t\\xt r12, r6, ror #8\n\t\\xt r6, r6\n\t"
    "ldmia.w r11!, {r8, r9, r10}\n\t"
    "smlad r0, r6, r8, r0\n\tsmlad r0, r12, r9, r0\n\tsmlad r1, r6, r10, r1\n\t"
    "ldmia.w r11!, {r8, r9, r10}\n\t"
    "smlad r1, r12, r8, r1\n\tsmlad r2, r6, r9, r2\n\tsmlad r2, r12, r10, r2\n\t"
    "ldmia.w r11!, {r8, r9, r10}\n\t"
    "smlad r3, r6, r8, r3\n\tsmlad r3, r12, r9, r3\n\tsmlad r4, r6, r10, r4\n\t"
    "ldmia.w r11!, {r8, r9, r10}\n\t"
    "smlad r4, r12, r8, r4\n\tsmlad r5, r6, r9, r5\n\tsmlad r5, r12, r10, r5\n\t"
    ".endm\n\t"
    ".macro th_dsp_g4 xt\n\t"
    "ldr.w r6, [r7], #4\n\t\\xt r12, r6, ror #8\n\t\\xt r6, r6\n\t"
    "ldmia.w r11!, {r4, r5, r8, r9}\n\t"
    "smlad r0, r6, r4, r0\n\tsmlad r0, r12, r5, r0\n\tsmlad r1, r6, r8, r1\n\tsmlad r1, r12, r9, r1\n\t"
    "ldmia.w r11!, {r4, r5, r8, r9}\n\t"
    "smlad r2, r6, r4, r2\n\tsmlad r2, r12, r5, r2\n\tsmlad r3, r6, r8, r3\n\tsmlad r3, r12, r9, r3\n\t"
    ".endm\n\t"
    ".macro th_dsp_g2 xt\n\t"
    "ldr.w r6, [r7], #4\n\t\\xt r12, r6, ror #8\n\t\\xt r6, r6\n\t"
    "ldmia.w r11!, {r4, r5, r8, r9}\n\t"
    "smlad r0, r6, r4, r0\n\tsmlad r0, r12, r5, r0\n\tsmlad r1, r6, r8, r1\n\tsmlad r1, r12, r9, r1\n\t"
    ".endm\n\t"
    /* sums -> rq (SMMUL high word, SSAT 8) -> bytes at o (r7), stride cs (r10); r9 = M */
    ".macro th_dsp_rq2\n\t"
    "smmul r0, r0, r9\n\tsmmul r1, r1, r9\n\tssat r0, #8, r0\n\tssat r1, #8, r1\n\t"
    "strb r0, [r7]\n\tstrb r1, [r7, r10]\n\t"
    ".endm\n\t"
    ".macro th_dsp_rq4\n\t"
    "smmul r0, r0, r9\n\tsmmul r1, r1, r9\n\tsmmul r2, r2, r9\n\tsmmul r3, r3, r9\n\t"
    "ssat r0, #8, r0\n\tssat r1, #8, r1\n\tssat r2, #8, r2\n\tssat r3, #8, r3\n\t"
    "strb r0, [r7]\n\tstrb r1, [r7, r10]\n\tadd r0, r7, r10, lsl #1\n\t"
    "strb r2, [r0]\n\tstrb r3, [r0, r10]\n\t"
    ".endm\n\t"
    ".macro th_dsp_rq6\n\t"
    "smmul r0, r0, r9\n\tsmmul r1, r1, r9\n\tsmmul r2, r2, r9\n\tsmmul r3, r3, r9\n\t"
    "smmul r4, r4, r9\n\tsmmul r5, r5, r9\n\t"
    "ssat r0, #8, r0\n\tssat r1, #8, r1\n\tssat r2, #8, r2\n\tssat r3, #8, r3\n\t"
    "ssat r4, #8, r4\n\tssat r5, #8, r5\n\t"
    "strb r0, [r7]\n\tstrb r1, [r7, r10]\n\tadd r0, r7, r10, lsl #1\n\t"
    "strb r2, [r0]\n\tstrb r3, [r0, r10]\n\tadd r0, r0, r10, lsl #1\n\t"
    "strb r4, [r0]\n\tstrb r5, [r0, r10]\n\t"
    ".endm\n\t"
    TH_DSP_ASM_FN("th_dsp_rows6_i8", "sxtb16", 6, r5, 76, th_dsp_init)
    TH_DSP_ASM_FN("th_dsp_rows4_i8", "sxtb16", 4, r3, 52, th_dsp_init)
    TH_DSP_ASM_FN("th_dsp_rows2_i8", "sxtb16", 2, r1, 32, th_dsp_init)
    TH_DSP_ASM_FN("th_dsp_rows6_u8", "uxtb16", 6, r5, 76, th_dsp_init)
    TH_DSP_ASM_FN("th_dsp_rows4_u8", "uxtb16", 4, r3, 52, th_dsp_init)
    TH_DSP_ASM_FN("th_dsp_rows2_u8", "uxtb16", 2, r1, 32, th_dsp_init)
    TH_DSP_ASM_FN("th_dsp_rows6_i8_rb", "sxtb16", 6, r5, 76, th_dsp_init_rows)
    TH_DSP_ASM_FN("th_dsp_rows4_i8_rb", "sxtb16", 4, r3, 52, th_dsp_init_rows)
    TH_DSP_ASM_FN("th_dsp_rows2_i8_rb", "sxtb16", 2, r1, 32, th_dsp_init_rows)
    ".popsection\n");
void th_dsp_rows6_i8_rb(th_dsp_job *j);
void th_dsp_rows4_i8_rb(th_dsp_job *j);
void th_dsp_rows2_i8_rb(th_dsp_job *j);
void th_dsp_rows6_i8(th_dsp_job *j);
void th_dsp_rows4_i8(th_dsp_job *j);
void th_dsp_rows2_i8(th_dsp_job *j);
void th_dsp_rows6_u8(th_dsp_job *j);
void th_dsp_rows4_u8(th_dsp_job *j);
void th_dsp_rows2_u8(th_dsp_job *j);

/* Rows a[i*lda], i < rows, against one panel chunk of NC columns: nfull groups from
 * a, then (tail >= 0) the group at a + tail. Accumulators start at init (stride
 * init_rs); they go to part (stride TH_DSP_NC) or, part == NULL, rq'd to o. */
#define TH_DSP_ROWS(TA, SFX, EXT_EVEN, EXT_ODD)                                               \
  TH_INLINE void th_dsp_rows_##SFX(const TA *a, size_t lda, int32_t rows, const uint32_t *pw,  \
                                   int32_t xoff, int32_t nfull, int32_t tail, const int NC,    \
                                   const int32_t *init, size_t init_rs, int32_t *part,         \
                                   int8_t *o, ptrdiff_t rs, ptrdiff_t cs, th_rq rq, int fast,   \
                                   int32_t M) {                                                \
    int32_t i, g;                                                                              \
    for (i = 0; i < rows; i++, a += lda, o += rs, init += init_rs) {                           \
      const TA *x = a + xoff;                                                                  \
      const uint32_t *w = pw;                                                                  \
      int32_t c0 = init[0], c1 = NC > 1 ? init[1] : 0, c2 = NC > 2 ? init[2] : 0;              \
      int32_t c3 = NC > 3 ? init[3] : 0, c4 = NC > 4 ? init[4] : 0, c5 = NC > 5 ? init[5] : 0; \
      for (g = nfull >> 1; g > 0; g--) {                                                       \
        uint32_t x0 = th_read4(x), x1 = th_read4(x + 4);                                       \
        TH_DSP_STEP(EXT_EVEN, EXT_ODD, x0, w);                                                 \
        TH_DSP_STEP(EXT_EVEN, EXT_ODD, x1, w + 2 * NC);                                        \
        x += 8, w += 4 * NC;                                                                   \
      }                                                                                        \
      if (nfull & 1) {                                                                         \
        uint32_t x0 = th_read4(x);                                                             \
        TH_DSP_STEP(EXT_EVEN, EXT_ODD, x0, w);                                                 \
        w += 2 * NC;                                                                           \
      }                                                                                        \
      if (tail >= 0) {                                                                         \
        uint32_t x0 = th_read4(a + tail);                                                      \
        TH_DSP_STEP(EXT_EVEN, EXT_ODD, x0, w);                                                 \
      }                                                                                        \
      if (part) {                                                                              \
        part[0] = c0;                                                                          \
        if (NC > 1) part[1] = c1;                                                              \
        if (NC > 2) part[2] = c2;                                                              \
        if (NC > 3) part[3] = c3;                                                              \
        if (NC > 4) part[4] = c4;                                                              \
        if (NC > 5) part[5] = c5;                                                              \
        part += TH_DSP_NC;                                                                     \
      } else if (fast) {                                                                       \
        o[0] = th_rq_fast(c0, M);                                                              \
        if (NC > 1) o[cs] = th_rq_fast(c1, M);                                                 \
        if (NC > 2) o[2 * cs] = th_rq_fast(c2, M);                                             \
        if (NC > 3) o[3 * cs] = th_rq_fast(c3, M);                                             \
        if (NC > 4) o[4 * cs] = th_rq_fast(c4, M);                                             \
        if (NC > 5) o[5 * cs] = th_rq_fast(c5, M);                                             \
      } else {                                                                                 \
        o[0] = th_rq32(c0, rq.mul, rq.div);                                                    \
        if (NC > 1) o[cs] = th_rq32(c1, rq.mul, rq.div);                                       \
        if (NC > 2) o[2 * cs] = th_rq32(c2, rq.mul, rq.div);                                   \
        if (NC > 3) o[3 * cs] = th_rq32(c3, rq.mul, rq.div);                                   \
        if (NC > 4) o[4 * cs] = th_rq32(c4, rq.mul, rq.div);                                   \
        if (NC > 5) o[5 * cs] = th_rq32(c5, rq.mul, rq.div);                                   \
      }                                                                                        \
    }                                                                                          \
  }                                                                                            \
  /* The panel width is a constant in each instance (registers, full unroll). */              \
  static void th_dsp_rows_nc_##SFX(const TA *a, size_t lda, int32_t rows, const uint32_t *pw,  \
                                   int32_t xoff, int32_t nfull, int32_t tail, int nc,          \
                                   const int32_t *init,                                        \
                                   size_t init_rs, int32_t *part, int8_t *o, ptrdiff_t rs,     \
                                   ptrdiff_t cs, th_rq rq, int fast, int32_t M) {              \
    switch (nc) {                                                                              \
      case 6: th_dsp_rows_##SFX(a, lda, rows, pw, xoff, nfull, tail, 6, init, init_rs, part, o, rs, cs, rq, fast, M); break; \
      case 5: th_dsp_rows_##SFX(a, lda, rows, pw, xoff, nfull, tail, 5, init, init_rs, part, o, rs, cs, rq, fast, M); break; \
      case 4: th_dsp_rows_##SFX(a, lda, rows, pw, xoff, nfull, tail, 4, init, init_rs, part, o, rs, cs, rq, fast, M); break; \
      case 3: th_dsp_rows_##SFX(a, lda, rows, pw, xoff, nfull, tail, 3, init, init_rs, part, o, rs, cs, rq, fast, M); break; \
      case 2: th_dsp_rows_##SFX(a, lda, rows, pw, xoff, nfull, tail, 2, init, init_rs, part, o, rs, cs, rq, fast, M); break; \
      default: th_dsp_rows_##SFX(a, lda, rows, pw, xoff, nfull, tail, 1, init, init_rs, part, o, rs, cs, rq, fast, M); break; \
    }                                                                                          \
  }                                                                                            \
  /* The whole contraction (m >= 2, 4 <= k): panels of TH_DSP_NC columns, chunks of k. */      \
  static void th_dsp_mm_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb, int32_t m,  \
                              int32_t n, int32_t k, const int16_t *bias, th_rq rq, int8_t *out, \
                              ptrdiff_t rs, ptrdiff_t cs, int zext_b) {                        \
    uint32_t pw[2 * TH_DSP_NC * TH_DSP_KG];                                                    \
    int32_t part[TH_DSP_MB * TH_DSP_NC], bi[TH_DSP_NC], M = 0;                                 \
    const int32_t k4 = k >> 2, G = k4 + ((k & 3) != 0);                                        \
    const int fast = th_rq_fast_mul(rq, &M);                                                   \
    int32_t j, i0, g0;                                                                         \
    int c, nc = 1;                                                                             \
    for (j = 0; j < n; j += nc) {                                                              \
      const int32_t left = n - j; /* widths with an asm kernel: 6, 4, 2 (8 = 4 + 4) */         \
      nc = left >= 6 ? (left == 8 ? 4 : 6) : left >= 4 ? 4 : left >= 2 ? 2 : 1;      \
      const int8_t *bj = b + (size_t)j * ldb;                                                  \
      int8_t *oj = out + (ptrdiff_t)j * cs;                                                    \
      for (c = 0; c < nc; c++) bi[c] = TH_BIAS(bias, j + c);                                   \
      if (G <= TH_DSP_KG) {                                                                    \
        th_dsp_widen(bj, ldb, nc, 0, G, k, pw, zext_b);                                                \
        if (fast && k4 >= 1 && !(nc & 1)) {                                                    \
          th_dsp_job jb;                                                                       \
          jb.bias = bi, jb.entry = (uint32_t)k4, jb.pw = pw, jb.turns = 0, jb.a = a, jb.o = oj;  \
          jb.rows = m, jb.M = M, jb.cs = (int32_t)cs, jb.rs = (int32_t)rs;                     \
          jb.lda = (int32_t)lda, jb.tail = (k & 3) != 0, jb.tail_off = k - 4;                  \
          if (nc == 6) th_dsp_rows6_##SFX(&jb);                                                \
          else if (nc == 4) th_dsp_rows4_##SFX(&jb);                                           \
          else th_dsp_rows2_##SFX(&jb);                                                        \
          continue;                                                                            \
        }                                                                                      \
        th_dsp_rows_nc_##SFX(a, lda, m, pw, 0, k4, (k & 3) ? k - 4 : -1, nc, bi, 0, NULL, oj, rs, \
                             cs, rq, fast, M);                                                 \
        continue;                                                                              \
      }                                                                                        \
      for (i0 = 0; i0 < m; i0 += TH_DSP_MB) {                                                  \
        const int32_t rows = m - i0 < TH_DSP_MB ? m - i0 : TH_DSP_MB;                          \
        const TA *ai = a + (size_t)i0 * lda;                                                   \
        for (g0 = 0; g0 < G; g0 += TH_DSP_KG) {                                                \
          const int32_t g1 = G - g0 < TH_DSP_KG ? G : g0 + TH_DSP_KG;                          \
          const int32_t nfull = (g1 < k4 ? g1 : k4) - g0;                                      \
          const int32_t tail = g1 > k4 ? k - 4 : -1;                                           \
          th_dsp_widen(bj, ldb, nc, g0, g1, k, pw, zext_b);                                            \
          th_dsp_rows_nc_##SFX(ai, lda, rows, pw, 4 * g0, nfull, tail, nc,                     \
                               g0 == 0 ? bi : part, g0 == 0 ? 0 : TH_DSP_NC,                   \
                               g1 == G ? NULL : part, oj + (ptrdiff_t)i0 * rs, rs, cs, rq,     \
                               fast, M);                                                       \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
  }

TH_DSP_ROWS(int8_t, i8, TH_SIGN_EXTEND_EVEN_BYTES, TH_SIGN_EXTEND_ODD_BYTES)
TH_DSP_ROWS(uint8_t, u8, TH_ZERO_EXTEND_EVEN_BYTES, TH_ZERO_EXTEND_ODD_BYTES)

/* ---- DSP path: both operands widened once to int16 pairs, 3x2 tiles of LDM + LDRD + 6 SMLAD ----
 * What th_mm_i8/th_mm_u8 run on ARMv7E-M when the output is row-major with cs == 1 (or, with
 * a and b swapped, rs == 1), the fast rq applies, m >= 3, n >= 2 and k <= 2 * TH_MM3_KB.
 *   - k is cut into int16 pairs, the same way on both sides: every 4 bytes [x0 x1 x2 x3] give
 *     [x0,x2] and [x1,x3] (SXTB16 / UXTB16 without and with ROR #8); a tail of r = k % 4 bytes
 *     gives [x0,0] (r = 1), [x0,x1] (r = 2), or [x0,x2],[x1,0] (r = 3). One SMLAD adds the
 *     products of a pair, so the sum over pairs is the dot product; npairs = ceil(k / 2).
 *   - the rows of b (output columns) are widened ONCE into a panel of tiles of 2 columns,
 *     [6 starting sums, entry][pair 0: c0 c1][pair 1: c0 c1]... (th_mm3_wid2n), and the rows of
 *     a ONCE, three at a time, into a block of triples [pair 0: r0 r1 r2][pair 1]...
 *     (th_mm3_wid3n); an odd last column and a last 1 or 2 rows run as a tile / triple that
 *     overlaps the one before it (the shared outputs are written twice, with the same bytes);
 *   - the 3x2 tile (th_mm3_tile) is per pair one LDM (a's 3 words), one LDRD (b's 2 words),
 *     6 SMLAD: 12 MACs in 8 instructions. The k loop is fully unrolled in assembly (TH_MM3_KB
 *     steps) and entered part-way, with no counter: one LDM from the panel loads the 6 starting
 *     sums and pc, the entry step for npairs (or, after the last tile, the exit). The rq is
 *     SMMUL + SSAT + STRB per output; one call runs every triple of a block against every tile.
 *     With a bias per row (the swapped form) the 6 starting sums lead each triple's stream and
 *     the tile's first word is only the entry.
 * th_mm3_tile_c and th_mm3_widen_c below are the same in C: the spec of the assembly (and what
 * -DTH_MM3_C runs instead of it). */
#define TH_MM3_KB 128 /* unrolled steps: k <= 256 in one pass */
/* Words of stack for the panel and the a block: 4 KiB by default, about what the panel path
 * takes (board.cmake raises it through TH_BOARD_KERNEL_DEFINITIONS: 24 KiB on the QEMU boards,
 * whole panels at k = 256), none (path off, no assembly) where the DSP panel is shrunk for a small
 * stack. */
#ifndef TH_MM3_WORDS
#define TH_MM3_WORDS (TH_DSP_KG >= 64 ? 1024 : 0)
#endif
#if TH_MM3_WORDS == 0 && !defined(TH_MM3_C)
#define TH_MM3_C 1 /* never runs (th_mm3 returns 0 at once): no assembly to carry */
#endif

/* Starting sums of a tile: in the panel (a bias per column, 0 without bias) or, for the swapped
 * form (a bias per row of a), in front of the triple's stream. */
enum { TH_MM3_COLBIAS = 0, TH_MM3_ROWBIAS = 1 };
/* Words in front of each tile of the panel (6 sums + the entry, or the entry alone), each
 * triple (0, or 6 sums), and of the word(s) after the last tile that lead to the exit. */
#define TH_MM3_TILE_HEAD(rowbias) ((rowbias) ? 1 : 7)
#define TH_MM3_TRIPLE_HEAD(rowbias) ((rowbias) ? 6 : 0)

/* The k % 4 tail (r bytes at s) of one row as 1 or 2 pairs at dst[0], dst[stride]. */
static void th_mm3_tail(const uint8_t *s, int zext, int32_t r, uint32_t *dst, int32_t stride) {
  const uint32_t x0 = zext ? s[0] : (uint16_t)(int16_t)(int8_t)s[0];
  const uint32_t x1 = r < 2 ? 0 : zext ? s[1] : (uint16_t)(int16_t)(int8_t)s[1];
  const uint32_t x2 = r < 3 ? 0 : zext ? s[2] : (uint16_t)(int16_t)(int8_t)s[2];
  if (r == 3) dst[0] = x0 | x2 << 16, dst[stride] = x1;
  else dst[0] = x0 | x1 << 16;
}

/* ---- the widening in C (the spec): W rows at src + c*ld, g groups of 4 bytes, as the stream
 * [even c0 .. even c(W-1), odd c0 .. odd c(W-1)] per group ---- */
TH_INLINE void th_mm3_widen_c(const void *src, ptrdiff_t ld, int32_t g, uint32_t *dst, const int W,
                              int zext) {
  const uint8_t *s = (const uint8_t *)src;
  int c;
  for (; g > 0; g--, s += 4, dst += 2 * W)
    for (c = 0; c < W; c++) {
      const uint32_t w = th_read4(s + c * ld);
      dst[c] = zext ? (uint32_t)TH_ZERO_EXTEND_EVEN_BYTES(w)
                    : (uint32_t)TH_SIGN_EXTEND_EVEN_BYTES(w);
      dst[W + c] = zext ? (uint32_t)TH_ZERO_EXTEND_ODD_BYTES(w)
                        : (uint32_t)TH_SIGN_EXTEND_ODD_BYTES(w);
    }
}

/* One call: `triples` triples of a block (the first at a, the next stride bytes on) against the
 * tiles of the panel from pw to the exit word; the outputs of triple t at orow + t*rs3, its rows
 * 1 and 2 at +r1off, +r2off (rs, 2*rs; equal to repeat a row). The layout is the assembly's frame
 * (bend and npairs only for the C spec). */
typedef struct {
  int32_t r1m2, r1m1;   /*  0,  4: r1off - 2, r1off - 1 (STRB register offsets after 2 columns) */
  int32_t M;            /*  8: fast rq multiplier */
  int32_t r2m2, r2m1;   /* 12, 16: r2off - 2, r2off - 1 */
  const uint32_t *a;    /* 20: stream of triple 0 */
  const uint32_t *bend; /* 24: the exit word(s) after the tiles */
  const uint32_t *pw;   /* 28: first tile */
  int32_t stride;       /* 32: bytes from a triple's stream to the next */
  int32_t triples;      /* 36: >= 1 */
  int32_t npairs;       /* 40: k pairs, 1 .. TH_MM3_KB */
  int8_t *orow;         /* 44: outputs of triple 0, row 0, first column of the tiles */
  int32_t rs3;          /* 48: orow step per triple */
} th_mm3_job;

/* ---- the tile in C (the spec): 3 rows x 2 columns ---- */
TH_INLINE void th_mm3_tile_c(const th_mm3_job *j, int rowbias) {
  const uint8_t *ab = (const uint8_t *)j->a;
  int8_t *orow = j->orow;
  int32_t tr, t, col, r;
  for (tr = 0; tr < j->triples; tr++, ab += j->stride, orow += j->rs3) {
    const uint32_t *pw = j->pw;
    int8_t *o = orow;
    while (pw != j->bend) {
      const uint32_t *x = (const uint32_t *)(const void *)ab, *init = rowbias ? x : pw;
      int32_t c[3][2];
      for (r = 0; r < 3; r++)
        for (col = 0; col < 2; col++) c[r][col] = (int32_t)init[2 * r + col];
      /* (the tile's entry word only matters to the assembly) */
      x += TH_MM3_TRIPLE_HEAD(rowbias), pw += TH_MM3_TILE_HEAD(rowbias);
      for (t = 0; t < j->npairs; t++, pw += 2, x += 3)
        for (r = 0; r < 3; r++)
          for (col = 0; col < 2; col++) c[r][col] = TH_DUAL_MAC(x[r], pw[col], c[r][col]);
      o[0] = th_rq_fast(c[0][0], j->M), o[1] = th_rq_fast(c[0][1], j->M);
      o[2 + j->r1m2] = th_rq_fast(c[1][0], j->M), o[2 + j->r1m1] = th_rq_fast(c[1][1], j->M);
      o[2 + j->r2m2] = th_rq_fast(c[2][0], j->M), o[2 + j->r2m1] = th_rq_fast(c[2][1], j->M);
      o += 2;
    }
  }
}

/* ---- the same in assembly ----
 * Tile: r0-r5 the sums (row 0: r0 r1, row 1: r2 r3, row 2: r4 r5), r6-r8 a's pair of rows 0-2
 * (LDM from lr), r9 r10 b's pair of columns 0-1 (LDRD from r11), r12 the output. */
#define TH_MM3_STR(x) #x
#define TH_MM3_XSTR(x) TH_MM3_STR(x)
/* NEXT: the starting sums and the jump into the body (or to the exit) for the next tile. */
#define TH_MM3_FN(NAME, NEXT)                                                                     \
  ".global " NAME "\n\t.type " NAME ", %function\n\t.thumb_func\n" NAME ":\n\t"                   \
  "push {r4-r11, lr}\n\tsub sp, sp, #56\n\t"                                                      \
  "ldmia r0!, {r1-r7}\n\tstmia sp, {r1-r7}\n\tldmia r0, {r1-r6}\n\tadd r7, sp, #28\n\t"           \
  "stmia r7, {r1-r6}\n"                                                                           \
  "0:\n\tldrd r0, r1, [sp, #44]\n\tmov r12, r0\n\tadd r0, r0, r1\n\tstr r0, [sp, #44]\n\t"        \
  "ldr r11, [sp, #28]\n\tldr lr, [sp, #20]\n\t" NEXT ".balign 4\n"                               \
  "2:\n\t.rept " TH_MM3_XSTR(TH_MM3_KB) "\n\tth_mm3_step\n\t.endr\n"                              \
  ".global " NAME "_end\n" NAME "_end:\n\t"                                                       \
  ".if (" NAME "_end - 2b) != " TH_MM3_XSTR(TH_MM3_KB) " * 32\n\t.error \"" NAME ": step size\"\n\t.endif\n\t" \
  "ldmia sp, {r6, r7, r8, r9, r10, lr}\n\t" /* offsets, M and (lr) the triple's stream again */   \
  "smmul r0, r0, r8\n\tsmmul r1, r1, r8\n\tsmmul r2, r2, r8\n\t"                                  \
  "smmul r3, r3, r8\n\tsmmul r4, r4, r8\n\tsmmul r5, r5, r8\n\t"                                  \
  "ssat r0, #8, r0\n\tssat r1, #8, r1\n\tssat r2, #8, r2\n\t"                                     \
  "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\t"                                     \
  "strb r0, [r12], #1\n\tstrb r1, [r12], #1\n\tstrb r2, [r12, r6]\n\tstrb r3, [r12, r7]\n\t"      \
  "strb r4, [r12, r9]\n\tstrb r5, [r12, r10]\n\t"                                                 \
  NEXT                                                                                            \
  /* after the last tile: the next triple */                                                      \
  ".global " NAME "_exit\n" NAME "_exit:\n\t"                                                     \
  "ldrd r0, r1, [sp, #32]\n\tldr r2, [sp, #20]\n\tadd r2, r2, r0\n\tstr r2, [sp, #20]\n\t"        \
  "subs r1, r1, #1\n\tstr r1, [sp, #36]\n\tbne.w 0b\n\t"                                          \
  "add sp, sp, #56\n\tpop {r4-r11, pc}\n\t.size " NAME ", .-" NAME "\n\t"

/* bias per column: the panel's 6 sums and entry in one LDM; per row: the triple's 6 sums, then
 * the tile's entry */
#define TH_MM3_NEXT_CB "ldmia.w r11!, {r0, r1, r2, r3, r4, r5, pc}\n\t"
#define TH_MM3_NEXT_RB "ldmia.w lr!, {r0, r1, r2, r3, r4, r5}\n\tldr pc, [r11], #4\n\t"
/* Widening: th_mm3_widNn_xx(src, ld, g | gap << 8 | units << 16, dst): `units` times N rows (the
 * next N at src + N*ld), per group of 4 bytes the N even then the N odd pairs (STM: the lowest
 * register takes the lowest address); `gap` words skipped after each unit's g groups (its k % 4
 * tail and the next unit's biases, written in C). */
#define TH_MM3_WIDN(NAME, STEP, LOADS, EXTS, LAST)                                               \
  ".global " NAME "\n\t.type " NAME ", %function\n\t.thumb_func\n" NAME ":\n\t"                   \
  "push {r4-r11, lr}\n\tlsr r11, r2, #16\n\tubfx r10, r2, #8, #8\n\tuxtb r2, r2\n\t"              \
  STEP                                                                                            \
  "sub r12, r12, r2, lsl #2\n"                                                                    \
  /* two groups per turn: lr = g / 2 (Z when 0), an odd g's first group alone */                \
  "0:\n\tlsrs lr, r2, #1\n\tbcc 1f\n\t" LOADS EXTS "stmia r3!, {r4-" LAST "}\n\tbeq 3f\n"          \
  "1:\n\t" LOADS EXTS "stmia r3!, {r4-" LAST "}\n\t" LOADS EXTS "stmia r3!, {r4-" LAST "}\n\t"     \
  "subs lr, lr, #1\n\tbne 1b\n"                                                                 \
  "3:\n\tadd r3, r3, r10, lsl #2\n\tadd r0, r0, r12\n\tsubs r11, r11, #1\n\tbne 0b\n\t"          \
  "pop {r4-r11, pc}\n\t.size " NAME ", .-" NAME "\n\t"
#define TH_MM3_S3 "add r12, r1, r1, lsl #1\n\t" /* src step: N*ld, less the 4*g walked */
#define TH_MM3_S2 "lsl r12, r1, #1\n\t"
#define TH_MM3_L3 "ldr r8, [r0, r1]\n\tldr r9, [r0, r1, lsl #1]\n\tldr r7, [r0], #4\n\t"
#define TH_MM3_X3(XT) XT " r4, r7\n\t" XT " r5, r8\n\t" XT " r6, r9\n\t" XT " r7, r7, ror #8\n\t" \
  XT " r8, r8, ror #8\n\t" XT " r9, r9, ror #8\n\t"
#define TH_MM3_L2 "ldr r7, [r0, r1]\n\tldr r6, [r0], #4\n\t"
#define TH_MM3_X2(XT) XT " r4, r6\n\t" XT " r5, r7\n\t" XT " r6, r6, ror #8\n\t" XT " r7, r7, ror #8\n\t"

#if !defined(TH_MM3_C)
__asm__(
    ".pushsection .text\n\t.syntax unified\n\t.thumb\n\t"
    /* one pair: a's 3 words, b's 2 words */
    ".macro th_mm3_step\n\t"
    "ldmia.w lr!, {r6, r7, r8}\n\tldrd r9, r10, [r11], #8\n\t"
    "smlad r0, r6, r9, r0\n\tsmlad r1, r6, r10, r1\n\tsmlad r2, r7, r9, r2\n\t"
    "smlad r3, r7, r10, r3\n\tsmlad r4, r8, r9, r4\n\tsmlad r5, r8, r10, r5\n\t"
    ".endm\n\t"
    TH_MM3_FN("th_mm3_tile", TH_MM3_NEXT_CB)
    TH_MM3_FN("th_mm3_tile_rb", TH_MM3_NEXT_RB)
    TH_MM3_WIDN("th_mm3_wid3n_s8", TH_MM3_S3, TH_MM3_L3, TH_MM3_X3("sxtb16"), "r9")
    TH_MM3_WIDN("th_mm3_wid3n_u8", TH_MM3_S3, TH_MM3_L3, TH_MM3_X3("uxtb16"), "r9")
    TH_MM3_WIDN("th_mm3_wid2n_s8", TH_MM3_S2, TH_MM3_L2, TH_MM3_X2("sxtb16"), "r7")
    ".purgem th_mm3_step\n\t"
    ".popsection\n");
void th_mm3_tile(const th_mm3_job *j);
void th_mm3_tile_rb(const th_mm3_job *j);
extern const uint8_t th_mm3_tile_end[], th_mm3_tile_exit[]; /* labels: last step's end, exit */
extern const uint8_t th_mm3_tile_rb_end[], th_mm3_tile_rb_exit[];
void th_mm3_wid3n_s8(const void *src, ptrdiff_t ld, uint32_t g_gap_units, uint32_t *dst);
void th_mm3_wid3n_u8(const void *src, ptrdiff_t ld, uint32_t g_gap_units, uint32_t *dst);
void th_mm3_wid2n_s8(const void *src, ptrdiff_t ld, uint32_t g_gap_units, uint32_t *dst);
#endif

/* `units` units of W rows (2: panel tiles of int8 b, 3: triples of a), unit u at src + u*W*ld, k
 * bytes per row, as unit u's stream at dst + u*(bw + W*npairs) + bw (the bw words in front are its
 * biases). The groups of 4 bytes of every unit in one assembly call, then the k % 4 tails in C; or
 * (-DTH_MM3_C) the C spec. */
static void th_mm3_widen(const void *src, ptrdiff_t ld, int32_t k, int32_t units, uint32_t *dst,
                         int W, int bw, int zext) {
  const int32_t g = k >> 2, r = k & 3, tailp = r == 3 ? 2 : r ? 1 : 0;
  const int32_t us = bw + W * (2 * g + tailp); /* words per unit */
  int32_t u;
  int c;
  if (g > 0) {
#if defined(TH_MM3_C)
    for (u = 0; u < units; u++)
      th_mm3_widen_c((const uint8_t *)src + u * W * ld, ld, g, dst + u * us + bw, W, zext);
#else
    const uint32_t arg = (uint32_t)g | (uint32_t)(W * tailp + bw) << 8 | (uint32_t)units << 16;
    if (W == 3) (zext ? th_mm3_wid3n_u8 : th_mm3_wid3n_s8)(src, ld, arg, dst + bw);
    else th_mm3_wid2n_s8(src, ld, arg, dst + bw);
#endif
  }
  if (r)
    for (u = 0; u < units; u++)
      for (c = 0; c < W; c++)
        th_mm3_tail((const uint8_t *)src + (u * W + c) * ld + 4 * g, zext, r,
                    dst + u * us + bw + 2 * W * g + c, W);
}

static void th_mm3_run(th_mm3_job *j, int rowbias) {
#if defined(TH_MM3_C)
  th_mm3_tile_c(j, rowbias);
#else
  (rowbias ? th_mm3_tile_rb : th_mm3_tile)(j);
#endif
}

/* For each head h < nh: out + h*ohs [i*rs + j] = rq(a_i . (b + h*bhs)_j + bias), i < m, j < n,
 * bias (at bias + h*biashs) per column j (rowbias == 0) or per row i (rowbias == 1), NULL for
 * none; a is uint8 when zext_a, b int8. a is widened once for all heads. Returns 0 (nothing
 * done) when the path does not apply. */
__attribute__((noinline)) static int th_mm3(const void *a, int zext_a, size_t lda, const int8_t *b,
                                            size_t ldb, size_t bhs, int32_t m, int32_t n, int32_t k,
                                            const int16_t *bias, size_t biashs, int rowbias,
                                            int32_t nh, th_rq rq, int8_t *out, ptrdiff_t rs,
                                            size_t ohs) {
  uint32_t buf[TH_MM3_WORDS > 0 ? TH_MM3_WORDS : 1];
  const int bw2 = TH_MM3_TILE_HEAD(rowbias), bw3 = TH_MM3_TRIPLE_HEAD(rowbias);
  const int32_t npairs = (k + 1) >> 1, tcw = bw2 + 2 * npairs, tw = bw3 + 3 * npairs; /* words */
#if defined(TH_MM3_C)
  const uint32_t entry = 1, exitw = 0; /* the C spec stops at bend */
#else
  /* the step that leaves npairs steps to run; the exit after the last tile */
  const uint32_t end = (uint32_t)(uintptr_t)(rowbias ? th_mm3_tile_rb_end : th_mm3_tile_end) & ~1u;
  const uint32_t entry = end - 32u * (uint32_t)npairs + 1u; /* Thumb: bit 0 set */
  const uint32_t exitw = (uint32_t)(uintptr_t)(rowbias ? th_mm3_tile_rb_exit : th_mm3_tile_exit) | 1u;
#endif
  int32_t M, nb, j0, w, i0, tb, c, h;
  if (TH_MM3_WORDS == 0 || m < 3 || n < 2 || k < 1 || nh < 1 || npairs > TH_MM3_KB ||
      !th_rq_fast_mul(rq, &M))
    return 0;
  /* every column in one panel when that leaves room for 3 triples; else (one head) chunks of an
   * even number of columns (a widened again per chunk: only worth it while k is short) */
  if (((n + 1) >> 1) * tcw + 2 * bw2 + 3 * tw <= TH_MM3_WORDS) {
    nb = n;
  } else {
    nb = (TH_MM3_WORDS - 2 * bw2 - 3 * tw) / tcw * 2;
    if (nh > 1 || nb < 4 || npairs > 32) return 0;
  }
  for (j0 = 0; j0 < n; j0 += w) {
    const int32_t left = n - j0;
    uint32_t *bend, *pover, *ablk;
    int32_t nt;
    th_mm3_job jb;
    w = left <= nb ? left : left - nb == 1 ? nb - 2 : nb; /* never a last chunk of 1 column */
    nt = w >> 1; /* tiles in step */
    /* the panel: nt tiles (j0, j0+1) ..., the exit words; for an odd w, (j0+w-2, j0+w-1) and its
     * exit words */
    bend = buf + (size_t)nt * tcw, pover = bend + bw2;
    ablk = pover + (w & 1) * (tcw + bw2);
    tb = (int32_t)((buf + TH_MM3_WORDS - ablk) / tw) - 1; /* whole triples per block (+1 overlap) */
    jb.M = M, jb.npairs = npairs, jb.stride = 4 * tw;
    for (i0 = 0; i0 < m; i0 += 3 * tb) {
      const int32_t rows = m - i0 < 3 * tb ? m - i0 : 3 * tb, T = rows / 3;
      int32_t t, pass;
      /* the whole triples, then (rows % 3) the overlapping one */
      if (T > 0)
        th_mm3_widen((const uint8_t *)a + (size_t)i0 * lda, (ptrdiff_t)lda, k, T, ablk, 3, bw3, zext_a);
      if (rows % 3)
        th_mm3_widen((const uint8_t *)a + (size_t)(i0 + rows - 3) * lda, (ptrdiff_t)lda, k, 1,
                     ablk + (size_t)T * tw, 3, bw3, zext_a);
      if (rowbias) /* the triples' starting sums */
        for (t = 0; t <= T; t++) {
          const int32_t i = t < T ? i0 + 3 * t : i0 + rows - 3;
          uint32_t *p = ablk + (size_t)t * tw;
          if (t == T && rows % 3 == 0) break;
          p[0] = p[1] = (uint32_t)TH_BIAS(bias, i);
          p[2] = p[3] = (uint32_t)TH_BIAS(bias, i + 1);
          p[4] = p[5] = (uint32_t)TH_BIAS(bias, i + 2);
        }
      for (h = 0; h < nh; h++) {
        const int8_t *bh = b + h * bhs;
        const int16_t *biash = bias && !rowbias ? bias + h * biashs : NULL;
        if (i0 == 0 || nh > 1) { /* the panel */
          if (nt > 0) th_mm3_widen(bh + (size_t)j0 * ldb, (ptrdiff_t)ldb, k, nt, buf, 2, bw2, 0);
          if (w & 1)
            th_mm3_widen(bh + (size_t)(j0 + w - 2) * ldb, (ptrdiff_t)ldb, k, 1, pover, 2, bw2, 0);
          for (c = 0; c < nt + (w & 1); c++) { /* the tiles' first words */
            const int32_t j = c < nt ? j0 + 2 * c : j0 + w - 2;
            uint32_t *p = c < nt ? buf + (size_t)c * tcw : pover;
            if (!rowbias) {
              p[0] = p[2] = p[4] = (uint32_t)TH_BIAS(biash, j);
              p[1] = p[3] = p[5] = (uint32_t)TH_BIAS(biash, j + 1);
            }
            p[bw2 - 1] = entry;
          }
          for (c = 0; c < 1 + (w & 1); c++) { /* the exit words */
            uint32_t *p = c == 0 ? bend : pover + tcw;
            int q;
            for (q = 0; q < bw2 - 1; q++) p[q] = 0;
            p[bw2 - 1] = exitw;
          }
        }
        for (pass = 0; pass < 4; pass++) { /* tiles x triples: in step / overlapping */
          const int over_c = pass & 1, over_r = pass >> 1;
          if (over_c && !(w & 1)) continue;
          if (over_r ? rows % 3 == 0 : T == 0) continue;
          jb.pw = over_c ? pover : buf, jb.bend = over_c ? pover + tcw : bend;
          jb.a = ablk + (over_r ? (size_t)T * tw : 0), jb.triples = over_r ? 1 : T;
          jb.orow = out + h * ohs + (ptrdiff_t)(over_r ? i0 + rows - 3 : i0) * rs + j0 +
                    (over_c ? w - 2 : 0);
          jb.rs3 = (int32_t)(3 * rs);
          jb.r1m2 = (int32_t)rs - 2, jb.r1m1 = (int32_t)rs - 1;
          jb.r2m2 = (int32_t)(2 * rs) - 2, jb.r2m1 = (int32_t)(2 * rs) - 1;
          th_mm3_run(&jb, rowbias);
        }
      }
    }
  }
  return 1;
}

#elif defined(TH_ISA_SSE2)
/* ==== x86 SSE2 tiles ===================================================== */

/* 8 bytes -> 8 int16 lanes (sign- or zero-extended). */
TH_INLINE __m128i th_ld8_i8(const int8_t *p) {
  __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)p);
  return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
}
TH_INLINE __m128i th_ld8_u8(const uint8_t *p) {
  return _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)p), _mm_setzero_si128());
}
/* Four horizontal sums at once: r[i] = sum of the lanes of ci. */
TH_INLINE void th_hsum4(__m128i c0, __m128i c1, __m128i c2, __m128i c3, int32_t *r) {
  __m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(c0, c1), _mm_unpackhi_epi32(c0, c1));
  __m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(c2, c3), _mm_unpackhi_epi32(c2, c3));
  _mm_storeu_si128((__m128i *)(void *)r,
                   _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23)));
}
TH_INLINE int32_t th_hsum(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4E));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xB1));
  return _mm_cvtsi128_si32(v);
}
/* PMADDWD: 8 int16 products summed pairwise into 4 int32 lanes (exact here). */
#define TH_MADD(acc, x, y) acc = _mm_add_epi32(acc, _mm_madd_epi16(x, y))

#define TH_SSE2_TILES(TA, SFX)                                                              \
  TH_INLINE void th_tmain_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb,       \
                                int32_t k, int32_t c[2 * TH_TM]) {                          \
    const TA *a0 = a, *a1 = a + lda, *a2 = a1 + lda, *a3 = a2 + lda;                        \
    const int8_t *b0 = b, *b1 = b + ldb;                                                    \
    __m128i c00 = _mm_setzero_si128(), c01 = c00, c10 = c00, c11 = c00;                    \
    __m128i c20 = c00, c21 = c00, c30 = c00, c31 = c00;                                     \
    int32_t q = 0;                                                                          \
    for (; q + 8 <= k; q += 8) {                                                            \
      __m128i w0 = th_ld8_i8(b0 + q), w1 = th_ld8_i8(b1 + q), x;                            \
      x = th_ld8_##SFX(a0 + q); TH_MADD(c00, x, w0); TH_MADD(c01, x, w1);                   \
      x = th_ld8_##SFX(a1 + q); TH_MADD(c10, x, w0); TH_MADD(c11, x, w1);                   \
      x = th_ld8_##SFX(a2 + q); TH_MADD(c20, x, w0); TH_MADD(c21, x, w1);                   \
      x = th_ld8_##SFX(a3 + q); TH_MADD(c30, x, w0); TH_MADD(c31, x, w1);                   \
    }                                                                                       \
    th_hsum4(c00, c01, c10, c11, c);                                                        \
    th_hsum4(c20, c21, c30, c31, c + 4);                                                    \
    if (q < k) {                                                                            \
      c[0] += th_dot1_##SFX(a0, b0, q, k), c[1] += th_dot1_##SFX(a0, b1, q, k);             \
      c[2] += th_dot1_##SFX(a1, b0, q, k), c[3] += th_dot1_##SFX(a1, b1, q, k);             \
      c[4] += th_dot1_##SFX(a2, b0, q, k), c[5] += th_dot1_##SFX(a2, b1, q, k);             \
      c[6] += th_dot1_##SFX(a3, b0, q, k), c[7] += th_dot1_##SFX(a3, b1, q, k);             \
    }                                                                                       \
  }                                                                                         \
  TH_INLINE int32_t th_tdot_##SFX(const TA *a, const int8_t *b, int32_t k) {                \
    __m128i c0 = _mm_setzero_si128();                                                       \
    int32_t q = 0;                                                                          \
    for (; q + 8 <= k; q += 8) TH_MADD(c0, th_ld8_##SFX(a + q), th_ld8_i8(b + q));          \
    return th_hsum(c0) + th_dot1_##SFX(a, b, q, k);                                         \
  }

TH_SSE2_TILES(int8_t, i8)
TH_SSE2_TILES(uint8_t, u8)

/* ==== x86 AVX2 tiles (host builds with GCC/Clang; chosen at run time) ===== *
 * Same tiles 16 bytes at a time: VPMOVSXBW/VPMOVZXBW widen 16 int8 in one
 * instruction and VPMADDWD does 16 products. Compiled with the avx2 target
 * attribute and called only when the CPU reports AVX2, so the binary still runs
 * on any x86-64. TH_NO_AVX2 leaves the SSE2 tiles alone (the self-test checks both). */
#if !defined(TH_NO_AVX2) && (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__x86_64__) || defined(__i386__))
#define TH_ISA_AVX2 1
#include <immintrin.h>
#define TH_AVX2 __attribute__((target("avx2")))
TH_AVX2 static inline __m256i th_ld16_i8(const int8_t *p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}
TH_AVX2 static inline __m256i th_ld16_u8(const uint8_t *p) {
  return _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}
TH_AVX2 static inline __m128i th_fold(__m256i v) {
  return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}
#define TH_MADD256(acc, x, y) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y))

#define TH_AVX2_TILES(TA, SFX)                                                              \
  TH_AVX2 static inline void th_tmain_##SFX##_avx2(const TA *a, size_t lda, const int8_t *b, \
                                                   size_t ldb, int32_t k, int32_t c[8]) {   \
    const TA *a0 = a, *a1 = a + lda, *a2 = a1 + lda, *a3 = a2 + lda;                        \
    const int8_t *b0 = b, *b1 = b + ldb;                                                    \
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;                 \
    __m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;                                     \
    int32_t q = 0;                                                                          \
    for (; q + 16 <= k; q += 16) {                                                          \
      __m256i w0 = th_ld16_i8(b0 + q), w1 = th_ld16_i8(b1 + q), x;                          \
      x = th_ld16_##SFX(a0 + q); TH_MADD256(c00, x, w0); TH_MADD256(c01, x, w1);            \
      x = th_ld16_##SFX(a1 + q); TH_MADD256(c10, x, w0); TH_MADD256(c11, x, w1);            \
      x = th_ld16_##SFX(a2 + q); TH_MADD256(c20, x, w0); TH_MADD256(c21, x, w1);            \
      x = th_ld16_##SFX(a3 + q); TH_MADD256(c30, x, w0); TH_MADD256(c31, x, w1);            \
    }                                                                                       \
    th_hsum4(th_fold(c00), th_fold(c01), th_fold(c10), th_fold(c11), c);                    \
    th_hsum4(th_fold(c20), th_fold(c21), th_fold(c30), th_fold(c31), c + 4);                \
    if (q < k) {                                                                            \
      c[0] += th_dot1_##SFX(a0, b0, q, k), c[1] += th_dot1_##SFX(a0, b1, q, k);             \
      c[2] += th_dot1_##SFX(a1, b0, q, k), c[3] += th_dot1_##SFX(a1, b1, q, k);             \
      c[4] += th_dot1_##SFX(a2, b0, q, k), c[5] += th_dot1_##SFX(a2, b1, q, k);             \
      c[6] += th_dot1_##SFX(a3, b0, q, k), c[7] += th_dot1_##SFX(a3, b1, q, k);             \
    }                                                                                       \
  }                                                                                         \
  TH_AVX2 static inline int32_t th_tdot_##SFX##_avx2(const TA *a, const int8_t *b,          \
                                                     int32_t k) {                           \
    __m256i c0 = _mm256_setzero_si256();                                                    \
    int32_t q = 0;                                                                          \
    for (; q + 16 <= k; q += 16) TH_MADD256(c0, th_ld16_##SFX(a + q), th_ld16_i8(b + q));   \
    return th_hsum(th_fold(c0)) + th_dot1_##SFX(a, b, q, k);                                \
  }

TH_AVX2_TILES(int8_t, i8)
TH_AVX2_TILES(uint8_t, u8)
#endif

#else
/* ==== portable tiles ===================================================== */

/* 4 rows of a x 2 rows of b, 8 independent int32 accumulators over contiguous
 * bytes: the k loop auto-vectorises (widening multiply-add) at -O3. */
#define TH_C_TILES(TA, SFX)                                                                 \
  TH_INLINE void th_tmain_##SFX(const TA *a, size_t lda, const int8_t *b, size_t ldb,       \
                                int32_t k, int32_t c[2 * TH_TM]) {                          \
    const TA *TH_RESTRICT a0 = a, *TH_RESTRICT a1 = a + lda;                                \
    const TA *TH_RESTRICT a2 = a1 + lda, *TH_RESTRICT a3 = a2 + lda;                        \
    const int8_t *TH_RESTRICT b0 = b, *TH_RESTRICT b1 = b + ldb;                            \
    int32_t c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0, q;      \
    for (q = 0; q < k; q++) {                                                               \
      int32_t w0 = b0[q], w1 = b1[q];                                                       \
      c00 += a0[q] * w0; c01 += a0[q] * w1;                                                 \
      c10 += a1[q] * w0; c11 += a1[q] * w1;                                                 \
      c20 += a2[q] * w0; c21 += a2[q] * w1;                                                 \
      c30 += a3[q] * w0; c31 += a3[q] * w1;                                                 \
    }                                                                                       \
    c[0] = c00, c[1] = c01, c[2] = c10, c[3] = c11;                                         \
    c[4] = c20, c[5] = c21, c[6] = c30, c[7] = c31;                                         \
  }                                                                                         \
  TH_INLINE int32_t th_tdot_##SFX(const TA *a, const int8_t *b, int32_t k) {                \
    return th_dot1_##SFX(a, b, 0, k);                                                       \
  }

TH_C_TILES(int8_t, i8)
TH_C_TILES(uint8_t, u8)
#endif

/* ==== driver ============================================================== */

/* TH_TM x 2 main tiles, then the odd column (TH_TM x 1) and the row tail (1 x 1).
 * VAR names the tile variant (empty, or _avx2). */
#define TH_MM_DRIVER(TA, SFX, VAR)                                                             \
  int32_t i = 0, j, r;                                                                      \
  for (; i + TH_TM <= m; i += TH_TM) {                                                      \
    const TA *ai = a + (size_t)i * lda;                                                     \
    int8_t *o = out + (ptrdiff_t)i * rs;                                                    \
    for (j = 0; j + 2 <= n; j += 2) {                                                       \
      int32_t c[2 * TH_TM], bj0 = TH_BIAS(bias, j), bj1 = TH_BIAS(bias, j + 1);             \
      th_tmain_##SFX##VAR(ai, lda, b + (size_t)j * ldb, ldb, k, c);                              \
      for (r = 0; r < TH_TM; r++) {                                                         \
        o[r * rs + j * cs] = th_rq32(c[2 * r] + bj0, rq.mul, rq.div);                       \
        o[r * rs + (j + 1) * cs] = th_rq32(c[2 * r + 1] + bj1, rq.mul, rq.div);             \
      }                                                                                     \
    }                                                                                       \
    for (; j < n; j++)                                                                      \
      for (r = 0; r < TH_TM; r++)                                                           \
        o[r * rs + j * cs] = th_rq32(                                                       \
            th_tdot_##SFX##VAR(ai + (size_t)r * lda, b + (size_t)j * ldb, k) + TH_BIAS(bias, j), \
            rq.mul, rq.div);                                                                \
  }                                                                                         \
  for (; i < m; i++)                                                                        \
    for (j = 0; j < n; j++)                                                                 \
      out[(ptrdiff_t)i * rs + j * cs] = th_rq32(                                            \
          th_tdot_##SFX##VAR(a + (size_t)i * lda, b + (size_t)j * ldb, k) + TH_BIAS(bias, j), \
          rq.mul, rq.div);

/* Rows longer than TH_MM_K32_MAX: exact int64 accumulation, no tiling (rare shapes). */
static void th_mm_i8_wide(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m,
                          int32_t n, int32_t k, const int16_t *bias, th_rq rq, int8_t *out,
                          ptrdiff_t rs, ptrdiff_t cs) {
  int32_t i, j, q;
  for (i = 0; i < m; i++) {
    for (j = 0; j < n; j++) {
      const int8_t *ar = a + (size_t)i * lda, *br = b + (size_t)j * ldb;
      int64_t acc = TH_BIAS(bias, j);
      for (q = 0; q < k; q++) acc += (int32_t)ar[q] * br[q];
      out[(ptrdiff_t)i * rs + (ptrdiff_t)j * cs] = th_rq_wide(acc, 1, rq.mul, rq.div);
    }
  }
}

#if defined(TH_ISA_AVX2)
TH_AVX2 static void th_mm_i8_avx2(const int8_t *a, size_t lda, const int8_t *b, size_t ldb,
                                  int32_t m, int32_t n, int32_t k, const int16_t *bias, th_rq rq,
                                  int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  TH_MM_DRIVER(int8_t, i8, _avx2)
}
TH_AVX2 static void th_mm_u8_avx2(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb,
                                  int32_t m, int32_t n, int32_t k, th_rq rq, int8_t *out,
                                  ptrdiff_t rs, ptrdiff_t cs) {
  const int16_t *bias = NULL;
  TH_MM_DRIVER(uint8_t, u8, _avx2)
}
/* The CPU check reads libgcc's cpu model (set up before main); nothing here is written. */
#define TH_HAVE_AVX2() __builtin_cpu_supports("avx2")
#endif

void th_mm_i8(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
              int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  if (k > TH_MM_K32_MAX) {
    th_mm_i8_wide(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs);
    return;
  }
#if defined(TH_ISA_AVX2)
  if (TH_HAVE_AVX2()) {
    th_mm_i8_avx2(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs);
    return;
  }
#endif
#if defined(TH_ISA_DSP)
  /* row-major output: the 3x2 path; column-major (linear_v): the same with a and b swapped */
  if (cs == 1 && th_mm3(a, 0, lda, b, ldb, 0, m, n, k, bias, 0, TH_MM3_COLBIAS, 1, rq, out, rs, 0))
    return;
  if (rs == 1 && cs != 1 &&
      th_mm3(b, 0, ldb, a, lda, 0, n, m, k, bias, 0, TH_MM3_ROWBIAS, 1, rq, out, cs, 0))
    return;
  if (m >= 2 && k >= 4) {
    th_dsp_mm_i8(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs, 0);
    return;
  }
#endif
#if defined(__riscv) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
  th_rv_mm_i8(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs); /* th_matmul_rv32.c */
  return;
#endif
  {
    TH_MM_DRIVER(int8_t, i8, )
  }
}

void th_mm_u8(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
              int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  const int16_t *bias = NULL;
#if defined(TH_ISA_AVX2)
  if (TH_HAVE_AVX2()) {
    th_mm_u8_avx2(a, lda, b, ldb, m, n, k, rq, out, rs, cs);
    return;
  }
#endif
#if defined(TH_ISA_DSP)
  if (cs == 1 && th_mm3(a, 1, lda, b, ldb, 0, m, n, k, NULL, 0, TH_MM3_COLBIAS, 1, rq, out, rs, 0))
    return;
  if (m >= 2 && k >= 4) {
    th_dsp_mm_u8(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs, 0);
    return;
  }
#endif
#if defined(__riscv) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
  th_rv_mm_u8(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs); /* th_matmul_rv32.c */
  return;
#endif
  {
    TH_MM_DRIVER(uint8_t, u8, )
  }
}

/* th_mm_i8 for nh heads that share a: head h multiplies by b + h*bhs, adds bias + h*biashs and
 * writes at out + h*ohs (linear_qk: every head projects the same input rows). The DSP path
 * widens a once for all heads. */
void th_mm_i8_heads(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, size_t bhs, int32_t m,
                    int32_t n, int32_t k, const int16_t *bias, size_t biashs, int32_t nh, th_rq rq,
                    int8_t *out, ptrdiff_t rs, size_t ohs) {
  int32_t h;
#if defined(TH_ISA_DSP)
  if (th_mm3(a, 0, lda, b, ldb, bhs, m, n, k, bias, biashs, TH_MM3_COLBIAS, nh, rq, out, rs, ohs))
    return;
#endif
  for (h = 0; h < nh; h++)
    th_mm_i8(a, lda, b + h * bhs, ldb, m, n, k, bias ? bias + h * biashs : NULL, rq, out + h * ohs,
             rs, 1);
}

#if defined(TH_ISA_DSP)
#define TH_DSP_RB 32 /* rows per call of the per-row-bias asm (768 B of starting sums) */
/* out[i*rs + j*cs] = rq(a_i . b_j + bias[i]): a bias per row of a, so mhsa_dft can put its small
 * tile on the panel side (b) of the Q and output projections. Does nothing and returns 0 unless
 * m >= 2, 4 <= k <= 4*TH_DSP_KG and the fast rq applies (the caller then takes th_mm_i8). */
int th_mm_i8_rowbias(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                     int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs,
                     ptrdiff_t cs) {
  uint32_t pw[2 * TH_DSP_NC * TH_DSP_KG];
  int32_t rb[TH_DSP_RB * TH_DSP_NC], M = 0, j, i0, r;
  const int32_t k4 = k >> 2, G = k4 + ((k & 3) != 0);
  int c, nc = 1;
  if (m < 2 || k < 4 || G > TH_DSP_KG || !th_rq_fast_mul(rq, &M)) return 0;
  for (j = 0; j < n; j += nc) {
    const int32_t left = n - j;
    nc = left >= 6 ? (left == 8 ? 4 : 6) : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    th_dsp_widen(b + (size_t)j * ldb, ldb, nc, 0, G, k, pw, 0);
    for (i0 = 0; i0 < m; i0 += TH_DSP_RB) {
      const int32_t rows = m - i0 < TH_DSP_RB ? m - i0 : TH_DSP_RB;
      const int8_t *ai = a + (size_t)i0 * lda;
      int8_t *o = out + (ptrdiff_t)i0 * rs + (ptrdiff_t)j * cs;
      for (r = 0; r < rows; r++)
        for (c = 0; c < nc; c++) rb[r * nc + c] = bias[i0 + r];
      if (nc & 1) {
        th_dsp_rows_nc_i8(ai, lda, rows, pw, 0, k4, (k & 3) ? k - 4 : -1, nc, rb, (size_t)nc, NULL,
                          o, rs, cs, rq, 1, M);
      } else {
        th_dsp_job jb;
        jb.bias = rb, jb.entry = (uint32_t)k4, jb.pw = pw, jb.turns = 0, jb.a = ai, jb.o = o;
        jb.rows = rows, jb.M = M, jb.cs = (int32_t)cs, jb.rs = (int32_t)rs;
        jb.lda = (int32_t)lda, jb.tail = (k & 3) != 0, jb.tail_off = k - 4;
        if (nc == 6) th_dsp_rows6_i8_rb(&jb);
        else if (nc == 4) th_dsp_rows4_i8_rb(&jb);
        else th_dsp_rows2_i8_rb(&jb);
      }
    }
  }
  return 1;
}

/* Rows of int8 a streamed past a panel of int8 b (the DSP panel path whatever the output layout,
 * no bias): lets mhsa_dft stream the big K_h past a panel of its small Q tile. m >= 2, k >= 4
 * (else th_mm_i8). */
void th_mm_i8_panel(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                    int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  if (m >= 2 && k >= 4 && k <= TH_MM_K32_MAX) th_dsp_mm_i8(a, lda, b, ldb, m, n, k, NULL, rq, out, rs, cs, 0);
  else th_mm_i8(a, lda, b, ldb, m, n, k, NULL, rq, out, rs, cs);
}

/* The 3x2 path alone (no bias, row-major out): a (int8, or uint8 when zext_a) as row triples, b
 * widened per call. Returns 0 (nothing done) when it does not apply (m < 3, n < 2, k above the
 * unrolled loop, rq outside the fast form, operands that do not fit TH_MM3_WORDS, or no 3x2 path
 * on this board): lets mhsa_dft choose it for large tiles and keep its panel path otherwise. */
int th_mm_3x2(const void *a, int zext_a, size_t lda, const int8_t *b, size_t ldb, int32_t m,
              int32_t n, int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs) {
  return th_mm3(a, zext_a, lda, b, ldb, 0, m, n, k, NULL, 0, TH_MM3_COLBIAS, 1, rq, out, rs, 0);
}

/* Rows of int8 a times rows of UINT8 b (the DSP panel zero-extends b): lets mhsa_dft stream the
 * big V_h past a panel of its small probability tile instead of widening V_h per tile. Same
 * sums as th_mm_u8 with the operands swapped, so the same bytes. k <= 65535. */
void th_mm_i8_u8b(const int8_t *a, size_t lda, const uint8_t *b, size_t ldb, int32_t m, int32_t n,
                  int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  int32_t i, j, q;
  if (m >= 2 && k >= 4) {
    th_dsp_mm_i8(a, lda, (const int8_t *)b, ldb, m, n, k, NULL, rq, out, rs, cs, 1);
    return;
  }
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) {
      int32_t c = 0;
      for (q = 0; q < k; q++) c += a[(size_t)i * lda + q] * b[(size_t)j * ldb + q];
      out[(ptrdiff_t)i * rs + (ptrdiff_t)j * cs] = th_rq32(c, rq.mul, rq.div);
    }
}
#endif
