# board.cmake - qemu-rv32: RV32IMC on QEMU virt (toolchain cmake/toolchains/riscv32.cmake), 1..8
# harts (-smp N) as cores through the shared cluster code (firmware/boards/common/cluster/).
set(TH_BOARD_ARCH riscv)
set(TH_BOARD_TOOLCHAIN cmake/toolchains/riscv32.cmake)
set(_th_cl ${TH_COMMON_DIR}/cluster)
set(TH_BOARD_SOURCES ${TH_COMMON_DIR}/riscv/start.S ${TH_COMMON_DIR}/riscv/fault.c ${TH_BOARD_DIR}/hal_virt.c
    ${TH_COMMON_DIR}/calib.c ${TH_COMMON_DIR}/riscv/calib_loop.S
    ${_th_cl}/th_cluster.c ${_th_cl}/th_cluster_amo.c)
set(TH_BOARD_INCLUDES ${_th_cl})
# The cluster code and the trap entry's lock need the "A" extension (amoadd.w, amoswap.w, lr/sc,
# which every QEMU virt hart has); the kernels stay RV32IMC.
set_source_files_properties(${_th_cl}/th_cluster_amo.c ${TH_BOARD_DIR}/hal_virt.c ${TH_COMMON_DIR}/riscv/start.S ${TH_COMMON_DIR}/riscv/fault.c
    PROPERTIES COMPILE_OPTIONS "-march=rv32imac_zicsr")
# minstret is QEMU's global instruction count: harts take turns (th_cluster_amo.c).
set(TH_BOARD_DEFINITIONS TH_CL_TURNS=1)
set(TH_BOARD_CALIB 1)
