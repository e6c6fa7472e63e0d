#!/usr/bin/env python3
"""Trigger files for ClamAV signatures (groundwork for the clamscan differential test).

For every .ndb/.ndu body signature and .ldb/.ldu logical signature it can
satisfy, writes one file that should trigger it: the hex pattern made concrete
(random bytes for ??, nibbles, jumps, alternatives), placed where its offset
says (n, n,shift, EOF-n, *, and for target 1 a minimal PE with EP+-n, Sx+n,
SEx, SL+n, VI (a version resource whose string keys start with the
patterns); target 6 gets a minimal ELF with EP+-n), and for logical
signatures the subsignatures chosen and repeated so the expression (counts
included) holds, the file sized and shaped as the TargetDescriptionBlock asks.
Hash signatures cannot be triggered from a hash: `--hash-db OUT FILE...` writes
.hdb/.hsb databases for given files instead.

    clam_triggers.py -o OUTDIR [--seed N] SIGS...          generate (+ OUTDIR/manifest.tsv)
    clam_triggers.py --check [--allmatch] SIGS...          generate into a temp dir and run clamscan
    clam_triggers.py --hash-db OUT[.hdb|.hsb] FILE...      hash databases for files

Python 3 standard library only; the same --seed gives the same files.
"""

import argparse
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SIG_EXTS = (".ndb", ".ndu", ".ldb", ".ldu")
SUPPORTED_TARGETS = {0, 1, 6}


class Skip(Exception):
    """This signature gets no trigger file; the message says why."""


# ---------------------------------------------------------------------------
# Hex signatures: parsing into tokens, and random concrete bytes for them.


