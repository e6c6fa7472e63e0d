#!/usr/bin/env python3
"""clam_html_diff.py - vigil's HTML normaliser against libclamav's, byte for byte.

clamscan never matches signatures on the raw bytes of an HTML file: it
normalises the file into a temporary folder (nocomment.html, notags.html,
javascript, rfc2397/) and scans those. This script builds many HTML files
(seeded random mixes of tags, attributes, comments, entities, scripts,
data: URIs, 8-bit text, NULs, long lines crossing libclamav's 8 KiB chunks)
and takes real .html files found on the machine, runs

    clamscan --leave-temps --tempdir=DIR -d NEVER.ndb FILES...

(NEVER.ndb: one signature that never matches, so the whole pipeline runs),
finds the html-tmp folder libclamav left for each file, and compares each
output with what tests/tools/clamhtml writes for the same file:
nocomment.html, notags.html, javascript (its existence and its bytes) and
the rfc2397 files (as a sorted list: libclamav names them at random).

Exit 0 when everything matches, 1 on a difference, 77 without clamscan.
Files clamscan does not type as HTML (no html-tmp folder) are counted and
skipped.

  clam_html_diff.py --clamhtml build-html/tests/clamhtml [--count 400] [--seed 1]
                    [--real N | --no-real] [--inputs DIR] [--keep DIR] [-v]
"""
import argparse
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

NEVER = "Vigil.Never.Match:0:*:7669676c6e657665726d617463687a7a7a7a\n"

WORDS = ["hello", "World", "Click", "here", "FREE", "offer", "x", "var", "eval",
         "document", "write", "a", "b", "unescape", "alert", "test", "Zz"]
TAGS = ["p", "a", "img", "div", "span", "b", "BR", "table", "td", "form", "iframe",
        "META", "Body", "h1", "input", "%@", "object", "style", "/style", "STYLE"]
ATTRS = ["href", "src", "title", "class", "ID", "style", "onload", "language",
         "action", "value", "dynsrc", "alt"]
ENTITIES = ["&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&Agrave;", "&eacute;",
            "&euro;", "&hellip;", "&AMP;", "&bogus;", "&amp", "&#65;", "&#x42;",
            "&#X6a;", "&#0;", "&#;", "&#12354;", "&#x3002;", "&#65", "&#x;",
            "&#99999999999;", "&#x110000;", "&", "&&", "&#x0x41;", "&rsaquo;",
            "&lt", "&a-b:c_d;", "&#255;", "&#xff;", "&#256;"]
HIGH = [b"\xc3\xa9", b"\xe3\x80\x82", b"\xef\xbc\x8e", b"\xef\xb9\x92", b"\xa1C",
        b"\xa1D", b"\xa1x", b"\xff\xfe", b"\x80", b"\xe2\x82\xac\xe2\x82\xac",
        b"\xf0\x9f\x98\x80"]
WS = [" ", "  ", "\n", "\r\n", "\t", "\x0b", "\x0c", " \n\t "]


def rnd_text(r):
    return r.choice(WORDS) + r.choice(["", " ", ".", "!", "'", '"', ",", "\x01", "\x7f"])


def rnd_value(r):
    kind = r.randrange(14)
    if kind == 0:
        mime = r.choice(["text/plain", "text/html", "image/png", "", "TEXT/Plain;charset=x",
                         "application/octet-stream"])
        b64 = r.choice([";base64", "", ";BASE64"])
        payload = r.choice(["SGVsbG8=", "hello%20world", "%41%4", "%zz%4g",
                            "<b>x</b>", "a b", "x'y", 'p"q', "x&amp;y", "\\'z",
                            "line\nbreak", "%"])
        q = r.choice(['"', "'", ""])
        return q + r.choice(["data:", "DATA:", "d&#97;ta:"]) + mime + b64 + "," + payload + q
    if kind == 1:
        return '"' + " ".join(rnd_text(r) for _ in range(r.randrange(3))) + '"'
    if kind == 2:
        return "'" + rnd_text(r) + r.choice(ENTITIES) + "'"
    if kind == 3:
        return "HTTP://Example.COM/" + rnd_text(r)
    if kind == 4:
        return '"a\\"b"'
    if kind == 5:
        return '"' + r.choice(["jscript.encode", "JScript", "vbscript.encode", "javascript"]) + '"'
    if kind == 6:
        return r.choice(ENTITIES) + rnd_text(r)
    if kind == 7:
        return '"é' + rnd_text(r) + '"'
    return r.choice(['"', "'", ""]) + rnd_text(r)


def rnd_tag(r):
    name = r.choice(TAGS)
    out = "<" + r.choice(["", " ", "/"]) + name
    for _ in range(r.randrange(4)):
        out += r.choice(WS) + r.choice(ATTRS)
        if r.random() < 0.8:
            out += r.choice(["", " "]) + "=" + r.choice(["", " "]) + rnd_value(r)
    return out + r.choice(["", " ", "/"]) + r.choice([">", ">", ">", ""])


