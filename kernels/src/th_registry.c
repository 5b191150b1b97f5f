/* th_registry.c - kernel table, argument/shape/scratch validation and the th_kernel_run dispatcher. */
#include "th_internal.h"

/* Every tensor, and the scratch of a run, stays below 2^31 bytes: indices fit int32
 * and 32-bit size_t never wraps. */
#define TH_SIZE_LIMIT ((uint64_t)INT32_MAX)

/* Shape fields a kernel reads; the others are ignored (not validated). */
enum { F_S = 1, F_E = 2, F_P = 4, F_H = 8, F_T = 16 };

typedef struct {
  th_kernel_desc desc;
  th_kernel_fn fn;
  int32_t fields;  /* F_* used */
  int32_t stages;  /* > 1: calls ctx->barrier, needs one when n_cores > 1 */
  int32_t split;   /* honours th_params.split */
} th_entry;

#define I8 TH_I8
#define U8 TH_U8
#define I16 TH_I16

static const th_entry th_table[TH_K_COUNT] = {
    {{"linear_qk", 3, {"I", "W", "B"}, {I8, I8, I16}, I8, 1, 0, 0}, th_linear_qk,
     F_S | F_E | F_P | F_H, 1, 0},
    {{"linear_v", 3, {"I", "W", "B"}, {I8, I8, I16}, I8, 1, 0, 0}, th_linear_v,
     F_S | F_E | F_P | F_H, 1, 0},
    {{"linear_o", 3, {"I", "W", "B"}, {I8, I8, I16}, I8, 1, 0, 0}, th_linear_o,
     F_S | F_E | F_P | F_H, 1, 0},
    {{"qk_softmax", 2, {"Q", "K"}, {I8, I8}, U8, 1, 0, 0}, th_qk_softmax, F_S | F_P | F_H, 1, 1},
    {{"av", 2, {"A", "V"}, {U8, I8}, I8, 1, 0, 0}, th_av, F_S | F_P | F_H, 1, 1},
    {{"fwsa", 3, {"I", "W", "B"}, {I8, I8, I16}, U8, 2, 0, 0}, th_fwsa, F_S | F_E | F_H, 1, 0},
    {{"softmax", 1, {"X"}, {I8}, U8, 0, 0, 0}, th_softmax, F_S | F_E, 1, 0},
    {{"mhsa", 9, {"I", "Wq", "Bq", "Wk", "Bk", "Wv", "Bv", "Wo", "Bo"},
      {I8, I8, I16, I8, I16, I8, I16, I8, I16}, I8, 6, 0, 0},
     th_mhsa, F_S | F_E | F_P | F_H, 4, 0},
    {{"mhsa_fwsa", 7, {"I", "Wf", "Bf", "Wv", "Bv", "Wo", "Bo"}, {I8, I8, I16, I8, I16, I8, I16},
      I8, 5, 0, 0},
     th_mhsa_fwsa, F_S | F_E | F_P | F_H, 3, 0},
    {{"mhsa_dft", 9, {"I", "Wq", "Bq", "Wk", "Bk", "Wv", "Bv", "Wo", "Bo"},
      {I8, I8, I16, I8, I16, I8, I16, I8, I16}, I8, 6, 0, 1},
     th_mhsa_dft, F_S | F_E | F_P | F_H | F_T, 2, 0},
    {{"layernorm", 3, {"X", "gamma", "beta"}, {I8, I8, I16}, I8, 1, 0, 0}, th_layernorm,
     F_S | F_E, 1, 0},
    {{"gelu", 1, {"X"}, {I8}, I8, 1, 3, 0}, th_gelu, F_S | F_E, 1, 0},
    {{"add", 2, {"A", "B"}, {I8, I8}, I8, 2, 0, 0}, th_add, F_S | F_E, 1, 0},
    {{"linear", 3, {"I", "W", "B"}, {I8, I8, I16}, I8, 1, 0, 0}, th_linear, F_S | F_E | F_P, 1, 0},
};

static const th_entry *th_entry_of(int32_t id) {
  return (id >= 0 && id < TH_K_COUNT) ? &th_table[id] : NULL;
}

const th_kernel_desc *th_kernel_get(int32_t id) {
  const th_entry *e = th_entry_of(id);
  return e ? &e->desc : NULL;
}

int32_t th_kernel_find(const char *name) {
  int32_t id;
  if (!name) return -1;
  for (id = 0; id < TH_K_COUNT; id++) {
    const char *a = th_table[id].desc.name, *b = name;
    while (*a && *a == *b) a++, b++;
    if (*a == *b) return id;
  }
  return -1;
}

