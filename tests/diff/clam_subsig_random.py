#!/usr/bin/env python3
"""Random PCRE and byte-compare subsignatures: clamscan against `vigil clamscan`.

Writes N random logical signatures of one kind (byte compares with every
format, endianness, exactness, offset and comparison; or PCREs with random
offsets, flags, triggers and counted expressions) and M random small files
shaped to exercise them, runs both scanners with --allmatch, and compares
the sets of (file, signature) detections. Files start with NUL bytes so that
libclamav does not also scan them as normalised text (which vigil does not
do yet). Detection lines are compared as sets: clamscan prints some
detections twice with --allmatch.

Byte compares get a random target among --targets (0 any file, 1 PE, 6
ELF), the files a matching first few bytes (NULs, "MZ", "\x7fELF", all of
them binary); each round also loads, for each non-zero target at random, a
signature with a pattern of several parts ("*"), without which libclamav
never runs that target's byte compares (lib/clamav/lower.c split_root).

    clam_subsig_random.py --vigil build/vigil [--kind bytecmp|pcre] [--seed S]
                          [--sigs N] [--files M] [--rounds R] [--targets 0,1,6]

Exits 0 when every round agrees, 1 otherwise, 77 without clamscan.
Python 3 standard library only.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile


# First bytes of a file of each byte-compare target: libclamav types these
# binary (no normalised-text pass), as CL_TYPE_BINARY_DATA, MSEXE and ELF.
TARGET_MAGIC = {0: b"\0\0\0\0", 1: b"MZ\x90\x00", 6: b"\x7fELF"}


def bytecmp_file(r, targets=(0,)):
    def field():
        k = r.randrange(10)
        if k == 0:
            return b" " * r.randrange(1, 3) + str(r.randrange(-50, 5000)).encode()
        if k == 1:
            return ("0x%x" % r.randrange(0, 1 << r.choice([4, 8, 16, 32]))).encode()
        if k == 2:
            return ("%X" % r.randrange(0, 1 << 24)).encode()
        if k == 3:
            return bytes(r.randrange(256) for _ in range(r.randrange(1, 9)))
        if k == 4:
            return str(r.randrange(0, 10 ** r.randrange(1, 12))).encode()
        if k == 5:
            return b"-" + str(r.randrange(0, 999)).encode()
        if k == 6:
            return b"\t\n 0X" + ("%x" % r.randrange(1 << 12)).encode()
        if k == 7:
            return b"+12zz"
        return bytes(r.choice(b"0123456789abcdefxX -+") for _ in range(r.randrange(1, 10)))

    parts = [TARGET_MAGIC[r.choice(targets)]]
    for _ in range(r.randrange(2, 8)):
        parts.append(field())
        if r.random() < 0.5:
            parts.append(b"AAAA")
    return b"".join(parts) + b"\n"


def bytecmp_sub(r):
    base = r.choice("hdai")
    end = r.choice(["", "l", "b"])
    if base == "d" and end == "l":
        end = "b"
    ex = "e" if r.random() < 0.3 else ""
    n = r.choice([1, 2, 4, 8]) if base == "i" else r.randrange(1, 19 if base == "h" else 13)
    opts = "".join(r.sample([base, end, ex], 3))
    off = r.randrange(-6, 20)
    offs = ">>%d" % off if off >= 0 else "<<%d" % -off
    if r.random() < 0.1:
        offs = "0"
    comps = []
    for _ in range(r.choice([1, 1, 2])):
        v = r.choice([0, 1, 12, 0x12, 0x1234, 42, -5, 1000, 0x41414141, r.randrange(-100, 70000)])
        comps.append("%s%s" % (r.choice("<>="), v if r.random() < 0.5 or v < 0 else hex(v)))
    return "0(%s#%s%d#%s)" % (offs, opts, n, ",".join(comps))


def bytecmp_sig(r, i, targets=(0,)):
    expr = r.choice(["0&1", "1", "0&1&2", "1|2"])
    subs = [r.choice(["41414141", "41414141", "10:41414141", "4141"]), bytecmp_sub(r)]
    if "2" in expr:
        subs.append(r.choice([bytecmp_sub(r), "1(>>0#ib1#>0)", "1(>>%d#ib1#>0)" % r.randrange(1, 9)]))
    return "B%d;Engine:81-255,Target:%d;%s;%s" % (i, r.choice(targets), expr, ";".join(subs))


def split_sigs(r, targets):
    """Signatures with a pattern of several parts, for some targets."""
    return ["Z%d;Engine:81-255,Target:%d;0;5a5a5a*5a5a5a" % (t, t)
            for t in targets if t and r.random() < 0.5]


PATTERNS = ["ab", "a[bc]+", "b.a", "^ab", "ab$", "(?i)AB", "a\\nb", "\\d{2,}", "c(?=a)",
            "(?<=b)a", "a|bb", "b{2}", "AB", "x?ab", "ab+?", "[a-c]{3}"]


def pcre_file(r):
    return b"\0\xff\0\x01" + bytes(r.choice(b"abcABx0123\n \0") for _ in range(r.randrange(8, 60))) + b"\n"


def pcre_off(r):
    k = r.randrange(6)
    return ["", "%d:" % r.randrange(30), "%d,%d:" % (r.randrange(30), r.randrange(20)),
            "EOF-%d:" % r.randrange(40), "EOF-%d,%d:" % (r.randrange(40), r.randrange(20)), "*:"][k]


def pcre_sig(r, i):
    trig = r.choice(["0", "0", "0>1", "0=1", "0<3", "(0|1)", "0&1"])
    flags = "".join(f for f in "greismAEU" if r.random() < 0.15)
    sub0 = r.choice(["6162", "6162", "4142", "0a61", "6263"])
    if trig in ("(0|1)", "0&1"):
        subs = [sub0, r.choice(["6263", "6361"]), "%s%s/%s/%s" % (pcre_off(r), trig, r.choice(PATTERNS), flags)]
        expr = r.choice(["2", "0&2", "2>1", "2=1", "2=2", "(0|2)>2"])
    else:
        subs = [sub0, "%s%s/%s/%s" % (pcre_off(r), trig, r.choice(PATTERNS), flags)]
        expr = r.choice(["1", "0&1", "1>1", "1=1", "1=2", "1<2", "(0|1)>2", "0&1>2"])
    if r.random() < 0.3:
        more = "".join(f for f in "gre" if r.random() < 0.3)
        subs.append("%s%s/%s/%s" % (pcre_off(r), r.choice(["1", "0&1", "1>1"]), r.choice(PATTERNS), more))
        expr = "(%s)&%d" % (expr, len(subs) - 1) if r.random() < 0.5 else "%d" % (len(subs) - 1)
    return "R%d;Engine:81-255,Target:0;%s;%s" % (i, expr, ";".join(subs))


def detections(cmd, db, files):
    p = subprocess.run(cmd + ["--no-summary", "--allmatch", "-d", db] + files,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    found = {l for l in p.stdout.decode("latin-1").splitlines() if l.endswith(" FOUND")}
    return found, p.returncode, p.stderr.decode("latin-1", "replace")[:400]


def one_round(args, kind, seed, work):
    r = random.Random(seed)
    extra = []
    if kind == "bytecmp":
        targets = args.targets
        make_sig = lambda r, i: bytecmp_sig(r, i, targets)
        make_file = lambda r: bytecmp_file(r, targets)
        extra = split_sigs(r, targets)
    else:
        make_sig, make_file = pcre_sig, pcre_file
    db = os.path.join(work, "r.ldb")
    with open(db, "w") as f:
        f.write("".join(make_sig(r, i) + "\n" for i in range(args.sigs)))
        f.write("".join(x + "\n" for x in extra))
    files = []
    for i in range(args.files):
        path = os.path.join(work, "f%d" % i)
        with open(path, "wb") as f:
            f.write(make_file(r))
        files.append(path)
    a, rca, ea = detections(["clamscan"], db, files)
    b, rcb, eb = detections([args.vigil, "clamscan"], db, files)
    if rca == 2 or rcb == 2:
        print("%s seed %d: scanner error\n clamscan: %s\n vigil: %s" % (kind, seed, ea, eb))
        return False
    if a == b:
        print("%s seed %d: same (%d detections%s)"
              % (kind, seed, len(a), ", split roots " + " ".join(x.split(";")[0] for x in extra)
                 if extra else ""))
        return True
    print("%s seed %d: %d only in clamscan, %d only in vigil (kept in %s)"
          % (kind, seed, len(a - b), len(b - a), work))
    for x in sorted(a - b)[:10]:
        print("  clamscan only: " + x)
    for x in sorted(b - a)[:10]:
        print("  vigil only: " + x)
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--kind", choices=["bytecmp", "pcre", "both"], default="both")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sigs", type=int, default=200)
    ap.add_argument("--files", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--targets", default="0,1,6",
                    help="byte-compare targets, of 0 (any), 1 (PE), 6 (ELF)")
    args = ap.parse_args()
    args.targets = tuple(int(t) for t in args.targets.split(","))
    if not args.targets or any(t not in TARGET_MAGIC for t in args.targets):
        ap.error("--targets: a list of 0, 1, 6")
    if not shutil.which("clamscan"):
        print("clamscan absent: skipped")
        return 77
    ok = True
    kinds = ["bytecmp", "pcre"] if args.kind == "both" else [args.kind]
    for kind in kinds:
        for k in range(args.rounds):
            work = tempfile.mkdtemp(prefix="clam_subsig.")
            good = one_round(args, kind, args.seed + k, work)
            ok &= good
            if good:
                shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
