/* th_mhsa_fwsa.c - kernel 8 `mhsa_fwsa`: FWSA attention + V projection -> A.V -> output projection. */
#include "th_internal.h"

static void th_mhsa_fwsa(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int32_t S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H;
  const int8_t *I = (const int8_t *)in[0];
  /* Scratch, as documented: V[H,P,S] | A[H,S,S] | M[S,H*P] | n_cores x I*[S,E]. */
  int8_t *V = (int8_t *)ctx->scratch;
  uint8_t *A = (uint8_t *)(V + (size_t)H * P * S);
  int8_t *M = (int8_t *)(A + (size_t)H * S * S);
  int8_t *istar = M + (size_t)S * H * P + (size_t)ctx->core_id * S * E;
  th_range r;
  int32_t h;

  /* Stage 1: fused attention by heads and the V projection (independent). M is free until
   * stage 2: when E <= P it holds I*_h of every head of this core (at its heads' own slots), so
   * all of them go in one call; else one head at a time in the core's I* scratch. */
  r = th_partition(H, ctx);
  if (E <= P)
    th_fwsa_heads(I, (const int8_t *)in[1], (const int16_t *)in[2], A, M + (size_t)r.start * S * E,
                  S, E, r.start, r.stop, p->rq[0], p->rq[1]);
  else
    for (h = r.start; h < r.stop; h++)
      th_fwsa_head(I, (const int8_t *)in[1], (const int16_t *)in[2], A, istar, S, E, h, p->rq[0],
                   p->rq[1]);
  r = th_partition(H * P, ctx);
  th_linear_v_units(I, (const int8_t *)in[3], (const int16_t *)in[4], V, S, E, p->rq[2], r.start,
                    r.stop);
  th_sync(ctx);

  /* Stage 2: M[s,h*P+p] = rq3(A[h,s,:] . V[h,p,:]) by heads. */
  r = th_partition(H, ctx);
  for (h = r.start; h < r.stop; h++)
    th_av_rows(A + (size_t)h * S * S, (size_t)S, V, M, S, P, H, h, p->rq[3], 0, S);
  th_sync(ctx);

  /* Stage 3: output projection by rows. */
  r = th_partition(S, ctx);
  th_linear_o_rows(M, (const int8_t *)in[5], (const int16_t *)in[6], (int8_t *)out, E, H * P,
                   p->rq[4], r.start, r.stop);
}

/* ---- descriptor ---- */
static void th_mhsa_fwsa_counts(const th_shape *s, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), H = TH_U64(s->H), HP = H * TH_U64(s->P);
  in[0] = S * E, in[1] = H * E * E, in[2] = H * E, in[3] = HP * E, in[4] = HP;
  in[5] = E * HP, in[6] = E, *out = S * E;
}

/* V[H,P,S] | A[H,S,S] | M[S,H*P] | per core I* [S,E]. */
static uint64_t th_mhsa_fwsa_scratch(const th_shape *s, uint64_t n) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), P = TH_U64(s->P), H = TH_U64(s->H);
  return H * P * S + H * S * S + S * H * P + n * S * E;
}

static uint64_t th_mhsa_fwsa_macs(const th_shape *s) {
  const uint64_t S = TH_U64(s->S), E = TH_U64(s->E), P = TH_U64(s->P), H = TH_U64(s->H);
  return th_fwsa_macs(s) + 2 * S * E * P * H + H * S * S * P;
}

const th_kernel_def th_def_mhsa_fwsa = {
    {"mhsa_fwsa", 7, {"I", "Wf", "Bf", "Wv", "Bv", "Wo", "Bo"},
     {TH_I8, TH_I8, TH_I16, TH_I8, TH_I16, TH_I8, TH_I16}, TH_I8, 5, 0, 0},
    th_mhsa_fwsa, TH_F_S | TH_F_E | TH_F_P | TH_F_H, 3, 0, th_mhsa_fwsa_counts,
    th_mhsa_fwsa_scratch, th_mhsa_fwsa_macs};
