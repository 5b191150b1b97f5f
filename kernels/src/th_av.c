/* th_av.c - kernel 4 `av` (M2): O[s,h*P+p] = rq(A[s,h,:] . V[h,p,:]), written as [S,H*P] for linear_o. */
#include "th_internal.h"

void th_av_rows(const uint8_t *A, size_t a_rs, const int8_t *V, int8_t *O, int32_t S, int32_t P,
                int32_t H, int32_t h, th_rq rq, int32_t s0, int32_t s1) {
  const size_t hp = (size_t)H * P;
  if (s1 > s0)
    th_mm_u8(A, a_rs, V + (size_t)h * P * S, (size_t)S, s1 - s0, P, S, rq,
             O + (size_t)s0 * hp + (size_t)h * P, (ptrdiff_t)hp, 1);
}

static void th_av(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  const uint8_t *A = (const uint8_t *)in[0];
  const int8_t *V = (const int8_t *)in[1];
  const int32_t S = sh->S, P = sh->P, H = sh->H;
  const size_t a_rs = (size_t)H * S;
  int32_t h;
  if (p->split == TH_SPLIT_ROWS) {
    th_range r = th_partition(S, ctx);
    if (r.stop > r.start)
      for (h = 0; h < H; h++)
        th_av_rows(A + ((size_t)r.start * H + h) * S, a_rs, V, (int8_t *)out, S, P, H, h,
                   p->rq[0], r.start, r.stop);
  } else {
    th_range r = th_partition(H, ctx);
    for (h = r.start; h < r.stop; h++)
      th_av_rows(A + (size_t)h * S, a_rs, V, (int8_t *)out, S, P, H, h, p->rq[0], 0, S);
  }
}

/* ---- descriptor ---- */
static void th_av_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), P = TH_U64(s->P), H = TH_U64(s->H);
  in[0] = S * H * S, in[1] = H * P * S, *out = S * H * P;
}

static uint64_t th_av_macs(const th_shape *s) {
  return TH_U64(s->H) * TH_U64(s->S) * TH_U64(s->S) * TH_U64(s->P);
}

const th_kernel_def th_def_av = {
    {"av", 2, {"A", "V"}, {TH_U8, TH_I8}, TH_I8, 1, 0, 0},
    th_av, TH_F_S | TH_F_P | TH_F_H, 1, 1, th_av_counts, NULL, th_av_macs};
