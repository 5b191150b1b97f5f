/* th_internal.h - private helpers shared by the kernel files (rq, clamps, partition, contraction cores). */
#ifndef TH_INTERNAL_H
#define TH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tinyhil.h"

#if defined(__GNUC__) || defined(__clang__)
#define TH_INLINE static inline __attribute__((always_inline))
#else
#define TH_INLINE static inline
#endif

#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define TH_RESTRICT __restrict
#else
#define TH_RESTRICT
#endif

/* ---- integer helpers -------------------------------------------------- */

/* floor(v / 2^d). C99 leaves >> of a negative value implementation-defined; where
 * the compiler shifts arithmetically (checked by a constant expression the compiler
 * folds) that is one instruction, else for v < 0, ~v = -v-1 >= 0 and
 * floor(v/2^d) = ~(~v >> d). */
#if defined(TH_PORTABLE_SHIFT) /* self-test: force the portable form */
#define TH_ARITH_SHIFT 0
#else
#define TH_ARITH_SHIFT ((-1 >> 1) == -1 && ((int64_t)-5 >> 1) == -3)
#endif
TH_INLINE int64_t th_floor_shift(int64_t v, int32_t d) {
  if (TH_ARITH_SHIFT) return v >> d;
  return v >= 0 ? (int64_t)((uint64_t)v >> d) : ~(int64_t)((uint64_t)~v >> d);
}

/* floor(a / b) for b > 0 (C division truncates toward zero). */
TH_INLINE int64_t th_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

