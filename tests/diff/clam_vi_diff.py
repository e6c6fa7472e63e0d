#!/usr/bin/env python3
"""VI subsignatures (PE version information offsets): clamscan against
`vigil clamscan` on generated PE files.

Each file is a PE32 or PE32+ with an RT_VERSION resource (or several, or a
broken one): random strings and languages, VarFileInfo before or after the
StringFileInfo, several string tables, padding, keys without a NUL, and,
for some files, lengths, counts and offsets mutated at random. For every
file, signatures are made from its own bytes at offsets inside its
resource section (a random sample of them): `.ldb` lines
`N;Engine:51-255,Target:1;0;VI:<hex>`, some with counts (`0>1`, `0=2`),
some for target 6 (never a PE), and `.ndb` lines `N:1:VI:<hex>`. Both tools scan the
whole tree with --allmatch; every detection line that differs is printed.

    clam_vi_diff.py --vigil build/vigil [--files 200] [--seed 1] [--keep]
    clam_vi_diff.py --write DIR [--files N]      only write the PE files
    clam_vi_diff.py --keys build/tests/test_clamav_objinfo_vi [--files N]
        compare the key offsets themselves: the tool's --dump against the
        "VersionInfo (<offset>)" lines of clamscan --debug, file by file

Exits 0 when nothing differs, 1 when something does, 77 (skip) without
clamscan. Python 3 standard library only.
"""

import argparse
import collections
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

# ---------------------------------------------------------------------------
# Version resources


def wstr(s):
    return s.encode("utf-16-le") + b"\0\0"


def pad4(b):
    return b + bytes((-len(b)) % 4)


def block(key, value=b"", children=b"", wtype=1, value_len=None, key_nul=True,
          length=None):
    """One VS_VERSIONINFO-style node: wLength, wValueLength, wType, key,
    padding, value, padding, children. length/value_len override the
    computed fields (for malformed files)."""
    k = key.encode("utf-16-le") + (b"\0\0" if key_nul else b"")
    head = 6 + len(k)
    body = bytes((-head) % 4) + value
    if children:
        body += bytes((-(head + len(body))) % 4) + children
    total = head + len(body)
    if value_len is None:
        value_len = len(value) // 2 if wtype == 1 else len(value)
    wl = total if length is None else length
    return struct.pack("<HHH", wl & 0xFFFF, value_len & 0xFFFF, wtype) + k + body


def string_entry(rng, key, value, key_nul=True):
    v = wstr(value) if value is not None else b""
    return pad4(block(key, v, key_nul=key_nul))


def version_info(rng, nstrings=None, var_first=None, ntables=None, mutate=0.0):
    """The bytes of one VS_VERSION_INFO."""
    keys = ["CompanyName", "FileDescription", "FileVersion", "InternalName",
            "LegalCopyright", "OriginalFilename", "ProductName", "ProductVersion",
            "Comments", "X", "", "PrivateBuild"]
    if ntables is None:
        ntables = rng.choice([1, 1, 1, 2, 3])
    tables = b""
    for t in range(ntables):
        n = rng.randint(0, 6) if nstrings is None else nstrings
        ss = b""
        for _ in range(n):
            key = rng.choice(keys)
            val = rng.choice(["", "a", "Microsoft Corporation", "1.0.0.%d" % rng.randrange(99),
                              "x" * rng.randint(1, 40), None])
            ss += string_entry(rng, key, val, key_nul=rng.random() > 0.05)
        lang = "%04x%04x" % (rng.choice([0x409, 0x407, 0x40c, 0]), rng.choice([0x4b0, 0x4e4]))
        tables += pad4(block(lang, b"", ss, wtype=1) if ss else block(lang))
    sfi = pad4(block("StringFileInfo", b"", tables))
    var = pad4(block("VarFileInfo", b"", pad4(block("Translation", struct.pack("<HH", 0x409, 0x4b0),
                                                    wtype=0))))
    if var_first is None:
        var_first = rng.random() < 0.4
    kids = (var + sfi) if var_first else (sfi + var)
    if rng.random() < 0.1:
        kids = var + var + sfi  # two VarFileInfo: the second one stops libclamav
    if rng.random() < 0.1:
        kids = sfi + sfi
    fixed = struct.pack("<IIIIIIIIIIIII", 0xFEEF04BD, 0x10000, 1, 0, 1, 0, 0x3F, 0, 4, 1, 0, 0, 0)
    vs = block("VS_VERSION_INFO", fixed, kids, wtype=0, value_len=0x34)
    vs = bytearray(vs)
    if mutate:
        # overwrite some 16-bit length fields (every 2-aligned word may be one)
        for _ in range(rng.randint(1, 4)):
            if rng.random() < mutate and len(vs) > 8:
                at = rng.randrange(0, len(vs) - 2, 2)
                struct.pack_into("<H", vs, at, rng.choice([0, 1, 6, 7, 16, 17, 20, 24, 25, 36, 92, 93,
                                                           rng.randrange(0x10000),
                                                           struct.unpack_from("<H", vs, at)[0] + rng.choice([-4, -2, 2, 4])]) & 0xFFFF)
    return bytes(vs)


