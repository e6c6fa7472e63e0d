#!/usr/bin/env python3
"""End-to-end tests of the YARA modules through the binary: `vigil dump`
(JSON and yara -D's text) and, when /usr/bin/yara is installed, the same
module data compared with `yara -D` line for line. The `tests` module is
yara's own fixture module, so it checks the machinery itself.

Usage: modules_e2e.py VIGIL"""
import json
import os
import shutil
import sys
import tempfile

import e2elib
from e2elib import check, write

VIGIL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "vigil"
YARA = shutil.which("yara")


def yara_dump(module, target, tmp):
    """yara -D's module block for one module (the rule is false: no more output)."""
    write(f"{tmp}/only_{module}.yar", f'import "{module}"\nrule r {{ condition: false }}\n')
    return e2elib.run([YARA, "-D", f"only_{module}.yar", target], tmp)


def dump_cases(tmp):
    write(f"{tmp}/data.bin", b"MZ\x00\x01 some bytes")
    rc, out, err = e2elib.run([VIGIL, "dump", "-m", "tests", "data.bin"], tmp)
    doc = json.loads(out) if rc == 0 else {}
    t = doc.get("modules", {}).get("tests", {})
    check("dump json: path, nested values, sparse arrays, binary strings",
          doc.get("path") == "data.bin" and t.get("constants", {}).get("two") == 2
          and t.get("struct_array") == [None, {"i": 1, "s": None}]
          and len(t.get("integer_array", [])) == 257 and t["integer_array"][256] == 256
          and t.get("string_array", [None] * 4)[3] == {"hex": "666f6f00626172"}, (rc, out, err))
    rc, out, err = e2elib.run([VIGIL, "dump", "--format", "yara", "-m", "tests", "data.bin"], tmp)
    check("dump yara format", rc == 0 and out.startswith(b"tests\n\tempty_struct_array\n")
          and b'\t\t[3] = "foo\\x00bar"\n' in out and b"\t\tf = nan\n" in out, (rc, out, err))
    if YARA:
        yrc, yout, yerr = yara_dump("tests", "data.bin", tmp)
        check("dump --format yara -m tests equals yara -D", out == yout, (out, yout, yerr))
    rc, out, err = e2elib.run([VIGIL, "dump", "-m", "nope", "data.bin"], tmp)
    check("dump: unknown module", rc == 2 and 'unknown module "nope"' in err, (rc, err))
    rc, out, err = e2elib.run([VIGIL, "dump", "-m", "tests", "missing.bin", "data.bin"], tmp)
    check("dump: a missing file is reported, the rest still dumped",
          rc == 2 and "missing.bin" in err and out.count(b'"path"') == 1, (rc, out, err))
    os.mkfifo(f"{tmp}/fifo")
    rc, out, err = e2elib.run([VIGIL, "dump", "-m", "tests", "fifo", "data.bin"], tmp, timeout=20)
    check("dump: a FIFO is refused without blocking, the rest still dumped",
          rc == 2 and "fifo: not a regular file" in err and out.count(b'"path"') == 1,
          (rc, out, err))
    rc, out, err = e2elib.run([VIGIL, "dump", "--format", "xml", "data.bin"], tmp)
    check("dump: unknown format", rc == 2 and "unknown format" in err, (rc, err))


def yara_d_cases(tmp):
    """vigil yara -D prints the imported modules' data before the matches,
    from source and from a compiled database."""
    write(f"{tmp}/d.yar", 'import "tests"\nrule x { condition: tests.constants.one == 1 }\n')
    write(f"{tmp}/t.bin", b"abc")
    rc, out, err = e2elib.run([VIGIL, "yara", "-D", "d.yar", "t.bin"], tmp)
    check("yara -D: module block then the match",
          rc == 0 and out.startswith(b"tests\n") and out.endswith(b"x t.bin\n"), (rc, out, err))
    if YARA:
        yrc, yout, _ = e2elib.run([YARA, "-D", "d.yar", "t.bin"], tmp)
        check("yara -D equals yara's", out == yout and rc == yrc, (out, yout))
    rc, _, err = e2elib.run([VIGIL, "compile", "-o", "d.vdb", "d.yar"], tmp)
    rc, out2, err = e2elib.run([VIGIL, "yara", "-D", "-C", "d.vdb", "t.bin"], tmp)
    check("yara -D -C: the same from a compiled database", rc == 0 and out2 == out, (out2, err))


def console_cases(tmp):
    """console.log prints once per call, in evaluation order, even where the
    rest of the condition would let vigil decide the rule early."""
    write(f"{tmp}/cl.yar",
          'import "console"\n'
          'rule a { condition: console.log("one") and console.log("two") }\n'
          'rule b { strings: $x = "never-here" condition: console.log("b first") and $x }\n'
          'rule c { condition: uint8(0) == 0x61 and console.hex("c", 255) }\n'
          'rule d { condition: uint8(0) == 0x62 and console.log("d never") }\n')
    write(f"{tmp}/a.txt", b"abc")
    rc, out, err = e2elib.run([VIGIL, "yara", "cl.yar", "a.txt"], tmp)
    check("console.log: each call once, in order", rc == 0 and out.startswith(
        b"one\ntwo\nb first\nc0xff\n") and b"d never" not in out, (rc, out, err))
    if YARA:
        yrc, yout, _ = e2elib.run([YARA, "cl.yar", "a.txt"], tmp)
        check("console.log output equals yara's", out == yout, (out, yout))


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-mod-e2e-")
    try:
        dump_cases(tmp)
        yara_d_cases(tmp)
        console_cases(tmp)
        if not YARA:
            print("note: yara not installed, comparisons with yara skipped", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return e2elib.summary("modules e2e")


if __name__ == "__main__":
    sys.exit(main())
