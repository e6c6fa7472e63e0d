#!/usr/bin/env python3
"""End-to-end tests of `vigil clamscan`: the exact lines, summary fields and
exit codes clamscan 1.4.6 gives in the same situations (each expectation
below was read off /usr/bin/clamscan; tests/diff/clamscan_diff.py compares
the two live). Databases and files are written here: an .hdb of a file's
MD5, an .hsb of a SHA-256, an .ndb and an .ldb with the project's own
signatures, and (given tests/tools/mkcvd) signed containers.
Usage: clamscan_e2e.py VIGIL [MKCVD]"""
import base64
import hashlib
import json
import os
import re
import stat
import struct
import sys
import tempfile
import zlib

import e2elib
from e2elib import check, run, write

VIGIL = os.path.abspath(sys.argv[1])
MKCVD = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
TIMING = re.compile(r"^(Time|Start Date|End Date|Engine version):")

BAD = b"vigil clamscan e2e: bad file\n"           # .hdb (MD5) and .hsb (SHA-256)
BODY = b"header VIGIL-BODY-MARK trailer\n"        # .ndb body signature
LOGIC = b"xxHELLO-VIGIL..yyWORLD-VIGIL..\n"       # .ldb: both subsignatures
CLEAN = b"nothing to see here\n"


def hexs(b):
    return b.hex()


def make_db(d):
    write(f"{d}/db/test.hdb", f"{hashlib.md5(BAD).hexdigest()}:{len(BAD)}:Vigil.Test.Md5\n")
    write(f"{d}/db/test.hsb",
          f"{hashlib.sha256(BAD).hexdigest()}:{len(BAD)}:Vigil.Test.Sha256\n")
    write(f"{d}/db/test.ndb", f"Vigil.Test.Body:0:*:{hexs(b'VIGIL-BODY-MARK')}\n")
    write(f"{d}/db/test.ldb",
          f"Vigil.Test.Logic;Engine:51-255,Target:0;0&1;{hexs(b'HELLO-VIGIL')};"
          f"{hexs(b'WORLD-VIGIL')}\n")


def make_tree(d):
    write(f"{d}/tree/bad.bin", BAD)
    write(f"{d}/tree/body.txt", BODY)
    write(f"{d}/tree/clean.txt", CLEAN)
    write(f"{d}/tree/empty", b"")
    write(f"{d}/tree/sub/logic.dat", LOGIC)
    write(f"{d}/tree/sub/clean2.txt", CLEAN)
    os.symlink("clean.txt", f"{d}/tree/link")
    os.mkfifo(f"{d}/tree/fifo")


def cs(d, *args, stdin=None, env=None):
    """Runs vigil clamscan in d with its own cache; returns (rc, stdout
    lines, stderr lines), the summary's timing lines removed."""
    e = {"XDG_CACHE_HOME": f"{d}/cache"}
    if env:
        e.update(env)
    rc, out, err = run([VIGIL, "clamscan", *args], cwd=d, stdin=stdin, env=e)
    lines = [ln for ln in out.decode(errors="replace").split("\n") if not TIMING.match(ln)]
    if lines and lines[-1] == "":
        lines.pop()
    errl = err.split("\n")
    if errl and errl[-1] == "":
        errl.pop()
    return rc, lines, errl


def summary(known, dirs, files, infected, errors=0, scanned="0.00", read="0.00", ratio="0.00",
            extra=()):
    s = ["", "----------- SCAN SUMMARY -----------", f"Known viruses: {known}",
         f"Scanned directories: {dirs}", f"Scanned files: {files}", f"Infected files: {infected}"]
    if errors:
        s.append(f"Total errors: {errors}")
    s += list(extra)
    s += [f"Data scanned: {scanned} MB", f"Data read: {read} MB (ratio {ratio}:1)"]
    return s


def same(name, got, want):
    check(name, got == want, f"\n got: {got!r}\nwant: {want!r}")


def same_sorted(name, got, want):
    same(name, sorted(got), sorted(want))


def test_results(d):
    rc, out, err = cs(d, "-d", "db", "--no-summary", "tree")
    same_sorted("flat: result lines", out, [
        "tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND",
        "tree/body.txt: Vigil.Test.Body.UNOFFICIAL FOUND",
        "tree/clean.txt: OK",
        "tree/empty: Empty file",
        "tree/link: Symbolic link",
    ])
    same("flat: exit", rc, 1)
    same("flat: stderr", err, [])

    rc, out, _ = cs(d, "-d", "db", "-r", "tree/")
    body = [ln for ln in out if ln.startswith("tree/")]
    same_sorted("recursive: result lines", body, [
        "tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND",
        "tree/body.txt: Vigil.Test.Body.UNOFFICIAL FOUND",
        "tree/clean.txt: OK",
        "tree/empty: Empty file",
        "tree/link: Symbolic link",
        "tree/sub/logic.dat: Vigil.Test.Logic.UNOFFICIAL FOUND",
        "tree/sub/clean2.txt: OK",
    ])
    same("recursive: summary", out[len(body):], summary(4, 2, 5, 3))
    same("recursive: exit", rc, 1)

    rc, out, _ = cs(d, "-d", "db", "-r", "-i", "--no-summary", "tree")
    same_sorted("-i: only infected", out, [
        "tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND",
        "tree/body.txt: Vigil.Test.Body.UNOFFICIAL FOUND",
        "tree/sub/logic.dat: Vigil.Test.Logic.UNOFFICIAL FOUND",
    ])
    rc, out, _ = cs(d, "-d", "db", "-r", "-o", "--no-summary", "tree")
    check("-o: no OK lines", not any(ln.endswith(": OK") for ln in out), repr(out))
    check("-o: still the empty file", "tree/empty: Empty file" in out, repr(out))

    rc, out, _ = cs(d, "-d", "db", "-z", "--no-summary", "tree/bad.bin")
    same("-z: every detection", out, ["tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND",
                                      "tree/bad.bin: Vigil.Test.Sha256.UNOFFICIAL FOUND"])
    rc, out, _ = cs(d, "-d", "db", "--no-summary", "tree/bad.bin")
    same("no -z: first detection only", out, ["tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND"])

    rc, out, err = cs(d, "-d", "db", "--no-summary", "tree/sub", "tree/link", "tree/clean.txt")
    same_sorted("operands: a folder", out[:2],
                ["tree/sub/logic.dat: Vigil.Test.Logic.UNOFFICIAL FOUND", "tree/sub/clean2.txt: OK"])
    same("operands: a followed link, a file", out[2:], ["tree/link: OK", "tree/clean.txt: OK"])

    rc, out, _ = cs(d, "-d", "db", "--no-summary", "-", stdin=LOGIC)
    same("stdin: found", out, ["stdin: Vigil.Test.Logic.UNOFFICIAL FOUND"])
    same("stdin: exit", rc, 1)
    rc, out, _ = cs(d, "-d", "db", "-", stdin=b"")
    same("stdin: empty is OK", out[:1], ["stdin: OK"])
    same("stdin: counted", out[1:], summary(4, 0, 1, 0))


