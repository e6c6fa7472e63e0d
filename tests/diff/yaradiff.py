"""Runs the reference yara and `vigil yara` with the same arguments and compares output.

Shared by diff_generated.py and diff_reversinglabs.py. Output is split into
blocks (a rule line plus the string lines under it) and grouped by scanned
file, so multi-threaded runs that interleave files still compare; within a
file, lines are compared as multisets (missing / extra) and then in order.
"""

import collections
import os
import shlex
import shutil
import subprocess
import sys

SKIP = 77  # ctest's conventional "skipped" exit code


def find_yara(path):
    """Absolute path of the reference yara, or None when it is not installed."""
    if os.path.sep in path:
        return path if os.access(path, os.X_OK) else None
    return shutil.which(path)


def vigil_command(args):
    """Command prefix for the tool under test: `VIGIL yara`, or --cmd verbatim
    (e.g. `--cmd yara` to check the harness with yara in both roles)."""
    if args.cmd:
        return shlex.split(args.cmd)
    if not args.vigil:
        sys.exit("error: give --vigil PATH or --cmd COMMAND")
    return [args.vigil, "yara"]


def add_common_args(p):
    p.add_argument("--vigil", help="vigil binary; run as `VIGIL yara ...`")
    p.add_argument("--cmd", help="full command prefix of the tool under test instead of --vigil")
    p.add_argument("--yara", default="yara", help="reference yara (default: yara on PATH)")
    p.add_argument("--ignore-order", action="store_true",
                   help="do not report lines that differ only in order")
    p.add_argument("--max-report", type=int, default=20,
                   help="lines of missing/extra output shown per file (default 20)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per tool run")


def run_tool(cmd, timeout):
    """(exit code, stdout lines, stderr text); output decoded leniently since
    yara prints matched bytes verbatim only after escaping, but paths are raw."""
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, [], "timeout after %d s" % timeout
    except OSError as e:
        return -1, [], str(e)
    out = r.stdout.decode("utf-8", "surrogateescape").splitlines()
    return r.returncode, out, r.stderr.decode("utf-8", "replace")


def is_string_line(line):
    return line.startswith("0x")


def header_file(line, files):
    """The scanned path a rule line ends with. Known paths are matched as
    suffixes so paths with spaces work; otherwise the last word."""
    for f in files:
        if line.endswith(" " + f) or line.startswith(f + ": "):
            return f
    if line.endswith(tuple("0123456789")) and ": " in line:
        return line.rsplit(": ", 1)[0]  # -c prints "path: count"
    return line.rsplit(" ", 1)[-1]


def group_output(lines, files=()):
    """{file: [(rule line, line)]}: each line keyed by the rule line it belongs
    to, so a string line means the same thing wherever it is compared."""
    by_file = collections.OrderedDict()
    head = None
    cur = None
    for line in lines:
        if is_string_line(line) and cur is not None:
            cur.append((head, line))
            continue
        head = line
        cur = by_file.setdefault(header_file(line, files), [])
        cur.append((head, line))
    return by_file


class Stats:
    def __init__(self):
        self.compared = 0
        self.missing = 0
        self.extra = 0
        self.order = 0
        self.failures = 0  # runs whose exit codes differed or that crashed

    def ok(self):
        return not (self.missing or self.extra or self.order or self.failures)

    def summary(self):
        return ("lines compared: %d, missing: %d, extra: %d, order differences: %d, "
                "failed runs: %d" % (self.compared, self.missing, self.extra, self.order,
                                     self.failures))


def compare_run(label, ref_cmd, test_cmd, args, stats, files=(), out=sys.stdout):
    """Runs both commands, reports every difference under `label`; returns
    True when the outputs are identical."""
    rc_ref, ref, err_ref = run_tool(ref_cmd, args.timeout)
    rc_test, test, err_test = run_tool(test_cmd, args.timeout)
    same = True
    shown = []

    def show_commands():
        # Once per run, before its first difference, so each report can be rerun.
        if not shown:
            shown.append(True)
            print("[%s] yara:  %s" % (label, " ".join(shlex.quote(a) for a in ref_cmd)), file=out)
            print("[%s] vigil: %s" % (label, " ".join(shlex.quote(a) for a in test_cmd)),
                  file=out)

    if rc_ref != rc_test or rc_test < 0:
        stats.failures += 1
        same = False
        show_commands()
        print("[%s] exit code: yara %d, vigil %d" % (label, rc_ref, rc_test), file=out)
        for name, err in (("yara", err_ref), ("vigil", err_test)):
            for line in err.splitlines()[:args.max_report]:
                print("  %s stderr: %s" % (name, line), file=out)
    if rc_ref != rc_test and ref and not test:
        # The tool under test printed nothing: one line, not a flood per file.
        stats.missing += len(ref)
        stats.compared += len(ref)
        print("[%s] vigil printed nothing; yara printed %d lines" % (label, len(ref)), file=out)
        return False
    g_ref = group_output(ref, files)
    g_test = group_output(test, files)
    for f in list(g_ref) + [f for f in g_test if f not in g_ref]:
        a = g_ref.get(f, [])
        b = g_test.get(f, [])
        stats.compared += max(len(a), len(b))
        ca = collections.Counter(a)
        cb = collections.Counter(b)
        missing = list((ca - cb).elements())
        extra = list((cb - ca).elements())
        if missing or extra:
            same = False
            show_commands()
            stats.missing += len(missing)
            stats.extra += len(extra)
            print("[%s] %s: %d missing, %d extra" % (label, f, len(missing), len(extra)),
                  file=out)
            for tag, items in (("-", missing), ("+", extra)):
                for head, line in sorted(items)[:args.max_report]:
                    ctx = "" if head == line else "   (under: %s)" % head
                    print("  %s %s%s" % (tag, line, ctx), file=out)
        elif a != b and not args.ignore_order:
            same = False
            show_commands()
            stats.order += 1
            print("[%s] %s: same lines, different order" % (label, f), file=out)
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    print("  first difference at line %d: yara %r, vigil %r" %
                          (i + 1, x[1], y[1]), file=out)
                    break
    return same
