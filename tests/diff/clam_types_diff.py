#!/usr/bin/env python3
"""clamscan against `vigil clamscan` on how an object's file type decides
which signatures apply: objects of every magic in libclamav's file-type
table, text of each kind (ASCII, high bytes, UTF-16 with and without BOM),
binary data, file-type markers inside and past the first KiB, each holding
one marker in upper case, with body and logical signatures of every target
(0-14) for the marker in upper and lower case (lower case matches only in
normalised text) and a hash signature for every file. Both run with
--allmatch, so every pass clamscan makes over an object shows: the raw one,
binary data's second pass (target 14), normalised text (target 7).

Objects clamscan types as HTML or mail, or whose embedded archives and
executables it unpacks, need those parsers; they are listed with --all and
left out by default while vigil lacks them (docs/PROGRESS.md).

    clam_types_diff.py --vigil build/vigil [--seed N] [--random N] [--all] [--keep DIR]

Exit 0 when the outputs agree file by file (as multisets of lines), 1 when
they differ, 77 without clamscan. Python 3 standard library only.
"""

import argparse
import collections
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
UP, LOW = b"ZZZPQ", b"zzzpq"

# Magic rows of lib/clamav/ftype_table.c: (offset, bytes, type name).
def magic_rows():
    import re
    rows = []
    path = os.path.join(ROOT, "lib", "clamav", "ftype_table.c")
    pat = re.compile(r'\{(\d+), (\d+), "((?:\\x[0-9a-f]{2})*)", "(CL_TYPE_\w+)"\}')
    with open(path) as f:
        for line in f:
            m = pat.search(line)
            if m:
                raw = bytes(int(h, 16) for h in m.group(3).split("\\x")[1:])
                rows.append((int(m.group(1)), raw, m.group(4)))
    return rows


# Types whose parsers vigil does not have yet: the verdicts differ where
# clamscan unpacks or normalises them.
PARSED = {"CL_TYPE_HTML", "CL_TYPE_MAIL", "CL_TYPE_ZIP", "CL_TYPE_GZ", "CL_TYPE_BZ",
          "CL_TYPE_RAR", "CL_TYPE_ARJ", "CL_TYPE_MSCAB", "CL_TYPE_MSCHM", "CL_TYPE_MSOLE2",
          "CL_TYPE_7Z", "CL_TYPE_XZ", "CL_TYPE_POSIX_TAR", "CL_TYPE_OLD_TAR", "CL_TYPE_CPIO_OLD",
          "CL_TYPE_CPIO_ODC", "CL_TYPE_CPIO_NEWC", "CL_TYPE_CPIO_CRC", "CL_TYPE_BINHEX",
          "CL_TYPE_SCRENC", "CL_TYPE_RTF", "CL_TYPE_PDF", "CL_TYPE_SWF", "CL_TYPE_TNEF",
          "CL_TYPE_UUENCODED", "CL_TYPE_MSSZDD", "CL_TYPE_RIFF", "CL_TYPE_CRYPTFF",
          "CL_TYPE_SIS", "CL_TYPE_XAR", "CL_TYPE_DMG", "CL_TYPE_ISO9660", "CL_TYPE_EGG",
          "CL_TYPE_LNK", "CL_TYPE_SCRIPT", "CL_TYPE_HWP3", "CL_TYPE_HWPOLE2", "CL_TYPE_MHTML",
          "CL_TYPE_XML_WORD", "CL_TYPE_XML_XL", "CL_TYPE_XML_HWP", "CL_TYPE_XDP", "CL_TYPE_GPT",
          "CL_TYPE_MBR", "CL_TYPE_APM", "CL_TYPE_ALZ", "CL_TYPE_LHA_LZH", "CL_TYPE_ONENOTE",
          "CL_TYPE_UDF", "CL_TYPE_PS", "CL_TYPE_AUTOIT", "CL_TYPE_NULSFT", "CL_TYPE_ISHIELD_MSI",
          "CL_TYPE_PYTHON_COMPILED", "CL_TYPE_GIF", "CL_TYPE_PNG", "CL_TYPE_JPEG", "CL_TYPE_TIFF",
          "CL_TYPE_MSEXE", "CL_TYPE_ELF", "CL_TYPE_MACHO", "CL_TYPE_MACHO_UNIBIN", "CL_TYPE_JAVA",
          "CL_TYPE_INTERNAL", "CL_TYPE_VBA"}