def parse_hex(s):
    """Tokens of a ClamAV hex signature body."""
    toks = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "*":
            toks.append(("jump", 0, None))
            i += 1
        elif c in "{[":
            close = "}" if c == "{" else "]"
            j = s.index(close, i)
            body = s[i + 1:j]
            if "-" not in body:
                lo = hi = int(body)
            else:
                a, b = body.split("-", 1)
                lo = int(a) if a else 0
                hi = int(b) if b else None
            toks.append(("jump", lo, hi))
            i = j + 1
        elif c == "!" or c == "(":
            neg = c == "!"
            if neg:
                if s[i + 1:i + 2] != "(":
                    raise Skip("'!' without '('")
                i += 1
            depth = 0
            j = i
            while True:
                if s[j] == "(":
                    depth += 1
                elif s[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            body = s[i + 1:j]
            i = j + 1
            if body in ("B", "L", "W"):
                toks.append(("special", body))
                continue
            alts, depth, start = [], 0, 0
            for k, ch in enumerate(body):
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                elif ch == "|" and depth == 0:
                    alts.append(body[start:k])
                    start = k + 1
            alts.append(body[start:])
            toks.append(("alt", [parse_hex(a) for a in alts], neg))
        else:
            pair = s[i:i + 2].lower()
            if len(pair) != 2:
                raise Skip("odd hex length")
            i += 2
            if pair == "??":
                toks.append(("any",))
            elif pair[1] == "?":
                toks.append(("nib", int(pair[0], 16) << 4, 0xF0))
            elif pair[0] == "?":
                toks.append(("nib", int(pair[1], 16), 0x0F))
            else:
                toks.append(("byte", int(pair, 16)))
    return toks


def fixed_match(toks, data):
    """Whether fixed-length tokens (bytes, ??, nibbles) match data exactly."""
    if len(toks) != len(data):
        return False
    for t, b in zip(toks, data):
        if t[0] == "byte" and b != t[1]:
            return False
        if t[0] == "nib" and (b & t[2]) != t[1]:
            return False
        if t[0] not in ("byte", "nib", "any"):
            return False
    return True


def gen_hex(toks, rng):
    """Random bytes matching the tokens."""
    out = bytearray()
    for t in toks:
        kind = t[0]
        if kind == "byte":
            out.append(t[1])
        elif kind == "any":
            out.append(rng.randrange(256))
        elif kind == "nib":
            out.append(t[1] | (rng.randrange(256) & ~t[2] & 0xFF))
        elif kind == "jump":
            lo, hi = t[1], t[2]
            hi = lo + 8 if hi is None else hi
            out += bytes(rng.randrange(256) for _ in range(rng.randint(lo, min(hi, lo + 64))))
        elif kind == "special":
            out += {"B": b" ", "W": b" ", "L": b"\n"}[t[1]]
        elif kind == "alt":
            alts, neg = t[1], t[2]
            if not neg:
                out += gen_hex(rng.choice(alts), rng)
            else:
                width = len(alts[0])
                for _ in range(1000):
                    cand = bytes(rng.randrange(256) for _ in range(width))
                    if not any(fixed_match(a, cand) for a in alts):
                        break
                else:
                    raise Skip("negated alternative with no byte outside it")
                out += cand
    return bytes(out)


def lead_len(toks, data_len_of):
    """Bytes before the match start: leading (B)/(L)/(W) are checked before the offset, not at it."""
    n = 0
    for t in toks:
        if t[0] != "special":
            break
        n += data_len_of(t)
    return n


def special_len(t):
    return 1


def apply_mods(data, lead, mods, rng):
    """::i (nocase), ::w (wide; with ::a either), ::f (fullword) of an ldb subsignature;
    returns (bytes, lead) where lead counts the bytes before the match start."""
    if "i" in mods:
        data = bytes(b ^ 0x20 if (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A) and rng.random() < 0.5 else b
                     for b in data)
    if "w" in mods and not ("a" in mods and rng.random() < 0.5):
        data = b"".join(bytes([b, 0]) for b in data)
        lead *= 2
    if "f" in mods:
        data = b"\x00\x00" + data + b"\x00\x00"
        lead += 2
    return data, lead


# ---------------------------------------------------------------------------
# Offsets


def parse_offset(spec):
    """(kind, args..., shift) of an offset spec."""
    spec = spec.strip()
    shift = 0
    if "," in spec:
        spec, sh = spec.split(",", 1)
        shift = int(sh)
    if spec == "*":
        return ("any", 0)
    m = re.fullmatch(r"\d+", spec)
    if m:
        return ("abs", int(spec), shift)
    m = re.fullmatch(r"EOF-(\d+)", spec)
    if m:
        return ("eof", int(m.group(1)), shift)
    m = re.fullmatch(r"EP([+-])(\d+)", spec)
    if m:
        return ("ep", int(m.group(2)) * (1 if m.group(1) == "+" else -1), shift)
    m = re.fullmatch(r"S(\d+)\+(\d+)", spec)
    if m:
        return ("sec", int(m.group(1)), int(m.group(2)), shift)
    m = re.fullmatch(r"SE(\d+)", spec)
    if m:
        return ("se", int(m.group(1)))
    m = re.fullmatch(r"SL\+(\d+)", spec)
    if m:
        return ("sl", int(m.group(1)), shift)
    if spec.startswith("VI"):  # libclamav: a prefix test; MaxShift ignored
        return ("vi",)
    raise Skip("offset %r not handled" % spec)


# ---------------------------------------------------------------------------
# The file image: fixed bytes where signatures and headers need them, noise elsewhere.


class Image:
    def __init__(self):
        self.buf = bytearray()
        self.fixed = bytearray()

    def grow(self, n):
        if n > len(self.buf):
            self.buf += bytes(n - len(self.buf))
            self.fixed += bytes(n - len(self.fixed))

    def put(self, pos, data):
        if pos < 0:
            raise Skip("negative file offset")
        self.grow(pos + len(data))
        for k, b in enumerate(data):
            if self.fixed[pos + k] and self.buf[pos + k] != b:
                raise Skip("placements overlap")
        self.buf[pos:pos + len(data)] = data
        for k in range(len(data)):
            self.fixed[pos + k] = 1

    def end(self):
        last = len(self.fixed)
        while last and not self.fixed[last - 1]:
            last -= 1
        return last

    def finish(self, size, rng):
        self.grow(size)
        for k in range(len(self.buf)):
            if not self.fixed[k]:
                self.buf[k] = rng.randrange(256)
        return bytes(self.buf[:size])


def pe_header(sections, ep_rva, hdr_size):
    """Minimal PE32 headers: sections = [(raw_off, raw_size, rva)]."""
    h = bytearray(hdr_size)
    h[0:2] = b"MZ"
    struct.pack_into("<I", h, 0x3C, 0x80)
    nt = 0x80
    h[nt:nt + 4] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", h, nt + 4, 0x14C, len(sections), 0x5F000000, 0, 0, 224, 0x0102)
    o = nt + 24
    last = sections[-1]
    size_image = last[2] + ((last[1] + 0xFFF) & ~0xFFF)
    struct.pack_into("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", h, o,
                     0x10B, 14, 0, sections[0][1], 0, 0, ep_rva, sections[0][2], sections[0][2],
                     0x400000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0, size_image, hdr_size, 0, 2, 0,
                     0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    s = o + 224
    for i, (raw, rsz, rva) in enumerate(sections):
        name = (b".text" if i == 0 else b".s%d" % i)[:8]
        h[s:s + len(name)] = name
        struct.pack_into("<IIII", h, s + 8, rsz, rva, rsz, raw)
        struct.pack_into("<I", h, s + 36, 0x60000020 if i == 0 else 0xC0000040)
        s += 40
    return bytes(h)


def version_resource(rva, keys):
    """An .rsrc section at rva: RT_VERSION / 1 / 0x409 -> a VS_VERSION_INFO with
    one string table whose strings' keys start with the given byte strings.
    Returns (bytes, [offset of each key in them]). Each key is followed by a
    UTF-16 NUL (at an even offset of its string) and a value, so libclamav's
    walk (pe.c cli_peheader) collects it whatever bytes it holds."""
    def wide(s):
        return s.encode("utf-16-le") + b"\0\0"

    def pad4(b):
        return b + bytes(-len(b) % 4)

    strings, rel = b"", []
    for k in keys:
        body = k + bytes(len(k) % 2) + b"\0\0"
        body = pad4(bytes(6) + body)[6:] + b"a\0\0\0"
        s = struct.pack("<HHH", 6 + len(body), 2, 1) + body
        rel.append(len(strings) + 6)
        strings += pad4(s)
    table = struct.pack("<HHH", 24 + len(strings), 0, 1) + wide("040904b0") + strings
    sfi = struct.pack("<HHH", 36 + len(table), 0, 1) + wide("StringFileInfo") + table
    fixed = struct.pack("<I", 0xFEEF04BD) + bytes(48)
    vs = struct.pack("<HHH", 92 + len(sfi), 0x34, 0) + wide("VS_VERSION_INFO") + b"\0\0" + fixed + sfi
    if len(vs) > 0xFFFF:
        raise Skip("VI patterns too long for one version resource")
    d = bytearray(0x58)
    struct.pack_into("<12xHHII", d, 0, 0, 1, 0x10, 0x80000018)
    struct.pack_into("<12xHHII", d, 0x18, 0, 1, 1, 0x80000030)
    struct.pack_into("<12xHHII", d, 0x30, 0, 1, 0x409, 0x48)
    struct.pack_into("<IIII", d, 0x48, rva + 0x58, len(vs), 0, 0)
    return bytes(d) + vs, [0x58 + 92 + 36 + 24 + r for r in rel]


def elf_header(entry_off, size):
    e = bytearray(0x78)
    e[0:16] = b"\x7fELF\x02\x01\x01" + bytes(9)
    struct.pack_into("<HHIQQQIHHHHHH", e, 16, 2, 0x3E, 1, 0x400000 + entry_off, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    struct.pack_into("<IIQQQQQQ", e, 64, 1, 5, 0, 0x400000, 0x400000, size, size, 0x1000)
    return bytes(e)


def align(n, a):
    return (n + a - 1) // a * a


def build(items, target, tdb, rng):
    """Bytes of a file holding every item: (offset tuple, data, lead) (random shifts retried on overlap);
    lead bytes of data come before the offset the signature names."""
    for _ in range(20):
        try:
            return build_once(items, target, tdb, rng)
        except Skip as e:
            if str(e) != "placements overlap":
                raise
    raise Skip("placements overlap")


def build_once(items, target, tdb, rng):
    img = Image()
    kinds = {it[0][0] for it in items}
    fsize = tdb.get("FileSize", (0, 1 << 31))
    exe_kinds = {"ep", "sec", "se", "sl"}
    if target not in (1, 6) and kinds & exe_kinds:
        raise Skip("EP/section offsets need target 1 or 6")
    vis = [it for it in items if it[0][0] == "vi"]
    if vis and (target != 1 or "sl" in kinds):
        raise Skip("VI needs target 1 (and its own last section)")
    if any(lead for _, _, lead in vis):
        raise Skip("VI pattern with bytes before its start")
    if target == 6 and kinds & {"sec", "se", "sl"}:
        raise Skip("ELF section offsets not handled")
    if target == 1:
        nsec_lo, nsec_hi = tdb.get("NumberOfSections", (1, 96))
        used = [it[0][1] for it in items if it[0][0] in ("sec", "se")]
        nsec = max([2, nsec_lo] + [u + 1 for u in used])
        nsec = max(nsec, 1)
        if nsec + bool(vis) > nsec_hi:
            raise Skip("NumberOfSections range vs section offsets")
        hdr = align(0x178 + 40 * (nsec + bool(vis)), 0x200)
        fixed = [[] for _ in range(nsec)]  # (rel, data)
        floats = [[] for _ in range(nsec)]
        ep_need = max([0] + [it[2] - it[0][1] for it in items if it[0][0] == "ep"])
        s0_end = max([0] + [it[0][2] + it[0][3] + len(it[1]) - it[2]
                            for it in items if it[0][0] == "sec" and it[0][1] == 0])
        ep_rel = s0_end + ep_need + rng.randrange(16)
        if "EntryPoint" in tdb:
            lo, hi = tdb["EntryPoint"]
            lo_rel = max(ep_need, lo - hdr)
            if lo_rel > hi - hdr:
                raise Skip("EntryPoint range")
            ep_rel = rng.randint(lo_rel, min(hi - hdr, lo_rel + 64))
        for off, data, lead in items:
            k = off[0]
            if k == "ep":
                fixed[0].append((ep_rel + off[1] + rng.randint(0, off[2]) - lead, data))
            elif k == "sec":
                fixed[off[1]].append((off[2] + rng.randint(0, off[3]) - lead, data))
            elif k == "sl":
                fixed[nsec - 1].append((off[1] + rng.randint(0, off[2]) - lead, data))
            elif k == "se":
                floats[off[1]].append(data)
        sections = []
        raw = hdr
        rva = 0x1000
        layout = []
        for i in range(nsec):
            need = max([ep_rel + 1 if i == 0 else 0] + [r + len(d) for r, d in fixed[i]])
            fl = []
            for d in floats[i]:
                need += rng.randint(1, 16)
                fl.append((need, d))
                need += len(d)
            rsz = max(0x200, align(need + 1, 0x200))
            sections.append((raw, rsz, rva))
            layout.append(fixed[i] + fl)
            raw += rsz
            rva += align(rsz, 0x1000)
        rsrc = None
        if vis:
            rsrc, keys = version_resource(rva, [d for _, d, _ in vis])
            rsz = align(len(rsrc), 0x200)
            sections.append((raw, rsz, rva))
            layout.append([(0, rsrc)])
            raw += rsz
        h = bytearray(pe_header(sections, sections[0][2] + ep_rel, hdr))
        if rsrc:
            struct.pack_into("<II", h, 0x80 + 24 + 96 + 16, sections[-1][2], len(rsrc))
        img.put(0, bytes(h))
        for (sraw, rsz, _), placed in zip(sections, layout):
            for r, d in placed:
                img.put(sraw + r, d)
        img.grow(raw)
        base_end = raw
    elif target == 6:
        ep_need = max([0] + [it[2] - it[0][1] for it in items if it[0][0] == "ep"])
        ep_off = 0x80 + ep_need + rng.randrange(16)
        img.put(0, bytes(0x78))  # patched below
        for off, data, lead in items:
            if off[0] == "ep":
                img.put(ep_off + off[1] + rng.randint(0, off[2]) - lead, data)
        img.grow(ep_off + 1)
        base_end = ep_off + 1
    else:
        base_end = 0
    for off, data, lead in items:
        if off[0] == "abs":
            img.put(off[1] + rng.randint(0, off[2]) - lead, data)
    pos = max(img.end(), base_end)
    for off, data, lead in items:
        if off[0] == "any":
            pos += rng.randint(1, 24)
            img.put(pos, data)
            pos += len(data)
    pos = max(pos, img.end()) + rng.randint(0, 16)
    eofs = [(off[1], off[2], data, lead) for off, data, lead in items if off[0] == "eof"]
    tail = max([0] + [n for n, _, _, _ in eofs])
    size = max(pos + tail, fsize[0])
    if size > fsize[1]:
        raise Skip("FileSize range too small for the content")
    size = min(size + rng.randint(0, 8), fsize[1])
    for n, shift, data, lead in eofs:
        start = size - n + rng.randint(0, min(shift, max(0, n - len(data) + lead))) - lead
        if start + len(data) > size:
            raise Skip("EOF-n pattern longer than n")
        img.put(start, data)
    if img.end() > size:
        raise Skip("content beyond the FileSize range")
    if size == 0:
        size = 1
    out = bytearray(img.finish(size, rng))
    if target == 6:
        out[0:0x78] = elf_header(ep_off, size)
    return bytes(out)


# ---------------------------------------------------------------------------
# Logical signatures: expression parsing, evaluation, and choosing counts.


def parse_expr(s):
    toks = re.findall(r"\d+|[()&|=<>,]", s)
    if "".join(toks) != s.replace(" ", ""):
        raise Skip("logical expression syntax")
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take():
        pos[0] += 1
        return toks[pos[0] - 1]

    def expr():
        node = term()
        while peek() in ("&", "|"):
            op = take()
            rhs = term()
            if node[0] == op:
                node[1].append(rhs)
            else:
                node = (op, [node, rhs])
        return node

    def term():
        if peek() == "(":
            take()
            node = expr()
            if take() != ")":
                raise Skip("unbalanced expression")
        else:
            node = ("leaf", int(take()))
        if peek() in ("=", ">", "<"):
            op = take()
            x = int(take())
            y = None
            if peek() == ",":
                take()
                y = int(take())
            node = ("count", node, op, x, y)
        return node

    node = expr()
    if pos[0] != len(toks):
        raise Skip("trailing expression tokens")
    return node


def leaves(node):
    if node[0] == "leaf":
        return [node[1]]
    if node[0] == "count":
        return leaves(node[1])
    return [x for c in node[1] for x in leaves(c)]


def evaluate(node, cnt):
    """(truth, match count) of node under subsignature counts (our model of clamscan)."""
    k = node[0]
    if k == "leaf":
        c = cnt.get(node[1], 0)
        return c > 0, c
    if k == "count":
        _, val = evaluate(node[1], cnt)
        _, _, op, x, y = node
        ok = val == x if op == "=" else val > x if op == ">" else val < x
        if y is not None:
            ok = ok and len({i for i in leaves(node[1]) if cnt.get(i, 0)}) >= y
        return ok, val if ok else 0
    res = [evaluate(c, cnt) for c in node[1]]
    if k == "&":
        ok = all(r[0] for r in res)
    else:
        ok = any(r[0] for r in res)
    return ok, sum(r[1] for r in res) if ok else 0


def make_true(node, usable, rng):
    k = node[0]
    if k == "leaf":
        if node[1] not in usable:
            raise Skip("needs a subsignature we cannot build")
        return {node[1]: 1}
    if k == "&":
        out = {}
        for c in node[1]:
            for i, n in make_true(c, usable, rng).items():
                out[i] = max(out.get(i, 0), n)
        return out
    if k == "|":
        kids = list(node[1])
        rng.shuffle(kids)
        for c in kids:
            try:
                return make_true(c, usable, rng)
            except Skip:
                continue
        raise Skip("no branch of an OR can be built")
    _, child, op, x, y = node
    target = x if op == "=" else x + 1 + rng.randrange(2) if op == ">" else rng.randint(0, x - 1)
    if target == 0:
        return {}
    lv = [i for i in dict.fromkeys(leaves(child)) if i in usable]
    want = max(1, y or 1)
    if child[0] == "leaf":
        if not lv:
            raise Skip("needs a subsignature we cannot build")
        return {child[1]: target}
    if len(lv) < want or target < want:
        raise Skip("count block cannot be met")
    base = make_true(child, usable, rng) if child[0] == "&" else {}
    chosen = set(base) | set(rng.sample(lv, want))
    chosen = list(chosen)
    out = {i: 1 for i in chosen}
    rest = target - len(chosen)
    if rest < 0:
        raise Skip("count block cannot be met")
    for _ in range(rest):
        out[rng.choice(chosen)] += 1
    return out


def parse_tdb(tdb):
    out = {}
    for part in tdb.split(","):
        if ":" not in part:
            raise Skip("TDB syntax")
        key, val = part.split(":", 1)
        if key in ("Engine",):
            continue
        if key == "Target":
            out[key] = int(val)
        elif key in ("FileSize", "EntryPoint", "NumberOfSections"):
            if "-" in val:
                a, b = val.split("-", 1)
                out[key] = (int(a), int(b))
            else:
                out[key] = (int(val), int(val))
        else:
            raise Skip("TDB %s not handled" % key)
    return out


BYTECMP_RE = re.compile(r"^(\d+)\(([^#]*)#([a-z]*)(\d+)#([^)]*)\)$")
MACRO_RE = re.compile(r"^\$\{\d+-\d+\}\d+\$$")
PCRE_RE = re.compile(r"^(?:([^:/]+):)?([^/]+)/(.*)/([a-zA-Z]*)$")


class Pcre:
    """A PCRE subsignature [Offset:]Trigger/Pattern/Flags."""

    def __init__(self, off, trigger, pattern, flags):
        self.off, self.trigger, self.pattern, self.flags = off, trigger, pattern, flags


class ByteCmp:
    """A byte compare Ref(>>n#options#comparisons)."""

    def __init__(self, ref, shift, opts, nbytes, comps):
        self.ref, self.shift, self.opts, self.nbytes, self.comps = ref, shift, opts, nbytes, comps


def subsig_item(sub):
    """(offset tuple, tokens, modifiers) of a hex subsignature, a Pcre or a ByteCmp, or Skip
    with the reason."""
    m = BYTECMP_RE.match(sub)
    if m:
        off = m.group(2)
        shift = 0 if off in ("", "0") else int(off[2:], 0) * (-1 if off.startswith("<<") else 1)
        comps = [(c[0], int(c[1:], 0)) for c in m.group(5).split(",")]
        return ByteCmp(int(m.group(1)), shift, m.group(3), int(m.group(4)), comps)
    if MACRO_RE.match(sub):
        raise Skip("macro subsignature")
    m = PCRE_RE.match(sub.split("::", 1)[0] if "::" in sub.rsplit("/", 1)[-1] else sub)
    if m and "/" in sub:
        off = parse_offset(m.group(1)) if m.group(1) else ("any", 0)
        if off[0] not in ("any", "abs", "eof"):
            raise Skip("PCRE offset %s not handled" % off[0])
        return Pcre(off, parse_expr(m.group(2)), m.group(3), m.group(4))
    mods = ""
    if "::" in sub:
        sub, mods = sub.split("::", 1)
    if "/" in sub:
        raise Skip("PCRE subsignature")
    off = ("any", 0)
    if ":" in sub:
        o, sub = sub.rsplit(":", 1)
        off = parse_offset(o)
    return off, parse_hex(sub), mods


# A string for a PCRE: generated from a small subset of the syntax (literals,
# escapes, classes, groups with |, quantifiers), then checked with Python's re.

def gen_regex(pat, rng):
    out = []
    i = 0

    def atom():
        nonlocal i
        c = pat[i]
        if c == "\\":
            e = pat[i + 1]
            i += 2
            if e == "x":
                v = int(pat[i:i + 2], 16)
                i += 2
                return lambda: chr(v)
            classes = {"d": "0123456789", "w": "abcxyzABC_019", "s": " \t"}
            if e in classes:
                return lambda: rng.choice(classes[e])
            if e.isalnum():
                raise Skip("PCRE escape \\%s not handled" % e)
            return lambda: e
        if c == "[":
            j = pat.index("]", i + 2)
            body = pat[i + 1:j]
            i = j + 1
            if body.startswith("^"):
                raise Skip("negated PCRE class")
            chars = []
            k = 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    chars += [chr(x) for x in range(ord(body[k]), ord(body[k + 2]) + 1)]
                    k += 3
                else:
                    chars.append(body[k])
                    k += 1
            return lambda: rng.choice(chars)
        if c == "(":
            depth, j = 0, i
            while True:
                if pat[j] == "\\":
                    j += 2
                    continue
                depth += pat[j] == "("
                depth -= pat[j] == ")"
                if depth == 0:
                    break
                j += 1
            body = pat[i + 1:j]
            i = j + 1
            if body.startswith("?"):
                raise Skip("PCRE group syntax not handled")
            alts, depth, start = [], 0, 0
            for k, ch in enumerate(body):
                depth += ch == "("
                depth -= ch == ")"
                if ch == "|" and depth == 0:
                    alts.append(body[start:k])
                    start = k + 1
            alts.append(body[start:])
            return lambda: gen_regex(rng.choice(alts), rng)
        if c in ".^$|*+?{":
            if c == ".":
                i += 1
                return lambda: rng.choice("abc123")
            raise Skip("PCRE syntax %r not handled" % c)
        i += 1
        return lambda: c

    while i < len(pat):
        gen = atom()
        lo = hi = 1
        if i < len(pat) and pat[i] in "*+?{":
            q = pat[i]
            if q == "{":
                j = pat.index("}", i)
                a, _, b = pat[i + 1:j].partition(",")
                lo = int(a)
                hi = lo if not _ else (int(b) if b else lo + 3)
                i = j + 1
            else:
                lo, hi = {"*": (0, 3), "+": (1, 3), "?": (0, 1)}[q]
                i += 1
        out += [gen() for _ in range(rng.randint(lo, hi))]
    return "".join(out)


def pcre_bytes(p, rng):
    flags = 0
    for f, v in (("i", re.I), ("s", re.S), ("m", re.M), ("x", re.X)):
        if f in p.flags:
            flags |= v
    if set(p.flags) - set("gismxre"):
        raise Skip("PCRE flags %s not handled" % p.flags)
    if "x" in p.flags:
        raise Skip("PCRE flag x not handled")
    text = gen_regex(p.pattern, rng)
    data = text.encode("latin-1")
    if not re.fullmatch(p.pattern.encode("latin-1"), data, flags):
        raise Skip("PCRE string generation failed")
    return data


# Bytes a byte compare reads, for a value meeting its comparisons.

def bytecmp_value(b):
    for cand in sorted({x + d for _, x in b.comps for d in (-1, 0, 1)}, key=abs):
        if all(cand == x if op == "=" else cand > x if op == ">" else cand < x for op, x in b.comps):
            return cand
    raise Skip("byte-compare comparisons cannot all hold")


def bytecmp_bytes(b):
    v, n, o = bytecmp_value(b), b.nbytes, b.opts
    le, be = "l" in o, "b" in o or "d" in o
    if not (le or be):
        raise Skip("byte compare without endianness never matches")
    if v < 0:
        raise Skip("negative byte-compare value not handled")
    if "i" in o:
        if v >= 1 << (8 * n):
            raise Skip("byte-compare value too wide")
        return v.to_bytes(n, "little" if le else "big")
    if "h" in o or ("a" in o and n >= 3 and be):
        prefix = "0x" if "a" in o else ""
        digits = n - len(prefix)
        text = "%0*x" % (digits, v)
        if len(text) != digits:
            raise Skip("byte-compare value too wide")
        if le:
            if n % 2:
                raise Skip("odd little-endian hex length not handled")
            text = "".join(text[k:k + 2] for k in range(len(text) - 2, -1, -2))
        return (prefix + text).encode()
    if ("d" in o or "a" in o) and be:
        text = "%0*d" % (n, v)
        if len(text) != n or ("a" in o and (n < 3 or text.startswith("0x"))):
            raise Skip("byte-compare value too wide")
        return text.encode()
    raise Skip("byte-compare format %s not handled" % o)


# ---------------------------------------------------------------------------
# Signature files


def sig_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in sorted(os.walk(p)):
                for f in sorted(files):
                    if f.endswith(SIG_EXTS):
                        yield os.path.join(root, f)
        elif p.endswith(SIG_EXTS):
            yield p


def trigger_ndb(line, rng):
    parts = line.split(":")
    if len(parts) < 4:
        raise Skip("ndb syntax")
    name, target, offset, hexsig = parts[0], int(parts[1]), parts[2], parts[3]
    if target not in SUPPORTED_TARGETS:
        raise Skip("target type %d" % target)
    toks = parse_hex(hexsig)
    off = parse_offset(offset)
    return name, build([(off, gen_hex(toks, rng), lead_len(toks, special_len))], target, {}, rng)


def trigger_ldb(line, rng, stats):
    parts = line.split(";")
    if len(parts) < 4:
        raise Skip("ldb syntax")
    name, tdb, expr, subs = parts[0], parse_tdb(parts[1]), parts[2], parts[3:]
    target = tdb.get("Target", 0)
    if target not in SUPPORTED_TARGETS:
        raise Skip("target type %d" % target)
    node = parse_expr(expr)
    usable = {}
    for i, sub in enumerate(subs):
        try:
            usable[i] = subsig_item(sub)
        except Skip as e:
            stats[str(e)] = stats.get(str(e), 0) + 1
    for _ in range(40):
        try:
            counts = make_true(node, usable, rng)
            counts = with_dependencies(counts, usable, rng)
        except Skip:
            continue
        if not evaluate(node, counts)[0]:
            continue
        items = []
        for i, n in sorted(counts.items()):
            u = usable[i]
            if isinstance(u, ByteCmp):
                continue  # placed with its reference below
            if isinstance(u, Pcre):
                if n > 1 and "g" not in u.flags:
                    raise Skip("PCRE count > 1 without g")
                if n > 1 and u.off[0] != "any":
                    raise Skip("count > 1 at a fixed offset")
                for _ in range(n):
                    data = pcre_bytes(u, rng)
                    off = u.off
                    if "e" in u.flags and off[0] != "any" and off[-1]:
                        # e: the whole match within the shift, not only its start
                        if off[-1] < len(data):
                            raise Skip("PCRE longer than its e window")
                        off = off[:-1] + (off[-1] - len(data),)
                    items.append((off, data, 0))
                continue
            off, toks, mods = u
            if n > 1 and off[0] not in ("any", "se", "vi"):
                raise Skip("count > 1 at a fixed offset")
            cmps = [usable[j] for j in counts if isinstance(usable[j], ByteCmp) and usable[j].ref == i]
            for k in range(n):
                data, lead = apply_mods(gen_hex(toks, rng), lead_len(toks, special_len), mods, rng)
                if k == n - 1 and cmps:  # the comparisons read from the last match
                    data = with_bytecmps(data, lead, cmps, rng)
                items.append((off, data, lead))
        return name, build(items, target, tdb, rng)
    raise Skip("expression cannot be satisfied with the usable subsignatures")


def with_dependencies(counts, usable, rng):
    """Counts made consistent with what PCREs and byte compares need: a PCRE's trigger
    must hold (on the subsignatures before it), a byte compare's reference must match
    once (a hex subsignature: it reads from its last match)."""
    counts = dict(counts)
    for i in range(max(counts, default=-1), -1, -1):  # dependencies come before
        if i not in counts:
            continue
        u = usable.get(i)
        if isinstance(u, Pcre):
            for j, n in make_true(u.trigger, {k: v for k, v in usable.items() if k < i}, rng).items():
                counts[j] = max(counts.get(j, 0), n)
            if not evaluate(u.trigger, counts)[0]:
                raise Skip("PCRE trigger cannot hold")
        elif isinstance(u, ByteCmp):
            if counts[i] != 1:
                raise Skip("byte compare counts at most 1")
            ref = usable.get(u.ref)
            if not isinstance(ref, tuple) or u.ref == i:
                raise Skip("byte compare referring to other than a hex subsignature")
            counts[u.ref] = max(counts.get(u.ref, 0), 1)
    return counts


def with_bytecmps(data, lead, cmps, rng):
    """The match bytes followed by what the byte compares read at their offsets."""
    out = bytearray(data)
    fixed = [True] * len(out)
    for b in cmps:
        at = lead + b.shift
        if b.shift < 0 or at < 0:
            raise Skip("byte compare before its reference not handled")
        val = bytecmp_bytes(b)
        if at + len(val) > len(out):
            grow = at + len(val) - len(out)
            out += bytes(rng.choice(b"GHIJKLMNOPQRSTUVWXYZ") for _ in range(grow))
            fixed += [False] * grow
        if all(fixed[at:at + len(val)]) and "i" in b.opts:
            # it reads the reference's own bytes: fine when they compare right
            v = int.from_bytes(out[at:at + len(val)], "little" if "l" in b.opts else "big")
            if all(v == x if op == "=" else v > x if op == ">" else v < x for op, x in b.comps):
                continue
        for k, c in enumerate(val):
            if fixed[at + k] and out[at + k] != c:
                raise Skip("byte compare reads the reference's own bytes")
            out[at + k] = c
            fixed[at + k] = True
    return bytes(out)


def generate(paths, outdir, seed):
    """Writes the trigger files and manifest.tsv; returns (manifest rows, skip reasons)."""
    os.makedirs(outdir, exist_ok=True)
    rows, skips, sub_skips = [], {}, {}
    skipped = []
    k = 0
    for path in sig_files(paths):
        with open(path, encoding="latin-1") as f:
            lines = f.read().splitlines()
        ldb = path.endswith((".ldb", ".ldu"))
        for ln, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key = ("%d:%s:%d:%s" % (seed, os.path.basename(path), ln, line)).encode()
            rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "little"))
            try:
                name, data = trigger_ldb(line, rng, sub_skips) if ldb else trigger_ndb(line, rng)
            except (Skip, ValueError, IndexError) as e:
                why = str(e) if isinstance(e, Skip) else "parse error: %s" % e
                skips[why] = skips.get(why, 0) + 1
                skipped.append((path, ln, why))
                continue
            fname = "%05d_%s" % (k, re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80])
            k += 1
            with open(os.path.join(outdir, fname), "wb") as f:
                f.write(data)
            rows.append((fname, name, path, ln))
    with open(os.path.join(outdir, "manifest.tsv"), "w") as f:
        for r in rows:
            f.write("%s\t%s\t%s\t%d\n" % r)
    with open(os.path.join(outdir, "skipped.tsv"), "w") as f:
        for r in skipped:
            f.write("%s\t%d\t%s\n" % r)
    return rows, skips, sub_skips


