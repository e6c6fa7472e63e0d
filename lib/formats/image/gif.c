/*
 * gif.c - the first frame of a GIF as image-rs (gif crate, RGBA output)
 * decodes it: the canvas is the logical screen, black outside the frame;
 * frame pixels take their palette colour (local, else global), black for
 * an index past the palette; transparency only touches alpha, which the
 * hash drops. Only the blocks the gif crate knows are allowed before the
 * frame (extensions 0x01/0xF9/0xFE/0xFF, a 4-byte graphic control); the
 * LZW stream is decoded as weezl does (the first code after a reset must
 * be a literal, clear or end code; codes past the next free one are
 * errors). Reading stops as soon as the frame's pixels are complete: what
 * follows them is never looked at, while running out before is an error.
 * Not reproduced (likely cause, not yet confirmed): when a weezl call
 * returns no pixels and consumes no input (its 64-bit bit buffer still
 * full, the next string longer than the output slice: small code sizes,
 * narrow interlaced rows), the gif crate skips the rest of the sub-block;
 * sigtool then says "image truncated" for a GIF vigil decodes (about 4 in
 * 1000 generated GIFs).
 */
#include <stdlib.h>
#include <string.h>

#include "formats/image/image.h"

#define LZW_MAX 4096

typedef struct gif_rd {
    bytes b;
    uint64_t off;
} gif_rd;

static bool rd_byte(gif_rd *r, uint8_t *v)
{
    if (!rd_u8(r->b, r->off, v))
        return false;
    r->off++;
    return true;
}

static bool rd_u16(gif_rd *r, uint16_t *v)
{
    if (!rd_u16le(r->b, r->off, v))
        return false;
    r->off += 2;
    return true;
}

static bool skip_sub_blocks(gif_rd *r)
{
    for (;;) {
        uint8_t n;
        if (!rd_byte(r, &n))
            return false;
        if (n == 0)
            return true;
        if (!in_bounds(r->b, r->off, n))
            return false;
        r->off += n;
    }
}

/* The data sub-blocks of the frame, read as one bit stream. */
typedef struct lzw_in {
    gif_rd *r;
    uint32_t left; /* bytes left in the current sub-block */
    bool done;     /* block terminator seen (or out of data) */
    uint32_t acc;
    unsigned nbits;
} lzw_in;

/* Next code of `size` bits; false when the data runs out. */
static bool next_code(lzw_in *in, unsigned size, uint16_t *code)
{
    while (in->nbits < size) {
        uint8_t byte;
        while (in->left == 0) {
            uint8_t n;
            if (in->done || !rd_byte(in->r, &n) || n == 0) {
                in->done = true;
                return false;
            }
            in->left = n;
        }
        if (!rd_byte(in->r, &byte)) {
            in->done = true;
            return false;
        }
        in->left--;
        in->acc |= (uint32_t)byte << in->nbits;
        in->nbits += 8;
    }
    *code = (uint16_t)(in->acc & ((1u << size) - 1));
    in->acc >>= size;
    in->nbits -= size;
    return true;
}

/* The next code if its bits are all in the current sub-block. */
static bool peek_code(const lzw_in *in, unsigned size, uint16_t *code)
{
    uint64_t acc = in->acc;
    unsigned nbits = in->nbits;
    uint64_t off = in->r->off;
    while (nbits < size) {
        uint8_t byte;
        if (!rd_u8(in->r->b, off++, &byte))
            return false;
        acc |= (uint64_t)byte << nbits;
        nbits += 8;
    }
    *code = (uint16_t)(acc & ((1u << size) - 1));
    return true;
}

typedef struct lzw {
    uint16_t prefix[LZW_MAX];
    uint8_t suffix[LZW_MAX], first[LZW_MAX];
    uint16_t len[LZW_MAX];
    uint8_t stack[LZW_MAX];
} lzw;

/* Where decoded indices go: a frame of fw x fh, rows in interlaced order
 * or not, onto the canvas. */
