/* th_graph.c - the GRAPH request: a list of RUN-like nodes run on the board in one request, so
 * a block's latency holds no link time. Every node is checked (th_run_check) before any runs;
 * then the list runs `repeat` times, each node timed on its own and the whole list once. The link
 * is polled for ABORT between nodes (th_abort.c). */
#include "th_graph.h"

#include <string.h>

#include "hal.h"
#include "th_abort.h"
#include "th_crc32.h"
#include "th_fw.h"
#include "th_proto.h"
#include "th_reply.h"
#include "th_run.h"
#include "tinyhil.h"

#define MAX_NODES TH_PROTO_GRAPH_MAX_NODES
#define ENTRY_BYTES TH_PROTO_RUN_REPLY_FIXED_BYTES /* + 8 per core: a RUN reply per node */

static th_node nodes[MAX_NODES];
static uint64_t node_count[MAX_NODES];            /* counter summed over passes */
static uint64_t node_core[MAX_NODES][TH_MAX_CORES]; /* per-core counters summed over passes */
static uint32_t node_crc[MAX_NODES];
static uint8_t node_status[MAX_NODES];

/* An ERROR about the GRAPH header: BAD_GRAPH, byte 2 = 0, detail = the offending value;
 * message "GRAPH: <what> <value><why>". */
static void header_fail(const char *what, uint32_t value, const char *why) {
  th_fail(TH_PERR_BAD_GRAPH, TH_MSG_GRAPH, value);
  th_txt("GRAPH: ");
  th_txt(what);
  th_txt(" ");
  th_num(value);
  th_txt(why);
}

/* Turns the ERROR th_out holds about node i (from th_run_check or below) into BAD_GRAPH:
 * detail = i, byte 2 = the node's own code, message "node i: <its message>". */
static void node_fail(uint32_t i) {
  char text[192];
  uint32_t at = TH_PROTO_HEADER_BYTES + TH_PROTO_ERROR_FIXED_BYTES, tn = 0;
  uint8_t code = th_out.buf[TH_PROTO_HEADER_BYTES];
  if (th_out.len > at) tn = th_out.len - at;
  if (tn > sizeof text - 1) tn = sizeof text - 1;
  memcpy(text, th_out.buf + at, tn);
  text[tn] = 0;
  th_fail(TH_PERR_BAD_GRAPH, TH_MSG_GRAPH, i);
  th_out.buf[TH_PROTO_HEADER_BYTES + 2] = code;
  th_txt("node ");
  th_num(i);
  th_txt(": ");
  th_txt(text);
}

/* Node i at p[0..left): its length (a RUN payload: 100 + 4 * n_inputs), or 0 with an ERROR. */
static uint32_t node_length(const uint8_t *p, uint32_t left) {
  uint32_t len;
  if (left < TH_PROTO_RUN_FIXED_BYTES) {
    th_fail(TH_PERR_BAD_LENGTH, TH_MSG_GRAPH, left);
    th_txt("GRAPH: ");
    th_num(left);
    th_txt(" bytes left, a node needs at least 100");
    return 0;
  }
  len = TH_PROTO_RUN_FIXED_BYTES + 4u * p[3] + TH_PROTO_RUN_TAIL_BYTES;
  if (len > left) {
    th_fail(TH_PERR_BAD_LENGTH, TH_MSG_GRAPH, left);
    th_txt("GRAPH: node of ");
    th_num(len);
    th_txt(" bytes (100 + 4 * n_inputs ");
    th_num(p[3]);
    th_txt(") but ");
    th_num(left);
    th_txt(" left");
    return 0;
  }
  return len;
}

