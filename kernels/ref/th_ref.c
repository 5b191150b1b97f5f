/* th_ref.c - the naive reference: straight loops from docs/kernels.md, int64 everywhere, no tiling. */
#include "th_ref.h"

#include <math.h>
#include <stdlib.h>

/* floor(a / 2^d) by division (independent of the library's shift trick). */
static int64_t ref_floor_pow2(int64_t a, int32_t d) {
  int64_t den = (int64_t)1 << d, q = a / den;
  if (a % den != 0 && a < 0) q--;
  return q;
}

static int64_t ref_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) q--;
  return q;
}

static int64_t ref_clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* rq(x) = clamp(floor(x * mul / 2^div), -128, 127); |x| < 2^32 keeps x*mul exact. */
static int8_t ref_rq(int64_t x, th_rq rq) {
  return (int8_t)ref_clamp(ref_floor_pow2(x * rq.mul, rq.div), -128, 127);
}

/* y of the I-BERT exponential for xt = x - max <= 0 */
static int64_t ref_iexp(int64_t xt) {
  int64_t z = ref_floor_div(-xt, 5);
  int64_t pp = xt + 5 * z;
  return z > 31 ? 0 : ref_floor_pow2((pp + 7) * (pp + 7) + 24, (int32_t)z);
}

static void ref_isoftmax(const int32_t *x, uint8_t *out, int32_t n) {
  int64_t m = x[0], sum = 0;
  int32_t j;
  for (j = 1; j < n; j++)
    if (x[j] > m) m = x[j];
  for (j = 0; j < n; j++) sum += ref_iexp(x[j] - m);
  for (j = 0; j < n; j++) out[j] = (uint8_t)ref_clamp(ref_floor_div(ref_iexp(x[j] - m) * 255, sum), 0, 255);
}

/* O[h,s,p] (v = 0) or O[h,p,s] (v = 1) = rq(sum_e I[s,e] W[h*P+p,e] + B[h*P+p]) */
static void ref_linear(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O, int32_t S,
                       int32_t E, int32_t P, int32_t H, th_rq rq, int v) {
  int32_t h, s, p, e;
  for (h = 0; h < H; h++)
    for (s = 0; s < S; s++)
      for (p = 0; p < P; p++) {
        int64_t acc = B[h * P + p];
        for (e = 0; e < E; e++) acc += (int64_t)I[(size_t)s * E + e] * W[((size_t)h * P + p) * E + e];
        if (v)
          O[((size_t)h * P + p) * S + s] = ref_rq(acc, rq);
        else
          O[((size_t)h * S + s) * P + p] = ref_rq(acc, rq);
      }
}

static void ref_linear_o(const int8_t *I, const int8_t *W, const int16_t *B, int8_t *O, int32_t S,
                         int32_t E, int32_t K, th_rq rq) {
  int32_t s, e, k;
  for (s = 0; s < S; s++)
    for (e = 0; e < E; e++) {
      int64_t acc = B[e];
      for (k = 0; k < K; k++) acc += (int64_t)I[(size_t)s * K + k] * W[(size_t)e * K + k];
      O[(size_t)s * E + e] = ref_rq(acc, rq);
    }
}

/* A[s,h,:] = isoftmax(rq(Q[h,s,:] . K[h,t,:])) */
static int ref_qk_softmax(const int8_t *Q, const int8_t *K, uint8_t *A, int32_t S, int32_t P,
                          int32_t H, th_rq rq) {
  int32_t *sc = (int32_t *)malloc(sizeof(int32_t) * (size_t)S);
  int32_t h, s, t, p;
  if (!sc) return TH_ERR_ARG;
  for (s = 0; s < S; s++)
    for (h = 0; h < H; h++) {
      for (t = 0; t < S; t++) {
        int64_t acc = 0;
        for (p = 0; p < P; p++)
          acc += (int64_t)Q[((size_t)h * S + s) * P + p] * K[((size_t)h * S + t) * P + p];
        sc[t] = ref_rq(acc, rq);
      }
      ref_isoftmax(sc, A + ((size_t)s * H + h) * S, S);
    }
  free(sc);
  return TH_OK;
}