typedef struct sink {
    img *im;
    const uint8_t *pal;
    uint32_t pal_entries;
    uint32_t fx, fy, fw, fh;
    bool interlaced;
    uint64_t pos, total;   /* pixels written / wanted */
    uint32_t pass, pass_y; /* interlace pass, frame row being written */
} sink;

static void sink_advance_row(sink *s)
{
    static const uint32_t start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    if (!s->interlaced) {
        s->pass_y++;
        return;
    }
    s->pass_y += step[s->pass];
    while (s->pass < 4 && s->pass_y >= s->fh) {
        s->pass++;
        if (s->pass < 4)
            s->pass_y = start[s->pass];
    }
}

static void sink_put(sink *s, uint8_t idx)
{
    uint32_t x = (uint32_t)(s->pos % s->fw);
    uint32_t y = s->pass_y;
    uint64_t cx = (uint64_t)s->fx + x, cy = (uint64_t)s->fy + y;
    if (cx < s->im->w && cy < s->im->h) {
        uint8_t r = 0, g = 0, b = 0;
        if (idx < s->pal_entries) {
            r = s->pal[idx * 3];
            g = s->pal[idx * 3 + 1];
            b = s->pal[idx * 3 + 2];
        }
        img_put(s->im, (size_t)cy * s->im->w + (size_t)cx, r, g, b);
    }
    s->pos++;
    if (s->pos % s->fw == 0)
        sink_advance_row(s);
}

static img_status decode_lzw(gif_rd *r, unsigned min_size, sink *s)
{
    lzw *t = malloc(sizeof(*t));
    if (!t)
        return IMG_E_NOMEM;
    lzw_in in = {r, 0, false, 0, 0};
    const uint16_t clear = (uint16_t)(1u << min_size), end = (uint16_t)(clear + 1);
    unsigned size = min_size + 1;
    uint16_t next = (uint16_t)(end + 1);
    int prev = -1; /* no previous code: after a reset */
    bool exact = false;
    img_status st = IMG_E_FORMAT;

    for (uint16_t i = 0; i < clear; i++) {
        t->prefix[i] = 0;
        t->suffix[i] = (uint8_t)i;
        t->first[i] = (uint8_t)i;
        t->len[i] = 1;
    }
    while (s->pos < s->total) {
        uint16_t code;
        if (!next_code(&in, size, &code))
            break; /* truncated */
        if (code == clear) {
            size = min_size + 1;
            next = (uint16_t)(end + 1);
            prev = -1;
            continue;
        }
        if (code == end)
            break;
        if (code > next || (code == next && prev < 0))
            break; /* weezl: InvalidCode */
        /* the string of code (KwKwK when code == next) */
        uint16_t slen;
        uint8_t firstc;
        if (code == next) {
            slen = (uint16_t)(t->len[prev] + 1);
            firstc = t->first[prev];
        } else {
            slen = t->len[code];
            firstc = t->first[code];
        }
        if (prev >= 0 && next < LZW_MAX) {
            t->prefix[next] = (uint16_t)prev;
            t->suffix[next] = firstc;
            t->first[next] = t->first[prev];
            t->len[next] = (uint16_t)(t->len[prev] + 1);
            if (next == (1u << size) - 1 && size < 12)
                size++;
            next++;
        }
        /* expand (code is now in the table in every case) */
        uint16_t c = code;
        for (uint16_t k = slen; k > 0; k--) {
            t->stack[k - 1] = t->suffix[c];
            c = t->prefix[c];
        }
        uint16_t k = 0;
        while (k < slen && s->pos < s->total)
            sink_put(s, t->stack[k++]);
        exact = k == slen;
        prev = code;
    }
    if (s->pos == s->total) {
        st = IMG_OK;
        /* weezl reads one more code when the last string ended exactly at
         * the frame's end and its bits are at hand in the sub-block being
         * decoded, and fails if that code is past the next free one */
        uint16_t code;
        if (exact && in.nbits + 8u * in.left >= size && peek_code(&in, size, &code) && code > next)
            st = IMG_E_FORMAT;
    }
    free(t);
    return st;
}

