#!/usr/bin/env python3
"""Differential test over ReversingLabs' public rules: yara vs `vigil yara`.

Real rule sets rarely match random files, so for each rule a trigger file is
written holding its text and hex strings (encoded as their modifiers say,
between random separators, behind an MZ/PE or ELF header when the condition
tests one); those files, plus real binaries from /usr/bin (up to --bin-mb) and
any --extra folders, are scanned by both tools with every import-free rule
file compiled once (one namespace per file). Regex strings get no trigger.
"""

import argparse
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import yaradiff  # noqa: E402

IMPORT_RE = re.compile(r'^\s*import\s+"', re.M)
RULE_RE = re.compile(r'^[ \t]*(?:(?:private|global)\s+)*rule\s+(\w+)\s*(?::[\w\s]*)?\{', re.M)
STRING_RE = re.compile(r'\$(\w*)\s*=\s*')
MOD_RE = re.compile(r'\s*(\w+)(\([^)]*\))?')
TEXT_MODS = {"nocase", "wide", "ascii", "fullword", "private", "xor", "base64", "base64wide"}


# ---------------------------------------------------------------------------
# Parsing just enough of a rule file: the strings and condition of each rule.


def strip_comments(text):
    """Blanks // and /* */ comments outside string literals, keeping offsets."""
    out = list(text)
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            for k in range(i, end):
                if out[k] != "\n":
                    out[k] = " "
            i = end
        else:
            i += 1
    return "".join(out)


def unescape(body):
    """Bytes of a YARA text string body."""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            e = body[i + 1]
            if e == "x":
                out.append(int(body[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"n": b"\n", "t": b"\t", "r": b"\r", '"': b'"', "\\": b"\\"}.get(e, e.encode())
            i += 2
            continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def parse_hex(body):
    """gen.py's hex token list for a hex string body, or None if unsupported."""
    toks = re.findall(r"[0-9A-Fa-f?]{2}|\[[^\]]*\]|[()|]", body)
    stack = [[[]]]  # stack of alternative lists; the last list is being filled
    for t in toks:
        cur = stack[-1][-1]
        if t == "(":
            stack.append([[]])
        elif t == "|":
            stack[-1].append([])
        elif t == ")":
            alts = stack.pop()
            stack[-1][-1].append(("a", alts))
        elif t[0] == "[":
            inner = t[1:-1].strip()
            if inner == "-":
                cur.append(("j", 0, None))
            elif "-" in inner:
                lo, hi = inner.split("-", 1)
                cur.append(("j", int(lo or 0), int(hi) if hi.strip() else None))
            else:
                cur.append(("j", int(inner), int(inner)))
        elif t == "??":
            cur.append(("w",))
        elif "?" in t:
            hi = None if t[0] == "?" else int(t[0], 16)
            lo = None if t[1] == "?" else int(t[1], 16)
            cur.append(("m", t, hi, lo))
        else:
            cur.append(("b", int(t, 16)))
    return stack[0][0] if len(stack) == 1 else None


def parse_strings(section):
    """[(kind, payload)] for one strings: section; payload is a gen object for
    text, a token list for hex, None for regex."""
    out = []
    pos = 0
    while True:
        m = STRING_RE.search(section, pos)
        if not m:
            return out
        i = m.end()
        c = section[i:i + 1]
        if c == "{":
            end = section.index("}", i)
            out.append(("hex", parse_hex(section[i + 1:end])))
            pos = end + 1
        elif c == '"':
            j = i + 1
            while section[j] != '"':
                j += 2 if section[j] == "\\" else 1
            value = unescape(section[i + 1:j])
            pos = j + 1
            mods = []
            while True:
                mm = MOD_RE.match(section, pos)
                if not mm or mm.group(1) not in TEXT_MODS:
                    break
                mods.append((mm.group(1), mm.group(2)))
                pos = mm.end()
            out.append(("text", make_text(value, mods)))
        elif c == "/":
            j = i + 1
            while section[j] != "/":
                j += 2 if section[j] == "\\" else 1
            out.append(("regex", None))
            pos = j + 1
        else:
            pos = i
    return out


def make_text(value, mods):
    """A gen.TextString carrying a parsed string, so its encoder is reused."""
    t = gen.TextString.__new__(gen.TextString)
    t.value = value
    t.mods = [m for m, _ in mods if m in ("nocase", "wide", "ascii", "fullword")]
    t.nocase = "nocase" in t.mods
    t.fullword = "fullword" in t.mods
    t.xor = None
    t.b64 = None
    t.alphabet = None
    for m, arg in mods:
        if m == "xor":
            t.xor = (0, 255)
            if arg:
                parts = [int(x, 0) for x in arg.strip("()").split("-")]
                t.xor = (parts[0], parts[-1])
        elif m in ("base64", "base64wide"):
            t.b64 = m
            if arg:
                t.alphabet = unescape(arg.strip('()').strip().strip('"')).decode("latin-1")
    return t


def parse_rules(text):
    """[(rule name, [(kind, payload)], condition text)] of a rule file."""
    text = strip_comments(text)
    out = []
    for m in RULE_RE.finditer(text):
        body_start = m.end()
        cond_at = text.find("condition:", body_start)
        if cond_at < 0:
            continue
        nxt = RULE_RE.search(text, cond_at)
        end = nxt.start() if nxt else len(text)
        strings_at = text.find("strings:", body_start, cond_at)
        section = text[strings_at + 8:cond_at] if strings_at >= 0 else ""
        try:
            strings = parse_strings(section)
        except (ValueError, IndexError):
            strings = []
        out.append((m.group(1), strings, text[cond_at + 10:end]))
    return out


# ---------------------------------------------------------------------------
# Trigger files


def pe_header(rng):
    """A small MZ/PE header: enough for uint16(0) and uint32(uint32(0x3C)) tests."""
    hdr = bytearray(b"MZ" + bytes(0x3A) + struct.pack("<I", 0x80))
    hdr += bytes(0x80 - len(hdr))
    hdr += b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 3, 0, 0, 0, 0xE0, 0x102)
    hdr += bytes(rng.randrange(256) for _ in range(0x200 - len(hdr)))
    return bytes(hdr)


def elf_header(rng):
    hdr = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1)
    return hdr + bytes(rng.randrange(256) for _ in range(0x100 - len(hdr)))