static int th_dim_ok(int32_t v) { return v >= 1 && v <= TH_MAX_DIM; }

/* Shape fields in range for kernel e (T in 1..S when used). */
static th_status th_check_shape(const th_entry *e, const th_shape *s) {
  if ((e->fields & F_S) && !th_dim_ok(s->S)) return TH_ERR_SHAPE;
  if ((e->fields & F_E) && !th_dim_ok(s->E)) return TH_ERR_SHAPE;
  if ((e->fields & F_P) && !th_dim_ok(s->P)) return TH_ERR_SHAPE;
  if ((e->fields & F_H) && !th_dim_ok(s->H)) return TH_ERR_SHAPE;
  if ((e->fields & F_T) && (s->T < 1 || s->T > s->S)) return TH_ERR_SHAPE;
  return TH_OK;
}

/* Element counts in 64 bits (each dim < 2^16, so products of up to 3 dims are exact;
 * 4-dim products are only formed after the 3-dim parts were bounded). */
static void th_counts64(int32_t id, const th_shape *sh, uint64_t in[TH_MAX_INPUTS], uint64_t *out) {
  const uint64_t S = (uint64_t)sh->S, E = (uint64_t)sh->E, P = (uint64_t)sh->P,
                 H = (uint64_t)sh->H;
  int32_t i;
  for (i = 0; i < TH_MAX_INPUTS; i++) in[i] = 0;
  switch (id) {
    case TH_K_LINEAR_QK:
    case TH_K_LINEAR_V:
      in[0] = S * E, in[1] = H * P * E, in[2] = H * P, *out = H * S * P;
      break;
    case TH_K_LINEAR_O:
      in[0] = S * H * P, in[1] = E * H * P, in[2] = E, *out = S * E;
      break;
    case TH_K_QK_SOFTMAX:
      in[0] = H * S * P, in[1] = H * S * P, *out = S * H * S;
      break;
    case TH_K_AV:
      in[0] = S * H * S, in[1] = H * P * S, *out = S * H * P;
      break;
    case TH_K_FWSA:
      in[0] = S * E, in[1] = H * E * E, in[2] = H * E, *out = H * S * S;
      break;
    case TH_K_MHSA:
    case TH_K_MHSA_DFT:
      in[0] = S * E, in[1] = in[3] = in[5] = H * P * E, in[2] = in[4] = in[6] = H * P;
      in[7] = E * H * P, in[8] = E, *out = S * E;
      break;
    case TH_K_MHSA_FWSA:
      in[0] = S * E, in[1] = H * E * E, in[2] = H * E, in[3] = H * P * E, in[4] = H * P;
      in[5] = E * H * P, in[6] = E, *out = S * E;
      break;
    case TH_K_LAYERNORM:
      in[0] = S * E, in[1] = E, in[2] = E, *out = S * E;
      break;
    case TH_K_LINEAR: /* K = E, N = P */
      in[0] = S * E, in[1] = P * E, in[2] = P, *out = S * P;
      break;
    case TH_K_SOFTMAX:
    case TH_K_GELU:
      in[0] = S * E, *out = S * E;
      break;
    default: /* TH_K_ADD */
      in[0] = S * E, in[1] = S * E, *out = S * E;
      break;
  }
}

/* Scratch bytes in 64 bits; the shape must already be valid. */
static uint64_t th_scratch64(int32_t id, const th_shape *sh, int32_t n_cores) {
  const uint64_t S = (uint64_t)sh->S, E = (uint64_t)sh->E, P = (uint64_t)sh->P,
                 H = (uint64_t)sh->H, T = (uint64_t)sh->T, n = (uint64_t)n_cores;
  switch (id) {
    case TH_K_FWSA: return n * S * E;
    case TH_K_MHSA: return 3 * H * S * P + S * H * S + S * H * P;
    case TH_K_MHSA_FWSA: return H * P * S + H * S * S + S * H * P + n * S * E;
    case TH_K_MHSA_DFT: return 2 * H * S * P + n * (T * P + T * S + T * H * P);
    default: return 0;
  }
}

