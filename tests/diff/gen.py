"""Seeded generator of random-but-valid YARA rules and of data files that trigger them.

Used by the differential tester (diff_generated.py). Each string is kept as a small
model (text + modifiers, hex token tree, regex AST) that can both render itself as
YARA source and produce byte sequences it matches, so data files can embed real
matches (and near misses) between random bytes. Everything draws from one
random.Random, so a seed reproduces the same rules and files exactly.
"""

import base64
import random
import string

ALNUM = string.ascii_letters + string.digits
B64_STD = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
# Offsets used by "at"/"in" conditions; the data generator plants strings there.
ANCHORS = [0, 16, 64, 100, 256, 1000]


def yara_escape(data):
    """Renders bytes as the body of a YARA text string."""
    out = []
    for b in data:
        c = chr(b)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def flip_case(rng, data):
    return bytes((b ^ 0x20) if chr(b).isalpha() and b < 128 and rng.random() < 0.5 else b
                 for b in data)


def widen(data):
    return b"".join(bytes([b, 0]) for b in data)


# ---------------------------------------------------------------------------
# Text strings


class TextString:
    kind = "text"

    def __init__(self, rng):
        self.rng = rng
        n = rng.randint(4, 14)
        chars = []
        for _ in range(n):
            r = rng.random()
            if r < 0.80:
                chars.append(ord(rng.choice(ALNUM)))
            elif r < 0.92:
                chars.append(ord(rng.choice(" .-_:/\"\\\t\n")))
            else:
                chars.append(rng.randrange(256))
        self.value = bytes(chars)
        self.mods = []
        self.xor = None
        self.b64 = None  # None, "base64" or "base64wide"
        self.alphabet = None
        r = rng.random()
        if r < 0.12:
            self.b64 = rng.choice(["base64", "base64wide"])
            if rng.random() < 0.3:
                alpha = list(B64_STD)
                rng.shuffle(alpha)
                self.alphabet = "".join(alpha)
        elif r < 0.30:
            lo = rng.randint(0, 40)
            hi = lo + rng.randint(0, 8)
            self.xor = (lo, hi)
        if self.b64 is None and self.xor is None and rng.random() < 0.3:
            self.mods.append("nocase")
        enc = rng.random()
        if enc < 0.25:
            self.mods.append("wide")
        elif enc < 0.40:
            self.mods += ["wide", "ascii"]
        elif enc < 0.50:
            self.mods.append("ascii")
        if self.b64 is None and rng.random() < 0.2:
            self.mods.append("fullword")
        self.private = rng.random() < 0.08
        self.fullword = "fullword" in self.mods
        self.nocase = "nocase" in self.mods

    def render(self):
        parts = ['"%s"' % yara_escape(self.value)] + list(self.mods)
        if self.xor is not None:
            lo, hi = self.xor
            if lo == 0 and hi == 255:
                parts.append("xor")
            elif lo == hi:
                parts.append("xor(%d)" % lo)
            else:
                parts.append("xor(%d-%d)" % (lo, hi))
        if self.b64:
            if self.alphabet:
                parts.append('%s("%s")' % (self.b64, self.alphabet))
            else:
                parts.append(self.b64)
        if self.private:
            parts.append("private")
        return " ".join(parts)

    def instance(self):
        rng = self.rng
        data = self.value
        if self.nocase:
            data = flip_case(rng, data)
        if self.b64:
            pre = bytes(rng.choice(ALNUM.encode()) for _ in range(rng.randint(0, 2)))
            enc = base64.b64encode(pre + data + b"\x00")
            if self.alphabet:
                enc = enc.translate(bytes.maketrans(B64_STD.encode(), self.alphabet.encode()))
            return widen(enc) if self.b64 == "base64wide" else enc
        if "wide" in self.mods and ("ascii" not in self.mods or rng.random() < 0.5):
            data = widen(data)
        if self.xor is not None:
            key = rng.randint(self.xor[0], self.xor[1])
            data = bytes(b ^ key for b in data)
        return data


# ---------------------------------------------------------------------------
# Hex strings: a token list of ("b", v) | ("m", text, hi, lo) | ("w",) |
# ("j", lo, hi or None) | ("a", [token lists])