img_status img_decode_gif(bytes b, const img_opts *o, img *out)
{
    gif_rd r = {b, 6};
    uint16_t sw, sh;
    uint8_t flags, bg, aspect;
    const uint8_t *gpal = NULL;
    uint32_t gpal_entries = 0;

    memset(out, 0, sizeof(*out));
    if (!rd_u16(&r, &sw) || !rd_u16(&r, &sh) || !rd_byte(&r, &flags) || !rd_byte(&r, &bg) ||
        !rd_byte(&r, &aspect))
        return IMG_E_FORMAT;
    if (flags & 0x80) {
        gpal_entries = 1u << ((flags & 7) + 1);
        if (!in_bounds(b, r.off, (uint64_t)gpal_entries * 3))
            return IMG_E_FORMAT;
        gpal = b.p + r.off;
        r.off += (uint64_t)gpal_entries * 3;
    }
    /* blocks up to the first image descriptor */
    for (;;) {
        uint8_t kind, label, n;
        if (!rd_byte(&r, &kind))
            return IMG_E_FORMAT;
        if (kind == 0x2c)
            break;
        if (kind != 0x21) /* the trailer (no frame) or an unknown block */
            return IMG_E_FORMAT;
        if (!rd_byte(&r, &label))
            return IMG_E_FORMAT;
        if (label == 0xf9) {
            /* exactly one 4-byte sub-block ("control extension has wrong
             * length" otherwise) */
            uint8_t term;
            if (!rd_byte(&r, &n) || n != 4 || !in_bounds(b, r.off, 4))
                return IMG_E_FORMAT;
            r.off += 4;
            if (!rd_byte(&r, &term) || term != 0)
                return IMG_E_FORMAT;
        } else if (label == 0x01 || label == 0xfe || label == 0xff) {
            if (!skip_sub_blocks(&r))
                return IMG_E_FORMAT;
        } else {
            return IMG_E_FORMAT;
        }
    }
    uint16_t fx, fy, fw, fh;
    uint8_t iflags, min_size;
    if (!rd_u16(&r, &fx) || !rd_u16(&r, &fy) || !rd_u16(&r, &fw) || !rd_u16(&r, &fh) ||
        !rd_byte(&r, &iflags))
        return IMG_E_FORMAT;
    const uint8_t *pal = gpal;
    uint32_t pal_entries = gpal_entries;
    if (iflags & 0x80) {
        pal_entries = 1u << ((iflags & 7) + 1);
        if (!in_bounds(b, r.off, (uint64_t)pal_entries * 3))
            return IMG_E_FORMAT;
        pal = b.p + r.off;
        r.off += (uint64_t)pal_entries * 3;
    }
    if (!pal)
        return IMG_E_FORMAT; /* "no color table available for current frame" */
    if (!rd_byte(&r, &min_size) || min_size < 1 || min_size > 11)
        return IMG_E_FORMAT;
    bool interlaced = (iflags & 0x40) != 0;
    /* an empty frame: the crate fails on its zero-length buffer, except an
     * interlaced frame of no rows, which reads nothing */
    if (fw == 0 || fh == 0) {
        if (!(interlaced && fh == 0))
            return IMG_E_FORMAT;
    }
    img_status st;
    if (sw == 0 || sh == 0) {
        /* an empty canvas: the frame is still decoded (its errors count),
         * the image has no pixels */
        out->w = sw;
        out->h = sh;
        out->layout = o->layout;
    } else {
        st = img_alloc(out, o, sw, sh, 4);
        if (st != IMG_OK)
            return st;
    }
    if (fw == 0 || fh == 0)
        return IMG_OK;
    sink s;
    memset(&s, 0, sizeof(s));
    s.im = out;
    s.pal = pal;
    s.pal_entries = pal_entries;
    s.fx = fx;
    s.fy = fy;
    s.fw = fw;
    s.fh = fh;
    s.interlaced = interlaced;
    s.total = (uint64_t)fw * fh;
    st = decode_lzw(&r, min_size, &s);
    if (st != IMG_OK)
        img_free(out);
    return st;
}
