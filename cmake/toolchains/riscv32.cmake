# riscv32.cmake - RV32IMC bare metal with Debian's gcc-riscv64-unknown-elf + picolibc (qemu-rv32).
# Code is compiled for rv32imc_zicsr (CSR access needs the Zicsr suffix with binutils 2.40); the
# link says plain rv32imc, because GCC 12's multilib matching misses on the suffix and would
# fall back to the rv64 libraries; rv32imc maps to Debian's rv32im picolibc/libgcc multilib.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

find_program(TH_RV_GCC riscv64-unknown-elf-gcc)
if(NOT TH_RV_GCC)
  message(FATAL_ERROR "riscv64-unknown-elf-gcc not found: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf")
endif()
get_filename_component(_th_bin ${TH_RV_GCC} DIRECTORY)
set(CMAKE_C_COMPILER ${_th_bin}/riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER ${_th_bin}/riscv64-unknown-elf-gcc)
set(CMAKE_OBJCOPY ${_th_bin}/riscv64-unknown-elf-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${_th_bin}/riscv64-unknown-elf-size CACHE FILEPATH "size")

set(_th_rv "-march=rv32imc_zicsr -mabi=ilp32 -mcmodel=medany --specs=picolibc.specs")
set(CMAKE_C_FLAGS_INIT "${_th_rv} -ffunction-sections -fdata-sections -fno-common")
set(CMAKE_ASM_FLAGS_INIT "${_th_rv}")
# picolibc.specs comes with the C flags, which CMake also passes at link time.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-march=rv32imc -mabi=ilp32 -nostartfiles -Wl,--gc-sections -Wl,--no-warn-rwx-segments")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
