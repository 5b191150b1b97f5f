/* th_linear.c - kernel 13 `linear`: O[S,N] = rq(I[S,K] . W[N,K]^T + B[N]), K = shape.E, N = shape.P.
 * The plain dense layer of an FFN. Same contraction as linear_o (which is this with K = H*P,
 * N = E), so it shares linear_o's row routine and with it every ISA path of th_mm_i8. */
#include "th_internal.h"

static void th_linear(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const th_shape *sh = &p->shape;
  th_range r = th_partition(sh->S, ctx);
  th_linear_o_rows((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                   (int8_t *)out, sh->P, sh->E, p->rq[0], r.start, r.stop);
}

/* ---- descriptor: K travels as E, N as P; H is not read ---- */
static void th_linear_dense_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), K = TH_U64(s->E), N = TH_U64(s->P);
  in[0] = S * K, in[1] = N * K, in[2] = N, *out = S * N;
}

static uint64_t th_linear_dense_macs(const th_shape *s) {
  return TH_U64(s->S) * TH_U64(s->E) * TH_U64(s->P);
}

const th_kernel_def th_def_linear = {
    {"linear", 3, {"I", "W", "B"}, {TH_I8, TH_I8, TH_I16}, TH_I8, 1, 0, 0},
    th_linear, TH_F_S | TH_F_E | TH_F_P, 1, 0, th_linear_dense_counts, NULL, th_linear_dense_macs};