JS_SNIPPETS = [
    "var a = 1, b = [1,2,3], c = {x: 1};", "function f(p, q) { var t = p; return t + q; }",
    "var s = 'ab' + \"cd\" + 'ef';", "x.y.z = w;", "document.write(unescape('%3Cb%3E'));",
    "eval('var z = 1; function g(){return z;}');", "eval(\"alert('x')\");",
    "dF('%264Dtdsjqu%264F1')", "var n = 3.25e3 + 1.5e + 0.5 + 12 + 99999999999;",
    "/* multi\nline */ y = 2; // single line comment", "a = b / c; d /= 2; e >>>= 1;",
    "if (a === b && c !== d || !e) { f++; --g; }", "s = '\\x41\\u0042\\n\\t\\0\\'q';",
    "s = \"unterminated", "f((((1)", "} extra }", "var $_x\\u0041 = 1;",
    "var caf\xc3\xa9 = 1;", "new Foo(this, null, true, false, void 0, typeof x);",
    "switch (a) { case 1: break; default: continue; }", "try { throw e; } catch (e) { } finally { }",
    "function (p,a,c,k,e,r){e=String;return p}('0 1',2,2,'hello|world'.split('|'),0,{})",
    "eval(function(p,a,c,k,e,d){return p}('0 1 2',3,3,'var|x|y'.split('|'),0,{}))",
    "var A = function B(c) { var d = function() { return c; }; };", "with (o) { in; instanceof; }",
    "a\f\x0bb\x7fc#d@e`f", "x = 'it''s'; y = \"a\\\"b\";",
    "eval(function(p,a,c,x){return p}('0 1',2,2,'u|v'.split('|'),0,{}))",
    "eval(function(p,a,c){return p}('0',1,1,'u'.split('|'),0,{}))",
    "function pk(p,a,c,k,e,d){return p} pk('a0 b1',36,2,'one|two',0,{});",
]


def rnd_js(r):
    return " ".join(r.choice(JS_SNIPPETS) for _ in range(r.randrange(1, 6)))


def rnd_script(r):
    lang = r.choice(["", ' language="javascript"', " type=text/javascript",
                     ' language="JScript.Encode"'])
    body = r.choice([
        "var A = 1; document.write('x');",
        "function f(a,b){ return a+b; } f(1,2);",
        "// comment\nvar s = \"<b>\";",
        "if (a < b) { x = '&amp;'; }",
        "<!-- hide\nalert(1);\n// -->",
        "#@~^CAAAAA==W!x^DkKx@#@&MSAAAA==^#~@",
        "eval(unescape('%61%6c'));",
        "",
        rnd_js(r),
        rnd_js(r),
        rnd_js(r) * r.choice([1, 50, 400]),
    ])
    end = r.choice(["</script>", "</SCRIPT >", "</script", "", "</style>"])
    return "<script" + lang + ">" + body + end


def rnd_piece(r):
    k = r.randrange(12)
    if k < 3:
        return rnd_tag(r).encode("latin-1", "replace")
    if k == 3:
        return ("<!--" + rnd_text(r) + r.choice(["-->", ">", " -- >", ""])).encode()
    if k == 4:
        return r.choice(ENTITIES).encode()
    if k == 5:
        return rnd_script(r).encode()
    if k == 6:
        return r.choice(HIGH)
    if k == 7:
        return r.choice(WS).encode()
    if k == 8:
        return r.choice([b"\x00", b"a\x00b", b"\x00\x00\x00", b"<\x00a>"])
    if k == 9:
        return r.choice([b"<%@ language=\"VBScript.Encode\" %>", b"<!DOCTYPE html>",
                         b"< !x>", b"<>", b"</>", b"&#", b"\\"])
    return rnd_text(r).encode()


def gen_file(r, i):
    parts = [b"<html>"]
    target = r.choice([20, 60, 200, 600]) if i % 10 else r.choice([3000, 9000])
    # every tenth file is long: crosses the 8 KiB chunk boundary
    for _ in range(target):
        parts.append(rnd_piece(r))
        if i % 10 == 0 and r.random() < 0.01:
            parts.append(b"x" * r.randrange(8000, 9000))
    if r.random() < 0.5:
        parts.append(b"</html>")
    data = b"".join(parts)
    if i % 10 == 5:
        # dense text near the chunk edges: few spaces (libclamav cuts a
        # chunk back to a space) and NUL runs (dropped, but they shift the
        # cut), several chunks long
        data = data.replace(b" ", b"") * r.choice([1, 3, 6])
        out = bytearray()
        for k in range(0, len(data), 4000):
            out += data[k:k + 4000]
            out += b"\x00" * r.choice([0, 1, 50, 3000]) + r.choice([b"", b" ", b"\n"])
        data = bytes(out)
    return data


def find_real(limit):
    found = []
    for pat in ("/usr/share/doc/**/*.html", "/usr/share/doc/**/*.htm",
                "/usr/share/**/*.html"):
        for p in glob.iglob(pat, recursive=True):
            if os.path.isfile(p) and not os.path.islink(p) and p not in found:
                if os.path.getsize(p) <= 4 * 1024 * 1024:
                    found.append(p)
            if len(found) >= limit:
                return found
    return found


