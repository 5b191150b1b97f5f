/* th_softmax.c - kernel 6 `softmax` and the I-BERT integer softmax row shared by the attention kernels. */
#include "th_internal.h"

/* y(d) for d = max - x: z = floor(d / 5), p = 5z - d, y = ((p + 7)^2 + 24) >> z.
 * y(d) = 0 for every d >= 31 (z > 31 never happens before that): index min(d, 31). */
#define TH_Y_LEN 32
static const uint8_t th_y_of_d[TH_Y_LEN] = {73, 60, 49, 40, 33, 36, 30, 24, 20, 16, 18,
                                            15, 12, 10, 8,  9,  7,  6,  5,  4,  4,  3,
                                            3,  2,  2,  2,  1,  1,  1,  1,  1,  0};

TH_INLINE int32_t th_d_index(int32_t m, int32_t x) {
  int32_t d = m - x;
  return d < TH_Y_LEN - 1 ? d : TH_Y_LEN - 1;
}


#if defined(__ARM_FEATURE_DSP) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
/* ==== ARMv7E-M DSP rows (same bytes as the portable row below, its spec) ====
 * Four scores per word, no branch per element:
 *  - max: SSUB8 + SEL per word, across the four lanes by the same on the word rotated by 16 and
 *    8 (every lane then holds the max: the broadcast max word for free);
 *  - d = max - x for four at once by USUB8 (0 <= d <= 255 fits a byte, so the byte-wise
 *    difference is d exactly), e = 31 - min(d, 31) by one UQSUB8 from 31 per byte;
 *  - the sum looks up y of TWO scores at once: th_y2[e0 + 256*e1] = y(31-e0) + y(31-e1), indexed
 *    by a halfword of e (UXTH, LSR #16): two loads and two adds per four scores;
 *  - the row's output table 255*y(d)/sum (23 divisions: equal y share one; four quotients
 *    packed per store), looked up by the bytes of d (entries 32..255 zero, set once per call);
 *  - the n % 4 tail is one more word ending at x + n - 4 (re-reading scores already counted: their
 *    e is masked to 0 for the sum, and their output bytes are rewritten with the same values). */
#include <arm_acle.h>
#include <string.h>
#define TH_BYTES_MAX_SIGNED(x4, m4) (__ssub8((x4), (m4)), __sel((x4), (m4))) /* per byte max(x, m) */
#define TH_BYTES_SUB(a4, b4) __usub8((a4), (b4))        /* per byte a - b mod 256 */
#define TH_BYTES_SUB_SAT(a4, b4) __uqsub8((a4), (b4))   /* per byte max(a - b, 0), unsigned */
#define TH_ROR(w, r) (((w) >> (r)) | ((w) << (32 - (r))))
#define TH_BYTE(w, i) (((w) >> (8 * (i))) & 0xFFu)
#define TH_E4(m4, x4) TH_BYTES_SUB_SAT(0x1F1F1F1Fu, TH_BYTES_SUB((m4), (x4))) /* 31 - min(d, 31) */

/* y(d) = ((5z - d + 7)^2 + 24) >> z, z = d / 5, as a constant expression (0 from d = 31 on). */
#define TH_YD(d) ((((5 * ((d) / 5) - (d) + 7) * (5 * ((d) / 5) - (d) + 7)) + 24) >> ((d) / 5))
#define TH_YE(e) ((e) == 0 ? 0 : TH_YD(31 - (e))) /* y by e = 31 - min(d, 31) */
#define TH_Y2_4(e1, e0) TH_YE(e0) + TH_YE(e1), TH_YE(e0 + 1) + TH_YE(e1), TH_YE(e0 + 2) + TH_YE(e1), \
                        TH_YE(e0 + 3) + TH_YE(e1)
#define TH_Y2_ROW(e1) [256 * (e1)] = TH_Y2_4(e1, 0), TH_Y2_4(e1, 4), TH_Y2_4(e1, 8), TH_Y2_4(e1, 12),  \
                                     TH_Y2_4(e1, 16), TH_Y2_4(e1, 20), TH_Y2_4(e1, 24), TH_Y2_4(e1, 28)
/* th_y2[e0 + 256*e1] = y(31-e0) + y(31-e1) for e0, e1 < 32 (<= 146); the gaps are never read. */
static const uint8_t th_y2[256 * 31 + 32] = {
    TH_Y2_ROW(0),  TH_Y2_ROW(1),  TH_Y2_ROW(2),  TH_Y2_ROW(3),  TH_Y2_ROW(4),  TH_Y2_ROW(5),
    TH_Y2_ROW(6),  TH_Y2_ROW(7),  TH_Y2_ROW(8),  TH_Y2_ROW(9),  TH_Y2_ROW(10), TH_Y2_ROW(11),
    TH_Y2_ROW(12), TH_Y2_ROW(13), TH_Y2_ROW(14), TH_Y2_ROW(15), TH_Y2_ROW(16), TH_Y2_ROW(17),
    TH_Y2_ROW(18), TH_Y2_ROW(19), TH_Y2_ROW(20), TH_Y2_ROW(21), TH_Y2_ROW(22), TH_Y2_ROW(23),
    TH_Y2_ROW(24), TH_Y2_ROW(25), TH_Y2_ROW(26), TH_Y2_ROW(27), TH_Y2_ROW(28), TH_Y2_ROW(29),
    TH_Y2_ROW(30), TH_Y2_ROW(31)};

