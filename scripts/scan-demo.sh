#!/bin/sh
# The main job on a fresh machine: install, build, and scan a folder (default:
# the bundled samples folder made for the demo) with the bundled default rules.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
target=${1:-}
if [ -z "$target" ]; then
    target=$(mktemp -d)
    # The EICAR test file, assembled at run time so the repository itself is clean.
    printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD' '-ANTIVIRUS-TEST-FILE!$H+H*' > "$target/eicar.com"
    echo "hello" > "$target/clean.txt"
fi
set +e
build/vigil scan "$target"
rc=$?
set -e
echo "vigil scan exit code: $rc (0 clean, 1 found, 2 error)"
[ "$rc" -le 1 ]
