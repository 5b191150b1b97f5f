/* dsp_startup.c - minimal Cortex-M vector table + reset (FPU on) for the QEMU semihosting check. */
#include <stdint.h>

extern void _start(void); /* newlib/rdimon crt0 */

__attribute__((naked, noreturn)) void th_reset(void) {
  __asm__ volatile(
      "ldr r0, =0xE000ED88\n" /* CPACR: full access to CP10/CP11 (the FPU) */
      "ldr r1, [r0]\n"
      "orr r1, r1, #(0xF << 20)\n"
      "str r1, [r0]\n"
      "dsb\n"
      "isb\n"
      "b _start\n");
}

static void th_hang(void) {
  for (;;) {
  }
}

__attribute__((section(".vectors"), used)) const uintptr_t th_vectors[16] = {
    0x20100000u, (uintptr_t)th_reset, (uintptr_t)th_hang, (uintptr_t)th_hang,
    (uintptr_t)th_hang, (uintptr_t)th_hang, (uintptr_t)th_hang};