TH_INLINE uint32_t th_ld4(const void *p) {
  uint32_t w;
  memcpy(&w, p, 4);
  return w;
}
TH_INLINE void th_st4(void *p, uint32_t w) { memcpy(p, &w, 4); }

/* y(e0) + y(e1) + y(e2) + y(e3) for the four bytes of e4 */
#define TH_SUM4(y2, e4) ((uint32_t)(y2)[(e4) & 0xFFFFu] + (y2)[(e4) >> 16])
/* the output word of four d bytes */
#define TH_OUT4(lut, d4) ((lut)[TH_BYTE(d4, 0)] | (uint32_t)(lut)[TH_BYTE(d4, 1)] << 8 | \
                          (uint32_t)(lut)[TH_BYTE(d4, 2)] << 16 | (uint32_t)(lut)[(d4) >> 24] << 24)

/* One row, n > 32; lut: 256 bytes (word aligned) whose entries 32..255 are 0. */
static void th_isoftmax_row_dsp(const int8_t *x, uint8_t *out, int32_t n, uint8_t *lut) {
  const uint8_t *y2 = th_y2;
  const int8_t *p, *end16 = x + (n & ~15);
  uint32_t m4 = 0x80808080u, sum = 0, xt, t, d4, e4;
  uint8_t *o;
  /* keep the tables in base registers (GCC otherwise re-derives their addresses per byte) */
  __asm__("" : "+r"(lut), "+r"(y2));
  /* max: sixteen per turn, the 8..15 left as two words, 4..7 as one and the last word (n >= 4:
   * they may overlap, harmless for a max) */
  for (p = x; p < end16; p += 16) {
    m4 = TH_BYTES_MAX_SIGNED(th_ld4(p), m4), m4 = TH_BYTES_MAX_SIGNED(th_ld4(p + 4), m4);
    m4 = TH_BYTES_MAX_SIGNED(th_ld4(p + 8), m4), m4 = TH_BYTES_MAX_SIGNED(th_ld4(p + 12), m4);
  }
  if (n & 8) m4 = TH_BYTES_MAX_SIGNED(th_ld4(p), m4), m4 = TH_BYTES_MAX_SIGNED(th_ld4(p + 4), m4), p += 8;
  if ((n & 7) > 4) m4 = TH_BYTES_MAX_SIGNED(th_ld4(p), m4);
  xt = th_ld4(x + n - 4); /* before any output is written: x and out may alias */
  m4 = TH_BYTES_MAX_SIGNED(xt, m4);
  t = TH_ROR(m4, 16), m4 = TH_BYTES_MAX_SIGNED(t, m4);
  t = TH_ROR(m4, 8), m4 = TH_BYTES_MAX_SIGNED(t, m4); /* every lane = max */
  /* sum of y(d): sixteen per turn, then 8, 4 and the last word */
  for (p = x; p < end16; p += 16) {
    uint32_t e4a = TH_E4(m4, th_ld4(p)), e4b = TH_E4(m4, th_ld4(p + 4));
    uint32_t e4c = TH_E4(m4, th_ld4(p + 8)), e4d = TH_E4(m4, th_ld4(p + 12));
    sum += TH_SUM4(y2, e4a) + TH_SUM4(y2, e4b) + TH_SUM4(y2, e4c) + TH_SUM4(y2, e4d);
  }
  if (n & 8) {
    uint32_t f4 = TH_E4(m4, th_ld4(p + 4));
    e4 = TH_E4(m4, th_ld4(p)), p += 8;
    sum += TH_SUM4(y2, e4) + TH_SUM4(y2, f4);
  }
  if (n & 4) e4 = TH_E4(m4, th_ld4(p)), sum += TH_SUM4(y2, e4);
  if (n & 3) { /* the last word: its first 4 - n % 4 bytes are counted already (e = 0: y = 0) */
    e4 = TH_E4(m4, xt) & (0xFFFFFFFFu << (8 * (4 - (n & 3))));
    sum += TH_SUM4(y2, e4);
  }
  /* the row's table: 255*y(d)/sum <= 255 as sum >= y(0) >= y(d); four entries per word */
  /* (constant numerators: equal ones, y = 4, 3, 2, 1, share one division; 31 gives 0) */
#define TH_Q(d) ((255u * TH_YD(d)) / sum)
#define TH_LUT4(i) th_st4(lut + 4 * (i), TH_Q(4 * (i)) | TH_Q(4 * (i) + 1) << 8 | TH_Q(4 * (i) + 2) << 16 | \
                                           TH_Q(4 * (i) + 3) << 24)
  TH_LUT4(0), TH_LUT4(1), TH_LUT4(2), TH_LUT4(3), TH_LUT4(4), TH_LUT4(5), TH_LUT4(6), TH_LUT4(7);
