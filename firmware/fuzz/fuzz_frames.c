/* fuzz_frames.c - libFuzzer target: arbitrary bytes into the firmware core over the fake HAL.
 *
 * Input byte 0 picks a mode. Odd: "structured", the rest is records [u16 len][len bytes of
 * type + seq + payload]; each gets its correct CRC (unless bit 1 of byte 0 corrupts every third),
 * COBS and a delimiter, so the fuzzer reaches the request handlers. Even: the rest goes to the
 * wire as is (framing, COBS, CRC paths). Bytes are fed in uneven pieces, polling after each.
 * After every poll the board's output must decode into CRC-valid reply frames, and the arena's
 * guard bytes must be intact.
 *
 * Built with -DFUZZ_SEEDS_MAIN instead, it writes a seed corpus of valid sessions to a directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hal.h"
#include "th_cobs.h"
#include "th_crc32.h"
#include "th_fw.h"
#include "th_proto.h"
#include "tinyhil.h"

#define FUZZ_ARENA 2048u

static uint8_t dec_buf[TH_FW_MAX_FRAME + 16];

/* A GRAPH reply's payload: 16-byte header, then exactly `entries` RUN-reply-shaped entries
 * (1..32, all of them when status is 0), each with 1..TH_MAX_CORES cores. */
static void check_graph_reply(const uint8_t *p, uint32_t n) {
  uint32_t at = TH_PROTO_GRAPH_REPLY_FIXED_BYTES, i, entries;
  if (n < at) { fprintf(stderr, "GRAPH reply of %u bytes\n", (unsigned)n); abort(); }
  entries = p[1];
  if (entries < 1 || entries > TH_PROTO_GRAPH_MAX_NODES || p[2] || p[3]) {
    fprintf(stderr, "GRAPH reply header: %u entries\n", (unsigned)entries);
    abort();
  }
  for (i = 0; i < entries; i++) {
    uint32_t cores;
    if (n - at < TH_PROTO_RUN_REPLY_FIXED_BYTES) { fprintf(stderr, "GRAPH reply cut in entry %u\n", (unsigned)i); abort(); }
    cores = p[at + 1];
    if (cores < 1 || cores > TH_MAX_CORES || (p[0] == 0 && p[at] != 0)) {
      fprintf(stderr, "GRAPH entry %u: status %u, %u cores\n", (unsigned)i, p[at], (unsigned)cores);
      abort();
    }
    at += TH_PROTO_RUN_REPLY_FIXED_BYTES + 8u * cores;
    if (at > n) { fprintf(stderr, "GRAPH reply cut in entry %u\n", (unsigned)i); abort(); }
  }
  if (at != n) { fprintf(stderr, "GRAPH reply: %u bytes after the entries\n", (unsigned)(n - at)); abort(); }
}