# ... except these, whose parsers leave a plain object's verdicts alone
# (image checks, executables without headers that parse), checked here.
PLAIN = {"CL_TYPE_GIF", "CL_TYPE_PNG", "CL_TYPE_JPEG", "CL_TYPE_TIFF", "CL_TYPE_MSEXE",
         "CL_TYPE_ELF", "CL_TYPE_MACHO", "CL_TYPE_JAVA", "CL_TYPE_PDF", "CL_TYPE_SWF",
         "CL_TYPE_MSOLE2"}

HTML_MARKS = [b"<html>", b"<script", b"<iframe", b"<IMG", b"<table", b"<a href", b"<A HREF"]


def signatures(d, text_reloff):
    ndb, ldb = [], []
    for t in range(15):
        ndb.append(f"U{t}:{t}:*:{UP.hex()}")
        ndb.append(f"L{t}:{t}:*:{LOW.hex()}")
        ldb.append(f"LU{t};Engine:51-255,Target:{t};0;{UP.hex()}")
        ldb.append(f"LL{t};Engine:51-255,Target:{t};0;{LOW.hex()}")
    # the container blocks a file and its views can satisfy: none but
    # CL_TYPE_ANY, and Intermediates of CL_TYPE_ANY only one layer down
    for case in ("LOW", "UP"):
        pat = (LOW if case == "LOW" else UP).hex()
        ldb.append(f"CA{case};Engine:51-255,Container:CL_TYPE_ANY,Target:0;0;{pat}")
        ldb.append(f"CH{case};Engine:51-255,Container:CL_TYPE_HTML,Target:0;0;{pat}")
        ldb.append(f"IA{case};Engine:81-255,Intermediates:CL_TYPE_ANY,Target:0;0;{pat}")
        ldb.append(f"IAA{case};Engine:81-255,Intermediates:CL_TYPE_ANY>CL_TYPE_ANY,Target:0;0;{pat}")
        ldb.append(f"IT{case};Engine:81-255,Intermediates:CL_TYPE_TEXT_ASCII,Target:0;0;{pat}")
        # a mail's parts: their container is the mail (or the MHTML text)
        for short, ty in (("M", "MAIL"), ("MH", "MHTML"), ("T", "TEXT_ASCII")):
            ldb.append(f"C{short}{case};Engine:51-255,Container:CL_TYPE_{ty},Target:0;0;{pat}")
            ldb.append(f"I{short}{case};Engine:81-255,Intermediates:CL_TYPE_{ty},Target:0;0;{pat}")
        ldb.append(f"IMA{case};Engine:81-255,Intermediates:CL_TYPE_MAIL>CL_TYPE_ANY,Target:0;0;{pat}")
        ldb.append(f"IAM{case};Engine:81-255,Intermediates:CL_TYPE_ANY>CL_TYPE_MAIL,Target:0;0;{pat}")
        ldb.append(f"ITM{case};Engine:81-255,Intermediates:CL_TYPE_TEXT_ASCII>CL_TYPE_MAIL,Target:0;0;{pat}")
    if text_reloff:
        # a target-7 signature at an offset from the end: clamscan then scans
        # normalised text as a file of its own (hashes, one layer down)
        ndb.append(f"R7:7:EOF-{len(UP)}:{LOW.hex()}")
    with open(os.path.join(d, "t.ndb"), "w") as f:
        f.write("\n".join(ndb) + "\n")
    with open(os.path.join(d, "t.ldb"), "w") as f:
        f.write("\n".join(ldb) + "\n")


