#!/bin/sh
# Compares `vigil clamscan` with clamscan on one database and one file, in
# one run, and prints the ratios the ClamAV issue's target is about: how much
# faster a second vigil run (the database cached: a map, not a parse) is
# than clamscan (which parses its databases on every run), and the share of
# clamscan's peak memory vigil needs.
#
#   bench/compare_clamscan.sh VIGIL DB FILE [ROUNDS]
#
# VIGIL: the vigil binary; DB: a database file or folder (-d); FILE: what to
# scan. Each round times clamscan and vigil once, alternating, with
# wall-clock seconds (date) and peak RSS (/usr/bin/time); medians are reported. The vigil
# cache lives in a temporary XDG_CACHE_HOME, filled by one untimed run
# (whose time is shown as "first run"). Both must give the same verdict.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 VIGIL DB FILE [ROUNDS]" >&2; exit 2; }
vigil=$1 db=$2 file=$3 rounds=${4:-5}
command -v clamscan >/dev/null || { echo "clamscan is not installed (apt-get install clamav)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache"

# one timed run: prints "seconds kilobytes" and keeps the output lines
run() {
    out=$1; shift
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$tmp/t" "$@" > "$out" 2>/dev/null || true
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000 )) $(tail -n 1 "$tmp/t")" | awk '{printf "%.4f %s\n", $1 / 1e6, $2}'
}

first=$(run "$tmp/v0" "$vigil" clamscan --no-summary -d "$db" "$file")
: > "$tmp/c.times"
: > "$tmp/v.times"
i=0
while [ "$i" -lt "$rounds" ]; do
    run "$tmp/c.out" clamscan --no-summary -d "$db" "$file" >> "$tmp/c.times"
    run "$tmp/v.out" "$vigil" clamscan --no-summary -d "$db" "$file" >> "$tmp/v.times"
    i=$((i + 1))
done
if ! cmp -s "$tmp/c.out" "$tmp/v.out"; then
    echo "verdicts differ:" >&2
    diff "$tmp/c.out" "$tmp/v.out" >&2 || true
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ct=$(cut -d' ' -f1 "$tmp/c.times" | median)
cm=$(cut -d' ' -f2 "$tmp/c.times" | median)
vt=$(cut -d' ' -f1 "$tmp/v.times" | median)
vm=$(cut -d' ' -f2 "$tmp/v.times" | median)
sigs=$(clamscan -d "$db" /dev/null 2>/dev/null | sed -n 's/^Known viruses: //p')
echo "database: $db ($sigs signatures per clamscan); file: $file; $rounds rounds"
echo "vigil first run (compiles and caches): $(echo "$first" | cut -d' ' -f1) s, $(echo "$first" | cut -d' ' -f2) KB"
printf "clamscan: %s s, %s KB peak\n" "$ct" "$cm"
printf "vigil (cached): %s s, %s KB peak\n" "$vt" "$vm"
awk -v ct="$ct" -v vt="$vt" -v cm="$cm" -v vm="$vm" 'BEGIN {
    printf "speed-up: %.1fx   memory: %.3f of clamscan (1/%.1f)\n", ct / vt, vm / cm, cm / vm
}'