def test_order(d):
    """clamscan's order of detections within one object, and its floor on
    object size (both found with clamscan 1.4.6): body signatures first,
    then whole-file hashes, then logical signatures; nothing in an object
    of 5 bytes or less."""
    six = b"abcdef"
    os.makedirs(f"{d}/order", exist_ok=True)
    write(f"{d}/order/six", six)
    write(f"{d}/order/five", six[:5])
    write(f"{d}/order/o.hdb", f"{hashlib.md5(six).hexdigest()}:6:Order.Hash\n"
                              f"{hashlib.md5(six[:5]).hexdigest()}:5:Order.Small\n")
    write(f"{d}/order/o.ndb", f"Order.Body:0:*:{hexs(six[:5])}\n")
    write(f"{d}/order/o.ldb", f"Order.Logic;Target:0;0;{hexs(six)}\n")
    # the .ldb is given first: load order does not change the report order
    rc, out, _ = cs(d, "-d", "order/o.ldb", "-d", "order/o.hdb", "-d", "order/o.ndb", "-z",
                    "--no-summary", "order/six", "order/five")
    # "abcdef" is ASCII text: clamscan scans it again as normalised text
    # (the same bytes here), where the body and logical signatures match
    # again; hashes are not looked up in that pass
    same("order: body, hash, logical; nothing in 5 bytes", out, [
        "order/six: Order.Body.UNOFFICIAL FOUND",
        "order/six: Order.Hash.UNOFFICIAL FOUND",
        "order/six: Order.Logic.UNOFFICIAL FOUND",
        "order/six: Order.Body.UNOFFICIAL FOUND",
        "order/six: Order.Logic.UNOFFICIAL FOUND",
        "order/five: OK",
    ])
    rc, out, _ = cs(d, "-d", "order/o.ldb", "-d", "order/o.hdb", "--no-summary", "order/six")
    same("order: without -z the hash comes before the logical", out,
         ["order/six: Order.Hash.UNOFFICIAL FOUND"])

    # A pattern split at `*` counts one match per tail that completes it,
    # heads used before included (clamscan 1.4.6: AB..CD..CD is 2, AB..AB..CD 1).
    write(f"{d}/order/tails.bin", b"\x00\x01AB..CD..CD\x00")
    write(f"{d}/order/heads.bin", b"\x00\x01AB..AB..CD\x00")
    write(f"{d}/order/split.ldb", f"Split.Two;Target:0;0=2&1<9;{hexs(b'AB')}*{hexs(b'CD')};"
                                  f"{hexs(b'ZZZZ')}\n"
                                  f"Split.One;Target:0;0=1&1<9;{hexs(b'AB')}*{hexs(b'CD')};"
                                  f"{hexs(b'ZZZZ')}\n")
    rc, out, _ = cs(d, "-d", "order/split.ldb", "-z", "--no-summary", "order/tails.bin",
                    "order/heads.bin")
    same("split pattern: counted per completing tail", out, [
        "order/tails.bin: Split.Two.UNOFFICIAL FOUND",
        "order/heads.bin: Split.One.UNOFFICIAL FOUND",
    ])


def test_filters(d):
    rc, out, _ = cs(d, "-d", "db", "-r", "--no-summary", "--exclude=bad", "--exclude-dir=sub$",
                    "tree")
    check("--exclude: file", "tree/bad.bin: Excluded" in out, repr(out))
    check("--exclude-dir: folder", "tree/sub: Excluded" in out, repr(out))
    check("--exclude-dir: nothing below", not any("tree/sub/" in ln for ln in out), repr(out))
    rc, out, _ = cs(d, "-d", "db", "-r", "--no-summary", r"--include=\.txt$", "tree")
    check("--include: others excluded", "tree/empty: Excluded" in out, repr(out))
    check("--include: links before filters", "tree/link: Symbolic link" in out, repr(out))
    check("--include: match scanned", "tree/sub/clean2.txt: OK" in out, repr(out))
    rc, out, _ = cs(d, "-d", "db", "-r", "--no-summary", "--include-dir=nomatch", "tree")
    same("--include-dir: the top folder too", out, ["tree: Excluded"])
    same("--include-dir: exit", rc, 0)
    rc, out, _ = cs(d, "-d", "db", "--no-summary", "--exclude=(", "tree/clean.txt")
    same("bad regex matches nothing", out, ["tree/clean.txt: OK"])


def test_errors(d):
    rc, out, err = cs(d, "-d", "db", "tree/missing", "tree/fifo")
    same("missing + fifo: stderr", err, ["tree/missing: No such file or directory",
                                         "WARNING: tree/missing: Can't access file",
                                         "WARNING: tree/fifo: Not supported file type"])
    same("missing + fifo: summary without errors line", out, summary(4, 0, 0, 0))
    same("missing + fifo: exit", rc, 2)
    rc, out, err = cs(d, "-d", "db", "--stdout", "--no-summary", "tree/fifo")
    same("--stdout: warnings on stdout", out, ["WARNING: tree/fifo: Not supported file type"])
    rc, out, err = cs(d, "-d", "db", "--no-summary", "tree/missing", "tree/bad.bin")
    same("found wins over errors", rc, 1)

    rc, out, err = cs(d, "-d", "nosuch", "tree/clean.txt")
    same("db missing: stderr", err, ["LibClamAV Error: cl_load(): No such file or directory: nosuch",
                                     "ERROR: Can't get file status"])
    same("db missing: empty summary", out, summary(0, 0, 0, 0))
    same("db missing: exit", rc, 2)
    os.makedirs(f"{d}/emptydb", exist_ok=True)
    write(f"{d}/emptydb/readme.txt", "not a database\n")
    rc, out, err = cs(d, "-d", "emptydb", "--no-summary", "tree/clean.txt")
    same("db folder without databases", err, [
        "LibClamAV Error: cli_loaddbdir: No supported database files found in emptydb",
        "ERROR: Can't open file or directory"])
    same("db folder without databases: exit", rc, 2)
    rc, out, err = cs(d, "-d", "emptydb/readme.txt", "--no-summary", "tree/clean.txt")
    same("unknown extension skipped", err,
         ["LibClamAV Warning: cli_load: unknown extension - skipping emptydb/readme.txt"])
    same("unknown extension: scan goes on", (rc, out), (0, ["tree/clean.txt: OK"]))

    write(f"{d}/baddb/good.hdb", f"{hashlib.md5(BAD).hexdigest()}:{len(BAD)}:Vigil.Good\n")
    write(f"{d}/baddb/bad.ndb", "Vigil.Bad:0:*:zz\n")
    rc, out, err = cs(d, "-d", "baddb", "--no-summary", "tree/bad.bin")
    check("malformed: located error", len(err) == 2 and
          err[0].startswith("LibClamAV Error: baddb/bad.ndb:1: "), repr(err))
    same("malformed: clamscan's last line", err[-1:], ["ERROR: Malformed database"])
    same("malformed: nothing scanned", (rc, out), (2, []))
    # so is a signature file without a line (clamscan: "Empty database file")
    write(f"{d}/emptysig/x.ndb", "")
    rc, out, err = cs(d, "-d", "emptysig", "--no-summary", "tree/clean.txt")
    check("empty .ndb refused", rc == 2 and err[:1] == [
        "LibClamAV Error: emptysig/x.ndb: empty database file"], repr(err))
    # a file-type database none of whose rows clamscan loads is refused
    # (clamscan 1.4.6: "Empty external filetype database")
    write(f"{d}/ftmdb/x.ftm", "0:0:41424344:X:CL_TYPE_ANY:CL_TYPE_TEXT_ASCII:1:5\n"
                              "2:0:41424344:Y:CL_TYPE_ANY:CL_TYPE_TEXT_ASCII\n")
    rc, out, err = cs(d, "-d", "ftmdb", "--no-summary", "tree/clean.txt")
    check("empty .ftm refused", rc == 2 and len(err) == 2 and
          err[0].startswith("LibClamAV Error: ftmdb/x.ftm: empty file-type database"), repr(err))
    rc, out, err = cs(d, "-d", "baddb", "--skip-bad-lines", "--no-summary", "tree/bad.bin")
    same("--skip-bad-lines: the rest loads", (rc, out),
         (1, ["tree/bad.bin: Vigil.Good.UNOFFICIAL FOUND"]))
    check("--skip-bad-lines: a warning", any("baddb/bad.ndb:1:" in e and "warning" in e
                                             for e in err), repr(err))

    rc, out, err = cs(d, "--bogus")
    same("unknown option", (rc, err[1:]), (2, ["ERROR: Unknown option passed",
                                              "ERROR: Can't parse command line options"]))
    rc, out, err = cs(d, "--max-filesize=1x")
    same("bad size", (rc, err), (2, [
        "ERROR: Incorrect argument format for option --max-filesize",
        "ERROR: Can't parse command line options"]))
    rc, out, err = cs(d, "--recursive=maybe")
    same("bad boolean", (rc, err[:1]),
         (2, ["ERROR: Incorrect argument format for option --recursive (-r)"]))
    write(f"{d}/key.txt", "not a key\n")
    rc, out, err = cs(d, "-d", "db", "--cvd-public-key=key.txt", "tree/clean.txt")
    same("bad key file", (rc, err),
         (2, ["ERROR: --cvd-public-key key.txt: not an RSA key (PEM, or the decimal modulus "
              "and exponent)"]))


