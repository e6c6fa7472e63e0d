#!/usr/bin/env python3
"""clam_mail_diff.py - vigil's mail parser against libclamav's, byte for byte.

clamscan parses a file it types as mail (cli_mbox) and writes each part it
extracts into a mail-tmp folder, scanning each. This script generates many
messages (seeded random mixes of plain bodies, multipart/mixed, alternative,
related, signed, nested multiparts, message/rfc822 parts, base64, quoted-
printable, 8bit, header folding, ';'-continued headers, RFC 2047 words,
malformed and missing boundaries, CRLF endings, truncation, mbox files with
several messages), runs

    clamscan --debug --leave-temps --tempdir=DIR -d NEVER.ndb FILES...

takes the order in which libclamav created its part files from the debug
lines "fileblobSetFilename: file NAME saved to PATH" (the files are named at
random), keeps those still present in the mail's own mail-tmp folder (empty
ones are deleted unscanned), and compares them in order with what
tests/tools/clammail writes for the same file.

Exit 0 when everything matches, 1 on a difference, 77 without clamscan.

  clam_mail_diff.py --clammail build-mail/tests/clammail [--count 400] [--seed 1]
                    [--keep DIR] [-v]
"""
import argparse
import base64
import os
import quopri
import random
import re
import shutil
import subprocess
import sys
import tempfile

NEVER = "Vigil.Never.Match:0:*:7669676c6e657665726d617463687a7a7a7a\n"

WORDS = ["hello", "world", "Invoice", "attached", "please", "see", "x", "MZ", "data",
         "caf\xe9", "=3D", "a=b", "long", "line", "-", "--", ";", "\"q\""]


def words(r, n):
    return " ".join(r.choice(WORDS) for _ in range(n))


def text_lines(r):
    out = []
    for _ in range(r.randrange(0, 6)):
        k = r.randrange(10)
        if k == 0:
            out.append("")
        elif k == 1:
            out.append("   ")
        elif k == 2:
            out.append("x" * r.choice([75, 200, 998, 1200]))
        else:
            out.append(words(r, r.randrange(1, 9)))
    return out


def payload(r):
    k = r.randrange(5)
    if k == 0:
        return b"MZ\x90\x00" + bytes(r.randrange(256) for _ in range(r.randrange(40)))
    if k == 1:
        return ("\n".join(text_lines(r)) + "\n").encode("latin1")
    if k == 2:
        return b""
    if k == 3:
        return bytes(r.randrange(256) for _ in range(r.randrange(1, 300)))
    return b"hello world\n"


def b64(r, data):
    s = base64.b64encode(data).decode()
    width = r.choice([76, 60, 64, 4, 1000])
    lines = [s[i:i + width] for i in range(0, len(s), width)] or [""]
    if r.random() < 0.1 and lines:
        lines[-1] = lines[-1].rstrip("=")
    if r.random() < 0.1:
        lines.insert(r.randrange(len(lines) + 1), "!!junk line!!")
    return lines


def qp(r, data):
    s = quopri.encodestring(data).decode("latin1")
    lines = s.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if r.random() < 0.1:
        lines.append("bad =ZZ hex =4")
    return lines


def fold(r, name, value):
    if r.random() < 0.2 and ";" in value:
        a, b = value.split(";", 1)
        return [name + ": " + a + ";", r.choice(["\t", " ", "   "]) + b.strip()]
    return [name + ": " + value]


def top_headers(r):
    h = []
    for name in r.sample(["From", "To", "Subject", "Date", "Received", "Message-Id",
                          "X-Mailer", "Return-Path"], r.randrange(1, 5)):
        val = words(r, 2)
        if name == "Subject" and r.random() < 0.3:
            val = r.choice(["=?utf-8?q?caf=C3=A9?=", "=?iso-8859-1?b?SGVsbG8=?=",
                            "=?x?z?bad?=", "plain =?a?Q?x_y?= tail"])
        h.append(name + ": " + val)
    if not any(x.startswith(("From:", "Received:")) for x in h):
        h.insert(0, "From: a@b.example")
    return h


def part(r, depth):
    """Lines of one MIME entity: headers, blank, body."""
    k = r.randrange(12 if depth < 3 else 8)
    hdr, body = [], []
    if k in (0, 1):
        hdr += fold(r, "Content-Type", r.choice(["text/plain", "text/plain; charset=us-ascii",
                                                "TEXT/PLAIN", "text/html"]))
        if r.random() < 0.3:
            hdr += ["Content-Transfer-Encoding: quoted-printable"]
            body = qp(r, payload(r))
        else:
            if r.random() < 0.3:
                hdr += ["Content-Transfer-Encoding: " + r.choice(["7bit", "8bit", "binary"])]
            body = text_lines(r)
        if r.random() < 0.3:
            hdr += ["Content-Disposition: " + r.choice(["inline", "attachment",
                                                         "attachment; filename=\"t.txt\"",
                                                         "bogus"])]
    elif k in (2, 3, 4):
        name = r.choice(["a.exe", "b c.zip", "doc.pdf", "x", ""])
        ct = r.choice(["application/octet-stream", "image/gif", "application/x-msdownload",
                       "audio/wav", "application/pdf"])
        v = ct
        if r.random() < 0.6:
            v += "; name=\"%s\"" % name if r.random() < 0.7 else "; name=%s" % (name or "n")
        hdr += fold(r, "Content-Type", v)
        enc = r.choice(["base64", "base64", "quoted-printable", "", "7bit", "x-bogus", "BASE64"])
        if enc:
            hdr += ["Content-Transfer-Encoding: " + enc]
        if r.random() < 0.5:
            hdr += ["Content-Disposition: attachment; filename=\"%s\"" % (name or "f")]
        data = payload(r)
        if enc.lower() == "base64":
            body = b64(r, data)
        elif enc == "quoted-printable":
            body = qp(r, data)
        else:
            body = text_lines(r)
    elif k == 5:
        body = text_lines(r)  # no headers at all
    elif k in (6, 7):
        inner = top_headers(r) + [""] + text_lines(r)
        hdr += ["Content-Type: message/rfc822"]
        if r.random() < 0.5:
            hdr += ["Content-Transfer-Encoding: base64"]
            body = b64(r, ("\n".join(inner) + "\n").encode("latin1"))
        else:
            body = inner
    else:
        return multipart(r, depth + 1, headers_only=False)
    return hdr + [""] + body


