# gap9.cmake - GAP9 EVK firmware with the GAP SDK (PMSIS), included by firmware/CMakeLists.txt
# before project(): the SDK's CMake macros pick the RISC-V toolchain and link the OS.
# Needs GAP_SDK_HOME (source the SDK's configs/gap9_evk_audio.sh or similar first).
if(NOT DEFINED ENV{GAP_SDK_HOME})
  message(FATAL_ERROR "gap9 needs the GAP SDK: set GAP_SDK_HOME (source the SDK's gap9 config script)")
endif()
set(CONFIG_GAP_SDK_HOME $ENV{GAP_SDK_HOME})
include($ENV{GAP_SDK_HOME}/utils/cmake/macros.cmake)
setupcrosscompile()

project(tinyhil_firmware_gap9 C ASM)
set(TH_GAP9_DIR ${CMAKE_CURRENT_LIST_DIR})

add_subdirectory(${TH_ROOT}/kernels ${CMAKE_BINARY_DIR}/kernels EXCLUDE_FROM_ALL)
set_target_properties(tinyhil_kernels PROPERTIES POSITION_INDEPENDENT_CODE OFF)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/../../core ${CMAKE_BINARY_DIR}/core EXCLUDE_FROM_ALL)

add_executable(tinyhil-gap9 ${TH_GAP9_DIR}/hal_gap9.c ${TH_GAP9_DIR}/../common/fw_main.c)
target_include_directories(tinyhil-gap9 PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../core ${TH_ROOT}/kernels/include)
target_compile_options(tinyhil-gap9 PRIVATE -O2 -Wall)
target_link_libraries(tinyhil-gap9 PRIVATE tinyhil_fw_core tinyhil_kernels)
# Kernels and core run on the cluster too: same flags as the application.
target_compile_options(tinyhil_kernels PRIVATE -O3)
setupos(tinyhil-gap9)
