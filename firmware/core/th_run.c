/* th_run.c - the RUN request: checks every field and region, then runs the kernel on the cores. */
#include "th_run.h"

#include <string.h>

#include "hal.h"
#include "th_abort.h"
#include "th_crc32.h"
#include "th_fault.h"
#include "th_fw.h"
#include "th_proto.h"
#include "th_reply.h"
#include "tinyhil.h"

/* Fixed part, per-core counters, then (TH_PROTO_RUN_WAITS) per-core waits and the critical path. */
static uint8_t last_run[TH_PROTO_RUN_REPLY_FIXED_BYTES + 16 * TH_MAX_CORES + 8];
static uint32_t last_run_len;

const uint8_t *th_run_last(uint32_t *len) {
  *len = last_run_len;
  return last_run;
}

void th_run_forget(void) { last_run_len = 0; }

typedef struct {
  int32_t id;
  int32_t n_cores;
  const th_params *params; /* the checked node's (static storage: th_run's or th_graph's) */
  const void *inputs[TH_MAX_INPUTS];
  void *output;
  void *scratch;
  size_t scratch_bytes;
} run_job;

static run_job job;

static void job_ctx(const run_job *jb, int32_t core_id, th_ctx *ctx) {
  ctx->core_id = core_id;
  ctx->n_cores = jb->n_cores;
  ctx->scratch = jb->scratch;
  ctx->scratch_bytes = jb->scratch_bytes;
  ctx->barrier = hal_barrier;
  ctx->barrier_arg = 0;
}

/* One core's slice, inside the counters: th_node_exec ran th_kernel_check before they started. */
static void run_core(int32_t core_id, void *arg) {
  run_job *jb = (run_job *)arg;
  th_ctx ctx;
  if (core_id < 0 || core_id >= jb->n_cores) return;
  job_ctx(jb, core_id, &ctx);
#ifdef TH_TEST_FAULT
  /* On the last core: with several, a worker faults while core 0 waits for it. */
  if (th_test_fault_armed && core_id == jb->n_cores - 1) {
    uint32_t kind = th_test_fault_armed;
    th_test_fault_armed = 0;
    hal_test_fault(kind); /* a deliberate fault "inside" the kernel (test builds only) */
  }
#endif
  th_kernel_exec(jb->id, jb->params, jb->inputs, jb->output, &ctx);
}

/* "RUN linear_qk: " (GRAPH: "GRAPH linear_qk: "; th_graph puts the node index in front). */
static void run_prefix(uint8_t type, const th_kernel_desc *d) {
  th_txt(th_type_name(type));
  th_txt(" ");
  th_txt(d->name);
  th_txt(": ");
}

static int overlaps(uint64_t a, uint64_t la, uint64_t b, uint64_t lb) {
  return la && lb && a < b + lb && b < a + la;
}

/* No memset or struct copy: this runs between the nodes of a GRAPH, inside its measured total
 * (a byte-loop memset costs hundreds of instructions on RV32). Only the first n_in inputs are
 * ever read. */
void th_node_bind(const th_node *nd, uint8_t *arena) {
  uint32_t i;
  job.id = nd->id;
  job.n_cores = nd->n_cores;
  job.params = &nd->params;
  for (i = 0; i < nd->n_in; i++) job.inputs[i] = arena + nd->in_off[i];
  job.output = arena + nd->out_off;
  job.scratch = nd->scr_len ? arena + nd->scr_off : 0;
  job.scratch_bytes = nd->scr_len;
}

/* The same for every core_id, so core 0's context stands for all. */
th_status th_node_check(void) {
  th_ctx ctx;
  job_ctx(&job, 0, &ctx);
  return th_kernel_check(job.id, job.params, job.inputs, job.output, &ctx);
}

void th_node_exec(uint64_t per_core[TH_MAX_CORES]) {
  int32_t i;
  for (i = 0; i < TH_MAX_CORES; i++) per_core[i] = 0;
  th_fault_kernel = job.id; /* named by the FAULT frame if the kernel faults */
  hal_parallel(job.n_cores, run_core, &job, per_core);
  th_fault_kernel = -1;
}

