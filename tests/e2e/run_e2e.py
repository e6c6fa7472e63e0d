#!/usr/bin/env python3
"""End-to-end tests of the `vigil` binary: scan, yara, compile, check.

Usage: run_e2e.py VIGIL [SOURCE_DIR]

Each case runs vigil in a fresh temporary folder and checks exit status and
output. `vigil yara` cases run /usr/bin/yara on the same input (when it is
installed) and require identical stdout and exit status; that is what
"drop-in" means. The EICAR test string is assembled at run time from two
halves so this repository never contains it and does not trip scanners.
"""
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time

import e2elib
from e2elib import check, write

VIGIL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "vigil"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else None
YARA = shutil.which("yara")
TIMEOUT = 60

EICAR = (r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD"
         + r"-ANTIVIRUS-TEST-FILE!$H+H*").encode()



def run(args, cwd, stdin=None, env=None):
    """Runs a command; returns (rc, stdout bytes, stderr text)."""
    return e2elib.run(args, cwd, stdin=stdin, env=env, timeout=TIMEOUT)


def eicar_rule():
    hexed = " ".join(f"{b:02X}" for b in EICAR[:16])
    return ("rule eicar_test : test {\n"
            "  meta: description = \"EICAR test file\"\n"
            f"  strings: $h = {{ {hexed} }}\n"
            f"    $t = \"{EICAR[16:].decode().replace(chr(92), chr(92) * 2)}\"\n"
            "  condition: $h at 0 and $t\n}\n")


# ---------------------------------------------------------------- vigil scan

def scan_cases(tmp):
    write(f"{tmp}/rules/eicar.yar", eicar_rule())
    write(f"{tmp}/rules/empty.yar",
          "rule empty_file { condition: filesize == 0 }\n")
    write(f"{tmp}/bad/eicar.com", EICAR)
    write(f"{tmp}/bad/sub/clean.txt", "hello\n")
    write(f"{tmp}/clean/a.txt", "nothing to see\n")
    write(f"{tmp}/clean/sub/b.txt", "still nothing\n")
    base = [VIGIL, "scan", "--no-default-rules", "--rules", "rules/eicar.yar"]

    rc, out, err = run(base + ["bad"], tmp)
    check("scan eicar exit", rc == 1, f"rc={rc} err={err}")
    check("scan eicar names it", out == b"bad/eicar.com: eicar_test\n", repr(out))
    check("scan summary on stderr", "1 files scanned" not in err and
          "2 files scanned" in err and "1 detections" in err, err)

    rc, out, err = run(base + ["-q", "clean"], tmp)
    check("scan clean exit", rc == 0 and out == b"", f"rc={rc} out={out!r}")
    check("scan --quiet", err == "", err)

    rc, out, err = run(base + ["-s", "bad/eicar.com"], tmp)
    check("scan -s", rc == 1 and b"  0x0:$h: " in out and b"  0x10:$t: " in out, repr(out))

    rc, out, err = run(base + ["does-not-exist"], tmp)
    check("scan missing path exit", rc == 2, f"rc={rc}")
    check("scan missing path message",
          "vigil: does-not-exist: No such file or directory" in err, err)

    rc, out, err = run(base + ["does-not-exist", "bad"], tmp)
    check("scan found wins over error", rc == 1, f"rc={rc}")

    rc, out, err = run(base + ["--json", "bad", "nope"], tmp)
    lines = out.decode().splitlines()
    try:
        objs = [json.loads(line) for line in lines]
    except ValueError as e:
        objs = []
        check("scan --json parses", False, f"{e}: {out!r}")
    det = [o for o in objs if "rule" in o]
    errs = [o for o in objs if "error" in o]
    check("scan --json detection", len(det) == 1 and det[0]["path"] == "bad/eicar.com"
          and det[0]["rule"] == "eicar_test" and det[0]["namespace"] == "default"
          and det[0]["tags"] == ["test"]
          and det[0]["meta"] == {"description": "EICAR test file"}
          and {s["id"] for s in det[0]["strings"]} == {"$h", "$t"}
          and det[0]["strings"][0]["offset"] == 0, repr(det))
    check("scan --json error", len(errs) == 1 and errs[0]["path"] == "nope", repr(errs))
    check("scan --json summary last", bool(objs) and "summary" in objs[-1]
          and objs[-1]["summary"]["detections"] == 1
          and objs[-1]["summary"]["errors"] == 1
          and objs[-1]["summary"]["files"] == 2, repr(objs[-1:]))

    # Rules folder, namespace shown when not default.
    rc, out, err = run([VIGIL, "scan", "--no-default-rules", "--rules", "rules", "bad"], tmp)
    check("scan --rules DIR", rc == 1 and b"bad/eicar.com: eicar_test\n" in out, repr(out))
    rc, out, err = run([VIGIL, "scan", "--no-default-rules", "--rules", "av:rules/eicar.yar",
                        "bad"], tmp)
    check("scan namespace", out == b"bad/eicar.com: av:eicar_test\n", repr(out))

    # VIGIL_RULES_DIR replaces the bundled folder.
    rc, out, err = run([VIGIL, "scan", "bad"], tmp, env={"VIGIL_RULES_DIR": f"{tmp}/rules"})
    check("scan VIGIL_RULES_DIR", rc == 1 and b"eicar_test" in out, f"rc={rc} {out!r} {err}")

    # Rules with errors: diagnostics, exit 2, nothing scanned.
    write(f"{tmp}/broken.yar", "rule x {\n  condition: $nope\n}\n")
    rc, out, err = run([VIGIL, "scan", "--no-default-rules", "--rules", "broken.yar", "bad"],
                       tmp)
    check("scan broken rules", rc == 2 and out == b"" and "broken.yar:2:" in err
          and "error:" in err, f"rc={rc} {err}")

    # External variables.
    write(f"{tmp}/ext.yar", 'rule ext { condition: n == 3 and s == "x" and b and f > 1.0 }\n')
    rc, out, err = run([VIGIL, "scan", "--no-default-rules", "--rules", "ext.yar",
                        "-d", "n=3", "-d", "s=x", "-d", "b=true", "-d", "f=1.5", "clean/a.txt"],
                       tmp)
    check("scan -d", rc == 1 and out == b"clean/a.txt: ext\n", f"rc={rc} {out!r} {err}")

    # Default rules: the bundled folder must know EICAR.
    if SOURCE and os.path.isdir(f"{SOURCE}/rules") and any(
            n.endswith((".yar", ".yara")) for n in os.listdir(f"{SOURCE}/rules")):
        rc, out, err = run([VIGIL, "scan", "bad"], tmp)
        check("scan default rules find EICAR", rc == 1 and b"bad/eicar.com: " in out,
              f"rc={rc} {out!r} {err}")
    else:
        print("note: no bundled rules in rules/, default-rules case skipped", file=sys.stderr)


