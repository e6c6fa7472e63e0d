/*
 * png.c - PNG decoding as the png crate (through image-rs, EXPAND
 * transformation) accepts it, checked against sigtool --fuzzy-img: CRCs of
 * critical chunks are verified and of ancillary ones ignored; the zlib
 * header is checked but not the Adler-32; the whole run of IDAT chunks and
 * the header (8 bytes) of the chunk after it must be present; a palette
 * whose length is not a multiple of 3 makes the crate panic (no image).
 * Rows are inflated one at a time straight into the output pixels, so the
 * working memory is two rows whatever the image size.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/image/image.h"

#define PNG_SIG_LEN 8
#define CHUNK_OVERHEAD 12

typedef struct chunk {
    uint64_t off; /* of the length field */
    uint32_t len;
    uint8_t type[4];
} chunk;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool type_is(const chunk *c, const char *t)
{
    return memcmp(c->type, t, 4) == 0;
}

static bool is_critical(const chunk *c)
{
    return (c->type[0] & 0x20) == 0;
}

/* Reads the chunk at off: its header, data and CRC must be in the file;
 * critical chunks' CRC must match. */
static bool read_chunk(bytes b, uint64_t off, chunk *c)
{
    if (!in_bounds(b, off, 8))
        return false;
    c->off = off;
    c->len = be32(b.p + off);
    memcpy(c->type, b.p + off + 4, 4);
    if (!in_bounds(b, off + 8, (uint64_t)c->len + 4))
        return false;
    if (is_critical(c)) {
        uLong crc = crc32(0L, b.p + off + 4, 4);
        if (c->len > 0)
            crc = crc32(crc, b.p + off + 8, c->len);
        if ((uint32_t)crc != be32(b.p + off + 8 + c->len))
            return false;
    }
    return true;
}

typedef struct png_hdr {
    uint32_t w, h;
    uint8_t depth, ctype, interlace;
    const uint8_t *plte;
    uint32_t plte_len;
    bool trns;
} png_hdr;

static unsigned channels_of(uint8_t ctype)
{
    switch (ctype) {
    case 0:
        return 1;
    case 2:
        return 3;
    case 3:
        return 1;
    case 4:
        return 2;
    default:
        return 4;
    }
}

static bool depth_valid(uint8_t ctype, uint8_t depth)
{
    switch (ctype) {
    case 0:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
        return depth == 8 || depth == 16;
    default:
        return false;
    }
}

/* Bytes per pixel of the crate's decoded colour type (after EXPAND), the
 * figure its allocation limit is applied to. */
static unsigned native_bpp(const png_hdr *h)
{
    unsigned bytes = h->depth == 16 ? 2 : 1;
    switch (h->ctype) {
    case 0:
        return bytes * (h->trns ? 2 : 1);
    case 2:
        return bytes * (h->trns ? 4 : 3);
    case 3:
        return h->trns ? 4 : 3;
    case 4:
        return bytes * 2;
    default:
        return bytes * 4;
    }
}

/* The deflate stream over the IDAT run: chunk after chunk, the zlib header
 * (2 bytes) checked and skipped, the rest fed to a raw inflater. */
typedef struct idat_stream {
    bytes b;
    chunk cur;
    uint32_t used;  /* bytes of cur's data consumed */
    bool exhausted; /* the run has ended */
    z_stream z;
    bool z_ready, z_end;
} idat_stream;

static bool next_idat(idat_stream *s)
{
    chunk c;
    uint64_t next = s->cur.off + CHUNK_OVERHEAD + s->cur.len;
    if (!read_chunk(s->b, next, &c) || !type_is(&c, "IDAT")) {
        s->exhausted = true;
        return false;
    }
    s->cur = c;
    s->used = 0;
    return true;
}

/* The next input byte of the stream, for the zlib header. */
static bool stream_byte(idat_stream *s, uint8_t *v)
{
    while (s->used == s->cur.len)
        if (s->exhausted || !next_idat(s))
            return false;
    *v = s->b.p[s->cur.off + 8 + s->used++];
    return true;
}

static bool stream_open(idat_stream *s)
{
    uint8_t cmf, flg;
    if (!stream_byte(s, &cmf) || !stream_byte(s, &flg))
        return false;
    if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || (flg & 0x20) || ((cmf << 8) | flg) % 31 != 0)
        return false;
    memset(&s->z, 0, sizeof(s->z));
    if (inflateInit2(&s->z, -15) != Z_OK)
        return false;
    s->z_ready = true;
    return true;
}

