/* th_fault.h - the FAULT frame (0xC1, docs/protocol.md): a board's fault handler reports where the
 * CPU stopped and which kernel was running, then resets, so the host prints the cause instead of
 * waiting for a timeout. Board-independent; the handlers are in firmware/boards/common/<arch>/. */
#ifndef TH_FAULT_H
#define TH_FAULT_H

#include <stdint.h>

#define TH_FAULT_ARCH_ARMV7M 0
#define TH_FAULT_ARCH_RISCV 1

typedef struct {
  uint8_t exception; /* ARMv7-M: 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault; RISC-V: mcause's code */
  uint8_t arch;      /* TH_FAULT_ARCH_* */
  /* RISC-V: psr = mstatus, cfsr = mcause, hfsr = mhartid, mmfar = mtval, bfar = 0, lr = ra. */
  uint32_t pc, lr, psr, cfsr, hfsr, mmfar, bfar, sp;
} th_fault_info;

/* Kernel id being run (-1 none): th_run.c sets it around the kernel, the fault frame names it. */
extern volatile int32_t th_fault_kernel;

/* Sends 0x00 then the FAULT frame (seq 0) through hal_write. Safe in a fault handler: static
 * buffer, no allocation, polled output. */
void th_fault_send(const th_fault_info *f);

/* Test builds only (TH_TEST_FAULT): message 0x0B TEST_FAULT arms or raises a deliberate fault.
 * kind: 1 read of an unmapped address (BusFault), 2 undefined instruction (UsageFault),
 * 3 divide by zero (UsageFault), 4 stack overflow (runaway recursion into the stack guard).
 * hal_test_fault is the board's (firmware/boards/common/cortex-m/fault.c, riscv/fault.c). */
#define TH_TEST_FAULT_KINDS 4
void hal_test_fault(uint32_t kind);
/* Why this board cannot raise `kind` (TEST_FAULT answers BAD_SHAPE with it), or NULL (default). */
const char *hal_test_fault_refusal(uint32_t kind);
/* Armed fault kind for the next RUN (0 none), raised inside the kernel's run (th_run.c). */
extern volatile uint32_t th_test_fault_armed;

#endif /* TH_FAULT_H */
