/*
 * bmp.c - BMP decoding as image-rs's BmpDecoder accepts it: core (OS/2
 * 1.x) and info/V2-V5 headers only; 1/2/4/8-bit palettes (256 entries, the
 * missing ones black), RLE4/RLE8 (bottom-up only; an RLE8 run past the
 * row's end is cut there, an RLE4 run or an absolute block past it is an
 * error, as sigtool shows; deltas and end markers leave black),
 * 16-bit 5-5-5 and bitfields (masks contiguous, narrower ones scaled by
 * the crate's tables), 24-bit and 32-bit. Every row (with its padding)
 * must be in the file: the crate reads them with read_exact.
 */
#include <string.h>

#include "formats/image/image.h"

enum bmp_kind { K_PALETTE, K_RGB16, K_RGB24, K_RGB32, K_RLE8, K_RLE4, K_BF16, K_BF32 };

typedef struct field {
    unsigned shift, len;
} field;

typedef struct bmp {
    bytes b;
    int32_t w, h;
    bool top_down, core;
    uint16_t bits;
    enum bmp_kind kind;
    uint32_t colors_used;
    uint64_t data_off;
    field r, g, bl, a;
    uint8_t pal[256][3];
} bmp;

static bool field_from_mask(uint32_t mask, unsigned max_len, field *f)
{
    f->shift = f->len = 0;
    if (mask == 0)
        return true;
    unsigned shift = (unsigned)__builtin_ctz(mask);
    uint32_t m = mask >> shift;
    unsigned len = m == 0xffffffffu ? 32 : (unsigned)__builtin_ctz(~m);
    if (len != (unsigned)__builtin_popcount(mask) || len + shift > max_len)
        return false;
    if (len > 8) {
        shift += len - 8;
        len = 8;
    }
    f->shift = shift;
    f->len = len;
    return true;
}

static uint8_t field_read(const field *f, uint32_t data)
{
    uint32_t d = data >> f->shift;
    uint32_t max;
    switch (f->len) {
    case 1:
        return (uint8_t)((d & 1) * 0xff);
    case 2:
        return (uint8_t)((d & 3) * 0x55);
    case 7:
        return (uint8_t)(((d & 0x7f) << 1) | ((d & 0x7f) >> 6));
    case 8:
        return (uint8_t)(d & 0xff);
    default:
        /* the crate's 3..6-bit tables: v * 255 / max rounded half up */
        max = (1u << f->len) - 1;
        d &= max;
        return (uint8_t)((d * 510 + max) / (2 * max));
    }
}

