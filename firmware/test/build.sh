#!/bin/sh
# build.sh - builds the firmware core's sanitized test programs (ASan + UBSan, gcc by default):
#   frames_test            the malformed-frame corpus over the fake HAL (firmware/test/frames_test.c)
#   tinyhil-host-sim-asan  the host-sim board, sanitized, for end-to-end tests over its pty
# Usage: firmware/test/build.sh OUTDIR [frames|host-sim|all]   (default all)
# Kernel sources: kernels/src/*.c, or $TH_KERNEL_SOURCES (space-separated) to override.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: build.sh OUTDIR [frames|host-sim|all]}
what=${2:-all}
mkdir -p "$out"
CC=${CC:-gcc}
kernels=${TH_KERNEL_SOURCES:-$(ls "$root"/kernels/src/*.c)}
core=$(ls "$root"/firmware/core/*.c)
flags="-std=c99 -O1 -g -Wall -Wextra -Werror=implicit-function-declaration
  -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -pthread
  -I$root/firmware/core -I$root/kernels/include -I$root/kernels/src"
case $what in
  frames|all)
    # shellcheck disable=SC2086
    $CC $flags "$here/frames_test.c" "$here/fake_hal.c" $core $kernels -o "$out/frames_test.tmp"
    mv "$out/frames_test.tmp" "$out/frames_test" ;;
esac
case $what in
  host-sim|all)
    hs="$root/firmware/boards/host-sim"
    # shellcheck disable=SC2086
    $CC $flags -I"$hs" "$hs/main.c" "$hs/hal_host.c" $core $kernels -o "$out/tinyhil-host-sim-asan.tmp"
    mv "$out/tinyhil-host-sim-asan.tmp" "$out/tinyhil-host-sim-asan" ;;
  frames) ;;
  *) echo "build.sh: unknown target '$what' (frames, host-sim or all)" >&2; exit 2 ;;
esac