#undef TH_LUT4
#undef TH_Q
  /* output: each word of x is read before the word of out over it is written */
  for (p = x, o = out; p < end16; p += 16, o += 16) {
    uint32_t d4a = TH_BYTES_SUB(m4, th_ld4(p)), d4b = TH_BYTES_SUB(m4, th_ld4(p + 4));
    th_st4(o, TH_OUT4(lut, d4a)), th_st4(o + 4, TH_OUT4(lut, d4b));
    d4a = TH_BYTES_SUB(m4, th_ld4(p + 8)), d4b = TH_BYTES_SUB(m4, th_ld4(p + 12));
    th_st4(o + 8, TH_OUT4(lut, d4a)), th_st4(o + 12, TH_OUT4(lut, d4b));
  }
  if (n & 8) {
    uint32_t f4 = TH_BYTES_SUB(m4, th_ld4(p + 4));
    d4 = TH_BYTES_SUB(m4, th_ld4(p)), p += 8;
    th_st4(o, TH_OUT4(lut, d4)), th_st4(o + 4, TH_OUT4(lut, f4)), o += 8;
  }
  if (n & 4) d4 = TH_BYTES_SUB(m4, th_ld4(p)), th_st4(o, TH_OUT4(lut, d4));
  if (n & 3) d4 = TH_BYTES_SUB(m4, xt), th_st4(out + n - 4, TH_OUT4(lut, d4)); /* same bytes again */
}
#undef TH_SUM4
#undef TH_OUT4
#define TH_SOFTMAX_DSP 1
#endif


void th_isoftmax_rows(const int8_t *x, uint8_t *out, int32_t n, int32_t rows, size_t rs) {
  int32_t i;
#if defined(TH_SOFTMAX_DSP)
  if (n > TH_Y_LEN) { /* the table pays for itself on longer rows */
    uint32_t lut[64]; /* 256 bytes, word aligned */
    memset(lut, 0, sizeof lut);
    for (i = 0; i < rows; i++) th_isoftmax_row_dsp(x + i * rs, out + i * rs, n, (uint8_t *)lut);
    return;
  }
#elif defined(__riscv) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
  if (n >= 8) { /* 25 divisions per row instead of n: fewer instructions from 8 on */
    th_rv_isoftmax_rows(x, out, n, rows, rs); /* th_softmax_rv32.c */
    return;
  }
#endif
  for (i = 0; i < rows; i++) th_isoftmax_row(x + i * rs, out + i * rs, n);
}

/* ==== portable row: the spec ============================================ */
void th_isoftmax_row(const int8_t *x, uint8_t *out, int32_t n) {
  int32_t j, m = x[0];
  uint32_t sum = 0; /* <= 73 * 65535 */
  for (j = 1; j < n; j++) m = x[j] > m ? x[j] : m;
  for (j = 0; j < n; j++) sum += th_y_of_d[th_d_index(m, x[j])];
  if (n > TH_Y_LEN) {
    /* out depends on d only through min(d, 31): 32 divisions per row, not n. */
    uint8_t lut[TH_Y_LEN];
    for (j = 0; j < TH_Y_LEN; j++) lut[j] = th_clamp_u8((int64_t)(th_y_of_d[j] * 255u / sum));
    for (j = 0; j < n; j++) out[j] = lut[th_d_index(m, x[j])];
  } else {
    /* x and out may alias: x[j] is read before out[j] is written. */
    for (j = 0; j < n; j++)
      out[j] = th_clamp_u8((int64_t)(th_y_of_d[th_d_index(m, x[j])] * 255u / sum));
  }
}

static void th_softmax(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int8_t *X = (const int8_t *)in[0];
  uint8_t *Y = (uint8_t *)out;
  const int32_t E = p->shape.E;
  th_range r = th_partition(p->shape.S, ctx);
  if (r.stop > r.start)
    th_isoftmax_rows(X + (size_t)r.start * E, Y + (size_t)r.start * E, E, r.stop - r.start, (size_t)E);
}

/* ---- descriptor ---- */
static void th_softmax_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  in[0] = TH_U64(s->S) * TH_U64(s->E), *out = in[0];
}

uint64_t th_elementwise_macs(const th_shape *s) { return TH_U64(s->S) * TH_U64(s->E); }

const th_kernel_def th_def_softmax = {
    {"softmax", 1, {"X"}, {TH_I8}, TH_U8, 0, 0, 0},
    th_softmax, TH_F_S | TH_F_E, 1, 0, th_softmax_counts, NULL, th_elementwise_macs};