# ---------------------------------------------------------------------------
# Hash databases


def hash_name(path):
    return "Vigil.Hash." + re.sub(r"[^A-Za-z0-9_-]", "_", os.path.basename(path))


def hash_db(out, files, quiet=False):
    def entries():
        for p in files:
            if os.path.isdir(p):
                for root, _, fs in sorted(os.walk(p)):
                    for f in sorted(fs):
                        yield os.path.join(root, f)
            else:
                yield p

    stem, ext = os.path.splitext(out)
    want = {".hdb": ("md5",), ".hsb": ("sha1", "sha256")}.get(ext)
    targets = {ext: want} if want else {".hdb": ("md5",), ".hsb": ("sha1", "sha256")}
    if not want:
        stem = out
    lines = {e: [] for e in targets}
    for p in entries():
        with open(p, "rb") as f:
            data = f.read()
        if not data:
            continue
        base = hash_name(p)
        for e, algos in targets.items():
            for a in algos:
                lines[e].append("%s:%d:%s.%s" % (hashlib.new(a, data).hexdigest(), len(data), base, a))
    for e, ls in lines.items():
        with open(stem + e, "w") as f:
            f.write("\n".join(ls) + ("\n" if ls else ""))
        if not quiet:
            print("%s: %d signatures" % (stem + e, len(ls)))