TH_INLINE int8_t th_clamp_i8(int64_t v) {
  return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

TH_INLINE uint8_t th_clamp_u8(int64_t v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* rq(x) for an int32 accumulator: |x * mul| < 2^62, so the 64-bit product is exact. */
TH_INLINE int8_t th_rq32(int32_t x, int32_t mul, int32_t div) {
  return th_clamp_i8(th_floor_shift((int64_t)x * mul, div));
}

TH_INLINE uint64_t th_abs64(int64_t v) { return v < 0 ? 0u - (uint64_t)v : (uint64_t)v; }

/* rq(a * b) for any int64 a, b (|a|,|b| < 2^63) and int32 mul, exact: the product
 * a*b*mul may not fit 64 bits, but once its magnitude reaches 2^(div+7) the
 * result saturates, so magnitudes are multiplied with saturation and the signed
 * value is only formed when it is small. Used by the element-wise kernels. */
TH_INLINE int8_t th_rq_wide(int64_t a, int64_t b, int32_t mul, int32_t div) {
  const uint64_t lim = (uint64_t)1 << (div + 7); /* |value| >= lim saturates */
  uint64_t ma = th_abs64(a), mb = th_abs64(b), mm = th_abs64(mul), m;
  int neg = (a < 0) ^ (b < 0) ^ (mul < 0);
  if (ma == 0 || mb == 0 || mm == 0) return 0;
  if (ma < ((uint64_t)1 << 31) && mb < ((uint64_t)1 << 31) && ma * mb < ((uint64_t)1 << 32)) {
    m = ma * mb * mm; /* < 2^63: exact, common case */
  } else {
    if (ma > (lim - 1) / mb) return neg ? -128 : 127;
    m = ma * mb;
    if (m > (lim - 1) / mm) return neg ? -128 : 127;
    m *= mm;
  }
  return th_clamp_i8(th_floor_shift(neg ? -(int64_t)m : (int64_t)m, div));
}

/* Exact floor(sqrt(v)) for any uint64 (bit-by-bit, no floating point). */
TH_INLINE uint64_t th_isqrt64(uint64_t v) {
  uint64_t r = 0, bit = (uint64_t)1 << 62;
  while (bit > v) bit >>= 2;
  while (bit != 0) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

/* ---- partition (pulp-nn rule) ----------------------------------------- */

typedef struct {
  int32_t start, stop;
} th_range;

/* chunk = ceil(n / n_cores); start = min(chunk*id, n); stop = min(start + chunk, n). */
TH_INLINE th_range th_partition(int32_t n, const th_ctx *ctx) {
  int64_t chunk = ((int64_t)n + ctx->n_cores - 1) / ctx->n_cores;
  int64_t start = chunk * ctx->core_id, stop;
  th_range r;
  if (start > n) start = n;
  stop = start + chunk;
  if (stop > n) stop = n;
  r.start = (int32_t)start;
  r.stop = (int32_t)stop;
  return r;
}

/* Barrier between stages of multi-stage kernels; a no-op on one core. */
TH_INLINE void th_sync(const th_ctx *ctx) {
  if (ctx->n_cores > 1 && ctx->barrier) ctx->barrier(ctx->barrier_arg);
}

/* ---- contraction cores (th_matmul.c) ---------------------------------- *
 * out[i*rs + j*cs] = rq(sum_k a[i*lda + k] * b[j*ldb + k] + bias[j]) for i < m, j < n.
 * Both operands are read along contiguous rows: that is what the layouts of
 * docs/kernels.md are for. bias may be NULL (treated as 0). */
void th_mm_i8(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
              int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs);
/* Same with an unsigned left operand (attention probabilities), no bias; k <= 65535. */
void th_mm_u8(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
              int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs);
/* th_mm_i8 (cs = 1) for nh heads sharing a: head h uses b + h*bhs, bias + h*biashs (bias may be
 * NULL) and writes at out + h*ohs. */
void th_mm_i8_heads(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, size_t bhs, int32_t m,
                    int32_t n, int32_t k, const int16_t *bias, size_t biashs, int32_t nh, th_rq rq,
                    int8_t *out, ptrdiff_t rs, size_t ohs);

#if defined(__ARM_FEATURE_DSP) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
#define TH_HAVE_MM_I8_U8B 1
/* ARM DSP only: rows of int8 a times rows of uint8 b (no bias); k <= 65535. */
void th_mm_i8_u8b(const int8_t *a, size_t lda, const uint8_t *b, size_t ldb, int32_t m, int32_t n,
                  int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs);
/* ARM DSP only: rows of a streamed past a panel of b (small n), no bias. */
void th_mm_i8_panel(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                    int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs);
/* ARM DSP only: out[i*rs + j] = rq(a_i . b_j), i < m, j < n, on the 3x2 path (a int8, or uint8
 * when zext_a); returns 0 without doing anything when that path does not apply. */
int th_mm_3x2(const void *a, int zext_a, size_t lda, const int8_t *b, size_t ldb, int32_t m,
              int32_t n, int32_t k, th_rq rq, int8_t *out, ptrdiff_t rs);
/* ARM DSP only: a bias per row of a; returns 0 without doing anything when it does not apply
 * (m < 2, k < 4, k > 256, or rq outside the fast form): then use th_mm_i8. */
int th_mm_i8_rowbias(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                     int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs,
                     ptrdiff_t cs);
#endif
#if defined(__riscv) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
/* RV32IMC register-blocked tiles (th_matmul_rv32.c), same contract as th_mm_i8 / th_mm_u8. */
void th_rv_mm_i8(const int8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                 int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs);
void th_rv_mm_u8(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb, int32_t m, int32_t n,
                 int32_t k, const int16_t *bias, th_rq rq, int8_t *out, ptrdiff_t rs, ptrdiff_t cs);
#endif

/* ---- integer softmax (th_softmax.c) ----------------------------------- */

/* In place allowed (x and out may be the same bytes: x is int8 scores, out uint8). */
void th_isoftmax_row(const int8_t *x, uint8_t *out, int32_t n);
#if defined(__riscv) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
/* RV32IMC rows of 8 or more (th_softmax_rv32.c), same contract as th_isoftmax_rows. */
void th_rv_isoftmax_rows(const int8_t *x, uint8_t *out, int32_t n, int32_t rows, size_t rs);
#endif
/* th_isoftmax_row over rows rows of n, row i at x + i*rs / out + i*rs (the ISA paths share set-up). */
void th_isoftmax_rows(const int8_t *x, uint8_t *out, int32_t n, int32_t rows, size_t rs);

/* ---- stage helpers shared by the attention kernels -------------------- */

/* linear_qk units [u0, u1) of H*S: O[h,s,:] for u = h*S + s. */
void th_linear_qk_units(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O,
                        int32_t S, int32_t E, int32_t P, th_rq rq, int32_t u0, int32_t u1);
/* linear_v units [u0, u1) of H*P: O[h,p,:] for u = h*P + p. */
void th_linear_v_units(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O,
                       int32_t S, int32_t E, th_rq rq, int32_t u0, int32_t u1);
/* linear_o rows [s0, s1): O[s,:] from I[s, 0..K-1], K = H*P. */
void th_linear_o_rows(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O, int32_t E,
                      int32_t K, th_rq rq, int32_t s0, int32_t s1);
/* Scores + softmax of head h for query rows [s0, s1): the uint8 row of query s0+i
 * is written at A + i*a_rs (a_rs = H*S into A[S,H,S], S into a [T,S] tile). */
void th_qk_softmax_rows(const int8_t *Q, const int8_t *K, uint8_t *A, size_t a_rs, int32_t S,
                        int32_t P, int32_t h, th_rq rq, int32_t s0, int32_t s1);
/* A.V of head h for query rows [s0, s1): O[s, h*P + p] = rq(sum_t A_s[t] * V[h,p,t]) where
 * the probability row of query s0+i is at A + i*a_rs; O is [S, H*P]. */
void th_av_rows(const uint8_t *A, size_t a_rs, const int8_t *V, int8_t *O, int32_t S, int32_t P,
                int32_t H, int32_t h, th_rq rq, int32_t s0, int32_t s1);
/* fwsa of head h into A[h,:,:] using the S*E bytes at istar. */
void th_fwsa_head(const int8_t *I, const int8_t *W, const int16_t *B, uint8_t *A, int8_t *istar,
                  int32_t S, int32_t E, int32_t h, th_rq rq0, th_rq rq1);
/* fwsa of heads [h0, h1) into A[h,:,:] using the (h1-h0)*S*E bytes at istar. */
void th_fwsa_heads(const int8_t *I, const int8_t *W, const int16_t *B, uint8_t *A, int8_t *istar,
                   int32_t S, int32_t E, int32_t h0, int32_t h1, th_rq rq0, th_rq rq1);

/* ---- kernel descriptors ---------------------------------------------- *
 * Every kernel file ends with its descriptor `th_def_<name>`: what th_registry.c needs
 * to validate and dispatch a run, and what the TypeScript table (src/golden/) mirrors. */

typedef void (*th_kernel_fn)(const th_params *p, const void *const in[], void *out,
                             const th_ctx *ctx);

/* Shape fields a kernel reads; the others are ignored (not validated). */
enum { TH_F_S = 1, TH_F_E = 2, TH_F_P = 4, TH_F_H = 8, TH_F_T = 16 };

typedef struct {
  th_kernel_desc desc;
  th_kernel_fn fn;  /* called only after th_kernel_run validated everything */
  int32_t fields;   /* TH_F_* read (and validated) */
  int32_t stages;   /* > 1: calls ctx->barrier, needs one when n_cores > 1 */
  int32_t split;    /* 1: honours th_params.split */
  /* Element counts of the inputs and the output; the shape fields in `fields` are in
   * 1..TH_MAX_DIM (< 2^16), so products of up to 3 dims are exact in 64 bits. */
  void (*counts)(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out);
  /* Scratch bytes for n cores (exactly docs/kernels.md); NULL when none. */
  uint64_t (*scratch)(const th_shape *s, uint64_t n);
  /* MACs of one run as the reference counts them (docs/kernels.md). */
  uint64_t (*macs)(const th_shape *s);
} th_kernel_def;

#define TH_U64(x) ((uint64_t)(x))

#define TH_DEF_DECL_(id, NAME, name) extern const th_kernel_def th_def_##name;
TH_KERNEL_LIST(TH_DEF_DECL_)
#undef TH_DEF_DECL_

/* Shared by kernels with the same argument lists. */
void th_linear_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out);
uint64_t th_linear_macs(const th_shape *s);
uint64_t th_elementwise_macs(const th_shape *s);
void th_mhsa_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out);
uint64_t th_mhsa_macs(const th_shape *s);
uint64_t th_fwsa_macs(const th_shape *s);

#endif /* TH_INTERNAL_H */
