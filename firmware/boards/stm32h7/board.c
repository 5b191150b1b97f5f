/* board.c - stm32h7 identity: NUCLEO-H743ZI2, Cortex-M7 at 480 MHz, DWT cycle counter. */
#include "board_config.h"
#include "hal.h"

const hal_board_t hal_board = {
    .name = "stm32h7",
    .cpu = "Cortex-M7 (STM32H743ZI)",
    .clock_hz = TH_CPU_HZ,
    .counter = HAL_COUNTER_CYCLES,
    .counter_unit = "cycles",
    .n_cores = 1,
};
