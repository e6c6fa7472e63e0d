#!/usr/bin/env python3
"""End-to-end check with ClamAV's own test file: clam.exe from Debian's
clamav-testfiles package is detected by `vigil clamscan` through an .hdb
line with its MD5 and through .ndb signatures on the bytes at its entry
point (found here from its PE headers), with the names clamscan prints.
When /usr/bin/clamscan is installed, its output and exit status on the same
databases must be identical. Exits 77 (ctest: skipped) when the test file
is not installed.

Usage: clamtestfiles_e2e.py VIGIL
"""
import hashlib
import os
import shutil
import struct
import sys
import tempfile

import e2elib
from e2elib import check, write

VIGIL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "vigil"
CLAM_EXE = os.environ.get("VIGIL_CLAM_EXE", "/usr/share/clamav-testfiles/clam.exe")
SKIP = 77


def entry_point_offset(data):
    """File offset of the PE entry point, reading the section table the way
    ClamAV does (raw offsets rounded down to the file alignment)."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    nsec = struct.unpack_from("<H", data, pe + 6)[0]
    opt_size = struct.unpack_from("<H", data, pe + 20)[0]
    opt = pe + 24
    ep = struct.unpack_from("<I", data, opt + 16)[0]
    falign = struct.unpack_from("<I", data, opt + 36)[0]
    for i in range(nsec):
        s = opt + opt_size + 40 * i
        vsize, va, rsize, raw = struct.unpack_from("<IIII", data, s + 8)
        if falign:
            raw -= raw % falign
        if va <= ep < va + max(vsize, rsize):
            return ep - va + raw
    return ep  # in the headers


def run(tool, db, tmp):
    env = {"XDG_CACHE_HOME": os.path.join(tmp, "cache")}
    rc, out, err = e2elib.run([*tool, "--no-summary", "-d", db, "clam.exe"], tmp, env=env)
    return rc, out.decode(errors="replace"), err


def main():
    if not os.path.isfile(CLAM_EXE):
        print(f"clamtestfiles_e2e: {CLAM_EXE} not installed (apt-get install clamav-testfiles): "
              "skipped")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="vigil-clamtest-") as tmp:
        rc, out, err = e2elib.run([VIGIL, "clamscan", "--help"], tmp)
        if rc != 0:
            print("clamtestfiles_e2e: no `vigil clamscan` in this build: skipped")
            return SKIP
        shutil.copy(CLAM_EXE, f"{tmp}/clam.exe")
        data = open(CLAM_EXE, "rb").read()
        ep = entry_point_offset(data)
        body = data[ep:ep + 16]
        check("ep.inside", ep + 16 <= len(data), f"entry point at {ep} of {len(data)} bytes")
        md5 = hashlib.md5(data).hexdigest()
        sha256 = hashlib.sha256(data).hexdigest()
        write(f"{tmp}/clam.hdb", f"{md5}:{len(data)}:ClamTest.Hdb\n")
        write(f"{tmp}/clam.hsb", f"{sha256}:{len(data)}:ClamTest.Hsb\n")
        write(f"{tmp}/ep.ndb", f"ClamTest.Ndb:1:EP+0:{body.hex()}\n")
        write(f"{tmp}/any.ndb", f"ClamTest.Any:0:*:{body[2:14].hex()}\n")
        # the same bytes one past the entry point: no detection
        write(f"{tmp}/off.ndb", f"ClamTest.Off:1:EP+1:{body.hex()}\n")
        cases = [("clam.hdb", "ClamTest.Hdb.UNOFFICIAL"), ("clam.hsb", "ClamTest.Hsb.UNOFFICIAL"),
                 ("ep.ndb", "ClamTest.Ndb.UNOFFICIAL"), ("any.ndb", "ClamTest.Any.UNOFFICIAL"),
                 ("off.ndb", None)]
        clamscan = shutil.which("clamscan")
        for db, name in cases:
            rc, out, err = run([VIGIL, "clamscan"], db, tmp)
            want = f"clam.exe: {name} FOUND\n" if name else "clam.exe: OK\n"
            check(f"vigil.{db}", rc == (1 if name else 0) and out == want,
                  f"rc={rc} out={out!r} err={err}")
            if clamscan:
                crc, cout, cerr = run([clamscan], db, tmp)
                check(f"clamscan.{db}", (crc, cout) == (rc, out),
                      f"clamscan rc={crc} out={cout!r}, vigil rc={rc} out={out!r}")
        if not clamscan:
            print("clamtestfiles_e2e: clamscan not installed: names checked, not compared")
    return e2elib.summary("clamtestfiles_e2e")


if __name__ == "__main__":
    sys.exit(main())
