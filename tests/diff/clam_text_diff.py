#!/usr/bin/env python3
"""lib/clamav/text.h (text typing, text normalisation) against clamscan 1.4.6.

Generates seeded inputs mixing the byte classes the two functions treat
apart (mixed-case ASCII, every whitespace byte in runs, dropped controls,
DEL, NUL, high bytes, UTF-8, UTF-16 LE/BE with and without BOM, random
binary), at sizes from 0 bytes to past the normaliser's buffers (128 KiB +
maxpatlen, whitespace runs put on the buffer boundaries) and around the
20 MiB --max-scriptnormalize limit. Each input is scanned by

  clamscan --debug --allmatch --leave-temps --tempdir=DIR -d SIGS FILE...

and by tests/tools/clamtext (vigil). Compared per input:
  - the type: libclamav's "Recognized ..." debug line of cli_texttype, and the
    "FP SIGNATURE: ... Type: CL_TYPE_..." line when a signature matched;
  - the normalised text: the file cli_scanscript saves under --leave-temps
    ("saving normalized file to PATH"), or its absence.
Three signature sets pick libclamav's two normalisation paths:
  rel   a target-7 signature at EOF-1 (relative offset): the whole object is
        normalised to a file, in pieces of SCANBUFF + maxpatlen (= 17);
  mem0  target 0 only: in-memory scan buffers, nothing carried (maxpatlen 0);
  mem7  a target-7 signature at '*': in-memory buffers carrying 33 bytes.
The maxpatlen clamscan reports ("Matcher[7]: ASCII: ... maxpatlen N") is
checked against the one passed to clamtext. Inputs libclamav types by magic
or retypes by its file-type signatures (neither is this code's job) are
counted apart, not compared.

Exit 0 when everything agrees, 1 on a difference, 77 without clamscan or
clamtext.

    clam_text_diff.py --clamtext build/tests/clamtext [--count 520] [--seed 1]
"""

import argparse
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

SCANBUFF = 131072
PAGE = 4096
MAX_NORMALISE = 20 * 1024 * 1024
BATCH = 60

# name -> (signature lines, maxpatlen of the target-7 matcher)
MODES = {
    "rel": (["VigilText.Rel:7:EOF-1:" + b"zzqqzzqqzzqqzzqqz".hex(),
             "VigilText.Gen:0:*:" + b"e e".hex()], 17),
    "mem0": (["VigilText.Gen:0:*:" + b"e e".hex()], 0),
    "mem7": (["VigilText.Seven:7:*:" + (b"q" * 33).hex(),
              "VigilText.Gen:0:*:" + b"e e".hex()], 33),
}

TYPE_LINES = {
    "Recognized ASCII text": "CL_TYPE_TEXT_ASCII",
    "Recognized UTF-8 character data": "CL_TYPE_TEXT_UTF8",
    "Recognized UTF-16LE character data": "CL_TYPE_TEXT_UTF16LE",
    "Recognized UTF-16BE character data": "CL_TYPE_TEXT_UTF16BE",
    "Recognized binary data": "CL_TYPE_BINARY_DATA",
}
TEXT_TYPES = {"CL_TYPE_TEXT_ASCII", "CL_TYPE_TEXT_UTF8", "CL_TYPE_TEXT_UTF16LE",
              "CL_TYPE_TEXT_UTF16BE"}

WS = b" \t\n\x0b\x0c\r"
# VT is whitespace to the normaliser but not text to the typing: kept out of
# "text" (the mixed inputs and the boundary runs have it), so that it stays ASCII
WS_TEXT = b"    \t\t\n\n\r\x0c"
DROPPED = bytes(list(range(0x00, 0x09)) + list(range(0x0e, 0x20)))
WORDCHARS = (b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             b"0123456789.,;:!?'\"()[]{}-_=+*/\\|@#$%^&~`")


# ---------------------------------------------------------------- generation

def words(rng, n):
    """Text of about n bytes: mixed-case words, whitespace runs, punctuation."""
    out = bytearray()
    while len(out) < n:
        out += bytes(rng.choice(WORDCHARS) for _ in range(rng.randint(1, 9)))
        out += bytes(rng.choice(WS_TEXT) for _ in range(rng.choice((1, 1, 1, 2, 3, 7))))
    return bytes(out[:n])


