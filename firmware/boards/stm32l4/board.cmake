# board.cmake - stm32l4: NUCLEO-L476RG (toolchain cmake/toolchains/cortex-m4.cmake).
set(TH_BOARD_ARCH cortex-m)
set(TH_BOARD_TOOLCHAIN cmake/toolchains/cortex-m4.cmake)
set(TH_BOARD_SOURCES ${TH_COMMON_DIR}/cortex-m/startup.c ${TH_COMMON_DIR}/cortex-m/fault.c
                     ${TH_COMMON_DIR}/calib.c ${TH_COMMON_DIR}/cortex-m/calib_loop.S ${TH_COMMON_DIR}/stm32/hal_stm32.c
                     ${TH_COMMON_DIR}/single_core.c ${TH_BOARD_DIR}/clock.c ${TH_BOARD_DIR}/board.c)
set(TH_BOARD_DEFINITIONS)
# 6 KiB of stack: keep the DSP weight panel of kernels/src/th_matmul.c at 768 bytes (64 k per chunk).
set(TH_BOARD_KERNEL_DEFINITIONS TH_DSP_KG=16)
set(TH_BOARD_INCLUDES ${TH_COMMON_DIR}/stm32)
set(TH_BOARD_CALIB 0)
