# board.cmake - qemu-m4: Cortex-M4F on QEMU mps2-an386 (toolchain cmake/toolchains/cortex-m4.cmake).
set(TH_BOARD_ARCH cortex-m)
set(TH_BOARD_TOOLCHAIN cmake/toolchains/cortex-m4.cmake)
set(TH_BOARD_SOURCES ${TH_COMMON_DIR}/cortex-m/startup.c ${TH_COMMON_DIR}/cortex-m/fault.c
                     ${TH_COMMON_DIR}/calib.c ${TH_COMMON_DIR}/cortex-m/calib_loop.S ${TH_COMMON_DIR}/mps2/hal_mps2.c
                     ${TH_COMMON_DIR}/single_core.c ${TH_BOARD_DIR}/board.c)
# Must equal the -icount shift src/board/qemu.ts passes to QEMU (see hal_mps2.c).
set(TH_BOARD_DEFINITIONS TH_ICOUNT_SHIFT=7)
set(TH_BOARD_CALIB 1)
# 64 KiB of stack: room for the DSP matmul's whole panel and a block of rows at k = 256 (kernels/src/th_matmul.c).
set(TH_BOARD_KERNEL_DEFINITIONS TH_MM3_WORDS=6144)