def trigger(rng, strings, cond):
    buf = bytearray()
    if "0x5A4D" in cond or "0x5a4d" in cond or "pe." in cond:
        buf += pe_header(rng)
    elif "0x464C457F" in cond or "0x464c457f" in cond or "elf." in cond:
        buf += elf_header(rng)
    for kind, payload in strings:
        if payload is None:
            continue
        buf += gen.noise(rng, rng.randint(4, 48))
        if kind == "hex":
            buf += gen.hex_instance(rng, payload, max_extra=4)
        else:
            payload.rng = rng
            buf += payload.instance()
    buf += gen.noise(rng, rng.randint(4, 48))
    return bytes(buf)


# ---------------------------------------------------------------------------


def collect_binaries(dest, limit):
    """Hard-links (or copies) regular files of /usr/bin into dest, in name
    order, until `limit` bytes; a folder of plain files scans the same way
    in every tool whatever its symlink policy."""
    os.mkdir(dest)
    total = 0
    for name in sorted(os.listdir("/usr/bin")):
        src = os.path.join("/usr/bin", name)
        if os.path.islink(src) or not os.path.isfile(src) or not os.access(src, os.R_OK):
            continue
        size = os.path.getsize(src)
        if total + size > limit:
            continue
        try:
            os.link(src, os.path.join(dest, name))
        except OSError:
            shutil.copyfile(src, os.path.join(dest, name))
        total += size
    return total


