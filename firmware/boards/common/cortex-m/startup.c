/* startup.c - Cortex-M vector table and reset handler: copy .data, zero .bss, enable the FPU,
 * let the board set clocks/caches, then run main(). Shared by every ARM board. */
#include <stdint.h>
#include <string.h>

#include "armv7m.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);
void th_fault_init(void);
/* Board hook run before .data/.bss exist (clocks, caches, wait states); weak no-op default. */
void th_board_early_init(void);
void th_board_early_init_default(void) {}
#pragma weak th_board_early_init = th_board_early_init_default

void Reset_Handler(void);
void Default_Handler(void);

/* Unexpected interrupt: stop here where a debugger can see it. (Faults: fault.c.) */
void Default_Handler(void) {
  for (;;) {
  }
}

#define TH_WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("Default_Handler")))
TH_WEAK_HANDLER(NMI_Handler);
TH_WEAK_HANDLER(HardFault_Handler);
TH_WEAK_HANDLER(MemManage_Handler);
TH_WEAK_HANDLER(BusFault_Handler);
TH_WEAK_HANDLER(UsageFault_Handler);
TH_WEAK_HANDLER(SVC_Handler);
TH_WEAK_HANDLER(DebugMon_Handler);
TH_WEAK_HANDLER(PendSV_Handler);
TH_WEAK_HANDLER(SysTick_Handler);
/* External interrupts 0..31 (enough for the UARTs we enable): boards override by name. */
TH_WEAK_HANDLER(IRQ0_Handler);  TH_WEAK_HANDLER(IRQ1_Handler);  TH_WEAK_HANDLER(IRQ2_Handler);
TH_WEAK_HANDLER(IRQ3_Handler);  TH_WEAK_HANDLER(IRQ4_Handler);  TH_WEAK_HANDLER(IRQ5_Handler);
TH_WEAK_HANDLER(IRQ6_Handler);  TH_WEAK_HANDLER(IRQ7_Handler);  TH_WEAK_HANDLER(IRQ8_Handler);
TH_WEAK_HANDLER(IRQ9_Handler);  TH_WEAK_HANDLER(IRQ10_Handler); TH_WEAK_HANDLER(IRQ11_Handler);
TH_WEAK_HANDLER(IRQ12_Handler); TH_WEAK_HANDLER(IRQ13_Handler); TH_WEAK_HANDLER(IRQ14_Handler);
TH_WEAK_HANDLER(IRQ15_Handler); TH_WEAK_HANDLER(IRQ16_Handler); TH_WEAK_HANDLER(IRQ17_Handler);
TH_WEAK_HANDLER(IRQ18_Handler); TH_WEAK_HANDLER(IRQ19_Handler); TH_WEAK_HANDLER(IRQ20_Handler);
TH_WEAK_HANDLER(IRQ21_Handler); TH_WEAK_HANDLER(IRQ22_Handler); TH_WEAK_HANDLER(IRQ23_Handler);
TH_WEAK_HANDLER(IRQ24_Handler); TH_WEAK_HANDLER(IRQ25_Handler); TH_WEAK_HANDLER(IRQ26_Handler);
TH_WEAK_HANDLER(IRQ27_Handler); TH_WEAK_HANDLER(IRQ28_Handler); TH_WEAK_HANDLER(IRQ29_Handler);
TH_WEAK_HANDLER(IRQ30_Handler); TH_WEAK_HANDLER(IRQ31_Handler);

typedef void (*th_vector)(void);

/* ARMv7-M ARM B1.5.3: word 0 initial SP, word 1 reset, then exceptions 2..15, then IRQs. */
__attribute__((section(".isr_vector"), used)) const th_vector th_vectors[16 + 32] = {
    (th_vector)(uintptr_t)_estack, Reset_Handler, NMI_Handler, HardFault_Handler,
    MemManage_Handler, BusFault_Handler, UsageFault_Handler, 0, 0, 0, 0, SVC_Handler,
    DebugMon_Handler, 0, PendSV_Handler, SysTick_Handler,
    IRQ0_Handler, IRQ1_Handler, IRQ2_Handler, IRQ3_Handler, IRQ4_Handler, IRQ5_Handler,
    IRQ6_Handler, IRQ7_Handler, IRQ8_Handler, IRQ9_Handler, IRQ10_Handler, IRQ11_Handler,
    IRQ12_Handler, IRQ13_Handler, IRQ14_Handler, IRQ15_Handler, IRQ16_Handler, IRQ17_Handler,
    IRQ18_Handler, IRQ19_Handler, IRQ20_Handler, IRQ21_Handler, IRQ22_Handler, IRQ23_Handler,
    IRQ24_Handler, IRQ25_Handler, IRQ26_Handler, IRQ27_Handler, IRQ28_Handler, IRQ29_Handler,
    IRQ30_Handler, IRQ31_Handler};

/* Sets SP itself, so a debugger that loads the ELF and jumps to the entry point (gdb `load`)
 * starts as cleanly as a hardware reset, which takes SP from vector 0. */
__attribute__((naked)) void Reset_Handler(void) {
  __asm volatile("ldr r0, =_estack\n\tmov sp, r0\n\tb th_reset_c\n\t.ltorg");
}

__attribute__((used, noreturn)) void th_reset_c(void);
void th_reset_c(void) {
  /* FPU first (B3.2.20): the compiler may use VFP registers anywhere after this. */
  SCB_CPACR |= 0xFu << 20;
  th_dsb();
  th_isb();
  SCB_VTOR = (uint32_t)(uintptr_t)th_vectors; /* a debugger `load` may leave VTOR elsewhere */
  th_board_early_init();
  /* Plain loops, not memcpy: newlib's memcpy may not be safe before .data exists. */
  for (uint32_t *s = _sidata, *d = _sdata; d < _edata;) *d++ = *s++;
  for (uint32_t *d = _sbss; d < _ebss;) *d++ = 0;
  th_fault_init(); /* fault handlers, stack guard and paint (fault.c) */
  main();
  for (;;) {
  }
}