class HexString:
    kind = "hex"
    fullword = False
    nocase = False

    def __init__(self, rng):
        self.rng = rng
        self.tokens = self._seq(rng, depth=0, in_alt=False)
        self.private = rng.random() < 0.05

    def _run(self, rng, n):
        return [("b", rng.randrange(256)) for _ in range(n)]

    def _seq(self, rng, depth, in_alt):
        # Starts and ends with fixed bytes (yara forbids edge jumps) and keeps a
        # run of 3+ fixed bytes so the string is not "slow".
        toks = self._run(rng, rng.randint(3, 5) if depth == 0 else rng.randint(1, 3))
        for _ in range(rng.randint(0, 3 if depth == 0 else 1)):
            r = rng.random()
            if r < 0.3:
                toks.append(("w",))
            elif r < 0.5:
                v = rng.randrange(16)
                if rng.random() < 0.5:
                    toks.append(("m", "%X?" % v, v, None))
                else:
                    toks.append(("m", "?%X" % v, None, v))
            elif r < 0.75:
                lo = rng.randint(0, 6)
                if not in_alt and depth == 0 and rng.random() < 0.15:
                    toks.append(("j", lo, None))
                elif not in_alt and rng.random() < 0.1:
                    # Over 200 is refused inside alternatives; fine outside.
                    toks.append(("j", lo, lo + rng.randint(20, 300)))
                else:
                    # "[0]" is rejected by yara ("invalid jump length").
                    toks.append(("j", lo, lo + rng.randint(0 if lo else 1, 8)))
            elif depth < 2:
                alts = [self._seq(rng, depth + 1, True) for _ in range(rng.randint(2, 3))]
                toks.append(("a", alts))
            toks += self._run(rng, rng.randint(1, 3))
        return toks

    def _render(self, toks):
        out = []
        for t in toks:
            if t[0] == "b":
                out.append("%02X" % t[1])
            elif t[0] == "m":
                out.append(t[1])
            elif t[0] == "w":
                out.append("??")
            elif t[0] == "j":
                if t[2] is None:
                    out.append("[%d-]" % t[1])
                elif t[1] == t[2]:
                    out.append("[%d]" % t[1])
                else:
                    out.append("[%d-%d]" % (t[1], t[2]))
            else:
                out.append("( " + " | ".join(self._render(a) for a in t[1]) + " )")
        return " ".join(out)

    def render(self):
        s = "{ " + self._render(self.tokens) + " }"
        return s + (" private" if self.private else "")

    def instance(self):
        return hex_instance(self.rng, self.tokens)


def hex_instance(rng, toks, max_extra=30):
    """Bytes matching a hex token list: random wildcards, a random jump length
    (unbounded jumps get up to max_extra bytes more than their minimum)."""
    out = bytearray()
    for t in toks:
        if t[0] == "b":
            out.append(t[1])
        elif t[0] == "m":
            hi = t[2] if t[2] is not None else rng.randrange(16)
            lo = t[3] if t[3] is not None else rng.randrange(16)
            out.append(hi << 4 | lo)
        elif t[0] == "w":
            out.append(rng.randrange(256))
        elif t[0] == "j":
            hi = t[2] if t[2] is not None else t[1] + rng.randint(0, max_extra)
            out += bytes(rng.randrange(256) for _ in range(rng.randint(t[1], hi)))
        else:
            out += hex_instance(rng, rng.choice(t[1]), max_extra)
    return bytes(out)


# ---------------------------------------------------------------------------
# Regexes from a safe grammar. AST node: (atom, qmin, qmax, lazy) where atom is
# ("lit", ch) | ("esc", "\\d") | ("cls", text, chars, negated) | ("dot",) |
# ("grp", [alternatives]); qmax None means unbounded.

REGEX_LIT = ALNUM + " _,:="
REGEX_ESCAPED = ".-/+*?()[]{}|"


