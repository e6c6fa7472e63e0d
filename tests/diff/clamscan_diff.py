#!/usr/bin/env python3
"""clamscan against `vigil clamscan`: the same options on the same tree with
the same databases, every difference in output lines and exit status printed.

By default the tree holds trigger files for the project's signatures
(tests/diff/clamav_sigs, made by clam_triggers.py), files whose MD5/SHA-256
are in generated .hdb/.hsb databases, and the odd cases of a walk (empty
file, links, a nested folder, a FIFO). Lines are compared sorted (clamscan's
order is the directory's); the summary's Time, Start Date, End Date and
Engine version lines are masked, and so are "Data scanned" and its ratio
unless --strict-data (libclamav counts the data of its own normalised and
decoded layers, which vigil does not scan). A line printed a different
number of times is reported with both counts.

    clamscan_diff.py --vigil build/vigil                     the default tree and option sets
    clamscan_diff.py --vigil V --db DIR --tree DIR -- -r -i  your databases, tree and options

Exits 0 when nothing differs, 1 when something does, 77 (skip) without
clamscan. Python 3 standard library only.
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clam_triggers  # noqa: E402  (same folder)

MASK = re.compile(r"^(Time|Start Date|End Date|Engine version):")
DATA = re.compile(r"^Data (scanned: .* MB|read: .* MB \(ratio .*:1\))$")

# Option sets run on the default tree (each with -d DB and the tree).
DEFAULT_RUNS = [
    ["-r"],
    ["-r", "-i"],
    ["-r", "-o", "--no-summary"],
    ["-r", "-z"],
    ["-r", "--exclude=\\.bin$", "--exclude-dir=nested$"],
    ["-r", "--include=trig", "--include-dir=(tree|triggers)$"],
    ["--max-filesize=2K", "-r"],
    [],
]


def lines(data):
    text = data.decode("utf-8", errors="replace")
    out = text.split("\n")
    if out and out[-1] == "":
        out.pop()
    return out


def masked(ls, strict_data):
    keep = []
    for ln in ls:
        if MASK.match(ln):
            continue
        if not strict_data and DATA.match(ln):
            ln = ln.split(":", 1)[0] + ": (masked)"
        keep.append(ln)
    return keep


def run(cmd, cwd, env=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=3600, env=env,
                       stdin=subprocess.DEVNULL)
    return p.returncode, lines(p.stdout), lines(p.stderr)


def compare(what, ref, got):
    """Multiset difference of two line lists; returns the report lines."""
    a, b = collections.Counter(ref), collections.Counter(got)
    report = []
    for ln in sorted(set(a) | set(b)):
        if a[ln] == b[ln]:
            continue
        if a[ln] and b[ln]:
            report.append(f"  {what}: clamscan {a[ln]}x, vigil {b[ln]}x: {ln}")
        elif a[ln]:
            report.append(f"  {what}: clamscan only: {ln}")
        else:
            report.append(f"  {what}: vigil only:    {ln}")
    return report


def build_default(work, seed):
    """The default tree and database folder; returns (db, tree) relative to work."""
    tree = os.path.join(work, "tree")
    db = os.path.join(work, "db")
    os.makedirs(db)
    sigs = sorted(os.path.join(HERE, "clamav_sigs", f)
                  for f in os.listdir(os.path.join(HERE, "clamav_sigs")))
    for s in sigs:
        shutil.copy(s, db)
    clam_triggers.generate(sigs, os.path.join(tree, "triggers"), seed)
    hashed = []
    for i, data in enumerate([b"vigil hash one\n", b"vigil hash two\n" * 300, os.urandom(9000)]):
        p = os.path.join(tree, "hashed", f"h{i}.bin")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        hashed.append(p)
    clam_triggers.hash_db(os.path.join(db, "vigil_hashes"), hashed, quiet=True)
    os.makedirs(os.path.join(tree, "odd", "nested"))
    for name, data in [("odd/empty", b""), ("odd/clean.txt", b"nothing here\n"),
                       ("odd/nested/clean.bin", b"\0" * 5000)]:
        with open(os.path.join(tree, name), "wb") as f:
            f.write(data)
    os.symlink("clean.txt", os.path.join(tree, "odd", "link"))
    os.symlink("/nonexistent/vigil", os.path.join(tree, "odd", "dangling"))
    os.mkfifo(os.path.join(tree, "odd", "fifo"))
    return "db", "tree"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True, help="the vigil binary")
    ap.add_argument("--clamscan", default=shutil.which("clamscan") or "/usr/bin/clamscan")
    ap.add_argument("--db", help="database file or folder (default: generated)")
    ap.add_argument("--tree", help="folder to scan (default: generated)")
    ap.add_argument("--seed", type=int, default=1, help="for the generated trigger files")
    ap.add_argument("--strict-data", action="store_true", help="compare Data scanned too")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--show", type=int, default=15, help="differences listed per run")
    ap.add_argument("options", nargs="*", help="clamscan options of one run (after --)")
    a = ap.parse_args()
    if not os.access(a.clamscan, os.X_OK):
        print(f"clamscan not found ({a.clamscan}): skipped")
        return 77
    vigil = os.path.abspath(a.vigil)
    work = tempfile.mkdtemp(prefix="clamscan_diff.")
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
    try:
        if a.db and a.tree:
            db, tree, cwd = os.path.abspath(a.db), os.path.abspath(a.tree), os.getcwd()
        else:
            db, tree = build_default(work, a.seed)
            cwd = work
            if a.db:
                db = os.path.abspath(a.db)
            if a.tree:
                tree = os.path.abspath(a.tree)
        runs = [a.options] if a.options else DEFAULT_RUNS
        total = 0
        for opts in runs:
            args = ["-d", db, *opts, tree]
            rc1, out1, err1 = run([a.clamscan, *args], cwd)
            rc2, out2, err2 = run([vigil, "clamscan", *args], cwd, env)
            if rc2 == 2 and rc1 != 2 and any(e.startswith("ERROR: ") for e in err2):
                # vigil refused the databases: the scan lines would all differ
                report = [f"  vigil could not load the databases: {e}" for e in err2]
                report.append(f"  exit status: clamscan {rc1}, vigil {rc2}")
                total += len(report)
                print(f"{' '.join(opts) or '(no options)'}: databases refused")
                for r in report[:a.show]:
                    print(r)
                continue
            report = compare("stdout", masked(out1, a.strict_data), masked(out2, a.strict_data))
            report += compare("stderr", err1, err2)
            if rc1 != rc2:
                report.append(f"  exit status: clamscan {rc1}, vigil {rc2}")
            shown = " ".join(opts) or "(no options)"
            if report:
                total += len(report)
                print(f"{shown}: {len(report)} difference(s)")
                for r in report[:a.show]:
                    print(r)
                if len(report) > a.show:
                    print(f"  ... {len(report) - a.show} more")
            else:
                print(f"{shown}: same ({len(out1)} lines, exit {rc1})")
        print(f"clamscan_diff: {total} difference(s) in {len(runs)} run(s)")
        return 1 if total else 0
    finally:
        if a.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
