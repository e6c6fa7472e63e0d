#!/usr/bin/env python3
"""module_dump_diff.py - a YARA module's values, vigil against yara -D.

For every file given (folders are walked recursively) runs
    vigil dump --format yara -m MODULE FILE
and
    yara -D RULE FILE      (RULE: import "MODULE" and one rule that is false)
and compares the two texts line by line. Each line is named by its field
path (pe.sections[2].name = ...), so a difference reads as the fields that
differ. Prints, per file with differences, the paths yara only has (-) and
vigil only has (+), then totals: files compared, files differing, and the
paths that differ most often.

Exit status: 0 no differences, 1 differences, 2 usage or tool errors,
77 yara not installed (skipped).

Example:
    python3 tests/diff/module_dump_diff.py --vigil build/vigil -m pe \\
        /tmp/wine/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
"""
import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile


def walk(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    yield os.path.join(root, f)
        else:
            yield p


def with_paths(text):
    """yara -D lines, each named by its field path (pe.sections[2].name =
    ...): indentation gives the nesting; "[i]" labels are array elements,
    other labels members or dictionary keys."""
    out, stack = [], []
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        name, sep, value = line[depth:].partition(" = ")
        del stack[depth:]
        stack.append(name)
        path = stack[0] + "".join(p if p.startswith("[") else "." + p for p in stack[1:])
        out.append(path + (" = " + value if sep else ""))
    return out


def key_path(line):
    return line.split(" = ", 1)[0]


def generic(path):
    """sections[3].name -> sections[].name (for the totals)"""
    return re.sub(r"\[[^\]]*\]", "[]", path)


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")
    except subprocess.TimeoutExpired:
        return -1, "", "timeout"


def compare(args, rule, path):
    rc_v, out_v, err_v = run([args.vigil, "dump", "--format", "yara", "-m", args.module, path],
                             args.timeout)
    rc_y, out_y, err_y = run([args.yara, "-D", rule, path], args.timeout)
    if rc_y != 0:
        return path, None, "yara failed (%d): %s" % (rc_y, err_y.strip())
    if rc_v != 0:
        return path, None, "vigil failed (%d): %s" % (rc_v, err_v.strip())
    if args.fold_hex_case:
        fold = lambda t: re.sub(r"\\x[0-9A-Fa-f]{2}", lambda m: m.group(0).lower(), t)
        out_y, out_v = fold(out_y), fold(out_v)
    a, b = with_paths(out_y), with_paths(out_v)
    if a == b:
        return path, [], None
    ca, cb = collections.Counter(a), collections.Counter(b)
    diff = [("-", l) for l in a if ca[l] > cb.get(l, 0)] + [("+", l) for l in b if cb[l] > ca.get(l, 0)]
    if not diff:
        diff = [("~", "same lines in another order")]
    return path, diff, None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="files or folders")
    ap.add_argument("-m", "--module", required=True)
    ap.add_argument("--vigil", default="build/vigil")
    ap.add_argument("--yara", default=shutil.which("yara") or "yara")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--max-lines", type=int, default=20, help="differing lines shown per file")
    ap.add_argument("--fold-hex-case", action="store_true",
                    help="compare \\xHH escapes case-insensitively (to set the printer's case apart)")
    args = ap.parse_args()
    if not shutil.which(args.yara):
        print("yara not found: skipped", file=sys.stderr)
        return 77
    files = list(walk(args.paths))
    if not files:
        print("no files", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        rule = os.path.join(tmp, "r.yar")
        with open(rule, "w") as f:
            f.write('import "%s"\nrule r { condition: false }\n' % args.module)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda p: compare(args, rule, p), files))
    differing, errors, fields = 0, 0, collections.Counter()
    for path, diff, err in results:
        if err:
            errors += 1
            print("%s: %s" % (path, err))
            continue
        if not diff:
            continue
        differing += 1
        print("%s: %d line(s) differ" % (path, len(diff)))
        for sign, line in diff[: args.max_lines]:
            print("  %s %s" % (sign, line))
        if len(diff) > args.max_lines:
            print("  ... %d more" % (len(diff) - args.max_lines))
        for g in set(generic(key_path(l)) for _, l in diff):
            fields[g] += 1
    print("\n%d file(s) compared, %d differ, %d error(s)" % (len(files), differing, errors))
    for g, n in fields.most_common(30):
        print("  %5d file(s): %s" % (n, g))
    if errors:
        return 2
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
