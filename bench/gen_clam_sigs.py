#!/usr/bin/env python3
"""Synthetic ClamAV body (.ndb) and logical (.ldb) signatures for benchmarks.

The official databases are not redistributable here and not reachable
offline, so the 2.1-million-signature benchmark stands in for them with
signatures written in their published style: detection names like
"Win.Trojan.Agent-1234567-0", hex bodies of 12 to 60 bytes with the
wildcards official signatures use (??, {n-m}, *, (aa|bb), nibbles),
offsets *, EP+n, EOF-n and absolute ones, targets 0, 1 and 6; logical
signatures with 2 to 6 subsignatures, `&`/`|` expressions and counts.
Random bytes make the patterns rare in real files, as real signatures are.

    gen_clam_sigs.py OUTDIR [--ndb N] [--ldb N] [--seed S]

writes OUTDIR/synthetic.ndb and OUTDIR/synthetic.ldb (standard library only).
"""

import argparse
import os
import random

FAMILIES = ["Trojan", "Downloader", "Dropper", "Exploit", "Malware", "Ransomware", "Worm",
            "Backdoor", "Keylogger", "Coinminer", "Packed", "Adware"]
PLATFORMS = [("Win", 1), ("Win", 0), ("Unix", 6), ("Doc", 0), ("Html", 0), ("Js", 0)]


def name(rng, platform):
    fam = rng.choice(FAMILIES)
    return "%s.%s.Agent-%d-%d" % (platform, fam, rng.randrange(100000, 10000000), rng.randrange(3))


def hexbytes(rng, n):
    return "".join("%02x" % rng.randrange(256) for _ in range(n))


def part(rng, n):
    """A run of n bytes, now and then with a wildcard that keeps it legal
    (two exact bytes at the start, as libclamav requires)."""
    out = [hexbytes(rng, 2)]
    i = 2
    while i < n:
        r = rng.random()
        if r < 0.04 and i + 1 < n:
            out.append("??")
        elif r < 0.06:
            out.append("%x?" % rng.randrange(16))
        elif r < 0.08:
            out.append("(%s|%s)" % (hexbytes(rng, 1), hexbytes(rng, 1)))
        else:
            out.append(hexbytes(rng, 1))
        i += 1
    return "".join(out)


def body(rng):
    parts = [part(rng, rng.randrange(6, 30))]
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        gap = rng.choice(["*", "{0-%d}" % rng.randrange(8, 64), "{%d-%d}" % (2, rng.randrange(3, 200))])
        parts.append(gap)
        parts.append(part(rng, rng.randrange(4, 20)))
    return "".join(parts)


def offset(rng, target):
    r = rng.random()
    if r < 0.7:
        return "*"
    if target in (1, 6) and r < 0.85:
        return "EP+%d" % rng.randrange(0, 512)
    if r < 0.93:
        return "EOF-%d" % rng.randrange(16, 4096)
    return "%d" % rng.randrange(0, 1024)


def ndb_line(rng):
    platform, target = rng.choice(PLATFORMS)
    return "%s:%d:%s:%s" % (name(rng, platform), target, offset(rng, target), body(rng))


def ldb_line(rng):
    platform, target = rng.choice(PLATFORMS)
    n = rng.randrange(2, 7)
    op = rng.choice(["&", "|"])
    if op == "|" and rng.random() < 0.5:
        expr = "(%s)>%d,%d" % ("|".join(str(i) for i in range(n)), rng.randrange(1, 4), rng.randrange(1, n))
    else:
        expr = op.join(str(i) for i in range(n))
    subs = []
    for _ in range(n):
        sub = body(rng) if rng.random() < 0.3 else hexbytes(rng, rng.randrange(6, 24))
        if rng.random() < 0.1:
            sub += "::i"
        subs.append(sub)
    tdb = "Engine:51-255,Target:%d" % target
    return "%s;%s;%s;%s" % (name(rng, platform), tdb, expr, ";".join(subs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--ndb", type=int, default=40000)
    ap.add_argument("--ldb", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "synthetic.ndb"), "w") as f:
        for _ in range(a.ndb):
            f.write(ndb_line(rng) + "\n")
    with open(os.path.join(a.outdir, "synthetic.ldb"), "w") as f:
        for _ in range(a.ldb):
            f.write(ldb_line(rng) + "\n")


if __name__ == "__main__":
    main()