/* Every byte the board wrote must form valid frames: CRC right, a reply or ERROR type. */
static void check_output(void) {
  th_cobs_dec d;
  uint32_t n, i;
  const uint8_t *o = fake_output(&n);
  th_cobs_dec_init(&d, dec_buf, sizeof dec_buf, sizeof dec_buf);
  for (i = 0; i < n; i++) {
    th_cobs_event ev = th_cobs_dec_byte(&d, o[i]);
    if (ev == TH_COBS_MORE) continue;
    if (ev != TH_COBS_FRAME) { fprintf(stderr, "board sent bad COBS (event %d)\n", (int)ev); abort(); }
    if (d.len > 0) {
      uint32_t crc;
      if (d.len < 7 || d.len > TH_FW_MAX_FRAME) { fprintf(stderr, "reply of %u bytes\n", (unsigned)d.len); abort(); }
      crc = (uint32_t)dec_buf[d.len - 4] | ((uint32_t)dec_buf[d.len - 3] << 8) |
            ((uint32_t)dec_buf[d.len - 2] << 16) | ((uint32_t)dec_buf[d.len - 1] << 24);
      if (crc != th_crc32(0, dec_buf, d.len - 4)) { fprintf(stderr, "reply with a bad CRC\n"); abort(); }
      if (dec_buf[0] != TH_MSG_ERROR && (dec_buf[0] < 0x81 || dec_buf[0] > (TH_MSG_GRAPH | 0x80))) {
        fprintf(stderr, "reply type 0x%02x\n", dec_buf[0]);
        abort();
      }
      if (dec_buf[0] == TH_MSG_ERROR && (d.len < 15 || dec_buf[3] < 1 || dec_buf[3] > TH_PERR_BAD_GRAPH)) {
        fprintf(stderr, "ERROR reply malformed (code %u)\n", dec_buf[3]);
        abort();
      }
      /* ERROR byte 2: a node's own code for BAD_GRAPH (0 for the header), else 0; byte 3 always 0. */
      if (dec_buf[0] == TH_MSG_ERROR &&
          (dec_buf[6] != 0 || (dec_buf[3] == TH_PERR_BAD_GRAPH ? dec_buf[5] > TH_PERR_BAD_ALIGN || dec_buf[5] == TH_PERR_BAD_CRC ||
                                                                     dec_buf[5] == TH_PERR_UNKNOWN_TYPE || dec_buf[5] == TH_PERR_TOO_LARGE
                                                                : dec_buf[5] != 0))) {
        fprintf(stderr, "ERROR code %u with node code %u / reserved %u\n", dec_buf[3], dec_buf[5], dec_buf[6]);
        abort();
      }
      if (dec_buf[0] == (TH_MSG_GRAPH | 0x80)) check_graph_reply(dec_buf + 3, d.len - 7);
      if (dec_buf[0] == TH_MSG_ERROR && dec_buf[3] == TH_PERR_ABORTED) {
        /* Only a RUN (after at least one and before its last repeat) or a GRAPH (after at least
         * one node run, before the last of at most max_repeat * 32) stops on ABORT. */
        uint32_t done = (uint32_t)dec_buf[7] | ((uint32_t)dec_buf[8] << 8) | ((uint32_t)dec_buf[9] << 16) |
                        ((uint32_t)dec_buf[10] << 24);
        int run_ok = dec_buf[4] == TH_MSG_RUN && done >= 1 && done < TH_FW_MAX_REPEAT;
        int graph_ok = dec_buf[4] == TH_MSG_GRAPH && done >= 1 && done < TH_FW_MAX_REPEAT * TH_PROTO_GRAPH_MAX_NODES;
        if (!run_ok && !graph_ok) {
          fprintf(stderr, "ABORTED for request 0x%02x after %u repeats\n", dec_buf[4], (unsigned)done);
          abort();
        }
      }
      if (dec_buf[0] == (TH_MSG_ABORT | 0x80) && d.len != 7) {
        fprintf(stderr, "ABORT reply of %u bytes\n", (unsigned)d.len);
        abort();
      }
    }
    th_cobs_dec_reset(&d);
  }
  if (d.len || d.left) { fprintf(stderr, "board output ends mid-frame\n"); abort(); }
  fake_take();
  if (!fake_guards_ok()) { fprintf(stderr, "arena guard bytes overwritten\n"); abort(); }
  if (fake_trigger_level() != 0) { fprintf(stderr, "trigger left high\n"); abort(); }
}

typedef struct { uint8_t *p; uint32_t n, cap; } vec;
static void vsink(const uint8_t *p, uint32_t n, void *arg) {
  vec *v = (vec *)arg;
  if (n > v->cap - v->n) n = v->cap - v->n;
  memcpy(v->p + v->n, p, n);
  v->n += n;
}

static uint8_t wire[3 * 65536];
static uint8_t body[65536 + 8];

/* Wire bytes of the input (see the banner). */
static uint32_t to_wire(const uint8_t *data, size_t size) {
  vec v;
  size_t i = 1;
  uint32_t rec = 0;
  v.p = wire;
  v.n = 0;
  v.cap = sizeof wire;
  if (size == 0) return 0;
  if (!(data[0] & 1)) {
    uint32_t n = (uint32_t)(size - 1 < sizeof wire ? size - 1 : sizeof wire);
    memcpy(wire, data + 1, n);
    return n;
  }
  while (i + 2 <= size && v.n + 8 < sizeof wire / 2) {
    uint32_t len = (uint32_t)(data[i] | (data[i + 1] << 8)), crc;
    i += 2;
    if (len > size - i) len = (uint32_t)(size - i);
    memcpy(body, data + i, len);
    i += len;
    crc = th_crc32(0, body, len);
    if ((data[0] & 2) && rec % 3 == 2) crc ^= 0x80u;
    body[len] = (uint8_t)crc;
    body[len + 1] = (uint8_t)(crc >> 8);
    body[len + 2] = (uint8_t)(crc >> 16);
    body[len + 3] = (uint8_t)(crc >> 24);
    th_cobs_encode(body, len + 4, vsink, &v);
    rec++;
  }
  return v.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t n, pos = 0, piece;
  static const uint8_t zero = 0;
  fake_reset(FUZZ_ARENA);
  th_fw_set_max_frame(TH_FW_MAX_FRAME);
  th_fw_init();
  n = to_wire(data, size);
  piece = size ? (uint32_t)(data[size - 1] % 61u) + 1u : 1u; /* uneven feeding */
  while (pos < n) {
    uint32_t k = n - pos < piece ? n - pos : piece;
    fake_feed(wire + pos, k);
    pos += k;
    th_fw_poll();
    check_output();
    piece = piece * 7u % 97u + 1u;
  }
  fake_feed(&zero, 1); /* finish any partial frame */
  th_fw_poll();
  check_output();
  return 0;
}