class RegexString:
    kind = "regex"

    def __init__(self, rng):
        self.rng = rng
        self.dotall = rng.random() < 0.2
        self.icase = rng.random() < 0.15
        # yara refuses to mix greedy and lazy quantifiers in one regex.
        self.lazy = rng.random() < 0.12
        self.nodes = self._seq(rng, 0)
        self.mods = []
        if rng.random() < 0.2:
            self.mods.append("nocase")
        enc = rng.random()
        if enc < 0.2:
            self.mods.append("wide")
        elif enc < 0.3:
            self.mods += ["wide", "ascii"]
        if rng.random() < 0.15:
            self.mods.append("fullword")
        self.private = rng.random() < 0.05
        self.fullword = "fullword" in self.mods
        self.nocase = "nocase" in self.mods or self.icase

    def _lits(self, rng, n):
        out = []
        for _ in range(n):
            if rng.random() < 0.1:
                out.append((("lit", rng.choice(REGEX_ESCAPED)), 1, 1, False))
            else:
                out.append((("lit", rng.choice(REGEX_LIT)), 1, 1, False))
        return out

    def _atom(self, rng, depth):
        r = rng.random()
        if r < 0.05:
            return ("lit", rng.choice("\t\x01~"))
        if r < 0.25:
            return ("esc", rng.choice(["\\d", "\\w", "\\s", "\\D", "\\W"]))
        if r < 0.5:
            a, b = sorted(rng.sample("abcdefghijklmnopqrstuvwxyz0123456789", 2))
            if not (a.isdigit() == b.isdigit()):
                a, b = "a", "f"
            chars = [chr(c) for c in range(ord(a), ord(b) + 1)]
            neg = rng.random() < 0.2
            return ("cls", "[%s%s-%s]" % ("^" if neg else "", a, b), chars, neg)
        if r < 0.65:
            return ("dot",)
        if depth < 2:
            return ("grp", [self._seq(rng, depth + 1) for _ in range(rng.randint(2, 3))])
        return ("lit", rng.choice(ALNUM))

    def _quant(self, rng):
        r = rng.random()
        if r < 0.45:
            q = (1, 1)
        elif r < 0.55:
            q = (0, 1)
        elif r < 0.65:
            q = (0, None)
        elif r < 0.75:
            q = (1, None)
        elif r < 0.85:
            n = rng.randint(1, 4)
            q = (n, n)
        else:
            n = rng.randint(0, 3)
            q = (n, n + rng.randint(1, 4))
        return q[0], q[1], q != (1, 1) and self.lazy

    def _seq(self, rng, depth):
        # Top level keeps a literal run of 3+ characters so the regex has an atom.
        nodes = self._lits(rng, rng.randint(3, 5) if depth == 0 else rng.randint(1, 2))
        for _ in range(rng.randint(0, 3 if depth == 0 else 1)):
            lo, hi, lazy = self._quant(rng)
            nodes.append((self._atom(rng, depth), lo, hi, lazy))
            nodes += self._lits(rng, rng.randint(1, 3))
        return nodes

    def _render(self, nodes):
        out = []
        for atom, lo, hi, lazy in nodes:
            if atom[0] == "lit":
                c = atom[1]
                if c in REGEX_ESCAPED:
                    s = "\\" + c
                elif c == "\t":
                    s = "\\t"
                elif not (32 <= ord(c) < 127):
                    s = "\\x%02x" % ord(c)
                else:
                    s = c
            elif atom[0] == "esc":
                s = atom[1]
            elif atom[0] == "cls":
                s = atom[1]
            elif atom[0] == "dot":
                s = "."
            else:
                s = "(" + "|".join(self._render(a) for a in atom[1]) + ")"
            if (lo, hi) == (0, 1):
                s += "?"
            elif (lo, hi) == (0, None):
                s += "*"
            elif (lo, hi) == (1, None):
                s += "+"
            elif lo == hi and lo != 1:
                s += "{%d}" % lo
            elif (lo, hi) != (1, 1):
                s += "{%d,%d}" % (lo, hi)
            if lazy:
                s += "?"
            out.append(s)
        return "".join(out)

    def render(self):
        s = "/" + self._render(self.nodes) + "/"
        if self.icase:
            s += "i"
        if self.dotall:
            s += "s"
        for m in self.mods:
            s += " " + m
        return s + (" private" if self.private else "")

    def _one(self, atom):
        rng = self.rng
        if atom[0] == "lit":
            return atom[1]
        if atom[0] == "esc":
            return {"\\d": rng.choice(string.digits), "\\w": rng.choice(ALNUM + "_"),
                    "\\s": rng.choice(" \t"), "\\D": rng.choice("xyz-,"),
                    "\\W": rng.choice(" -,;")}[atom[1]]
        if atom[0] == "cls":
            if atom[3]:
                return rng.choice([c for c in "XYZ!-,;" if c not in atom[2]])
            return rng.choice(atom[2])
        if atom[0] == "dot":
            return rng.choice(ALNUM + " .;")
        return self._inst(rng.choice(atom[1]))

    def _inst(self, nodes):
        out = []
        for atom, lo, hi, _ in nodes:
            n = rng_count(self.rng, lo, hi)
            out.extend(self._one(atom) for _ in range(n))
        return "".join(out)

    def instance(self):
        data = self._inst(self.nodes).encode()
        if self.nocase:
            data = flip_case(self.rng, data)
        if "wide" in self.mods and ("ascii" not in self.mods or self.rng.random() < 0.5):
            data = widen(data)
        return data