def utf8_text(rng, n):
    pool = "aZ xé\tü€ 😀 Ω\nж中 "
    s = "".join(rng.choice(pool) for _ in range(n))
    return s.encode("utf-8")[:n]


def mixed(rng, n):
    """Every class at once, in random runs."""
    out = bytearray()
    while len(out) < n:
        k = rng.randint(1, 12)
        cls = rng.randrange(8)
        if cls == 0:
            out += words(rng, k)
        elif cls == 1:
            out += bytes(rng.choice(WS) for _ in range(k))
        elif cls == 2:
            out += bytes(rng.choice(DROPPED) for _ in range(rng.randint(1, 2)))
        elif cls == 3:
            out += b"\x7f" * rng.randint(1, 2)
        elif cls == 4:
            out += bytes(rng.randint(0x80, 0xff) for _ in range(k))
        elif cls == 5:
            out += b"\x00" * rng.randint(1, 3)
        elif cls == 6:
            out += utf8_text(rng, k)
        else:
            out += bytes(rng.choice(b"ABCXYZ") for _ in range(k))
    return bytes(out[:n])


def utf16(rng, n, le, bom, dirty):
    text = words(rng, max(1, n // 2)).decode("latin-1")
    if dirty:
        text = "".join(c if rng.random() > 0.05 else rng.choice("\x01\x00\x7f\u00e9\u20ac")
                       for c in text)
    data = text.encode("utf-16-le" if le else "utf-16-be")
    if bom:
        data = (b"\xff\xfe" if le else b"\xfe\xff") + data
    return data[:n] if n >= 2 else data


def high_only(rng, n):
    """ASCII text with ISO-8859 / extended bytes, no controls."""
    return bytes(rng.choice(WORDCHARS + bytes(range(0x80, 0x100)) + WS) for _ in range(n))


def ascii_with_one(rng, n, bad):
    data = bytearray(words(rng, n))
    if data:
        data[rng.randrange(len(data))] = bad
    return bytes(data)


def binary(rng, n):
    return bytes(rng.randrange(256) for _ in range(n))


def boundary_text(rng, n):
    """Text with whitespace runs straddling every piece boundary of the file
    path (multiples of SCANBUFF + maxpatlen, for each mode's maxpatlen) and
    every page boundary (where the memory path starts a new buffer), so a
    reset of the whitespace state shows."""
    data = bytearray(words(rng, n))
    cuts = set(range(PAGE, n, PAGE))
    for mp in sorted({m[1] for m in MODES.values()}):
        cuts.update(range(SCANBUFF + mp, n, SCANBUFF + mp))
    for b in sorted(cuts):
        for k in range(b - rng.randint(0, 3), min(n, b + rng.randint(1, 3))):
            data[k] = rng.choice(WS)
    return bytes(data)


def generate(rng, count):
    """count distinct inputs (clamscan's clean cache would skip repeats)."""
    small = [5, 6, 7, 8, 16, 63, 100, 500, 1023, 1024, 1025, 1030, 2047, 4095, 4096,
             4097, 9000]
    large = [SCANBUFF - 1, SCANBUFF, SCANBUFF + 1, SCANBUFF + 17, SCANBUFF + 18, SCANBUFF + 33,
             SCANBUFF + 34, SCANBUFF + PAGE, 2 * SCANBUFF + 40, 140000, 200000, 300000, 524288]
    gens = [
        ("words", lambda n: words(rng, n)),
        ("mixed", lambda n: mixed(rng, n)),
        ("utf8", lambda n: utf8_text(rng, n)),
        ("high", lambda n: high_only(rng, n)),
        ("utf16le-bom", lambda n: utf16(rng, n, True, True, False)),
        ("utf16be-bom", lambda n: utf16(rng, n, False, True, False)),
        ("utf16le", lambda n: utf16(rng, n, True, False, False)),
        ("utf16be", lambda n: utf16(rng, n, False, False, False)),
        ("utf16-dirty", lambda n: utf16(rng, n, rng.random() < 0.5, rng.random() < 0.5, True)),
        ("one-bad", lambda n: ascii_with_one(rng, n, rng.choice(DROPPED + b"\x7f\x0b"))),
        ("binary", lambda n: binary(rng, n)),
        ("nul-text", lambda n: words(rng, n).replace(b"e", b"\x00")),
        ("boundary", lambda n: boundary_text(rng, n)),
    ]
    seen = set()
    out = []
    i = 0
    while len(out) < count:
        name, fn = gens[i % len(gens)]
        if name == "boundary" or rng.random() < 0.08:
            n = rng.choice(large) + rng.randint(0, 3) * rng.choice((0, 1))
        else:
            n = rng.choice(small) if rng.random() < 0.5 else rng.randint(0, 12000)
        data = fn(n)
        i += 1
        h = hashlib.md5(data).digest()
        if len(data) == 0 or h in seen:
            continue
        seen.add(h)
        out.append((name, data))
    return out


def limit_inputs():
    """Around --max-scriptnormalize: exactly at it (normalised) and past it."""
    line = b"Limit Test\t\tLine\n"
    at = (line * (MAX_NORMALISE // len(line) + 1))[:MAX_NORMALISE]
    return [("limit-at", at), ("limit-past", at + b"X")]


# ---------------------------------------------------------------- clamscan

def run_clamscan(clamscan, sigfile, files, tmp):
    """{path: (type, fp_types, normalised bytes or None, maxpatlen)}."""
    if os.path.isdir(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    p = subprocess.run([clamscan, "--debug", "--allmatch", "--leave-temps", "--tempdir=" + tmp,
                        "--no-summary", "-d", sigfile] + files,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log = p.stderr.decode("latin-1").splitlines()
    maxpat = None
    res = {}
    cur = None
    for line in log:
        m = re.search(r"Matcher\[7\]: ASCII: .* maxpatlen (\d+)", line)
        if m:
            maxpat = int(m.group(1))
        m = re.search(r"Checking realpath of (.*)$", line)
        if m:
            cur = {"types": [], "magic": [], "fp": [], "norm": None, "scanscript": False,
                   "small": False}
            res[m.group(1)] = cur
            continue
        if cur is None:
            continue
        body = line.split("debug: ", 1)[-1]
        if "File too small" in body:
            cur["small"] = True
        if body in TYPE_LINES and not cur["types"]:
            cur["types"].append(TYPE_LINES[body])
        elif body.startswith("Recognized ") and body not in TYPE_LINES:
            cur["magic"].append(body)
        m = re.search(r"FP SIGNATURE: .*Type: (CL_TYPE_\w+)", body)
        if m:
            cur["fp"].append(m.group(1))
        if body.startswith("in cli_scanscript()"):
            cur["scanscript"] = True
        m = re.match(r"cli_scanscript: saving normalized file to (.*)$", body)
        if m:
            path = m.group(1)
            if not os.path.isabs(path):
                path = os.path.join(os.getcwd(), path)
            with open(path, "rb") as f:
                cur["norm"] = f.read()
    return res, maxpat


def run_vigil(tool, path, mode, maxpatlen):
    args = [tool, "--maxpatlen", str(maxpatlen)]
    if mode != "rel":
        args.append("--mem")
    out = subprocess.run(args + [path], stdout=subprocess.PIPE, check=True).stdout
    tname, rest = out.split(b"\n", 1)
    flag, norm = rest.split(b"\n", 1)
    return tname.decode(), (norm if flag == b"norm" else None)


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clamtext", required=True)
    ap.add_argument("--clamscan", default=shutil.which("clamscan"))
    ap.add_argument("--count", type=int, default=520)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", default="rel,mem0,mem7")
    ap.add_argument("--no-limit", action="store_true", help="skip the two 20 MiB inputs")
    ap.add_argument("--keep", help="keep the generated inputs in this directory")
    args = ap.parse_args()
    if not args.clamscan or not os.access(args.clamscan, os.X_OK):
        print("SKIP: clamscan not found")
        return 77
    if not os.access(args.clamtext, os.X_OK):
        print("SKIP: clamtext not built: " + args.clamtext)
        return 77

    rng = random.Random(args.seed)
    inputs = generate(rng, args.count)
    work = args.keep or tempfile.mkdtemp(prefix="clamtext.")
    os.makedirs(work, exist_ok=True)
    paths = []
    for i, (name, data) in enumerate(inputs):
        p = os.path.join(work, "in%04d-%s" % (i, name))
        with open(p, "wb") as f:
            f.write(data)
        paths.append((p, name))
    limit_paths = []
    if not args.no_limit:
        for name, data in limit_inputs():
            p = os.path.join(work, name)
            with open(p, "wb") as f:
                f.write(data)
            limit_paths.append((p, name))

    stats = Counter()
    diffs = []
    for mode in args.modes.split(","):
        sigs, maxpatlen = MODES[mode]
        sigfile = os.path.join(work, "sigs-%s.ndb" % mode)
        with open(sigfile, "w") as f:
            f.write("\n".join(sigs) + "\n")
        todo = paths + (limit_paths if mode == "mem0" else [])
        for b in range(0, len(todo), BATCH):
            batch = todo[b:b + BATCH]
            res, maxpat = run_clamscan(args.clamscan, sigfile, [p for p, _ in batch],
                                       os.path.join(work, "tmp"))
            if maxpat != maxpatlen:
                diffs.append("%s: clamscan's target-7 maxpatlen is %s, expected %d"
                             % (mode, maxpat, maxpatlen))
            for p, name in batch:
                r = res.get(p)
                if r is None:
                    diffs.append("%s %s: not in clamscan's output" % (mode, p))
                    continue
                vtype, vnorm = run_vigil(args.clamtext, p, mode, maxpatlen)
                if r["small"]:
                    stats["too small, not scanned"] += 1  # libclamav skips <= 5 bytes
                    continue
                if r["magic"] or not r["types"]:
                    stats["magic"] += 1
                    if os.environ.get("CLAM_TEXT_DEBUG"):
                        print("magic", p, r["magic"][:2])  # typed by magic: not cli_texttype's call
                    continue
                ctype = r["types"][0]
                stats["compared"] += 1
                stats["type " + ctype] += 1
                if ctype != vtype:
                    diffs.append("%s %s: type clamscan %s vigil %s" % (mode, p, ctype, vtype))
                    continue
                for t in r["fp"]:
                    stats["fp lines"] += 1
                    # the file path scans the normalised text as a layer of its
                    # own, typed CL_TYPE_TEXT_ASCII
                    if t != ctype and not (mode == "rel" and t == "CL_TYPE_TEXT_ASCII"):
                        diffs.append("%s %s: FP SIGNATURE type %s, Recognized %s"
                                     % (mode, p, t, ctype))
                if ctype in TEXT_TYPES and not r["scanscript"]:
                    stats["retyped"] += 1  # a file-type signature made it HTML, MAIL, ...
                    continue
                cnorm = r["norm"]
                if name.startswith("limit"):
                    stats["%s: normalised by clamscan %s, vigil %s"
                          % (name, cnorm is not None, vnorm is not None)] += 1
                if cnorm is None and vnorm is None:
                    stats["both unnormalised"] += 1
                    continue
                if (cnorm is None) != (vnorm is None):
                    diffs.append("%s %s: normalised by %s only" % (mode, p, "vigil" if cnorm is None
                                                                    else "clamscan"))
                    continue
                stats["normalised compared"] += 1
                if cnorm != vnorm:
                    i = first_diff(cnorm, vnorm)
                    diffs.append("%s %s: normalised text differs at %d (clamscan %d bytes %r, "
                                 "vigil %d bytes %r)" % (mode, p, i, len(cnorm), cnorm[i:i + 16],
                                                         len(vnorm), vnorm[i:i + 16]))

    print("inputs: %d generated%s, modes: %s" % (len(paths), " + 2 at the 20 MiB limit"
                                                 if limit_paths else "", args.modes))
    for k in sorted(stats):
        print("  %-28s %d" % (k, stats[k]))
    for d in diffs:
        print("DIFF " + d)
    print("differences: %d" % len(diffs))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
