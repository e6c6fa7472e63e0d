#!/usr/bin/env python3
"""End-to-end tests of the rules cache (cli/cache.c): `vigil scan` and
`vigil yara` compile rules once and load them from $XDG_CACHE_HOME/vigil
afterwards, and any doubt about an entry means recompiling, never a wrong
result or a failed run.

Usage: cache_e2e.py VIGIL

VIGIL_CACHE_DEBUG=1 makes vigil say "cache: hit|miss|stored" on stderr, which
is how these cases tell a load from a compile.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import e2elib
from e2elib import check, write

VIGIL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "vigil"


def run(args, cwd, cache, extra_env=None, debug=True):
    env = {}
    if cache is not None:
        env["XDG_CACHE_HOME"] = cache
    if debug:
        env["VIGIL_CACHE_DEBUG"] = "1"
    if extra_env:
        env.update(extra_env)
    unset = ["VIGIL_RULES_DIR", "VIGIL_CACHE_DEBUG"] + (["XDG_CACHE_HOME"] if cache is None else [])
    rc, out, err = e2elib.run(args, cwd, env=env, unset=unset, timeout=120)
    return rc, out.decode(errors="replace"), err


def entries(cache):
    d = os.path.join(cache, "vigil")
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d) if n.endswith(".vdb"))


def scan_cmd(*extra):
    return [VIGIL, "scan", "--no-default-rules", "--rules", "rules", *extra, "data"]


def setup(tmp):
    write(f"{tmp}/rules/main.yar",
          'include "inc/common.yar"\n'
          'rule hello { strings: $a = "hello" condition: $a and common }\n')
    write(f"{tmp}/rules/inc/common.yar",
          'include "deeper.yar"\nrule common { condition: deeper }\n')
    write(f"{tmp}/rules/inc/deeper.yar",
          'rule deeper { condition: true }\n'
          'rule slow { strings: $s = /a.*b/ condition: $s }\n')
    write(f"{tmp}/data/a.txt", "hello world\n")


def basic_cases(tmp):
    cache = f"{tmp}/cache"
    rc1, out1, err1 = run(scan_cmd(), tmp, cache)
    check("first run compiles and stores", "cache: miss" in err1 and "cache: stored" in err1, err1)
    check("first run finds", rc1 == 1 and "data/a.txt: hello" in out1, out1)
    check("one entry", len(entries(cache)) == 1, entries(cache))
    mode = os.stat(f"{cache}/vigil").st_mode & 0o777
    check("cache folder is private", mode == 0o700, oct(mode))
    rc2, out2, err2 = run(scan_cmd(), tmp, cache)
    check("second run loads from the cache", "cache: hit" in err2 and "stored" not in err2, err2)
    check("same result from the cache", rc2 == rc1 and out2 == out1, out2)
    # The slow-regex warning of the nested include is replayed on a hit.
    w1 = [l for l in err1.splitlines() if "warning" in l]
    w2 = [l for l in err2.splitlines() if "warning" in l]
    check("warnings replayed on a hit", w1 and w1 == w2, f"{w1} vs {w2}")
    rc, out, err = run(scan_cmd("-w"), tmp, cache)
    check("-w is its own entry", "cache: miss" in err and "warning" not in err, err)

    # Editing a file included two levels down invalidates the entry.
    write(f"{tmp}/rules/inc/deeper.yar", "rule deeper { condition: false }\n")
    rc, out, err = run(scan_cmd(), tmp, cache)
    check("edited include is noticed", "deeper.yar changed; recompiling" in err, err)
    check("edited include gives the new result", rc == 0 and "hello" not in out, out)
    rc, out, err = run(scan_cmd(), tmp, cache)
    check("rebuilt entry is used", "cache: hit" in err and rc == 0, err)
    write(f"{tmp}/rules/inc/deeper.yar", "rule deeper { condition: true }\n")
    rc, out, err = run(scan_cmd("-q"), tmp, cache)
    check("-q: no recompiling line", "recompiling" not in err and rc == 1, err)

    # A new file in the rules folder changes the key.
    write(f"{tmp}/rules/world.yar", 'rule world { strings: $w = "world" condition: $w }\n')
    rc, out, err = run(scan_cmd(), tmp, cache)
    check("new rules file is compiled", "cache: miss" in err and "data/a.txt: world" in out, out)
    os.unlink(f"{tmp}/rules/world.yar")

    # -d values are part of the key.
    write(f"{tmp}/rules2/ext.yar", "rule ext { condition: level > 2 }\n")
    args = [VIGIL, "scan", "--no-default-rules", "--rules", "rules2"]
    rc, out, err = run(args + ["-d", "level=3", "data"], tmp, cache)
    check("-d 3 matches", rc == 1 and "ext" in out, out + err)
    rc, out, err = run(args + ["-d", "level=1", "data"], tmp, cache)
    check("-d 1 is another entry", rc == 0 and "cache: miss" in err, out + err)
    rc, out, err = run(args + ["-d", "level=3", "data"], tmp, cache)
    check("-d 3 again is a hit", rc == 1 and "cache: hit" in err, out + err)


def damaged_entry_cases(tmp):
    cache = f"{tmp}/cache-damaged"
    run(scan_cmd(), tmp, cache)
    (name,) = entries(cache)
    path = f"{cache}/vigil/{name}"
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) // 2)
        b = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([b[0] ^ 0xFF]))
    rc, out, err = run(scan_cmd(), tmp, cache)
    lines = [l for l in err.splitlines() if "recompiling" in l]
    check("corrupted entry: one line", len(lines) == 1 and "refused" in lines[0], err)
    check("corrupted entry: still the right result", rc == 1 and "hello" in out, out)
    rc, out, err = run(scan_cmd(), tmp, cache)
    check("corrupted entry was replaced", "cache: hit" in err, err)

    with open(path, "r+b") as f:
        f.truncate(100)
    rc, out, err = run(scan_cmd(), tmp, cache)
    check("truncated entry is refused", "refused" in err and rc == 1, err)
    rc, out, err = run(scan_cmd(), tmp, cache)
    check("truncated entry was replaced", "cache: hit" in err, err)

    with open(path, "wb") as f:
        f.write(b"not a database at all")
    rc, out, err = run(scan_cmd(), tmp, cache)
    check("garbage entry is refused", "refused" in err and rc == 1, err)


def no_cache_and_location_cases(tmp):
    cache = f"{tmp}/cache-none"
    rc, out, err = run(scan_cmd("--no-cache"), tmp, cache)
    check("--no-cache works", rc == 1 and "hello" in out, out + err)
    check("--no-cache writes nothing", not os.path.exists(cache), str(os.listdir(tmp)))
    rc, out, err = run([VIGIL, "yara", "--no-cache", "rules/main.yar", "data/a.txt"], tmp, cache)
    check("yara --no-cache writes nothing", rc == 0 and not os.path.exists(cache), out + err)

    home = f"{tmp}/home"
    os.makedirs(home)
    rc, out, err = run(scan_cmd(), tmp, None, {"HOME": home})
    check("default is ~/.cache/vigil", len(entries(f"{home}/.cache")) == 1, err)
    rc, out, err = run(scan_cmd(), tmp, "relative/path", {"HOME": home})
    check("relative XDG_CACHE_HOME is ignored", "cache: hit" in err and
          not os.path.exists(f"{tmp}/relative"), err)

    # A cache location that cannot be made (a file in the way; works as root
    # too, where permissions would not stop us): a warning, not an error.
    write(f"{tmp}/blocker", "x")
    rc, out, err = run(scan_cmd(), tmp, f"{tmp}/blocker", debug=False)
    lines = [l for l in err.splitlines() if "rules cache" in l]
    check("unwritable cache: one warning line",
          len(lines) == 1 and "warning" in lines[0], err)
    check("unwritable cache: scan unaffected", rc == 1 and "hello" in out, out)
    rc, out, err = run(scan_cmd("-q"), tmp, f"{tmp}/blocker", debug=False)
    check("unwritable cache: -q is quiet", "rules cache" not in err, err)


def yara_cases(tmp):
    cache = f"{tmp}/cache-yara"
    # basic_cases rewrote deeper.yar: put the slow (warned about) rule back.
    write(f"{tmp}/rules/inc/deeper.yar",
          'rule deeper { condition: true }\n'
          'rule slow { strings: $s = /a.*b/ condition: $s }\n')
    cmd = [VIGIL, "yara", "-s", "rules/main.yar", "data/a.txt"]
    rc1, out1, err1 = run(cmd, tmp, cache)
    rc2, out2, err2 = run(cmd, tmp, cache)
    check("yara: stored then hit", "stored" in err1 and "cache: hit" in err2, err1 + err2)
    check("yara: same output", rc1 == rc2 == 0 and out1 == out2 and "hello" in out1, out2)
    strip = lambda e: [l for l in e.splitlines() if not l.startswith("vigil: cache:")]
    check("yara: same stderr (warnings replayed)", strip(err1) == strip(err2) and
          any("warning" in l for l in strip(err2)),
          f"{err1!r} vs {err2!r}")
    if shutil.which("yara"):
        p = subprocess.run(["yara", "-s", "rules/main.yar", "data/a.txt"], cwd=tmp,
                           capture_output=True)
        check("yara: cached output is yara's", p.stdout.decode() == out2, p.stdout)
    # --fail-on-warnings must fail on a hit too (it is part of the key).
    rc, out, err = run([VIGIL, "yara", "--fail-on-warnings", "rules/main.yar", "data/a.txt"],
                       tmp, cache)
    check("yara: --fail-on-warnings still fails", rc == 1 and "hit" not in err, err)
    # Compiled rules (-C) are never cached.
    run([VIGIL, "compile", "-o", "c.vdb", "rules/main.yar"], tmp, f"{tmp}/unused")
    rc, out, err = run([VIGIL, "yara", "-C", "c.vdb", "data/a.txt"], tmp, cache)
    check("yara -C bypasses the cache", rc == 0 and "cache:" not in err and "hello" in out,
          out + err)
    # Rules from stdin cannot be keyed: compiled every time, nothing stored.
    before = entries(cache)
    p = subprocess.run([VIGIL, "yara", "-", "data/a.txt"], cwd=tmp, capture_output=True,
                       input=b'rule s { condition: true }\n',
                       env=dict(os.environ, XDG_CACHE_HOME=cache))
    check("yara stdin rules work", p.returncode == 0 and b"s data/a.txt" in p.stdout, p.stdout)
    check("yara stdin rules are not cached", entries(cache) == before, entries(cache))


def prune_cases(tmp):
    cache = f"{tmp}/cache-prune"
    for i in range(20):
        write(f"{tmp}/many/r{i}.yar", f"rule r{i} {{ condition: filesize == {i} }}\n")
        run([VIGIL, "scan", "--no-default-rules", "--rules", f"many/r{i}.yar", "data"], tmp,
            cache, debug=False)
    names = entries(cache)
    check("cache holds at most 16 entries", len(names) == 16, len(names))
    diags = [n for n in os.listdir(f"{cache}/vigil") if n.endswith(".diag")]
    check("pruned entries leave nothing behind", len(diags) == 16, len(diags))
    rc, out, err = run([VIGIL, "scan", "--no-default-rules", "--rules", "many/r19.yar", "data"],
                       tmp, cache)
    check("newest entry kept", "cache: hit" in err, err)


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-cache-e2e-")
    try:
        setup(tmp)
        basic_cases(tmp)
        damaged_entry_cases(tmp)
        no_cache_and_location_cases(tmp)
        yara_cases(tmp)
        prune_cases(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return e2elib.summary("cache e2e")


if __name__ == "__main__":
    sys.exit(main())
