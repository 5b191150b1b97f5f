/* tinyhil.h - the tinyhil kernel library: every kernel, its shapes, its scratch.
 *
 * Portable C99, no I/O, no malloc. All semantics are specified in docs/kernels.md;
 * the TypeScript golden model (src/golden/) is the executable form of that spec.
 *
 * Notation: S sequence length, E embedding, P head (projection) size, H heads,
 * T tile rows (DFT). Activations/weights int8, biases int16, accumulation int32,
 * rq(x) = clamp(floor(x * mul / 2^div), -128, 127) computed in 64 bits.
 *
 * Every kernel takes a th_ctx: the calling core's partition (core_id of n_cores),
 * a scratch area given by the caller, and a barrier used by multi-stage kernels
 * when n_cores > 1. Any n_cores in 1..TH_MAX_CORES gives the same bytes.
 */
#ifndef TINYHIL_H
#define TINYHIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TH_VERSION_STRING "0.1.0"
#define TH_MAX_CORES 8
#define TH_MAX_INPUTS 10
#define TH_MAX_RQ 6
#define TH_MAX_CONSTS 3
#define TH_MAX_DIM 65535 /* every shape field is 1..TH_MAX_DIM (T: 1..S) */

typedef enum {
  TH_OK = 0,
  TH_ERR_ARG = 1,     /* null pointer, unknown kernel id, bad core partition */
  TH_ERR_SHAPE = 2,   /* a shape field is out of range or a size overflows */
  TH_ERR_SCRATCH = 3, /* scratch smaller than th_scratch_bytes() */
  TH_ERR_RQ = 4       /* div outside 0..31 */
} th_status;

/* The kernel list: X(id, ENUM, name), one line per kernel. Ids are stable numbers shared
 * with the wire protocol and the TypeScript side (src/golden/kernels.ts, checked by
 * test/kernel-table.test.ts); everything else about a kernel (argument names and types,
 * sizes, scratch, MACs) is its descriptor th_def_<name> at the end of kernels/src/th_<name>.c.
 *   id name          inputs -> output                                    rq  consts */
#define TH_KERNEL_LIST(X)                                                                       \
  X(0, LINEAR_QK, linear_qk)   /* I[S,E], W[H*P,E], B[H*P] -> O[H,S,P] int8            1     */ \
  X(1, LINEAR_V, linear_v)     /* I[S,E], W[H*P,E], B[H*P] -> O[H,P,S] int8            1     */ \
  X(2, LINEAR_O, linear_o)     /* I[S,H*P], W[E,H*P], B[E] -> O[S,E] int8              1     */ \
  X(3, QK_SOFTMAX, qk_softmax) /* Q[H,S,P], K[H,S,P] -> A[S,H,S] uint8 (row s*H+h)     1     */ \
  X(4, AV, av)                 /* A[S,H,S] uint8, V[H,P,S] -> O[S,H*P] int8            1     */ \
  X(5, FWSA, fwsa)             /* I[S,E], W[H,E,E], B[H,E] -> A[H,S,S] uint8           2     */ \
  X(6, SOFTMAX, softmax)       /* X[S,E] int8 -> Y[S,E] uint8 (softmax along E)        0     */ \
  X(7, MHSA, mhsa)             /* I,Wq,Bq,Wk,Bk,Wv,Bv,Wo,Bo -> O[S,E] int8             6     */ \
  X(8, MHSA_FWSA, mhsa_fwsa)   /* I,Wf,Bf,Wv,Bv,Wo,Bo -> O[S,E] int8                   5     */ \
  X(9, MHSA_DFT, mhsa_dft)     /* as mhsa, tile of T query rows                        6     */ \
  X(10, LAYERNORM, layernorm)  /* X[S,E], gamma[E] int8, beta[E] int16 -> Y[S,E] int8  1     */ \
  X(11, GELU, gelu)            /* X[S,E] -> Y[S,E] int8                                1  3  */ \
  X(12, ADD, add)              /* A[S,E], B[S,E] -> Y[S,E] int8                        2     */ \
  X(13, LINEAR, linear)        /* I[S,K], W[N,K], B[N] -> O[S,N] int8; K = E, N = P    1     */

#define TH_K_ENUM_(id, NAME, name) TH_K_##NAME = id,
#define TH_K_ONE_(id, NAME, name) +1
typedef enum { TH_KERNEL_LIST(TH_K_ENUM_) TH_K_COUNT = 0 TH_KERNEL_LIST(TH_K_ONE_) } th_kernel_id;

/* How multi-core kernels split work. QK_SOFTMAX and AV honour both; the others
 * have one natural split (documented per kernel) and ignore this field. */
typedef enum { TH_SPLIT_HEADS = 0, TH_SPLIT_ROWS = 1 } th_split;

