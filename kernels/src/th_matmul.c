/* th_matmul.c - the contraction core every projection/attention kernel runs on: portable C, SSE2 and ARM DSP tiles. */
#include <string.h>

#include "th_internal.h"

/* Rows of a (int8 or uint8) times rows of b (int8), both contiguous along k. One
 * generic driver walks TH_TM x 2 output tiles with 1-wide / 1-high tails; the
 * tiles are per ISA (selected by #if, same results bit for bit):
 *   ARMv7E-M DSP : 2x2 tiles, 4 int8 per 32-bit load, SXTB16/UXTB16 + SMLAD
 *                  (CMSIS-NN style, operands reused across the tile)
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

#define TH_BIAS(bias, j) ((bias) ? (int32_t)(bias)[j] : 0)

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
  {
    TH_MM_DRIVER(uint8_t, u8, )
  }
}
