/* th_abort.c - the side decoder that watches the link for ABORT while a request runs. Its own
 * small buffer: rx_buf still holds the running request, so the main decoder must not touch it. */
#include "th_abort.h"

#include "hal.h"
#include "th_cobs.h"
#include "th_crc32.h"
#include "th_proto.h"
#include "th_reply.h"

static uint8_t side_buf[TH_PROTO_FRAME_OVERHEAD + 1]; /* an ABORT is exactly 7 bytes decoded */
static th_cobs_dec side;
static uint16_t armed_seq;
static int aborted;

void th_abort_arm(uint16_t seq) {
  armed_seq = seq;
  aborted = 0;
  th_cobs_dec_init(&side, side_buf, sizeof side_buf, TH_PROTO_FRAME_OVERHEAD);
}

/* 1 when side_buf[0..n) is an ABORT for the armed seq with a valid CRC. */
static int is_our_abort(uint32_t n) {
  if (n != TH_PROTO_FRAME_OVERHEAD || side_buf[0] != TH_MSG_ABORT) return 0;
  if (th_rd16(side_buf + 1) != armed_seq) return 0; /* a stale ABORT of an earlier request */
  return th_rd32(side_buf + TH_PROTO_HEADER_BYTES) == th_crc32(0, side_buf, TH_PROTO_HEADER_BYTES);
}

int th_abort_poll(void) {
  int c;
  while (!aborted && (c = hal_getc()) >= 0) {
    th_cobs_event ev = th_cobs_dec_byte(&side, (uint8_t)c);
    if (ev == TH_COBS_MORE) continue;
    if (ev == TH_COBS_FRAME && is_our_abort(side.len)) aborted = 1;
    th_cobs_dec_reset(&side); /* anything else: dropped */
  }
  return aborted;
}

void th_abort_fail(uint8_t req_type, const char *what, uint32_t done, uint32_t total, const char *unit) {
  th_fail(TH_PERR_ABORTED, req_type, done);
  th_txt(th_type_name(req_type));
  if (what && *what) { th_txt(" "); th_txt(what); }
  th_txt(": aborted after ");
  th_num(done);
  th_txt(" of ");
  th_num(total);
  th_txt(" ");
  th_txt(unit);
}
