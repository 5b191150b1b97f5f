# cortex-m7.cmake - Cortex-M7 with double-precision FPU (qemu-m7 on mps2-an500, stm32h7).
set(TH_ARM_CPU_FLAGS "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