/* Fills out[0..n) from the stream; false if the data ends or is corrupt. */
static bool stream_read(idat_stream *s, uint8_t *out, size_t n)
{
    s->z.next_out = out;
    s->z.avail_out = (uInt)n;
    while (s->z.avail_out > 0) {
        if (s->z_end)
            return false;
        if (s->z.avail_in == 0) {
            while (s->used == s->cur.len)
                if (s->exhausted || !next_idat(s))
                    return false;
            s->z.next_in = (Bytef *)(s->b.p + s->cur.off + 8 + s->used);
            s->z.avail_in = s->cur.len - s->used;
            s->used = s->cur.len;
        }
        int r = inflate(&s->z, Z_NO_FLUSH);
        if (r == Z_STREAM_END)
            s->z_end = true;
        else if (r != Z_OK && r != Z_BUF_ERROR)
            return false;
        else if (r == Z_BUF_ERROR && s->z.avail_in > 0)
            return false;
    }
    return true;
}

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c)
{
    int p = (int)a + b - c;
    int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc)
        return a;
    if (pb <= pc)
        return b;
    return c;
}

static bool unfilter(uint8_t ftype, uint8_t *row, const uint8_t *prev, size_t n, size_t bpp)
{
    switch (ftype) {
    case 0:
        return true;
    case 1:
        for (size_t i = bpp; i < n; i++)
            row[i] = (uint8_t)(row[i] + row[i - bpp]);
        return true;
    case 2:
        for (size_t i = 0; i < n; i++)
            row[i] = (uint8_t)(row[i] + prev[i]);
        return true;
    case 3:
        for (size_t i = 0; i < n; i++) {
            unsigned left = i >= bpp ? row[i - bpp] : 0;
            row[i] = (uint8_t)(row[i] + ((left + prev[i]) >> 1));
        }
        return true;
    case 4:
        for (size_t i = 0; i < n; i++) {
            uint8_t left = i >= bpp ? row[i - bpp] : 0;
            uint8_t upleft = i >= bpp ? prev[i - bpp] : 0;
            row[i] = (uint8_t)(row[i] + paeth(left, prev[i], upleft));
        }
        return true;
    default:
        return false;
    }
}

/* Sample i of a row of packed samples (depth 1..16). */
static uint16_t sample(const uint8_t *row, size_t i, unsigned depth)
{
    if (depth == 8)
        return row[i];
    if (depth == 16)
        return (uint16_t)(row[2 * i] << 8 | row[2 * i + 1]);
    size_t bit = i * depth;
    unsigned shift = 8 - depth - (unsigned)(bit % 8);
    return (uint16_t)((row[bit / 8] >> shift) & ((1u << depth) - 1));
}

/* A sample scaled to 8 bits as EXPAND (low depths) and to_rgb8 (16) do. */
static uint8_t to8(uint16_t v, unsigned depth)
{
    switch (depth) {
    case 1:
        return v ? 255 : 0;
    case 2:
        return (uint8_t)(v * 85);
    case 4:
        return (uint8_t)(v * 17);
    case 16:
        return img_u16_to_u8(v);
    default:
        return (uint8_t)v;
    }
}

static void put_row(img *im, const png_hdr *h, const uint8_t *row, uint32_t y, uint32_t x0,
                    uint32_t dx, uint32_t n)
{
    unsigned ch = channels_of(h->ctype);
    for (uint32_t i = 0; i < n; i++) {
        size_t idx = (size_t)y * im->w + x0 + (size_t)i * dx;
        uint8_t r, g, b;
        if (h->ctype == 3) {
            uint16_t k = sample(row, i, h->depth);
            /* the crate's expansion table is black for indices past PLTE */
            if ((uint32_t)k * 3 + 3 <= h->plte_len) {
                r = h->plte[k * 3];
                g = h->plte[k * 3 + 1];
                b = h->plte[k * 3 + 2];
            } else {
                r = g = b = 0;
            }
        } else if (ch <= 2) {
            r = g = b = to8(sample(row, (size_t)i * ch, h->depth), h->depth);
        } else {
            r = to8(sample(row, (size_t)i * ch, h->depth), h->depth);
            g = to8(sample(row, (size_t)i * ch + 1, h->depth), h->depth);
            b = to8(sample(row, (size_t)i * ch + 2, h->depth), h->depth);
        }
        img_put(im, idx, r, g, b);
    }
}