/* Checks the header and every node; fills nodes[]. Returns the node count, 0 after an ERROR. */
static uint32_t check_all(const uint8_t *p, uint32_t n, uint32_t arena_bytes, uint32_t *repeat) {
  uint32_t count, i, off = TH_PROTO_GRAPH_HDR_BYTES, reply = TH_PROTO_GRAPH_REPLY_FIXED_BYTES, room;
  if (n < TH_PROTO_GRAPH_HDR_BYTES) {
    th_fail(TH_PERR_BAD_LENGTH, TH_MSG_GRAPH, n);
    th_txt("GRAPH: payload of ");
    th_num(n);
    th_txt(" bytes, expected 8 + the nodes");
    return 0;
  }
  count = p[0];
  *repeat = th_rd32(p + 4);
  if (count < 1 || count > MAX_NODES) { header_fail("n_nodes", count, " outside 1..32"); return 0; }
  if (p[1] != 0 || th_rd16(p + 2) != 0) {
    header_fail("reserved bytes 1..3 =", th_rd32(p) >> 8, ", must be 0");
    return 0;
  }
  if (*repeat == 0) { header_fail("repeat", 0, ", must be at least 1"); return 0; }
  if (*repeat > th_fw_max_repeat()) {
    th_fail(TH_PERR_REPEAT_LIMIT, TH_MSG_GRAPH, th_fw_max_repeat());
    th_txt("GRAPH: repeat ");
    th_num(*repeat);
    th_txt(" above this board's limit of ");
    th_num(th_fw_max_repeat());
    th_txt(" (HELLO max_repeat)");
    return 0;
  }
  for (i = 0; i < count; i++) {
    uint32_t len = node_length(p + off, n - off), r;
    if (!len) { node_fail(i); return 0; }
    r = th_rd32(p + off + 84);
    if (r != 1) {
      th_fail(TH_PERR_BAD_SHAPE, TH_MSG_GRAPH, r);
      th_txt("repeat ");
      th_num(r);
      th_txt(", must be 1 (the GRAPH's repeat applies to the whole list)");
      node_fail(i);
      return 0;
    }
    if (th_run_check(TH_MSG_GRAPH, p + off, len, arena_bytes, &nodes[i])) { node_fail(i); return 0; }
    reply += ENTRY_BYTES + 8u * (uint32_t)nodes[i].n_cores;
    off += len;
  }
  if (off != n) {
    th_fail(TH_PERR_BAD_LENGTH, TH_MSG_GRAPH, n);
    th_txt("GRAPH: ");
    th_num(n - off);
    th_txt(" bytes after the last of ");
    th_num(count);
    th_txt(" nodes");
    return 0;
  }
  room = th_out.cap - th_out.len;
  if (reply > room) {
    header_fail("reply of", reply, " bytes would exceed max_frame - 7 = ");
    th_num(room);
    th_txt(" (send fewer nodes, or fewer cores per node)");
    return 0;
  }
  return count;
}

void th_graph(const uint8_t *p, uint32_t n, uint8_t *arena, uint32_t arena_bytes) {
  uint32_t count, repeat = 1, pass, i, c, ran, passes, done = 0;
  uint64_t t0, t1, a, b, crc_time = 0, pc[TH_MAX_CORES];
  th_status st = TH_OK;

  count = check_all(p, n, arena_bytes, &repeat);
  if (!count) return;
  memset(node_count, 0, sizeof node_count);
  memset(node_core, 0, sizeof node_core);
  memset(node_crc, 0, sizeof node_crc);
  memset(node_status, 0, sizeof node_status);
  ran = count;
  passes = repeat;

  hal_trigger(1);
  hal_timing(1);
  t0 = hal_counter();
  for (pass = 0; pass < repeat && st == TH_OK; pass++) {
    int last = pass + 1 == repeat;
    for (i = 0; i < count; i++) {
      th_node_bind(&nodes[i], arena);
      st = th_node_check(); /* in the list's total (dispatch), not in the node's counter */
      a = hal_counter();
      if (st == TH_OK) th_node_exec(pc);
      b = hal_counter();
      node_count[i] += b - a;
      if (st == TH_OK)
        for (c = 0; c < (uint32_t)nodes[i].n_cores; c++) node_core[i][c] += pc[c];
      if (last || st != TH_OK) {
        /* CRC right after the node: a later node may reuse its memory. Not counted. */
        node_crc[i] = th_crc32(0, arena + nodes[i].out_off, nodes[i].out_len);
        crc_time += hal_counter() - b;
      }
      if (st != TH_OK) {
        node_status[i] = (uint8_t)st;
        ran = i + 1;
        passes = pass + 1;
        break;
      }
      /* Between nodes (not after the very last): an ABORT for this request? */
      if (!(last && i + 1 == count) && th_abort_poll()) {
        done = pass * count + i + 1;
        break;
      }
    }
    if (done) break;
  }
  t1 = hal_counter();
  hal_timing(0);
  hal_trigger(0);
  if (done) {
    uint64_t total = (uint64_t)repeat * count;
    th_abort_fail(TH_MSG_GRAPH, "", done, th_sat32(total), "node runs");
    return;
  }

  th_put8((uint32_t)st);
  th_put8(ran);
  th_put16(0);
  th_put32(repeat);
  th_put64((t1 - t0 - crc_time) / passes);
  for (i = 0; i < ran; i++) {
    th_put8(node_status[i]);
    th_put8((uint32_t)nodes[i].n_cores);
    th_put16(0);
    th_put32(repeat);
    th_put64(node_count[i] / passes);
    th_put32(nodes[i].out_len);
    th_put32(node_crc[i]);
    for (c = 0; c < (uint32_t)nodes[i].n_cores; c++) th_put64(node_core[i][c] / passes);
  }
}
