#!/usr/bin/env python3
"""dotnet_diff.py - the dotnet module on damaged .NET assemblies, vigil
against yara -D.

Real assemblies agree field for field (module_dump_diff.py -m dotnet shows
it); what differs between two parsers is what they do with broken input.
This takes .NET files as seeds and, for each run, derives mutants that
break the metadata where yara 4.2.3's parser makes decisions: the CLI
header, metadata root, stream headers, #~ header (heap sizes, Valid bits,
row counts), tables, heaps, and truncations. Each mutant is compared as
module_dump_diff.py does (vigil dump --format yara -m dotnet against yara -D);
differing mutants are kept for replay.

Mutants are derived from --seed and their index only, so a reported index
reproduces. Exit status: 0 no differences, 1 differences, 2 usage or tool
errors, 77 yara not installed.

Example (Debian's Mono class libraries as seeds):
    python3 tests/diff/dotnet_diff.py --vigil build/vigil -n 2000 \\
        --keep /tmp/dotnet-diffs /tmp/mono/usr/lib/mono/gac
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

RULE = 'import "dotnet"\nrule r { condition: false }\n'


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def regions(b):
    """(offset, length) spans of the metadata structures worth breaking;
    [] when the file is not a well-formed assembly (then anything goes)."""
    try:
        lfanew = u32(b, 0x3C)
        opt = lfanew + 24
        dirs = opt + (112 if u16(b, opt) == 0x20B else 96)
        secs = [struct.unpack_from("<IIII", b, opt + u16(b, lfanew + 20) + 40 * i + 8)
                for i in range(u16(b, lfanew + 6))]

        def off(rva):
            for vs, va, rs, ro in secs:
                if va <= rva < va + max(vs, rs):
                    return ro + rva - va
            return rva

        cli = off(u32(b, dirs + 14 * 8))
        md = off(u32(b, cli + 8))
        o = md + 16 + u32(b, md + 12) + 2
        spans = [(cli, 72), (md, 16 + 64), (o, 2 + 5 * 40)]
        n, o = u16(b, o), o + 2
        for _ in range(min(n, 16)):
            start, size = md + u32(b, o), u32(b, o + 4)
            name = b[o + 8:b.index(b"\0", o + 8)]
            spans += [(start, min(size, 256)), (start, size)]
            if name in (b"#~", b"#-"):
                spans.append((start, 24 + 4 * bin(struct.unpack_from("<Q", b, start + 8)[0]).count("1")))
            o += 8 + len(name) + 4 - len(name) % 4
        return [(s, n) for s, n in spans if 0 <= s < len(b) and n > 0]
    except (struct.error, ValueError, IndexError):
        return []


def mutate(b, rnd):
    spans = regions(b)
    b = bytearray(b)
    for _ in range(rnd.randint(1, 4)):
        if not b:
            break
        if spans and rnd.random() < 0.85:
            s, n = rnd.choice(spans)
            o = s + rnd.randrange(n)
        else:
            o = rnd.randrange(len(b))
        if o >= len(b):
            continue
        r = rnd.random()
        if r < 0.4:
            b[o] = rnd.randrange(256)
        elif r < 0.6:
            b[o] ^= 1 << rnd.randrange(8)
        elif r < 0.85 and o + 4 <= len(b):
            v = rnd.choice([0, 1, 0xFF, 0x3FFF, 0x4000, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
                            10000, 10001, 0xFFFFFFFF, rnd.randrange(1 << 32)])
            b[o:o + 4] = struct.pack("<I", v)
        else:
            del b[o if spans and rnd.random() < 0.7 else rnd.randrange(len(b)):]
    return bytes(b)


def compare(args, rule, seeds, i, tmp):
    rnd = random.Random(args.seed * 1000003 + i)
    src = rnd.choice(seeds)
    with open(src, "rb") as f:
        data = mutate(f.read(), rnd)
    path = os.path.join(tmp, "m%d" % i)
    with open(path, "wb") as f:
        f.write(data)
    try:
        y = subprocess.run([args.yara, "-D", rule, path], capture_output=True, timeout=60)
        v = subprocess.run([args.vigil, "dump", "--format", "yara", "-m", "dotnet", path],
                           capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return i, src, path, "timeout"
    if v.returncode != 0 or y.returncode != 0:
        return i, src, path, "exit codes: yara %d, vigil %d: %s" % (
            y.returncode, v.returncode, v.stderr.decode("latin-1").strip())
    vo = v.stdout
    if vo == y.stdout:
        os.unlink(path)
        return None
    ya, va = y.stdout.decode("latin-1").splitlines(), vo.decode("latin-1").splitlines()
    first = next((k for k in range(min(len(ya), len(va))) if ya[k] != va[k]), min(len(ya), len(va)))
    return i, src, path, "line %d: yara %r, vigil %r" % (
        first + 1, ya[first][:120] if first < len(ya) else None,
        va[first][:120] if first < len(va) else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vigil", default="build/vigil")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("-n", type=int, default=1000, help="mutants (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", help="folder for the mutants that differ")
    ap.add_argument("paths", nargs="+", help=".NET files or folders of them")
    args = ap.parse_args()
    if not shutil.which(args.yara):
        print("dotnet_diff: yara not found, skipped", file=sys.stderr)
        return 77
    seeds = []
    for p in args.paths:
        for root, _, files in os.walk(p) if os.path.isdir(p) else [("", [], [p])]:
            for f in files:
                path = os.path.join(root, f)
                with open(path, "rb") as fh:
                    if regions(fh.read()):
                        seeds.append(path)
    if not seeds:
        print("dotnet_diff: no .NET assemblies among the paths", file=sys.stderr)
        return 2
    seeds.sort()
    tmp = tempfile.mkdtemp(prefix="dotnet_diff.")
    try:
        rule = os.path.join(tmp, "r.yar")
        with open(rule, "w") as f:
            f.write(RULE)
        with concurrent.futures.ThreadPoolExecutor(args.j) as ex:
            results = [r for r in ex.map(lambda i: compare(args, rule, seeds, i, tmp),
                                         range(args.n)) if r]
        for i, src, path, what in results:
            print("mutant %d of %s: %s" % (i, src, what))
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(path, os.path.join(args.keep, "mutant_%d" % i))
        print("%d seed(s), %d mutant(s), %d differ" % (len(seeds), args.n, len(results)))
        return 1 if results else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