/* O[s,h*P+p] = rq(sum_t A(h,s,t) V[h,p,t]); A(h,s,t) at A[(s*H+h)*S+t] (interleaved)
 * or A[(h*S+s)*S+t] (head-major, fwsa layout). */
static void ref_av(const uint8_t *A, const int8_t *V, int8_t *O, int32_t S, int32_t P, int32_t H,
                   th_rq rq, int head_major) {
  int32_t s, h, p, t;
  for (s = 0; s < S; s++)
    for (h = 0; h < H; h++)
      for (p = 0; p < P; p++) {
        int64_t acc = 0;
        for (t = 0; t < S; t++) {
          size_t ai = head_major ? ((size_t)h * S + s) * S + t : ((size_t)s * H + h) * S + t;
          acc += (int64_t)A[ai] * V[((size_t)h * P + p) * S + t];
        }
        O[(size_t)s * H * P + (size_t)h * P + p] = ref_rq(acc, rq);
      }
}

static int ref_fwsa(const int8_t *I, const int8_t *W, const int16_t *B, uint8_t *A, int32_t S,
                    int32_t E, int32_t H, th_rq rq0, th_rq rq1) {
  int8_t *is = (int8_t *)malloc((size_t)S * E);
  int32_t *sc = (int32_t *)malloc(sizeof(int32_t) * (size_t)S);
  int32_t h, s, e, f, t;
  if (!is || !sc) {
    free(is), free(sc);
    return TH_ERR_ARG;
  }
  for (h = 0; h < H; h++) {
    for (s = 0; s < S; s++)
      for (e = 0; e < E; e++) {
        int64_t acc = B[(size_t)h * E + e];
        for (f = 0; f < E; f++) acc += (int64_t)I[(size_t)s * E + f] * W[((size_t)h * E + e) * E + f];
        is[(size_t)s * E + e] = ref_rq(acc, rq0);
      }
    for (s = 0; s < S; s++) {
      for (t = 0; t < S; t++) {
        int64_t acc = 0;
        for (e = 0; e < E; e++) acc += (int64_t)is[(size_t)s * E + e] * I[(size_t)t * E + e];
        sc[t] = ref_rq(acc, rq1);
      }
      ref_isoftmax(sc, A + ((size_t)h * S + s) * S, S);
    }
  }
  free(is), free(sc);
  return TH_OK;
}

static int ref_mhsa(const th_params *pr, const void *const in[], int8_t *O, int fused) {
  const int32_t S = pr->shape.S, E = pr->shape.E, P = pr->shape.P, H = pr->shape.H;
  const size_t hsp = (size_t)H * S * P;
  int8_t *Q = (int8_t *)malloc(hsp), *K = (int8_t *)malloc(hsp), *V = (int8_t *)malloc(hsp);
  int8_t *M = (int8_t *)malloc(hsp);
  uint8_t *A = (uint8_t *)malloc((size_t)S * H * S);
  int st = TH_ERR_ARG;
  if (Q && K && V && M && A) {
    const int8_t *I = (const int8_t *)in[0];
    if (!fused) { /* mhsa (and mhsa_dft, which must give the same bytes) */
      ref_linear(I, (const int8_t *)in[1], (const int16_t *)in[2], Q, S, E, P, H, pr->rq[0], 0);
      ref_linear(I, (const int8_t *)in[3], (const int16_t *)in[4], K, S, E, P, H, pr->rq[1], 0);
      ref_linear(I, (const int8_t *)in[5], (const int16_t *)in[6], V, S, E, P, H, pr->rq[2], 1);
      st = ref_qk_softmax(Q, K, A, S, P, H, pr->rq[3]);
      ref_av(A, V, M, S, P, H, pr->rq[4], 0);
      ref_linear_o(M, (const int8_t *)in[7], (const int16_t *)in[8], O, S, E, H * P, pr->rq[5]);
    } else {
      st = ref_fwsa(I, (const int8_t *)in[1], (const int16_t *)in[2], A, S, E, H, pr->rq[0],
                    pr->rq[1]);
      ref_linear(I, (const int8_t *)in[3], (const int16_t *)in[4], V, S, E, P, H, pr->rq[2], 1);
      ref_av(A, V, M, S, P, H, pr->rq[3], 1);
      ref_linear_o(M, (const int8_t *)in[5], (const int16_t *)in[6], O, S, E, H * P, pr->rq[4]);
    }
  }
  free(Q), free(K), free(V), free(M), free(A);
  return st;
}

