/* th_registry.c - kernel table, argument/shape/scratch validation and the th_kernel_run dispatcher. */
#include "th_internal.h"

/* Every tensor, and the scratch of a run, stays below 2^31 bytes: indices fit int32
 * and 32-bit size_t never wraps. */
#define TH_SIZE_LIMIT ((uint64_t)INT32_MAX)

/* The table, by id, of the descriptors each kernel file defines (TH_KERNEL_LIST). */
#define TH_DEF_PTR_(id, NAME, name) [id] = &th_def_##name,
static const th_kernel_def *const th_table[TH_K_COUNT] = {TH_KERNEL_LIST(TH_DEF_PTR_)};
#undef TH_DEF_PTR_

typedef th_kernel_def th_entry;

static const th_entry *th_entry_of(int32_t id) {
  return (id >= 0 && id < TH_K_COUNT) ? th_table[id] : NULL;
}

const th_kernel_desc *th_kernel_get(int32_t id) {
  const th_entry *e = th_entry_of(id);
  return e ? &e->desc : NULL;
}

int32_t th_kernel_find(const char *name) {
  int32_t id;
  if (!name) return -1;
  for (id = 0; id < TH_K_COUNT; id++) {
    const char *a = th_table[id]->desc.name, *b = name;
    while (*a && *a == *b) a++, b++;
    if (*a == *b) return id;
  }
  return -1;
}

static int th_dim_ok(int32_t v) { return v >= 1 && v <= TH_MAX_DIM; }

/* Shape fields in range for kernel e (T in 1..S when used). */
static th_status th_check_shape(const th_entry *e, const th_shape *s) {
  if ((e->fields & TH_F_S) && !th_dim_ok(s->S)) return TH_ERR_SHAPE;
  if ((e->fields & TH_F_E) && !th_dim_ok(s->E)) return TH_ERR_SHAPE;
  if ((e->fields & TH_F_P) && !th_dim_ok(s->P)) return TH_ERR_SHAPE;
  if ((e->fields & TH_F_H) && !th_dim_ok(s->H)) return TH_ERR_SHAPE;
  if ((e->fields & TH_F_T) && (s->T < 1 || s->T > s->S)) return TH_ERR_SHAPE;
  return TH_OK;
}

/* Element counts in 64 bits from the kernel's descriptor (unused entries 0). */
static void th_counts64(const th_entry *e, const th_shape *sh, uint64_t in[TH_MAX_INPUTS],
                        uint64_t *out) {
  int32_t i;
  for (i = 0; i < TH_MAX_INPUTS; i++) in[i] = 0;
  e->counts(sh, in, out);
}

/* Scratch bytes in 64 bits; the shape must already be valid. */
static uint64_t th_scratch64(const th_entry *e, const th_shape *sh, int32_t n_cores) {
  return e->scratch ? e->scratch(sh, (uint64_t)n_cores) : 0;
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
  th_counts64(e, s, in, out);
  for (i = 0; i < e->desc.n_inputs; i++)
    if (in[i] * th_dtype_size(e->desc.input_types[i]) > TH_SIZE_LIMIT) return TH_ERR_SHAPE;
  if (*out > TH_SIZE_LIMIT) return TH_ERR_SHAPE;
  if (th_scratch64(e, s, 1) > TH_SIZE_LIMIT) return TH_ERR_SHAPE;
  return TH_OK;
}

th_status th_check_params(int32_t id, const th_params *p) {
  const th_entry *e = th_entry_of(id);
  uint64_t in[TH_MAX_INPUTS], out;
  if (!e || !p) return TH_ERR_ARG;
  if (e->split && p->split != TH_SPLIT_HEADS && p->split != TH_SPLIT_ROWS) return TH_ERR_ARG;
  if (id == TH_K_GELU && p->consts[0] <= 0) return TH_ERR_ARG; /* docs/kernels.md: qb > 0 */
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
  need = th_scratch64(th_entry_of(id), s, n_cores);
  return need > TH_SIZE_LIMIT ? SIZE_MAX : (size_t)need;
}

uint64_t th_kernel_macs(int32_t id, const th_shape *s) {
  uint64_t in[TH_MAX_INPUTS], out;
  if (th_check_sizes(id, s, in, &out) != TH_OK) return 0;
  return th_entry_of(id)->macs(s);
}

th_status th_kernel_check(int32_t id, const th_params *p, const void *const inputs[],
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
  return TH_OK;
}

void th_kernel_exec(int32_t id, const th_params *p, const void *const inputs[], void *output,
                    const th_ctx *ctx) {
  if (id >= 0 && id < TH_K_COUNT) th_table[id]->fn(p, inputs, output, ctx);
}

th_status th_kernel_run(int32_t id, const th_params *p, const void *const inputs[],
                        void *output, const th_ctx *ctx) {
  const th_status st = th_kernel_check(id, p, inputs, output, ctx);
  if (st == TH_OK) th_kernel_exec(id, p, inputs, output, ctx);
  return st;
}
