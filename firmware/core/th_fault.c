/* th_fault.c - builds and sends the FAULT frame (layout in docs/protocol.md). */
#include "th_fault.h"

#include "th_proto.h"
#include "th_reply.h"
#include "tinyhil.h"

volatile int32_t th_fault_kernel = -1;
volatile uint32_t th_test_fault_armed;

void th_fault_send(const th_fault_info *f) {
  static uint8_t buf[TH_PROTO_FAULT_FIXED_BYTES + 1 + TH_PROTO_MAX_STRING + TH_PROTO_FRAME_OVERHEAD];
  int32_t k = th_fault_kernel;
  const th_kernel_desc *d = k >= 0 ? th_kernel_get(k) : 0;
  th_send_zero(); /* ends whatever frame was half sent */
  th_begin(buf, sizeof buf, TH_MSG_FAULT, TH_PROTO_BOOT_SEQ);
  th_put8(f->exception);
  th_put8(f->arch);
  th_put16(d ? (uint32_t)k : 0xFFFFu);
  th_put32(f->pc);
  th_put32(f->lr);
  th_put32(f->psr);
  th_put32(f->cfsr);
  th_put32(f->hfsr);
  th_put32(f->mmfar);
  th_put32(f->bfar);
  th_put32(f->sp);
  th_put_str(d ? d->name : "", TH_PROTO_MAX_STRING);
  th_finish();
}