def bad_input_cases(tmp):
    base = [VIGIL, "scan", "--no-default-rules", "--rules", "rules/empty.yar"]
    os.makedirs(f"{tmp}/odd", exist_ok=True)
    write(f"{tmp}/odd/empty", b"")
    write(f"{tmp}/odd/data", b"data")
    os.mkfifo(f"{tmp}/odd/fifo")
    os.symlink("..", f"{tmp}/odd/loop")
    os.symlink("missing-target", f"{tmp}/odd/dangling")
    os.symlink("data", f"{tmp}/odd/link")

    rc, out, err = run(base + ["odd"], tmp)
    check("odd: empty file scanned (filesize 0)", out == b"odd/empty: empty_file\n",
          f"rc={rc} {out!r} {err}")
    check("odd: exit 1", rc == 1, f"rc={rc}")
    check("odd: FIFO skipped with warning", "vigil: odd/fifo: " in err and "FIFO" in err, err)
    check("odd: dangling symlink", "vigil: odd/dangling: " in err, err)
    check("odd: loop reported", "loop" in err, err)

    rc, out, err = run(base + ["-N", "odd"], tmp)
    check("odd -N: symlink not followed", "vigil: odd/link: symbolic link, not followed" in err,
          err)

    rc, out, err = run(base + ["odd/fifo"], tmp)
    check("odd: FIFO as operand", rc == 0 and "FIFO" in err, f"rc={rc} {err}")

    if os.geteuid() != 0:
        write(f"{tmp}/locked/secret", b"x", mode=0)
        rc, out, err = run(base + ["locked"], tmp)
        check("unreadable file: exit 2", rc == 2, f"rc={rc}")
        check("unreadable file: message", "vigil: locked/secret: " in err, err)
        os.chmod(f"{tmp}/locked/secret", 0o600)
        os.makedirs(f"{tmp}/closed/inner", exist_ok=True)
        os.chmod(f"{tmp}/closed", 0)
        rc, out, err = run(base + ["closed"], tmp)
        os.chmod(f"{tmp}/closed", 0o700)
        check("unreadable folder: exit 2", rc == 2 and "vigil: closed: " in err,
              f"rc={rc} {err}")
    else:
        print("note: running as root, unreadable-file cases skipped", file=sys.stderr)

    # A file that vanishes: named on the command line after it was deleted.
    write(f"{tmp}/gone", b"x")
    os.unlink(f"{tmp}/gone")
    rc, out, err = run(base + ["gone"], tmp)
    check("vanished file", rc == 2 and "vigil: gone: " in err, f"rc={rc} {err}")