/* Shape valid and every tensor (and the 1-core scratch) below TH_SIZE_LIMIT bytes. */
static th_status th_check_sizes(int32_t id, const th_shape *s, uint64_t in[TH_MAX_INPUTS],
                                uint64_t *out) {
  const th_entry *e = th_entry_of(id);
  th_status st;
  int32_t i;
  if (!e || !s) return TH_ERR_ARG;
  st = th_check_shape(e, s);
  if (st != TH_OK) return st;
  th_counts64(id, s, in, out);
  for (i = 0; i < e->desc.n_inputs; i++)
    if (in[i] * th_dtype_size(e->desc.input_types[i]) > TH_SIZE_LIMIT) return TH_ERR_SHAPE;
  if (*out > TH_SIZE_LIMIT) return TH_ERR_SHAPE;
  if (th_scratch64(id, s, 1) > TH_SIZE_LIMIT) return TH_ERR_SHAPE;
  return TH_OK;
}

th_status th_check_params(int32_t id, const th_params *p) {
  const th_entry *e = th_entry_of(id);
  uint64_t in[TH_MAX_INPUTS], out;
  if (!e || !p) return TH_ERR_ARG;
  if (e->split && p->split != TH_SPLIT_HEADS && p->split != TH_SPLIT_ROWS) return TH_ERR_ARG;
  return th_check_sizes(id, &p->shape, in, &out);
}

th_status th_kernel_sizes(int32_t id, const th_shape *s, size_t in_counts[TH_MAX_INPUTS],
                          size_t *out_count) {
  uint64_t in[TH_MAX_INPUTS], out;
  th_status st;
  int32_t i;
  if (!in_counts || !out_count) return TH_ERR_ARG;
  st = th_check_sizes(id, s, in, &out);
  if (st != TH_OK) return st;
  for (i = 0; i < TH_MAX_INPUTS; i++) in_counts[i] = (size_t)in[i];
  *out_count = (size_t)out;
  return TH_OK;
}

size_t th_scratch_bytes(int32_t id, const th_shape *s, int32_t n_cores) {
  uint64_t in[TH_MAX_INPUTS], out, need;
  if (n_cores < 1 || n_cores > TH_MAX_CORES) return SIZE_MAX;
  if (th_check_sizes(id, s, in, &out) != TH_OK) return SIZE_MAX;
  need = th_scratch64(id, s, n_cores);
  return need > TH_SIZE_LIMIT ? SIZE_MAX : (size_t)need;
}

uint64_t th_kernel_macs(int32_t id, const th_shape *s) {
  uint64_t in[TH_MAX_INPUTS], out, S, E, P, H;
  if (th_check_sizes(id, s, in, &out) != TH_OK) return 0;
  S = (uint64_t)s->S, E = (uint64_t)s->E, P = (uint64_t)s->P, H = (uint64_t)s->H;
  switch (id) {
    case TH_K_LINEAR_QK:
    case TH_K_LINEAR_V:
    case TH_K_LINEAR_O: return S * E * P * H;
    case TH_K_LINEAR: return S * E * P;
    case TH_K_QK_SOFTMAX:
    case TH_K_AV: return H * S * S * P;
    case TH_K_FWSA: return H * S * E * E + H * S * S * E;
    case TH_K_MHSA:
    case TH_K_MHSA_DFT: return 4 * S * E * P * H + 2 * H * S * S * P;
    case TH_K_MHSA_FWSA: return (H * S * E * E + H * S * S * E) + 2 * S * E * P * H + H * S * S * P;
    default: return S * E;
  }
}

th_status th_kernel_run(int32_t id, const th_params *p, const void *const inputs[],
                        void *output, const th_ctx *ctx) {
  const th_entry *e = th_entry_of(id);
  th_status st;
  size_t need;
  int32_t i;
  if (!e || !p || !inputs || !output || !ctx) return TH_ERR_ARG;
  if (ctx->n_cores < 1 || ctx->n_cores > TH_MAX_CORES) return TH_ERR_ARG;
  if (ctx->core_id < 0 || ctx->core_id >= ctx->n_cores) return TH_ERR_ARG;
  for (i = 0; i < e->desc.n_inputs; i++)
    if (!inputs[i]) return TH_ERR_ARG;
  if (e->stages > 1 && ctx->n_cores > 1 && !ctx->barrier) return TH_ERR_ARG;
  st = th_check_params(id, p);
  if (st != TH_OK) return st;
  for (i = 0; i < e->desc.n_rq; i++)
    if (p->rq[i].div < 0 || p->rq[i].div > 31) return TH_ERR_RQ;
  need = th_scratch_bytes(id, &p->shape, ctx->n_cores);
  if (need == SIZE_MAX) return TH_ERR_SHAPE;
  if (ctx->scratch_bytes < need) return TH_ERR_SCRATCH;
  if (need > 0 && !ctx->scratch) return TH_ERR_ARG;
  e->fn(p, inputs, output, ctx);
  return TH_OK;
}
