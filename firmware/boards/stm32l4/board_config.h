/* board_config.h - NUCLEO-L476RG: clock, console USART and trigger pin used by hal_stm32.c. */
#ifndef TH_BOARD_CONFIG_H
#define TH_BOARD_CONFIG_H

#define TH_CPU_HZ 80000000u   /* nominal (HELLO clock_hz); the clock reached is th_stm32_clock */
/* USART kernel clock: read back at start-up (clock.c), PCLK1 = HCLK */
#define TH_USART_BASE 0x40004400u /* USART2 (RM0351 2.2.2), ST-LINK VCP on PA2/PA3 (UM1724 6.8) */
#define TH_TRIGGER_GPIO 0x48000000u /* GPIOA; PA8 is Arduino D7 on CN9 (UM1724 table 16) */
#define TH_TRIGGER_PIN 8u

#endif
