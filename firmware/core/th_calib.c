/* th_calib.c - the CALIBRATE request (0x0A): times the board's loop of known length so the host can
 * check the counter (exact instructions on QEMU; DWT cycles against the documented loop cost on
 * STM32) and learn the fixed overhead of reading it. */
#include "th_calib.h"

#include "hal.h"
#include "th_proto.h"
#include "th_reply.h"

void th_calibrate(const uint8_t *p, uint32_t n) {
  uint32_t iters;
  uint64_t d0, dn;
  if (n != TH_PROTO_CALIB_REQ_BYTES) {
    th_fail(TH_PERR_BAD_LENGTH, TH_MSG_CALIBRATE, n);
    th_txt("CALIBRATE: payload of ");
    th_num(n);
    th_txt(" bytes, expected 4");
    return;
  }
  iters = th_rd32(p);
  if (iters > TH_PROTO_CALIB_MAX_N) {
    th_fail(TH_PERR_BAD_SHAPE, TH_MSG_CALIBRATE, iters);
    th_txt("CALIBRATE: n ");
    th_num(iters);
    th_txt(" above ");
    th_num(TH_PROTO_CALIB_MAX_N);
    return;
  }
  if (!hal_calibrate(iters, &d0, &dn)) {
    th_fail(TH_PERR_UNKNOWN_TYPE, TH_MSG_CALIBRATE, TH_MSG_CALIBRATE);
    th_txt("CALIBRATE: ");
    th_txt(hal_board.name);
    th_txt(" has no calibration loop");
    return;
  }
  th_put32(iters);
  th_put64(d0);
  th_put64(dn);
}
