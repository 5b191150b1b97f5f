/* th_fw.c - the firmware core: decodes frames, checks every request, runs kernels, replies. */
#include "th_fw.h"

#include <string.h>

#include "hal.h"
#include "th_cobs.h"
#include "th_crc32.h"
#include "th_proto.h"
#include "tinyhil.h"

#if TH_FW_MAX_FRAME < TH_PROTO_DEFAULT_MAX_FRAME
#error "TH_FW_MAX_FRAME must be at least 256"
#endif

/* ---- state ---- */

static uint8_t rx_buf[TH_FW_MAX_FRAME];  /* decoded request */
static uint8_t tx_buf[TH_FW_MAX_FRAME];  /* reply to the last CRC-valid request, kept for repeats */
static uint8_t err_buf[128];             /* frame-level errors, so they never clobber tx_buf */
static th_cobs_dec dec;
static uint32_t board_max = TH_FW_MAX_FRAME;
static uint32_t max_frame = TH_PROTO_DEFAULT_MAX_FRAME;
static uint8_t *arena;
static uint32_t arena_bytes;

static struct {
  int valid;
  uint16_t seq;
  uint32_t crc, len; /* request's CRC field and decoded length */
  uint32_t reply_len;
} cache;

static uint8_t last_run[TH_PROTO_RUN_REPLY_FIXED_BYTES + 8 * TH_MAX_CORES];
static uint32_t last_run_len;

/* ---- little-endian access ---- */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- reply builder: clips at cap so nothing can run past a buffer ---- */

typedef struct {
  uint8_t *buf;
  uint32_t len, cap; /* cap excludes the CRC */
} builder;

static builder out;

static void begin(uint8_t *buf, uint32_t size, uint8_t type, uint16_t seq) {
  uint32_t limit = size < max_frame ? size : max_frame;
  out.buf = buf;
  out.cap = limit - TH_PROTO_CRC_BYTES;
  out.buf[0] = type;
  out.buf[1] = (uint8_t)seq;
  out.buf[2] = (uint8_t)(seq >> 8);
  out.len = TH_PROTO_HEADER_BYTES;
}
static void put(const void *p, uint32_t n) {
  if (n > out.cap - out.len) n = out.cap - out.len;
  memcpy(out.buf + out.len, p, n);
  out.len += n;
}
static void put8(uint32_t v) {
  uint8_t b = (uint8_t)v;
  put(&b, 1);
}
static void put16(uint32_t v) { put8(v); put8(v >> 8); }
static void put32(uint32_t v) { put16(v); put16(v >> 16); }
static void put64(uint64_t v) { put32((uint32_t)v); put32((uint32_t)(v >> 32)); }
static void put_str(const char *s, uint32_t maxlen) {
  uint32_t n = 0;
  if (s) while (s[n] && n < maxlen) n++;
  put8(n);
  put(s, n);
}
/* Message text helpers for ERROR replies. */
static void txt(const char *s) { put(s, (uint32_t)strlen(s)); }
static void num(uint64_t v) {
  char d[20];
  int i = 0;
  do { d[i++] = (char)('0' + (int)(v % 10u)); v /= 10u; } while (v && i < 20);
  while (i) put8((uint8_t)d[--i]);
}

static uint8_t stage[64]; /* batches hal_write calls */
static uint32_t stage_len;
static void stage_flush(void) {
  if (stage_len) hal_write(stage, stage_len);
  stage_len = 0;
}
static void sink(const uint8_t *p, uint32_t n, void *arg) {
  (void)arg;
  while (n) {
    uint32_t k = (uint32_t)sizeof stage - stage_len;
    if (k > n) k = n;
    memcpy(stage + stage_len, p, k);
    stage_len += k;
    p += k;
    n -= k;
    if (stage_len == sizeof stage) stage_flush();
  }
}
static void send_raw(const uint8_t *frame, uint32_t len) {
  th_cobs_encode(frame, len, sink, 0);
  stage_flush();
}
/* Appends the CRC (room is reserved by begin) and sends; returns the frame length. */
static uint32_t finish(void) {
  uint32_t crc = th_crc32(0, out.buf, out.len);
  uint32_t i;
  for (i = 0; i < 4; i++) out.buf[out.len + i] = (uint8_t)(crc >> (8 * i));
  out.len += 4;
  send_raw(out.buf, out.len);
  return out.len;
}

