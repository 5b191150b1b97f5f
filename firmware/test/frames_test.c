/* frames_test.c - drives the firmware core with good and malformed frames over the fake HAL
 * and checks the exact reply (type, seq, error code, detail) and the arena guards. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hal.h"
#include "th_cobs.h"
#include "th_crc32.h"
#include "th_fw.h"
#include "th_proto.h"

#define ARENA 4096u
/* HELLO sizes used below, within what this build's buffers hold (boards may lower TH_FW_MAX_FRAME). */
#define BIG (TH_FW_MAX_FRAME < 4096 ? TH_FW_MAX_FRAME : 4096u)
#define MID (TH_FW_MAX_FRAME < 1024 ? TH_FW_MAX_FRAME : 1024u)

static int passed, failed;
static const char *test_name = "";

static void check(int ok, const char *fmt, ...) {
  va_list ap;
  if (ok) { passed++; return; }
  failed++;
  fprintf(stderr, "FAIL [%s] ", test_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* ---- wire helpers ---- */

typedef struct { uint8_t *p; uint32_t n; } vec;
static void vsink(const uint8_t *p, uint32_t n, void *arg) {
  vec *v = (vec *)arg;
  memcpy(v->p + v->n, p, n);
  v->n += n;
}

static uint8_t fbuf[70000];
/* Decoded frame bytes (header, payload, CRC); crc_xor != 0 corrupts the CRC. */
static uint32_t build(uint8_t *dst, uint8_t type, uint16_t seq, const uint8_t *pl, uint32_t n,
                      uint32_t crc_xor) {
  uint32_t crc;
  dst[0] = type;
  dst[1] = (uint8_t)seq;
  dst[2] = (uint8_t)(seq >> 8);
  if (n) memcpy(dst + 3, pl, n);
  crc = th_crc32(0, dst, 3 + n) ^ crc_xor;
  dst[3 + n] = (uint8_t)crc;
  dst[4 + n] = (uint8_t)(crc >> 8);
  dst[5 + n] = (uint8_t)(crc >> 16);
  dst[6 + n] = (uint8_t)(crc >> 24);
  return n + 7;
}
/* COBS + delimiter of raw decoded bytes. */
static uint32_t encode(uint8_t *dst, const uint8_t *src, uint32_t n) {
  vec v;
  v.p = dst;
  v.n = 0;
  th_cobs_encode(src, n, vsink, &v);
  return v.n;
}
static uint8_t wire[80000];
static uint32_t wire_frame(uint8_t type, uint16_t seq, const uint8_t *pl, uint32_t n, uint32_t crc_xor) {
  uint32_t m = build(fbuf, type, seq, pl, n, crc_xor);
  return encode(wire, fbuf, m);
}

typedef struct {
  int ok_crc;
  uint8_t type;
  uint16_t seq;
  uint8_t pl[8192];
  uint32_t n;
} reply;

static reply replies[16];
static int n_replies;
static uint8_t dbuf[8192];

/* Decodes everything the core wrote since the last call into replies[]. */
static void collect(void) {
  th_cobs_dec d;
  uint32_t n, i;
  const uint8_t *o = fake_output(&n);
  n_replies = 0;
  th_cobs_dec_init(&d, dbuf, sizeof dbuf, sizeof dbuf);
  for (i = 0; i < n; i++) {
    th_cobs_event ev = th_cobs_dec_byte(&d, o[i]);
    if (ev == TH_COBS_MORE) continue;
    if (ev == TH_COBS_FRAME && d.len == 0) { th_cobs_dec_reset(&d); continue; }
    if (ev == TH_COBS_FRAME && d.len >= 7 && n_replies < 16) {
      reply *r = &replies[n_replies++];
      uint32_t crc = (uint32_t)dbuf[d.len - 4] | ((uint32_t)dbuf[d.len - 3] << 8) |
                     ((uint32_t)dbuf[d.len - 2] << 16) | ((uint32_t)dbuf[d.len - 1] << 24);
      r->ok_crc = crc == th_crc32(0, dbuf, d.len - 4);
      r->type = dbuf[0];
      r->seq = (uint16_t)(dbuf[1] | (dbuf[2] << 8));
      r->n = d.len - 7;
      memcpy(r->pl, dbuf + 3, r->n);
    } else {
      check(0, "board sent an undecodable frame (event %d, %u bytes)", (int)ev, (unsigned)d.len);
    }
    th_cobs_dec_reset(&d);
  }
  check(d.len == 0 && d.left == 0, "board output ends mid-frame");
  fake_take();
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t le64(const uint8_t *p) { return le32(p) | ((uint64_t)le32(p + 4) << 32); }
static void w32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* Feeds wire bytes, polls, expects exactly `want` replies. */
static void feed_poll(const uint8_t *w, uint32_t n, int want) {
  fake_feed(w, n);
  th_fw_poll();
  collect();
  check(n_replies == want, "expected %d replies, got %d", want, n_replies);
}

/* One request, one reply; returns the reply (replies[0]). */
static reply *req(uint8_t type, uint16_t seq, const uint8_t *pl, uint32_t n) {
  uint32_t m = wire_frame(type, seq, pl, n, 0);
  feed_poll(wire, m, 1);
  return &replies[0];
}

static void expect_ok(reply *r, uint8_t type, uint16_t seq) {
  check(r->ok_crc, "reply CRC bad");
  check(r->seq == seq, "reply seq %u, want %u", r->seq, seq);
  check(r->type == (type | 0x80), "reply type 0x%02x, want 0x%02x (error code %u detail %u: %.*s)", r->type,
        type | 0x80, r->pl[0], r->n >= 8 ? le32(r->pl + 4) : 0, r->n > 8 ? (int)(r->n - 8) : 0,
        (const char *)r->pl + 8);
}

static void expect_err(reply *r, uint8_t req_type, uint16_t seq, uint8_t code, uint32_t detail) {
  check(r->ok_crc, "error reply CRC bad");
  check(r->type == TH_MSG_ERROR, "reply type 0x%02x, want ERROR", r->type);
  check(r->seq == seq, "error seq %u, want %u", r->seq, seq);
  check(r->n >= 8, "error payload %u bytes", r->n);
  if (r->type != TH_MSG_ERROR || r->n < 8) return;
  check(r->pl[0] == code, "error code %u, want %u (%.*s)", r->pl[0], code, (int)(r->n - 8), (const char *)r->pl + 8);
  check(r->pl[1] == req_type, "error request type 0x%02x, want 0x%02x", r->pl[1], req_type);
  check(r->pl[2] == 0 && r->pl[3] == 0, "error reserved bytes not 0");
  check(le32(r->pl + 4) == detail, "error detail %u (0x%x), want %u (0x%x) (%.*s)", le32(r->pl + 4),
        le32(r->pl + 4), detail, detail, (int)(r->n - 8), (const char *)r->pl + 8);
  check(r->n > 8, "error without a message");
}

static uint16_t seq_no = 1;
static uint16_t next_seq(void) { return seq_no++; }

static void fresh(void) {
  fake_reset(ARENA);
  th_fw_init();
}

static void write_arena(uint32_t off, const uint8_t *data, uint32_t n) {
  static uint8_t pl[300];
  uint16_t s = next_seq();
  w32(pl, off);
  memcpy(pl + 4, data, n);
  expect_ok(req(TH_MSG_WRITE, s, pl, 4 + n), TH_MSG_WRITE, s);
}

/* ---- RUN requests ---- */

typedef struct {
  uint8_t id, cores, split, n_in;
  uint32_t dims[5];
  int32_t rq[6][2];
  int32_t consts[3];
  uint32_t repeat;
  uint32_t in[10];
  uint32_t out, scr, scr_len;
} runreq;

static uint32_t run_payload(const runreq *r, uint8_t *p) {
  uint32_t i, k;
  p[0] = r->id; p[1] = r->cores; p[2] = r->split; p[3] = r->n_in;
  for (i = 0; i < 5; i++) w32(p + 4 + 4 * i, r->dims[i]);
  for (i = 0; i < 6; i++) { w32(p + 24 + 8 * i, (uint32_t)r->rq[i][0]); w32(p + 28 + 8 * i, (uint32_t)r->rq[i][1]); }
  for (i = 0; i < 3; i++) w32(p + 72 + 4 * i, (uint32_t)r->consts[i]);
  w32(p + 84, r->repeat);
  for (i = 0; i < r->n_in; i++) w32(p + 88 + 4 * i, r->in[i]);
  k = 88 + 4u * r->n_in;
  w32(p + k, r->out); w32(p + k + 4, r->scr); w32(p + k + 8, r->scr_len);
  return k + 12;
}

/* linear_qk S=3 E=5 P=2 H=2: I at 0 (15 B), W at 16 (20 B), B at 36 (8 B), O at 64 (12 B). */
static runreq qk(void) {
  runreq r;
  memset(&r, 0, sizeof r);
  r.id = 0; r.cores = 1; r.n_in = 3;
  r.dims[0] = 3; r.dims[1] = 5; r.dims[2] = 2; r.dims[3] = 2; r.dims[4] = 0;
  r.rq[0][0] = 385; r.rq[0][1] = 8;
  r.repeat = 1;
  r.in[0] = 0; r.in[1] = 16; r.in[2] = 36;
  r.out = 64; r.scr = 128; r.scr_len = 0;
  return r;
}

static reply *run(const runreq *r, uint16_t seq) {
  static uint8_t pl[200];
  return req(TH_MSG_RUN, seq, pl, run_payload(r, pl));
}

static void run_err(const char *name, const runreq *r, uint8_t code, uint32_t detail) {
  uint16_t s = next_seq();
  uint32_t calls = fake_parallel_calls();
  test_name = name;
  expect_err(run(r, s), TH_MSG_RUN, s, code, detail);
  check(fake_parallel_calls() == calls, "a refused RUN ran the kernel");
}

static int8_t ref_rq(int64_t x, int32_t mul, int32_t div) {
  int64_t v = x * mul;
  v = v >= 0 ? v >> div : -((-v + ((int64_t)1 << div) - 1) >> div); /* floor, spelled out */
  return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

/* ---- tests ---- */

/* Offset of the extension block in a HELLO/BOOT payload (after the strings and the kernel list). */
static uint32_t hello_ext_at(const reply *r) {
  uint32_t at = 16, i;
  for (i = 0; i < 4; i++) at += 1u + r->pl[at];
  for (i = 0; i < r->pl[3]; i++) at += 2u + r->pl[at + 1];
  return at;
}

/* The HELLO/BOOT extension block is exactly one field: max_repeat. */
static void check_hello_ext(const reply *r) {
  uint32_t at = hello_ext_at(r);
  check(r->n == at + 6, "HELLO of %u bytes, extension block at %u", r->n, at);
  check(r->pl[at] == TH_PROTO_EXT_MAX_REPEAT && r->pl[at + 1] == 4, "extension tag %u length %u", r->pl[at], r->pl[at + 1]);
  check(le32(r->pl + at + 2) == TH_FW_MAX_REPEAT && th_fw_max_repeat() == TH_FW_MAX_REPEAT, "max_repeat %u", le32(r->pl + at + 2));
}

static void t_boot_hello(void) {
  reply *r;
  uint8_t pl[4];
  uint32_t n;
  const uint8_t *o;
  test_name = "boot";
  fresh();
  th_fw_send_boot();
  o = fake_output(&n);
  check(n > 1 && o[0] == 0, "BOOT not preceded by 0x00");
  collect();
  check(n_replies == 1, "BOOT: %d frames", n_replies);
  r = &replies[0];
  check(r->type == TH_MSG_BOOT && r->seq == 0 && r->ok_crc, "BOOT type 0x%02x seq %u", r->type, r->seq);
  check(r->pl[0] == 1 && r->pl[1] == HAL_COUNTER_CYCLES && r->pl[2] == FAKE_N_CORES, "BOOT header");
  check(le32(r->pl + 4) == 256 && le32(r->pl + 8) == ARENA && le32(r->pl + 12) == 0, "BOOT max/arena/clock");
  check(r->pl[16] == 4 && memcmp(r->pl + 17, "fake", 4) == 0, "BOOT board name");
  check(r->n + 7 <= 256, "BOOT of %u bytes does not fit 256", r->n + 7);
  check_hello_ext(r);

  test_name = "hello";
  w32(pl, 4096);
  r = req(TH_MSG_HELLO, 1, pl, 4);
  expect_ok(r, TH_MSG_HELLO, 1);
  check(le32(r->pl + 4) == BIG && th_fw_max_frame() == BIG, "negotiated %u", le32(r->pl + 4));
  check(r->pl[3] >= 1, "no kernels listed");
  check_hello_ext(r);
  w32(pl, 1u << 30);
  r = req(TH_MSG_HELLO, 2, pl, 4);
  check(le32(r->pl + 4) == TH_FW_MAX_FRAME, "board max %u", le32(r->pl + 4));
  w32(pl, 100);
  expect_err(req(TH_MSG_HELLO, 3, pl, 4), TH_MSG_HELLO, 3, TH_PERR_BAD_LENGTH, 100);
  expect_err(req(TH_MSG_HELLO, 4, pl, 3), TH_MSG_HELLO, 4, TH_PERR_BAD_LENGTH, 3);
}

static void t_framing(void) {
  uint8_t pl[300], raw[400];
  uint32_t m;
  test_name = "bad crc";
  fresh();
  w32(pl, 0); w32(pl + 4, 4);
  m = wire_frame(TH_MSG_READ, 77, pl, 8, 0x1);
  feed_poll(wire, m, 1);
  expect_err(&replies[0], TH_MSG_READ, 77, TH_PERR_BAD_CRC, le32(fbuf + 11));

  test_name = "truncated";
  m = build(raw, TH_MSG_READ, 78, pl, 8, 0);
  m = encode(wire, raw, m - 5); /* the frame without its last 5 bytes */
  feed_poll(wire, m, 1);
  expect_err(&replies[0], TH_MSG_READ, 78, TH_PERR_BAD_CRC, le32(raw + 6));

  test_name = "short frame";
  raw[0] = TH_MSG_RESET; raw[1] = 9; raw[2] = 0; raw[3] = 1; raw[4] = 2;
  m = encode(wire, raw, 5);
  feed_poll(wire, m, 1);
  expect_err(&replies[0], TH_MSG_RESET, 9, TH_PERR_BAD_CRC, 5);
  raw[0] = 1;
  m = encode(wire, raw, 1);
  feed_poll(wire, m, 1);
  expect_err(&replies[0], 1, 0, TH_PERR_BAD_CRC, 1);

  test_name = "bad cobs";
  wire[0] = 9; wire[1] = 1; wire[2] = 2; wire[3] = 0;
  feed_poll(wire, 4, 1);
  expect_err(&replies[0], 1, 0, TH_PERR_BAD_CRC, 2);

  test_name = "empty frames";
  memset(wire, 0, 10);
  feed_poll(wire, 10, 0);

  test_name = "unknown type";
  expect_err(req(0x42, 10, pl, 0), 0x42, 10, TH_PERR_UNKNOWN_TYPE, 0x42);
  expect_err(req(0x85, 11, pl, 0), 0x85, 11, TH_PERR_UNKNOWN_TYPE, 0x85);
  expect_err(req(TH_MSG_BOOT, 12, pl, 0), TH_MSG_BOOT, 12, TH_PERR_UNKNOWN_TYPE, TH_MSG_BOOT);

  test_name = "too large (default 256)";
  memset(pl, 0x33, sizeof pl);
  w32(pl, 0);
  m = wire_frame(TH_MSG_WRITE, 13, pl, 260, 0);
  feed_poll(wire, m, 1);
  expect_err(&replies[0], TH_MSG_WRITE, 13, TH_PERR_TOO_LARGE, 267);
  check(fake_arena()[0] == 0, "a dropped WRITE wrote the arena");
  test_name = "fits at 256";
  m = wire_frame(TH_MSG_WRITE, 14, pl, 249, 0);
  feed_poll(wire, m, 1);
  expect_ok(&replies[0], TH_MSG_WRITE, 14);
  check(le32(replies[0].pl + 4) == 245, "wrote %u", le32(replies[0].pl + 4));

  test_name = "garbage between frames";
  {
    static const uint8_t junk[] = {0x13, 0x37, 0xFF, 0x80, 0x01, 0x02, 0x00};
    uint32_t k;
    w32(pl, 0); w32(pl + 4, 2);
    memcpy(raw, junk, sizeof junk);
    m = wire_frame(TH_MSG_READ, 15, pl, 8, 0);
    memcpy(raw + sizeof junk, wire, m);
    feed_poll(raw, (uint32_t)sizeof junk + m, 2);
    check(replies[0].type == TH_MSG_ERROR && replies[0].pl[0] == TH_PERR_BAD_CRC, "garbage not refused");
    expect_ok(&replies[1], TH_MSG_READ, 15);
    /* garbage glued to a frame (no delimiter between) costs that frame only */
    memcpy(raw, junk, 4);
    m = wire_frame(TH_MSG_READ, 16, pl, 8, 0);
    memcpy(raw + 4, wire, m);
    k = 4 + m;
    m = wire_frame(TH_MSG_READ, 17, pl, 8, 0);
    memcpy(raw + k, wire, m);
    feed_poll(raw, k + m, 2);
    check(replies[0].type == TH_MSG_ERROR && replies[0].pl[0] == TH_PERR_BAD_CRC, "glued garbage not refused");
    expect_ok(&replies[1], TH_MSG_READ, 17);
  }

  test_name = "partial input never blocks";
  w32(pl, 0); w32(pl + 4, 1);
  m = wire_frame(TH_MSG_READ, 18, pl, 8, 0);
  feed_poll(wire, m / 2, 0);
  feed_poll(wire + m / 2, m - m / 2, 1);
  expect_ok(&replies[0], TH_MSG_READ, 18);
  {
    uint32_t i;
    m = wire_frame(TH_MSG_READ, 19, pl, 8, 0);
    for (i = 0; i + 1 < m; i++) feed_poll(wire + i, 1, 0);
    feed_poll(wire + m - 1, 1, 1);
    expect_ok(&replies[0], TH_MSG_READ, 19);
  }
}

static void t_too_large_big(void) {
  static uint8_t pl[9000];
  uint8_t h[4];
  uint32_t m;
  test_name = "too large (negotiated)";
  fresh();
  w32(h, MID);
  expect_ok(req(TH_MSG_HELLO, 1, h, 4), TH_MSG_HELLO, 1);
  memset(pl, 0x44, sizeof pl);
  w32(pl, 0);
  m = wire_frame(TH_MSG_WRITE, 2, pl, MID - 7, 0);
  feed_poll(wire, m, 1);
  expect_ok(&replies[0], TH_MSG_WRITE, 2);
  m = wire_frame(TH_MSG_WRITE, 3, pl, MID - 6, 0);
  feed_poll(wire, m, 1);
  expect_err(&replies[0], TH_MSG_WRITE, 3, TH_PERR_TOO_LARGE, MID + 1);
  m = wire_frame(TH_MSG_WRITE, 4, pl, sizeof pl, 0); /* past the static buffer too */
  feed_poll(wire, m, 1);
  expect_err(&replies[0], TH_MSG_WRITE, 4, TH_PERR_TOO_LARGE, (uint32_t)sizeof pl + 7);
  check(fake_guards_ok(), "guards");
}

static void t_regions(void) {
  uint8_t pl[64], data[32];
  uint32_t i;
  reply *r;
  test_name = "write/read/crc";
  fresh();
  for (i = 0; i < 32; i++) data[i] = (uint8_t)(i * 7 + 1);
  write_arena(ARENA - 32, data, 32);
  w32(pl, ARENA - 32); w32(pl + 4, 32);
  r = req(TH_MSG_READ, 100, pl, 8);
  expect_ok(r, TH_MSG_READ, 100);
  check(r->n == 32 && memcmp(r->pl, data, 32) == 0, "READ returned other bytes");
  r = req(TH_MSG_CRC, 101, pl, 8);
  expect_ok(r, TH_MSG_CRC, 101);
  check(r->n == 4 && le32(r->pl) == th_crc32(0, data, 32), "CRC reply");
  w32(pl, 0); w32(pl + 4, 0);
  r = req(TH_MSG_CRC, 102, pl, 8);
  check(r->n == 4 && le32(r->pl) == 0, "CRC of nothing");
  r = req(TH_MSG_READ, 103, pl, 8);
  expect_ok(r, TH_MSG_READ, 103);
  check(r->n == 0, "empty READ");

  test_name = "write past arena";
  w32(pl, ARENA - 4);
  memset(pl + 4, 1, 8);
  expect_err(req(TH_MSG_WRITE, 104, pl, 12), TH_MSG_WRITE, 104, TH_PERR_OUT_OF_ARENA, ARENA + 4);
  w32(pl, 0xFFFFFFF0u);
  expect_err(req(TH_MSG_WRITE, 105, pl, 36), TH_MSG_WRITE, 105, TH_PERR_OUT_OF_ARENA, 0xFFFFFFFFu);
  w32(pl, ARENA + 1);
  expect_err(req(TH_MSG_WRITE, 106, pl, 4), TH_MSG_WRITE, 106, TH_PERR_OUT_OF_ARENA, ARENA + 1);
  expect_err(req(TH_MSG_WRITE, 107, pl, 3), TH_MSG_WRITE, 107, TH_PERR_BAD_LENGTH, 3);
  w32(pl, ARENA);
  expect_ok(req(TH_MSG_WRITE, 108, pl, 4), TH_MSG_WRITE, 108); /* 0 bytes at the end: fine */

  test_name = "read/crc past arena";
  w32(pl, 0xFFFFFFFFu); w32(pl + 4, 2);
  expect_err(req(TH_MSG_READ, 109, pl, 8), TH_MSG_READ, 109, TH_PERR_OUT_OF_ARENA, 0xFFFFFFFFu);
  w32(pl, 10); w32(pl + 4, ARENA);
  expect_err(req(TH_MSG_CRC, 110, pl, 8), TH_MSG_CRC, 110, TH_PERR_OUT_OF_ARENA, ARENA + 10);
  w32(pl, 0x80000000u); w32(pl + 4, 0x80000000u);
  expect_err(req(TH_MSG_CRC, 111, pl, 8), TH_MSG_CRC, 111, TH_PERR_OUT_OF_ARENA, 0xFFFFFFFFu);
  w32(pl, 0); w32(pl + 4, 250);
  expect_err(req(TH_MSG_READ, 112, pl, 8), TH_MSG_READ, 112, TH_PERR_BAD_LENGTH, 250);
  w32(pl + 4, 249);
  r = req(TH_MSG_READ, 113, pl, 8);
  expect_ok(r, TH_MSG_READ, 113);
  check(r->n == 249, "READ of max_frame - 7");
  expect_err(req(TH_MSG_READ, 114, pl, 9), TH_MSG_READ, 114, TH_PERR_BAD_LENGTH, 9);
  expect_err(req(TH_MSG_CRC, 115, pl, 4), TH_MSG_CRC, 115, TH_PERR_BAD_LENGTH, 4);
  expect_err(req(TH_MSG_COUNTERS, 116, pl, 1), TH_MSG_COUNTERS, 116, TH_PERR_BAD_LENGTH, 1);
  expect_err(req(TH_MSG_RESET, 117, pl, 2), TH_MSG_RESET, 117, TH_PERR_BAD_LENGTH, 2);
  check(fake_guards_ok(), "guards");
}

/* Writes the linear_qk inputs of qk() and returns the expected output. */
static void qk_setup(int8_t expect[12]) {
  int8_t I[15], W[20];
  int16_t B[4];
  uint8_t b[8];
  int h, s, p, e, i;
  for (i = 0; i < 15; i++) I[i] = (int8_t)(i * 37 - 100);
  for (i = 0; i < 20; i++) W[i] = (int8_t)(i * 53 - 120);
  for (i = 0; i < 4; i++) B[i] = (int16_t)(i * 300 - 500);
  for (i = 0; i < 4; i++) { b[2 * i] = (uint8_t)B[i]; b[2 * i + 1] = (uint8_t)((uint16_t)B[i] >> 8); }
  write_arena(0, (const uint8_t *)I, 15);
  write_arena(16, (const uint8_t *)W, 20);
  write_arena(36, b, 8);
  for (h = 0; h < 2; h++)
    for (s = 0; s < 3; s++)
      for (p = 0; p < 2; p++) {
        int32_t acc = B[h * 2 + p];
        for (e = 0; e < 5; e++) acc += I[s * 5 + e] * W[(h * 2 + p) * 5 + e];
        expect[(h * 3 + s) * 2 + p] = ref_rq(acc, 385, 8);
      }
}

static void t_run(void) {
  int8_t expect[12];
  uint8_t pl[16];
  runreq r;
  reply *rep, first;
  uint16_t s;
  uint32_t calls;
  int cores;
  for (cores = 1; cores <= 2; cores++) {
    test_name = cores == 1 ? "run linear_qk 1 core" : "run linear_qk 2 cores";
    fresh();
    qk_setup(expect);
    r = qk();
    r.cores = (uint8_t)cores;
    r.repeat = 3;
    s = next_seq();
    rep = run(&r, s);
    expect_ok(rep, TH_MSG_RUN, s);
    check(rep->n == 24u + 8u * cores, "RUN reply %u bytes", rep->n);
    check(rep->pl[0] == 0 && rep->pl[1] == cores && le32(rep->pl + 4) == 3, "status/cores/repeat");
    check(le64(rep->pl + 8) == 333, "counter %llu, want (2000-1000)/3", (unsigned long long)le64(rep->pl + 8));
    check(le32(rep->pl + 16) == 12, "output bytes %u", le32(rep->pl + 16));
    check(le32(rep->pl + 20) == th_crc32(0, (const uint8_t *)expect, 12), "output CRC");
    check(memcmp(fake_arena() + 64, expect, 12) == 0, "output bytes differ from the reference");
    check(fake_parallel_calls() == 3 && fake_trigger_rises() == 1 && fake_trigger_level() == 0, "repeat/trigger");
    check(le64(rep->pl + 24) == 7, "core 0 counter");
    first = *rep;
    test_name = "duplicate seq";
    calls = fake_parallel_calls();
    rep = run(&r, s);
    check(rep->type == (TH_MSG_RUN | 0x80) && rep->seq == s && rep->n == first.n &&
              memcmp(rep->pl, first.pl, first.n) == 0, "repeat got another reply");
    check(fake_parallel_calls() == calls, "a repeated request ran again");
    test_name = "counters";
    rep = req(TH_MSG_COUNTERS, next_seq(), pl, 0);
    check(rep->n == first.n && memcmp(rep->pl, first.pl, first.n) == 0, "COUNTERS differs from RUN reply");
    r.repeat = 1; /* same seq, other bytes: a new request */
    rep = run(&r, s);
    expect_ok(rep, TH_MSG_RUN, s);
    check(fake_parallel_calls() == calls + 1, "same seq with other bytes was not run");
    check(fake_guards_ok(), "guards");
  }

  test_name = "duplicate after garbage";
  {
    uint8_t w[4] = {0x05, 0x01, 0x00, 0x00};
    s = next_seq();
    w32(pl, 200);
    pl[4] = pl[5] = pl[6] = 9;
    expect_ok(req(TH_MSG_WRITE, s, pl, 7), TH_MSG_WRITE, s);
    fake_arena()[200] = 0;
    feed_poll(w, 4, 1); /* a bad frame (one error), then an empty one (none) */
    rep = req(TH_MSG_WRITE, s, pl, 7); /* the lost reply's request again */
    expect_ok(rep, TH_MSG_WRITE, s);
    check(fake_arena()[200] == 0, "a repeated WRITE was written again");
  }

  test_name = "reset";
  rep = req(TH_MSG_RESET, next_seq(), pl, 0);
  check(rep->type == (TH_MSG_RESET | 0x80) && rep->n == 0, "RESET reply");
  check(fake_arena()[64] == 0 && fake_arena()[36] == 0, "RESET left the arena");
  rep = req(TH_MSG_COUNTERS, next_seq(), pl, 0);
  check(rep->type == (TH_MSG_COUNTERS | 0x80) && rep->n == 0, "COUNTERS after RESET not empty");
}

static void t_run_errors(void) {
  runreq r;
  uint8_t pl[200];
  uint32_t n;
  uint16_t s;
  fresh();
  r = qk(); r.id = 99; run_err("bad kernel id", &r, TH_PERR_BAD_KERNEL, 99);
  r = qk(); r.id = TH_K_COUNT; run_err("first id past the kernels", &r, TH_PERR_BAD_KERNEL, TH_K_COUNT);
  r = qk(); r.n_in = 2; run_err("n_inputs", &r, TH_PERR_BAD_KERNEL, 2);
  r = qk(); r.n_in = 4; run_err("n_inputs 4", &r, TH_PERR_BAD_KERNEL, 4);
  r = qk(); r.cores = 0; run_err("zero cores", &r, TH_PERR_BAD_CORES, 0);
  r = qk(); r.cores = 3; run_err("too many cores", &r, TH_PERR_BAD_CORES, 3);
  r = qk(); r.split = 2; run_err("split", &r, TH_PERR_BAD_SHAPE, 2);
  r = qk(); r.repeat = 0; run_err("repeat 0", &r, TH_PERR_BAD_SHAPE, 0);
  r = qk(); r.dims[0] = 0; run_err("S = 0", &r, TH_PERR_BAD_SHAPE, 0);
  r = qk(); r.dims[1] = 70000; run_err("E = 70000", &r, TH_PERR_BAD_SHAPE, 70000);
  r = qk(); r.dims[3] = 0xFFFFFFFFu; run_err("H = 2^32-1", &r, TH_PERR_BAD_SHAPE, 0xFFFFFFFFu);
  r = qk(); r.dims[0] = r.dims[1] = r.dims[2] = r.dims[3] = 65535;
  run_err("huge shape", &r, TH_PERR_BAD_SHAPE, 0);
  r = qk(); r.dims[0] = r.dims[1] = 100; run_err("shape beyond arena", &r, TH_PERR_OUT_OF_ARENA, 10000);
  r = qk(); r.dims[4] = 12345; s = next_seq(); test_name = "T ignored";
  qk_setup((int8_t[12]){0});
  expect_ok(run(&r, s), TH_MSG_RUN, s);
  r = qk(); r.rq[0][1] = 32; run_err("div 32", &r, TH_PERR_BAD_RQ, 32);
  r = qk(); r.rq[0][1] = -1; run_err("div -1", &r, TH_PERR_BAD_RQ, 0xFFFFFFFFu);
  r = qk(); r.rq[1][1] = 99; s = next_seq(); test_name = "unread rq ignored";
  expect_ok(run(&r, s), TH_MSG_RUN, s);
  r = qk(); r.in[1] = ARENA - 10; run_err("input past arena", &r, TH_PERR_OUT_OF_ARENA, ARENA + 10);
  r = qk(); r.in[2] = 0xFFFFFFFEu; run_err("input offset+len overflow", &r, TH_PERR_OUT_OF_ARENA, 0xFFFFFFFFu);
  r = qk(); r.out = ARENA - 11; run_err("output past arena", &r, TH_PERR_OUT_OF_ARENA, ARENA + 1);
  r = qk(); r.scr = ARENA; r.scr_len = 1; run_err("scratch past arena", &r, TH_PERR_OUT_OF_ARENA, ARENA + 1);
  r = qk(); r.scr = 0xFFFFFFFFu; r.scr_len = 0xFFFFFFFFu;
  run_err("scratch overflow", &r, TH_PERR_OUT_OF_ARENA, 0xFFFFFFFFu);
  r = qk(); r.in[2] = 37; run_err("odd int16 offset", &r, TH_PERR_BAD_ALIGN, 37);
  r = qk(); r.out = 30; run_err("output overlaps W", &r, TH_PERR_OVERLAP, 16);
  r = qk(); r.in[0] = 60; run_err("output overlaps I", &r, TH_PERR_OVERLAP, 60);
  r = qk(); r.scr = 70; r.scr_len = 4; run_err("output overlaps scratch", &r, TH_PERR_OVERLAP, 70);
  r = qk(); r.scr = 40; r.scr_len = 2; run_err("scratch overlaps B", &r, TH_PERR_OVERLAP, 36);
  r = qk(); r.out = 44; s = next_seq(); test_name = "adjacent regions";
  expect_ok(run(&r, s), TH_MSG_RUN, s);
  /* fwsa S=4 E=3 H=2: needs n_cores * S * E scratch */
  memset(&r, 0, sizeof r);
  r.id = 5; r.cores = 2; r.n_in = 3; r.repeat = 1;
  r.dims[0] = 4; r.dims[1] = 3; r.dims[2] = 1; r.dims[3] = 2;
  r.in[0] = 0; r.in[1] = 16; r.in[2] = 40; r.out = 64; r.scr = 128; r.scr_len = 23;
  run_err("scratch too small", &r, TH_PERR_SCRATCH, 24);
  test_name = "payload length";
  r = qk();
  n = run_payload(&r, pl);
  s = next_seq();
  expect_err(req(TH_MSG_RUN, s, pl, n - 1), TH_MSG_RUN, s, TH_PERR_BAD_LENGTH, n - 1);
  s = next_seq();
  expect_err(req(TH_MSG_RUN, s, pl, n + 4), TH_MSG_RUN, s, TH_PERR_BAD_LENGTH, n + 4);
  s = next_seq();
  expect_err(req(TH_MSG_RUN, s, pl, 87), TH_MSG_RUN, s, TH_PERR_BAD_LENGTH, 87);
  s = next_seq();
  expect_err(req(TH_MSG_RUN, s, pl, 0), TH_MSG_RUN, s, TH_PERR_BAD_LENGTH, 0);
  test_name = "run errors";
  check(fake_guards_ok(), "guards");
}

/* ---- GRAPH ---- */

/* softmax S=3 E=4 on linear_qk's output (O at 64, 12 bytes) into 80. */
static runreq sm(void) {
  runreq r;
  memset(&r, 0, sizeof r);
  r.id = TH_K_SOFTMAX; r.cores = 1; r.n_in = 1; r.repeat = 1;
  r.dims[0] = 3; r.dims[1] = 4; r.dims[2] = 1; r.dims[3] = 1;
  r.in[0] = 64; r.out = 80; r.scr = 0; r.scr_len = 0;
  return r;
}

/* GRAPH payload: header (n_nodes, 3 reserved, repeat), then each node's RUN payload. */
static uint32_t graph_payload(uint8_t *p, const runreq *nodes, uint32_t count, uint32_t repeat) {
  uint32_t n = 8, i;
  p[0] = (uint8_t)count; p[1] = p[2] = p[3] = 0;
  w32(p + 4, repeat);
  for (i = 0; i < count; i++) n += run_payload(&nodes[i], p + n);
  return n;
}

static uint8_t gpl[8192];
static reply *graph(const runreq *nodes, uint32_t count, uint32_t repeat, uint16_t seq) {
  return req(TH_MSG_GRAPH, seq, gpl, graph_payload(gpl, nodes, count, repeat));
}

/* BAD_GRAPH: byte 2 = the node's own code (0 for the header), detail = node index or value. */
static void expect_graph_err(reply *r, uint16_t seq, uint8_t sub, uint32_t detail, const char *text) {
  check(r->ok_crc && r->type == TH_MSG_ERROR && r->seq == seq && r->n > 8, "not an ERROR reply");
  if (r->type != TH_MSG_ERROR || r->n <= 8) return;
  check(r->pl[0] == TH_PERR_BAD_GRAPH, "code %u, want BAD_GRAPH (%.*s)", r->pl[0], (int)(r->n - 8), (const char *)r->pl + 8);
  check(r->pl[1] == TH_MSG_GRAPH && r->pl[3] == 0, "request type/reserved");
  check(r->pl[2] == sub, "node code %u, want %u (%.*s)", r->pl[2], sub, (int)(r->n - 8), (const char *)r->pl + 8);
  check(le32(r->pl + 4) == detail, "detail %u, want %u (%.*s)", le32(r->pl + 4), detail, (int)(r->n - 8), (const char *)r->pl + 8);
  check(r->n - 8 >= strlen(text) && memcmp(r->pl + 8, text, strlen(text)) == 0, "message \"%.*s\" does not start \"%s\"",
        (int)(r->n - 8), (const char *)r->pl + 8, text);
}

static void graph_err(const char *name, const runreq *nodes, uint32_t count, uint8_t sub, uint32_t detail, const char *text) {
  uint16_t s = next_seq();
  uint32_t calls = fake_parallel_calls(), rises = fake_trigger_rises();
  test_name = name;
  expect_graph_err(graph(nodes, count, 1, s), s, sub, detail, text);
  check(fake_parallel_calls() == calls && fake_trigger_rises() == rises, "a refused GRAPH ran something");
}

static void t_graph(void) {
  int8_t expect[12];
  uint8_t o_qk[12], o_sm[12], pl[16];
  uint32_t crc_qk, crc_sm, calls, i, n;
  runreq nodes[3], bad[2];
  reply *rep, first;
  uint16_t s;

  test_name = "graph: node by node first";
  fresh();
  w32(pl, BIG);
  s = next_seq();
  expect_ok(req(TH_MSG_HELLO, s, pl, 4), TH_MSG_HELLO, s);
  qk_setup(expect);
  nodes[0] = qk(); nodes[1] = sm(); nodes[2] = qk(); nodes[2].out = 80; /* overwrites node 1's output */
  s = next_seq(); expect_ok(run(&nodes[0], s), TH_MSG_RUN, s);
  s = next_seq(); expect_ok(run(&nodes[1], s), TH_MSG_RUN, s);
  memcpy(o_qk, fake_arena() + 64, 12);
  memcpy(o_sm, fake_arena() + 80, 12);
  check(memcmp(o_qk, expect, 12) == 0, "RUN linear_qk output");
  crc_qk = th_crc32(0, o_qk, 12);
  crc_sm = th_crc32(0, o_sm, 12);
  memset(fake_arena() + 64, 0xEE, 28);

  test_name = "graph: 3 nodes, repeat 3";
  calls = fake_parallel_calls();
  nodes[1].cores = 2;
  s = next_seq();
  rep = graph(nodes, 3, 3, s);
  expect_ok(rep, TH_MSG_GRAPH, s);
  check(rep->n == 16u + 32u + 40u + 32u, "GRAPH reply %u bytes", rep->n);
  check(rep->pl[0] == 0 && rep->pl[1] == 3 && rep->pl[2] == 0 && rep->pl[3] == 0 && le32(rep->pl + 4) == 3, "header");
  /* fake counter: +1000 a read; per pass 2 reads a node, last pass 1 more (CRC, not counted) */
  check(le64(rep->pl + 8) == (2u * 3u * 3u + 1u) * 1000u / 3u, "total %llu", (unsigned long long)le64(rep->pl + 8));
  {
    const uint8_t *e = rep->pl + 16;
    static const uint32_t crcs_n[3] = {1, 2, 1};
    uint32_t want_crc[3];
    want_crc[0] = crc_qk; want_crc[1] = crc_sm; want_crc[2] = crc_qk;
    for (i = 0; i < 3; i++) {
      uint32_t cores = crcs_n[i], c;
      check(e[0] == 0 && e[1] == cores && le32(e + 4) == 3, "node %u status/cores/repeat", i);
      check(le64(e + 8) == 1000, "node %u counter %llu", i, (unsigned long long)le64(e + 8));
      check(le32(e + 16) == 12, "node %u output bytes", i);
      check(le32(e + 20) == want_crc[i], "node %u output CRC 0x%08x, want 0x%08x", i, le32(e + 20), want_crc[i]);
      for (c = 0; c < cores; c++) check(le64(e + 24 + 8 * c) == (cores == 1 ? 7 : 7 + c), "node %u core %u counter", i, c);
      e += 24 + 8 * cores;
    }
  }
  check(memcmp(fake_arena() + 64, o_qk, 12) == 0 && memcmp(fake_arena() + 80, o_qk, 12) == 0, "arena after the graph");
  check(fake_parallel_calls() == calls + 9 && fake_trigger_level() == 0, "9 node runs, trigger low");
  first = *rep;
  test_name = "graph: duplicate seq";
  calls = fake_parallel_calls();
  rep = graph(nodes, 3, 3, s);
  check(rep->n == first.n && memcmp(rep->pl, first.pl, first.n) == 0, "a repeated GRAPH got another reply");
  check(fake_parallel_calls() == calls, "a repeated GRAPH ran again");
  test_name = "graph: COUNTERS keeps the last RUN";
  rep = req(TH_MSG_COUNTERS, next_seq(), pl, 0);
  check(rep->n == 32 && le32(rep->pl + 20) == crc_sm, "COUNTERS changed by GRAPH");

  test_name = "graph: 32 nodes";
  {
    static runreq many[32];
    for (i = 0; i < 32; i++) many[i] = qk();
    s = next_seq();
    rep = graph(many, 32, 1, s);
    expect_ok(rep, TH_MSG_GRAPH, s);
    check(rep->pl[1] == 32 && rep->n == 16u + 32u * 32u, "32 entries");
  }

  /* Header errors. */
  nodes[1].cores = 1;
  test_name = "graph: short payload";
  s = next_seq();
  expect_err(req(TH_MSG_GRAPH, s, gpl, 7), TH_MSG_GRAPH, s, TH_PERR_BAD_LENGTH, 7);
  graph_err("graph: 0 nodes", nodes, 0, 0, 0, "GRAPH: n_nodes 0 outside 1..32");
  {
    static runreq many[33];
    for (i = 0; i < 33; i++) many[i] = qk();
    graph_err("graph: 33 nodes", many, 33, 0, 33, "GRAPH: n_nodes 33");
  }
  test_name = "graph: reserved bytes";
  n = graph_payload(gpl, nodes, 2, 1);
  gpl[2] = 1;
  s = next_seq();
  expect_graph_err(req(TH_MSG_GRAPH, s, gpl, n), s, 0, 0x100, "GRAPH: reserved");
  test_name = "graph: repeat 0";
  n = graph_payload(gpl, nodes, 2, 0);
  s = next_seq();
  expect_graph_err(req(TH_MSG_GRAPH, s, gpl, n), s, 0, 0, "GRAPH: repeat 0");
  test_name = "graph: trailing bytes";
  n = graph_payload(gpl, nodes, 2, 1);
  s = next_seq();
  expect_err(req(TH_MSG_GRAPH, s, gpl, n + 3), TH_MSG_GRAPH, s, TH_PERR_BAD_LENGTH, n + 3);
  test_name = "graph: a node cut short";
  n = graph_payload(gpl, nodes, 2, 1);
  gpl[0] = 3; /* says 3 nodes, carries 2 */
  s = next_seq();
  expect_graph_err(req(TH_MSG_GRAPH, s, gpl, n), s, TH_PERR_BAD_LENGTH, 2, "node 2: GRAPH: 0 bytes left");
  n = graph_payload(gpl, nodes, 2, 1);
  s = next_seq();
  expect_graph_err(req(TH_MSG_GRAPH, s, gpl, n - 4), s, TH_PERR_BAD_LENGTH, 1, "node 1: GRAPH: node of 104 bytes");

  /* Node errors: the node's index, its own code; nothing runs. */
  bad[0] = qk(); bad[1] = sm(); bad[1].id = 99;
  graph_err("graph: node 1 unknown kernel", bad, 2, TH_PERR_BAD_KERNEL, 1, "node 1: GRAPH: unknown kernel id 99");
  bad[0] = qk(); bad[1] = sm(); bad[1].repeat = 2;
  graph_err("graph: node repeat 2", bad, 2, TH_PERR_BAD_SHAPE, 1, "node 1: repeat 2, must be 1");
  bad[0] = qk(); bad[0].out = ARENA - 4; bad[1] = sm();
  graph_err("graph: node 0 out of arena", bad, 2, TH_PERR_OUT_OF_ARENA, 0, "node 0: GRAPH: output offset");
  bad[0] = qk(); bad[1] = sm(); bad[1].cores = 3;
  graph_err("graph: node 1 cores", bad, 2, TH_PERR_BAD_CORES, 1, "node 1: GRAPH softmax: n_cores 3 outside 1..2");
  bad[0] = qk(); bad[1] = sm(); bad[1].out = 60;
  graph_err("graph: node 1 overlap", bad, 2, TH_PERR_OVERLAP, 1, "node 1: GRAPH softmax: output overlaps X");
  bad[0] = qk(); bad[0].rq[0][1] = 40; bad[1] = sm();
  graph_err("graph: node 0 rq", bad, 2, TH_PERR_BAD_RQ, 0, "node 0: GRAPH linear_qk: rq0 div 40");
  test_name = "graph errors";
  check(fake_guards_ok(), "guards");
}

/* Every kernel through RUN on a small shape: status 0, and the same output bytes on 1 and 2 cores. */
static void t_all_kernels(void) {
  static uint8_t first[512];
  int32_t id, cores;
  uint32_t split;
  for (id = 0; id < TH_K_COUNT; id++) {
    for (split = 0; split < 2; split++) {
      const th_kernel_desc *d = th_kernel_get(id);
      th_shape sh = {3, 5, 2, 2, 2};
      size_t in[TH_MAX_INPUTS], out;
      uint32_t off = 0, i, j;
      runreq r;
      test_name = d ? d->name : "kernel";
      if (!d || th_kernel_sizes(id, &sh, in, &out) != TH_OK) { check(0, "no sizes"); continue; }
      fresh();
      memset(&r, 0, sizeof r);
      r.id = (uint8_t)id; r.split = (uint8_t)split; r.n_in = (uint8_t)d->n_inputs; r.repeat = 1;
      r.dims[0] = 3; r.dims[1] = 5; r.dims[2] = 2; r.dims[3] = 2; r.dims[4] = 2;
      for (i = 0; i < 6; i++) { r.rq[i][0] = 385; r.rq[i][1] = 10; }
      r.consts[0] = 40; r.consts[1] = 1772; r.consts[2] = 1772;
      for (i = 0; i < (uint32_t)d->n_inputs; i++) {
        uint32_t bytes = (uint32_t)(in[i] * th_dtype_size(d->input_types[i]));
        r.in[i] = off;
        for (j = 0; j < bytes; j += 200) {
          uint8_t chunk[200];
          uint32_t k, m = bytes - j < 200 ? bytes - j : 200;
          for (k = 0; k < m; k++) chunk[k] = (uint8_t)((j + k) * 131u + i * 17u + 5u);
          write_arena(off + j, chunk, m);
        }
        off = (off + bytes + 3u) & ~3u;
      }
      r.out = off;
      r.scr = (off + (uint32_t)out + 3u) & ~3u;
      r.scr_len = (uint32_t)th_scratch_bytes(id, &sh, 2);
      check(r.scr + r.scr_len <= ARENA && out <= sizeof first, "layout fits");
      for (cores = 1; cores <= 2; cores++) {
        uint16_t s = next_seq();
        reply *rep;
        r.cores = (uint8_t)cores;
        rep = run(&r, s);
        expect_ok(rep, TH_MSG_RUN, s);
        check(rep->pl[0] == 0, "th_status %u", rep->pl[0]);
        check(le32(rep->pl + 16) == out, "output bytes %u, want %u", le32(rep->pl + 16), (unsigned)out);
        check(le32(rep->pl + 20) == th_crc32(0, fake_arena() + r.out, out), "output CRC");
        if (cores == 1) memcpy(first, fake_arena() + r.out, out);
        else check(memcmp(first, fake_arena() + r.out, out) == 0, "2 cores give other bytes than 1 (split %u)", split);
        memset(fake_arena() + r.out, 0xEE, out); /* so a run that writes nothing is caught */
      }
      check(fake_guards_ok(), "guards");
    }
  }
}

/* 0x00 then an ABORT frame for seq (what the host sends), with a payload of n bytes. */
static uint32_t abort_wire(uint8_t *dst, uint16_t seq, uint32_t n, uint32_t crc_xor) {
  static const uint8_t junk[4] = {1, 2, 3, 4};
  uint8_t raw[16];
  uint32_t m = build(raw, TH_MSG_ABORT, seq, junk, n, crc_xor);
  dst[0] = 0;
  return 1 + encode(dst + 1, raw, m);
}

static void t_abort(void) {
  static uint8_t pl[200], ab[32], both[400];
  int8_t expect[12];
  runreq r;
  reply *rep, aborted;
  uint16_t s;
  uint32_t m, k;

  test_name = "repeat limit";
  fresh();
  qk_setup(expect);
  r = qk(); r.repeat = TH_FW_MAX_REPEAT + 1u; run_err("repeat limit + 1", &r, TH_PERR_REPEAT_LIMIT, TH_FW_MAX_REPEAT);
  check(strstr((const char *)replies[0].pl + 8, "limit of") != NULL, "REPEAT_LIMIT text names no limit");
  r = qk(); r.repeat = 0xFFFFFFFFu; run_err("repeat 2^32-1", &r, TH_PERR_REPEAT_LIMIT, TH_FW_MAX_REPEAT);

  test_name = "abort mid-run";
  r = qk(); r.repeat = TH_FW_MAX_REPEAT; /* the largest accepted: would run for ages */
  s = next_seq();
  m = abort_wire(ab, s, 0, 0);
  fake_feed_after(fake_parallel_calls() + 5, ab, m);
  k = fake_parallel_calls();
  rep = run(&r, s);
  expect_err(rep, TH_MSG_RUN, s, TH_PERR_ABORTED, 5);
  check(fake_parallel_calls() - k == 5, "ran %u repeats after ABORT at 5", fake_parallel_calls() - k);
  check(fake_trigger_level() == 0, "trigger left high after ABORT");
  check(memcmp(fake_arena() + 64, expect, 12) == 0, "completed repeats wrote another output");
  aborted = *rep;
  test_name = "abort: idle ABORT of the finished RUN gets its reply again";
  feed_poll(ab, m, 1);
  check(replies[0].type == TH_MSG_ERROR && replies[0].n == aborted.n && memcmp(replies[0].pl, aborted.pl, aborted.n) == 0,
        "ABORT after the end: not the RUN's reply");
  test_name = "abort: the resent RUN is not run again";
  k = fake_parallel_calls();
  rep = run(&r, s);
  check(rep->n == aborted.n && memcmp(rep->pl, aborted.pl, aborted.n) == 0 && fake_parallel_calls() == k, "RUN ran again");
  test_name = "abort: COUNTERS keeps the last completed RUN";
  rep = req(TH_MSG_COUNTERS, next_seq(), pl, 0);
  check(rep->type == (TH_MSG_COUNTERS | 0x80) && rep->n == 0, "COUNTERS after an aborted RUN: %u bytes", rep->n);

  test_name = "abort: stale seq, bad CRC, other frames are dropped during a RUN";
  r.repeat = 20;
  s = next_seq();
  m = abort_wire(both, (uint16_t)(s - 1), 0, 0);           /* an earlier request's seq */
  m += abort_wire(both + m, s, 0, 0x40);                    /* corrupted */
  m += abort_wire(both + m, s, 1, 0);                       /* ABORT carries no payload */
  w32(pl, 0); w32(pl + 4, 4);
  k = wire_frame(TH_MSG_READ, (uint16_t)(s + 1), pl, 8, 0);  /* a request the host must not send */
  memcpy(both + m, wire, k);
  m += k;
  fake_feed_after(fake_parallel_calls() + 2, both, m);
  k = fake_parallel_calls();
  rep = run(&r, s);
  expect_ok(rep, TH_MSG_RUN, s);
  check(fake_parallel_calls() - k == 20 && le32(rep->pl + 4) == 20, "RUN did not complete its 20 repeats");
  test_name = "abort: idle ABORT for a seq that never ran";
  feed_poll(ab, abort_wire(ab, 999, 0, 0), 1);
  check(replies[0].type == (TH_MSG_ABORT | 0x80) && replies[0].seq == 999 && replies[0].n == 0 && replies[0].ok_crc,
        "reply type 0x%02x seq %u %u bytes", replies[0].type, replies[0].seq, replies[0].n);
  test_name = "abort: idle ABORT with a payload";
  feed_poll(ab, abort_wire(ab, 1000, 2, 0), 1);
  expect_err(&replies[0], TH_MSG_ABORT, 1000, TH_PERR_BAD_LENGTH, 2);
  test_name = "abort: idle ABORTs leave the reply cache alone";
  k = fake_parallel_calls();
  rep = run(&r, s);
  expect_ok(rep, TH_MSG_RUN, s);
  check(fake_parallel_calls() == k, "the RUN before the idle ABORTs ran again");
  test_name = "abort: repeat 1 never reads the link";
  r.repeat = 1;
  s = next_seq();
  m = abort_wire(ab, s, 0, 0);
  fake_feed_after(fake_parallel_calls() + 1, ab, m);
  /* The ABORT arrives during the only repeat: the RUN completes, then the core meets the ABORT
   * idle and sends the RUN's reply again. */
  feed_poll(wire, run_payload(&r, pl) ? wire_frame(TH_MSG_RUN, s, pl, run_payload(&r, pl), 0) : 0, 2);
  expect_ok(&replies[0], TH_MSG_RUN, s);
  check(le32(replies[0].pl + 4) == 1, "repeat %u", le32(replies[0].pl + 4));
  check(replies[1].type == replies[0].type && replies[1].seq == s && replies[1].n == replies[0].n &&
            memcmp(replies[1].pl, replies[0].pl, replies[0].n) == 0, "late ABORT: not the RUN reply again");
  check(fake_guards_ok(), "guards");
}

/* Loose ends found by the black-box fuzzer, each decided (docs/protocol.md, "Edge cases"). */
static void t_loose_ends(void) {
  static uint8_t pl[200];
  int8_t expect[12];
  runreq r;
  uint16_t s;
  uint32_t t;
  static const uint32_t Ts[3] = {0, 1, 0xFFFFFFFFu};

  test_name = "T is not read by kernels without T";
  fresh();
  qk_setup(expect);
  for (t = 0; t < 3; t++) {
    r = qk(); r.dims[4] = Ts[t];
    memset(fake_arena() + 64, 0xEE, 12);
    s = next_seq();
    expect_ok(run(&r, s), TH_MSG_RUN, s);
    check(memcmp(fake_arena() + 64, expect, 12) == 0, "T = %u changed the output", Ts[t]);
  }
  test_name = "a COBS chunk decoding to nothing is ignored";
  wire[0] = 0x01; wire[1] = 0x00;       /* code 1, no data: the empty frame */
  feed_poll(wire, 2, 0);
  wire[0] = 0x00; wire[1] = 0x01; wire[2] = 0x00; wire[3] = 0x00;
  feed_poll(wire, 4, 0);
  test_name = "READ too long and out of the arena: BAD_LENGTH first";
  w32(pl, 0xFFFFFFF0u); w32(pl + 4, 0xFFFFFFFFu);
  expect_err(req(TH_MSG_READ, 300, pl, 8), TH_MSG_READ, 300, TH_PERR_BAD_LENGTH, 0xFFFFFFFFu);
  w32(pl, ARENA); w32(pl + 4, 250);
  expect_err(req(TH_MSG_READ, 301, pl, 8), TH_MSG_READ, 301, TH_PERR_BAD_LENGTH, 250);
  test_name = "gelu qb <= 0 is refused";
  memset(&r, 0, sizeof r);
  r.id = TH_K_GELU; r.cores = 1; r.n_in = 1; r.repeat = 1;
  r.dims[0] = 2; r.dims[1] = 4; r.dims[2] = 1; r.dims[3] = 1;
  r.rq[0][0] = 296; r.rq[0][1] = 20;
  r.consts[0] = 0; r.consts[1] = 1772; r.consts[2] = 1772;
  r.in[0] = 0; r.out = 16; r.scr = 32;
  run_err("gelu qb 0", &r, TH_PERR_BAD_SHAPE, 0);
  check(strstr((const char *)replies[0].pl + 8, "qb") != NULL, "gelu qb error does not name qb");
  r.consts[0] = -5; run_err("gelu qb -5", &r, TH_PERR_BAD_SHAPE, 0xFFFFFFFBu);
  r.consts[0] = 1; s = next_seq(); test_name = "gelu qb 1 runs";
  expect_ok(run(&r, s), TH_MSG_RUN, s);
  check(fake_guards_ok(), "guards");
}

/* GRAPH with the repeat bound and ABORT between nodes (after t_abort's helpers). */
static void t_graph_abort(void) {
  static uint8_t ab[32];
  int8_t expect[12];
  uint8_t pl[8];
  runreq nodes[2];
  reply *rep, aborted;
  uint16_t s;
  uint32_t m, k, n;

  test_name = "graph: repeat limit";
  fresh();
  w32(pl, BIG);
  s = next_seq();
  expect_ok(req(TH_MSG_HELLO, s, pl, 4), TH_MSG_HELLO, s);
  qk_setup(expect);
  nodes[0] = qk(); nodes[1] = sm();
  n = graph_payload(gpl, nodes, 2, TH_FW_MAX_REPEAT + 1u);
  s = next_seq();
  k = fake_parallel_calls();
  expect_err(req(TH_MSG_GRAPH, s, gpl, n), TH_MSG_GRAPH, s, TH_PERR_REPEAT_LIMIT, TH_FW_MAX_REPEAT);
  check(fake_parallel_calls() == k, "a refused GRAPH ran");

  test_name = "graph: ABORT between nodes";
  s = next_seq();
  m = abort_wire(ab, s, 0, 0);
  fake_feed_after(fake_parallel_calls() + 3, ab, m); /* arrives during the 3rd node run */
  k = fake_parallel_calls();
  rep = graph(nodes, 2, TH_FW_MAX_REPEAT, s);
  expect_err(rep, TH_MSG_GRAPH, s, TH_PERR_ABORTED, 3);
  check(fake_parallel_calls() - k == 3, "ran %u nodes after ABORT at 3", fake_parallel_calls() - k);
  check(fake_trigger_level() == 0, "trigger left high after ABORT");
  check(strstr((const char *)rep->pl + 8, "aborted after 3 of") != NULL, "ABORTED text");
  aborted = *rep;
  test_name = "graph: the resent GRAPH is not run again";
  k = fake_parallel_calls();
  rep = graph(nodes, 2, TH_FW_MAX_REPEAT, s);
  check(rep->n == aborted.n && memcmp(rep->pl, aborted.pl, aborted.n) == 0 && fake_parallel_calls() == k, "GRAPH ran again");
  test_name = "graph: an ABORT after the last node gets the finished reply again";
  s = next_seq();
  fake_feed_after(fake_parallel_calls() + 2, ab, abort_wire(ab, s, 0, 0));
  m = wire_frame(TH_MSG_GRAPH, s, gpl, graph_payload(gpl, nodes, 2, 1), 0);
  feed_poll(wire, m, 2);
  expect_ok(&replies[0], TH_MSG_GRAPH, s);
  check(replies[0].pl[1] == 2, "2 node entries");
  check(replies[1].n == replies[0].n && memcmp(replies[1].pl, replies[0].pl, replies[0].n) == 0, "second reply differs");
  check(fake_guards_ok(), "guards");
}

int main(void) {
  t_boot_hello();
  t_all_kernels();
  t_framing();
  t_too_large_big();
  t_regions();
  t_run();
  t_run_errors();
  t_abort();
  t_loose_ends();
  t_graph();
  t_graph_abort();
  test_name = "final";
  check(fake_guards_ok(), "arena guard bytes touched");
  printf("frames_test: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