def rng_count(rng, lo, hi):
    return rng.randint(lo, hi if hi is not None else lo + 3)


# ---------------------------------------------------------------------------
# Rules and conditions

TAGS = ["red", "green", "blue", "apt", "pua", "test"]


class Rule:
    def __init__(self, rng, name, earlier):
        self.rng = rng
        self.name = name
        self.private = rng.random() < 0.08
        self.tags = rng.sample(TAGS, rng.randint(0, 2)) if rng.random() < 0.4 else []
        self.meta = self._meta(rng)
        self.strings = []
        self.anchored = {}  # string id -> offset the condition expects it at
        n = rng.randint(1, 5)
        for i in range(n):
            r = rng.random()
            cls = TextString if r < 0.5 else HexString if r < 0.78 else RegexString
            s = cls(rng)
            # Ids share prefixes so "$s*" sets are meaningful.
            s.ident = "$%s%d" % (rng.choice("sa"), i)
            self.strings.append(s)
        self.earlier = earlier
        self.condition = self._condition(rng)

    def _meta(self, rng):
        out = []
        for i in range(rng.randint(0, 3)):
            r = rng.random()
            if r < 0.5:
                v = bytes(rng.choice(b"abc XYZ\"\\\n\t\x01\xe9") for _ in range(rng.randint(0, 8)))
                out.append('m%d = "%s"' % (i, yara_escape(v)))
            elif r < 0.8:
                out.append("m%d = %d" % (i, rng.randint(-1000, 100000)))
            else:
                out.append("m%d = %s" % (i, rng.choice(["true", "false"])))
        return out

    def _string_term(self, rng, s):
        sid = s.ident
        cid = sid[1:]
        r = rng.random()
        if r < 0.35:
            return sid
        if r < 0.45:
            return "#%s %s %d" % (cid, rng.choice([">=", "==", "<", ">"]), rng.randint(0, 3))
        if r < 0.55:
            off = rng.choice(ANCHORS)
            self.anchored[sid] = off
            return "%s at %d" % (sid, off)
        if r < 0.62:
            off = rng.choice(ANCHORS)
            self.anchored[sid] = off
            return "%s in (%d..%d)" % (sid, max(0, off - 4), off + rng.randint(0, 64))
        if r < 0.70:
            return "@%s[1] %s %d" % (cid, rng.choice(["<", ">="]), rng.choice([64, 512, 4096]))
        if r < 0.76:
            return "!%s[1] %s %d" % (cid, rng.choice(["<", ">=", "=="]), rng.randint(3, 20))
        if r < 0.82:
            return "for any i in (1..#%s) : (@%s[i] %% %d == 0)" % (cid, cid, rng.randint(2, 8))
        if r < 0.88:
            return "for all i in (1..#%s) : (@%s[i] > %d)" % (cid, cid, rng.randint(0, 200))
        if r < 0.91:
            return "#%s in (0..%d) >= 1" % (cid, rng.choice([100, 1000, 5000]))
        if r < 0.93:
            return "%s in (filesize - %d..filesize)" % (sid, rng.choice([64, 1024]))
        if r < 0.95:
            return "uint8(@%s[1] + %d) %s 0x%02X" % (cid, rng.randint(-2, 4),
                                                   rng.choice(["<", ">="]), rng.randrange(256))
        if r < 0.97:
            return "@%s[#%s] - @%s[1] %s %d" % (cid, cid, cid, rng.choice(["<", ">"]),
                                               rng.choice([16, 200]))
        if r < 0.99:
            return "for any i in (1..3) : (!%s[i] >= %d)" % (cid, rng.randint(2, 12))
        return "defined @%s[%d]" % (cid, rng.randint(1, 3))

    def _file_term(self, rng):
        r = rng.random()
        if r < 0.3:
            return "filesize %s %d" % (rng.choice(["<", ">"]), rng.choice([512, 2048, 8192]))
        if r < 0.6:
            return "uint16(0) == 0x5A4D"
        if r < 0.8:
            return "uint8(%d) %s 0x%02X" % (rng.randint(0, 16), rng.choice(["<", ">="]),
                                           rng.randrange(256))
        return "uint32be(%d) != 0" % rng.choice([0, 4, 64])

    def _condition(self, rng):
        ids = [s.ident for s in self.strings]
        r = rng.random()
        if r < 0.25:
            cond = rng.choice(["any of them", "all of them", "none of them", "1 of them",
                               "%d of them" % min(2, len(ids)), "50% of them"])
            if cond == "none of them":
                cond = "not (any of them) or " + rng.choice(ids)
            elif rng.random() < 0.3:
                # Anonymous strings can only be referenced through "them".
                for st in self.strings:
                    st.ident = "$"
        elif r < 0.35:
            sets = ", ".join(sorted({i[:2] + "*" for i in ids}))
            cond = "for any of (%s) : (# >= 1 and @ > %d)" % (sets, rng.choice([0, 8, 100]))
            if rng.random() < 0.5:
                cond = "for all of them : ($ and ! > 0)"
        else:
            terms = [self._string_term(rng, s) for s in self.strings]
            joined = terms[0]
            for t in terms[1:]:
                joined = "(%s) %s (%s)" % (joined, rng.choice(["and", "or", "or"]), t)
            cond = joined
        if rng.random() < 0.2:
            cond = "(%s) and %s" % (cond, self._file_term(rng))
        if self.earlier and rng.random() < 0.15:
            cond = "(%s) %s %s" % (cond, rng.choice(["or", "and not"]), rng.choice(self.earlier))
        return cond

    def render(self):
        head = ("private " if self.private else "") + "rule " + self.name
        if self.tags:
            head += " : " + " ".join(self.tags)
        lines = [head, "{"]
        if self.meta:
            lines.append("    meta:")
            lines += ["        " + m for m in self.meta]
        lines.append("    strings:")
        lines += ["        %s = %s" % (s.ident, s.render()) for s in self.strings]
        lines.append("    condition:")
        lines.append("        " + self.condition)
        lines.append("}")
        return "\n".join(lines) + "\n"