#ifdef FUZZ_SEEDS_MAIN
/* ---- seed corpus: valid structured sessions ---- */

static uint8_t seed[8192];
static uint32_t seed_len;
static uint16_t seq;

static void rec_begin(uint8_t type) {
  seed_len += 2; /* length patched by rec_end */
  seed[seed_len++] = type;
  seq++;
  seed[seed_len++] = (uint8_t)seq;
  seed[seed_len++] = (uint8_t)(seq >> 8);
}
static uint32_t rec_start(void) { return seed_len; }
static void rec_end(uint32_t start) {
  uint32_t len = seed_len - start - 2;
  seed[start] = (uint8_t)len;
  seed[start + 1] = (uint8_t)(len >> 8);
}
static void s8(uint32_t v) { seed[seed_len++] = (uint8_t)v; }
static void s32(uint32_t v) { s8(v); s8(v >> 8); s8(v >> 16); s8(v >> 24); }

static void hello(void) {
  uint32_t s = rec_start();
  rec_begin(TH_MSG_HELLO);
  s32(1024);
  rec_end(s);
}
static void simple(uint8_t type, uint32_t a, uint32_t b, int args) {
  uint32_t s = rec_start();
  rec_begin(type);
  if (args >= 1) s32(a);
  if (args >= 2) s32(b);
  rec_end(s);
}
static void write_fill(uint32_t off, uint32_t len, uint8_t salt) {
  uint32_t s = rec_start(), i;
  rec_begin(TH_MSG_WRITE);
  s32(off);
  for (i = 0; i < len; i++) s8((i * 37u + salt) | 1u);
  rec_end(s);
}

/* A RUN of kernel id on a small shape with inputs, output, scratch laid out in the arena. */
static int run_seed(int32_t id, int32_t cores, uint32_t repeat) {
  const th_kernel_desc *d = th_kernel_get(id);
  th_shape sh = {2, 3, 2, 2, 1};
  size_t in[TH_MAX_INPUTS], out;
  uint32_t off = 0, offs[TH_MAX_INPUTS], i, s, scr;
  if (!d || th_kernel_sizes(id, &sh, in, &out) != TH_OK) return 0;
  for (i = 0; i < (uint32_t)d->n_inputs; i++) {
    uint32_t bytes = (uint32_t)(in[i] * th_dtype_size(d->input_types[i]));
    offs[i] = off;
    write_fill(off, bytes, (uint8_t)(i * 11u));
    off = (off + bytes + 3u) & ~3u;
  }
  s = rec_start();
  rec_begin(TH_MSG_RUN);
  s8((uint32_t)id); s8((uint32_t)cores); s8(0); s8((uint32_t)d->n_inputs);
  s32((uint32_t)sh.S); s32((uint32_t)sh.E); s32((uint32_t)sh.P); s32((uint32_t)sh.H); s32((uint32_t)sh.T);
  for (i = 0; i < TH_MAX_RQ; i++) { s32(385); s32(8); }
  s32(40); s32(1772); s32(1772);
  s32(repeat);
  for (i = 0; i < (uint32_t)d->n_inputs; i++) s32(offs[i]);
  s32(off);
  scr = (uint32_t)th_scratch_bytes(id, &sh, cores);
  s32((off + (uint32_t)out + 3u) & ~3u);
  s32(scr);
  rec_end(s);
  if (repeat > 1) { seq--; simple(TH_MSG_ABORT, 0, 0, 0); } /* ABORT of that RUN, mid-run */
  simple(TH_MSG_READ, off, (uint32_t)out, 2);
  simple(TH_MSG_COUNTERS, 0, 0, 0);
  return 1;
}

/* A GRAPH of the kernels ids[0..count) on the small shape, each laid out after the previous in
 * the arena (inputs written first); node `bad` (if < count) gets an output past the arena. */