def resource_section(rng, rva, infos, langs_per_name=1, names=1, extra_types=True,
                     leaf_dirs=False, mutate=0.0):
    """An .rsrc section at rva holding the version infos (one leaf each, spread
    over names and languages) and maybe other types around RT_VERSION."""
    n = len(infos)
    types = [0x10]
    if extra_types:
        types = sorted(set(rng.sample([3, 6, 0x10, 0x18, 14], rng.randint(1, 3)) + [0x10]))
        if rng.random() < 0.2:
            types.append(0x10)  # a second RT_VERSION entry: libclamav follows the first only
    # layout: root dir, type subdirs, name dirs, lang dirs, data entries, data
    out = bytearray()
    root = 0
    out += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, len(types))
    type_entries_at = len(out)
    out += bytes(8 * len(types))
    # version name dir
    per_name = max(1, (n + names - 1) // names) if n else 0
    groups = [list(range(i, min(n, i + per_name))) for i in range(0, n, per_name)] if n else []
    name_dir = len(out)
    out += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, len(groups))
    name_entries = len(out)
    out += bytes(8 * len(groups))
    lang_dirs = []
    for g in groups:
        lang_dirs.append(len(out))
        out += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, len(g))
        out += bytes(8 * len(g))
    entries = []
    for _ in range(n):
        entries.append(len(out))
        out += bytes(16)
    # other types point at an empty dir
    empty = len(out)
    out += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, 0)
    for k, t in enumerate(types):
        target = name_dir if t == 0x10 else empty
        struct.pack_into("<II", out, type_entries_at + 8 * k, t, 0x80000000 | target)
    for gi, g in enumerate(groups):
        struct.pack_into("<II", out, name_entries + 8 * gi, gi + 1, 0x80000000 | lang_dirs[gi])
        for li, idx in enumerate(g):
            off = entries[idx]
            if leaf_dirs and rng.random() < 0.2:
                off |= 0x80000000
            struct.pack_into("<II", out, lang_dirs[gi] + 16 + 8 * li, 0x409 + li, off)
    for idx, info in enumerate(infos):
        while len(out) % 4:
            out += b"\0"
        if rng.random() < 0.3:
            out += bytes(rng.choice([4, 8, 12]))
        at = len(out)
        out += info
        size = len(info)
        if mutate and rng.random() < mutate:
            size = rng.choice([0, 4, 5, size - 1, size + 1, size + 100, 0x7FFFFFFF])
        struct.pack_into("<IIII", out, entries[idx], rva + at, size & 0xFFFFFFFF, 0, 0)
    out += bytes(rng.randint(0, 64))
    if mutate:
        for _ in range(rng.randint(0, 3)):
            if rng.random() < mutate:
                at = rng.randrange(0, max(1, min(len(out) - 4, entries[-1] + 16 if entries else 48)))
                struct.pack_into("<H", out, at, rng.randrange(0x10000))
    return bytes(out)


def align(n, a):
    return (n + a - 1) // a * a