static void ref_layernorm(const int8_t *X, const int8_t *g, const int16_t *b, int8_t *Y, int32_t S,
                          int32_t E, th_rq rq) {
  int32_t s, i;
  for (s = 0; s < S; s++) {
    const int8_t *x = X + (size_t)s * E;
    int64_t sum = 0, sd;
    uint64_t sq = 0, v, r;
    for (i = 0; i < E; i++) sum += x[i];
    for (i = 0; i < E; i++) {
      int64_t d = (int64_t)E * x[i] - sum;
      sq += (uint64_t)(d * d);
    }
    v = sq / (uint64_t)E;
    /* isqrt: a floating-point guess, then corrected to the exact floor */
    r = (uint64_t)sqrt((double)v);
    while (r > 0 && r * r > v) r--;
    while ((r + 1) * (r + 1) <= v) r++;
    sd = (int64_t)(r < 1 ? 1 : r);
    for (i = 0; i < E; i++) {
      int64_t d = (int64_t)E * x[i] - sum;
      int64_t n = ref_floor_div(d * 256, sd);
      Y[(size_t)s * E + i] = ref_rq(n * g[i] + b[i], rq);
    }
  }
}

/* rq(x * w) where x * w may exceed 64 bits: decided in double when clearly saturated. */
static int8_t ref_rq_prod(int64_t x, int64_t w, th_rq rq) {
  double approx = (double)x * (double)w * (double)rq.mul;
  double lim = (double)((int64_t)1 << (rq.div + 8));
  if (x == 0 || w == 0 || rq.mul == 0) return 0;
  if (approx >= lim) return 127;
  if (approx <= -lim) return -128;
  return ref_rq(x * w, rq); /* |x*w*mul| < 2^40 here (or mul == 0) */
}

static void ref_gelu(const int8_t *X, int8_t *Y, int32_t S, int32_t E, const int32_t *c, th_rq rq) {
  size_t i, n = (size_t)S * E;
  int64_t qb = c[0], qc = c[1], q1 = c[2];
  for (i = 0; i < n; i++) {
    int64_t x = X[i], ax = x < 0 ? -x : x, sg = x > 0 ? 1 : x < 0 ? -1 : 0;
    int64_t t = (ax < qb ? ax : qb) - qb;
    int64_t L = sg * (qc - t * t);
    Y[i] = ref_rq_prod(x, L + q1, rq);
  }
}

static int ref_dim(int32_t v) { return v >= 1 && v <= TH_MAX_DIM; }