def test_limits(d):
    big = BAD + b"\0" * 5000
    write(f"{d}/limits/big.bin", big)
    write(f"{d}/limits.ndb", f"Vigil.Big:0:0:{hexs(BAD[:16])}\n")
    for opt in ("--max-filesize=1000", "--max-scansize=1K"):
        rc, out, _ = cs(d, "-d", "limits.ndb", opt, "limits/big.bin")
        same(f"{opt}: larger file is OK", out[:1], ["limits/big.bin: OK"])
        same(f"{opt}: counted as scanned", out[1:], summary(1, 0, 1, 0, read="0.00"))
    rc, out, _ = cs(d, "-d", "limits.ndb", "--no-summary", f"--max-filesize={len(big)}",
                    "limits/big.bin")
    same("size equal to the limit is scanned", out, ["limits/big.bin: Vigil.Big.UNOFFICIAL FOUND"])
    rc, out, _ = cs(d, "-d", "limits.ndb", "--no-summary", "--max-filesize=0", "limits/big.bin")
    same("0 is no limit", out, ["limits/big.bin: Vigil.Big.UNOFFICIAL FOUND"])
    write(f"{d}/limits/blocks", b"x" * (3 * 4096 + 100))
    rc, out, _ = cs(d, "-d", "limits.ndb", "limits/blocks")
    same("data in 4 KiB blocks", out[-2:], ["Data scanned: 0.01 MB",
                                            "Data read: 0.01 MB (ratio 1.00:1)"])
    nest = f"{d}/deep"
    for i in range(1, 19):
        write(f"{nest}/f{i}", CLEAN)
        nest += "/d"
    rc, out, _ = cs(d, "-d", "db", "-r", "deep")
    same("folders 15 deep at most", (len([ln for ln in out if ln.endswith(": OK")]),
                                     "Scanned directories: 15" in out), (15, True))


def test_actions(d):
    def setup():
        for sub in ("act/src", "act/q"):
            os.makedirs(f"{d}/{sub}", exist_ok=True)
            for f in os.listdir(f"{d}/{sub}"):
                os.unlink(f"{d}/{sub}/{f}")
        write(f"{d}/act/src/bad.bin", BAD)
        write(f"{d}/act/q/bad.bin", b"earlier")
        write(f"{d}/act/q/bad.bin.002", b"earlier")

    real = os.path.realpath(d)
    setup()
    rc, out, _ = cs(d, "-d", "db", "--no-summary", "--move=act/q", "act/src")
    same("--move: next free name", out, [
        "act/src/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND",
        f"act/src/bad.bin (real path: '{real}/act/src/bad.bin'): moved to "
        f"'{real}/act/q/bad.bin.001'"])
    same("--move: file moved", sorted(os.listdir(f"{d}/act/src")), [])
    with open(f"{d}/act/q/bad.bin.001", "rb") as f:
        same("--move: content kept", f.read(), BAD)
    setup()
    write(f"{d}/act/q/bad.bin.001", b"earlier")
    rc, out, _ = cs(d, "-d", "db", "--no-summary", f"--copy={real}/act/q", f"{real}/act/src")
    same("--copy: absolute path has no real path part", out[1:],
         [f"{real}/act/src/bad.bin: copied to '{real}/act/q/bad.bin.003'"])
    check("--copy: original stays", os.path.exists(f"{d}/act/src/bad.bin"))
    setup()
    rc, out, _ = cs(d, "-d", "db", "--no-summary", "--remove", "act/src/bad.bin")
    same("--remove", out[1:],
         [f"act/src/bad.bin (real path: '{real}/act/src/bad.bin'): Removed."])
    check("--remove: gone", not os.path.exists(f"{d}/act/src/bad.bin"))
    rc, out, err = cs(d, "-d", "db", "--move=act/none", "act/src")
    same("--move: missing folder", (rc, out, err),
         (2, ["action_setup: Failed to get realpath of act/none"], []))
    rc, out, err = cs(d, "-d", "db", "--copy=tree/clean.txt", "act/src")
    same("--copy: not a folder", (rc, err),
         (2, [f"ERROR: '{real}/tree/clean.txt' doesn't exist or is not a directory"]))


def test_log_json_cache(d):
    log = f"{d}/scan.log"
    rc, out, _ = cs(d, "-d", "db", "-l", "scan.log", "-v", "tree/bad.bin", "tree/clean.txt",
                    "tree/missing")
    with open(log) as f:
        text = [ln for ln in f.read().split("\n") if not TIMING.match(ln)]
    same("log: clamscan's lines (no OK, no perror)", text[:7], [
        "", "-" * 79, "", "Scanning tree/bad.bin", "tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND",
        "Scanning tree/clean.txt", "WARNING: tree/missing: Can't access file"])
    same("log: summary", text[7:-1], summary(4, 0, 2, 1))
    same("-v: scanning lines on stdout", out[:4], [
        "Scanning tree/bad.bin", "tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND",
        "Scanning tree/clean.txt", "tree/clean.txt: OK"])
    rc, out, err = cs(d, "-d", "db", "-l", "nofolder/scan.log", "tree/clean.txt")
    same("log cannot be opened", (rc, out, err), (2, [
        "ERROR: Failed to open log file nofolder/scan.log: No such file or directory"],
        ["ERROR: Problem with internal logger."]))

    rc, out, _ = cs(d, "-d", "db", "--json", "tree/bad.bin", "tree/clean.txt", "tree/empty")
    objs = [json.loads(ln) for ln in out]
    same("json: detection", (objs[0]["path"], objs[0]["rule"], objs[0]["namespace"],
                             objs[0]["meta"].get("type")),
         ("tree/bad.bin", "Vigil.Test.Md5.UNOFFICIAL", "clamav", "hdb"))
    same("json: statuses", [o.get("status") for o in objs[1:3]], ["OK", "Empty file"])
    same("json: summary", (objs[3]["summary"]["infected_files"],
                           objs[3]["summary"]["known_viruses"]), (1, 4))

    env = {"VIGIL_CACHE_DEBUG": "1", "XDG_CACHE_HOME": f"{d}/cache2"}
    _, _, err1 = cs(d, "-d", "db", "--no-summary", "tree/clean.txt", env=env)
    _, out2, err2 = cs(d, "-d", "db", "--no-summary", "tree/bad.bin", env=env)
    check("cache: first run stores", any("cache: stored" in e for e in err1), repr(err1))
    check("cache: second run maps", any("cache: hit" in e for e in err2), repr(err2))
    same("cache: same verdict", out2, ["tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND"])
    write(f"{d}/db/test.hdb", f"{hashlib.md5(CLEAN).hexdigest()}:{len(CLEAN)}:Vigil.Now.Clean\n")
    _, out3, err3 = cs(d, "-d", "db", "--no-summary", "tree/clean.txt", env=env)
    check("cache: changed database recompiled", not any("cache: hit" in e for e in err3),
          repr(err3))
    same("cache: new verdict", out3, ["tree/clean.txt: Vigil.Now.Clean.UNOFFICIAL FOUND"])


