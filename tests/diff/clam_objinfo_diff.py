#!/usr/bin/env python3
"""lib/clamav/objinfo against clamscan 1.4.6 on real files.

For every file, the objinfo view (`test_clamav_objinfo --dump`) becomes
signatures built from the file's own bytes, and clamscan must detect exactly
the ones that should hold:

  EP      N:T:EP+0:<8 bytes at the entry point>        (and not at EP-1, EP+1)
  S<i>    N:T:S<i>+0:<8 bytes at section i's offset>    (first 8 sections)
  SL      N:T:SL+0:<8 bytes at the last section>
  SE<i>   N:T:SE<i>:<8 bytes at section i's start>      (and not just before it)
  EOF     N:0:EOF-8:<last 8 bytes>   detected exactly when objinfo says EOF-n exists
  MDB<i>  SIZE:MD5:N per hashed section (.mdb)
  IMP     MD5:SIZE:N (.imp)                             (and not with SIZE+1)

Each file is scanned alone (identical patterns of several files would
hide each other's names). A check is left out when its bytes are ambiguous (the same 8 bytes at the
offset that must not match). Files whose target objinfo says is 0 only get
the EOF check. Prints per-kind counts of agreeing checks and every
disagreement; exit 0 when all agree, 1 otherwise, 77 when clamscan or the
dump tool is missing.

    clam_objinfo_diff.py --tool build/tests/test_clamav_objinfo FILE_OR_DIR...
    clam_objinfo_diff.py --tool build/tests/test_clamav_objinfo --samples
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

MAX_SECTIONS = 8
BATCH = 1  # one file per clamscan run: files share byte patterns (headers, noise), and
           # clamscan names only one of several identical signatures


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    f = os.path.join(root, n)
                    if os.path.isfile(f) and not os.path.islink(f):
                        yield f
        elif os.path.isfile(p):
            yield p


def checks_for(idx, info, data):
    """(name, kind, db_ext, line, expect_detected) for one file."""
    out = []
    t = info["target"]
    n = len(data)

    def window(off):
        return data[off:off + 8].hex() if 0 <= off and off + 8 <= n else None

    def ndb(kind, target, spec, off, expect, neg_off=None):
        w = window(off)
        if w is None:
            return
        if neg_off is not None:
            # a negative check must not be satisfiable at the real offset
            if window(neg_off) is None or data[neg_off:neg_off + 8] == data[off:off + 8]:
                return
        name = "F%d_%s_%s" % (idx, kind, "ok" if expect else "no%d" % (off - (neg_off or 0)))
        out.append((name, kind, "ndb", "%s:%d:%s:%s" % (name, target, spec, w), expect))

    # EOF-n exists unless the headers of a PE/ELF/Mach-O failed to parse
    if n >= 8:
        name = "F%d_EOF" % idx
        out.append((name, "EOF", "ndb", "%s:0:EOF-8:%s" % (name, window(n - 8)), info["eof"]))
    if t == 0 or not info["valid"]:
        return out
    if "ep" in info:
        ep = info["ep"]
        ndb("EP", t, "EP+0", ep, True)
        for d in (-1, 1):
            if window(ep + d) and data[ep + d:ep + d + 8] != data[ep:ep + 8]:
                name = "F%d_EP_off%+d" % (idx, d)
                out.append((name, "EP", "ndb", "%s:%d:EP+0:%s" % (name, t, window(ep + d)), False))
    secs = info["sections"]
    for i, (raw, size) in enumerate(secs[:MAX_SECTIONS]):
        ndb("S%d" % i, t, "S%d+0" % i, raw, True)
        if size >= 8:
            # at the section's start (a plain-hex SEx body signature is found
            # only there in files of 256 KiB or more: libclamav's Boyer-Moore
            # offset mode, lib/ir/ir.h IR_CLOFF_SECTION_BM_END), and one byte
            # early
            mid = raw
            if window(mid):
                name = "F%d_SE%d_ok" % (idx, i)
                out.append((name, "SE", "ndb", "%s:%d:SE%d:%s" % (name, t, i, window(mid)), True))
            before = raw - 1
            w = window(before)
            if w and bytes.fromhex(w) not in data[raw:raw + size + 8]:
                name = "F%d_SE%d_before" % (idx, i)
                out.append((name, "SE", "ndb", "%s:%d:SE%d:%s" % (name, t, i, w), False))
    if secs:
        ndb("SL", t, "SL+0", secs[-1][0], True)
    for i, (size, md5) in enumerate(info.get("hashed", [])):
        out.append(("F%d_MDB%d" % (idx, i), "MDB", "mdb", "%d:%s:F%d_MDB%d" % (size, md5, idx, i), True))
    if "imp" in info and info["imp"][0] > 0:  # .imp sizes start at 1
        size, md5 = info["imp"]
        out.append(("F%d_IMP" % idx, "IMP", "imp", "%s:%d:F%d_IMP" % (md5, size, idx), True))
        out.append(("F%d_IMPx" % idx, "IMP", "imp", "%s:%d:F%d_IMPx" % (md5, size + 1, idx), False))
    return out


def run_batch(tool, paths, tmp, stats, failures):
    dump = subprocess.run([tool, "--dump"] + paths, capture_output=True, text=True)
    infos = [json.loads(l) for l in dump.stdout.splitlines() if l.strip()]
    by_file = {}
    dbs = {"ndb": [], "mdb": [], "imp": []}
    expect = {}
    for idx, info in enumerate(infos):
        with open(info["file"], "rb") as f:
            data = f.read()
        for name, kind, ext, line, want in checks_for(idx, info, data):
            dbs[ext].append(line)
            expect[name] = (info["file"], kind, want, line)
        by_file[info["file"]] = idx
    args = ["clamscan", "--no-summary", "-z", "--max-filesize=200M", "--max-scansize=400M"]
    for ext, lines in dbs.items():
        if lines:
            db = os.path.join(tmp, "objinfo." + ext)
            with open(db, "w") as f:
                f.write("\n".join(lines) + "\n")
            args += ["-d", db]
    res = subprocess.run(args + [i["file"] for i in infos], capture_output=True, text=True)
    if res.returncode == 2:
        failures.append("clamscan error: " + res.stderr.strip()[:500])
        return
    found = set()
    for line in res.stdout.splitlines():
        if line.endswith(" FOUND"):
            path, _, sig = line[:-6].rpartition(": ")
            sig = sig.replace(".UNOFFICIAL", "")
            # a name found in another file's scan (an embedded object) counts for its own file only
            found.add(sig)
    for name, (path, kind, want, line) in expect.items():
        got = name in found
        if got == want:
            stats[kind] += 1
        else:
            failures.append("%s: %s %s (%s)" % (path, "missed" if want else "unexpected", name, line))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", required=True, help="the test_clamav_objinfo executable")
    ap.add_argument("--samples", action="store_true", help="check the unit test's sample files")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    if not shutil.which("clamscan") or not os.access(a.tool, os.X_OK):
        print("clamscan or the dump tool is missing: skipped")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        paths = list(a.paths)
        if a.samples:
            sdir = os.path.join(tmp, "samples")
            os.mkdir(sdir)
            subprocess.run([a.tool, "--samples", sdir], check=True)
            paths.append(sdir)
        files = list(files_of(paths))
        stats, failures = Counter(), []
        for i in range(0, len(files), BATCH):
            run_batch(a.tool, files[i:i + BATCH], tmp, stats, failures)
    for f in failures:
        print("DIFF", f)
    print("files: %d; agreeing checks: %s; disagreements: %d"
          % (len(files), ", ".join("%s %d" % kv for kv in sorted(stats.items())), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
