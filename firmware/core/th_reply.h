/* th_reply.h - builds reply frames in place (never past their buffer) and sends them COBS-framed.
 * Internal to the firmware core. */
#ifndef TH_REPLY_H
#define TH_REPLY_H

#include <stdint.h>

typedef struct {
  uint8_t *buf;
  uint32_t len, cap; /* cap: payload end, 4 bytes short of the buffer (or max_frame) for the CRC */
} th_builder;

/* The reply being built. */
extern th_builder th_out;

static inline uint16_t th_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t th_rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint32_t th_sat32(uint64_t v) { return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)v; }

/* Starts a frame of at most `limit` bytes (>= 16) in buf. */
void th_begin(uint8_t *buf, uint32_t limit, uint8_t type, uint16_t seq);
/* Appenders: silently clip at th_out.cap (only message text and HELLO strings ever can). */
void th_put(const void *p, uint32_t n);
void th_put8(uint32_t v);
void th_put16(uint32_t v);
void th_put32(uint32_t v);
void th_put64(uint64_t v);
void th_put_str(const char *s, uint32_t maxlen); /* u8 length + bytes */
void th_txt(const char *s);                      /* message text */
void th_num(uint64_t v);                         /* decimal */
/* Turns the frame into an ERROR (payload restarted): code, request type, detail; text follows. */
void th_fail(uint8_t code, uint8_t req, uint32_t detail);
/* 0 when [off, off+len) lies in an arena of arena_bytes; else an OUT_OF_ARENA error naming `what`. */
int th_region(uint8_t type, const char *what, uint32_t off, uint64_t len, uint32_t arena_bytes);
/* Name of a request type for messages. */
const char *th_type_name(uint8_t type);

/* Appends the CRC, sends the frame; returns its length (the frame stays in its buffer). */
uint32_t th_finish(void);
/* Sends decoded frame bytes again (COBS + 0x00) through hal_write. */
void th_send_raw(const uint8_t *frame, uint32_t len);
void th_send_zero(void);

#endif /* TH_REPLY_H */
