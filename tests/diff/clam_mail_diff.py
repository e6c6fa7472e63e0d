#!/usr/bin/env python3
"""clam_mail_diff.py - vigil's mail parser against libclamav's, byte for byte.

clamscan parses a file it types as mail (cli_mbox) and writes each part it
extracts into a mail-tmp folder, scanning each. This script generates many
messages (seeded random mixes of plain bodies, multipart/mixed, alternative,
related, signed, digest (parts without headers), nested multiparts,
message/rfc822, partial, delivery-status and disposition-notification parts,
base64, quoted-printable, 8bit, uuencode, yEnc and BinHex content, bounces
quoted in text, encoding lines in plain bodies, header folding, ';'-continued
headers, RFC 2047 and 2231 words, odd and missing boundaries, CR / CRLF /
LFCR endings, NULs, long lines, broken headers, truncation, mbox files with
several messages), runs

    clamscan --debug --leave-temps --tempdir=DIR -d NEVER.ndb FILES...

takes the order in which libclamav created its part files from the debug
lines "fileblobSetFilename: file NAME saved to PATH" (the files are named at
random), keeps those still present in the mail's own mail-tmp folder (empty
ones libclamav did not scan are deleted), and compares them in order with
what tests/tools/clammail writes for the same file, names included (the
names libclamav keeps, after its sanitiseName, are what .cdb signatures
see). Files clamscan does not
type as mail (no mail-tmp folder) are skipped and counted.

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


def uuencode(r, data):
    """A uuencoded block as uuencode(1) writes it, sometimes damaged."""
    name = r.choice(["a.exe", "x.bin", "", "b c.zip"])
    lines = ["begin %s %s" % (r.choice(["644", "755", "6444", "64"]), name)]
    for i in range(0, len(data), 45):
        chunk = data[i:i + 45]
        enc = chr(32 + len(chunk))
        for j in range(0, len(chunk), 3):
            g = chunk[j:j + 3] + b"\0\0"
            v = (g[0] << 16) | (g[1] << 8) | g[2]
            enc += "".join(chr(32 + ((v >> s) & 63) or 96) for s in (18, 12, 6, 0))
        lines.append(enc.replace(" ", "`") if r.random() < 0.5 else enc)
    # Always ended: a line after the block that states more bytes than its
    # groups carry (a boundary line, say) makes libclamav write bytes of its
    # line buffer that no line wrote, i.e. uninitialised stack (vigil: 0).
    k = r.randrange(6)
    if k == 0:
        lines.append("")  # blank line ends it
    elif k == 1:
        lines.append("M" + "!" * 3)  # states more than the line holds: ends it
    elif k == 2:
        lines.append("`")  # no "end" line
    else:
        lines += ["`", "end"]
    return lines


def binhex_lines(r):
    out = ["(This file must be converted with BinHex 4.0)"]
    if r.random() < 0.3:
        out[0] = "(This file must be converted with BinHex 4.0) "
    out.append("")
    out.append(":" + "".join(r.choice("!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr")
                             for _ in range(r.randrange(10, 64))))
    out.append(":")
    return out


def bounce_lines(r):
    """A bounced message quoted in a text body, as MTAs write them."""
    out = [r.choice(["This is the mail system at host example.", "Hi. This is the qmail-send",
                     "--- Below this line is a copy of the message."]), ""]
    out.append(r.choice(["Received: from x.example (x [10.0.0.1]) by y", "From: a@b.example",
                         "From MAILER-DAEMON  Mon Jan  1 00:00:00 2024 +0000 12",
                         "Return-Path: <a@b>", "Received: by z"]))
    for _ in range(r.randrange(0, 3)):
        out.append(r.choice(["Received: by q.example", "Subject: hi", "To: x@y",
                             "Content-Type: text/plain", "MIME-Version: 1.0"]))
    if r.random() < 0.8:
        out.append(r.choice(["Content-Type: application/octet-stream; name=\"a.exe\"",
                             "Content-Type: multipart/mixed; boundary=zz",
                             "Content-Type: text/html", "Content-Type: image/gif",
                             "Content-Transfer-Encoding: base64",
                             "Content-Transfer-Encoding: 7bit",
                             "Content-Disposition: attachment"]))
    if r.random() < 0.7:
        out.append("")
    out += [base64.b64encode(b"MZ\x90\x00payload").decode(), "more text"]
    if r.random() < 0.3:
        out += ["", "Received: from second.example by third", "Content-Type: image/png", "", "x"]
    return out


def text_lines(r):
    out = []
    for _ in range(r.randrange(0, 6)):
        k = r.randrange(10)
        if r.random() < 0.08:
            k = r.choice(["uu", "binhex", "bounce", "semi", "yenc", "enc"])
        if k == 0:
            out.append("")
        elif k == 1:
            out.append("   ")
        elif k == 2:
            out.append("x" * r.choice([75, 200, 998, 1200]))
        elif k == "uu":
            out += uuencode(r, payload(r) or b"x")
        elif k == "binhex":
            out += binhex_lines(r)
        elif k == "bounce":
            out += bounce_lines(r)
        elif k == "semi":
            out += [r.choice([";", " ;", "\t", ";;", "   "]) for _ in range(r.randrange(1, 4))]
        elif k == "yenc":
            out += ["=ybegin line=128 size=5 name=y%d.bin" % r.randrange(9), "r\x8f\x9c=}=n",
                    r.choice(["=yend size=5", "tail"])]
        elif k == "enc":
            out.append(r.choice(["Content-Transfer-Encoding: base64",
                                 "Content-Transfer-Encoding: 7bit",
                                 "content-transfer-encoding: quoted-printable"]))
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
        name = r.choice(["a.exe", "b c.zip", "doc.pdf", "x", "", "=?utf-8?b?w6kuZXhl?=",
                         "=?iso-8859-1?q?caf=E9.txt?="])
        ct = r.choice(["application/octet-stream", "image/gif", "application/x-msdownload",
                       "audio/wav", "application/pdf"])
        v = ct
        if r.random() < 0.6:
            v += "; name=\"%s\"" % name if r.random() < 0.7 else "; name=%s" % (name or "n")
        hdr += fold(r, "Content-Type", v)
        enc = r.choice(["base64", "base64", "quoted-printable", "", "7bit", "x-bogus", "BASE64",
                        "x-uuencode", "x-binhex", "x-yencode", "base64 quoted-printable"])
        if enc:
            hdr += ["Content-Transfer-Encoding: " + enc]
        if r.random() < 0.5:
            hdr += ["Content-Disposition: attachment; filename=\"%s\"" % (name or "f")]
        elif r.random() < 0.2:
            hdr += ["Content-Disposition: attachment; filename*=us-ascii'en'%s" % (name or "f%41")]
        data = payload(r)
        if enc.lower() == "base64":
            body = b64(r, data)
        elif enc == "x-uuencode":
            body = uuencode(r, data or b"x")
        elif enc == "quoted-printable":
            body = qp(r, data)
        else:
            body = text_lines(r)
    elif k == 5:
        body = text_lines(r)  # no headers at all
        if r.random() < 0.2:
            body = binhex_lines(r) + body
    elif k in (6, 7):
        inner = top_headers(r) + [""] + text_lines(r)
        if r.random() < 0.3:
            inner = top_headers(r) + ["MIME-Version: 1.0"] + part(r, depth + 1)
        if r.random() < 0.15:
            hdr += ["Content-Type: message/" + r.choice(
                ["partial; id=\"a@b\"; number=1; total=2", "external-body; access-type=x",
                 "delivery-status", "disposition-notification", "rfc822-headers", "news"])]
            return hdr + [""] + inner
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
    bnd = r.choice(["XX", "----=_Part_%d" % r.randrange(1000), "b1", "=_abc", "simple",
                    "a b", "(c)x", "1", "--x--", "q\"q"])
    sub = r.choice(["mixed", "mixed", "alternative", "related", "signed", "parallel",
                    "digest", "report", "foo", ""])
    q = r.choice(['"%s"', "%s", '"%s";'])
    hdr = fold(r, "Content-Type", "multipart/%s; boundary=%s" % (sub, q % bnd))
    lines = []
    if r.random() < 0.3:
        lines += ["This is a multi-part message in MIME format."]
    lines.append("")
    if r.random() < 0.1:
        lines += binhex_lines(r)
    if r.random() < 0.05:
        lines += ["Content-Transfer-Encoding: base64", ""]
    for _ in range(r.randrange(0, 4)):
        lines.append("--" + bnd + r.choice(["", "", " ", "  ", "", " (comment)", "x"]))
        if sub == "digest" and r.random() < 0.5:
            # a digest part without headers is a message
            lines += [""] + top_headers(r) + [""] + text_lines(r)
            continue
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
    k = r.randrange(8)
    if k == 0:
        return h + [""] + text_lines(r)
    if k == 6:
        # a bounce: the mailer's text, then the returned message
        return h + ["Content-Type: text/plain", ""] + bounce_lines(r) + text_lines(r)
    if k == 7:
        h += ["MIME-Version: 1.0"]
        return h + ["Content-Type: message/" + r.choice(["partial; id=x; number=2; total=2",
                                                          "rfc822", "delivery-status"]),
                    ""] + top_headers(r) + [""] + text_lines(r)
    if k == 1:
        h += ["MIME-Version: 1.0"]
        p = part(r, 1)
        return h + p
    h += ["MIME-Version: 1.0"]
    return h + multipart(r, 1)


def mutate(r, lines):
    """Odd lines mail parsers meet: NULs, whitespace-only header lines,
    lines past 1000 bytes, comments and quotes in headers, repeated or
    broken Content-Type headers, a CommuniGate "P I" preamble."""
    lines = list(lines)
    for _ in range(r.randrange(1, 4)):
        i = r.randrange(len(lines) + 1)
        k = r.randrange(9)
        if k == 0 and i < len(lines):
            lines[i] = lines[i][:3] + "\0" + lines[i][3:]
        elif k == 1:
            lines.insert(i, r.choice([" ", "\t", "  \t "]))
        elif k == 2:
            lines.insert(i, "y" * r.choice([999, 1000, 1001, 2500]))
        elif k == 3:
            lines.insert(i, r.choice(["Content-Type: (c) application/octet-stream; name=z",
                                      "Content-Type: \"multipart/mixed\"; boundary=q",
                                      "Content-Type: /", "Content-Type: text",
                                      "Content-Type: x-foo/bar; name=x.bin",
                                      "Content-Type: plain/text", "Content-type:text/html",
                                      "Content-Transfer-Encoding: 8 bit",
                                      "Content-Transfer-Encoding: base64 (x)",
                                      "Content-Disposition: inline; filename*0*=us-ascii''a%41",
                                      "content-disposition: attachment",
                                      "Content-Type: text/plain; name=\"q"]))
        elif k == 4 and i < len(lines):
            lines[i] = lines[i].upper()
        elif k == 5:
            lines.insert(i, "")
        elif k == 6 and i < len(lines):
            del lines[i]
        elif k == 7:
            lines.insert(i, r.choice(["Date: now", "Message-Id: <x@y>", "Received: by q",
                                      "From: z@w", ">From x"]))
        elif k == 8 and i == 0:
            lines = ["P I 12 34"] + lines
    return lines


def render(r):
    if r.random() < 0.15:
        msgs = []
        for _ in range(r.randrange(1, 4)):
            msgs += ["From sender@example.com Mon Jan  1 00:00:00 2024"] + message(r) + [""]
        lines = msgs
    else:
        lines = message(r)
    if r.random() < 0.15:
        lines = mutate(r, lines)
    eol = r.choice(["\n"] * 8 + ["\r\n"] * 2 + ["\r", "\n\r"])
    data = (eol.join(lines) + eol).encode("latin1", "replace")
    if r.random() < 0.08:
        data = data[:r.randrange(len(data) + 1)]
    if not data.startswith((b"From", b"Received", b"To:", b"Subject:", b"Date:",
                            b"Message-Id", b"X-Mailer", b"Return-Path")):
        data = b"From: a@b.example\n" + data
    return data


def write_messages(folder, count, seed):
    """Writes count generated messages (seeded) into folder; their paths."""
    r = random.Random(seed)
    files = []
    for i in range(count):
        p = os.path.join(folder, "m%05d.eml" % i)
        with open(p, "wb") as f:
            f.write(render(r))
        files.append(p)
    return files


SAVED = re.compile(r"fileblobSetFilename: file (.*) saved to (.*)$")


def typed_as_mail(tmp):
    """Basenames of the files clamscan parsed as mail: cli_scanmail makes a
    mail-tmp.* folder in the file's own temporary folder, which
    --leave-temps keeps (the other files get no parts at all)."""
    mail = set()
    for top in os.listdir(tmp):
        if "-" not in top:
            continue
        base = top.split("-", 1)[1].rsplit(".", 1)[0]
        tdir = os.path.join(tmp, top)
        for sub in os.listdir(tdir):
            sdir = os.path.join(tdir, sub)
            if os.path.isdir(sdir) and any(x.startswith("mail-tmp.") for x in os.listdir(sdir)):
                mail.add(base)
    return mail


def clamscan_parts(files, work):
    """({basename: [bytes, ...]} in creation order, {basenames typed as mail})."""
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
            out[base].append((m.group(1), f.read()))
    return out, typed_as_mail(tmp)


def sanitise(name):
    """libclamav's sanitiseName on a part's name (bytes): what its blob
    keeps and .cdb signatures see."""
    return "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "._")
                   else "_" for b in name)


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
    if a.keep and os.path.isdir(a.keep) and os.listdir(a.keep):
        print("clam_mail_diff: --keep %s: not empty" % a.keep)
        return 2
    work = a.keep or tempfile.mkdtemp(prefix="clam_mail.")
    os.makedirs(work, exist_ok=True)
    inputs = os.path.join(work, "in")
    os.makedirs(inputs, exist_ok=True)
    files = write_messages(inputs, a.count, a.seed)
    ref = {}
    mail = set()
    for i in range(0, len(files), 100):
        sub = os.path.join(work, "batch%d" % i)
        os.makedirs(sub)
        parts, typed = clamscan_parts(files[i:i + 100], sub)
        ref.update(parts)
        mail |= typed
    diffs = 0
    nparts = 0
    notmail = 0
    for p in files:
        base = os.path.basename(p)
        if base not in mail:
            # vigil parses only what its typing calls mail, as clamscan
            notmail += 1
            continue
        od = os.path.join(work, "vigil", base)
        os.makedirs(od, exist_ok=True)
        res = subprocess.run([a.clammail, p, od], capture_output=True)
        names = {}
        for line in res.stdout.split(b"\n"):
            f = line.split(b" ", 3)
            if len(f) == 4:
                names[f[0].decode()] = sanitise(f[3])
        mine = []
        for name in sorted(os.listdir(od)):
            with open(os.path.join(od, name), "rb") as f:
                mine.append((names.get(name, "?"), f.read()))
        theirs = ref.get(base, [])
        nparts += len(theirs)
        if res.returncode != 0 or mine != theirs:
            diffs += 1
            if a.v or diffs <= 10:
                print("DIFF %s: clamscan %d parts %s, vigil %d parts %s" %
                      (base, len(theirs), [(n, len(x)) for n, x in theirs], len(mine),
                       [(n, len(x)) for n, x in mine]))
    print("clam_mail_diff: %d messages (%d not typed as mail, skipped), %d clamscan parts, "
          "%d differ" % (len(files), notmail, nparts, diffs))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