# ------------------------------------------------------------ threads (-p)

SUMMARY_TIME = re.compile(r"[0-9.]+ seconds, [0-9.]+ [kMGTP]?B/s")
STATUS = re.compile(r"\r\x1b\[K(vigil: \d+ files, [^\r\n]*)?")


def stderr_lines(err):
    """stderr as a sorted list of lines, the summary's timing blanked."""
    return sorted(SUMMARY_TIME.sub("T", line) for line in err.splitlines())


def blocks_contiguous(out):
    """True when every detection's lines (its header line and the indented
    match lines under it) form one run, i.e. no file's output interleaves
    with another's; returns (ok, {header: match lines})."""
    seen, counts, cur = set(), {}, None
    for line in out.split(b"\n")[:-1]:
        if line.startswith(b"  0x") or line.startswith(b"0x"):
            if cur is None:
                return False, counts
            counts[cur] += 1
            continue
        cur = line
        if cur in seen:
            return False, counts
        seen.add(cur)
        counts[cur] = 0
    return True, counts


def parallel_cases(tmp):
    par = f"{tmp}/par"
    write(f"{par}/rules.yar",
          'rule mark : t { strings: $m = "MARK" $e = { 65 76 69 6C 00 } condition: any of them }\n'
          'rule empty { condition: filesize == 0 }\n')
    # Many files in nested folders, with detections, empty files, odd
    # entries (warnings from the walker) and missing operands (errors).
    for i in range(240):
        sub = ["", "a/", "a/b/", "c/"][i % 4]
        data = bytes((i * 7 + k) % 251 for k in range(i * 13 % 900))
        if i % 3 == 0:
            data += b"MARK" * (i % 5 + 1)
        if i % 7 == 0:
            data += b"evil\x00"
        if i % 11 == 0:
            data = b""
        write(f"{par}/tree/{sub}f{i:03d}", data)
    os.mkfifo(f"{par}/tree/c/fifo")
    os.symlink("nowhere", f"{par}/tree/a/dangling")
    with open(f"{par}/tree/huge", "wb") as f:  # sparse: "larger than 4 GiB" from a worker
        f.truncate((4 << 30) + 1)
    if os.geteuid() != 0:
        write(f"{par}/tree/a/locked", b"MARK", mode=0)
    base = [VIGIL, "scan", "--no-default-rules", "--rules", "rules.yar"]
    targets = ["tree", "missing1", "tree/a", "missing2"]

    runs = {}
    for p in ["1", "2", "4"]:
        for extra in [[], ["-s"], ["--json"]]:
            runs[(p, tuple(extra))] = run(base + ["-p", p] + extra + targets, par)
    for extra in [[], ["-s"], ["--json"]]:
        rc1, out1, err1 = runs[("1", tuple(extra))]
        if extra == ["--json"]:
            out1 = b"\n".join(line for line in out1.split(b"\n") if b'"summary"' not in line)
        check(f"-p 1 {extra}: detections and errors", rc1 == 1 and out1.count(b"\n") > 100
              and (extra == ["--json"] or "missing1: No such file" in err1), f"rc={rc1} {err1}")
        for p in ["2", "4"]:
            rc, out, err = runs[(p, tuple(extra))]
            if extra == ["--json"]:
                out = b"\n".join(line for line in out.split(b"\n") if b'"summary"' not in line)
            check(f"scan -p {p} {extra} same lines as -p 1",
                  rc == rc1 and sorted(out.split(b"\n")) == sorted(out1.split(b"\n"))
                  and stderr_lines(err) == stderr_lines(err1),
                  f"rc={rc} vs {rc1}\n{stderr_lines(err)}\n{stderr_lines(err1)}")
    # With one thread the order is the walk's: sorted within each folder.
    rc, out, err = runs[("1", ())]
    tree_lines = [line for line in out.split(b"\n") if line.startswith(b"tree/f")]
    check("-p 1 keeps walk order", tree_lines == sorted(tree_lines), repr(tree_lines[:5]))
    check("summary has a rate", re.search(r"seconds, [0-9.]+ [kMGTP]?B/s\n", err) is not None,
          err)
    rc, out, err = run(base + ["-p", "0", "tree"], par)
    check("scan -p 0 refused", rc == 2 and "-p" in err, f"rc={rc} {err}")

    # Blocks stay whole: -s with many matches per file, some files with more
    # than the writer's 1 MiB buffer (written in parts but still contiguous).
    write(f"{par}/many.yar", 'rule many { strings: $a = "ab" $b = "b" condition: any of them }\n')
    for i in range(24):
        write(f"{par}/dense/d{i:02d}", b"ab" * (3000 if i % 6 else 90000))
    for p in ["1", "4"]:
        rc, out, err = run([VIGIL, "scan", "--no-default-rules", "--rules", "many.yar", "-s",
                            "-p", p, "dense"], par)
        ok, counts = blocks_contiguous(out)
        check(f"scan -p {p} -s blocks contiguous", rc == 1 and ok and len(counts) == 24
              and all(n == (6000 if i % 6 else 180000)
                      for i, n in enumerate(counts[f"dense/d{i:02d}: many".encode()]
                                            for i in range(24))),
              f"rc={rc} ok={ok} {len(counts)}")
        rc, out, err = run([VIGIL, "yara", "-s", "-p", p, "many.yar", "dense"], par)
        ok, counts = blocks_contiguous(out)
        check(f"yara -p {p} -s blocks contiguous", rc == 0 and ok and len(counts) == 24,
              f"rc={rc} ok={ok} {len(counts)}")

    # vigil yara -p 2 against yara -p 2, as sorted line sets.
    if YARA:
        os.unlink(f"{par}/tree/huge")
        for opts in [["-r"], ["-r", "-s"], ["-r", "-c"], ["-r", "-n", "-g", "-m"],
                     ["-r", "-z", "500"], ["-r", "-f", "-L"], ["-r", "-e", "-p", "3"]]:
            if "-p" not in opts:
                opts = opts + ["-p", "2"]
            yara_compare("threads", opts + ["rules.yar", "tree"], par, sort=True)
        write(f"{par}/list", "\n".join(["tree/f000", "tree/a", "nope", "tree/c/f003"]) + "\n")
        yara_compare("threads", ["--scan-list", "-p", "2", "rules.yar", "list"], par, sort=True)
        yara_compare("threads", ["-p", "0", "rules.yar", "tree/a"], par)

    # yara -l: one count over all threads; with one thread the lines are
    # yara's own.
    rc, out, err = run([VIGIL, "yara", "-r", "-l", "3", "-p", "4", "rules.yar", "tree"], par)
    check("yara -l 3 -p 4", rc == 0 and out.count(b"\n") >= 3, repr(out[:200]))
    if YARA:
        yara_compare("threads", ["-r", "-l", "3", "-p", "1", "rules.yar", "tree"], par)

    # --progress: the status line goes to stderr only, each one erased
    # before other output and at the end; stdout is unchanged.
    write(f"{par}/slow.yar", "rule slow { condition: for any i in (0..filesize - 4) : "
          "(uint32(i) == 0x12345678) }\nrule mark { strings: $ = \"MARK\" condition: all "
          "of them }\n")
    for i in range(6):
        write(f"{par}/slow/z{i}", b"\0" * 2000000 + b"MARK")
    cmd = [VIGIL, "scan", "--no-default-rules", "--rules", "slow.yar", "-p", "1"]
    rc0, out0, err0 = run(cmd + ["slow"], par)
    check("no progress when stderr is not a terminal", "\x1b" not in err0, repr(err0))
    t0 = time.monotonic()
    rc, out, err = run(cmd + ["--progress", "slow"], par)
    elapsed = time.monotonic() - t0
    statuses = [m.group(1) for m in STATUS.finditer(err) if m.group(1)]
    check("--progress leaves stdout identical", rc == rc0 and out == out0, f"{out!r} {out0!r}")
    # A line left on screen would run into the next one and not match here.
    check("--progress erases its line", stderr_lines(STATUS.sub("", err)) == stderr_lines(err0),
          repr(err))
    check("--progress shows files, bytes, rate, detections, errors",
          elapsed < 0.6 or (statuses and all(
              re.fullmatch(r"vigil: \d+ files, [0-9.]+ [kMGTP]?B, [0-9.]+ [kMGTP]?B/s, \d+ "
                           r"detections, \d+ errors", st) for st in statuses)),
          f"{elapsed:.2f}s {statuses!r}")
    rc, out, err = run(cmd + ["--progress", "--json", "slow"], par)
    check("--progress with --json: stdout is JSON only",
          all(line.startswith(b"{") for line in out.split(b"\n")[:-1]), repr(out[:200]))


