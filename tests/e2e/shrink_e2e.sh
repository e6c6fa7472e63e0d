#!/bin/sh
# A file that shrinks while vigil scans it through a mapping (SIGBUS) must be
# reported and the scan must go on: the next file is still scanned and found.
# Usage: shrink_e2e.sh VIGIL
set -eu
vigil=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# 50 MB: well above the mapping threshold, and slow to walk byte by byte
head -c 50000000 /dev/zero > "$dir/a_big.bin"
# the EICAR test file, assembled here so the repository holds no copy
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD' '-ANTIVIRUS-TEST-FILE!$H+H*' \
    > "$dir/z_eicar.com"
cat > "$dir/slow.yar" <<'RULES'
rule slow_loop { condition: filesize > 1000000 and for all i in (0..filesize-1) : (for all j in (0..7) : (uint8(i) + j >= 0)) }
RULES
( sleep 0.5; truncate -s 4096 "$dir/a_big.bin" ) &
set +e
"$vigil" scan -p 1 --no-cache --rules "$dir/slow.yar" "$dir" > "$dir/out" 2> "$dir/err"
rc=$?
set -e
wait
cat "$dir/out" "$dir/err"
# 1 = something found; anything from 128 up would be a signal (a crash)
[ "$rc" -eq 1 ] || { echo "shrink_e2e: exit status $rc, expected 1" >&2; exit 1; }
grep -q 'z_eicar.com: EICAR_Test_File' "$dir/out" ||
    { echo "shrink_e2e: the file after the shrinking one was not scanned" >&2; exit 1; }
if grep -q 'file shrank while being scanned' "$dir/err"; then
    echo "shrink_e2e: shrink reported, scan went on"
else
    echo "shrink_e2e: the big file finished before it was truncated (slow machine?); no crash"
fi
