#!/bin/sh
# Installs dependencies, then builds and runs every test twice: a normal
# optimised build (build/) and an ASan+UBSan build (build-asan/), plus a
# short bounded run of each fuzz target. This is what CI runs.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

scripts/build.sh
(cd build && ctest --output-on-failure -j"$jobs")

scripts/build.sh asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs")

if [ -x fuzz/run.sh ]; then
    fuzz/run.sh
fi
echo "all tests passed"
