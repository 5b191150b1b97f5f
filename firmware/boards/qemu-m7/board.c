/* board.c - qemu-m7 identity: Cortex-M7 on QEMU mps2-an500 (HAL in common/mps2/hal_mps2.c). */
#include "hal.h"

const hal_board_t hal_board = {
    .name = "qemu-m7",
    .cpu = "Cortex-M7 (QEMU mps2-an500)",
    .clock_hz = 25000000u, /* modelled SYSCLK; the counter counts instructions, not cycles */
    .counter = HAL_COUNTER_INSTRUCTIONS,
    .counter_unit = "instructions (QEMU)",
    .n_cores = 1,
};
