/* th_cobs.h - COBS framing: an incremental decoder fed byte by byte into a bounded
 * buffer, and an encoder that streams through a caller's sink. */
#ifndef TH_COBS_H
#define TH_COBS_H

#include <stdint.h>

typedef enum {
  TH_COBS_MORE = 0,      /* byte consumed, no frame yet */
  TH_COBS_FRAME = 1,     /* delimiter: buf[0..len) holds a well-formed frame (len may be 0) */
  TH_COBS_MALFORMED = 2, /* delimiter: the frame was not valid COBS (len = bytes decoded) */
  TH_COBS_TOO_LARGE = 3  /* delimiter: the frame decoded past max; total = its decoded length,
                            buf keeps its first max bytes */
} th_cobs_event;

typedef struct {
  uint8_t *buf;
  uint32_t cap;    /* buffer size */
  uint32_t max;    /* frames longer than this are dropped (max <= cap) */
  uint32_t len;    /* decoded bytes kept */
  uint32_t total;  /* decoded bytes seen (saturating), >= len */
  uint8_t left;    /* data bytes left in the current block; 0 = next byte is a code */
  uint8_t code;    /* current block's code byte; 0 before the first */
} th_cobs_dec;

void th_cobs_dec_init(th_cobs_dec *d, uint8_t *buf, uint32_t cap, uint32_t max);
/* Starts the next frame (call after an event other than TH_COBS_MORE has been handled). */
void th_cobs_dec_reset(th_cobs_dec *d);
/* Feeds one wire byte. */
th_cobs_event th_cobs_dec_byte(th_cobs_dec *d, uint8_t b);

/* Worst-case encoded size of n bytes, without the delimiter. */
#define TH_COBS_MAX_ENCODED(n) ((n) + (n) / 254u + 1u)

typedef void (*th_cobs_sink)(const uint8_t *p, uint32_t n, void *arg);
/* Encodes src[0..n) and the trailing 0x00 through sink (in runs of up to 255 bytes). */
void th_cobs_encode(const uint8_t *src, uint32_t n, th_cobs_sink sink, void *arg);

#endif /* TH_COBS_H */