static void fail(uint8_t code, uint8_t req, uint32_t detail) {
  out.len = TH_PROTO_HEADER_BYTES;
  out.buf[0] = TH_MSG_ERROR;
  put8(code);
  put8(req);
  put16(0);
  put32(detail);
}

static uint32_t sat32(uint64_t v) { return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)v; }

/* ---- HELLO / BOOT payload ---- */

static void put_hello(void) {
  int32_t id, nk = 0;
  uint32_t kbytes = 0, room, smax;
  int32_t cores = hal_board.n_cores < 1 ? 1 : hal_board.n_cores;
  if (cores > TH_MAX_CORES) cores = TH_MAX_CORES;
  for (id = 0; id < TH_K_COUNT && id < 256; id++) {
    const th_kernel_desc *d = th_kernel_get(id);
    if (d) { nk++; kbytes += 2u + (uint32_t)strlen(d->name); }
  }
  /* Strings share what the kernel list leaves of the frame. */
  room = out.cap - out.len - TH_PROTO_HELLO_FIXED_BYTES;
  room = room > kbytes ? room - kbytes : 0;
  smax = room / 4u > 1u ? room / 4u - 1u : 0;
  if (smax > TH_PROTO_MAX_STRING) smax = TH_PROTO_MAX_STRING;
  put8(TH_PROTO_VERSION);
  put8((uint32_t)hal_board.counter);
  put8((uint32_t)cores);
  put8((uint32_t)nk);
  put32(max_frame);
  put32(arena_bytes);
  put32(hal_board.clock_hz);
  put_str(hal_board.name, smax);
  put_str(hal_board.cpu, smax);
  put_str(hal_board.counter_unit, smax);
  put_str(TH_FW_VERSION_STRING, smax);
  for (id = 0; id < TH_K_COUNT && id < 256; id++) {
    const th_kernel_desc *d = th_kernel_get(id);
    if (d) { put8((uint32_t)id); put_str(d->name, 255); }
  }
}

/* ---- request handlers: each fills `out` (a reply or an ERROR) ---- */

static const char *const type_names[8] = {"?", "HELLO", "WRITE", "READ", "CRC", "RUN", "COUNTERS", "RESET"};

static void bad_length(uint8_t type, uint32_t n, const char *want) {
  fail(TH_PERR_BAD_LENGTH, type, n);
  txt(type_names[type & 7]);
  txt(": payload of ");
  num(n);
  txt(" bytes, expected ");
  txt(want);
}

/* 0 when [off, off+len) is inside the arena; otherwise fills an OUT_OF_ARENA error. */
static int region(uint8_t type, const char *what, uint32_t off, uint64_t len) {
  uint64_t end = (uint64_t)off + len;
  if (end <= arena_bytes) return 0;
  fail(TH_PERR_OUT_OF_ARENA, type, sat32(end));
  txt(type_names[type & 7]);
  txt(": ");
  txt(what);
  txt(" offset ");
  num(off);
  txt(" + length ");
  num(len);
  txt(" = ");
  num(end);
  txt(" beyond arena of ");
  num(arena_bytes);
  txt(" bytes");
  return 1;
}

static void on_hello(const uint8_t *p, uint32_t n) {
  uint32_t host;
  if (n != TH_PROTO_HELLO_REQ_BYTES) { bad_length(TH_MSG_HELLO, n, "4"); return; }
  host = rd32(p);
  if (host < TH_PROTO_MIN_MAX_FRAME) {
    fail(TH_PERR_BAD_LENGTH, TH_MSG_HELLO, host);
    txt("HELLO: host_max_frame ");
    num(host);
    txt(" below the minimum 256");
    return;
  }
  max_frame = host < board_max ? host : board_max;
  dec.max = max_frame;
  /* The builder was sized with the old limit; the reply may use the new one. */
  out.cap = max_frame - TH_PROTO_CRC_BYTES;
  put_hello();
}

static void on_write(const uint8_t *p, uint32_t n) {
  uint32_t off, len;
  if (n < TH_PROTO_WRITE_HDR_BYTES) { bad_length(TH_MSG_WRITE, n, "at least 4"); return; }
  off = rd32(p);
  len = n - TH_PROTO_WRITE_HDR_BYTES;
  if (region(TH_MSG_WRITE, "data", off, len)) return;
  memcpy(arena + off, p + TH_PROTO_WRITE_HDR_BYTES, len);
  put32(off);
  put32(len);
}