def multipart(r, depth, headers_only=False):
    bnd = r.choice(["XX", "----=_Part_%d" % r.randrange(1000), "b1", "=_abc", "simple"])
    sub = r.choice(["mixed", "mixed", "alternative", "related", "signed", "parallel",
                    "digest", "report", "foo", ""])
    q = r.choice(['"%s"', "%s", '"%s";'])
    hdr = fold(r, "Content-Type", "multipart/%s; boundary=%s" % (sub, q % bnd))
    lines = []
    if r.random() < 0.3:
        lines += ["This is a multi-part message in MIME format."]
    lines.append("")
    for _ in range(r.randrange(0, 4)):
        lines.append("--" + bnd + r.choice(["", "", " ", "  "]))
        lines += part(r, depth)
    end = r.random()
    if end < 0.7:
        lines.append("--" + bnd + "--")
    elif end < 0.8:
        lines.append("--" + bnd)
    if r.random() < 0.3:
        lines += text_lines(r)
    return hdr + lines


def message(r):
    h = top_headers(r)
    k = r.randrange(6)
    if k == 0:
        return h + [""] + text_lines(r)
    if k == 1:
        h += ["MIME-Version: 1.0"]
        p = part(r, 1)
        return h + p
    h += ["MIME-Version: 1.0"]
    return h + multipart(r, 1)


def render(r):
    if r.random() < 0.15:
        msgs = []
        for _ in range(r.randrange(1, 4)):
            msgs += ["From sender@example.com Mon Jan  1 00:00:00 2024"] + message(r) + [""]
        lines = msgs
    else:
        lines = message(r)
    eol = "\r\n" if r.random() < 0.2 else "\n"
    data = (eol.join(lines) + eol).encode("latin1", "replace")
    if r.random() < 0.08:
        data = data[:r.randrange(len(data) + 1)]
    if not data.startswith((b"From", b"Received", b"To:", b"Subject:", b"Date:",
                            b"Message-Id", b"X-Mailer", b"Return-Path")):
        data = b"From: a@b.example\n" + data
    return data


SAVED = re.compile(r"fileblobSetFilename: file (.*) saved to (.*)$")


def clamscan_parts(files, work):
    """{basename: [bytes, ...]} in creation order."""
    tmp = os.path.join(work, "ct")
    os.makedirs(tmp)
    sig = os.path.join(work, "never.ndb")
    with open(sig, "w") as f:
        f.write(NEVER)
    res = subprocess.run(["clamscan", "--debug", "--leave-temps", "--tempdir=" + tmp,
                          "-d", sig] + files, capture_output=True, text=True,
                         errors="replace")
    out = {os.path.basename(f): [] for f in files}
    for line in res.stderr.splitlines() + res.stdout.splitlines():
        m = SAVED.search(line)
        if not m:
            continue
        path = m.group(2)
        rel = os.path.relpath(path, tmp).split(os.sep)
        # TOPDIR/FILE.xxx/mail-tmp.yyy/clamav-....tmp : the mail's own parts
        if len(rel) != 4 or not rel[2].startswith("mail-tmp."):
            continue
        base = rel[1].rsplit(".", 1)[0]
        if base not in out or not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            out[base].append(f.read())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clammail", required=True)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    if not shutil.which("clamscan"):
        print("clamscan not found: skipped")
        return 77
    work = a.keep or tempfile.mkdtemp(prefix="clam_mail.")
    os.makedirs(work, exist_ok=True)
    inputs = os.path.join(work, "in")
    os.makedirs(inputs, exist_ok=True)
    r = random.Random(a.seed)
    files = []
    for i in range(a.count):
        p = os.path.join(inputs, "m%05d.eml" % i)
        with open(p, "wb") as f:
            f.write(render(r))
        files.append(p)
    ref = {}
    for i in range(0, len(files), 100):
        sub = os.path.join(work, "batch%d" % i)
        os.makedirs(sub)
        ref.update(clamscan_parts(files[i:i + 100], sub))
    diffs = 0
    nparts = 0
    for p in files:
        base = os.path.basename(p)
        od = os.path.join(work, "vigil", base)
        os.makedirs(od, exist_ok=True)
        res = subprocess.run([a.clammail, p, od], capture_output=True, text=True)
        mine = []
        for name in sorted(os.listdir(od)):
            with open(os.path.join(od, name), "rb") as f:
                mine.append(f.read())
        theirs = ref.get(base, [])
        nparts += len(theirs)
        if res.returncode != 0 or mine != theirs:
            diffs += 1
            if a.v or diffs <= 10:
                print("DIFF %s: clamscan %d parts %s, vigil %d parts %s" %
                      (base, len(theirs), [len(x) for x in theirs], len(mine),
                       [len(x) for x in mine]))
    print("clam_mail_diff: %d messages, %d clamscan parts, %d differ" %
          (len(files), nparts, diffs))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
