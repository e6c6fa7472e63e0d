#!/usr/bin/env python3
"""End-to-end tests of the database kinds vigil checks and counts as
clamscan 1.4.6 does: .db (oldest body signatures: loaded and matched as
.ndb), .pdb/.gdb (phishing domain lists: counted), .wdb (allow list), .idb
(icon signatures: counted) and .crb (certificate rules). Every expectation
(refusals, "Known viruses", detections, empty-file rules) was read off
/usr/bin/clamscan on the same files; the lines are the project's own.
Usage: clamlists_e2e.py VIGIL [MKCVD]"""
import os
import re
import sys
import tempfile

import e2elib
from e2elib import check, run, write

VIGIL = os.path.abspath(sys.argv[1])
MKCVD = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
KNOWN = re.compile(r"^Known viruses: (\d+)$")

MARK = b"before VIGIL-OLD-DB-MARK after\n"
ICON = "10" + "0000000" * 6 + "000000" * 12 + "00000000"  # a 16x16 icon hash in bounds
SHA1 = "0123456789abcdef0123456789abcdef01234567"

DB = "# the oldest format\nVigil.Old.Db=" + b"VIGIL-OLD-DB-MARK".hex() + "\nVigil.Skipped==41\n"
PDB = "H:example.com\nR:.+\\.example\\.net([/?].*)?\n\nS:F:" + "ab" * 32 + "\nH:old.example:1-2\n"
GDB = "S:P:abcd\n"
WDB = "X:.+\\.example\\.com([/?].*)?:.+\\.example\\.org([/?].*)?:17-\nM:a.example:b.example\n"
IDB = f"Vigil.Icon.One:G1:G2:{ICON}\nVigil.Icon.Two:G1:G3:{ICON}\n"
CRB = f"Vigil.Cert;1;{SHA1};;C0FFEE;010001;1;0;0;;written for vigil\n\n"


def cs(d, *args):
    """vigil clamscan in d with its own cache: (rc, stdout lines, stderr lines)."""
    rc, out, err = run([VIGIL, "clamscan", *args], cwd=d, env={"XDG_CACHE_HOME": f"{d}/cache"})
    return rc, out.decode(errors="replace").splitlines(), err.splitlines()


def known(lines):
    for ln in lines:
        m = KNOWN.match(ln)
        if m:
            return int(m.group(1))
    return None


def same(name, got, want):
    check(name, got == want, f"\n got: {got!r}\nwant: {want!r}")


def test_each_kind(d):
    """Each kind alone: clamscan 1.4.6's "Known viruses" for these files."""
    write(f"{d}/mark.txt", MARK)
    want = {"db": 1, "pdb": 3, "gdb": 1, "wdb": 0, "idb": 2, "crb": 0}
    text = {"db": DB, "pdb": PDB, "gdb": GDB, "wdb": WDB, "idb": IDB, "crb": CRB}
    for ext, n in want.items():
        write(f"{d}/one/x.{ext}", text[ext])
        rc, out, err = cs(d, "-d", f"one/x.{ext}", "mark.txt")
        same(f".{ext}: Known viruses", known(out), n)
        same(f".{ext}: exit", rc, 1 if ext == "db" else 0)
        os.unlink(f"{d}/one/x.{ext}")
        inert = [e for e in err if "not applied yet" in e]
        same(f".{ext}: one warning per file, only for inert kinds", len(inert),
             0 if ext == "db" else 1)


def test_folder(d):
    """All kinds in one folder: the counts add up; .db detects, -z too."""
    for ext, body in (("db", DB), ("pdb", PDB), ("gdb", GDB), ("wdb", WDB), ("idb", IDB),
                      ("crb", CRB)):
        write(f"{d}/all/t.{ext}", body)
    write(f"{d}/mark.txt", MARK)
    rc, out, err = cs(d, "-d", "all", "mark.txt")
    same("folder: detection by .db", out[:1], ["mark.txt: Vigil.Old.Db.UNOFFICIAL FOUND"])
    same("folder: Known viruses", known(out), 7)
    same("folder: exit", rc, 1)
    rc, out, err = cs(d, "-z", "-d", "all", "--no-summary", "mark.txt")
    same("folder -z", (rc, out), (1, ["mark.txt: Vigil.Old.Db.UNOFFICIAL FOUND"]))
    # ignore lists apply to .db and .idb names (clamscan: Known viruses 5)
    write(f"{d}/all/t.ign2", "Vigil.Old.Db\nVigil.Icon.Two\n")
    rc, out, err = cs(d, "-d", "all", "mark.txt")
    same("ignored: not detected", out[:1], ["mark.txt: OK"])
    same("ignored: Known viruses", known(out), 5)