# ---------------------------------------------------------------- vigil yara

YARA_RULES = r'''
rule text_and_hex : t1 t2 {
  meta:
    author = "a \"q\" \\ b"
    score = 75
    neg = -3
    live = true
  strings:
    $a = "abc"
    $h = { 61 62 63 }
    $w = "wide" wide
    $n = "x\x00y"
  condition:
    any of them
}
rule needs_all { strings: $a = "abc" $b = "zzz" condition: all of them }
rule never { condition: false }
rule tagged : special { condition: filesize > 0 }
private rule hidden { condition: true }
rule uses_hidden { condition: hidden }
'''

YARA_OPTS = [
    [], ["-s"], ["-L"], ["-s", "-L"], ["-g"], ["-m"], ["-e"], ["-g", "-m", "-e", "-s"],
    ["-c"], ["-n"], ["-n", "-c"], ["-t", "special"], ["-t", "t2", "-t", "special"],
    ["-i", "never", "-n"], ["-i", "tagged"], ["-l", "1"], ["-l", "2", "-n"], ["-f", "-s"],
    ["-w"], ["-sgm"], ["--print-strings", "--print-tags"], ["-N"], ["-p", "1"],
    ["-a", "30"], ["-z", "10"], ["--max-strings-per-rule=100"],
]


