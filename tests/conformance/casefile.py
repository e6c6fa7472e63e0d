"""Reader for the conformance case files (tests/conformance/cases/*.txt).

The format is documented in tests/conformance/README.md; run_conformance.c
parses the same format in C. Kept apart from check_with_yara.py so other
tools (e.g. tests/diff) can reuse it without running yara.
"""

import os
import re

SECTIONS = {"rules", "include", "data", "data-hex", "data-repeat", "define",
            "expect", "strings", "error"}


class CaseError(Exception):
    pass


class Case:
    def __init__(self, area, name, line):
        self.area = area
        self.name = name
        self.line = line
        self.rules = []      # list of (namespace or None, text)
        self.includes = []   # list of (file name, text)
        self.data = b""
        self.defines = []    # list of "VAR=value"
        self.expect = None   # list of rule names ([] for none)
        self.strings = None  # list of match lines, or None when unchecked
        self.error = None    # list of required message substrings, or None

    @property
    def label(self):
        return "%s/%s" % (self.area, self.name)


def unescape(text, where):
    """C-style escapes: \\\\ \\n \\r \\t \\0 \\xHH; everything else literal bytes."""
    out = bytearray()
    raw = text.encode("utf-8")
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(raw):
            raise CaseError("%s: dangling backslash" % where)
        e = chr(raw[i + 1])
        simple = {"\\": 0x5C, "n": 0x0A, "r": 0x0D, "t": 0x09, "0": 0x00}
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            h = raw[i + 2:i + 4].decode("ascii", "replace")
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", h):
                raise CaseError("%s: bad \\x escape" % where)
            out.append(int(h, 16))
            i += 4
        else:
            raise CaseError("%s: unknown escape \\%s" % (where, e))
    return bytes(out)


def _body(lines):
    while lines and lines[-1].strip() == "":
        lines = lines[:-1]
    return lines


def _finish(case, sec, arg, lines, where):
    lines = _body(lines)
    if sec == "rules":
        case.rules.append((arg or None, "\n".join(lines) + "\n"))
    elif sec == "include":
        if not arg:
            raise CaseError("%s: include needs a file name" % where)
        case.includes.append((arg, "\n".join(lines) + "\n"))
    elif sec == "data":
        case.data += unescape("".join(lines), where)
    elif sec == "data-hex":
        h = re.sub(r"\s+", "", "".join(lines))
        if not re.fullmatch(r"([0-9A-Fa-f]{2})*", h):
            raise CaseError("%s: bad data-hex" % where)
        case.data += bytes.fromhex(h)
    elif sec == "data-repeat":
        if not arg or not arg.isdigit():
            raise CaseError("%s: data-repeat needs a count" % where)
        case.data += unescape("".join(lines), where) * int(arg)
    elif sec == "define":
        for l in lines:
            if l.strip():
                if "=" not in l:
                    raise CaseError("%s: define needs VAR=value" % where)
                case.defines.append(l.strip())
    elif sec == "expect":
        names = [l.strip() for l in lines if l.strip()]
        case.expect = [] if names == ["none"] else names
    elif sec == "strings":
        case.strings = [l.rstrip("\n") for l in lines if l.strip()]
    elif sec == "error":
        case.error = [l.strip() for l in lines if l.strip()]


def parse_file(path):
    area = os.path.splitext(os.path.basename(path))[0]
    cases = []
    case = None
    sec = arg = None
    lines = []
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    if text and text[-1] == "":
        text = text[:-1]
    for no, line in enumerate(text, 1):
        where = "%s:%d" % (path, no)
        if line.startswith("=== "):
            if case and sec:
                _finish(case, sec, arg, lines, where)
            case = Case(area, line[4:].strip(), no)
            cases.append(case)
            sec, arg, lines = None, None, []
        elif line.startswith("--- ") and case is not None:
            if sec:
                _finish(case, sec, arg, lines, where)
            parts = line[4:].split(None, 1)
            sec = parts[0]
            arg = parts[1].strip() if len(parts) > 1 else None
            if sec not in SECTIONS:
                raise CaseError("%s: unknown section %s" % (where, sec))
            lines = []
        elif sec:
            lines.append(line)
    if case and sec:
        _finish(case, sec, arg, lines, path)
    seen = set()
    for c in cases:
        where = "%s:%d (%s)" % (path, c.line, c.name)
        if c.name in seen:
            raise CaseError("%s: duplicate case name" % where)
        seen.add(c.name)
        if not c.rules:
            raise CaseError("%s: no rules section" % where)
        if (c.expect is None) == (c.error is None):
            raise CaseError("%s: needs exactly one of expect / error" % where)
        if c.error is not None and c.strings is not None:
            raise CaseError("%s: error case cannot have strings" % where)
    return cases


def load_dir(folder):
    cases = []
    for fn in sorted(os.listdir(folder)):
        if fn.endswith(".txt"):
            cases.extend(parse_file(os.path.join(folder, fn)))
    return cases