def test_containers(d):
    """A .cvd signed with the test's own key: names without .UNOFFICIAL."""
    if not MKCVD:
        return

    def mk(*args):
        return e2elib.tool(MKCVD, d, *args)

    write(f"{d}/cvdsrc/test.hdb", f"{hashlib.md5(BAD).hexdigest()}:{len(BAD)}:Vigil.Signed\n")
    mk("key", "k.pem", "k.pub")
    write(f"{d}/k.dec", mk("dec", "k.pub"))
    os.makedirs(f"{d}/cvd", exist_ok=True)
    mk("build", "-k", "k.pem", "-o", "cvd/vt.cvd", "test.hdb=cvdsrc/test.hdb")
    mk("build", "-k", "k.pem", "-o", "bad.cvd", "--tamper", "body", "test.hdb=cvdsrc/test.hdb")
    rc, out, err = cs(d, "-d", "cvd", "--cvd-public-key=k.dec", "--no-summary", "tree/bad.bin")
    same("signed container: official name", (rc, out, err),
         (1, ["tree/bad.bin: Vigil.Signed FOUND"], []))
    # PEM keys, public or private, as `vigil sigtool` reads them (cli/cvdkey.c)
    for key in ("k.pub", "k.pem"):
        rc, out, err = cs(d, "-d", "cvd", f"--cvd-public-key={key}", "--no-summary",
                          "tree/bad.bin")
        same(f"signed container, PEM key {key}", (rc, out, err),
             (1, ["tree/bad.bin: Vigil.Signed FOUND"], []))
    rc, out, err = cs(d, "-d", "bad.cvd", "--cvd-public-key=k.dec", "--no-summary",
                      "tree/bad.bin")
    same("tampered container refused", (rc, out, err[-1:]),
         (2, [], ["ERROR: Can't verify database integrity"]))
    rc, out, err = cs(d, "-d", "cvd", "--no-summary", "tree/bad.bin")
    same("signed with another key than ClamAV's: refused", (rc, err[-1:]),
         (2, ["ERROR: Can't verify database integrity"]))


def test_permissions(d):
    if os.geteuid() != 0:
        os.makedirs(f"{d}/perm/closed", exist_ok=True)
        write(f"{d}/perm/secret", CLEAN)
        os.chmod(f"{d}/perm/secret", 0)
        os.chmod(f"{d}/perm/closed", 0)
        rc, out, _ = cs(d, "-d", "db", "-r", "perm")
        os.chmod(f"{d}/perm/closed", stat.S_IRWXU)
        same_sorted("unreadable: lines", [ln for ln in out if ln.startswith("perm")],
                    ["perm/secret: Access denied", "perm/closed: Can't open directory."])
        check("unreadable: counted", "Total errors: 2" in out, repr(out))
        same("unreadable: exit", rc, 2)


def test_views(d):
    """clamscan's passes over one file (raw, normalised text, binary data's
    second look) through both front ends: clamscan -z prints each, a body
    signature once per match; -s and --json of `vigil scan` name the view a
    detection was found in, once per file."""
    os.makedirs(f"{d}/views", exist_ok=True)
    write(f"{d}/views/v.ndb", f"View.Upper:0:*:{hexs(b'MARKX')}\n"
                             f"View.Lower:7:*:{hexs(b'markx')}\n"
                             f"View.Other:14:*:{hexs(b'MARKX')}\n")
    write(f"{d}/views/t.txt", b"Text MARKX and MARKX\n")
    write(f"{d}/views/b.bin", b"\x00\x01\x02\x03MARKX\x00\x00\x00\x00")
    write(f"{d}/views/g.ogg", b"OggS\x00MARKX\x00\x00")
    rc, out, _ = cs(d, "-d", "views/v.ndb", "-z", "--no-summary", "views/t.txt", "views/b.bin",
                    "views/g.ogg")
    same("views: clamscan -z", out, [
        "views/t.txt: View.Upper.UNOFFICIAL FOUND", "views/t.txt: View.Upper.UNOFFICIAL FOUND",
        "views/t.txt: View.Lower.UNOFFICIAL FOUND", "views/t.txt: View.Lower.UNOFFICIAL FOUND",
        "views/b.bin: View.Upper.UNOFFICIAL FOUND", "views/b.bin: View.Other.UNOFFICIAL FOUND",
        "views/b.bin: View.Upper.UNOFFICIAL FOUND", "views/g.ogg: OK"])
    # which signature a file is reported as (clamscan 1.4.6): Boyer-Moore
    # literals before Aho-Corasick patterns, these by where their match
    # ends, the target type's before generic ones; logical signatures the
    # target type's first, then in load order
    write(f"{d}/views/o.ndb", f"AC.Early:0:*:{hexs(b'AAAA')}??{hexs(b'BB')}\n"
                             f"BM.Late:0:*:{hexs(b'XXXXX')}\n"
                             f"AC.Two:0:*:{hexs(b'YY')}??{hexs(b'YY')}\n"
                             f"Generic.First:0:*:{hexs(b'QQ')}??{hexs(b'QQ')}\n"
                             f"Target.PE:1:*:{hexs(b'RRRR')}??{hexs(b'RR')}\n")
    write(f"{d}/views/o.ldb", f"L.Generic;Engine:51-255,Target:0;0;{hexs(b'QQ')}??{hexs(b'QQ')}\n"
                             f"L.PE;Engine:51-255,Target:1;0;{hexs(b'RRRR')}??{hexs(b'RR')}\n")
    write(f"{d}/views/o1.txt", b"AAAAzBB......XXXXX....\n")
    write(f"{d}/views/o2.txt", b"YY.YY..AAAAzBB\n")
    write(f"{d}/views/o3.exe", b"MZQQ.QQ..RRRRzRR\n")
    rc, out, _ = cs(d, "-d", "views/o.ndb", "--no-summary", "views/o1.txt", "views/o2.txt",
                    "views/o3.exe")
    same("order: the first detection", out, [
        "views/o1.txt: BM.Late.UNOFFICIAL FOUND", "views/o2.txt: AC.Two.UNOFFICIAL FOUND",
        "views/o3.exe: Target.PE.UNOFFICIAL FOUND"])
    rc, out, _ = cs(d, "-d", "views/o.ldb", "-z", "--no-summary", "views/o3.exe")
    same("order: logical signatures", out, [
        "views/o3.exe: L.PE.UNOFFICIAL FOUND", "views/o3.exe: L.Generic.UNOFFICIAL FOUND"])
    # a .ftm with a magic row replaces the built-in file-type table (GIF is
    # then binary data: no target 5, a second look as "other"); body rows
    # alone are added to it (a marker then makes text HTML)
    write(f"{d}/views/g.ndb", f"G.Any:0:*:{hexs(b'ZZZPQ')}\nG.Graphics:5:*:{hexs(b'ZZZPQ')}\n"
                             f"G.Html:3:*:{hexs(b'zzzpq')}\n")
    write(f"{d}/views/magic.ftm", "0:0:41424344:Test:CL_TYPE_ANY:CL_TYPE_IGNORED\n")
    write(f"{d}/views/body.ftm", f"1:*:{hexs(b'QQQQQ')}:Test:CL_TYPE_ANY:CL_TYPE_HTML\n")
    write(f"{d}/views/g.gif", b"GIF89a\x00ZZZPQ\x00\x00")
    write(f"{d}/views/q.txt", b"hello QQQQQ ZZZPQ world\n")
    rc, out, _ = cs(d, "-d", "views/g.ndb", "-d", "views/magic.ftm", "-z", "--no-summary",
                    "views/g.gif", "views/q.txt")
    same(".ftm: magic rows replace the table", out, [
        "views/g.gif: G.Any.UNOFFICIAL FOUND", "views/g.gif: G.Any.UNOFFICIAL FOUND",
        "views/q.txt: G.Any.UNOFFICIAL FOUND"])
    rc, out, _ = cs(d, "-d", "views/g.ndb", "-d", "views/body.ftm", "-z", "--no-summary",
                    "views/g.gif", "views/q.txt")
    same(".ftm: body rows are added", out, [
        "views/g.gif: G.Graphics.UNOFFICIAL FOUND", "views/g.gif: G.Any.UNOFFICIAL FOUND",
        "views/q.txt: G.Html.UNOFFICIAL FOUND", "views/q.txt: G.Html.UNOFFICIAL FOUND"])
    rc, out, _ = cs(d, "-d", "views/v.ndb", "--no-summary", "views/t.txt")
    same("views: without -z the raw pass's first", out,
         ["views/t.txt: View.Upper.UNOFFICIAL FOUND"])
    e = {"XDG_CACHE_HOME": f"{d}/cache"}
    rc, out, _ = run([VIGIL, "scan", "--no-default-rules", "--db", "views/v.ndb", "-s",
                      "views/t.txt"], cwd=d, env=e)
    text = out.decode()
    check("views: native scan names each detection once",
          text.count("clamav:View.Upper.UNOFFICIAL\n") == 1 and
          text.count("clamav:View.Lower.UNOFFICIAL\n") == 1, text)
    check("views: -s names the normalised view",
          "ndb signature at views/v.ndb:2, in the file's normalised text" in text and
          "0x5:$: 6D 61 72 6B 78" in text, text)
    rc, out, _ = run([VIGIL, "scan", "--no-default-rules", "--db", "views/v.ndb", "--json",
                      "views/t.txt"], cwd=d, env=e)
    objs = [json.loads(ln) for ln in out.decode().split("\n") if ln.startswith("{\"path")]
    same("views: json view", [(o["rule"], o.get("view")) for o in objs],
         [("View.Upper.UNOFFICIAL", None), ("View.Lower.UNOFFICIAL", "normalised text")])