int th_ref_run(int32_t id, const th_params *p, const void *const in[], void *out) {
  static const int32_t n_rq[TH_K_COUNT] = {1, 1, 1, 1, 1, 2, 0, 6, 5, 6, 1, 1, 2, 1};
  static const int32_t n_in[TH_K_COUNT] = {3, 3, 3, 2, 2, 3, 1, 9, 7, 9, 3, 1, 2, 3};
  int32_t S, E, P, H, i;
  if (id < 0 || id >= TH_K_COUNT || !p || !in || !out) return TH_ERR_ARG;
  for (i = 0; i < n_in[id]; i++)
    if (!in[i]) return TH_ERR_ARG;
  S = p->shape.S, E = p->shape.E, P = p->shape.P, H = p->shape.H;
  /* Only the fields a kernel reads are checked (sizes are the caller's concern here). */
  if (!ref_dim(S)) return TH_ERR_SHAPE;
  if (id != TH_K_QK_SOFTMAX && id != TH_K_AV && !ref_dim(E)) return TH_ERR_SHAPE;
  if (id == TH_K_LINEAR && !ref_dim(P)) return TH_ERR_SHAPE;
  if (id <= TH_K_AV || id == TH_K_FWSA || (id >= TH_K_MHSA && id <= TH_K_MHSA_DFT))
    if ((id != TH_K_FWSA && !ref_dim(P)) || !ref_dim(H)) return TH_ERR_SHAPE;
  if (id == TH_K_MHSA_DFT && (p->shape.T < 1 || p->shape.T > S)) return TH_ERR_SHAPE;
  for (i = 0; i < n_rq[id]; i++)
    if (p->rq[i].div < 0 || p->rq[i].div > 31) return TH_ERR_RQ;

  switch (id) {
    case TH_K_LINEAR_QK:
    case TH_K_LINEAR_V:
      ref_linear((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                 (int8_t *)out, S, E, P, H, p->rq[0], id == TH_K_LINEAR_V);
      return TH_OK;
    case TH_K_LINEAR_O:
      ref_linear_o((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                   (int8_t *)out, S, E, H * P, p->rq[0]);
      return TH_OK;
    case TH_K_LINEAR: /* O[S,N] from I[S,K], W[N,K]: linear_o with E = N, H*P = K */
      ref_linear_o((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                   (int8_t *)out, S, P, E, p->rq[0]);
      return TH_OK;
    case TH_K_QK_SOFTMAX:
      return ref_qk_softmax((const int8_t *)in[0], (const int8_t *)in[1], (uint8_t *)out, S, P, H,
                            p->rq[0]);
    case TH_K_AV:
      ref_av((const uint8_t *)in[0], (const int8_t *)in[1], (int8_t *)out, S, P, H, p->rq[0], 0);
      return TH_OK;
    case TH_K_FWSA:
      return ref_fwsa((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                      (uint8_t *)out, S, E, H, p->rq[0], p->rq[1]);
    case TH_K_SOFTMAX: {
      int32_t *row = (int32_t *)malloc(sizeof(int32_t) * (size_t)E);
      int32_t s, e;
      if (!row) return TH_ERR_ARG;
      for (s = 0; s < S; s++) {
        for (e = 0; e < E; e++) row[e] = ((const int8_t *)in[0])[(size_t)s * E + e];
        ref_isoftmax(row, (uint8_t *)out + (size_t)s * E, E);
      }
      free(row);
      return TH_OK;
    }
    case TH_K_MHSA:
    case TH_K_MHSA_DFT: return ref_mhsa(p, in, (int8_t *)out, 0);
    case TH_K_MHSA_FWSA: return ref_mhsa(p, in, (int8_t *)out, 1);
    case TH_K_LAYERNORM:
      ref_layernorm((const int8_t *)in[0], (const int8_t *)in[1], (const int16_t *)in[2],
                    (int8_t *)out, S, E, p->rq[0]);
      return TH_OK;
    case TH_K_GELU:
      ref_gelu((const int8_t *)in[0], (int8_t *)out, S, E, p->consts, p->rq[0]);
      return TH_OK;
    default: { /* TH_K_ADD */
      const int8_t *A = (const int8_t *)in[0], *B = (const int8_t *)in[1];
      size_t k, n = (size_t)S * E;
      for (k = 0; k < n; k++)
        ((int8_t *)out)[k] = (int8_t)ref_clamp(ref_floor_pow2((int64_t)A[k] * p->rq[0].mul, p->rq[0].div) +
                                                   ref_floor_pow2((int64_t)B[k] * p->rq[1].mul, p->rq[1].div),
                                               -128, 127);
      return TH_OK;
    }
  }
}
