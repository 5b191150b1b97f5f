/* th_mhsa.c - kernel 7 `mhsa`: Q,K,V projections -> M1 (qk_softmax) -> M2 (av) -> output projection. */
#include "th_internal.h"

static void th_mhsa(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H;
  const int8_t *I = (const int8_t *)in[0];
  const size_t hsp = (size_t)H * S * P;
  /* Scratch, as documented: Q[H,S,P] | K[H,S,P] | V[H,P,S] | A[S,H,S] | M[S,H*P]. */
  int8_t *Q = (int8_t *)ctx->scratch, *K = Q + hsp, *V = K + hsp;
  uint8_t *A = (uint8_t *)(V + hsp);
  int8_t *M = (int8_t *)(A + (size_t)S * H * S);
  th_range r;
  int32_t h;

  /* Stage 1: the three projections (independent, no barrier between them). */
  r = th_partition(H * S, ctx);
  th_linear_qk_units(I, (const int8_t *)in[1], (const int16_t *)in[2], Q, S, E, P, p->rq[0],
                     r.start, r.stop);
  th_linear_qk_units(I, (const int8_t *)in[3], (const int16_t *)in[4], K, S, E, P, p->rq[1],
                     r.start, r.stop);
  r = th_partition(H * P, ctx);
  th_linear_v_units(I, (const int8_t *)in[5], (const int16_t *)in[6], V, S, E, p->rq[2], r.start,
                    r.stop);
  th_sync(ctx);

  /* Stage 2: M1 by heads. */
  r = th_partition(H, ctx);
  for (h = r.start; h < r.stop; h++)
    th_qk_softmax_rows(Q, K, A + (size_t)h * S, (size_t)H * S, S, P, h, p->rq[3], 0, S);
  th_sync(ctx);

  /* Stage 3: M2 by heads. */
  for (h = r.start; h < r.stop; h++)
    th_av_rows(A + (size_t)h * S, (size_t)H * S, V, M, S, P, H, h, p->rq[4], 0, S);
  th_sync(ctx);

  /* Stage 4: output projection by rows. */
  r = th_partition(S, ctx);
  th_linear_o_rows(M, (const int8_t *)in[7], (const int16_t *)in[8], (int8_t *)out, E, H * P,
                   p->rq[5], r.start, r.stop);
}

/* ---- descriptor (mhsa_dft shares the counts and MACs) ---- */
void th_mhsa_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), HP = TH_U64(s->H) * TH_U64(s->P);
  in[0] = S * E, in[1] = in[3] = in[5] = HP * E, in[2] = in[4] = in[6] = HP;
  in[7] = E * HP, in[8] = E, *out = S * E;
}

/* Q[H,S,P] | K[H,S,P] | V[H,P,S] | A[S,H,S] | M[S,H*P]. */
static uint64_t th_mhsa_scratch(const th_shape *s, uint64_t n) {
  const uint64_t S = TH_U64(s->S), P = TH_U64(s->P), H = TH_U64(s->H);
  (void)n;
  return 3 * H * S * P + S * H * S + S * H * P;
}

uint64_t th_mhsa_macs(const th_shape *s) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), P = TH_U64(s->P), H = TH_U64(s->H);
  return 4 * S * E * P * H + 2 * H * S * S * P;
}

const th_kernel_def th_def_mhsa = {
    {"mhsa", 9, {"I", "Wq", "Bq", "Wk", "Bk", "Wv", "Bv", "Wo", "Bo"},
     {TH_I8, TH_I8, TH_I16, TH_I8, TH_I16, TH_I8, TH_I16, TH_I8, TH_I16}, TH_I8, 6, 0, 0},
    th_mhsa, TH_F_S | TH_F_E | TH_F_P | TH_F_H, 4, 0, th_mhsa_counts, th_mhsa_scratch, th_mhsa_macs};