static void on_read(const uint8_t *p, uint32_t n) {
  uint32_t off, len, most = max_frame - TH_PROTO_FRAME_OVERHEAD;
  if (n != TH_PROTO_REGION_REQ_BYTES) { bad_length(TH_MSG_READ, n, "8"); return; }
  off = rd32(p);
  len = rd32(p + 4);
  if (len > most) {
    fail(TH_PERR_BAD_LENGTH, TH_MSG_READ, len);
    txt("READ: length ");
    num(len);
    txt(" above max_frame - 7 = ");
    num(most);
    return;
  }
  if (region(TH_MSG_READ, "region", off, len)) return;
  put(arena + off, len);
}

static void on_crc(const uint8_t *p, uint32_t n) {
  uint32_t off, len;
  if (n != TH_PROTO_REGION_REQ_BYTES) { bad_length(TH_MSG_CRC, n, "8"); return; }
  off = rd32(p);
  len = rd32(p + 4);
  if (region(TH_MSG_CRC, "region", off, len)) return;
  put32(th_crc32(0, arena + off, len));
}

static void on_counters(uint32_t n) {
  if (n != 0) { bad_length(TH_MSG_COUNTERS, n, "0"); return; }
  put(last_run, last_run_len);
}

static void on_reset(uint32_t n) {
  if (n != 0) { bad_length(TH_MSG_RESET, n, "0"); return; }
  if (arena_bytes) memset(arena, 0, arena_bytes);
  last_run_len = 0;
  cache.valid = 0;
}

/* ---- RUN ---- */

typedef struct {
  int32_t id;
  int32_t n_cores;
  th_params params;
  const void *inputs[TH_MAX_INPUTS];
  void *output;
  void *scratch;
  size_t scratch_bytes;
  th_status status[TH_MAX_CORES];
} run_job;

static void run_core(int32_t core_id, void *arg) {
  run_job *job = (run_job *)arg;
  th_ctx ctx;
  if (core_id < 0 || core_id >= job->n_cores) return;
  ctx.core_id = core_id;
  ctx.n_cores = job->n_cores;
  ctx.scratch = job->scratch;
  ctx.scratch_bytes = job->scratch_bytes;
  ctx.barrier = hal_barrier;
  ctx.barrier_arg = 0;
  job->status[core_id] = th_kernel_run(job->id, &job->params, job->inputs, job->output, &ctx);
}

static void run_prefix(const th_kernel_desc *d) {
  txt("RUN ");
  txt(d->name);
  txt(": ");
}

static int overlaps(uint64_t a, uint64_t la, uint64_t b, uint64_t lb) {
  return la && lb && a < b + lb && b < a + la;
}

static run_job job;

