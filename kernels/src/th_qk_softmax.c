/* th_qk_softmax.c - kernel 3 `qk_softmax` (M1): A[s,h,:] = isoftmax(rq(Q_h[s] . K_h^T)), rows interleaved [S,H,S]. */
#include "th_internal.h"

/* Rows are done 4 at a time (the contraction tile height) so each score row is
 * softmaxed while still in cache. Scores are written as int8 into the uint8 row
 * and the softmax runs in place: no scratch. */
void th_qk_softmax_rows(const int8_t *Q, const int8_t *K, uint8_t *A, size_t a_rs, int32_t S,
                        int32_t P, int32_t h, th_rq rq, int32_t s0, int32_t s1) {
  const int8_t *Kh = K + (size_t)h * S * P;
  int32_t s;
#if !defined(TH_NO_DSP) && !defined(TH_NO_SIMD) && (defined(__ARM_FEATURE_DSP) || defined(__riscv))
  /* ARM DSP, RV32: no cache to keep rows in, and the contraction widens (ARM) or packs (RV32)
   * one side once per call: all rows in one call (same values, so the same bytes). */
  const int32_t rows_per_call = s1 - s0 > 0 ? s1 - s0 : 1;
#else
  const int32_t rows_per_call = 4;
#endif
  for (s = s0; s < s1; s += rows_per_call) {
    int32_t n = s1 - s < rows_per_call ? s1 - s : rows_per_call;
    uint8_t *row = A + (size_t)(s - s0) * a_rs;
    th_mm_i8(Q + ((size_t)h * S + s) * P, (size_t)P, Kh, (size_t)P, n, S, P, NULL, rq,
             (int8_t *)row, (ptrdiff_t)a_rs, 1);
    th_isoftmax_rows((const int8_t *)row, row, S, n, a_rs);
  }
}

static void th_qk_softmax(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  const int8_t *Q = (const int8_t *)in[0], *K = (const int8_t *)in[1];
  uint8_t *A = (uint8_t *)out;
  const int32_t S = sh->S, P = sh->P, H = sh->H;
  const size_t a_rs = (size_t)H * S;
  int32_t h;
  if (p->split == TH_SPLIT_ROWS) {
    th_range r = th_partition(S, ctx);
    if (r.stop > r.start)
      for (h = 0; h < H; h++)
        th_qk_softmax_rows(Q, K, A + ((size_t)r.start * H + h) * S, a_rs, S, P, h, p->rq[0],
                           r.start, r.stop);
  } else {
    th_range r = th_partition(H, ctx);
    for (h = r.start; h < r.stop; h++)
      th_qk_softmax_rows(Q, K, A + (size_t)h * S, a_rs, S, P, h, p->rq[0], 0, S);
  }
}

/* ---- descriptor ---- */
static void th_qk_softmax_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), P = TH_U64(s->P), H = TH_U64(s->H);
  in[0] = H * S * P, in[1] = H * S * P, *out = S * H * S;
}

static uint64_t th_qk_softmax_macs(const th_shape *s) {
  return TH_U64(s->H) * TH_U64(s->S) * TH_U64(s->S) * TH_U64(s->P);
}

const th_kernel_def th_def_qk_softmax = {
    {"qk_softmax", 2, {"Q", "K"}, {TH_I8, TH_I8}, TH_U8, 1, 0, 0},
    th_qk_softmax, TH_F_S | TH_F_P | TH_F_H, 1, 1, th_qk_softmax_counts, NULL, th_qk_softmax_macs};