typedef enum { TH_I8 = 0, TH_U8 = 1, TH_I16 = 2 } th_dtype;

typedef struct { int32_t S, E, P, H, T; } th_shape;
typedef struct { int32_t mul, div; } th_rq;

/* Everything but the tensors. rq[] and consts[] are read up to the kernel's counts. */
typedef struct {
  th_shape shape;
  th_split split;
  th_rq rq[TH_MAX_RQ];
  int32_t consts[TH_MAX_CONSTS];
} th_params;

typedef void (*th_barrier_fn)(void *arg);

typedef struct {
  int32_t core_id;      /* 0..n_cores-1 */
  int32_t n_cores;      /* 1..TH_MAX_CORES */
  void *scratch;        /* shared by all cores of one run; NULL allowed when 0 bytes needed */
  size_t scratch_bytes;
  th_barrier_fn barrier; /* called by all cores between stages; may be NULL when n_cores == 1 */
  void *barrier_arg;
} th_ctx;

/* Static description of a kernel: names of its arguments as in docs/kernels.md. */
typedef struct {
  const char *name;                      /* e.g. "linear_qk" */
  int32_t n_inputs;
  const char *input_names[TH_MAX_INPUTS]; /* e.g. "I", "W", "B" */
  th_dtype input_types[TH_MAX_INPUTS];
  th_dtype output_type;
  int32_t n_rq;
  int32_t n_consts;
  int32_t uses_T;                        /* 1 when shape.T matters (DFT) */
} th_kernel_desc;

/* NULL for an unknown id. */
const th_kernel_desc *th_kernel_get(int32_t id);
/* -1 when no kernel has that name. */
int32_t th_kernel_find(const char *name);

/* Checks the shape (and split/T) for this kernel; TH_OK or TH_ERR_SHAPE/TH_ERR_ARG.
 * Only the shape fields the kernel reads are checked (e.g. softmax ignores P and H,
 * qk_softmax/av ignore E, only mhsa_dft reads T); every input, the output and the
 * 1-core scratch must stay below 2^31 bytes. split is checked (TH_ERR_ARG) only by
 * qk_softmax and av. rq and consts are not checked here (th_kernel_run checks div). */
th_status th_check_params(int32_t id, const th_params *p);
/* Element counts of each input and of the output (bytes = count * dtype size).
 * Returns TH_ERR_SHAPE when a size would not fit in size_t / 2^31. */
th_status th_kernel_sizes(int32_t id, const th_shape *s, size_t in_counts[TH_MAX_INPUTS],
                          size_t *out_count);
/* Scratch bytes a run of this kernel needs with n_cores cores (0 for most kernels);
 * exactly the formulas of docs/kernels.md. SIZE_MAX when the shape or n_cores is
 * invalid or the size reaches 2^31. */
size_t th_scratch_bytes(int32_t id, const th_shape *s, int32_t n_cores);
/* Multiply-accumulates of one run as the reference counts them (see docs/kernels.md);
 * 0 for an invalid id or shape. */
uint64_t th_kernel_macs(int32_t id, const th_shape *s);

/* Runs the calling core's slice of kernel `id`. Every core of a run calls this
 * with the same arguments but its own ctx->core_id. Checks params, rq and scratch
 * before touching memory, in this order: id/null pointers/partition (TH_ERR_ARG,
 * also a NULL barrier for mhsa, mhsa_fwsa, mhsa_dft when n_cores > 1), shape
 * (TH_ERR_SHAPE), div of the kernel's rq pairs (TH_ERR_RQ), scratch size
 * (TH_ERR_SCRATCH; a NULL scratch when bytes are needed is TH_ERR_ARG). On error
 * nothing is written. gelu accepts any int32 consts (its math is exact for all). */
th_status th_kernel_run(int32_t id, const th_params *p, const void *const inputs[],
                        void *output, const th_ctx *ctx);
/* th_kernel_run in two halves: th_kernel_check makes every check of th_kernel_run (same
 * statuses) and runs nothing; th_kernel_exec runs without checking, and only with arguments
 * th_kernel_check accepted (any core_id of that n_cores). The firmware checks before its
 * counters start, so a RUN's counter holds the kernel and not its validation. */
th_status th_kernel_check(int32_t id, const th_params *p, const void *const inputs[],
                          void *output, const th_ctx *ctx);
void th_kernel_exec(int32_t id, const th_params *p, const void *const inputs[], void *output,
                    const th_ctx *ctx);

/* Helpers shared by kernels and tests. */
static inline size_t th_dtype_size(th_dtype t) { return t == TH_I16 ? 2u : 1u; }

#ifdef __cplusplus
}
#endif
#endif /* TINYHIL_H */
