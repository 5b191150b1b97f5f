/* board.c - qemu-m4 identity: Cortex-M4F on QEMU mps2-an386 (HAL in common/mps2/hal_mps2.c). */
#include "hal.h"

const hal_board_t hal_board = {
    .name = "qemu-m4",
    .cpu = "Cortex-M4F (QEMU mps2-an386)",
    .clock_hz = 25000000u, /* modelled SYSCLK; the counter counts instructions, not cycles */
    .counter = HAL_COUNTER_INSTRUCTIONS,
    .counter_unit = "instructions (QEMU)",
    .n_cores = 1,
};
