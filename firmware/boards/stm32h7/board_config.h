/* board_config.h - NUCLEO-H743ZI2: clock, console USART and trigger pin used by hal_stm32.c. */
#ifndef TH_BOARD_CONFIG_H
#define TH_BOARD_CONFIG_H

#define TH_CPU_HZ 480000000u   /* PLL1 P output, see clock.c */
#define TH_USART_HZ 120000000u /* rcc_pclk1 = 480 / 2 (HPRE) / 2 (D2PPRE1) */
#define TH_USART_BASE 0x40004800u /* USART3 (RM0433 2.3.2 memory map), ST-LINK VCP on PD8/PD9 */
#define TH_TRIGGER_GPIO 0x58020400u /* GPIOB; PB0 drives LD1 (UM2407), free on CN11 for a monitor */
#define TH_TRIGGER_PIN 0u
#define TH_DWT_UNLOCK 1

#endif
