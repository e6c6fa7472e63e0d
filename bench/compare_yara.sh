#!/bin/bash
# Times Debian's yara against `vigil yara` on the same rules and files, both
# from rule sources and from precompiled rules (yarac / vigil compile), runs
# alternating between the tools so drift in machine load hits both alike.
# Prints the median wall time of each, the vigil/yara ratio, peak RSS from
# /usr/bin/time -v, and how fast `cat` reads the same files from page cache
# (the floor no scanner can beat). "load precompiled" is a scan of one empty
# file with the precompiled rules: start-up plus loading, nothing to match. Kept deliberately plain; extend, don't fork.
#
# Usage: bench/compare_yara.sh RULES TARGET_DIR [THREADS] [ROUNDS]
#   RULES   a rule file, or a folder whose *.yar/*.yara files are all used
#           (each in its own namespace, so equal rule names do not clash)
#   THREADS -p for both tools (default: nproc); ROUNDS per mode (default 3)
# Environment: VIGIL (default build/vigil), YARA (yara), YARAC (yarac);
#   NO_IMPORTS=1 leaves out rule files of a RULES folder that import modules.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '/^# Usage/,/^set -/s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
rules=$1
target=$2
threads=${3:-$(nproc)}
rounds=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
vigil=${VIGIL:-$here/../build/vigil}
yara=${YARA:-yara}
yarac=${YARAC:-yarac}
for tool in "$vigil" "$yara" "$yarac" /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare_yara: $tool not found" >&2; exit 2; }
done
[ -d "$target" ] || { echo "compare_yara: $target is not a folder" >&2; exit 2; }

rule_args=()
if [ -d "$rules" ]; then
    i=0
    while IFS= read -r -d '' f; do
        if [ "${NO_IMPORTS:-0}" = 1 ] && grep -q '^[[:space:]]*import[[:space:]]' "$f"; then
            continue
        fi
        rule_args+=("r$i:$f")
        i=$((i + 1))
    done < <(find "$rules" -type f \( -name '*.yar' -o -name '*.yara' \) -print0 | sort -z)
else
    rule_args=("$rules")
fi
[ ${#rule_args[@]} -gt 0 ] || { echo "compare_yara: no rule files in $rules" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME CMD...: runs once, appends "seconds peak_kb" to $work/NAME.
# Output goes to a file (not the terminal) so printing cost is the tools' own.
run() {
    local name=$1
    shift
    local t0 t1
    t0=$(date +%s%N)
    if ! /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt"; then
        echo "compare_yara: failed: $*" >&2
        head -5 "$work/err.txt" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    local kb
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    echo "$(( (t1 - t0) / 1000 )) $kb" >>"$work/$name"
}

# median NAME: "seconds peak_MB" (median of each column).
median() {
    local s m
    s=$(cut -d' ' -f1 "$work/$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1e6}')
    m=$(cut -d' ' -f2 "$work/$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1024}')
    echo "$s $m"
}

files=$(find "$target" -type f | wc -l)
bytes=$(find "$target" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "target: $target ($files files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}') MB)"
echo "rules:  $rules (${#rule_args[@]} files); threads: $threads; rounds: $rounds"
echo "vigil:  $vigil; yara: $(command -v "$yara") $("$yara" -v)"

# Page cache: one pass to warm it, then the timed pass.
find "$target" -type f -print0 | xargs -0 cat >/dev/null
for _ in $(seq "$rounds"); do
    # shellcheck disable=SC2016 # $1 expands in the inner shell
    run cat sh -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null' sh "$target"
done

"$yarac" -w "${rule_args[@]}" "$work/rules.yarc" >/dev/null
"$vigil" compile -w -o "$work/rules.vdb" "${rule_args[@]}" >/dev/null
scan_opts=(-w -r -p "$threads")
: >"$work/empty"
# vigil caches compiled sources (docs/DESIGN.md section 2); an empty cache per
# run keeps "from source" honest.
export XDG_CACHE_HOME=$work/cache
for _ in $(seq "$rounds"); do
    run yarac "$yarac" -w "${rule_args[@]}" "$work/rules.yarc"
    rm -rf "$XDG_CACHE_HOME"
    run vcompile "$vigil" compile -w -o "$work/rules.vdb" "${rule_args[@]}"
    run ysrc "$yara" "${scan_opts[@]}" "${rule_args[@]}" "$target"
    rm -rf "$XDG_CACHE_HOME"
    run vsrc "$vigil" yara "${scan_opts[@]}" "${rule_args[@]}" "$target"
    run ybin "$yara" "${scan_opts[@]}" -C "$work/rules.yarc" "$target"
    run vbin "$vigil" yara "${scan_opts[@]}" -C "$work/rules.vdb" "$target"
    run yload "$yara" -w -C "$work/rules.yarc" "$work/empty"
    run vload "$vigil" yara -w -C "$work/rules.vdb" "$work/empty"
done

read -r cat_s _ < <(median cat)
echo
awk -v s="$cat_s" -v b="$bytes" 'BEGIN {
    printf "page-cache read (cat): %.3f s, %.0f MB/s\n\n", s, (s > 0 ? b / 1e6 / s : 0) }'
printf '%-16s %9s %9s %11s %9s %9s %9s %12s\n' mode "yara s" "vigil s" "vigil/yara" \
    "speed-up" "yara MB" "vigil MB" "vigil MB/s"
row() {
    local ys ym vs vm
    read -r ys ym < <(median "$2")
    read -r vs vm < <(median "$3")
    awk -v n="$1" -v ys="$ys" -v vs="$vs" -v ym="$ym" -v vm="$vm" -v b="$bytes" -v scan="$4" \
        'BEGIN { printf "%-16s %9.3f %9.3f %11.2f %8.1fx %9.1f %9.1f %12s\n", n, ys, vs,
                 (ys > 0 ? vs / ys : 0), (vs > 0 ? ys / vs : 0), ym, vm,
                 (scan && vs > 0 ? sprintf("%.0f", b / 1e6 / vs) : "-") }'
}
row "load precompiled" yload vload 0
row "compile only" yarac vcompile 0
row "from source" ysrc vsrc 1
row "precompiled" ybin vbin 1
