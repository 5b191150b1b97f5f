/* th_reply.c - the reply builder and the COBS sender of the firmware core. */
#include "th_reply.h"

#include <string.h>

#include "hal.h"
#include "th_cobs.h"
#include "th_crc32.h"
#include "th_proto.h"

th_builder th_out;

void th_begin(uint8_t *buf, uint32_t limit, uint8_t type, uint16_t seq) {
  th_out.buf = buf;
  th_out.cap = limit - TH_PROTO_CRC_BYTES;
  th_out.buf[0] = type;
  th_out.buf[1] = (uint8_t)seq;
  th_out.buf[2] = (uint8_t)(seq >> 8);
  th_out.len = TH_PROTO_HEADER_BYTES;
}
void th_put(const void *p, uint32_t n) {
  if (n > th_out.cap - th_out.len) n = th_out.cap - th_out.len;
  memcpy(th_out.buf + th_out.len, p, n);
  th_out.len += n;
}
void th_put8(uint32_t v) {
  uint8_t b = (uint8_t)v;
  th_put(&b, 1);
}
void th_put16(uint32_t v) { th_put8(v); th_put8(v >> 8); }
void th_put32(uint32_t v) { th_put16(v); th_put16(v >> 16); }
void th_put64(uint64_t v) { th_put32((uint32_t)v); th_put32((uint32_t)(v >> 32)); }
void th_put_str(const char *s, uint32_t maxlen) {
  uint32_t n = 0;
  if (s) while (s[n] && n < maxlen) n++;
  th_put8(n);
  th_put(s, n);
}
/* Message text helpers for ERROR replies. */
void th_txt(const char *s) { th_put(s, (uint32_t)strlen(s)); }
void th_num(uint64_t v) {
  char d[20];
  int i = 0;
  do { d[i++] = (char)('0' + (int)(v % 10u)); v /= 10u; } while (v && i < 20);
  while (i) th_put8((uint8_t)d[--i]);
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
void th_send_raw(const uint8_t *frame, uint32_t len) {
  th_cobs_encode(frame, len, sink, 0);
  stage_flush();
}
uint32_t th_finish(void) {
  uint32_t crc = th_crc32(0, th_out.buf, th_out.len);
  uint32_t i;
  for (i = 0; i < 4; i++) th_out.buf[th_out.len + i] = (uint8_t)(crc >> (8 * i));
  th_out.len += 4;
  th_send_raw(th_out.buf, th_out.len);
  return th_out.len;
}

void th_fail(uint8_t code, uint8_t req, uint32_t detail) {
  th_out.len = TH_PROTO_HEADER_BYTES;
  th_out.buf[0] = TH_MSG_ERROR;
  th_put8(code);
  th_put8(req);
  th_put16(0);
  th_put32(detail);
}

void th_send_zero(void) {
  static const uint8_t zero = 0;
  hal_write(&zero, 1);
}

const char *th_type_name(uint8_t type) {
  static const char *const names[10] = {"?",   "HELLO",    "WRITE", "READ", "CRC",
                                        "RUN", "COUNTERS", "RESET", "ABORT", "GRAPH"};
  return type < 10 ? names[type] : "?";
}

int th_region(uint8_t type, const char *what, uint32_t off, uint64_t len, uint32_t arena_bytes) {
  uint64_t end = (uint64_t)off + len;
  if (end <= arena_bytes) return 0;
  th_fail(TH_PERR_OUT_OF_ARENA, type, th_sat32(end));
  th_txt(th_type_name(type));
  th_txt(": ");
  th_txt(what);
  th_txt(" offset ");
  th_num(off);
  th_txt(" + length ");
  th_num(len);
  th_txt(" = ");
  th_num(end);
  th_txt(" beyond arena of ");
  th_num(arena_bytes);
  th_txt(" bytes");
  return 1;
}

