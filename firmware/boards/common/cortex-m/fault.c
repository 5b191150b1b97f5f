/* fault.c - Cortex-M fault handling shared by every ARM board: HardFault, MemManage, BusFault and
 * UsageFault send a FAULT frame (firmware/core/th_fault.h) and reset the board; a 32-byte MPU
 * region with no access guards the bottom of the stack, so an overflow faults instead of running
 * into .bss; the stack is painted so HELLO can report its high-water mark.
 * Registers from the ARMv7-M Architecture Reference Manual (DDI 0403E): B3.2.15 SHCSR,
 * B3.2.8 CCR, B3.2.15-B3.2.18 CFSR/HFSR/MMFAR/BFAR, B3.5 PMSAv7 MPU, B1.5.6 exception frame. */
#include <stdint.h>

#include "armv7m.h"
#include "hal.h"
#include "th_fault.h"

#define SCB_SHCSR TH_REG32(0xE000ED24u)
#define SCB_CFSR TH_REG32(0xE000ED28u)
#define SCB_HFSR TH_REG32(0xE000ED2Cu)
#define SCB_MMFAR TH_REG32(0xE000ED34u)
#define SCB_BFAR TH_REG32(0xE000ED38u)
#define SHCSR_ENABLES ((1u << 16) | (1u << 17) | (1u << 18)) /* MEMFAULTENA, BUSFAULTENA, USGFAULTENA */
#define CCR_DIV_0_TRP (1u << 4)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_STKERR (1u << 12)
#define MPU_CTRL TH_REG32(0xE000ED94u)
#define MPU_RNR TH_REG32(0xE000ED98u)
#define MPU_RBAR TH_REG32(0xE000ED9Cu)
#define MPU_RASR TH_REG32(0xE000EDA0u)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2) /* the default memory map everywhere else */
#define TH_GUARD_BYTES 32u
#define TH_STACK_PAINT 0x5AC0FFEEu

extern uint32_t _sstack[], _estack[];

/* Runs in Reset_Handler after .bss is zeroed, on the main stack. */
void th_fault_init(void) {
  uint32_t *p, *sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  /* Paint the stack below the current frame (what is above it is in use already). */
  for (p = _sstack; p < sp - 16; p++) *p = TH_STACK_PAINT;
  /* Guard: region 7 (highest priority), base = stack bottom (32-byte aligned, sections.ld),
   * SIZE field 4 = 2^(4+1) bytes, AP = 0 (no access), XN. */
  MPU_RNR = 7;
  MPU_RBAR = (uint32_t)(uintptr_t)_sstack;
  MPU_RASR = (1u << 28) | (0u << 24) | (4u << 1) | 1u;
  MPU_CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
  th_dsb();
  th_isb();
  SCB_SHCSR |= SHCSR_ENABLES;
  SCB_CCR |= CCR_DIV_0_TRP;
}

int hal_stack(uint32_t *size, uint32_t *used) {
  const uint32_t *p = _sstack + TH_GUARD_BYTES / 4u;
  while (p < _estack && *p == TH_STACK_PAINT) p++;
  *size = (uint32_t)((uintptr_t)_estack - (uintptr_t)_sstack) - TH_GUARD_BYTES;
  *used = (uint32_t)((uintptr_t)_estack - (uintptr_t)p);
  return 1;
}

/* Fault handlers run on their own stack: the main one may be what overflowed. */
static uint32_t fault_stack[128] __attribute__((aligned(8))); /* th_fault_c + th_fault_send: < 300 bytes */
uint32_t *const th_fault_stack_top = fault_stack + 128;

__attribute__((used, noreturn)) void th_fault_c(const uint32_t *frame, uint32_t exc_return, uint32_t exc);
void th_fault_c(const uint32_t *frame, uint32_t exc_return, uint32_t exc) {
  th_fault_info f;
  (void)exc_return;
  f.exception = (uint8_t)exc;
  f.arch = TH_FAULT_ARCH_ARMV7M;
  f.cfsr = SCB_CFSR;
  f.hfsr = SCB_HFSR;
  f.mmfar = SCB_MMFAR;
  f.bfar = SCB_BFAR;
  f.sp = (uint32_t)(uintptr_t)frame;
  /* The stacked frame (r0-r3, r12, lr, pc, xpsr) is unreadable when stacking itself failed. */
  if (f.cfsr & (CFSR_MSTKERR | CFSR_STKERR)) {
    f.lr = f.pc = f.psr = 0;
  } else {
    MPU_CTRL = 0; /* so that reading the frame cannot fault again */
    f.lr = frame[5];
    f.pc = frame[6];
    f.psr = frame[7];
  }
  hal_timing(0);
  th_fault_send(&f);
  for (volatile uint32_t i = 0; i < 200000u; i++) {
  } /* let the UART shift its last bytes out */
  th_dsb();
  SCB_AIRCR = 0x05FA0004u; /* VECTKEY | SYSRESETREQ */
  th_dsb();
  for (;;) {
  }
}

/* EXC_RETURN bit 2 says which stack holds the frame; then switch to the fault stack. */
#define TH_FAULT_HANDLER(name, num)                                                  \
  __attribute__((naked)) void name(void) {                                          \
    __asm volatile("tst lr, #4\n\t"                                                 \
                   "ite eq\n\t"                                                     \
                   "mrseq r0, msp\n\t"                                              \
                   "mrsne r0, psp\n\t"                                              \
                   "mov r1, lr\n\t"                                                 \
                   "movs r2, #" #num "\n\t"                                         \
                   "ldr r3, =th_fault_stack_top\n\t"                                \
                   "ldr r3, [r3]\n\t"                                               \
                   "mov sp, r3\n\t"                                                 \
                   "b th_fault_c\n\t"                                               \
                   ".ltorg");                                                       \
  }

TH_FAULT_HANDLER(HardFault_Handler, 3)
TH_FAULT_HANDLER(MemManage_Handler, 4)
TH_FAULT_HANDLER(BusFault_Handler, 5)
TH_FAULT_HANDLER(UsageFault_Handler, 6)

#ifdef TH_TEST_FAULT
/* Deliberate faults for the tests (th_fault.h lists the kinds). The address of kind 1 is in the
 * ARMv7-M "Vendor_SYS" region (B3.1), absent on the MPS2 and STM32 parts: a BusFault. */
#ifndef TH_TEST_BAD_ADDRESS
#define TH_TEST_BAD_ADDRESS 0xF0000000u
#endif
static volatile uint32_t sink;
/* Pushes until the stack pointer reaches the guard (a recursion the compiler cannot fold). */
static void overflow(void) { __asm volatile("1: push {r0-r7}\n\tb 1b" ::: "memory"); }

void hal_test_fault(uint32_t kind) {
  volatile uint32_t zero = 0;
  switch (kind) {
    case 1: sink = *(volatile uint32_t *)(uintptr_t)TH_TEST_BAD_ADDRESS; break;
    case 2: __asm volatile("udf #0"); break;
    case 3: sink = 7u / zero; break;
    case 4: overflow(); break;
    default: break;
  }
}
#endif