static void graph_seed(const int32_t *ids, uint32_t count, uint32_t repeat, uint32_t bad) {
  static uint8_t nodes[4096];
  uint32_t nn = 0, off = 0, k, i, s;
  th_shape sh = {2, 3, 2, 2, 1};
  for (k = 0; k < count; k++) {
    const th_kernel_desc *d = th_kernel_get(ids[k]);
    size_t in[TH_MAX_INPUTS], out;
    uint32_t o, scr;
    if (!d || th_kernel_sizes(ids[k], &sh, in, &out) != TH_OK) continue;
    nodes[nn++] = (uint8_t)ids[k]; nodes[nn++] = 1; nodes[nn++] = 0; nodes[nn++] = (uint8_t)d->n_inputs;
#define N32(v) (o = (uint32_t)(v), nodes[nn++] = (uint8_t)o, nodes[nn++] = (uint8_t)(o >> 8), \
                nodes[nn++] = (uint8_t)(o >> 16), nodes[nn++] = (uint8_t)(o >> 24))
    N32(sh.S); N32(sh.E); N32(sh.P); N32(sh.H); N32(sh.T);
    for (i = 0; i < TH_MAX_RQ; i++) { N32(385); N32(8); }
    N32(40); N32(1772); N32(1772);
    N32(1);
    for (i = 0; i < (uint32_t)d->n_inputs; i++) {
      uint32_t bytes = (uint32_t)(in[i] * th_dtype_size(d->input_types[i]));
      write_fill(off, bytes, (uint8_t)(k * 5u + i));
      N32(off);
      off = (off + bytes + 3u) & ~3u;
    }
    N32(k == bad ? FUZZ_ARENA - 1u : off);
    off = (off + (uint32_t)out + 3u) & ~3u;
    scr = (uint32_t)th_scratch_bytes(ids[k], &sh, 1);
    N32(off); N32(scr);
    off = (off + scr + 3u) & ~3u;
#undef N32
  }
  s = rec_start();
  rec_begin(TH_MSG_GRAPH);
  s8(count); s8(0); s8(0); s8(0); s32(repeat);
  for (i = 0; i < nn; i++) s8(nodes[i]);
  rec_end(s);
}

static void save(const char *dir, const char *name) {
  char path[512];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "wb");
  if (!f || fwrite(seed, 1, seed_len, f) != seed_len) { perror(path); exit(1); }
  fclose(f);
}

static void start(uint8_t mode) {
  seed_len = 0;
  seq = 0;
  seed[seed_len++] = mode;
}

int main(int argc, char **argv) {
  int32_t id;
  char name[64];
  vec v;
  if (argc != 2) { fprintf(stderr, "usage: %s SEED_DIR\n", argv[0]); return 2; }
  start(1); hello(); write_fill(16, 40, 3); simple(TH_MSG_READ, 16, 40, 2); simple(TH_MSG_CRC, 0, 64, 2);
  save(argv[1], "io");
  start(1); simple(TH_MSG_RESET, 0, 0, 0); simple(TH_MSG_COUNTERS, 0, 0, 0); simple(0x42, 0, 0, 0);
  save(argv[1], "misc");
  /* The same request twice (a lost reply): the second is answered from the cache. */
  start(1); hello(); write_fill(0, 8, 1); seq--; write_fill(0, 8, 1); simple(TH_MSG_CRC, 0, 8, 2);
  save(argv[1], "repeat");
  for (id = 0; id < TH_K_COUNT; id++) {
    start(3); hello();
    if (!run_seed(id, id % 2 + 1, 1)) continue;
    snprintf(name, sizeof name, "run-%d", (int)id);
    save(argv[1], name);
  }
  /* ABORT: of a RUN in progress (same seq), then idle ones (finished seq, unknown seq, with a
   * payload), and a RUN above the repeat limit. */
  start(1); hello(); run_seed(0, 1, TH_FW_MAX_REPEAT);
  seq--; simple(TH_MSG_ABORT, 0, 0, 0); simple(TH_MSG_ABORT, 0, 0, 0); simple(TH_MSG_ABORT, 7, 0, 1);
  run_seed(0, 1, TH_FW_MAX_REPEAT + 1u);
  save(argv[1], "abort");
  /* GRAPH: a block-like chain, the same twice (cache), with an ABORT mid-list, a bad node, every kernel. */
  {
    static const int32_t block[5] = {TH_K_LINEAR, TH_K_GELU, TH_K_LINEAR, TH_K_ADD, TH_K_LAYERNORM};
    int32_t all[TH_K_COUNT];
    for (id = 0; id < TH_K_COUNT; id++) all[id] = id;
    start(1); hello(); graph_seed(block, 5, 1, 99); seq--; graph_seed(block, 5, 1, 99);
    simple(TH_MSG_COUNTERS, 0, 0, 0);
    save(argv[1], "graph");
    start(1); hello(); graph_seed(block, 5, TH_FW_MAX_REPEAT, 99); seq--; simple(TH_MSG_ABORT, 0, 0, 0);
    graph_seed(block, 3, 1, 1);
    save(argv[1], "graph-abort-bad");
    start(3); hello(); graph_seed(all, 7, 2, 99); graph_seed(all + 7, TH_K_COUNT - 7, 1, 99);
    save(argv[1], "graph-all");
  }
  /* Raw mode: the wire bytes of the "io" session, as the board would receive them. */
  start(1); hello(); write_fill(16, 40, 3); simple(TH_MSG_READ, 16, 40, 2);
  v.p = wire; v.n = 0; v.cap = sizeof wire;
  {
    uint32_t n = to_wire(seed, seed_len);
    memmove(seed + 1, wire, n);
    seed[0] = 0;
    seed_len = n + 1;
  }
  save(argv[1], "raw-io");
  return 0;
}
#endif