int th_run_check(uint8_t type, const uint8_t *p, uint32_t n, uint32_t arena_bytes, th_node *nd) {
  static const char *const dim_names[5] = {"S", "E", "P", "H", "T"};
  const th_kernel_desc *d;
  uint32_t n_in, i, k, dims[5], repeat, out_off, scr_off, scr_len, in_off[TH_MAX_INPUTS];
  uint64_t in_len[TH_MAX_INPUTS], out_len, need;
  size_t in_counts[TH_MAX_INPUTS], out_count;
  int32_t id, cores;

  if (n < TH_PROTO_RUN_FIXED_BYTES ||
      n != TH_PROTO_RUN_FIXED_BYTES + 4u * p[3] + TH_PROTO_RUN_TAIL_BYTES) {
    th_fail(TH_PERR_BAD_LENGTH, type, n);
    th_txt(th_type_name(type));
    th_txt(": payload of ");
    th_num(n);
    th_txt(" bytes, expected 100 + 4 * n_inputs");
    if (n >= 4) { th_txt(" = "); th_num(100u + 4u * p[3]); }
    return 1;
  }
  id = p[0];
  n_in = p[3];
  d = th_kernel_get(id);
  if (!d) {
    th_fail(TH_PERR_BAD_KERNEL, type, (uint32_t)id);
    th_txt(th_type_name(type));
    th_txt(": unknown kernel id ");
    th_num((uint32_t)id);
    return 1;
  }
  if ((int32_t)n_in != d->n_inputs) {
    th_fail(TH_PERR_BAD_KERNEL, type, n_in);
    run_prefix(type, d);
    th_txt("n_inputs ");
    th_num(n_in);
    th_txt(", the kernel takes ");
    th_num((uint32_t)d->n_inputs);
    return 1;
  }
  cores = hal_cores() > TH_MAX_CORES ? TH_MAX_CORES : hal_cores();
  if (p[1] < 1 || p[1] > cores) {
    th_fail(TH_PERR_BAD_CORES, type, p[1]);
    run_prefix(type, d);
    th_txt("n_cores ");
    th_num(p[1]);
    th_txt(" outside 1..");
    th_num((uint32_t)cores);
    return 1;
  }
  memset(nd, 0, sizeof *nd);
  nd->id = id;
  nd->n_cores = p[1];
  if (p[2] > TH_PROTO_SPLIT_ROWS) {
    th_fail(TH_PERR_BAD_SHAPE, type, p[2]);
    run_prefix(type, d);
    th_txt("split ");
    th_num(p[2]);
    th_txt(" is neither 0 (heads) nor 1 (rows)");
    return 1;
  }
  repeat = th_rd32(p + TH_PROTO_RUN_OFF_REPEAT);
  if (repeat == 0) {
    th_fail(TH_PERR_BAD_SHAPE, type, 0);
    run_prefix(type, d);
    th_txt("repeat 0, must be at least 1");
    return 1;
  }
  if (repeat > th_fw_max_repeat()) {
    th_fail(TH_PERR_REPEAT_LIMIT, type, th_fw_max_repeat());
    run_prefix(type, d);
    th_txt("repeat ");
    th_num(repeat);
    th_txt(" above this board's limit of ");
    th_num(th_fw_max_repeat());
    th_txt(" (HELLO max_repeat)");
    return 1;
  }
  for (i = 0; i < 5; i++) {
    dims[i] = th_rd32(p + TH_PROTO_RUN_OFF_SHAPE + 4 * i);
    if (i == 4 && !d->uses_T) dims[i] = 1; /* T is read by mhsa_dft only */
    if (dims[i] < 1 || dims[i] > TH_MAX_DIM) {
      th_fail(TH_PERR_BAD_SHAPE, type, dims[i]);
      run_prefix(type, d);
      th_txt(dim_names[i]);
      th_txt(" = ");
      th_num(dims[i]);
      th_txt(" outside 1..65535");
      return 1;
    }
  }
  nd->params.shape.S = (int32_t)dims[0];
  nd->params.shape.E = (int32_t)dims[1];
  nd->params.shape.P = (int32_t)dims[2];
  nd->params.shape.H = (int32_t)dims[3];
  nd->params.shape.T = (int32_t)dims[4];
  nd->params.split = p[2] ? TH_SPLIT_ROWS : TH_SPLIT_HEADS;
  for (i = 0; i < TH_MAX_RQ; i++) {
    nd->params.rq[i].mul = (int32_t)th_rd32(p + TH_PROTO_RUN_OFF_RQ + 8 * i);
    nd->params.rq[i].div = (int32_t)th_rd32(p + TH_PROTO_RUN_OFF_RQ + 4 + 8 * i);
  }
  for (i = 0; i < TH_MAX_CONSTS; i++) nd->params.consts[i] = (int32_t)th_rd32(p + TH_PROTO_RUN_OFF_CONSTS + 4 * i);
  for (i = 0; i < (uint32_t)d->n_rq && i < TH_MAX_RQ; i++) {
    int32_t div = nd->params.rq[i].div;
    if (div < 0 || div > 31) {
      th_fail(TH_PERR_BAD_RQ, type, (uint32_t)div);
      run_prefix(type, d);
      th_txt("rq");
      th_num(i);
      th_txt(" div ");
      if (div < 0) { th_txt("-"); th_num((uint64_t)(-(int64_t)div)); } else th_num((uint32_t)div);
      th_txt(" outside 0..31");
      return 1;
    }
  }
  if (id == TH_K_GELU && nd->params.consts[0] <= 0) {
    /* docs/kernels.md: qb > 0 (the host's golden model refuses it too). */
    th_fail(TH_PERR_BAD_SHAPE, type, (uint32_t)nd->params.consts[0]);
    run_prefix(type, d);
    th_txt("qb (consts[0]) = ");
    if (nd->params.consts[0] < 0) th_txt("-");
    th_num((uint64_t)(-(int64_t)nd->params.consts[0])); /* qb <= 0 here */
    th_txt(", must be > 0");
    return 1;
  }
  if (th_check_params(id, &nd->params) != TH_OK ||
      th_kernel_sizes(id, &nd->params.shape, in_counts, &out_count) != TH_OK) {
    th_fail(TH_PERR_BAD_SHAPE, type, 0);
    run_prefix(type, d);
    th_txt("shape S=");
    th_num(dims[0]);
    th_txt(" E=");
    th_num(dims[1]);
    th_txt(" P=");
    th_num(dims[2]);
    th_txt(" H=");
    th_num(dims[3]);
    th_txt(" T=");
    th_num(dims[4]);
    th_txt(" refused by th_check_params");
    return 1;
  }
  /* Regions: every offset + length checked in 64 bits against the arena. */
  for (i = 0; i < n_in; i++) {
    in_off[i] = th_rd32(p + TH_PROTO_RUN_FIXED_BYTES + 4 * i);
    in_len[i] = (uint64_t)in_counts[i] * th_dtype_size(d->input_types[i]);
    if (th_region(type, d->input_names[i] ? d->input_names[i] : "input", in_off[i], in_len[i], arena_bytes))
      return 1;
  }
  k = TH_PROTO_RUN_FIXED_BYTES + 4 * n_in;
  out_off = th_rd32(p + k);
  scr_off = th_rd32(p + k + 4);
  scr_len = th_rd32(p + k + 8);
  out_len = (uint64_t)out_count * th_dtype_size(d->output_type);
  if (th_region(type, "output", out_off, out_len, arena_bytes)) return 1;
  if (th_region(type, "scratch", scr_off, scr_len, arena_bytes)) return 1;
  for (i = 0; i < n_in; i++) {
    uint32_t size = (uint32_t)th_dtype_size(d->input_types[i]);
    if (in_off[i] % size != 0) {
      th_fail(TH_PERR_BAD_ALIGN, type, in_off[i]);
      run_prefix(type, d);
      th_txt(d->input_names[i] ? d->input_names[i] : "input");
      th_txt(" offset ");
      th_num(in_off[i]);
      th_txt(" not a multiple of ");
      th_num(size);
      return 1;
    }
  }
  need = th_scratch_bytes(id, &nd->params.shape, nd->n_cores);
  if (scr_len < need) {
    th_fail(TH_PERR_SCRATCH, type, th_sat32(need));
    run_prefix(type, d);
    th_txt("scratch of ");
    th_num(scr_len);
    th_txt(" bytes, needs ");
    th_num(need);
    th_txt(" with ");
    th_num((uint32_t)nd->n_cores);
    th_txt(" cores");
    return 1;
  }
  for (i = 0; i <= n_in; i++) {
    /* i < n_in: an input against the output and the scratch; i == n_in: output against scratch. */
    uint64_t a = i < n_in ? in_off[i] : scr_off, la = i < n_in ? in_len[i] : scr_len;
    const char *what = i < n_in ? (d->input_names[i] ? d->input_names[i] : "input") : "scratch";
    int hit_out = overlaps(out_off, out_len, a, la);
    int hit_scr = i < n_in && overlaps(scr_off, scr_len, a, la);
    if (hit_out || hit_scr) {
      th_fail(TH_PERR_OVERLAP, type, (uint32_t)a);
      run_prefix(type, d);
      th_txt(hit_out ? "output" : "scratch");
      th_txt(" overlaps ");
      th_txt(what);
      th_txt(" at offset ");
      th_num(a);
      return 1;
    }
  }
  nd->n_in = n_in;
  nd->repeat = repeat;
  for (i = 0; i < n_in; i++) nd->in_off[i] = in_off[i];
  nd->out_off = out_off;
  nd->out_len = (uint32_t)out_len; /* <= arena_bytes: checked above */
  nd->scr_off = scr_off;
  nd->scr_len = scr_len;
  return 0;
}

