/* point_main.c - one test point baked into the image, the reference harness's way (bench/rebuild.js):
 * point.h (generated per point: the inputs as C arrays, kernel id, shape, split, rq, consts) is
 * compiled in, the kernel runs once on one core, the output goes out on the UART as hex
 * ("OUT <hex>\n", "END <status>\n") and the program leaves QEMU through semihosting SYS_EXIT. */
#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "point.h"
#include "tinyhil.h"

static void put_str(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  hal_write((const uint8_t *)s, n);
}

static void put_hex(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  uint8_t buf[64];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    buf[k++] = (uint8_t)digits[p[i] >> 4];
    buf[k++] = (uint8_t)digits[p[i] & 15];
    if (k == sizeof buf) {
      hal_write(buf, (uint32_t)k);
      k = 0;
    }
  }
  if (k) hal_write(buf, (uint32_t)k);
}

/* ARM semihosting SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit: QEMU exits
 * (run with -semihosting-config enable=on,target=native). */
static void semihost_exit(void) {
  register uint32_t r0 __asm__("r0") = 0x18;
  register uint32_t r1 __asm__("r1") = 0x20026;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

static void finish(int status) {
  put_str(status == 0 ? "END 0\n" : "END 1\n");
  semihost_exit();
  for (;;) hal_idle();
}

int main(void) {
  hal_init();
  th_params p = {SHAPE, (th_split)SPLIT, RQ, CONSTS};
  size_t in[TH_MAX_INPUTS], out_n;
  if (th_kernel_sizes(KERNEL_ID, &p.shape, in, &out_n) != TH_OK) finish(1);
  size_t scratch_n = th_scratch_bytes(KERNEL_ID, &p.shape, 1);
  uint32_t arena_n;
  uint8_t *arena = hal_arena(&arena_n);
  size_t out_at = (scratch_n + 15u) & ~(size_t)15u;
  if (out_at + out_n > arena_n) finish(1);
  th_ctx ctx = {0, 1, scratch_n ? arena : NULL, scratch_n, 0, 0};
  if (th_kernel_run(KERNEL_ID, &p, INPUTS, arena + out_at, &ctx) != TH_OK) finish(1);
  put_str("OUT ");
  put_hex(arena + out_at, out_n);
  put_str("\n");
  finish(0);
  return 0;
}