static const uint8_t adam7[7][4] = {
    /* x0, y0, dx, dy */
    {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2},
};

static img_status decode_rows(idat_stream *s, const png_hdr *h, img *im)
{
    unsigned bits = channels_of(h->ctype) * h->depth;
    size_t bpp = bits < 8 ? 1 : bits / 8;
    size_t maxrow = ((size_t)h->w * bits + 7) / 8;
    uint8_t *cur = malloc(maxrow + 1);
    uint8_t *prev = calloc(maxrow + 1, 1);
    img_status st = IMG_OK;
    if (!cur || !prev) {
        st = IMG_E_NOMEM;
        goto out;
    }
    unsigned passes = h->interlace ? 7 : 1;
    for (unsigned p = 0; p < passes && st == IMG_OK; p++) {
        uint32_t x0 = 0, y0 = 0, dx = 1, dy = 1;
        if (h->interlace) {
            x0 = adam7[p][0];
            y0 = adam7[p][1];
            dx = adam7[p][2];
            dy = adam7[p][3];
        }
        if (h->w <= x0 || h->h <= y0)
            continue;
        uint32_t pw = (h->w - x0 + dx - 1) / dx;
        size_t rowlen = ((size_t)pw * bits + 7) / 8;
        memset(prev, 0, rowlen);
        for (uint32_t y = y0; y < h->h; y += dy) {
            if (!stream_read(s, cur, rowlen + 1) || !unfilter(cur[0], cur + 1, prev, rowlen, bpp)) {
                st = IMG_E_FORMAT;
                break;
            }
            put_row(im, h, cur + 1, y, x0, dx, pw);
            memcpy(prev, cur + 1, rowlen);
        }
    }
out:
    free(cur);
    free(prev);
    return st;
}

img_status img_decode_png(bytes b, const img_opts *o, img *out)
{
    png_hdr h;
    chunk c;
    bool have_ihdr = false;
    uint64_t off = PNG_SIG_LEN;

    memset(&h, 0, sizeof(h));
    memset(out, 0, sizeof(*out));
    for (;;) {
        if (!read_chunk(b, off, &c))
            return IMG_E_FORMAT;
        const uint8_t *d = b.p + off + 8;
        if (!have_ihdr) {
            if (!type_is(&c, "IHDR") || c.len < 13)
                return IMG_E_FORMAT;
            h.w = be32(d);
            h.h = be32(d + 4);
            h.depth = d[8];
            h.ctype = d[9];
            if (h.w == 0 || h.h == 0 || !depth_valid(h.ctype, h.depth) || d[10] != 0 ||
                d[11] != 0 || d[12] > 1)
                return IMG_E_FORMAT;
            h.interlace = d[12];
            have_ihdr = true;
        } else if (type_is(&c, "IDAT")) {
            break;
        } else if (type_is(&c, "PLTE")) {
            h.plte = d;
            h.plte_len = c.len;
        } else if (type_is(&c, "tRNS")) {
            h.trns = true;
        } else if (is_critical(&c)) {
            /* a second IHDR, IEND before any IDAT, unknown critical chunks */
            return IMG_E_FORMAT;
        }
        off += CHUNK_OVERHEAD + (uint64_t)c.len;
    }
    if (h.ctype == 3 && (!h.plte || h.plte_len % 3 != 0))
        return IMG_E_FORMAT;

    /* the crate reads the whole IDAT run, and the next chunk's header */
    chunk last = c;
    for (;;) {
        chunk n;
        uint64_t next = last.off + CHUNK_OVERHEAD + last.len;
        if (!in_bounds(b, next, 8))
            return IMG_E_FORMAT;
        if (memcmp(b.p + next + 4, "IDAT", 4) != 0)
            break;
        if (!read_chunk(b, next, &n))
            return IMG_E_FORMAT;
        last = n;
    }

    img_status st = img_alloc(out, o, h.w, h.h, native_bpp(&h));
    if (st != IMG_OK)
        return st;
    idat_stream s;
    memset(&s, 0, sizeof(s));
    s.b = b;
    s.cur = c;
    if (!stream_open(&s))
        st = IMG_E_FORMAT;
    else
        st = decode_rows(&s, &h, out);
    if (s.z_ready)
        inflateEnd(&s.z);
    if (st != IMG_OK)
        img_free(out);
    return st;
}