void th_run(const uint8_t *p, uint32_t n, uint8_t *arena, uint32_t arena_bytes) {
  static th_node nd;
  uint64_t t0, t1, sum[TH_MAX_CORES], pc[TH_MAX_CORES];
  uint64_t wait_sum[TH_MAX_CORES], wait[TH_MAX_CORES], crit_sum = 0, crit = 0;
  int waits = 1;
  th_status st;
  uint32_t i, k, crc, done = 0;

  if (th_run_check(TH_MSG_RUN, p, n, arena_bytes, &nd)) return;
  th_node_bind(&nd, arena);
  st = th_node_check(); /* outside the counter; th_run_check has refused anything it would */
  waits = st == TH_OK;   /* a run that never started reports no waits */

  memset(sum, 0, sizeof sum);
  memset(wait_sum, 0, sizeof wait_sum);
  hal_trigger(1);
  hal_timing(1);
  t0 = hal_counter();
  for (k = 0; st == TH_OK && k < nd.repeat; k++) {
    th_node_exec(pc);
    for (i = 0; i < (uint32_t)nd.n_cores; i++) sum[i] += pc[i];
    /* Barrier waits and critical path, where the board measures them (th_cluster.h). */
    if (waits && hal_parallel_waits(wait, &crit)) {
      for (i = 0; i < (uint32_t)nd.n_cores; i++) wait_sum[i] += wait[i];
      crit_sum += crit;
    } else waits = 0;
    /* Between repeats (not after the last, so repeat 1 measures nothing extra): ABORT? */
    if (k + 1 < nd.repeat && th_abort_poll()) { done = k + 1; break; }
  }
  t1 = hal_counter();
  hal_timing(0);
  hal_trigger(0);
  if (done) {
    th_abort_fail(TH_MSG_RUN, th_kernel_get(nd.id)->name, done, nd.repeat, "repeats");
    return;
  }

  crc = th_crc32(0, arena + nd.out_off, nd.out_len);
  th_put8((uint32_t)st);
  th_put8((uint32_t)nd.n_cores);
  th_put16(waits ? TH_PROTO_RUN_WAITS : 0u);
  th_put32(nd.repeat);
  th_put64((t1 - t0) / nd.repeat);
  th_put32(nd.out_len);
  th_put32(crc);
  for (i = 0; i < (uint32_t)nd.n_cores; i++) th_put64(sum[i] / nd.repeat);
  if (waits) {
    for (i = 0; i < (uint32_t)nd.n_cores; i++) th_put64(wait_sum[i] / nd.repeat);
    th_put64(crit_sum / nd.repeat);
  }
  last_run_len = th_out.len - TH_PROTO_HEADER_BYTES;
  memcpy(last_run, th_out.buf + TH_PROTO_HEADER_BYTES, last_run_len);
}
