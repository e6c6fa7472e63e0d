#!/bin/sh
# Builds every fuzz/fuzz_*.c target with clang + libFuzzer + ASan/UBSan into
# build-fuzz/ and gives each a short bounded run over a scratch copy of its
# seed corpus (fuzz/corpus/<name>/ -> fuzz/corpus-run/<name>/, ignored by git,
# so the seeds stay as committed). Fails on any crash, leak, timeout or build
# error; reproducers land in build-fuzz/artifacts/. Usage: fuzz/run.sh [target...]
# Environment: FUZZ_TIME seconds per target (default 20), FUZZ_JOBS (default 1).
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_TIME:-20}
jobs=${FUZZ_JOBS:-1}

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz/run.sh: clang not found, skipping fuzzing" >&2
    exit 0
fi

if [ $# -gt 0 ]; then
    targets="$*"
else
    targets=""
    for src in fuzz/fuzz_*.c; do
        [ -e "$src" ] || continue
        targets="$targets $(basename "$src" .c)"
    done
fi
if [ -z "$targets" ]; then
    echo "fuzz/run.sh: no fuzz targets" >&2
    exit 0
fi

cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVIGIL_FUZZ=ON -DVIGIL_SANITIZE=ON -DVIGIL_TESTS=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz --target $targets

mkdir -p build-fuzz/artifacts
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=""
for t in $targets; do
    name=${t#fuzz_}
    run=fuzz/corpus-run/$name
    rm -rf "$run"
    mkdir -p "$run"
    if [ -d "fuzz/corpus/$name" ]; then
        cp -R "fuzz/corpus/$name/." "$run/"
    fi
    extra=""
    [ -f "fuzz/$name.dict" ] && extra="-dict=fuzz/$name.dict"
    # -jobs makes libFuzzer fork workers that log to ./fuzz-N.log; only on request.
    [ "$jobs" -gt 1 ] && extra="$extra -jobs=$jobs -workers=$jobs"
    echo "== $t: ${secs}s over $(find "$run" -type f | wc -l) seeds"
    # -timeout: one input may take at most 10 s; -rss_limit_mb bounds memory.
    # shellcheck disable=SC2086
    if ! "build-fuzz/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$name-" $extra "$run"; then
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz/run.sh: FAILED:$failed (reproducers in build-fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz/run.sh: all targets ran ${secs}s without a crash"
