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

#if !defined(TH_NO_DSP) && !defined(TH_NO_SIMD) && (defined(__ARM_FEATURE_DSP) || defined(__riscv))
#define TH_SOFTMAX_TABLES 1
/* The ISA rows index two tables by the whole byte d = max - x (0..255), both 0 for d >= 31, so
 * they need no clamp: y(d) for the sum and the rows' output table (entries 31..255 zeroed once
 * per call, 0..30 = 255*y(d)/sum once per row, unrolled). */
static const uint8_t th_y256[256] = {73, 60, 49, 40, 33, 36, 30, 24, 20, 16, 18, 15, 12, 10, 8, 9,
                                     7,  6,  5,  4,  4,  3,  3,  2,  2,  2,  1,  1,  1,  1,  1}; /* rest 0 */
/* 255 * y(d), d < 31 */
static const uint16_t th_y255[TH_Y_LEN - 1] = {
    18615, 15300, 12495, 10200, 8415, 9180, 7650, 6120, 5100, 4080, 4590, 3825, 3060, 2550, 2040, 2295,
    1785,  1530,  1275,  1020,  1020, 765,  765,  510,  510,  510,  255,  255,  255,  255,  255};


#define TH_ROW_TABLE(lut, sum)                                                                   \
  do {                                                                                         \
    TH_LUT4(lut, sum, 0), TH_LUT4(lut, sum, 4), TH_LUT4(lut, sum, 8), TH_LUT4(lut, sum, 12);   \
    TH_LUT4(lut, sum, 16), TH_LUT4(lut, sum, 20), TH_LUT4(lut, sum, 24);                      \
    TH_LUT1(lut, sum, 28), TH_LUT1(lut, sum, 29), TH_LUT1(lut, sum, 30);                      \
  } while (0)
#define TH_LUT1(lut, sum, d) (lut)[d] = (uint8_t)(th_y255[d] / (sum))
#define TH_LUT4(lut, sum, d) TH_LUT1(lut, sum, d), TH_LUT1(lut, sum, d + 1), TH_LUT1(lut, sum, d + 2), \
                             TH_LUT1(lut, sum, d + 3)
#endif

#if defined(__ARM_FEATURE_DSP) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
/* ==== ARMv7E-M DSP rows (same bytes as the portable row below, its spec) ====
 * Four scores per word: the max by SSUB8 + SEL, then d = max - x for four at once by USUB8
 * (0 <= d <= 255 fits a byte, so the byte-wise difference is d exactly); tables as above. */
#include <arm_acle.h>
#include <string.h>
#define TH_BYTES_MAX_SIGNED(x4, m4) (__ssub8((x4), (m4)), __sel((x4), (m4))) /* per byte max(x, m) */
#define TH_BYTES_SUB(a4, b4) __usub8((a4), (b4))                               /* per byte a - b mod 256 */
#define TH_BYTE(w, i) (((w) >> (8 * (i))) & 0xFFu)

TH_INLINE uint32_t th_ld4(const void *p) {
  uint32_t w;
  memcpy(&w, p, 4);
  return w;
}
TH_INLINE void th_st4(void *p, uint32_t w) { memcpy(p, &w, 4); }

