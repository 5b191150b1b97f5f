/* fault.c - RV32 machine-mode fault handling (qemu-rv32): any trap sends a FAULT frame
 * (firmware/core/th_fault.h; RISC-V fields in docs/protocol.md) and resets the machine; a locked
 * PMP region with no access guards the bottom of every hart's stack, so an overflow faults instead
 * of running into .bss or the next hart's stack; hart 0's stack is painted so HELLO can report its
 * high-water mark.
 * Sources: RISC-V Privileged Architecture 20211203, 3.1.15 mcause (exception codes, table 3.6),
 * 3.1.16 mtval, 3.7 PMP (pmpcfg L/A/R/W/X, NAPOT encoding); QEMU hw/riscv/virt.c (VIRT_TEST at
 * 0x100000) and hw/misc/sifive_test.c (writing 0x7777 requests a system reset). */
#include <stdint.h>

#include "hal.h"
#include "th_fault.h"

#define SIFIVE_TEST (*(volatile uint32_t *)(uintptr_t)0x00100000u)
#define FINISHER_RESET 0x7777u
#define TH_GUARD_BYTES 32u
#define TH_STACK_PAINT 0x5AC0FFEEu
#define PMP_L 0x80u
#define PMP_NAPOT 0x18u

#define CSR_READ(name, v) __asm volatile("csrr %0, " #name : "=r"(v))

extern uint32_t _sstack[], _estack[];
extern uint8_t _ehart_stacks[], __hart_stack_size[]; /* sections.ld, start.S */

/* pmp0 of the calling hart (PMP registers are per hart): NAPOT over the 32 bytes at `base`
 * (pmpaddr = base/4 | (size/8 - 1)), no R/W/X, locked so that machine mode is checked too.
 * Addresses no entry matches stay open to M-mode. */
static void guard(uintptr_t base) {
  __asm volatile("csrw pmpaddr0, %0" ::"r"(((uint32_t)base >> 2) | (TH_GUARD_BYTES / 8u - 1u)));
  __asm volatile("csrw pmpcfg0, %0" ::"r"(PMP_L | PMP_NAPOT));
}

/* From hal_init, on hart 0's stack, before any kernel runs. */
void th_rv_fault_init(void) {
  uint32_t *p, *sp;
  __asm volatile("mv %0, sp" : "=r"(sp));
  /* Above the guard: QEMU 7.2 keeps a locked PMP entry across the reset that follows a fault. */
  for (p = _sstack + TH_GUARD_BYTES / 4u; p < sp - 16; p++) *p = TH_STACK_PAINT;
  guard((uintptr_t)_sstack);
}

/* Hart h > 0, first thing on its own stack (top _ehart_stacks - (h - 1) * size, start.S). */
void th_rv_hart_guard(uint32_t hart) {
  guard((uintptr_t)(_ehart_stacks - hart * (uintptr_t)__hart_stack_size));
}

int hal_stack(uint32_t *size, uint32_t *used) {
  const uint32_t *p = _sstack + TH_GUARD_BYTES / 4u;
  while (p < _estack && *p == TH_STACK_PAINT) p++;
  *size = (uint32_t)((uintptr_t)_estack - (uintptr_t)_sstack) - TH_GUARD_BYTES;
  *used = (uint32_t)((uintptr_t)_estack - (uintptr_t)p);
  return 1;
}

/* start.S th_trap jumps here on the fault stack with the trapping hart's ra and sp. */
__attribute__((used, noreturn)) void th_rv_fault_c(uint32_t ra, uint32_t sp);
void th_rv_fault_c(uint32_t ra, uint32_t sp) {
  th_fault_info f;
  uint32_t mcause, mepc, mtval, mstatus, hart;
  CSR_READ(mcause, mcause);
  CSR_READ(mepc, mepc);
  CSR_READ(mtval, mtval);
  CSR_READ(mstatus, mstatus);
  CSR_READ(mhartid, hart);
  f.exception = (uint8_t)(mcause & 0xFFu);
  f.arch = TH_FAULT_ARCH_RISCV;
  f.pc = mepc;
  f.lr = ra;
  f.psr = mstatus;
  f.cfsr = mcause;
  f.hfsr = hart;
  f.mmfar = mtval;
  f.bfar = 0;
  f.sp = sp;
  th_fault_send(&f); /* polled UART: the bytes are out when it returns */
  SIFIVE_TEST = FINISHER_RESET;
  for (;;) {
  }
}

#ifdef TH_TEST_FAULT
/* Deliberate faults for the tests (th_fault.h lists the kinds). 0xF0000000 is unmapped on virt:
 * a load access fault. RISC-V division by zero does not trap (unprivileged spec 7.2). */
static volatile uint32_t sink;
static void overflow(void) { __asm volatile("1: addi sp, sp, -32\n\tsw zero, 0(sp)\n\tj 1b" ::: "memory"); }

const char *hal_test_fault_refusal(uint32_t kind) {
  return kind == 3 ? "TEST_FAULT: kind 3 cannot fault on RISC-V (integer division by zero does not trap)" : 0;
}

void hal_test_fault(uint32_t kind) {
  switch (kind) {
    case 1: sink = *(volatile uint32_t *)(uintptr_t)0xF0000000u; break;
    case 2: __asm volatile("unimp"); break;
    case 4: overflow(); break;
    default: break;
  }
}
#endif