def compiles(cmd, rule_arg, empty, timeout):
    rc, _, err = yaradiff.run_tool(cmd + [rule_arg, empty], timeout)
    return rc == 0, err.strip().splitlines()[:1]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_rules = os.path.normpath(os.path.join(here, "../../../shared/rules/reversinglabs"))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    yaradiff.add_common_args(p)
    p.add_argument("--rules-dir", default=default_rules, help="default: %(default)s")
    p.add_argument("--bin-mb", type=int, default=100, help="MB of /usr/bin to scan (0: none)")
    p.add_argument("--extra", action="append", default=[],
                   help="another folder to scan recursively (repeatable), e.g. unpacked libwine")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", help="write trigger files and links here and keep them")
    p.add_argument("-p", "--threads", default="2", help="-p value passed to both tools")
    p.add_argument("--no-namespaces", action="store_true",
                   help="pass rule files without NS: prefixes (rule names must be unique)")
    p.add_argument("--with-imports", action="store_true",
                   help="also use rule files that import modules (pe, elf)")
    args = p.parse_args()

    if not os.path.isdir(args.rules_dir):
        print("diff.reversinglabs: %s is absent, skipping" % args.rules_dir)
        return yaradiff.SKIP
    yara = yaradiff.find_yara(args.yara)
    if not yara:
        print("diff.reversinglabs: reference yara (%s) not found, skipping" % args.yara)
        return yaradiff.SKIP
    test_cmd = yaradiff.vigil_command(args)
    rng = random.Random(args.seed)
    t0 = time.monotonic()

    rule_files = []
    for root, _, names in os.walk(args.rules_dir):
        for name in names:
            if name.endswith((".yar", ".yara")):
                rule_files.append(os.path.join(root, name))
    rule_files.sort()
    skipped_import = 0
    parsed = []
    for path in rule_files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if IMPORT_RE.search(text) and not args.with_imports:
            skipped_import += 1
            continue
        parsed.append((path, parse_rules(text)))

    stats = yaradiff.Stats()
    with tempfile.TemporaryDirectory(prefix="vigil-rl-") as tmp:
        base = args.keep or tmp
        os.makedirs(base, exist_ok=True)
        trig_dir = os.path.join(base, "triggers")
        os.makedirs(trig_dir, exist_ok=True)
        rule_args = []
        n_trig = 0
        no_trigger = 0
        for i, (path, rules) in enumerate(parsed):
            ns = "f%03d_%s" % (i, re.sub(r"\W", "_", os.path.basename(path).rsplit(".", 1)[0]))
            rule_args.append(path if args.no_namespaces else "%s:%s" % (ns, path))
            for name, strings, cond in rules:
                if not any(payload is not None for _, payload in strings):
                    no_trigger += 1
                    continue
                with open(os.path.join(trig_dir, "%s.%s" % (ns, name)), "wb") as f:
                    f.write(trigger(rng, strings, cond))
                n_trig += 1

        # Rule files either tool refuses are reported and left out, so one
        # unsupported construct does not hide every other comparison.
        # An empty regular file, not /dev/null: scanning a device is a
        # different question from compiling.
        empty = os.path.join(base, "empty")
        open(empty, "wb").close()
        ok_args = rule_args
        rc, _, _ = yaradiff.run_tool([yara] + rule_args + [empty], args.timeout)
        rc2, _, _ = yaradiff.run_tool(test_cmd + rule_args + [empty], args.timeout)
        if rc or rc2:
            ok_args = []
            for a in rule_args:
                y_ok, y_err = compiles([yara], a, empty, args.timeout)
                v_ok, v_err = compiles(test_cmd, a, empty, args.timeout)
                if y_ok and v_ok:
                    ok_args.append(a)
                    continue
                if y_ok != v_ok:
                    stats.failures += 1
                print("compile %s: yara %s, vigil %s %s" %
                      (a, "ok" if y_ok else "fails", "ok" if v_ok else "fails", y_err + v_err))

        # Triggers are also scanned printing tags and metadata (escaping).
        yaradiff.compare_run("triggers -g -m", [yara, "-g", "-m", "-r"] + ok_args + [trig_dir],
                             test_cmd + ["-g", "-m", "-r"] + ok_args + [trig_dir], args, stats)
        targets = [("triggers", trig_dir)]
        if args.bin_mb > 0:
            bin_dir = os.path.join(base, "usr-bin")
            if os.path.isdir(bin_dir):
                shutil.rmtree(bin_dir)
            size = collect_binaries(bin_dir, args.bin_mb << 20)
            print("scanning %.0f MB of /usr/bin" % (size / 1e6))
            targets.append(("usr-bin", bin_dir))
        targets += [("extra %s" % d, d) for d in args.extra]

        print("%d rule files (%d skipped for imports, %d compiled by both), %d trigger files "
              "(%d rules without text/hex strings)" %
              (len(rule_files), skipped_import, len(ok_args), n_trig, no_trigger))
        for label, target in targets:
            opts = ["-s", "-e", "-r", "-p", args.threads]
            tail = opts + ok_args + [target]
            yaradiff.compare_run(label, [yara] + tail, test_cmd + tail, args, stats)
    print("diff.reversinglabs: %.1f s; %s" % (time.monotonic() - t0, stats.summary()))
    return 0 if stats.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
