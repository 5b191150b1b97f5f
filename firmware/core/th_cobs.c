/* th_cobs.c - COBS decode (incremental, bounded) and encode (streaming). */
#include "th_cobs.h"

void th_cobs_dec_init(th_cobs_dec *d, uint8_t *buf, uint32_t cap, uint32_t max) {
  d->buf = buf;
  d->cap = cap;
  d->max = max <= cap ? max : cap;
  th_cobs_dec_reset(d);
}

void th_cobs_dec_reset(th_cobs_dec *d) {
  d->len = 0;
  d->total = 0;
  d->left = 0;
  d->code = 0;
}

/* Keeps a decoded byte if it fits; always counts it (saturating) so TOO_LARGE can say how long. */
static void put(th_cobs_dec *d, uint8_t v) {
  if (d->total < d->max) d->buf[d->len++] = v;
  if (d->total != 0xFFFFFFFFu) d->total++;
}

th_cobs_event th_cobs_dec_byte(th_cobs_dec *d, uint8_t b) {
  if (b == 0) {
    th_cobs_event ev;
    if (d->total > d->max) ev = TH_COBS_TOO_LARGE;
    else if (d->left != 0) ev = TH_COBS_MALFORMED; /* a block ran into the delimiter */
    else ev = TH_COBS_FRAME;
    return ev;
  }
  if (d->left == 0) {
    /* A code byte. The previous block (if shorter than 254 data bytes) implied a zero,
     * which is real only because more data follows. */
    if (d->code != 0 && d->code != 0xFF) put(d, 0);
    d->code = b;
    d->left = (uint8_t)(b - 1);
  } else {
    put(d, b);
    d->left--;
  }
  return TH_COBS_MORE;
}

void th_cobs_encode(const uint8_t *src, uint32_t n, th_cobs_sink sink, void *arg) {
  uint32_t i = 0;
  uint8_t code;
  static const uint8_t zero = 0;
  for (;;) {
    uint32_t run = 0;
    while (i + run < n && src[i + run] != 0 && run < 254) run++;
    code = (uint8_t)(run + 1);
    sink(&code, 1, arg);
    if (run) sink(src + i, run, arg);
    i += run;
    if (run == 254) continue; /* a full block implies no zero (ends with a 0x01 block, as usual) */
    if (i >= n) break;   /* the implied zero of the last block is not data */
    i++;                 /* skip the zero this block stands for */
  }
  sink(&zero, 1, arg);
}
