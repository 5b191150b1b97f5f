# cortex-m4.cmake - Cortex-M4F (qemu-m4 on mps2-an386, stm32l4): Thumb-2, DSP extension, single-precision FPU.
set(TH_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
