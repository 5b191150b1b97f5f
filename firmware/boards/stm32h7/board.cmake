# board.cmake - stm32h7: NUCLEO-H743ZI2 (toolchain cmake/toolchains/cortex-m7.cmake).
set(TH_BOARD_ARCH cortex-m)
set(TH_BOARD_TOOLCHAIN cmake/toolchains/cortex-m7.cmake)
set(TH_BOARD_SOURCES ${TH_COMMON_DIR}/cortex-m/startup.c ${TH_COMMON_DIR}/cortex-m/fault.c
                     ${TH_COMMON_DIR}/calib.c ${TH_COMMON_DIR}/cortex-m/calib_loop.S ${TH_COMMON_DIR}/stm32/hal_stm32.c
                     ${TH_COMMON_DIR}/single_core.c ${TH_BOARD_DIR}/clock.c ${TH_BOARD_DIR}/board.c)
set(TH_BOARD_DEFINITIONS)
set(TH_BOARD_INCLUDES ${TH_COMMON_DIR}/stm32)
set(TH_BOARD_CALIB 0)
