/* board.c - stm32l4 identity: NUCLEO-L476RG, Cortex-M4F at 80 MHz, DWT cycle counter. */
#include "board_config.h"
#include "hal.h"

const hal_board_t hal_board = {
    .name = "stm32l4",
    .cpu = "Cortex-M4F (STM32L476RG)",
    .clock_hz = TH_CPU_HZ,
    .counter = HAL_COUNTER_CYCLES,
    .counter_unit = "cycles",
    .n_cores = 1,
};