static void on_run(const uint8_t *p, uint32_t n) {
  static const char *const dim_names[5] = {"S", "E", "P", "H", "T"};
  const th_kernel_desc *d;
  uint32_t n_in, i, k, dims[5], repeat, out_off, scr_off, scr_len, in_off[TH_MAX_INPUTS];
  uint64_t in_len[TH_MAX_INPUTS], out_len, need, t0, t1, sum[TH_MAX_CORES], pc[TH_MAX_CORES];
  size_t in_counts[TH_MAX_INPUTS], out_count;
  int32_t id, cores;
  th_status st = TH_OK;
  uint32_t crc;

  if (n < TH_PROTO_RUN_FIXED_BYTES ||
      n != TH_PROTO_RUN_FIXED_BYTES + 4u * p[3] + TH_PROTO_RUN_TAIL_BYTES) {
    fail(TH_PERR_BAD_LENGTH, TH_MSG_RUN, n);
    txt("RUN: payload of ");
    num(n);
    txt(" bytes, expected 100 + 4 * n_inputs");
    if (n >= 4) { txt(" = "); num(100u + 4u * p[3]); }
    return;
  }
  id = p[0];
  n_in = p[3];
  d = th_kernel_get(id);
  if (!d) {
    fail(TH_PERR_BAD_KERNEL, TH_MSG_RUN, (uint32_t)id);
    txt("RUN: unknown kernel id ");
    num((uint32_t)id);
    return;
  }
  if ((int32_t)n_in != d->n_inputs) {
    fail(TH_PERR_BAD_KERNEL, TH_MSG_RUN, n_in);
    run_prefix(d);
    txt("n_inputs ");
    num(n_in);
    txt(", the kernel takes ");
    num((uint32_t)d->n_inputs);
    return;
  }
  cores = hal_board.n_cores > TH_MAX_CORES ? TH_MAX_CORES : hal_board.n_cores;
  if (p[1] < 1 || p[1] > cores) {
    fail(TH_PERR_BAD_CORES, TH_MSG_RUN, p[1]);
    run_prefix(d);
    txt("n_cores ");
    num(p[1]);
    txt(" outside 1..");
    num((uint32_t)cores);
    return;
  }
  memset(&job, 0, sizeof job);
  job.id = id;
  job.n_cores = p[1];
  if (p[2] > TH_PROTO_SPLIT_ROWS) {
    fail(TH_PERR_BAD_SHAPE, TH_MSG_RUN, p[2]);
    run_prefix(d);
    txt("split ");
    num(p[2]);
    txt(" is neither 0 (heads) nor 1 (rows)");
    return;
  }
  repeat = rd32(p + 84);
  if (repeat == 0 || repeat > TH_FW_MAX_REPEAT) {
    fail(TH_PERR_BAD_SHAPE, TH_MSG_RUN, repeat);
    run_prefix(d);
    txt("repeat ");
    num(repeat);
    txt(" outside 1..");
    num(TH_FW_MAX_REPEAT);
    return;
  }
  for (i = 0; i < 5; i++) {
    dims[i] = rd32(p + 4 + 4 * i);
    if (i == 4 && !d->uses_T) dims[i] = 1; /* T is read by mhsa_dft only */
    if (dims[i] < 1 || dims[i] > TH_MAX_DIM) {
      fail(TH_PERR_BAD_SHAPE, TH_MSG_RUN, dims[i]);
      run_prefix(d);
      txt(dim_names[i]);
      txt(" = ");
      num(dims[i]);
      txt(" outside 1..65535");
      return;
    }
  }
  job.params.shape.S = (int32_t)dims[0];
  job.params.shape.E = (int32_t)dims[1];
  job.params.shape.P = (int32_t)dims[2];
  job.params.shape.H = (int32_t)dims[3];
  job.params.shape.T = (int32_t)dims[4];
  job.params.split = p[2] ? TH_SPLIT_ROWS : TH_SPLIT_HEADS;
  for (i = 0; i < TH_MAX_RQ; i++) {
    job.params.rq[i].mul = (int32_t)rd32(p + 24 + 8 * i);
    job.params.rq[i].div = (int32_t)rd32(p + 28 + 8 * i);
  }
  for (i = 0; i < TH_MAX_CONSTS; i++) job.params.consts[i] = (int32_t)rd32(p + 72 + 4 * i);
  for (i = 0; i < (uint32_t)d->n_rq && i < TH_MAX_RQ; i++) {
    int32_t div = job.params.rq[i].div;
    if (div < 0 || div > 31) {
      fail(TH_PERR_BAD_RQ, TH_MSG_RUN, (uint32_t)div);
      run_prefix(d);
      txt("rq");
      num(i);
      txt(" div ");
      if (div < 0) { txt("-"); num((uint64_t)(-(int64_t)div)); } else num((uint32_t)div);
      txt(" outside 0..31");
      return;
    }
  }
  if (th_check_params(id, &job.params) != TH_OK ||
      th_kernel_sizes(id, &job.params.shape, in_counts, &out_count) != TH_OK) {
    fail(TH_PERR_BAD_SHAPE, TH_MSG_RUN, 0);
    run_prefix(d);
    txt("shape S=");
    num(dims[0]);
    txt(" E=");
    num(dims[1]);
    txt(" P=");
    num(dims[2]);
    txt(" H=");
    num(dims[3]);
    txt(" T=");
    num(dims[4]);
    txt(" refused by th_check_params");
    return;
  }
  /* Regions: every offset + length checked in 64 bits against the arena. */
  for (i = 0; i < n_in; i++) {
    in_off[i] = rd32(p + TH_PROTO_RUN_FIXED_BYTES + 4 * i);
    in_len[i] = (uint64_t)in_counts[i] * th_dtype_size(d->input_types[i]);
    if (region(TH_MSG_RUN, d->input_names[i] ? d->input_names[i] : "input", in_off[i], in_len[i]))
      return;
  }
  k = TH_PROTO_RUN_FIXED_BYTES + 4 * n_in;
  out_off = rd32(p + k);
  scr_off = rd32(p + k + 4);
  scr_len = rd32(p + k + 8);
  out_len = (uint64_t)out_count * th_dtype_size(d->output_type);
  if (region(TH_MSG_RUN, "output", out_off, out_len)) return;
  if (region(TH_MSG_RUN, "scratch", scr_off, scr_len)) return;
  for (i = 0; i < n_in; i++) {
    uint32_t size = (uint32_t)th_dtype_size(d->input_types[i]);
    if (in_off[i] % size != 0) {
      fail(TH_PERR_BAD_ALIGN, TH_MSG_RUN, in_off[i]);
      run_prefix(d);
      txt(d->input_names[i] ? d->input_names[i] : "input");
      txt(" offset ");
      num(in_off[i]);
      txt(" not a multiple of ");
      num(size);
      return;
    }
  }
  need = th_scratch_bytes(id, &job.params.shape, job.n_cores);
  if (scr_len < need) {
    fail(TH_PERR_SCRATCH, TH_MSG_RUN, sat32(need));
    run_prefix(d);
    txt("scratch of ");
    num(scr_len);
    txt(" bytes, needs ");
    num(need);
    txt(" with ");
    num((uint32_t)job.n_cores);
    txt(" cores");
    return;
  }
  for (i = 0; i <= n_in; i++) {
    /* i < n_in: an input against the output and the scratch; i == n_in: output against scratch. */
    uint64_t a = i < n_in ? in_off[i] : scr_off, la = i < n_in ? in_len[i] : scr_len;
    const char *what = i < n_in ? (d->input_names[i] ? d->input_names[i] : "input") : "scratch";
    int hit_out = overlaps(out_off, out_len, a, la);
    int hit_scr = i < n_in && overlaps(scr_off, scr_len, a, la);
    if (hit_out || hit_scr) {
      fail(TH_PERR_OVERLAP, TH_MSG_RUN, (uint32_t)a);
      run_prefix(d);
      txt(hit_out ? "output" : "scratch");
      txt(" overlaps ");
      txt(what);
      txt(" at offset ");
      num(a);
      return;
    }
  }
  for (i = 0; i < n_in; i++) job.inputs[i] = arena + in_off[i];
  job.output = arena + out_off;
  job.scratch = scr_len ? arena + scr_off : 0;
  job.scratch_bytes = scr_len;

  memset(sum, 0, sizeof sum);
  hal_trigger(1);
  t0 = hal_counter();
  for (k = 0; k < repeat; k++) {
    memset(pc, 0, sizeof pc);
    hal_parallel(job.n_cores, run_core, &job, pc);
    for (i = 0; i < (uint32_t)job.n_cores; i++) {
      sum[i] += pc[i];
      if (st == TH_OK && job.status[i] != TH_OK) st = job.status[i];
    }
  }
  t1 = hal_counter();
  hal_trigger(0);

  crc = th_crc32(0, job.output, (size_t)out_len);
  put8((uint32_t)st);
  put8((uint32_t)job.n_cores);
  put16(0);
  put32(repeat);
  put64((t1 - t0) / repeat);
  put32((uint32_t)out_len);
  put32(crc);
  for (i = 0; i < (uint32_t)job.n_cores; i++) put64(sum[i] / repeat);
  last_run_len = out.len - TH_PROTO_HEADER_BYTES;
  memcpy(last_run, out.buf + TH_PROTO_HEADER_BYTES, last_run_len);
}

