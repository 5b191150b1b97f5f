/* th_softmax_rv32.c - RV32IMC integer softmax rows (qemu-rv32, GAP9 cores): what th_isoftmax_rows
 * runs on RISC-V for rows of 8 or more unless TH_NO_DSP/TH_NO_SIMD. The portable row
 * th_isoftmax_row (th_softmax.c) is the spec; the bytes are the same.
 *
 * No SIMD, so a score costs its byte load in each of the three passes; what is left to cut is
 * the index arithmetic. The two tables are indexed by the whole byte d = max - x (0..255) and
 * are 0 for d >= 31, so they need no clamp, and they are addressed from table + max: the entry
 * of x is at (table + max) - x, one SUB. Per score: max LB + BGE (+ MV), sum LB + SUB + LBU + ADD,
 * output LB + SUB + LBU + SB, four scores per turn. The output table holds 255*y(d)/sum for
 * d < 31 (25 divisions per row: equal numerators share one) and zeros above (set once per call). */
#include "th_internal.h"

#if defined(__riscv) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
/* GCC 12 -O2 vectorises the 31 byte stores of a table into words built by shifts and masks
 * (more instructions than the stores) */
#pragma GCC optimize("no-tree-slp-vectorize")
#endif

/* y(d) = ((p + 7)^2 + 24) >> z, z = floor(d / 5), p = 5z - d; 0 for d >= 31 */
static const uint8_t th_rv_y256[256] = {73, 60, 49, 40, 33, 36, 30, 24, 20, 16, 18, 15, 12, 10, 8, 9,
                                        7,  6,  5,  4,  4,  3,  3,  2,  2,  2,  1,  1,  1,  1,  1}; /* rest 0 */

/* lut[d] = 255*y(d)/sum for d < 31 (lut[31..255] stay 0) */
#define TH_RV_L(d, v) lut[d] = (uint8_t)((v) / sum)
#define TH_RV_L2(d, v) lut[d] = lut[(d) + 1] = (uint8_t)((v) / sum)
TH_INLINE void th_rv_row_table(uint8_t *lut, uint32_t sum) {
  TH_RV_L(0, 18615u), TH_RV_L(1, 15300u), TH_RV_L(2, 12495u), TH_RV_L(3, 10200u), TH_RV_L(4, 8415u);
  TH_RV_L(5, 9180u), TH_RV_L(6, 7650u), TH_RV_L(7, 6120u), TH_RV_L(8, 5100u), TH_RV_L(9, 4080u);
  TH_RV_L(10, 4590u), TH_RV_L(11, 3825u), TH_RV_L(12, 3060u), TH_RV_L(13, 2550u), TH_RV_L(14, 2040u);
  TH_RV_L(15, 2295u), TH_RV_L(16, 1785u), TH_RV_L(17, 1530u), TH_RV_L(18, 1275u);
  TH_RV_L2(19, 1020u), TH_RV_L2(21, 765u);
  lut[23] = lut[24] = lut[25] = (uint8_t)(510u / sum);
  lut[26] = lut[27] = lut[28] = lut[29] = lut[30] = (uint8_t)(255u / sum);
}

TH_INLINE void th_rv_softmax_row(const int8_t *x, uint8_t *out, int32_t n, uint8_t *lut) {
  const int8_t *p, *const e4 = x + (n & ~3), *const e = x + n;
  int32_t m = x[0];
  uint32_t sum = 0;
  const uint8_t *ym, *lm;
  for (p = x; p != e4; p += 4) {
    int32_t a = p[0], b = p[1], c = p[2], d = p[3];
    if (a > m) m = a;
    if (b > m) m = b;
    if (c > m) m = c;
    if (d > m) m = d;
  }
  for (; p != e; p++)
    if (*p > m) m = *p;
  ym = th_rv_y256 + m;
  for (p = x; p != e4; p += 4) sum += (uint32_t)ym[-p[0]] + ym[-p[1]] + ym[-p[2]] + ym[-p[3]];
  for (; p != e; p++) sum += ym[-*p];
  th_rv_row_table(lut, sum);
  lm = lut + m;
  for (p = x; p != e4; p += 4, out += 4) { /* x and out may alias: read all four, then write */
    uint8_t o0 = lm[-p[0]], o1 = lm[-p[1]], o2 = lm[-p[2]], o3 = lm[-p[3]];
    out[0] = o0, out[1] = o1, out[2] = o2, out[3] = o3;
  }
  for (; p != e; p++, out++) *out = lm[-*p];
}

void th_rv_isoftmax_rows(const int8_t *x, uint8_t *out, int32_t n, int32_t rows, size_t rs) {
  uint8_t lut[256];
  int32_t i;
  memset(lut, 0, sizeof lut);
  for (i = 0; i < rows; i++) th_rv_softmax_row(x + i * rs, out + i * rs, n, lut);
}

#else
typedef int th_softmax_rv32_unused; /* ISO C: no empty translation unit */
#endif
