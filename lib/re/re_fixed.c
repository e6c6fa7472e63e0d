/*
 * re_fixed.c - the fixed-width parts of a piece as plain byte tests. Most
 * hex strings are long runs of bytes, nibbles and ?? (fixed jumps at most),
 * where yara's thread machine only ever has one thread: testing each byte
 * against (value, mask) gives the same answer far faster, and the longest
 * literal run of such a segment is a much rarer prefilter literal than
 * yara's 4-byte atom. Segments stop at anything of variable width.
 */
#include <stdlib.h>
#include <string.h>

#include "re_int.h"

typedef VEC(uint8_t) bytes;

typedef struct seg_builder {
    bytes val, mask;
    VEC(rx_seg) segs;
    bool oom;
} seg_builder;

static void put(seg_builder *b, uint8_t v, uint8_t m, bool wide)
{
    if (!vec_push(&b->val, v) || !vec_push(&b->mask, m))
        b->oom = true;
    if (wide && (!vec_push(&b->val, 0) || !vec_push(&b->mask, 0xFF)))
        b->oom = true;
}

/* Ends the current segment (if any). */
static void close_seg(seg_builder *b)
{
    if (b->val.len == 0 || b->oom)
        return;
    rx_seg s = {.val = b->val.items, .mask = b->mask.items, .len = (uint32_t)b->val.len};
    if (!vec_push(&b->segs, s)) {
        b->oom = true;
        return;
    }
    memset(&b->val, 0, sizeof(b->val));
    memset(&b->mask, 0, sizeof(b->mask));
}

static bool is_letter(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

vigil_status rx_fixed_build(const rx_ast *ast, int32_t root, unsigned flags, bool hex,
                            bool nolimit, rx_fixed *fx, int32_t *node_seg, uint32_t *node_off)
{
    seg_builder b;
    memset(&b, 0, sizeof(b));
    memset(fx, 0, sizeof(*fx));
    bool wide = flags & RE_F_WIDE, nocase = flags & RE_F_NOCASE;
    bool dotall = hex || (flags & RE_F_DOTALL);
    bool exact = true, broken = false;
    const rx_node *r = &ast->nodes.items[root];
    int32_t c = r->kind == RX_CONCAT ? r->first : root;
    for (; c >= 0 && !b.oom; c = r->kind == RX_CONCAT ? ast->nodes.items[c].next : -1) {
        const rx_node *nd = &ast->nodes.items[c];
        uint32_t mn, mx;
        rx_bounds(ast, c, &mn, &mx, 0);
        /* 4096 characters is far beyond any fixed run yara accepts unchained */
        if (mn != mx || mx > 2 * RX_SCAN_LIMIT) {
            close_seg(&b);
            exact = false;
            broken = true;
            continue;
        }
        node_seg[c] = (int32_t)b.segs.len;
        node_off[c] = (uint32_t)b.val.len;
        switch ((rx_kind)nd->kind) {
        case RX_LIT:
            if (nocase && is_letter(nd->value))
                put(&b, nd->value & 0xDF, 0xDF, wide);
            else
                put(&b, nd->value, 0xFF, wide);
            break;
        case RX_MASKED:
            put(&b, nd->value, nd->mask, wide);
            break;
        case RX_ANY:
        case RX_RANGE_ANY:
            exact = exact && dotall;
            for (uint32_t i = 0; i < mn; i++)
                put(&b, 0, 0, wide);
            break;
        default:
            /* classes, fixed repeats, equal alternatives, assertions: only
             * their width is known here */
            exact = false;
            for (uint32_t i = 0; i < mn; i++)
                put(&b, 0, 0, wide);
            break;
        }
    }
    close_seg(&b);
    if (b.oom) {
        vec_free(&b.val);
        vec_free(&b.mask);
        fx->segs = b.segs.items;
        fx->nsegs = b.segs.len;
        rx_fixed_free(fx);
        return VIGIL_E_NOMEM;
    }
    vec_free(&b.val);
    vec_free(&b.mask);
    fx->segs = b.segs.items;
    fx->nsegs = b.segs.len;
    /* Without yara's fast hex path a match may reach only RX_SCAN_LIMIT
     * bytes on either side of the atom; keep such rare giants on the VM. */
    fx->exact = exact && !broken && fx->nsegs == 1 &&
                (nolimit || fx->segs[0].len <= RX_SCAN_LIMIT);
    return VIGIL_OK;
}

void rx_fixed_free(rx_fixed *fx)
{
    for (size_t i = 0; i < fx->nsegs; i++) {
        free(fx->segs[i].val);
        free(fx->segs[i].mask);
    }
    free(fx->segs);
    memset(fx, 0, sizeof(*fx));
}

bool rx_seg_match(const rx_seg *s, const uint8_t *data, size_t len, size_t start)
{
    if (start > len || s->len > len - start)
        return false;
    const uint8_t *d = data + start;
    for (uint32_t i = 0; i < s->len; i++)
        if ((d[i] & s->mask[i]) != s->val[i])
            return false;
    return true;
}

/* Rarity of one byte in executables and text: filler and padding bytes are
 * everywhere, so they count for little. */
static int byte_weight(uint8_t b)
{
    switch (b) {
    case 0x00:
        return 1;
    case 0xFF:
        return 2;
    case 0x20:
    case 0xCC:
    case 0x90:
        return 3;
    default:
        return 8;
    }
}

int rx_anchor_score(const uint8_t *b, size_t n)
{
    int s = 0;
    for (size_t i = 0; i < n; i++)
        s += byte_weight(b[i]);
    return s;
}

static bool literal_at(const rx_seg *s, bool nocase, uint32_t i)
{
    return s->mask[i] == 0xFF || (nocase && s->mask[i] == 0xDF && is_letter(s->val[i]));
}

bool rx_seg_anchor(const rx_seg *s, bool nocase, uint32_t *off, uint32_t *len, int *score)
{
    bool found = false;
    int best = -1;
    for (uint32_t i = 0; i < s->len;) {
        if (!literal_at(s, nocase, i)) {
            i++;
            continue;
        }
        uint32_t e = i;
        while (e < s->len && literal_at(s, nocase, e))
            e++;
        /* every window of the run at the longest allowed length */
        uint32_t w = e - i < RE_ATOM_MAX ? e - i : RE_ATOM_MAX;
        int sc = rx_anchor_score(s->val + i, w);
        for (uint32_t k = i;; k++) {
            if (sc > best) {
                best = sc;
                *off = k;
                *len = w;
                found = true;
            }
            if (k + w >= e)
                break;
            sc += byte_weight(s->val[k + w]) - byte_weight(s->val[k]);
        }
        i = e;
    }
    *score = best;
    return found;
}

/* A nibble narrows a byte to 16 values: worth a little. */
static int test_weight(const rx_seg *s, bool nocase, uint32_t i)
{
    if (literal_at(s, nocase, i))
        return byte_weight(s->val[i]);
    return (s->mask[i] == 0x0F || s->mask[i] == 0xF0) ? 3 : 0;
}

bool rx_seg_window(const rx_seg *s, bool nocase, uint32_t *off, uint32_t *len, int *score)
{
    bool found = false;
    int best = -1;
    for (uint32_t i = 0; i < s->len; i++) {
        if (!literal_at(s, nocase, i))
            continue;
        int sc = 0;
        for (uint32_t j = i; j < s->len && j - i < RX_WINDOW_MAX; j++) {
            sc += test_weight(s, nocase, j);
            if (literal_at(s, nocase, j) && sc > best) {
                best = sc;
                *off = i;
                *len = j - i + 1;
                found = true;
            }
        }
    }
    *score = best;
    return found;
}
