# board.cmake - qemu-rv32: RV32IMC on QEMU virt (toolchain cmake/toolchains/riscv32.cmake).
set(TH_BOARD_ARCH riscv)
set(TH_BOARD_TOOLCHAIN cmake/toolchains/riscv32.cmake)
set(TH_BOARD_SOURCES ${TH_COMMON_DIR}/riscv/start.S ${TH_BOARD_DIR}/hal_virt.c ${TH_COMMON_DIR}/single_core.c)
set(TH_BOARD_DEFINITIONS)
set(TH_BOARD_CALIB 1)