def text_variants():
    body = b"Some text " + UP + b" more   text\r\n\tend\n"
    yield "ascii", body
    yield "highbytes", b"caf\xe9 " + body
    yield "utf8", "\u00e9t\u00e9 ".encode() + body
    u = body.decode()
    yield "utf16le_bom", b"\xff\xfe" + u.encode("utf-16-le")
    yield "utf16be_bom", b"\xfe\xff" + u.encode("utf-16-be")
    yield "utf16le", u.encode("utf-16-le")
    yield "binary", b"\x00\x01\x02\x03" * 8 + UP + b"\x00" * 9
    yield "ctrl", b"abc\x01\x02" + UP + b"\n"
    yield "mz_late", b"\x00" * 64 + b"MZ" + b"\x00" * 100 + b"PE\x00\x00" + UP
    yield "unibin", b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\x00" * 40 + UP
    yield "javaclass", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 40 + UP


def random_mail(rng):
    """A message whose parts carry the patterns: multipart or not, base64,
    quoted-printable or plain parts, HTML and text parts, nested messages,
    an mbox line or a text preamble (typed as text, then found as mail)."""
    import base64
    import quopri

    def payload():
        return b"".join(rng.choice([UP, LOW, b"x" * rng.randint(1, 30), b"<html>", b"\x00\x01",
                                    b"MZ", b" \n"]) for _ in range(rng.randint(1, 5)))

    def part(depth):
        data = payload()
        enc = rng.choice(["base64", "quoted-printable", "7bit", None])
        ctype = rng.choice(["text/plain", "text/html", "application/octet-stream",
                            "image/gif"])
        if depth < 2 and rng.random() < 0.2:
            inner = message(depth + 1)
            return b"Content-Type: message/rfc822\n\n" + inner
        h = f"Content-Type: {ctype}\n".encode()
        if enc:
            h += f"Content-Transfer-Encoding: {enc}\n".encode()
        if rng.random() < 0.5:
            h += b'Content-Disposition: attachment; filename="f.bin"\n'
        if enc == "base64":
            body = base64.encodebytes(data)
        elif enc == "quoted-printable":
            body = quopri.encodestring(data)
        else:
            body = data.replace(b"\x00", b"")
        return h + b"\n" + body

    def message(depth):
        hdr = b"From: a@b.c\nTo: d@e.f\nSubject: " + rng.choice([b"x", UP]) + b"\n"
        if rng.random() < 0.3:
            hdr = b"X-Mailer: t\n" + hdr
        if rng.random() < 0.3:
            return hdr + b"\n" + payload() + b"\n"
        hdr += b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B%d"\n' % depth
        body = b"preamble\n"
        for _ in range(rng.randint(1, 3)):
            body += b"--B%d\n" % depth + part(depth) + b"\n"
        return hdr + b"\n" + body + b"--B%d--\n" % depth

    m = message(0)
    k = rng.random()
    if k < 0.2:
        m = b"From someone@example.com Mon Jan  1 00:00:00 2024\n" + m
    elif k < 0.35:
        m = b"plain words first\n" * rng.choice([1, 80]) + m
    return m


