#!/bin/sh
# Differential run of yara and `vigil yara` over ReversingLabs' public rules
# (../shared/rules/reversinglabs beside the project), their generated trigger
# files and ~100 MB of /usr/bin. Not a ctest: it needs the shared rules and
# takes tens of seconds. Usage: tests/diff/run_reversinglabs.sh [VIGIL] [options]
# (VIGIL defaults to build/vigil; options go to diff_reversinglabs.py, -h lists them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vigil=${1:-$here/../../build/vigil}
[ $# -gt 0 ] && shift
if [ ! -x "$vigil" ]; then
    echo "run_reversinglabs: no vigil binary at $vigil (build first: scripts/build.sh)" >&2
    exit 2
fi
set +e
python3 "$here/diff_reversinglabs.py" --vigil "$vigil" "$@"
rc=$?
set -e
# 77 is "skipped" (rules folder or yara absent): not a failure for a script.
[ "$rc" -eq 77 ] && exit 0
exit "$rc"