def test_refusals(d):
    """A malformed line refuses the database, located as file:line."""
    bad = {
        "db": "Vigil.Short=4142\n",
        "pdb": "H:example.com\nR:a(\n",
        "gdb": "S:F:abc\n",
        "wdb": "H:example.com\n",
        "idb": f"Vigil.Icon:G1:G2:{ICON[:-1]}g\n",
        "crb": f"Vigil.Cert;2;{SHA1};;C0FFEE;010001;1;0;0;;x\n",
    }
    for ext, body in bad.items():
        write(f"{d}/bad/x.{ext}", body)
        line = 2 if ext == "pdb" else 1
        rc, out, err = cs(d, "-d", f"bad/x.{ext}", "--no-summary", "mark.txt")
        check(f".{ext} refused: located", err[:1] and
              err[0].startswith(f"LibClamAV Error: bad/x.{ext}:{line}: "), repr(err))
        same(f".{ext} refused: clamscan's last line", err[-1:], ["ERROR: Malformed database"])
        same(f".{ext} refused: nothing scanned", (rc, out), (2, []))
        os.unlink(f"{d}/bad/x.{ext}")
    # an empty line: an error in .db and .idb, skipped in the others
    for ext, refused in (("db", True), ("idb", True), ("pdb", False), ("wdb", False),
                         ("crb", False)):
        write(f"{d}/bad/e.{ext}", "\n")
        rc, out, err = cs(d, "-d", f"bad/e.{ext}", "--no-summary", "mark.txt")
        same(f".{ext} empty line", rc == 2, refused)
        os.unlink(f"{d}/bad/e.{ext}")
        # a file without a line: "Empty database file" for .db and .idb only
        write(f"{d}/bad/z.{ext}", "")
        rc, out, err = cs(d, "-d", f"bad/z.{ext}", "--no-summary", "mark.txt")
        same(f".{ext} empty file", rc == 2, refused)
        if refused:
            same(f".{ext} empty file: message", err[:1],
                 [f"LibClamAV Error: bad/z.{ext}: empty database file"])
        os.unlink(f"{d}/bad/z.{ext}")


def test_container(d):
    """A signed .cvd holding .db, .pdb and .idb: official names, same counts."""
    if not MKCVD:
        return

    def mk(*args):
        return e2elib.tool(MKCVD, d, *args)

    write(f"{d}/src/t.db", DB)
    write(f"{d}/src/t.pdb", PDB)
    write(f"{d}/src/t.idb", IDB)
    mk("key", "k.pem", "k.pub")
    write(f"{d}/k.dec", mk("dec", "k.pub"))
    os.makedirs(f"{d}/cvd", exist_ok=True)
    mk("build", "-k", "k.pem", "-o", "cvd/lists.cvd", "t.db=src/t.db", "t.pdb=src/t.pdb",
       "t.idb=src/t.idb")
    rc, out, err = cs(d, "-d", "cvd", "--cvd-public-key=k.dec", "mark.txt")
    same("container: official name", out[:1], ["mark.txt: Vigil.Old.Db FOUND"])
    same("container: Known viruses", known(out), 6)


def main():
    with tempfile.TemporaryDirectory(prefix="vigil-clamlists-") as d:
        write(f"{d}/mark.txt", MARK)
        test_each_kind(d)
        test_folder(d)
        test_refusals(d)
        test_container(d)
    return e2elib.summary("clamlists_e2e")


if __name__ == "__main__":
    sys.exit(main())