def files(rng, nrandom, include_all):
    out = []
    for name, data in text_variants():
        out.append((name, data, "text"))
    for i, (off, magic, t) in enumerate(magic_rows()):
        if t in PARSED and t not in PLAIN and not include_all:
            continue
        data = bytearray(b"\x00" * off) + magic + b"\x00\x11" + UP + b" tail " + LOW.upper()
        out.append((f"magic{i:03d}_{t[8:].lower()}", bytes(data), t))
    if include_all:
        for i, m in enumerate(HTML_MARKS):
            for pad in (0, 900, 1100):
                out.append((f"html{i}_{pad}", b"x" * pad + m + b">" + UP + b"\n", "html"))
        out.append(("mail", b"From: a@b\nSubject: x\n\n" + UP + b"\n", "mail"))
        for i in range(max(8, nrandom // 10)):
            out.append((f"mail{i:03d}", random_mail(rng), "mail"))
        # one data: URI per document (clamscan scans several in the order
        # its temporary folder lists them)
        import base64
        for i in range(max(4, nrandom // 50)):
            inner = b"".join(rng.choice([UP, LOW, b"<html>", b"GIF89a", b"xx "])
                             for _ in range(rng.randint(1, 4)))
            mime = rng.choice([b"text/plain", b"text/html", b"image/gif", b"application/x"])
            uri = b"data:" + mime + b";base64," + base64.b64encode(inner)
            out.append((f"datauri{i:03d}", b"<html><body><a href=\"" + uri + b"\">" +
                        rng.choice([b"", UP, LOW]) + b"</a></body></html>\n", "html"))
    for i in range(nrandom):
        parts = []
        for _ in range(rng.randint(1, 6)):
            k = rng.random()
            if k < 0.4:
                parts.append(bytes(rng.choice(b"abcdefXYZ \t\r\n.,;") for _ in range(rng.randint(1, 40))))
            elif k < 0.55:
                parts.append(bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))))
            elif k < 0.7:
                parts.append(rng.choice([UP, LOW, b"ZZZ  PQ", b"zZzPq"]))
            elif k < 0.8:
                parts.append(rng.choice([b"\x00", b"\x80\x81", b"\xff\xfe", b"\xfe\xff"]))
            elif k < 0.9 and include_all:
                parts.append(rng.choice(HTML_MARKS))
            else:
                parts.append(UP)
        out.append((f"rand{i:04d}", b"".join(parts), "random"))
    return out


def run(cmd):
    p = subprocess.run(cmd, capture_output=True)
    return p.stdout.decode("latin-1").splitlines()


def per_file(lines):
    """file -> its result lines in the order printed (clamscan's report order
    within a file is part of what is compared: without --allmatch the first
    is the verdict)."""
    got = collections.defaultdict(list)
    for line in lines:
        if ": " in line:
            path, verdict = line.rsplit(": ", 1)
            got[os.path.basename(path)].append(verdict)
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random", type=int, default=300)
    ap.add_argument("--all", action="store_true", help="include HTML, mail and archives")
    ap.add_argument("--keep")
    ap.add_argument("--text-reloff", action="store_true",
                    help="add a target-7 signature with an offset from the end")
    ap.add_argument("--distinct", action="store_true",
                    help="compare which lines, not how many times (clamscan --allmatch prints "
                         "a body signature once per match)")
    a = ap.parse_args()
    if not shutil.which("clamscan"):
        print("clamscan is not installed (apt-get install clamav): skipped")
        return 77
    d = a.keep or tempfile.mkdtemp(prefix="clamtypes.")
    os.makedirs(os.path.join(d, "f"), exist_ok=True)
    signatures(d, a.text_reloff)
    rng = random.Random(a.seed)
    fl = files(rng, a.random, a.all)
    hdb = []
    for name, data, _ in fl:
        with open(os.path.join(d, "f", name), "wb") as f:
            f.write(data)
        if len(data) > 5:
            hdb.append(f"{hashlib.md5(data).hexdigest()}:{len(data)}:H_{name}")
    with open(os.path.join(d, "t.hdb"), "w") as f:
        f.write("\n".join(hdb) + "\n")
    args = ["-z", "--no-summary", "-d", os.path.join(d, "t.ndb"), "-d", os.path.join(d, "t.ldb"),
            "-d", os.path.join(d, "t.hdb"), os.path.join(d, "f")]
    ref_lines = run(["clamscan"] + args)
    if not any(": " in l for l in ref_lines):
        print("clamscan printed no result lines (database refused?)")
        return 1
    ref = per_file(ref_lines)
    env_cache = tempfile.mkdtemp(prefix="clamtypes-cache.")
    os.environ["XDG_CACHE_HOME"] = env_cache
    got = per_file(run([a.vigil, "clamscan"] + args))
    kinds = {name: kind for name, _, kind in fl}
    if a.distinct:
        for table in (ref, got):
            for name in table:
                table[name] = sorted(set(table[name]))
    bad = 0
    for name in sorted(set(ref) | set(got)):
        if ref[name] != got[name]:
            bad += 1
            if bad <= 40:
                print(f"{name} ({kinds.get(name)}): clamscan {ref[name]} vigil {got[name]}")
    print(f"clam_types_diff: {len(fl)} files, {sum(len(c) for c in ref.values())} clamscan "
          f"lines, {bad} file(s) differ")
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(env_cache, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