def gen_rule_files(rng, nrules, nfiles):
    """Returns ([(namespace, text)], [Rule]). Namespace "ns0" also holds a
    global rule that is false for files starting with 'G'."""
    files = []
    rules = []
    per = (nrules + nfiles - 1) // nfiles
    for f in range(nfiles):
        ns_rules = []
        names = []
        for i in range(per):
            r = Rule(rng, "r%d_%d" % (f, i), names)
            names.append(r.name)
            ns_rules.append(r)
        text = "".join(r.render() + "\n" for r in ns_rules)
        if f == 0:
            text = "global rule g0 { condition: uint8(0) != 0x47 }\n\n" + text
        files.append(("ns%d" % f, text))
        rules += ns_rules
    return files, rules


# ---------------------------------------------------------------------------
# Data files


def noise(rng, n):
    r = rng.random()
    if r < 0.4:
        return rng.randbytes(n)
    if r < 0.7:
        return bytes(rng.choices(b"abcdefghij KLMNOP0123456789.,\n", k=n))
    if r < 0.85:
        return bytes(n)
    return bytes(rng.choices(b"a\x00b\x00 \x00", k=n))


def gen_data_file(rng, rules, big=False):
    """A file embedding strings of a few chosen rules between noise, with
    anchored strings planted at the offsets their conditions name. Big files
    spread the same between up to 64 KB gaps, to cross any block boundary."""
    buf = bytearray()
    gap = 65536 if big else 80
    if rng.random() < 0.3:
        buf += b"MZ" + noise(rng, rng.randint(0, 62))
    elif rng.random() < 0.1:
        buf += b"G"
    if not rules or rng.random() < 0.1:
        buf += noise(rng, rng.randint(0, 8192))
        return bytes(buf)
    chosen = rng.sample(rules, min(len(rules), rng.randint(3, 25)))
    planted = []
    for r in chosen:
        for s in r.strings:
            if rng.random() < 0.2:
                continue
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
                inst = s.instance()
                if rng.random() < 0.1 and len(inst) > 2:
                    inst = inst[:-1]  # near miss
                if s.ident in r.anchored and rng.random() < 0.6:
                    planted.append((r.anchored[s.ident], inst))
                    continue
                sep = rng.random()
                if sep < 0.15:
                    buf += rng.choice(ALNUM).encode()
                elif sep < 0.25:
                    buf += b" "
                else:
                    buf += noise(rng, rng.randint(0, gap))
                buf += inst
                if sep < 0.15 and rng.random() < 0.5:
                    buf += rng.choice(ALNUM).encode()
    buf += noise(rng, rng.randint(0, 200))
    for off, inst in planted:
        end = off + len(inst)
        if len(buf) < end:
            buf += noise(rng, end - len(buf))
        buf[off:end] = inst
    return bytes(buf)