def test_mail(d):
    """A mail's parts are scanned as objects of their own before the mail
    (clamscan's cli_scanmail): a mail by its first bytes, text raised to
    MHTML within its first KiB, text in which the raw pass finds a mail
    further on, and binary data in which it finds MHTML; so is an HTML data: URI (a normalised layer: its contents
    see the HTML as their container) and an image in a <style> block. Container and Intermediates see the
    enclosing types. Every expected list was printed by clamscan 1.4.6 for
    the same files."""
    os.makedirs(f"{d}/mail", exist_ok=True)
    mark = b"MAILMARKQ"
    att = base64.encodebytes(b"part text " + mark + b"\n")
    mime = (b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n\n'
            b"--XX\nContent-Type: text/plain\n\nplain body\n"
            b"--XX\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
            b'Content-Disposition: attachment; filename="a.bin"\n\n' + att + b"--XX--\n")
    write(f"{d}/mail/magic.eml", b"From: a@b.c\nTo: d@e.f\nSubject: hello\n" + mime)
    write(f"{d}/mail/raised.eml", b"X-Foo: bar\nFrom: a@b.c\nSubject: hello\n" + mime)
    write(f"{d}/mail/found.txt", b"x\nFrom: a@b.c\n" + b"filler words here\n" * 70 +
          b"Content-Type: text/plain\n\nbody " + mark + b"\n")
    write(f"{d}/mail/m.ndb", f"Mail.Part:0:*:{hexs(mark)}\nMail.Raw:4:*:{hexs(b'Subject: hello')}\n")
    write(f"{d}/mail/m.ldb",
          f"Mail.InMail;Engine:51-255,Container:CL_TYPE_MAIL,Target:0;0;{hexs(mark)}\n"
          f"Mail.InMhtml;Engine:51-255,Container:CL_TYPE_MHTML,Target:0;0;{hexs(mark)}\n"
          f"Mail.Root;Engine:51-255,Container:CL_TYPE_ANY,Target:0;0;{hexs(mark)}\n"
          f"Mail.Under;Engine:81-255,Intermediates:CL_TYPE_MAIL,Target:0;0;{hexs(mark)}\n"
          f"Mail.Text;Engine:51-255,Target:7;0;{hexs(mark.lower())}\n"
          f"Mail.InHtml;Engine:51-255,Container:CL_TYPE_HTML,Target:0;0;{hexs(mark)}\n")
    uri = base64.b64encode(b"inner payload " + mark + b" here\n")
    write(f"{d}/mail/uri.html", b'<html><body><a href="data:text/plain;base64,' + uri +
          b'">x</a></body></html>\n')
    db = ["-d", "mail/m.ndb", "-d", "mail/m.ldb", "--no-summary"]
    found = lambda f, names: [f"mail/{f}: Mail.{n}.UNOFFICIAL FOUND" for n in names]
    rc, out, _ = cs(d, *db, "-z", "mail/magic.eml")
    same("mail: parts before the mail", out,
         found("magic.eml", ["Part", "InMail", "Under", "Text", "Raw"]))
    rc, out, _ = cs(d, *db, "-z", "mail/raised.eml")
    same("mail: MHTML parts", out, found("raised.eml", ["Part", "InMhtml", "Text"]))
    rc, out, _ = cs(d, *db, "-z", "mail/found.txt")
    same("mail: found in text", out, found("found.txt", [
        "Part", "Root", "Part", "InMail", "Under", "Text", "Text", "Part", "Root"]))
    # binary data with a MIME header inside: parsed as MHTML (a .mo
    # catalogue can be one), then its second "OTHER" pass
    write(f"{d}/mail/catalog.bin", b"\x00\x01binary\xff\xfe" * 90 + b"\n" + mime +
          b"\x00tail" * 4)
    rc, out, _ = cs(d, *db, "-z", "mail/catalog.bin")
    same("mail: MHTML found in binary data", out, found("catalog.bin", ["Part", "InMhtml", "Text"]))
    rc, out, _ = cs(d, *db, "-z", "mail/uri.html")
    same("mail: an HTML data: URI", out, found("uri.html", ["Part", "InHtml", "Text"]))
    # an image in a <style> block's CSS: an object of its own (a GIF: targets
    # 0 and 5, not 3), inside the HTML
    gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;CSSMARKQ tail"
    write(f"{d}/mail/css.html", b"<html><head><style>body { background: url(data:image/gif;base64," +
          base64.b64encode(gif) + b"); }</style></head><body>hello</body></html>\n")
    css = hexs(b"CSSMARKQ")
    write(f"{d}/mail/css.ndb", f"Css.Any:0:*:{css}\nCss.Graphics:5:*:{css}\nCss.Html:3:*:{css}\n")
    write(f"{d}/mail/css.ldb", f"Css.InHtml;Engine:51-255,Container:CL_TYPE_HTML,Target:0;0;{css}\n")
    rc, out, _ = cs(d, "-d", "mail/css.ndb", "-d", "mail/css.ldb", "-z", "--no-summary",
                    "mail/css.html")
    same("mail: a CSS image", out, ["mail/css.html: Css.Graphics.UNOFFICIAL FOUND",
                                    "mail/css.html: Css.Any.UNOFFICIAL FOUND",
                                    "mail/css.html: Css.InHtml.UNOFFICIAL FOUND"])
    rc, out, _ = cs(d, *db, "mail/magic.eml", "mail/raised.eml", "mail/found.txt")
    same("mail: the first detection", out,
         found("magic.eml", ["Part"]) + found("raised.eml", ["Part"]) +
         found("found.txt", ["Part"]))
    e = {"XDG_CACHE_HOME": f"{d}/cache"}
    rc, out, _ = run([VIGIL, "scan", "--no-default-rules", "--db", "mail/m.ndb", "-s",
                      "mail/magic.eml"], cwd=d, env=e)
    text = out.decode()
    check("mail: -s names the part", 'in the file\'s mail part "a.bin"' in text, text)
    rc, out, _ = run([VIGIL, "scan", "--no-default-rules", "--db", "mail/m.ndb", "--json",
                      "mail/uri.html"], cwd=d, env=e)
    objs = [json.loads(ln) for ln in out.decode().split("\n") if ln.startswith("{\"path")]
    same("mail: json path to a part", [o.get("view") for o in objs],
         ['HTML data: URI > mail part "textportion"'])