def yara_compare(name, args, tmp, sort=False):
    vrc, vout, verr = run([VIGIL, "yara"] + args, tmp)
    yrc, yout, yerr = run([YARA] + args, tmp)
    if sort:
        vout = b"\n".join(sorted(vout.split(b"\n")))
        yout = b"\n".join(sorted(yout.split(b"\n")))
    check(f"yara {name}: {' '.join(args)}", vrc == yrc and vout == yout,
          f"vigil rc={vrc} out={vout!r} err={verr!r}\n   yara rc={yrc} out={yout!r} err={yerr!r}")


def yara_cases(tmp):
    write(f"{tmp}/y/r.yar", YARA_RULES)
    write(f"{tmp}/y/target", b"..abc..w\x00i\x00d\x00e\x00..x\x00y..abc\n")
    write(f"{tmp}/y/dir/one", b"abc")
    write(f"{tmp}/y/dir/two", b"nothing here at all")
    write(f"{tmp}/y/dir/sub/three", b"zzz abc")
    write(f"{tmp}/y/dir/empty", b"")
    yt = f"{tmp}/y"
    for opts in YARA_OPTS:
        yara_compare("file", opts + ["r.yar", "target"], yt)
    for opts in [[], ["-r"], ["-r", "-s"], ["-c"], ["-r", "-c"], ["-r", "-z", "5"], ["-r", "-n"]]:
        yara_compare("dir", opts + ["r.yar", "dir"], yt, sort=True)
    # Namespaces and several rule files.
    write(f"{tmp}/y/r2.yar", 'rule other { strings: $ = "abc" condition: all of them }\n')
    yara_compare("ns", ["-e", "one:r.yar", "two:r2.yar", "target"], yt)
    yara_compare("two files", ["-s", "r.yar", "r2.yar", "target"], yt)
    # External variables and their type inference.
    write(f"{tmp}/y/ext.yar", 'rule i { condition: v == 12 }\n'
          'rule f { condition: w == 1.5 }\nrule b { condition: x }\n'
          'rule s { condition: y == "hi there" }\n')
    yara_compare("-d", ["-d", "v=12", "-d", "w=1.5", "-d", "x=true", "-d", "y=hi there",
                        "ext.yar", "target"], yt)
    yara_compare("-d bad", ["-d", "novalue", "ext.yar", "target"], yt)
    # Errors and their exit codes.
    write(f"{tmp}/y/bad.yar", "rule broken { condition: $x }\n")
    yara_compare("compile error", ["bad.yar", "target"], yt)
    yara_compare("missing rules", ["nope.yar", "target"], yt)
    yara_compare("missing target", ["r.yar", "nope"], yt)
    yara_compare("no args", [], yt)
    yara_compare("one arg", ["r.yar"], yt)
    yara_compare("unknown option", ["-Q", "r.yar", "target"], yt)
    yara_compare("bool twice", ["-s", "-s", "r.yar", "target"], yt)
    yara_compare("int missing", ["-l"], yt)
    yara_compare("long without =", ["--max-rules", "2", "r.yar", "target"], yt)
    yara_compare("threads", ["-p", "99", "r.yar", "target"], yt)
    yara_compare("-C with sources", ["-C", "r.yar", "r2.yar", "target"], yt)
    # Too many matches warning goes to stderr; stdout identical.
    write(f"{tmp}/y/many.yar", 'rule many { strings: $a = "a" condition: #a > 5 }\n')
    write(f"{tmp}/y/many", b"a" * 1100000)
    yara_compare("too many matches", ["-c", "many.yar", "many"], yt)
    rc, out, err = run([VIGIL, "yara", "many.yar", "many"], yt)
    check("too many matches warning",
          'warning: rule "many": too many matches for $a, results for this rule may be '
          'incorrect' in err, err)
    rc, out, err = run([VIGIL, "yara", "-w", "many.yar", "many"], yt)
    check("-w silences it", "warning" not in err, err)
    write(f"{tmp}/y/present.yar", 'rule present { strings: $a = "a" condition: $a }\n')
    rc, out, err = run([VIGIL, "yara", "present.yar", "many"], yt)
    check("presence-only string past the cap: matches, no warning (docs/DESIGN.md)",
          rc == 0 and out == b"present many\n" and "too many" not in err, (out, err))
    rc, out, err = run([VIGIL, "yara", "-s", "present.yar", "many"], yt)
    check("presence-only string past the cap: -s lists the capped matches",
          rc == 0 and out.count(b":$a: a\n") == 1000000, (out[:200], err))


