#!/bin/sh
# Configures and builds vigil into build/ (normal) or build-asan/ (with
# VIGIL_SANITIZE=1 in the environment). Usage: scripts/build.sh [asan]
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = asan ]; then
    dir=build-asan
    extra="-DVIGIL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"
else
    dir=build
    extra="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
fi
# shellcheck disable=SC2086
cmake -S . -B "$dir" -G Ninja $extra >/dev/null
cmake --build "$dir"