static bool read_header(bmp *m)
{
    bytes b = m->b;
    uint32_t data_off, hsize;
    if (!rd_u32le(b, 10, &data_off) || !rd_u32le(b, 14, &hsize))
        return false;
    m->data_off = data_off;
    uint64_t hend = 14 + (uint64_t)hsize;
    if (hsize != 12 && hsize != 40 && hsize != 52 && hsize != 56 && hsize != 108 && hsize != 124)
        return false;
    uint16_t planes;
    if (hsize == 12) {
        uint16_t w, h;
        m->core = true;
        if (!rd_u16le(b, 18, &w) || !rd_u16le(b, 20, &h))
            return false;
        m->w = w;
        m->h = h;
        if (w == 0 || h == 0)
            return false;
        if (!rd_u16le(b, 22, &planes) || planes != 1 || !rd_u16le(b, 24, &m->bits))
            return false;
        if (m->bits == 1 || m->bits == 4 || m->bits == 8)
            m->kind = K_PALETTE;
        else if (m->bits == 24)
            m->kind = K_RGB24;
        else
            return false;
    } else {
        uint32_t w, h, comp;
        if (!rd_u32le(b, 18, &w) || !rd_u32le(b, 22, &h))
            return false;
        m->w = (int32_t)w;
        m->h = (int32_t)h;
        if (m->w < 0 || m->w > 0xffff || m->h > 0xffff || m->h == INT32_MIN)
            return false;
        if (m->h < 0) {
            m->h = -m->h;
            m->top_down = true;
        }
        if (m->w == 0 || m->h == 0)
            return false;
        if (!rd_u16le(b, 26, &planes) || planes != 1 || !rd_u16le(b, 28, &m->bits) ||
            !rd_u32le(b, 30, &comp))
            return false;
        if (m->top_down && comp != 0 && comp != 3)
            return false;
        switch (comp) {
        case 0:
            if (m->bits == 1 || m->bits == 2 || m->bits == 4 || m->bits == 8)
                m->kind = K_PALETTE;
            else if (m->bits == 16)
                m->kind = K_RGB16;
            else if (m->bits == 24)
                m->kind = K_RGB24;
            else if (m->bits == 32)
                m->kind = K_RGB32;
            else
                return false;
            break;
        case 1:
            if (m->bits != 8)
                return false;
            m->kind = K_RLE8;
            break;
        case 2:
            if (m->bits != 4)
                return false;
            m->kind = K_RLE4;
            break;
        case 3:
            if (m->bits == 16)
                m->kind = K_BF16;
            else if (m->bits == 32)
                m->kind = K_BF32;
            else
                return false;
            break;
        default: /* JPEG, PNG, CMYK and unknown compressions */
            return false;
        }
        /* size, resolutions (ignored), colours used, important colours */
        if (!in_bounds(b, 34, 20) || !rd_u32le(b, 46, &m->colors_used))
            return false;
        if (m->kind == K_BF16 || m->kind == K_BF32) {
            uint32_t rm, gm, bm, am = 0;
            unsigned max = m->kind == K_BF16 ? 16 : 32;
            if (!rd_u32le(b, 54, &rm) || !rd_u32le(b, 58, &gm) || !rd_u32le(b, 62, &bm))
                return false;
            if (hsize >= 56 && !rd_u32le(b, 66, &am))
                return false;
            if (!field_from_mask(rm, max, &m->r) || !field_from_mask(gm, max, &m->g) ||
                !field_from_mask(bm, max, &m->bl) || !field_from_mask(am, max, &m->a))
                return false;
            if (m->r.len == 0 || m->g.len == 0 || m->bl.len == 0)
                return false;
        }
    }
    if (m->kind == K_PALETTE || m->kind == K_RLE4 || m->kind == K_RLE8) {
        uint64_t n = m->colors_used ? m->colors_used : (1u << m->bits);
        unsigned per = m->core ? 3 : 4;
        if (m->colors_used > (1u << m->bits))
            return false;
        uint64_t want = (n > 256 ? 256 : n) * per;
        if (!in_bounds(b, hend, want))
            return false;
        memset(m->pal, 0, sizeof(m->pal));
        for (uint64_t i = 0; i < n && i < 256; i++) {
            const uint8_t *p = b.p + hend + i * per;
            m->pal[i][0] = p[2];
            m->pal[i][1] = p[1];
            m->pal[i][2] = p[0];
        }
    }
    return true;
}

static size_t row_index(const bmp *m, uint32_t k)
{
    uint32_t y = m->top_down ? k : (uint32_t)m->h - 1 - k;
    return (size_t)y * (uint32_t)m->w;
}

static void put_pal(img *im, size_t idx, const bmp *m, unsigned k)
{
    img_put(im, idx, m->pal[k][0], m->pal[k][1], m->pal[k][2]);
}

static img_status decode_plain(const bmp *m, img *im)
{
    bytes b = m->b;
    uint32_t w = (uint32_t)m->w;
    uint64_t rowlen, off = m->data_off;
    switch (m->kind) {
    case K_PALETTE:
        rowlen = ((uint64_t)m->bits * w + 31) / 32 * 4;
        break;
    case K_RGB16:
    case K_BF16:
        rowlen = (uint64_t)w * 2 + (w % 2) * 2;
        break;
    case K_RGB24:
        rowlen = (uint64_t)w * 3 + (4 - (w * 3) % 4) % 4;
        break;
    default:
        rowlen = (uint64_t)w * 4;
        break;
    }
    bool is888 = m->kind == K_BF32 && m->r.shift == 24 && m->r.len == 8 && m->g.shift == 16 &&
                 m->g.len == 8 && m->bl.shift == 8 && m->bl.len == 8 && m->a.len == 0;
    for (uint32_t k = 0; k < (uint32_t)m->h; k++, off += rowlen) {
        if (!in_bounds(b, off, rowlen))
            return IMG_E_FORMAT;
        const uint8_t *p = b.p + off;
        size_t base = row_index(m, k);
        for (uint32_t x = 0; x < w; x++) {
            uint32_t d;
            switch (m->kind) {
            case K_PALETTE: {
                unsigned bitpos = x * m->bits;
                unsigned v = (p[bitpos / 8] >> (8 - m->bits - bitpos % 8)) & ((1u << m->bits) - 1);
                put_pal(im, base + x, m, v);
                break;
            }
            case K_RGB16:
                d = (uint32_t)p[2 * x] | (uint32_t)p[2 * x + 1] << 8;
                img_put(im, base + x, field_read(&(field){10, 5}, d), field_read(&(field){5, 5}, d),
                        field_read(&(field){0, 5}, d));
                break;
            case K_BF16:
                d = (uint32_t)p[2 * x] | (uint32_t)p[2 * x + 1] << 8;
                img_put(im, base + x, field_read(&m->r, d), field_read(&m->g, d),
                        field_read(&m->bl, d));
                break;
            case K_RGB24:
                img_put(im, base + x, p[3 * x + 2], p[3 * x + 1], p[3 * x]);
                break;
            case K_BF32:
                if (!is888) {
                    d = (uint32_t)p[4 * x] | (uint32_t)p[4 * x + 1] << 8 |
                        (uint32_t)p[4 * x + 2] << 16 | (uint32_t)p[4 * x + 3] << 24;
                    img_put(im, base + x, field_read(&m->r, d), field_read(&m->g, d),
                            field_read(&m->bl, d));
                    break;
                }
                /* the crate's 8-8-8 path: skip a byte, then b, g, r */
                img_put(im, base + x, p[4 * x + 3], p[4 * x + 2], p[4 * x + 1]);
                break;
            default: /* K_RGB32 and the 8-8-8-8 bitfields: b, g, r, (a) */
                img_put(im, base + x, p[4 * x + 2], p[4 * x + 1], p[4 * x]);
                break;
            }
        }
    }
    return IMG_OK;
}