def lcg_png(w, h, seed):
    """An RGB PNG whose pixels come from a small LCG."""
    x, rows = seed, []
    for y in range(h):
        row = bytearray(b"\x00")
        for i in range(w * 3):
            x = (x * 1103515245 + 12345) & 0x7fffffff
            row.append(((i * 7 + y * 3) + (x >> 16) % 40) % 256)
        rows.append(bytes(row))

    def chunk(t, data):
        return (struct.pack(">I", len(data)) + t + data +
                struct.pack(">I", zlib.crc32(t + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def test_fuzzy_img(d):
    """fuzzy_img subsignatures: the image's fuzzy hash, as `sigtool
    --fuzzy-img` printed it for these two images (d401a39953dde13d and
    d5000ac32cf3af7b), counted once in the image's raw pass; the list is
    clamscan 1.4.6's."""
    os.makedirs(f"{d}/img", exist_ok=True)
    write(f"{d}/img/p1.png", lcg_png(40, 30, 1))
    write(f"{d}/img/p2.png", lcg_png(64, 48, 2))
    write(f"{d}/img/i.ldb",
          "Img.One;Engine:150-255,Target:0;0;fuzzy_img#d401a39953dde13d\n"
          "Img.Two;Engine:150-255,Target:5;0;fuzzy_img#D5000AC32CF3AF7B#0\n"
          "Img.Once;Engine:150-255,Target:0;0=1;fuzzy_img#d401a39953dde13d\n"
          f"Img.Both;Engine:150-255,Target:0;0&1;fuzzy_img#d5000ac32cf3af7b;{hexs(b'IDAT')}\n"
          "Img.Other;Engine:150-255,Target:0;0;fuzzy_img#d5000ac32cf3af7c\n")
    rc, out, _ = cs(d, "-d", "img/i.ldb", "-z", "--no-summary", "img/p1.png", "img/p2.png")
    same("fuzzy_img: image hashes", out, [
        "img/p1.png: Img.One.UNOFFICIAL FOUND", "img/p1.png: Img.Once.UNOFFICIAL FOUND",
        "img/p2.png: Img.Two.UNOFFICIAL FOUND", "img/p2.png: Img.Both.UNOFFICIAL FOUND"])


def test_file_list(d):
    """-f: paths one per line (CR/LF stripped), operands ignored with a
    warning; an empty line names "\\n"; an unreadable list ends with exit
    status 54 after the summary (all as clamscan 1.4.6)."""
    write(f"{d}/list.txt", "tree/bad.bin\r\ntree/clean.txt\n\ntree/sub\n")
    rc, out, err = cs(d, "-d", "db", "--no-summary", "-f", "list.txt", "tree/body.txt")
    same("file list: results in list order", out[:2], [
        "tree/bad.bin: Vigil.Test.Md5.UNOFFICIAL FOUND", "tree/clean.txt: OK"])
    same_sorted("file list: a folder in the list", out[2:], [
        "tree/sub/logic.dat: Vigil.Test.Logic.UNOFFICIAL FOUND", "tree/sub/clean2.txt: OK"])
    same("file list: operands ignored, empty line", err, [
        "WARNING: Only scanning files from --file-list (files passed at cmdline are ignored)",
        "", ": No such file or directory", "WARNING: ", ": Can't access file"])
    same("file list: exit", rc, 1)
    rc, out, err = cs(d, "-d", "db", "--file-list=nosuch.txt")
    same("file list missing", (rc, err), (54, ["ERROR: --file-list: Can't open file nosuch.txt"]))
    same("file list missing: summary", out, summary(4, 0, 0, 0))
    rc, out, err = cs(d, "-d", "db", "--no-summary", "--scan-archive=no", "--scan-pdf",
                      "tree/clean.txt")
    same("--scan-archive accepted", (rc, out), (0, ["tree/clean.txt: OK"]))


def small_pe(total, marker):
    """A PE32 with two 0x200-byte sections (file offsets 0x200 and 0x400),
    marker 0x10 bytes into the second, zero-padded to total bytes."""
    h = bytearray(0x200)
    h[0:2] = b"MZ"
    struct.pack_into("<I", h, 0x3C, 0x80)
    h[0x80:0x84] = b"PE\0\0"
    secs = [(0x200, 0x200, 0x1000), (0x400, 0x200, 0x2000)]
    struct.pack_into("<HHIIIHH", h, 0x84, 0x14C, len(secs), 0, 0, 0, 224, 0x0102)
    struct.pack_into("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", h, 0x98, 0x10B, 14, 0, 0x200, 0, 0, 0x1000,
                     0x1000, 0x2000, 0x400000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0, 0x3000, 0x200,
                     0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    for i, (raw, rsz, rva) in enumerate(secs):
        o = 0x98 + 224 + 40 * i
        h[o:o + 3] = b".s%d" % i
        struct.pack_into("<IIII", h, o + 8, rsz, rva, rsz, raw)
        struct.pack_into("<I", h, o + 36, 0x60000020)
    body = bytearray(b"\x90" * 0x400)
    body[0x210:0x210 + len(marker)] = marker
    data = bytes(h) + bytes(body)
    return data + b"\0" * max(0, total - len(data))


def test_se_window(d):
    """SEx (anywhere in section x): libclamav's Boyer-Moore matcher, which
    takes a plain-hex PE body signature whose offset has no ",", checks only
    the section's start in files of 256 KiB or more; Aho-Corasick (a ",",
    a wildcard, a logical signature) keeps the whole section. Expected lines
    printed by clamscan 1.4.6 for the same files."""
    mark = b"SE-WINDOW-MARKQQ"
    os.makedirs(f"{d}/se", exist_ok=True)
    write(f"{d}/se/se.ndb", f"SeBm:1:SE1:{hexs(mark)}\nSeComma:1:SE1,0:{hexs(mark)}\n"
                            f"SeWild:1:SE1:{hexs(mark[:9])}??{hexs(mark[10:])}\n")
    write(f"{d}/se/se.ldb", f"SeLdb;Engine:51-255,Target:1;0;SE1:{hexs(mark)}\n")
    write(f"{d}/se/small.exe", small_pe(262143, mark))
    write(f"{d}/se/big.exe", small_pe(262144, mark))
    db = ["-d", "se/se.ndb", "-d", "se/se.ldb", "--no-summary", "-z"]
    rc, out, _ = cs(d, *db, "se/small.exe")
    same("SE: below 256 KiB, the whole section", out, [
        f"se/small.exe: {n}.UNOFFICIAL FOUND" for n in ("SeBm", "SeComma", "SeWild", "SeLdb")])
    rc, out, _ = cs(d, *db, "se/big.exe")
    same("SE: from 256 KiB, Boyer-Moore at the start only", out, [
        f"se/big.exe: {n}.UNOFFICIAL FOUND" for n in ("SeComma", "SeWild", "SeLdb")])


def test_handlertype(d):
    """A logical signature with a HandlerType does not report in the raw
    pass: the object is scanned again, one layer down, as that type (its
    target's signatures apply), and there the signature reports; a second
    HandlerType signature on the same bytes then reports at once, in the
    rescan and in the object. Expected lines printed by clamscan 1.4.6 for
    the same files."""
    os.makedirs(f"{d}/ht", exist_ok=True)
    write(f"{d}/ht/obj.bin", b"MZ\x90\x00 some binary \x00\x01\x02 obj stream text here\x00\xff"
                             b" more data AAAA BBBB\n")
    write(f"{d}/ht/bin.dat", b"\x00\x01\x02binary CCCC <script>alert(1)</script> DDDD\x00\xfe"
                             b"\xff obj\n")
    write(f"{d}/ht/t.ldb", "\n".join([
        f"H.One;Engine:81-255,HandlerType:CL_TYPE_PDF,Target:0;0;{hexs(b'MZ')}",
        f"H.Two;Engine:81-255,HandlerType:CL_TYPE_HTML,Target:0;0;{hexs(b'AAAA')}",
        f"H.PdfOnly;Engine:81-255,Target:10;0;{hexs(b'obj')}",
        f"H.Html;Engine:81-255,HandlerType:CL_TYPE_HTML,Target:0;0;{hexs(b'CCCC')}",
        f"H.HtmlOnly;Engine:81-255,Target:3;0;{hexs(b'alert')}",
        f"H.Txt;Engine:81-255,Target:7;0;{hexs(b'alert')}"]) + "\n")
    db = ["-d", "ht/t.ldb", "--no-summary"]
    rc, out, _ = cs(d, *db, "-z", "ht/obj.bin")
    same("HandlerType: rescans", out, [f"ht/obj.bin: H.{n}.UNOFFICIAL FOUND"
                                       for n in ("PdfOnly", "One", "Two", "Two")])
    rc, out, _ = cs(d, *db, "ht/obj.bin")
    same("HandlerType: first detection", out, ["ht/obj.bin: H.PdfOnly.UNOFFICIAL FOUND"])
    rc, out, _ = cs(d, *db, "-z", "ht/bin.dat")
    same("HandlerType: rescanned as HTML", out, [f"ht/bin.dat: H.{n}.UNOFFICIAL FOUND"
                                                 for n in ("HtmlOnly", "HtmlOnly", "Txt")])
    # in the rescan's HTML views (no hash: libclamav's cli_scan_desc) the
    # signatures report at once instead of rescanning again
    write(f"{d}/ht/bin2.dat", b"\x00\x01\x02binary cccc <b>bold</b> DDDD\x00\xfe\xff obj\n")
    write(f"{d}/ht/t2.ldb", f"H.Html2;Engine:81-255,HandlerType:CL_TYPE_HTML,Target:0;0;"
                            f"{hexs(b'cccc')}\nH.Tag;Engine:81-255,HandlerType:CL_TYPE_HTML,"
                            f"Target:0;0;{hexs(b'<b')}\n")
    rc, out, _ = cs(d, "-d", "ht/t2.ldb", "--no-summary", "-z", "ht/bin2.dat")
    same("HandlerType: views of the rescan", out,
         [f"ht/bin2.dat: H.{n}.UNOFFICIAL FOUND" for n in ("Html2", "Tag") * 3])


def test_buffer_overlap(d):
    """clamscan reads a file in 128 KiB buffers, each overlapping the one
    before by the longest pattern loaded (64 bytes here): -z prints a body
    signature twice for a match inside the overlap; a logical signature
    counts it once. Expected lines printed by clamscan 1.4.6."""
    os.makedirs(f"{d}/ov", exist_ok=True)
    mark = b"OVERLAP-MARK-16B"
    data = bytearray(b"." * 200000)
    for off in (131072 - 64 - 20, 131072 - 64 + 10, 150000):
        data[off:off + len(mark)] = mark
    write(f"{d}/ov/ov.bin", bytes(data))
    write(f"{d}/ov/ov.ndb", f"Ov:0:*:{hexs(mark)}\nLong:0:*:{'4c' * 64}\n")
    write(f"{d}/ov/ov.ldb", f"OvL3;Engine:51-255,Target:0;0=3;{hexs(mark)}\n")
    rc, out, _ = cs(d, "-d", "ov/ov.ndb", "-d", "ov/ov.ldb", "--no-summary", "-z", "ov/ov.bin")
    same("overlap: repeated -z lines", out,
         ["ov/ov.bin: Ov.UNOFFICIAL FOUND"] * 4 + ["ov/ov.bin: OvL3.UNOFFICIAL FOUND"])


def test_bm_order(d):
    """libclamav's Boyer-Moore matcher files a plain pattern under the first
    3 of its bytes whose bucket is still empty (S2 under "C45": "ABC" and
    "BC4" are taken), so its scan reaches S3 (at 101) before S2 (at 100+2);
    two equal patterns come newest first. Expected lines printed by
    clamscan 1.4.6."""
    os.makedirs(f"{d}/bm", exist_ok=True)
    write(f"{d}/bm/bm.ndb", "S1:0:*:414243313233\nS3:0:*:424334353637\nS2:0:*:414243343536\n"
                            "D1:0:*:5151515151\nD2:0:*:5151515151\n")
    write(f"{d}/bm/f.bin", b"." * 100 + b"ABC4567" + b"." * 50)
    write(f"{d}/bm/g.bin", b"." * 40 + b"QQQQQ" + b"." * 50)
    db = ["-d", "bm/bm.ndb", "--no-summary"]
    rc, out, _ = cs(d, *db, "-z", "bm/f.bin", "bm/g.bin")
    same("Boyer-Moore order", out, ["bm/f.bin: S3.UNOFFICIAL FOUND", "bm/f.bin: S2.UNOFFICIAL FOUND",
                                    "bm/g.bin: D2.UNOFFICIAL FOUND", "bm/g.bin: D1.UNOFFICIAL FOUND"])


def test_long_lines(d):
    """clamscan reads a loose database with fgets() into 8 KiB: a line of
    8191 bytes or more is read as several lines, each parsed on its own (a
    comment's tail becomes a signature). Verdicts of clamscan 1.4.6."""
    os.makedirs(f"{d}/ll", exist_ok=True)
    write(f"{d}/ll/f.txt", b"A" * 9300 + b"ABC")
    tail = f"S3:0:*:{hexs(b'AAA')}"
    write(f"{d}/ll/c.ndb", "#" + "x" * 8190 + tail + "\n")
    write(f"{d}/ll/c2.ndb", "#" + "x" * 8999 + "\nS2:0:*:424344\n")
    rc, out, _ = cs(d, "-d", "ll/c.ndb", "--no-summary", "ll/f.txt")
    same("long comment: its tail is a signature", out, ["ll/f.txt: S3.UNOFFICIAL FOUND"])
    rc, out, err = cs(d, "-d", "ll/c2.ndb", "--no-summary", "ll/f.txt")
    same("long comment: its tail is malformed", rc, 2)


def test_cdb(d):
    """Container metadata signatures (.cdb) on mail parts: each part
    libclamav scans as it writes it is checked first by its sanitised name
    and sizes and the mail's type and size; every line that holds reports,
    newest first; the parts of the final folder scan get no check, and no
    folder scan happens when the last message fails (message/partial).
    Expected lines printed by clamscan 1.4.6 for the same files."""
    os.makedirs(f"{d}/cdb/db", exist_ok=True)
    write(f"{d}/cdb/m.eml", "\n".join([
        "From: a@example.com", "To: b@example.com", "Subject: test", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="XX"', "", "--XX", "Content-Type: text/plain",
        "", "hello there", "--XX",
        'Content-Type: application/octet-stream; name="Invoice 2024.pdf.exe"',
        'Content-Disposition: attachment; filename="Invoice 2024.pdf.exe"',
        "Content-Transfer-Encoding: base64", "",
        "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "--XX--", ""]).encode())
    write(f"{d}/cdb/db/t.cdb", "\n".join([
        "C.Exe:CL_TYPE_MAIL:*:.*\\.exe$:*:*:*:*:*:*",
        "C.Space:*:*:Invoice 2024:*:*:*:*:*:*",
        "C.Under:*:*:^Invoice_2024\\.pdf\\.exe$:*:*:*:*:*:*",
        "C.Size:CL_TYPE_MAIL:100-2000:*:50-60:*:*:*:*:*",
        "C.Zip:CL_TYPE_ZIP:*:*:*:*:*:*:*:*",
        "C.Enc:*:*:*:*:*:1:*:*:*",
        "C.Pos:*:*:*:*:*:*:1:*:*",
        "C.Text:*:*:^attachment$:12:12-0:0:0:*:*",
        "C.Ignored:*:*:*:*:*:*:*:*:*",
        "C.Future:*:*:*:*:*:*:*:*:*:255"]) + "\n")
    write(f"{d}/cdb/db/t.ign2", "C.Ignored\n")
    rc, out, _ = cs(d, "-d", "cdb/db", "-z", "cdb/m.eml")
    same("cdb: -z", out[:4], [f"cdb/m.eml: C.{n}.UNOFFICIAL FOUND"
                             for n in ("Text", "Size", "Under", "Exe")])
    same("cdb: known", [x for x in out if x.startswith("Known")], ["Known viruses: 8"])
    rc, out, _ = cs(d, "-d", "cdb/db", "--no-summary", "cdb/m.eml")
    same("cdb: first detection", out, ["cdb/m.eml: C.Text.UNOFFICIAL FOUND"])
    # an mbox whose last message is message/partial: cli_mbox fails, so
    # the part only the folder scan would find is not scanned
    first = base64.b64decode("RnJvbSBzZW5kZXJAZXhhbXBsZS5jb20gTW9uIEphbiAgMSAwMDowMDowMCAyMDI0CkZyb206IGFAYi5leGFtcGxlClN1YmplY3Q6IC0tIE1aClJldHVybi1QYXRoOiB3b3JsZCBsaW5lCk1JTUUtVmVyc2lvbjogMS4wCkNvbnRlbnQtVHlwZTogbXVsdGlwYXJ0L3JlbGF0ZWQ7IGJvdW5kYXJ5PWIxCgotLWIxCkNvbnRlbnQtVHlwZTogaW1hZ2UvZ2lmOyBuYW1lPXgKQ29udGVudC1UcmFuc2Zlci1FbmNvZGluZzogQkFTRTY0CkNvbnRlbnQtRGlzcG9zaXRpb246IGF0dGFjaG1lbnQ7IGZpbGVuYW1lPSJ4IgoKVEFiT1VHdkJwTGNxWmZpeG1Gb1JnSHNIeXdPYnNKUGp6b2h6bjk1YU5IMHU2S2hLbUhWa3VWaCtIbmw4Cm5JMVg4TFBnNElQcmNkNkFRQ2R1bjhxTjFnQjNsaVYyUDgyV0Vsa1VaYlQ4VC9xRi9VWGo4T3BEM0I2bQpGSjVGbElPSFFhcVRGVEhyMnA1ZHhtK2hFMFZmRUN4SzU1SmtGcHNYbVA4RnU2K2RuOGR2TS9CL040YnUKNDVjTlMxb3I1VHhzSGdWQTVCMjc4Slk2cDJpdCtiTVF4RmwvcmdhVnc2ZDNpV014Q3ZJRmxEWUtaOWhYCi9Tc3Y0aDNNCi0tYjEKQ29udGVudC1UeXBlOiBtZXNzYWdlL3JmYzgyMgoKRnJvbTogTVogcGxlYXNlClN1YmplY3Q6ID0/dXRmLTg/cT9jYWY9QzM9QTk/PQoKc2VlCnh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eAphdHRhY2hlZCBkYXRhCi0tYjF4CkNvbnRlbnQtVHlwZTogbWVzc2FnZS9yZmM4MjIKQ29udGVudC1UcmFuc2Zlci1FbmNvZGluZzogYmFzZTY0CgpVbVZqWldsMlpXUTZJQzBnWVQxaUNsZ3RUV0ZwYkdWeU9pQmtZWFJoSUdSaGRHRUtVbVYwZFhKdUxWQmhkR2c2SUdobGJHeHZJSGR2Y214a0Nnbz0KLS1iMS0tCgoK")
    last = (b"From sender@example.com Mon Jan  1 00:00:00 2024\nFrom: a@b.example\n"
            b"MIME-Version: 1.0\nContent-Type: %s\n\nhello\n")
    write(f"{d}/cdb/partial.mbox", first + b"\n" + last % b"message/partial; id=x; number=2; total=2")
    write(f"{d}/cdb/whole.mbox", first + b"\n" + last % b"text/plain")
    write(f"{d}/cdb/p.ndb", f"P.Attached:0:*:{hexs(b'attached data')}\n")
    for name, n in (("partial", 1), ("whole", 2)):
        rc, out, _ = cs(d, "-d", "cdb/p.ndb", "--no-summary", "-z", f"cdb/{name}.mbox")
        same(f"cdb: {name} mbox folder scan", out,
             [f"cdb/{name}.mbox: P.Attached.UNOFFICIAL FOUND"] * n)


def main():
    with tempfile.TemporaryDirectory(prefix="vigil-clamscan-") as d:
        make_db(d)
        make_tree(d)
        test_results(d)
        test_order(d)
        test_filters(d)
        test_errors(d)
        test_file_list(d)
        test_se_window(d)
        test_handlertype(d)
        test_buffer_overlap(d)
        test_bm_order(d)
        test_limits(d)
        test_actions(d)
        test_permissions(d)
        test_containers(d)
        test_log_json_cache(d)
        test_views(d)
        test_mail(d)
        test_fuzzy_img(d)
        test_cdb(d)
        test_long_lines(d)
    return e2elib.summary("clamscan_e2e")


if __name__ == "__main__":
    sys.exit(main())
