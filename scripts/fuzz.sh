#!/bin/sh
# fuzz.sh - fuzzes the firmware core's frame handling with libFuzzer for a bounded time.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60). Needs clang (Debian clang 14 or later).
# Builds build/fuzz/fuzz_frames with -fsanitize=fuzzer,address,undefined (outside the CMake build),
# writes a seed corpus of valid sessions, runs; exits non-zero on a crash, leak, timeout or
# sanitizer report (the reproducer is left in build/fuzz/ as crash-*, leak-*, timeout-*).
set -eu
secs=${1:-60}
case $secs in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/fuzz"
CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
  for c in clang clang-16 clang-15 clang-14; do
    if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
  done
fi
if [ -z "$CLANG" ]; then echo "fuzz.sh: clang not found (apt-get install clang)" >&2; exit 1; fi
mkdir -p "$out/seeds" "$out/corpus"
src="$root/firmware/fuzz/fuzz_frames.c $root/firmware/test/fake_hal.c
  $(ls "$root"/firmware/core/*.c)
  $(ls "$root"/kernels/src/*.c)"
# A small frame buffer so the TOO_LARGE and READ/WRITE limits are reachable; repeat capped at 4
# so a huge repeat count does not read as a hang.
common="-std=c99 -g -O1 -pthread -DTH_FW_MAX_FRAME=1024 -DTH_FW_MAX_REPEAT=4
  -I$root/firmware/core -I$root/firmware/test -I$root/kernels/include -I$root/kernels/src"
echo "fuzz.sh: building with $CLANG"
# shellcheck disable=SC2086
"$CLANG" $common -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $src -o "$out/fuzz_frames"
# shellcheck disable=SC2086
"$CLANG" $common -DFUZZ_SEEDS_MAIN $src -o "$out/make_seeds"
"$out/make_seeds" "$out/seeds"
echo "fuzz.sh: fuzzing for ${secs}s ($(ls "$out/seeds" | wc -l) seeds)"
"$out/fuzz_frames" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "$out/seeds"
echo "fuzz.sh: no crash in ${secs}s"
