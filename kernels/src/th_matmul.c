/* th_matmul.c - the contraction cores every projection/attention kernel runs on (portable C + ARM DSP path). */
#include <string.h>

#include "th_internal.h"

/* With |a*b| <= 2^14 and |bias| <= 2^15, an int32 accumulator is exact for k up to
 * (2^31 - 1 - 2^15) / 2^14 = 131069. Longer rows (only linear_o with H*P that big)
 * take the int64 path. */
#define TH_MM_K32_MAX 131068

#define TH_BIAS(bias, j) ((bias) ? (int32_t)(bias)[j] : 0)

/* The portable tiles: 4 rows of a x 2 rows of b, 8 independent int32 accumulators
 * over contiguous bytes. GCC/Clang at -O3 vectorise the k loop (widening multiply-add). */
#define TH_MM_PORTABLE(TA)                                                                   \
  int32_t i = 0, j;                                                                          \
  for (; i + 4 <= m; i += 4) {                                                               \
    const TA *TH_RESTRICT a0 = a + (size_t)i * lda, *TH_RESTRICT a1 = a0 + lda;             \
    const TA *TH_RESTRICT a2 = a1 + lda, *TH_RESTRICT a3 = a2 + lda;                        \
    int8_t *o = out + (ptrdiff_t)i * rs;                                                     \
    for (j = 0; j + 2 <= n; j += 2) {                                                        \
      const int8_t *TH_RESTRICT b0 = b + (size_t)j * ldb, *TH_RESTRICT b1 = b0 + ldb;       \
      int32_t c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0, q;    \
      int32_t bj0 = TH_BIAS(bias, j), bj1 = TH_BIAS(bias, j + 1);                            \
      for (q = 0; q < k; q++) {                                                              \
        int32_t w0 = b0[q], w1 = b1[q];                                                      \
        c00 += a0[q] * w0; c01 += a0[q] * w1;                                                \
        c10 += a1[q] * w0; c11 += a1[q] * w1;                                                \
        c20 += a2[q] * w0; c21 += a2[q] * w1;                                                \
        c30 += a3[q] * w0; c31 += a3[q] * w1;                                                \
      }                                                                                      \
      o[j * cs] = th_rq32(c00 + bj0, rq.mul, rq.div);                                        \
      o[(j + 1) * cs] = th_rq32(c01 + bj1, rq.mul, rq.div);                                  \
      o[rs + j * cs] = th_rq32(c10 + bj0, rq.mul, rq.div);                                   \
      o[rs + (j + 1) * cs] = th_rq32(c11 + bj1, rq.mul, rq.div);                             \
      o[2 * rs + j * cs] = th_rq32(c20 + bj0, rq.mul, rq.div);                               \
      o[2 * rs + (j + 1) * cs] = th_rq32(c21 + bj1, rq.mul, rq.div);                         \
      o[3 * rs + j * cs] = th_rq32(c30 + bj0, rq.mul, rq.div);                               \
      o[3 * rs + (j + 1) * cs] = th_rq32(c31 + bj1, rq.mul, rq.div);                         \
    }                                                                                        \
    if (j < n) { /* odd column count: 4x1 */                                                 \
      const int8_t *TH_RESTRICT b0 = b + (size_t)j * ldb;                                    \
      int32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, q, bj = TH_BIAS(bias, j);                      \
      for (q = 0; q < k; q++) {                                                              \
        int32_t w0 = b0[q];                                                                  \
        c0 += a0[q] * w0; c1 += a1[q] * w0; c2 += a2[q] * w0; c3 += a3[q] * w0;              \
      }                                                                                      \
      o[j * cs] = th_rq32(c0 + bj, rq.mul, rq.div);                                          \
      o[rs + j * cs] = th_rq32(c1 + bj, rq.mul, rq.div);                                     \
      o[2 * rs + j * cs] = th_rq32(c2 + bj, rq.mul, rq.div);                                 \
      o[3 * rs + j * cs] = th_rq32(c3 + bj, rq.mul, rq.div);                                 \
    }                                                                                        \
  }                                                                                          \
  for (; i < m; i++) { /* row tail: 1x2 then 1x1 */                                          \
    const TA *TH_RESTRICT a0 = a + (size_t)i * lda;                                          \
    int8_t *o = out + (ptrdiff_t)i * rs;                                                     \
    for (j = 0; j + 2 <= n; j += 2) {                                                        \
      const int8_t *TH_RESTRICT b0 = b + (size_t)j * ldb, *TH_RESTRICT b1 = b0 + ldb;       \
      int32_t c0 = 0, c1 = 0, q;                                                             \
      for (q = 0; q < k; q++) {                                                              \
        c0 += a0[q] * b0[q];                                                                 \
        c1 += a0[q] * b1[q];                                                                 \
      }                                                                                      \
      o[j * cs] = th_rq32(c0 + TH_BIAS(bias, j), rq.mul, rq.div);                            \
      o[(j + 1) * cs] = th_rq32(c1 + TH_BIAS(bias, j + 1), rq.mul, rq.div);                  \
    }                                                                                        \
    if (j < n) {                                                                             \
      const int8_t *TH_RESTRICT b0 = b + (size_t)j * ldb;                                    \
      int32_t c0 = 0, q;                                                                     \
      for (q = 0; q < k; q++) c0 += a0[q] * b0[q];                                           \
      o[j * cs] = th_rq32(c0 + TH_BIAS(bias, j), rq.mul, rq.div);                            \
    }                                                                                        \
  }

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

#if defined(__ARM_FEATURE_DSP)
#include "th_matmul_dsp.h"
#endif

void th_mm_i8(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
              int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
  if (k > TH_MM_K32_MAX) {
    th_mm_i8_wide(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs);
    return;
  }
#if defined(__ARM_FEATURE_DSP)
  th_mm_i8_dsp(a, lda, b, ldb, m, n, k, bias, rq, out, rs, cs);
#else
  {
    TH_MM_PORTABLE(int8_t)
  }
#endif
}

void th_mm_u8(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
              int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs) {
#if defined(__ARM_FEATURE_DSP)
  th_mm_u8_dsp(a, lda, b, ldb, m, n, k, rq, out, rs, cs);
#else
  const int16_t *bias = NULL;
  TH_MM_PORTABLE(uint8_t)
#endif
}