def html_tmp_dirs(tmp):
    """file base name -> its top-level html-tmp folder."""
    res = {}
    for top in os.listdir(tmp):
        for root, dirs, _ in os.walk(os.path.join(tmp, top)):
            for d in dirs:
                if d.startswith("html-tmp"):
                    rel = os.path.relpath(root, tmp).split(os.sep)
                    # <date>-<name>.<rand>/<name>.<rand>/html-tmp.<rand>
                    if len(rel) == 2:
                        name = rel[1].rsplit(".", 1)[0]
                        res[name] = os.path.join(root, d)
    return res


def read(p):
    with open(p, "rb") as f:
        return f.read()


def first_diff(a, b):
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    return "at byte %d (lengths %d/%d): clam %r vs vigil %r" % (
        i, len(a), len(b), a[max(0, i - 20):i + 20], b[max(0, i - 20):i + 20])


def compare(name, clam_dir, vig_dir):
    diffs = []
    for f in ("nocomment.html", "notags.html"):
        cp, vp = os.path.join(clam_dir, f), os.path.join(vig_dir, f)
        ce, ve = os.path.exists(cp), os.path.exists(vp)
        if ce != ve:
            diffs.append("%s: exists clam=%s vigil=%s" % (f, ce, ve))
        elif ce and read(cp) != read(vp):
            diffs.append("%s: %s" % (f, first_diff(read(cp), read(vp))))
    cr = sorted(read(p) for p in glob.glob(os.path.join(clam_dir, "rfc2397", "*"))
                if os.path.isfile(p))
    vr = sorted(read(p) for p in glob.glob(os.path.join(vig_dir, "rfc2397", "*")))
    if cr != vr:
        diffs.append("rfc2397: clam %d files, vigil %d, contents differ" % (len(cr), len(vr)))
    cp, vp = os.path.join(clam_dir, "javascript"), os.path.join(vig_dir, "javascript")
    cj, vj = os.path.exists(cp), os.path.exists(vp)
    if cj != vj:
        diffs.append("javascript: exists clam=%s vigil=%s" % (cj, vj))
    elif cj and read(cp) != read(vp):
        diffs.append("javascript: %s" % first_diff(read(cp), read(vp)))
    return diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clamhtml", required=True)
    ap.add_argument("--clamscan", default=shutil.which("clamscan"))
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--real", type=int, default=300, help="at most this many real files")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--inputs", help="also compare every file of this folder (e.g. a fuzz corpus)")
    ap.add_argument("--keep")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    if not a.clamscan or not os.path.exists(a.clamscan):
        print("clamscan not found: skipped")
        return 77
    work = a.keep or tempfile.mkdtemp(prefix="clam_html_diff.")
    if a.keep:
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    inputs = os.path.join(work, "in")
    tmp = os.path.join(work, "tmp")
    os.makedirs(inputs)
    os.makedirs(tmp)
    with open(os.path.join(work, "never.ndb"), "w") as f:
        f.write(NEVER)
    r = random.Random(a.seed)
    names = {}
    for i in range(a.count):
        n = "gen%05d.html" % i
        with open(os.path.join(inputs, n), "wb") as f:
            f.write(gen_file(r, i))
        names[n] = "generated"
    if not a.no_real:
        for i, p in enumerate(find_real(a.real)):
            n = "real%05d.html" % i
            shutil.copyfile(p, os.path.join(inputs, n))
            names[n] = p
    if a.inputs:
        for i, p in enumerate(sorted(os.listdir(a.inputs))):
            full = os.path.join(a.inputs, p)
            if os.path.isfile(full):
                n = "extra%05d.html" % i
                shutil.copyfile(full, os.path.join(inputs, n))
                names[n] = full
    files = sorted(names)
    subprocess.run([a.clamscan, "--leave-temps", "--tempdir=" + tmp, "--max-filesize=100M",
                    "--max-scansize=400M", "-d", os.path.join(work, "never.ndb")]
                   + [os.path.join(inputs, n) for n in files],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dirs = html_tmp_dirs(tmp)
    stats = {"generated": [0, 0, 0], "real": [0, 0, 0], "extra": [0, 0, 0]}
    bad = 0
    for n in files:
        kind = "generated" if names[n] == "generated" else n[:5] if n.startswith("extra") else "real"
        if n not in dirs:
            stats[kind][2] += 1
            continue
        out = os.path.join(work, "vigil", n)
        os.makedirs(out)
        rc = subprocess.run([a.clamhtml, os.path.join(inputs, n), out]).returncode
        diffs = ["clamhtml exit %d" % rc] if rc else compare(n, dirs[n], out)
        stats[kind][0] += 1
        if diffs:
            stats[kind][1] += 1
            bad += 1
            if bad <= 20 or a.v:
                print("DIFF %s (%s):" % (n, names[n]))
                for d in diffs:
                    print("   ", d)
    for k, (c, d, s) in stats.items():
        if k == "extra" and not a.inputs:
            continue
        print("%s: %d compared, %d differ, %d not typed HTML by clamscan (skipped)" % (k, c, d, s))
    if not a.keep and not bad:
        shutil.rmtree(work, ignore_errors=True)
    elif bad:
        print("inputs and outputs kept in", work)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
