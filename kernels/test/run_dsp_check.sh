#!/bin/sh
# run_dsp_check.sh - build the kernels (ARM DSP path on) + reference for Cortex-M and run dsp_check on QEMU.
# Usage: kernels/test/run_dsp_check.sh [m4|m7|m4-nodsp] [outdir]
# Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi (rdimon semihosting) and qemu-system-arm.
set -e
K=$(cd "$(dirname "$0")/.." && pwd)
CPU=${1:-m4}
OUT=${2:-/tmp/th_dsp_check-$CPU}
case "$CPU" in
  m4) FLAGS="-mcpu=cortex-m4 -mfpu=fpv4-sp-d16" MACHINE=mps2-an386 ;;
  m4-nodsp) FLAGS="-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -DTH_NO_DSP" MACHINE=mps2-an386 ;;
  m7) FLAGS="-mcpu=cortex-m7 -mfpu=fpv5-d16" MACHINE=mps2-an500 ;;
  *) echo "unknown cpu $CPU (m4, m7, m4-nodsp)" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
arm-none-eabi-gcc $FLAGS -mthumb -mfloat-abi=hard -O2 -std=c99 -Wall -I"$K/include" -I"$K/src" -I"$K/ref" \
  --specs=rdimon.specs -Wl,--section-start=.vectors=0x0 \
  "$K"/src/*.c "$K"/ref/th_ref.c "$K"/test/dsp_check.c "$K"/test/dsp_startup.c -lm -o "$OUT/dsp_check.elf"
timeout 900 qemu-system-arm -M "$MACHINE" -nographic -semihosting -monitor none -serial none \
  -kernel "$OUT/dsp_check.elf"