/* RLE: the crate walks the rows bottom-up; a row ends at an end-of-row or
 * a delta that moves down; pixels never set stay black (the buffer starts
 * zeroed, as ours does). */
static img_status decode_rle(const bmp *m, img *im)
{
    bytes b = m->b;
    uint64_t off = m->data_off;
    uint32_t w = (uint32_t)m->w, h = (uint32_t)m->h;
    bool rle4 = m->kind == K_RLE4;
    uint32_t row = 0;

    while (row < h) {
        uint32_t x = 0;     /* pixels of this row consumed (the crate's x) */
        uint32_t cur = row; /* the row the pixel iterator is in */
        uint32_t px = 0;    /* position of the pixel iterator in row `cur` */
        for (;;) {
            uint8_t c, op;
            if (!rd_u8(b, off++, &c) || !rd_u8(b, off++, &op))
                return IMG_E_FORMAT;
            if (c == 0 && op == 0) { /* end of row */
                break;
            }
            if (c == 0 && op == 1) /* end of bitmap: the rest stays black */
                return IMG_OK;
            if (c == 0 && op == 2) {
                uint8_t dx, dy;
                if (!rd_u8(b, off++, &dx) || !rd_u8(b, off++, &dy))
                    return IMG_E_FORMAT;
                if (dy > 0) {
                    /* skip dy-1 rows, move to the next one, re-walk x pixels */
                    if ((uint64_t)cur + dy >= h)
                        return IMG_E_FORMAT;
                    cur += dy;
                    row = cur;
                    if (x > w)
                        return IMG_E_FORMAT;
                    px = x;
                }
                if ((uint64_t)px + dx > w)
                    return IMG_E_FORMAT;
                px += dx;
                x += dx;
                continue;
            }
            size_t base = row_index(m, cur);
            if (c == 0) { /* absolute: op pixels */
                uint64_t n = rle4 ? ((uint64_t)op + 1) / 2 : op;
                n += n & 1;
                if (!in_bounds(b, off, n))
                    return IMG_E_FORMAT;
                const uint8_t *p = b.p + off;
                off += n;
                for (unsigned i = 0; i < op; i++) {
                    unsigned k = rle4 ? (i % 2 ? p[i / 2] & 15 : p[i / 2] >> 4) : p[i];
                    if (px >= w)
                        return IMG_E_FORMAT;
                    put_pal(im, base + px++, m, k);
                }
                x += op;
            } else { /* a run of c pixels of op */
                for (unsigned i = 0; i < c; i++) {
                    unsigned k = rle4 ? (i % 2 ? op & 15 : op >> 4) : op;
                    if (px >= w) {
                        if (rle4)
                            return IMG_E_FORMAT;
                        break; /* RLE8 runs are cut at the row's end */
                    }
                    put_pal(im, base + px++, m, k);
                }
                x += c;
            }
        }
        row++;
    }
    return IMG_OK;
}

img_status img_decode_bmp(bytes b, const img_opts *o, img *out)
{
    bmp local;
    bmp *mp = &local;
    memset(&local, 0, sizeof(local));
    mp->b = b;
    memset(out, 0, sizeof(*out));
    if (!read_header(mp))
        return IMG_E_FORMAT;
    unsigned bpp = ((mp->kind == K_BF16 || mp->kind == K_BF32) && mp->a.len) ? 4 : 3;
    img_status st = img_alloc(out, o, (uint32_t)mp->w, (uint32_t)mp->h, bpp);
    if (st != IMG_OK)
        return st;
    if (mp->kind == K_RLE4 || mp->kind == K_RLE8)
        st = decode_rle(mp, out);
    else
        st = decode_plain(mp, out);
    if (st != IMG_OK)
        img_free(out);
    return st;
}
