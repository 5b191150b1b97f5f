# arm-none-eabi.cmake - shared part of the Cortex-M toolchain files (Debian gcc-arm-none-eabi + newlib-nano).
# Included by cortex-m4.cmake / cortex-m7.cmake, which set TH_ARM_CPU_FLAGS first.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY) # no start-up code yet at try-compile time

find_program(TH_ARM_GCC arm-none-eabi-gcc)
if(NOT TH_ARM_GCC)
  message(FATAL_ERROR "arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi")
endif()
get_filename_component(_th_bin ${TH_ARM_GCC} DIRECTORY)
set(CMAKE_C_COMPILER ${_th_bin}/arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER ${_th_bin}/arm-none-eabi-gcc)
set(CMAKE_OBJCOPY ${_th_bin}/arm-none-eabi-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${_th_bin}/arm-none-eabi-size CACHE FILEPATH "size")

set(CMAKE_C_FLAGS_INIT "${TH_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections -fno-common")
set(CMAKE_ASM_FLAGS_INIT "${TH_ARM_CPU_FLAGS}")
# Our own reset handler and linker scripts; newlib-nano only for memcpy/memset/libgcc.
set(CMAKE_EXE_LINKER_FLAGS_INIT "${TH_ARM_CPU_FLAGS} -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