def pe_file(rng, rsrc_builder, plus=False, ndirs=16, res_size=None, hdr_rsrc=False):
    """A PE with a .text section and an .rsrc section built by
    rsrc_builder(rva) -> bytes; res_size overrides the directory size."""
    falign, salign = 0x200, 0x1000
    nsec = 2
    opt_size = (240 if plus else 224) - 8 * (16 - ndirs)
    hdr = align(0x80 + 24 + opt_size + 40 * nsec, falign)
    text = bytes(rng.randrange(256) for _ in range(0x200))
    rsrc_rva = 0x2000
    rsrc = rsrc_builder(rsrc_rva)
    rsrc_raw = hdr + len(text)
    rsrc_rsz = align(len(rsrc), falign)
    h = bytearray(hdr)
    h[0:2] = b"MZ"
    struct.pack_into("<I", h, 0x3C, 0x80)
    nt = 0x80
    h[nt:nt + 4] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", h, nt + 4, 0x8664 if plus else 0x14C, nsec, 0, 0, 0, opt_size,
                     0x0102 | (0x20 if plus else 0))
    o = nt + 24
    size_image = rsrc_rva + align(rsrc_rsz, salign)
    if plus:
        struct.pack_into("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII", h, o, 0x20B, 14, 0, 0x200, rsrc_rsz, 0,
                         0x1000, 0x1000, 0x140000000, salign, falign, 6, 0, 0, 0, 6, 0, 0,
                         size_image, hdr, 0, 2, 0x8160, 0x100000, 0x1000, 0x100000, 0x1000, 0, ndirs)
        dirs = o + 112
    else:
        struct.pack_into("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", h, o, 0x10B, 14, 0, 0x200, rsrc_rsz, 0,
                         0x1000, 0x1000, 0x2000, 0x400000, salign, falign, 6, 0, 0, 0, 6, 0, 0,
                         size_image, hdr, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, ndirs)
        dirs = o + 96
    if ndirs >= 3:
        struct.pack_into("<II", h, dirs + 16, rsrc_rva, len(rsrc) if res_size is None else res_size)
    s = o + opt_size
    for name, vsz, rva, rsz, raw, chars in [(b".text", 0x200, 0x1000, 0x200, hdr, 0x60000020),
                                            (b".rsrc", len(rsrc), rsrc_rva, rsrc_rsz, rsrc_raw,
                                             0x40000040)]:
        h[s:s + len(name)] = name
        struct.pack_into("<IIIII", h, s + 8, vsz, rva, rsz, raw, 0)
        struct.pack_into("<I", h, s + 36, chars)
        s += 40
    body = bytes(h) + text + rsrc + bytes(rsrc_rsz - len(rsrc))
    return body, rsrc_raw, len(rsrc)


def random_pe(rng, i):
    """(bytes, [(start, end)] regions to take signatures from)."""
    kind = rng.random()
    mutate = 0.0 if kind < 0.5 else 0.6
    ninfos = rng.choice([1, 1, 1, 2, 3, 17]) if rng.random() < 0.9 else 0
    infos = [version_info(rng, mutate=mutate) for _ in range(ninfos)]
    names = rng.choice([1, 1, 2])
    plus = rng.random() < 0.3
    ndirs = rng.choice([16] * 8 + [2, 3])
    res_size = rng.choice([None] * 9 + [0])

    def builder(rva):
        return resource_section(rng, rva, infos, names=names, extra_types=rng.random() < 0.7,
                                leaf_dirs=rng.random() < 0.1, mutate=mutate / 2)

    data, raw, n = pe_file(rng, builder, plus=plus, ndirs=ndirs, res_size=res_size)
    return data, [(raw, raw + n)]


# ---------------------------------------------------------------------------
# Signatures and the run


def signatures(rng, files, max_per_file):
    """(ldb lines, ndb lines): names carry the file index and offset."""
    seen = set()
    ldb, ndb = [], []
    for fi, (data, regions) in enumerate(files):
        cands = []
        for lo, hi in regions:
            cands += range(lo, min(hi, len(data) - 8))
        if len(cands) > max_per_file:
            cands = sorted(rng.sample(cands, max_per_file))
        for off in cands:
            n = rng.choice([4, 6, 8, 12])
            pat = data[off:off + n].hex()
            if len(pat) < 8 or pat in seen:
                continue
            seen.add(pat)
            r = rng.random()
            name = "VI.f%d.o%x" % (fi, off)
            if r < 0.7:
                ldb.append("%s;Engine:51-255,Target:1;0;VI:%s" % (name, pat))
            elif r < 0.8:
                ldb.append("%s.c;Engine:51-255,Target:1;0>1;VI:%s" % (name, pat))
            elif r < 0.85:
                ldb.append("%s.e;Engine:51-255,Target:1;0=2;VI:%s" % (name, pat))
            elif r < 0.9:
                # VI needs target 1, 6 or 9 (clamscan refuses it for 0)
                ldb.append("%s.elf;Engine:51-255,Target:6;0;VI:%s" % (name, pat))
            else:
                ndb.append("%s.n:1:VI:%s" % (name, pat))
    return ldb, ndb