# ---------------------------------------------------------------------------
# Checking against clamscan


def ensure_clamscan():
    if shutil.which("clamscan"):
        return True
    cmd = ["apt-get", "install", "-y", "clamav"]
    if os.geteuid() != 0 and shutil.which("sudo"):
        cmd = ["sudo"] + cmd
    subprocess.run(cmd, check=False)
    return bool(shutil.which("clamscan"))


def run_clamscan(sigs, target, extra):
    cmd = ["clamscan", "--no-summary"] + extra
    for s in sigs:
        cmd += ["-d", s]
    cmd.append(target)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    found = {}
    for line in p.stdout.splitlines():
        if line.endswith(" FOUND"):
            path, name = line[:-6].rsplit(": ", 1)
            found.setdefault(os.path.basename(path), []).append(name)
    return p.returncode, found, p.stderr, " ".join(cmd)


def strip_suffix(name):
    return name[:-len(".UNOFFICIAL")] if name.endswith(".UNOFFICIAL") else name


def check(paths, outdir, seed, allmatch, show):
    if not ensure_clamscan():
        print("clamscan absent and could not be installed")
        return 77
    rows, skips, sub_skips = generate(paths, outdir, seed)
    extra = ["-z"] if allmatch else []
    if any(f.endswith((".ndu", ".ldu")) for f in sig_files(paths)):
        extra.append("--detect-pua")
    rc, found, err, cmdline = run_clamscan(paths, outdir, extra)
    if rc == 2:
        print("clamscan failed (%s):\n%s" % (cmdline, err))
        return 2
    hit, other, missed = 0, [], []
    for fname, name, path, ln in rows:
        names = [strip_suffix(n) for n in found.get(fname, [])]
        if name in names:
            hit += 1
        elif names:
            other.append((fname, name, names, path, ln))
        else:
            missed.append((fname, name, path, ln))
    total_sigs = sum(1 for p in sig_files(paths) for l in open(p, encoding="latin-1")
                     if l.strip() and not l.startswith("#"))
    print("command: %s" % cmdline)
    print("signatures: %d, trigger files: %d, skipped signatures: %d" % (total_sigs, len(rows), sum(skips.values())))
    for why, n in sorted(skips.items(), key=lambda x: -x[1]):
        print("  skipped %4d  %s" % (n, why))
    for why, n in sorted(sub_skips.items(), key=lambda x: -x[1]):
        print("  subsignatures left out %4d  %s" % (n, why))
    pct = 100.0 * hit / len(rows) if rows else 0.0
    print("coverage: %d/%d trigger files detected with the intended name (%.1f%%)" % (hit, len(rows), pct))
    print("detected under another name: %d" % len(other))
    for fname, name, names, path, ln in other[:show]:
        print("  %s (%s:%d) wanted %s, got %s" % (fname, path, ln, name, ", ".join(names)))
    print("not detected: %d" % len(missed))
    for fname, name, path, ln in missed[:show]:
        print("  %s (%s:%d) %s" % (fname, path, ln, name))
    if rows:
        # the same files as hash signatures: every one must be found by its own hash name
        hdir = tempfile.mkdtemp(prefix="clam_hashdb.")
        try:
            files = [os.path.join(outdir, r[0]) for r in rows]
            for ext in (".hdb", ".hsb"):
                hash_db(os.path.join(hdir, "vigil_triggers" + ext), files, quiet=True)
                rc, found, err, cmdline = run_clamscan([os.path.join(hdir, "vigil_triggers" + ext)], outdir, ["-z"])
                ok = sum(1 for r in rows if any(strip_suffix(n).startswith(hash_name(r[0]) + ".")
                                                for n in found.get(r[0], [])))
                print("hash %s: %d/%d trigger files found by their own hash signatures (clamscan -z -d DB)"
                      % (ext, ok, len(rows)) + ("" if rc != 2 else " [clamscan error: %s]" % err.strip()))
        finally:
            shutil.rmtree(hdir)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sigs", nargs="*", help="signature files or folders (.ndb .ndu .ldb .ldu); files for --hash-db")
    ap.add_argument("-o", "--out", help="output folder for trigger files (default with --check: a temp folder)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="run clamscan on the generated files and report coverage")
    ap.add_argument("--allmatch", action="store_true", help="with --check: clamscan -z (every name per file)")
    ap.add_argument("--show", type=int, default=50, help="with --check: how many misses to list")
    ap.add_argument("--hash-db", metavar="OUT", help="write OUT.hdb (MD5) / OUT.hsb (SHA1, SHA256) for the given files")
    a = ap.parse_args()
    if a.hash_db:
        hash_db(a.hash_db, a.sigs)
        return 0
    if not a.sigs:
        ap.error("no signature files given")
    if a.check:
        tmp = None
        out = a.out
        if not out:
            tmp = tempfile.mkdtemp(prefix="clam_triggers.")
            out = tmp
        try:
            return check(a.sigs, out, a.seed, a.allmatch, a.show)
        finally:
            if tmp:
                shutil.rmtree(tmp)
    if not a.out:
        ap.error("-o OUTDIR is required without --check")
    rows, skips, sub_skips = generate(a.sigs, a.out, a.seed)
    print("%d trigger files in %s, %d signatures skipped" % (len(rows), a.out, sum(skips.values())))
    for why, n in sorted(skips.items(), key=lambda x: -x[1]):
        print("  skipped %4d  %s" % (n, why))
    for why, n in sorted(sub_skips.items(), key=lambda x: -x[1]):
        print("  subsignatures left out %4d  %s" % (n, why))
    return 0


if __name__ == "__main__":
    sys.exit(main())