/* ---- frames ---- */

static void frame_error(uint8_t code, uint32_t detail, const char *msg) {
  uint32_t n = dec.len;
  uint8_t type = n >= 1 ? rx_buf[0] : 0;
  uint16_t seq = n >= 3 ? rd16(rx_buf + 1) : 0;
  begin(err_buf, sizeof err_buf, TH_MSG_ERROR, seq);
  fail(code, type, detail);
  txt(msg);
  if (code == TH_PERR_TOO_LARGE) {
    num(dec.total);
    txt(" bytes, max_frame ");
    num(max_frame);
  }
  finish();
}

static void on_frame(th_cobs_event ev) {
  uint32_t n = dec.len, crc;
  uint8_t type;
  uint16_t seq;
  const uint8_t *pl;
  uint32_t pn;

  if (ev == TH_COBS_TOO_LARGE) { frame_error(TH_PERR_TOO_LARGE, dec.total, "frame of "); return; }
  if (ev == TH_COBS_FRAME && n == 0) return; /* a lone 0x00: the host flushing our decoder */
  if (ev == TH_COBS_MALFORMED) { frame_error(TH_PERR_BAD_CRC, n, "invalid COBS block"); return; }
  if (n < TH_PROTO_FRAME_OVERHEAD) { frame_error(TH_PERR_BAD_CRC, n, "frame shorter than 7 bytes"); return; }
  crc = rd32(rx_buf + n - TH_PROTO_CRC_BYTES);
  if (crc != th_crc32(0, rx_buf, n - TH_PROTO_CRC_BYTES)) { frame_error(TH_PERR_BAD_CRC, crc, "CRC mismatch"); return; }

  type = rx_buf[0];
  seq = rd16(rx_buf + 1);
  if (cache.valid && cache.seq == seq && cache.crc == crc && cache.len == n) {
    send_raw(tx_buf, cache.reply_len); /* a repeat: the reply was lost, do not run again */
    return;
  }
  pl = rx_buf + TH_PROTO_HEADER_BYTES;
  pn = n - TH_PROTO_FRAME_OVERHEAD;
  begin(tx_buf, sizeof tx_buf, (uint8_t)(type | TH_PROTO_REPLY_BIT), seq);
  switch (type) {
    case TH_MSG_HELLO: on_hello(pl, pn); break;
    case TH_MSG_WRITE: on_write(pl, pn); break;
    case TH_MSG_READ: on_read(pl, pn); break;
    case TH_MSG_CRC: on_crc(pl, pn); break;
    case TH_MSG_RUN: on_run(pl, pn); break;
    case TH_MSG_COUNTERS: on_counters(pn); break;
    case TH_MSG_RESET: on_reset(pn); break;
    default:
      fail(TH_PERR_UNKNOWN_TYPE, type, type);
      txt("unknown request type ");
      num(type);
      break;
  }
  cache.reply_len = finish();
  cache.valid = 1;
  cache.seq = seq;
  cache.crc = crc;
  cache.len = n;
}

