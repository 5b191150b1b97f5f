/* th_fw.c - the firmware core: decodes frames, answers repeats from the cache, dispatches requests
 * (RUN in th_run.c, GRAPH in th_graph.c), replies through th_reply.c. */
#include "th_fw.h"

#include <string.h>

#include "hal.h"
#include "th_abort.h"
#include "th_calib.h"
#include "th_cobs.h"
#include "th_crc32.h"
#include "th_fault.h"
#include "th_graph.h"
#include "th_proto.h"
#include "th_reply.h"
#include "th_run.h"
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

/* ---- HELLO / BOOT payload ---- */

uint32_t th_fw_max_repeat(void) { return hal_board.max_repeat ? hal_board.max_repeat : TH_FW_MAX_REPEAT; }

static uint32_t put_le32(uint8_t *p, uint32_t v) {
  for (uint32_t i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
  return 4;
}

/* The extension block (u8 tag, u8 length, data; th_proto.h TH_PROTO_EXT_*) into ext[]; returns its
 * length. Hosts skip tags they do not know. */
#define HELLO_EXT_MAX (6u + 6u + TH_PROTO_EXT_CLOCK_TEXT + 10u)
static uint32_t hello_ext(uint8_t *ext) {
  uint32_t n = 0, hz, size, used, len = 0;
  const char *src = hal_clock_source(&hz);
  ext[n++] = TH_PROTO_EXT_MAX_REPEAT;
  ext[n++] = 4;
  n += put_le32(ext + n, th_fw_max_repeat());
  if (src) {
    while (src[len] && len < TH_PROTO_EXT_CLOCK_TEXT) len++;
    ext[n++] = TH_PROTO_EXT_CLOCK;
    ext[n++] = (uint8_t)(4u + len);
    n += put_le32(ext + n, hz);
    memcpy(ext + n, src, len);
    n += len;
  }
  if (hal_stack(&size, &used)) {
    ext[n++] = TH_PROTO_EXT_STACK;
    ext[n++] = 8;
    n += put_le32(ext + n, size);
    n += put_le32(ext + n, used);
  }
  return n;
}

static void put_hello(void) {
  int32_t id, nk = 0;
  uint8_t ext[HELLO_EXT_MAX];
  uint32_t elen = hello_ext(ext), kbytes = 0, room, smax;
  int32_t cores = hal_cores() < 1 ? 1 : hal_cores();
  if (cores > TH_MAX_CORES) cores = TH_MAX_CORES;
  for (id = 0; id < TH_K_COUNT && id < 256; id++) {
    const th_kernel_desc *d = th_kernel_get(id);
    if (d) { nk++; kbytes += 2u + (uint32_t)strlen(d->name); }
  }
  /* Strings share what the kernel list and the extension block leave of the frame. */
  room = th_out.cap - th_out.len - TH_PROTO_HELLO_FIXED_BYTES;
  room = room > kbytes + elen ? room - kbytes - elen : 0;
  smax = room / 4u > 1u ? room / 4u - 1u : 0;
  if (smax > TH_PROTO_MAX_STRING) smax = TH_PROTO_MAX_STRING;
  th_put8(TH_PROTO_VERSION);
  th_put8((uint32_t)hal_board.counter);
  th_put8((uint32_t)cores);
  th_put8((uint32_t)nk);
  th_put32(max_frame);
  th_put32(arena_bytes);
  th_put32(hal_board.clock_hz);
  th_put_str(hal_board.name, smax);
  th_put_str(hal_board.cpu, smax);
  th_put_str(hal_board.counter_unit, smax);
  th_put_str(TH_FW_VERSION_STRING, smax);
  for (id = 0; id < TH_K_COUNT && id < 256; id++) {
    const th_kernel_desc *d = th_kernel_get(id);
    if (d) { th_put8((uint32_t)id); th_put_str(d->name, 255); }
  }
  th_put(ext, elen);
}

/* ---- request handlers: each fills th_out (a reply or an ERROR) ---- */

static void bad_length(uint8_t type, uint32_t n, const char *want) {
  th_fail(TH_PERR_BAD_LENGTH, type, n);
  th_txt(th_type_name(type));
  th_txt(": payload of ");
  th_num(n);
  th_txt(" bytes, expected ");
  th_txt(want);
}

static void on_hello(const uint8_t *p, uint32_t n) {
  uint32_t host;
  if (n != TH_PROTO_HELLO_REQ_BYTES) { bad_length(TH_MSG_HELLO, n, "4"); return; }
  host = th_rd32(p);
  if (host < TH_PROTO_MIN_MAX_FRAME) {
    th_fail(TH_PERR_BAD_LENGTH, TH_MSG_HELLO, host);
    th_txt("HELLO: host_max_frame ");
    th_num(host);
    th_txt(" below the minimum 256");
    return;
  }
  max_frame = host < board_max ? host : board_max;
  dec.max = max_frame;
  /* The builder was sized with the old limit; the reply may use the new one. */
  th_out.cap = max_frame - TH_PROTO_CRC_BYTES;
  put_hello();
}

static void on_write(const uint8_t *p, uint32_t n) {
  uint32_t off, len;
  if (n < TH_PROTO_WRITE_HDR_BYTES) { bad_length(TH_MSG_WRITE, n, "at least 4"); return; }
  off = th_rd32(p);
  len = n - TH_PROTO_WRITE_HDR_BYTES;
  if (th_region(TH_MSG_WRITE, "data", off, len, arena_bytes)) return;
  memcpy(arena + off, p + TH_PROTO_WRITE_HDR_BYTES, len);
  th_put32(off);
  th_put32(len);
}

static void on_read(const uint8_t *p, uint32_t n) {
  uint32_t off, len, most = max_frame - TH_PROTO_FRAME_OVERHEAD;
  if (n != TH_PROTO_REGION_REQ_BYTES) { bad_length(TH_MSG_READ, n, "8"); return; }
  off = th_rd32(p);
  len = th_rd32(p + 4);
  if (len > most) {
    th_fail(TH_PERR_BAD_LENGTH, TH_MSG_READ, len);
    th_txt("READ: length ");
    th_num(len);
    th_txt(" above max_frame - 7 = ");
    th_num(most);
    return;
  }
  if (th_region(TH_MSG_READ, "region", off, len, arena_bytes)) return;
  th_put(arena + off, len);
}

static void on_crc(const uint8_t *p, uint32_t n) {
  uint32_t off, len;
  if (n != TH_PROTO_REGION_REQ_BYTES) { bad_length(TH_MSG_CRC, n, "8"); return; }
  off = th_rd32(p);
  len = th_rd32(p + 4);
  if (th_region(TH_MSG_CRC, "region", off, len, arena_bytes)) return;
  th_put32(th_crc32(0, arena + off, len));
}

static void on_counters(uint32_t n) {
  uint32_t len;
  const uint8_t *last = th_run_last(&len);
  if (n != 0) { bad_length(TH_MSG_COUNTERS, n, "0"); return; }
  th_put(last, len);
}

static void on_reset(uint32_t n) {
  if (n != 0) { bad_length(TH_MSG_RESET, n, "0"); return; }
  if (arena_bytes) memset(arena, 0, arena_bytes);
  th_run_forget();
  cache.valid = 0;
}

/* ABORT outside a running request (the run it names already ended, or never started). Never
 * touches the reply cache: a lost RUN reply must stay recoverable. */
static void on_abort_idle(uint16_t seq, uint32_t n) {
  if (n != 0) {
    th_begin(err_buf, sizeof err_buf, TH_MSG_ERROR, seq);
    bad_length(TH_MSG_ABORT, n, "0");
    th_finish();
  } else if (cache.valid && cache.seq == seq) {
    th_send_raw(tx_buf, cache.reply_len); /* it finished: this is what it completed */
  } else {
    th_begin(err_buf, sizeof err_buf, (uint8_t)(TH_MSG_ABORT | TH_PROTO_REPLY_BIT), seq);
    th_finish(); /* empty ABORT reply: nothing with that seq ran here */
  }
}

#ifdef TH_TEST_FAULT
/* Test builds only: payload u8 kind (1..TH_TEST_FAULT_KINDS), u8 when (0 now, 1 inside the next
 * RUN's kernel). "now" never replies: the board sends FAULT and resets. */
static void on_test_fault(const uint8_t *p, uint32_t n) {
  if (n != 2) { bad_length(TH_MSG_TEST_FAULT, n, "2"); return; }
  if (p[0] < 1 || p[0] > TH_TEST_FAULT_KINDS || p[1] > 1) {
    th_fail(TH_PERR_BAD_SHAPE, TH_MSG_TEST_FAULT, p[0]);
    th_txt("TEST_FAULT: kind 1..4 and when 0 (now) or 1 (next RUN)");
    return;
  }
  if (hal_test_fault_refusal(p[0])) {
    th_fail(TH_PERR_BAD_SHAPE, TH_MSG_TEST_FAULT, p[0]);
    th_txt(hal_test_fault_refusal(p[0]));
    return;
  }
  if (p[1]) th_test_fault_armed = p[0];
  else hal_test_fault(p[0]);
  th_put8(p[0]);
}
#endif

/* ---- frames ---- */

static void frame_error(uint8_t code, uint32_t detail, const char *msg) {
  uint32_t n = dec.len;
  uint8_t type = n >= 1 ? rx_buf[0] : 0;
  uint16_t seq = n >= 3 ? th_rd16(rx_buf + 1) : 0;
  th_begin(err_buf, sizeof err_buf, TH_MSG_ERROR, seq); /* < 256: fits any max_frame */
  th_fail(code, type, detail);
  th_txt(msg);
  if (code == TH_PERR_TOO_LARGE) {
    th_num(dec.total);
    th_txt(" bytes, max_frame ");
    th_num(max_frame);
  }
  th_finish();
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
  crc = th_rd32(rx_buf + n - TH_PROTO_CRC_BYTES);
  if (crc != th_crc32(0, rx_buf, n - TH_PROTO_CRC_BYTES)) { frame_error(TH_PERR_BAD_CRC, crc, "CRC mismatch"); return; }

  type = rx_buf[0];
  seq = th_rd16(rx_buf + 1);
  if (type == TH_MSG_ABORT) { on_abort_idle(seq, n - TH_PROTO_FRAME_OVERHEAD); return; }
  if (cache.valid && cache.seq == seq && cache.crc == crc && cache.len == n) {
    th_send_raw(tx_buf, cache.reply_len); /* a repeat: the reply was lost, do not run again */
    return;
  }
  pl = rx_buf + TH_PROTO_HEADER_BYTES;
  pn = n - TH_PROTO_FRAME_OVERHEAD;
  th_begin(tx_buf, max_frame, (uint8_t)(type | TH_PROTO_REPLY_BIT), seq);
  th_abort_arm(seq);
  switch (type) {
    case TH_MSG_HELLO: on_hello(pl, pn); break;
    case TH_MSG_WRITE: on_write(pl, pn); break;
    case TH_MSG_READ: on_read(pl, pn); break;
    case TH_MSG_CRC: on_crc(pl, pn); break;
    case TH_MSG_RUN: th_run(pl, pn, arena, arena_bytes); break;
    case TH_MSG_GRAPH: th_graph(pl, pn, arena, arena_bytes); break;
    case TH_MSG_COUNTERS: on_counters(pn); break;
    case TH_MSG_RESET: on_reset(pn); break;
    case TH_MSG_CALIBRATE: th_calibrate(pl, pn); break;
#ifdef TH_TEST_FAULT
    case TH_MSG_TEST_FAULT: on_test_fault(pl, pn); break;
#endif
    default:
      th_fail(TH_PERR_UNKNOWN_TYPE, type, type);
      th_txt("unknown request type ");
      th_num(type);
      break;
  }
  cache.reply_len = th_finish();
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
  th_run_forget();
  arena_bytes = 0;
  arena = hal_arena(&arena_bytes);
  if (!arena) arena_bytes = 0;
}

void th_fw_send_boot(void) {
  th_send_zero();
  cache.valid = 0; /* tx_buf is reused below */
  th_begin(tx_buf, max_frame, TH_MSG_BOOT, TH_PROTO_BOOT_SEQ);
  put_hello();
  th_finish();
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