def yara_fixed_cases(tmp):
    """Expectations written down, for machines without /usr/bin/yara."""
    yt = f"{tmp}/y"
    rc, out, _ = run([VIGIL, "yara", "-s", "r.yar", "target"], yt)
    check("yara -s fixed", rc == 0 and b"0x11:$n: x\\x00y\n" in out
          and b"0x7:$w: w\\x00i\\x00d\\x00e\\x00\n" in out, repr(out))
    rc, out, _ = run([VIGIL, "yara", "-m", "r.yar", "target"], yt)
    check("yara -m fixed",
          b'text_and_hex [author="a \\"q\\" \\\\ b",score =75,neg =-3,live=true] target\n'
          in out, repr(out))
    rc, out, _ = run([VIGIL, "yara", "-c", "r.yar", "target"], yt)
    check("yara -c fixed", rc == 0 and out == b"3\n", repr(out))
    rc, out, _ = run([VIGIL, "yara", "-v"], yt)
    check("yara -v", rc == 0 and out.startswith(b"4.2.3"), repr(out))


# ---------------------------------------------------- compile, check, basics

def compile_check_cases(tmp):
    yt = f"{tmp}/y"
    rc, out, err = run([VIGIL, "compile", "-o", "r.vdb", "r.yar"], yt)
    check("compile", rc == 0 and os.path.getsize(f"{yt}/r.vdb") > 0, f"rc={rc} {err}")
    for opts in [[], ["-s"], ["-m", "-g"], ["-c"]]:
        src = run([VIGIL, "yara"] + opts + ["r.yar", "target"], yt)
        cmp_ = run([VIGIL, "yara", "-C"] + opts + ["r.vdb", "target"], yt)
        check(f"yara -C {' '.join(opts)}", src[:2] == cmp_[:2], f"{src!r} vs {cmp_!r}")
    rc, out, err = run([VIGIL, "scan", "--db", "r.vdb", "target"], yt)
    check("scan --db", rc == 1 and b"target: text_and_hex\n" in out, f"rc={rc} {out!r} {err}")
    rc, out, err = run([VIGIL, "compile", "-o", "x.vdb", "bad.yar"], yt)
    check("compile errors", rc == 1 and "bad.yar:1:" in err and not os.path.exists(
        f"{yt}/x.vdb"), f"rc={rc} {err}")
    rc, out, err = run([VIGIL, "compile", "r.yar"], yt)
    check("compile needs -o", rc == 2, f"rc={rc}")
    write(f"{yt}/junk.vdb", b"not a database at all")
    rc, out, err = run([VIGIL, "yara", "-C", "junk.vdb", "target"], yt)
    check("yara -C junk", rc == 1 and out == b"" and err != "", f"rc={rc} {err}")

    rc, out, err = run([VIGIL, "check", "r.yar", "r2.yar"], yt)
    check("check clean", rc == 0 and out == b"", f"rc={rc} {err}")
    write(f"{yt}/two_errors.yar",
          "rule a {\n  condition: $x\n}\n\nrule b {\n  condition: undefined_thing\n}\n")
    rc, out, err = run([VIGIL, "check", "two_errors.yar"], yt)
    check("check errors exit", rc == 1, f"rc={rc}")
    check("check reports every error", "two_errors.yar:2:" in err and "two_errors.yar:6:" in err,
          err)
    lines = err.splitlines()
    caret = [i for i, line in enumerate(lines) if line.strip() == "^"]
    check("check shows source and caret", bool(caret) and caret[0] >= 2
          and "condition:" in lines[caret[0] - 1], err)
    rc, out, err = run([VIGIL, "check"], yt)
    check("check no args", rc == 2, f"rc={rc}")

    rc, out, err = run([VIGIL, "--version"], yt)
    check("--version", rc == 0 and out.startswith(b"vigil "), repr(out))
    for sub in ["scan", "yara", "compile", "check"]:
        rc, out, err = run([VIGIL, sub, "--help"], yt)
        check(f"{sub} --help", rc == 0 and b"Usage" in out, f"rc={rc} {out!r}")
        rc, out, err = run([VIGIL, "help", sub], yt)
        check(f"help {sub}", rc == 0 and b"Usage" in out, f"rc={rc}")
    rc, out, err = run([VIGIL, "help"], yt)
    check("help", rc == 0 and b"scan" in out, repr(out))
    rc, out, err = run([VIGIL, "frobnicate"], yt)
    check("unknown command", rc == 2 and "frobnicate" in err, f"rc={rc} {err}")


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-e2e-")
    try:
        scan_cases(tmp)
        bad_input_cases(tmp)
        parallel_cases(tmp)
        os.makedirs(f"{tmp}/y", exist_ok=True)
        if YARA:
            yara_cases(tmp)
        else:
            print("note: yara not installed, comparisons with yara skipped", file=sys.stderr)
            write(f"{tmp}/y/r.yar", YARA_RULES)
            write(f"{tmp}/y/r2.yar", 'rule other { strings: $ = "abc" condition: all of them }\n')
            write(f"{tmp}/y/bad.yar", "rule broken { condition: $x }\n")
            write(f"{tmp}/y/target", b"..abc..w\x00i\x00d\x00e\x00..x\x00y..abc\n")
        yara_fixed_cases(tmp)
        compile_check_cases(tmp)
    finally:
        for root, dirs, _ in os.walk(tmp):
            for d in dirs:
                try:
                    os.chmod(os.path.join(root, d), stat.S_IRWXU)
                except OSError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)
    return e2elib.summary("e2e")


if __name__ == "__main__":
    sys.exit(main())