/* ---- entry points ---- */

void th_fw_set_max_frame(uint32_t bytes) {
  if (bytes < TH_PROTO_DEFAULT_MAX_FRAME) bytes = TH_PROTO_DEFAULT_MAX_FRAME;
  if (bytes > TH_FW_MAX_FRAME) bytes = TH_FW_MAX_FRAME;
  board_max = bytes;
}

uint32_t th_fw_max_frame(void) { return max_frame; }

void th_fw_init(void) {
  max_frame = TH_PROTO_DEFAULT_MAX_FRAME;
  th_cobs_dec_init(&dec, rx_buf, sizeof rx_buf, max_frame);
  memset(&cache, 0, sizeof cache);
  last_run_len = 0;
  stage_len = 0;
  arena_bytes = 0;
  arena = hal_arena(&arena_bytes);
  if (!arena) arena_bytes = 0;
}

void th_fw_send_boot(void) {
  static const uint8_t zero = 0;
  hal_write(&zero, 1);
  cache.valid = 0; /* tx_buf is reused below */
  begin(tx_buf, sizeof tx_buf, TH_MSG_BOOT, TH_PROTO_BOOT_SEQ);
  put_hello();
  finish();
}

void th_fw_poll(void) {
  int c;
  while ((c = hal_getc()) >= 0) {
    th_cobs_event ev = th_cobs_dec_byte(&dec, (uint8_t)c);
    if (ev != TH_COBS_MORE) {
      on_frame(ev);
      th_cobs_dec_reset(&dec);
    }
  }
}

void th_fw_main(void) {
  hal_init();
  th_fw_init();
  th_fw_send_boot();
  for (;;) {
    th_fw_poll();
    hal_idle();
  }
}
