# gap9.cmake - GAP9 EVK firmware with the GAP SDK (PMSIS), included by firmware/CMakeLists.txt
# before project(). STATUS: not run here (no SDK on the build machines); see hal_gap9.c's header.
# Follows the SDK's application flow as its own apps do (checked: gap_sdk utils/cmake/setup.cmake,
# macro setup_cmake() = menuconfig + board + setupcrosscompile, and e.g. rtos/pmsis/tests/bsp/wifi/
# da16200/app_connection/CMakeLists.txt: include setup.cmake, setup_cmake(), project(), add_executable,
# setupos(target)), and compiles the kernels and the protocol core as SOURCES of that
# one target, so that they get the SDK's flags (-march with Xpulp, the chip defines) instead of
# being built as separate plain-RV32 libraries. Needs GAP_SDK_HOME (source the SDK's gap9 config).
if(NOT DEFINED ENV{GAP_SDK_HOME})
  message(FATAL_ERROR "gap9 needs the GAP SDK: set GAP_SDK_HOME (source the SDK's gap9 config script)")
endif()
set(CONFIG_GAP_SDK_HOME $ENV{GAP_SDK_HOME})
include($ENV{GAP_SDK_HOME}/utils/cmake/setup.cmake)
setup_cmake()

project(tinyhil_firmware_gap9 C ASM)
set(TH_GAP9_DIR ${CMAKE_CURRENT_LIST_DIR})
file(GLOB _th_kernel_src ${TH_ROOT}/kernels/src/*.c)
file(GLOB _th_core_src ${CMAKE_CURRENT_LIST_DIR}/../../core/*.c)
add_executable(tinyhil-gap9 ${TH_GAP9_DIR}/hal_gap9.c ${TH_COMMON_DIR}/cluster/th_cluster.c
               ${_th_kernel_src} ${_th_core_src})
target_include_directories(tinyhil-gap9 PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../core ${TH_ROOT}/kernels/include
                           ${TH_ROOT}/kernels/src ${TH_COMMON_DIR}/cluster)
# The cluster synchronises with pi_cl_team_barrier, not the atomics of th_cluster_amo.c.
# Cluster stacks are small: the RV32 tiles pack at most 4 * 64 bytes on the stack (longer rows of
# kernels/src/th_matmul_rv32.c take its 4x3 tiles in place).
target_compile_definitions(tinyhil-gap9 PRIVATE TH_CL_BOARD_SYNC=1 TH_RV_KMAX=64)
target_compile_options(tinyhil-gap9 PRIVATE -O3 -Wall)
setupos(tinyhil-gap9)