def compare_keys(a, files):
    """The tool's key offsets against clamscan --debug's, file by file."""
    work = tempfile.mkdtemp(prefix="clam_vi_keys.")
    try:
        db = os.path.join(work, "x.ndb")
        with open(db, "w") as f:
            f.write("X:0:*:deadbeefdeadbeef\n")
        bad = total = with_keys = 0
        for i, (data, _) in enumerate(files):
            path = os.path.join(work, "vi%04d.exe" % i)
            with open(path, "wb") as f:
                f.write(data)
            out = subprocess.run([a.keys, "--dump", path], capture_output=True).stdout.decode()
            mine = sorted(int(x, 16) for x in out.partition(":")[2].split())
            dbg = subprocess.run([a.clamscan, "--debug", "-d", db, path], capture_output=True,
                                 stdin=subprocess.DEVNULL).stderr.decode("latin-1")
            ref = sorted({int(m, 16) for m in re.findall(r"VersionInfo \(([0-9a-f]+)\)", dbg)})
            total += len(ref)
            with_keys += bool(ref)
            if mine != ref:
                bad += 1
                if bad <= a.show:
                    print(f"  vi{i:04d}: vigil {[hex(x) for x in mine]} clamscan {[hex(x) for x in ref]}")
            os.unlink(path)
        print(f"{len(files)} files, {with_keys} with keys, {total} keys (clamscan); "
              f"{bad} files differ")
        return 1 if bad else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def detections(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=3600, stdin=subprocess.DEVNULL)
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    return p.returncode, [ln for ln in lines if ln.endswith(" FOUND")], p.stderr.decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil")
    ap.add_argument("--clamscan", default=shutil.which("clamscan") or "/usr/bin/clamscan")
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--sigs", type=int, default=60, help="signatures per file at most")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--write", help="only write the files into this folder")
    ap.add_argument("--show", type=int, default=30)
    ap.add_argument("--keys", help="test_clamav_objinfo_vi: compare key sets")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    files = [random_pe(rng, i) for i in range(a.files)]
    if a.write:
        os.makedirs(a.write, exist_ok=True)
        for i, (data, _) in enumerate(files):
            with open(os.path.join(a.write, "vi%04d.exe" % i), "wb") as f:
                f.write(data)
        return 0
    if not a.vigil and not a.keys:
        ap.error("--vigil or --keys is required")
    if not os.access(a.clamscan, os.X_OK):
        print(f"clamscan not found ({a.clamscan}): skipped")
        return 77
    if a.keys:
        return compare_keys(a, files)
    vigil = os.path.abspath(a.vigil)
    work = tempfile.mkdtemp(prefix="clam_vi_diff.")
    try:
        tree = os.path.join(work, "tree")
        os.makedirs(tree)
        for i, (data, _) in enumerate(files):
            with open(os.path.join(tree, "vi%04d.exe" % i), "wb") as f:
                f.write(data)
        ldb, ndb = signatures(rng, files, a.sigs)
        db = os.path.join(work, "db")
        os.makedirs(db)
        with open(os.path.join(db, "vi.ldb"), "w") as f:
            f.write("\n".join(ldb) + "\n")
        if ndb:
            with open(os.path.join(db, "vi.ndb"), "w") as f:
                f.write("\n".join(ndb) + "\n")
        opts = ["--allmatch", "--no-summary", "-r", "-d", "db", "tree"]
        rc_c, ref, err_c = detections([a.clamscan, *opts], work)
        env_cache = os.path.join(work, "cache")
        rc_v, got, err_v = detections(["env", "XDG_CACHE_HOME=" + env_cache, vigil, "clamscan",
                                       *opts], work)
        ca, cb = collections.Counter(ref), collections.Counter(got)
        diff = sorted(set(ca) | set(cb), key=lambda s: (ca[s] - cb[s], s))
        bad = [ln for ln in diff if ca[ln] != cb[ln]]
        files_hit = len({ln.split(":")[0] for ln in ref})
        print(f"{a.files} files, {len(ldb)} .ldb + {len(ndb)} .ndb VI signatures; clamscan "
              f"{len(ref)} detections in {files_hit} files (rc {rc_c}), vigil {len(got)} "
              f"(rc {rc_v}); {len(bad)} lines differ")
        for ln in bad[:a.show]:
            who = "clamscan only" if ca[ln] > cb[ln] else "vigil only"
            print(f"  {who}: {ln}")
        if err_v.strip() and rc_v == 2:
            print("vigil stderr:", err_v.strip()[:2000])
        if err_c.strip() and rc_c == 2:
            print("clamscan stderr:", err_c.strip()[:2000])
        return 1 if bad or rc_c != rc_v else 0
    finally:
        if a.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
