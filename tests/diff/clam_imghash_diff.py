#!/usr/bin/env python3
"""ClamAV image fuzzy hash: vigil (tests/tools/clamimghash) against
`sigtool --fuzzy-img` on generated images.

Images are made here with the standard library only (zlib, struct): PNG of
every colour type and bit depth, palettes with and without tRNS, Adam7
interlace, split IDATs; GIF (87a/89a, global/local palettes, interlace,
frames smaller than the screen, transparency); BMP (1/4/8/16/24/32 bits,
bottom-up/top-down, RLE4/RLE8, bitfields); PNM (P1-P6) and farbfeld; and
some broken variants of each (truncated, corrupt bytes) where both must
agree that there is no hash. Sizes run from 1x1 (upsampling) to a few
hundred pixels a side, with 32 in one or both dimensions (the copy path).

Prints per format: images, identical results (hash or no hash), and the
differences. Exit 0 when all agree, 1 otherwise, 77 without sigtool.
"""
import argparse
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


# --- pixel patterns (RGB 0..255 tuples from (x, y)) ---

def pattern(rng, w, h):
    kind = rng.choice(["grad", "noise", "rings", "checker", "blocks", "mix"])
    a, b, c = rng.random() * 0.3, rng.random() * 0.3, rng.random() * 6.28
    cells = rng.randint(1, 12)
    cols = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(8)]
    seed = rng.randrange(1 << 30)

    def noise(x, y, k):
        v = (x * 73856093) ^ (y * 19349663) ^ (k * 83492791) ^ seed
        v = (v * 2654435761) & 0xFFFFFFFF
        return (v >> 13) & 255

    def px(x, y):
        if kind == "grad":
            return ((x * 255) // max(1, w - 1), (y * 255) // max(1, h - 1), ((x + y) * 127) // max(1, w + h - 2))
        if kind == "noise":
            return (noise(x, y, 0), noise(x, y, 1), noise(x, y, 2))
        if kind == "rings":
            import math
            v = int(127.5 + 127.5 * math.sin(a * x * x / 8 + b * y * y / 8 + c))
            return (v, 255 - v, (v * 3) & 255)
        if kind == "checker":
            return cols[((x * cells) // max(1, w) + (y * cells) // max(1, h)) % 2]
        if kind == "blocks":
            return cols[((x * cells) // max(1, w) * 3 + (y * cells) // max(1, h)) % 8]
        return tuple((cols[(x // 3 + y // 5) % 8][i] + noise(x, y, i) // 4) & 255 for i in range(3))

    return px


def luma(p):
    return (p[0] * 299 + p[1] * 587 + p[2] * 114) // 1000


def pick_size(rng):
    r = rng.random()
    if r < 0.08:
        return 32, 32
    if r < 0.18:
        return (32, rng.randint(1, 120)) if rng.random() < 0.5 else (rng.randint(1, 120), 32)
    if r < 0.30:
        return rng.randint(1, 8), rng.randint(1, 8)
    if r < 0.40:
        return rng.randint(150, 600), rng.randint(100, 400)
    return rng.randint(1, 160), rng.randint(1, 160)


# --- PNG ---

def png_chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def pack_samples(vals, depth):
    if depth == 8:
        return bytes(vals)
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in vals)
    out, acc, n = bytearray(), 0, 0
    for v in vals:
        acc = (acc << depth) | v
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def filter_rows(rng, rows, bpp):
    out, prev = bytearray(), None
    for r in rows:
        ft = rng.randrange(5)
        p = prev if prev is not None else bytes(len(r))
        f = bytearray(len(r))
        for i in range(len(r)):
            a = r[i - bpp] if i >= bpp else 0
            b = p[i]
            c = p[i - bpp] if i >= bpp else 0
            if ft == 0:
                pr = 0
            elif ft == 1:
                pr = a
            elif ft == 2:
                pr = b
            elif ft == 3:
                pr = (a + b) >> 1
            else:
                pp = a + b - c
                pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            f[i] = (r[i] - pr) & 255
        out += bytes([ft]) + f
        prev = r
    return bytes(out)


def make_png(rng, w, h):
    ct, depth = rng.choice([(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2),
                            (3, 4), (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)])
    interlace = rng.random() < 0.3
    px = pattern(rng, w, h)
    maxv = (1 << depth) - 1
    chans = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ct]
    pal = None
    if ct == 3:
        n = rng.randint(1, 1 << depth)
        pal = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(n)]
        oor = rng.random() < 0.1  # indices past the palette

    def wide(v):
        # an 8-bit value spread over 16 bits, with low-order noise so that
        # the crate's rounding to 8 bits matters
        return min(65535, v * 257 + rng.randrange(-128, 129)) if v else rng.randrange(129)

    def samples(x, y):
        p = px(x, y)
        if ct == 0:
            return [wide(luma(p)) if depth == 16 else luma(p) * maxv // 255]
        if ct == 3:
            k = (luma(p) * (1 << depth)) // 256
            return [k if oor else k % len(pal)]
        vals = [wide(v) for v in p] if depth == 16 else list(p)
        if ct == 4:
            return [wide(luma(p)) if depth == 16 else luma(p), rng.randrange(maxv + 1)]
        if ct == 6:
            return vals + [rng.randrange(maxv + 1)]
        return vals

    bits = chans * depth
    bpp = max(1, bits // 8)
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        if w <= x0 or h <= y0:
            continue
        rows = []
        for y in range(y0, h, dy):
            vals = []
            for x in range(x0, w, dx):
                vals += samples(x, y)
            rows.append(pack_samples(vals, depth))
        raw += filter_rows(rng, rows, bpp)
    z = zlib.compress(raw, rng.choice([0, 1, 6, 9]))
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, int(interlace)))
    if rng.random() < 0.3:
        out += png_chunk(b"tEXt", b"Comment\0vigil")
    if pal is not None:
        out += png_chunk(b"PLTE", b"".join(bytes(p) for p in pal))
    if rng.random() < 0.3:
        if ct == 3:
            out += png_chunk(b"tRNS", bytes(rng.randrange(256) for _ in range(rng.randint(1, len(pal)))))
        elif ct == 0:
            out += png_chunk(b"tRNS", struct.pack(">H", rng.randrange(maxv + 1)))
        elif ct == 2:
            out += png_chunk(b"tRNS", struct.pack(">HHH", *(rng.randrange(maxv + 1) for _ in range(3))))
    # split the data over several IDATs now and then
    pieces = [z]
    if rng.random() < 0.3 and len(z) > 4:
        cut = sorted(rng.sample(range(1, len(z)), min(3, len(z) - 1)))
        pieces = [z[i:j] for i, j in zip([0] + cut, cut + [len(z)])]
    for p in pieces:
        out += png_chunk(b"IDAT", p)
    out += png_chunk(b"IEND", b"")
    return "png-ct%d-d%d%s" % (ct, depth, "-i" if interlace else ""), out


# --- GIF ---

def lzw_encode(indices, min_size, clear_every=0):
    """GIF LZW: variable-width codes, LSB first, a clear code at the start
    (and every clear_every codes), an end code."""
    clear, end = 1 << min_size, (1 << min_size) + 1
    out, acc, nbits = bytearray(), 0, 0
    size = min_size + 1

    def emit(code):
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += size
        while nbits >= 8:
            out.append(acc & 255)
            acc >>= 8
            nbits -= 8

    table = {(i,): i for i in range(clear)}
    nxt = end + 1
    emit(clear)
    cur = ()
    count = 0
    for k in indices:
        cand = cur + (k,)
        if cand in table:
            cur = cand
            continue
        emit(table[cur])
        count += 1
        if nxt < 4096:
            table[cand] = nxt
            nxt += 1
            if nxt > (1 << size) and size < 12:
                size += 1
        if clear_every and count % clear_every == 0:
            emit(clear)
            table = {(i,): i for i in range(clear)}
            nxt = end + 1
            size = min_size + 1
        cur = (k,)
    if cur:
        emit(table[cur])
    emit(end)
    if nbits:
        out.append(acc & 255)
    return bytes(out)


def sub_blocks(data, rng):
    out = bytearray()
    i = 0
    while i < len(data):
        n = min(255, len(data) - i, rng.choice([255, 255, 255, rng.randint(1, 255)]))
        out.append(n)
        out += data[i:i + n]
        i += n
    out.append(0)
    return bytes(out)


def make_gif(rng, w, h):
    depth = rng.randint(1, 8)  # palette size 2^depth
    ncol = 1 << depth
    px = pattern(rng, w, h)
    pal = bytes(rng.randrange(256) for _ in range(3 * ncol))
    ver = rng.choice([b"GIF87a", b"GIF89a"])
    use_global = rng.random() < 0.8
    use_local = not use_global or rng.random() < 0.2
    # the frame: whole screen, or a part of it now and then
    fx, fy, fw, fh = 0, 0, w, h
    label = "gif-d%d" % depth
    if rng.random() < 0.2:
        fx, fy = rng.randrange(w), rng.randrange(h)
        fw, fh = rng.randint(1, w - fx + (2 if rng.random() < 0.2 else 0)), rng.randint(1, h - fy)
        label += "-sub"
    interlace = rng.random() < 0.25
    if interlace:
        label += "-i"
    idx = [[(luma(px(x, y)) * ncol) // 256 for x in range(fw)] for y in range(fh)]
    if rng.random() < 0.1:  # indices past a smaller local palette
        label += "-oor"
    order = list(range(fh))
    if interlace:
        order = list(range(0, fh, 8)) + list(range(4, fh, 8)) + list(range(2, fh, 4)) + list(range(1, fh, 2))
    flat = [idx[y][x] for y in order for x in range(fw)]
    min_size = max(2, depth)
    data = lzw_encode(flat, min_size, clear_every=rng.choice([0, 0, 0, 50, 300]))
    out = ver + struct.pack("<HHBBB", w, h, (0x80 | (depth - 1) << 4 | (depth - 1)) if use_global else 0, 0, 0)
    if use_global:
        out += pal
    if ver == b"GIF89a" and rng.random() < 0.4:
        out += b"\x21\xf9\x04" + bytes([1, 0, 0, rng.randrange(ncol)]) + b"\x00"
    if rng.random() < 0.2:
        out += b"\x21\xfe" + sub_blocks(b"vigil comment", rng)
    ldepth = depth if "oor" not in label else max(1, depth - 2)
    flags = (0x80 | (ldepth - 1)) if use_local else 0
    if interlace:
        flags |= 0x40
    out += b"\x2c" + struct.pack("<HHHHB", fx, fy, fw, fh, flags)
    if use_local:
        out += bytes(rng.randrange(256) for _ in range(3 << ldepth))
    out += bytes([min_size]) + sub_blocks(data, rng) + b"\x3b"
    return label, out


# --- BMP ---

def rle_encode(rng, rows, rle4):
    """RLE8/RLE4 of bottom-up rows of palette indices: runs, absolute
    blocks, and now and then a delta or an early end of bitmap."""
    out = bytearray()
    nrows = len(rows)
    y = 0
    while y < nrows:
        row = rows[y]
        x = 0
        w = len(row)
        while x < w:
            r = rng.random()
            if r < 0.03 and x + 3 < w:
                dx = rng.randint(0, min(5, w - x))
                dy = 1 if (rng.random() < 0.3 and y + 1 < nrows) else 0
                out += bytes([0, 2, dx, dy])
                x += dx
                if dy:
                    y += 1
                    row = rows[y]
                continue
            run = 1
            while x + run < w and run < 255 and row[x + run] == row[x]:
                run += 1
            if run >= 3 or w - x < 3 or r < 0.5:
                n = min(run, rng.randint(1, 255))
                v = row[x] if not rle4 else (row[x] << 4 | row[min(x + 1, w - 1)])
                out += bytes([n, v])
                x += n
            else:
                n = min(w - x, rng.randint(3, 40))
                seg = row[x:x + n]
                if rle4:
                    data = bytearray()
                    for i in range(0, n, 2):
                        data.append(seg[i] << 4 | (seg[i + 1] if i + 1 < n else 0))
                else:
                    data = bytearray(seg)
                if len(data) % 2:
                    data.append(0)
                out += bytes([0, n]) + data
                x += n
        if rng.random() < 0.01:
            out += b"\x00\x01"
            return bytes(out)
        out += b"\x00\x00"
        y += 1
    out += b"\x00\x01"
    return bytes(out)


def make_bmp(rng, w, h):
    px = pattern(rng, w, h)
    kind = rng.choice(["pal1", "pal2", "pal4", "pal8", "rgb16", "rgb24", "rgb32", "bf16", "bf32",
                       "rle8", "rle4", "core1", "core4", "core8", "core24"])
    hsize = 12 if kind.startswith("core") else rng.choice([40, 40, 52, 56, 108, 124])
    top_down = rng.random() < 0.25 and not kind.startswith("rle") and hsize != 12
    bits = {"pal1": 1, "pal2": 2, "pal4": 4, "pal8": 8, "rgb16": 16, "rgb24": 24, "rgb32": 32,
            "bf16": 16, "bf32": 32, "rle8": 8, "rle4": 4, "core1": 1, "core4": 4, "core8": 8,
            "core24": 24}[kind]
    comp = {"rle8": 1, "rle4": 2, "bf16": 3, "bf32": 3}.get(kind, 0)
    masks = None
    if kind == "bf16":
        masks = rng.choice([(0xF800, 0x07E0, 0x001F, 0), (0x7C00, 0x03E0, 0x001F, 0x8000),
                            (0x0F00, 0x00F0, 0x000F, 0xF000), (0xE000, 0x1C00, 0x0380, 0)])
    elif kind == "bf32":
        masks = rng.choice([(0xFF0000, 0xFF00, 0xFF, 0), (0xFF0000, 0xFF00, 0xFF, 0xFF000000),
                            (0xFF000000, 0xFF0000, 0xFF00, 0), (0x3FF00000, 0xFFC00, 0x3FF, 0),
                            (0x7F, 0x3F80, 0x1FC000, 0)])
    palettized = bits <= 8
    ncol = 0
    pal = b""
    colors_used = 0
    if palettized:
        ncol = 1 << bits
        if hsize != 12 and rng.random() < 0.3:
            colors_used = rng.randint(1, ncol)
        n = colors_used or ncol
        per = 3 if hsize == 12 else 4
        pal = b"".join(bytes([rng.randrange(256), rng.randrange(256), rng.randrange(256)]
                             + ([rng.randrange(256)] if per == 4 else [])) for _ in range(n))
    rows = []  # bottom-up unless top_down, as stored
    order = range(h) if top_down else range(h - 1, -1, -1)
    idx_rows = []
    for y in order:
        if palettized:
            idx_rows.append([(luma(px(x, y)) * ncol) // 256 for x in range(w)])
        else:
            rows.append([px(x, y) for x in range(w)])
    if kind in ("rle8", "rle4"):
        data = rle_encode(rng, idx_rows, kind == "rle4")
    else:
        data = bytearray()
        for i in range(h):
            row = bytearray()
            if palettized:
                bitsbuf, nb = 0, 0
                for v in idx_rows[i]:
                    bitsbuf = (bitsbuf << bits) | v
                    nb += bits
                    if nb == 8:
                        row.append(bitsbuf)
                        bitsbuf, nb = 0, 0
                if nb:
                    row.append(bitsbuf << (8 - nb))
            else:
                for (r, g, b) in rows[i]:
                    if bits == 24:
                        row += bytes([b, g, r])
                    elif bits == 32 and masks is None:
                        row += bytes([b, g, r, rng.randrange(256)])
                    elif bits == 16 and masks is None:
                        row += struct.pack("<H", (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3))
                    else:
                        v = 0
                        for val, m in zip((r, g, b, rng.randrange(256)), masks):
                            if m:
                                sh = (m & -m).bit_length() - 1
                                ln = bin(m).count("1")
                                v |= ((val * ((1 << ln) - 1)) // 255) << sh
                        v ^= rng.randrange(4) if rng.random() < 0.3 else 0
                        row += struct.pack("<H" if bits == 16 else "<I", v & (0xFFFF if bits == 16 else 0xFFFFFFFF))
            while len(row) % 4:
                row.append(0)
            data += row
        data = bytes(data)
    if hsize == 12:
        hdr = struct.pack("<IHHHH", 12, w, h, 1, bits)
    else:
        hdr = struct.pack("<IiiHHIIiiII", hsize, w, -h if top_down else h, 1, bits, comp, len(data),
                          2835, 2835, colors_used, 0)
        extra = b""
        if masks and hsize == 40:
            extra = struct.pack("<III", *masks[:3])
        elif hsize >= 52:
            m = masks or (0, 0, 0, 0)
            extra = struct.pack("<III", *m[:3]) + (struct.pack("<I", m[3]) if hsize >= 56 else b"")
            extra += bytes(hsize - 40 - len(extra))
        hdr += extra
    body = hdr + pal
    if hsize == 40 and masks:
        body = hdr + pal  # the masks follow the 40-byte header
    gap = bytes(rng.randrange(3)) if rng.random() < 0.2 else b""
    off = 14 + len(body) + len(gap)
    out = b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off) + body + gap + data
    return "bmp-%s-h%d%s" % (kind, hsize, "-td" if top_down else ""), out


GENERATORS = {"png": make_png, "gif": make_gif, "bmp": make_bmp}


def corrupt(rng, data):
    """A broken variant: truncated, or a few bytes changed."""
    data = bytearray(data)
    if rng.random() < 0.5 and len(data) > 10:
        return bytes(data[: rng.randrange(8, len(data))])
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(min(len(data), 8), len(data)) if len(data) > 8 else 0
        data[i] = rng.randrange(256)
    return bytes(data)


def run_sigtool(sigtool, files):
    res = {}
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        p = subprocess.run([sigtool, "--fuzzy-img"] + batch, capture_output=True, text=True)
        # sigtool prints the file's base name
        for line in p.stdout.splitlines():
            name, _, h = line.rpartition(": ")
            if len(h) == 16:
                res[name] = h
    return {f: res.get(os.path.basename(f), "none") for f in files}


def run_tool(tool, files):
    res = {}
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        p = subprocess.run([tool] + batch, capture_output=True, text=True)
        for line in p.stdout.splitlines():
            name, _, h = line.rpartition(": ")
            res[name] = h
    return {f: res.get(f, "missing") for f in files}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True, help="clamimghash binary")
    ap.add_argument("--sigtool", default=shutil.which("sigtool"))
    ap.add_argument("-n", type=int, default=300, help="images per format")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default=",".join(GENERATORS))
    ap.add_argument("--broken", type=float, default=0.15, help="share of corrupted variants")
    ap.add_argument("--keep", help="write the images here and keep them")
    args = ap.parse_args()
    if not args.sigtool or not os.path.exists(args.sigtool):
        print("SKIP: sigtool not found")
        return 77
    rng = random.Random(args.seed)
    tmp = args.keep or tempfile.mkdtemp(prefix="imghash.")
    os.makedirs(tmp, exist_ok=True)
    files, kind = [], {}
    for fmt in args.formats.split(","):
        gen = GENERATORS[fmt]
        for i in range(args.n):
            w, h = pick_size(rng)
            label, data = gen(rng, w, h)
            if rng.random() < args.broken:
                data, label = corrupt(rng, data), label + "-broken"
            path = os.path.join(tmp, "%s_%04d_%dx%d_%s" % (fmt, i, w, h, label))
            with open(path, "wb") as f:
                f.write(data)
            files.append(path)
            kind[path] = fmt
    ref = run_sigtool(args.sigtool, files)
    got = run_tool(args.tool, files)
    stats = {}
    diffs = []
    for f in files:
        s = stats.setdefault(kind[f], [0, 0, 0, 0])
        s[0] += 1
        r, g = ref[f], got[f]
        if g in ("unsupported", "limit"):
            s[3] += 1
        elif r == g or (r == "none" and g == "none"):
            s[1] += 1
            if r == "none":
                s[2] += 1
        else:
            diffs.append((f, r, g))
    total = [0, 0, 0, 0]
    for fmt, s in stats.items():
        print("%-9s images %5d  identical %5d (no hash in both: %d)  vigil cannot tell %d  differ %d"
              % (fmt, s[0], s[1], s[2], s[3], s[0] - s[1] - s[3]))
        total = [a + b for a, b in zip(total, s)]
    for f, r, g in diffs[:40]:
        print("DIFF %s sigtool=%s vigil=%s" % (os.path.basename(f), r, g))
    print("total images %d identical %d differ %d" % (total[0], total[1], len(diffs)))
    if not args.keep:
        shutil.rmtree(tmp)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
