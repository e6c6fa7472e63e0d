#!/usr/bin/env python3
"""clamscan against `vigil clamscan` at scale: thousands of signatures, one
trigger file each.

Writes N body and M logical signatures in the official databases' style
(bench/gen_clam_sigs.py: wildcards, jumps, alternatives, nibbles, ::i,
counts, offsets, targets 0/1/6), builds a file for every signature that
tests/diff/clam_triggers.py can satisfy, scans the tree with both programs
(`-r -i --no-summary`) and prints every line one of them prints and the
other does not. The stand-in for the issue's held-out official databases,
which cannot be fetched offline.

    clamscan_scale.py --vigil build/vigil [--ndb 3000] [--ldb 1500] [--seed 1] [--keep]

Exit 0 when the lines agree, 1 when they differ, 77 without clamscan.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def lines(cmd, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
    return sorted(ln for ln in r.stdout.decode(errors="replace").split("\n") if ln), r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--clamscan", default=shutil.which("clamscan") or "/usr/bin/clamscan")
    ap.add_argument("--ndb", type=int, default=3000)
    ap.add_argument("--ldb", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--show", type=int, default=20)
    a = ap.parse_args()
    if not os.access(a.clamscan, os.X_OK):
        print("clamscan is not installed (apt-get install clamav): skipped")
        return 77
    work = tempfile.mkdtemp(prefix="vigil-clamscale-")
    try:
        db = os.path.join(work, "db")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_clam_sigs.py"), db,
                        "--ndb", str(a.ndb), "--ldb", str(a.ldb), "--seed", str(a.seed)],
                       check=True)
        trig = os.path.join(work, "trig")
        subprocess.run([sys.executable, os.path.join(HERE, "clam_triggers.py"), "-o", trig,
                        "--seed", str(a.seed), os.path.join(db, "synthetic.ndb"),
                        os.path.join(db, "synthetic.ldb")],
                       check=True, stdout=subprocess.DEVNULL)
        nfiles = sum(1 for n in os.listdir(trig) if n != "manifest.tsv")
        opts = ["-r", "-i", "--no-summary", "-d", db, trig]
        want, cr = lines([a.clamscan, *opts])
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
        got, vr = lines([a.vigil, "clamscan", *opts], env)
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        print(f"{a.ndb} body + {a.ldb} logical signatures, {nfiles} trigger files: "
              f"clamscan {len(want)} detections, vigil {len(got)}; "
              f"{len(missing)} missing, {len(extra)} extra")
        for ln in missing[:a.show]:
            print(f"  only clamscan: {ln}")
        for ln in extra[:a.show]:
            print(f"  only vigil:    {ln}")
        if vr.returncode not in (0, 1):
            print(f"vigil exit {vr.returncode}: {vr.stderr.decode(errors='replace')[:500]}")
            return 1
        return 0 if not missing and not extra else 1
    finally:
        if a.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
