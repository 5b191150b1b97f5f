/* th_fwsa.c - kernel 5 `fwsa`: fused-weight attention, per head I*_h = rq0(I.W_h^T + B_h), A_h = isoftmax(rq1(I*_h.I^T)). */
#include "th_internal.h"

void th_fwsa_head(const int8_t *I, const int8_t *W, const int16_t *B, uint8_t *A, int8_t *istar,
                  int32_t S, int32_t E, int32_t h, th_rq rq0, th_rq rq1) {
  uint8_t *Ah = A + (size_t)h * S * S;
  int32_t s;
#if !defined(TH_NO_DSP) && !defined(TH_NO_SIMD) && (defined(__ARM_FEATURE_DSP) || defined(__riscv))
  /* ARM DSP, RV32: the contraction widens (ARM) or packs (RV32) one operand once per call, and
   * there is no cache to keep rows in: all rows in one call (same values, so the same bytes), as
   * qk_softmax. */
  const int32_t rows_per_call = S;
#else
  const int32_t rows_per_call = 4;
#endif
  th_mm_i8(I, (size_t)E, W + (size_t)h * E * E, (size_t)E, S, E, E, B + (size_t)h * E, rq0, istar,
           E, 1);
  /* Scores of 4 rows at a time, softmaxed in place while in cache. */
  for (s = 0; s < S; s += rows_per_call) {
    int32_t n = S - s < rows_per_call ? S - s : rows_per_call;
    uint8_t *row = Ah + (size_t)s * S;
    th_mm_i8(istar + (size_t)s * E, (size_t)E, I, (size_t)E, n, S, E, NULL, rq1, (int8_t *)row,
             S, 1);
    th_isoftmax_rows((const int8_t *)row, row, S, n, (size_t)S);
  }
}

/* fwsa of heads [h0, h1) into A[h,:,:] using (h1-h0)*S*E bytes at istar (mhsa_fwsa lends it its M
 * buffer when E <= P): I*_h of every head in one call (I widened once), then the scores of every
 * head as ONE contraction of the stacked I*_h rows against I (I's panel widened once, A[h] rows
 * are consecutive), then the softmax of every row. The same sums as th_fwsa_head: the same bytes. */
void th_fwsa_heads(const int8_t *I, const int8_t *W, const int16_t *B, uint8_t *A, int8_t *istar,
                   int32_t S, int32_t E, int32_t h0, int32_t h1, th_rq rq0, th_rq rq1) {
  const int32_t nh = h1 - h0;
  uint8_t *Ah = A + (size_t)h0 * S * S;
  if (nh < 1) return;
  th_mm_i8_heads(I, (size_t)E, W + (size_t)h0 * E * E, (size_t)E, (size_t)E * E, S, E, E,
                 B + (size_t)h0 * E, (size_t)E, nh, rq0, istar, E, (size_t)S * E);
  th_mm_i8(istar, (size_t)E, I, (size_t)E, nh * S, S, E, NULL, rq1, (int8_t *)Ah, S, 1);
  th_isoftmax_rows((const int8_t *)Ah, Ah, S, nh * S, (size_t)S);
}

static void th_fwsa(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  /* Scratch: one I*_h of S*E bytes per core, at core_id*S*E. */
  int8_t *istar = (int8_t *)ctx->scratch + (size_t)ctx->core_id * sh->S * sh->E;
  th_range r = th_partition(sh->H, ctx);
  int32_t h;
  for (h = r.start; h < r.stop; h++)
    th_fwsa_head((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                 (uint8_t *)out, istar, sh->S, sh->E, h, p->rq[0], p->rq[1]);
}

/* ---- descriptor ---- */
static void th_fwsa_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), H = TH_U64(s->H);
  in[0] = S * E, in[1] = H * E * E, in[2] = H * E, *out = H * S * S;
}

/* Each core holds its own I* [S,E]. */
static uint64_t th_fwsa_scratch(const th_shape *s, uint64_t n) {
  return n * TH_U64(s->S) * TH_U64(s->E);
}

uint64_t th_fwsa_macs(const th_shape *s) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), H = TH_U64(s->H);
  return H * S * E * E + H * S * S * E;
}

const th_kernel_def th_def_fwsa = {
    {"fwsa", 3, {"I", "W", "B"}, {TH_I8, TH_I8, TH_I16}, TH_U8, 2, 0, 0},
    th_fwsa, TH_F_S | TH_F_E | TH_F_H, 1, 0, th_fwsa_counts, th_fwsa_scratch, th_fwsa_macs};