/* One row, n > 32; lut: 256 bytes whose entries 31..255 are 0. */
static void th_isoftmax_row_dsp(const int8_t *x, uint8_t *out, int32_t n, uint8_t *lut) {
  const uint8_t *y = th_y256;
  uint32_t m4 = 0x80808080u, sum = 0, w, d4;
  int32_t j, m, n4 = n & ~3;
  /* keep the tables in base registers (GCC otherwise re-derives their addresses per byte) */
  __asm__("" : "+r"(lut), "+r"(y));
  /* max: four lanes, then across them and the tail */
  for (j = 0; j + 8 <= n4; j += 8) { /* eight per turn: half the loop overhead */
    m4 = TH_BYTES_MAX_SIGNED(th_ld4(x + j), m4);
    m4 = TH_BYTES_MAX_SIGNED(th_ld4(x + j + 4), m4);
  }
  if (j < n4) m4 = TH_BYTES_MAX_SIGNED(th_ld4(x + j), m4);
  m = (int8_t)TH_BYTE(m4, 0);
  for (j = 1; j < 4; j++) m = (int8_t)TH_BYTE(m4, j) > m ? (int8_t)TH_BYTE(m4, j) : m;
  for (j = n4; j < n; j++) m = x[j] > m ? x[j] : m;
  m4 = ((uint32_t)m & 0xFFu) * 0x01010101u;
  /* sum of y(d) */
#define TH_SUM4(d4) (y[TH_BYTE(d4, 0)] + y[TH_BYTE(d4, 1)] + y[TH_BYTE(d4, 2)] + y[(d4) >> 24])
  for (j = 0; j + 8 <= n4; j += 8) {
    uint32_t e4 = TH_BYTES_SUB(m4, th_ld4(x + j + 4));
    d4 = TH_BYTES_SUB(m4, th_ld4(x + j));
    sum += TH_SUM4(d4) + TH_SUM4(e4);
  }
  if (j < n4) d4 = TH_BYTES_SUB(m4, th_ld4(x + j)), sum += TH_SUM4(d4);
#undef TH_SUM4
  for (j = n4; j < n; j++) sum += y[(uint32_t)(m - x[j])];
  /* the row's table: 255*y(d)/sum <= 255 as sum >= y(0) >= y(d) */
  TH_ROW_TABLE(lut, sum);
#define TH_OUT4(d4) (lut[TH_BYTE(d4, 0)] | (uint32_t)lut[TH_BYTE(d4, 1)] << 8 | \
                     (uint32_t)lut[TH_BYTE(d4, 2)] << 16 | (uint32_t)lut[(d4) >> 24] << 24)
  /* x and out may alias: each word of x is read before the word of out over it is written */
  for (j = 0; j + 8 <= n4; j += 8) {
    uint32_t e4 = TH_BYTES_SUB(m4, th_ld4(x + j + 4));
    d4 = TH_BYTES_SUB(m4, th_ld4(x + j));
    w = TH_OUT4(d4);
    th_st4(out + j, w);
    w = TH_OUT4(e4);
    th_st4(out + j + 4, w);
  }
  if (j < n4) d4 = TH_BYTES_SUB(m4, th_ld4(x + j)), th_st4(out + j, TH_OUT4(d4));
#undef TH_OUT4
  for (j = n4; j < n; j++) out[j] = lut[(uint32_t)(m - x[j])];
}
#define TH_SOFTMAX_DSP 1
#endif

#if defined(__riscv) && defined(TH_SOFTMAX_TABLES)
/* ==== RV32IMC row (no SIMD: byte loads, tables without clamps, 4 per turn) ==== */
#include <string.h>
static void th_isoftmax_row_rv(const int8_t *x, uint8_t *out, int32_t n, uint8_t *lut) {
  const uint8_t *y = th_y256;
  int32_t j, m = x[0];
  uint32_t sum = 0;
  for (j = 1; j < n; j++) m = x[j] > m ? x[j] : m;
  for (j = 0; j + 4 <= n; j += 4)
    sum += y[(uint32_t)(m - x[j])] + y[(uint32_t)(m - x[j + 1])] + y[(uint32_t)(m - x[j + 2])] +
           y[(uint32_t)(m - x[j + 3])];
  for (; j < n; j++) sum += y[(uint32_t)(m - x[j])];
  TH_ROW_TABLE(lut, sum);
  for (j = 0; j + 4 <= n; j += 4) { /* x and out may alias: read all four, then write */
    uint8_t o0 = lut[(uint32_t)(m - x[j])], o1 = lut[(uint32_t)(m - x[j + 1])];
    uint8_t o2 = lut[(uint32_t)(m - x[j + 2])], o3 = lut[(uint32_t)(m - x[j + 3])];
    out[j] = o0, out[j + 1] = o1, out[j + 2] = o2, out[j + 3] = o3;
  }
  for (; j < n; j++) out[j] = lut[(uint32_t)(m - x[j])];
}
#endif

void th_isoftmax_rows(const int8_t *x, uint8_t *out, int32_t n, int32_t rows, size_t rs) {
  int32_t i;
#if defined(TH_SOFTMAX_DSP)
  if (n > TH_Y_LEN) { /* the table pays for itself on longer rows */
    uint8_t lut[256];
    memset(lut, 0, sizeof lut);
    for (i = 0; i < rows; i++) th_isoftmax_row_dsp(x + i * rs, out + i * rs, n, lut);
    return;
  }
#elif defined(__riscv) && defined(TH_SOFTMAX_TABLES)
  if (n > TH_Y_LEN) {
    uint8_t lut[256];
    memset(lut, 0, sizeof lut);
    for (i = 0; i < rows; i++) th_isoftmax_row_rv(x + i * rs, out + i * rs, n, lut);
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
