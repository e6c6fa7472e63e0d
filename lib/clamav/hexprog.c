/*
 * hexprog.c - ClamAV hex patterns as lib/re programs (hexprog.h). The text
 * first gets libclamav's signature-option rewrites (readdb.c
 * cli_sigopts_handler: ::f wraps it in (W)..(W), ::w widens it textually,
 * both turning [x-y] into {x-y}), then cv_parse_hex reads it as libclamav
 * would, and the parts become one tree through re_build.h: bytes and
 * nibbles, alternatives as classes or alternations (negated multi-byte ones
 * as their complement), (B)(L)(W) inside a part as the byte they consume,
 * at a part's ends and [x-y] anchors as zero-width assertions, and the gaps
 * between parts as jumps, which lib/re chains when long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/hexprog.h"
#include "clamav/sig.h"
#include "ir/ir.h"
#include "re/re_build.h"

#define MAX_CHAIN_CUTS 255  /* lib/re's RX_MAX_PIECES - 1 */
#define CHAIN_THRESHOLD 200 /* lib/re cuts jumps longer than this */

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static bool put(text *t, const char *s, size_t n)
{
    if (n > ((size_t)1 << 24) || t->len + n + 1 > ((size_t)1 << 24))
        return false;
    if (t->len + n + 1 > t->cap) {
        size_t nc = t->cap ? t->cap : 64;
        while (nc < t->len + n + 1)
            nc *= 2;
        char *np = realloc(t->p, nc);
        if (!np)
            return false;
        t->p = np;
        t->cap = nc;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = 0;
    return true;
}

static bool putc1(text *t, char c)
{
    return put(t, &c, 1);
}

static void fail_msg(re_error *err, const char *msg)
{
    if (err) {
        /* cv_error's text is longer than re_error's: keep what fits */
        size_t n = strnlen(msg, sizeof(err->message) - 1);
        memcpy(err->message, msg, n);
        err->message[n] = 0;
        err->offset = 0;
    }
}

/* ::f - "(W)" + pattern + "(W)", then every [..] becomes {..}: libclamav's
 * FULLWORD handling, including its change of byte anchors into jumps. */
static vigil_status fullword(const char *s, size_t n, text *out, re_error *err)
{
    if (!put(out, "(W)", 3) || !put(out, s, n) || !put(out, "(W)", 3))
        return VIGIL_E_NOMEM;
    for (size_t i = 0; i < out->len; i++) {
        if (out->p[i] != '[')
            continue;
        out->p[i] = '{';
        char *rb = memchr(out->p + i, ']', out->len - i);
        if (!rb) {
            fail_msg(err, "unmatched '[' in signature");
            return VIGIL_E_SYNTAX;
        }
        *rb = '}';
        i = (size_t)(rb - out->p);
    }
    return VIGIL_OK;
}

/* ::w - libclamav's textual widening: each hex pair gets "00" after it,
 * [x-y] becomes {x-y} (numbers unchanged, as libclamav leaves them), jumps,
 * '*', '|', ')' and (B)(L)(W) are copied. */
static vigil_status widen(const char *s, size_t n, text *out, re_error *err)
{
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        char c = s[i];
        if (c == '*' || c == '|' || c == ')') {
            ok = putc1(out, c);
        } else if (c == '[' || c == '{') {
            ok = putc1(out, '{');
            char close = c == '[' ? ']' : '}';
            for (i++; ok && i < n && s[i] != close; i++)
                ok = putc1(out, s[i]);
            ok = ok && putc1(out, '}');
        } else if (c == '!' || c == '(') {
            if (c == '!') {
                ok = putc1(out, '!');
                i++;
            }
            if (ok && i < n)
                ok = putc1(out, s[i]);
            if (i + 2 >= n) {
                fail_msg(err, "malformed alternative in a wide signature");
                return VIGIL_E_SYNTAX;
            }
            if (s[i + 1] == 'B' || s[i + 1] == 'L' || s[i + 1] == 'W') {
                if (s[i + 2] != ')') {
                    fail_msg(err, "malformed (B)/(L)/(W) in a wide signature");
                    return VIGIL_E_SYNTAX;
                }
                ok = putc1(out, s[i + 1]) && putc1(out, ')');
                i += 2;
            }
        } else if (i + 1 < n) {
            char pair[4] = {c, s[i + 1], '0', '0'};
            ok = put(out, pair, 4);
            i++;
        } else {
            ok = putc1(out, c); /* an odd last digit: cv_parse_hex refuses it */
        }
    }
    return ok ? VIGIL_OK : VIGIL_E_NOMEM;
}

/* ---- tree ---------------------------------------------------------- */

typedef struct bctx {
    re_builder *b;
    bool nocase, wide;
    bool too_big; /* a negated alternative too long to complement */
    bool oom;
} bctx;

static void set_bit(uint8_t *bits, unsigned c)
{
    bits[c / 8] |= (uint8_t)(1u << (c % 8));
}

static bool get_bit(const uint8_t *bits, unsigned c)
{
    return bits[c / 8] >> (c % 8) & 1;
}

static void complement(uint8_t *bits)
{
    for (int i = 0; i < 32; i++)
        bits[i] = (uint8_t)~bits[i];
}

static bool alnum(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Either of n subtrees, as a balanced tree (shallow for the thread machine
 * and the atom walker). */
static re_node alt_of(bctx *c, re_node *v, size_t n)
{
    if (n == 0)
        return -1;
    if (n == 1)
        return v[0];
    re_node l = alt_of(c, v, n / 2);
    re_node r = alt_of(c, v + n / 2, n - n / 2);
    return re_build_alt(c->b, l, r);
}

static re_node byte_node(bctx *c, const cv_hx_node *x)
{
    return re_build_byte(c->b, x->value, x->mask);
}

/* A flat sequence (an alternative of a generic group, or a fixed one). */
static re_node flat_seq(bctx *c, const cv_hx_seq *s)
{
    if (s->n == 0)
        return re_build_empty(c->b);
    re_node cat = re_build_concat(c->b);
    for (uint32_t i = 0; i < s->n; i++) {
        const cv_hx_node *x = &s->v[i];
        re_node k = x->kind == CV_HX_SKIP   ? re_build_skip(c->b, x->skip)
                    : x->kind == CV_HX_BYTE ? byte_node(c, x)
                                            : -1;
        re_build_append(c->b, cat, k);
    }
    return cat;
}

/* !(s1|s2|..) of n equal-length literals: every string of that length that
 * is none of them, as a trie walk - at depth d, for the strings sharing a
 * prefix, a byte none of them has there followed by anything, or one of
 * their bytes followed by the complement one level down. idx holds the
 * indices of those strings. Returns -1 (no node) when nothing is left. */
static re_node negated_fixed(bctx *c, const cv_hx_node *x, uint32_t *idx, uint32_t n, uint32_t d,
                             uint32_t len, int depth)
{
    if (depth > 64) {
        c->too_big = true;
        return -1;
    }
    if (d >= len)
        return -1;
    uint8_t seen[32] = {0};
    for (uint32_t i = 0; i < n; i++)
        set_bit(seen, x->alts[idx[i]].v[d].value);
    re_node *br = calloc((size_t)n + 1, sizeof(re_node));
    uint32_t *sub = calloc(n, sizeof(uint32_t));
    size_t nb = 0;
    re_node out = -1;
    if (!br || !sub) {
        c->oom = true;
        goto done;
    }
    uint8_t others[32];
    memcpy(others, seen, sizeof(others));
    complement(others);
    bool any_other = false;
    for (int i = 0; i < 32; i++)
        any_other = any_other || others[i];
    if (any_other) {
        re_node cat = re_build_concat(c->b);
        re_build_append(c->b, cat, re_build_class(c->b, others));
        if (len - d - 1 > 0)
            re_build_append(c->b, cat, re_build_skip(c->b, len - d - 1));
        br[nb++] = cat;
    }
    for (unsigned v = 0; v < 256; v++) {
        if (!get_bit(seen, v))
            continue;
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++)
            if (x->alts[idx[i]].v[d].value == v)
                sub[m++] = idx[i];
        re_node rest = negated_fixed(c, x, sub, m, d + 1, len, depth + 1);
        if (rest < 0)
            continue;
        re_node cat = re_build_concat(c->b);
        re_build_append(c->b, cat, re_build_byte(c->b, (uint8_t)v, 0xFF));
        re_build_append(c->b, cat, rest);
        br[nb++] = cat;
    }
    out = alt_of(c, br, nb);
done:
    free(br);
    free(sub);
    return out;
}

static re_node alternative(bctx *c, const cv_hx_node *x)
{
    if (x->nalts == 0)
        return -1;
    if (x->alt_kind == CV_ALT_BYTE) {
        uint8_t bits[32] = {0};
        for (uint32_t i = 0; i < x->nalts; i++)
            if (x->alts[i].n == 1)
                set_bit(bits, x->alts[i].v[0].value);
        if (x->negated)
            complement(bits);
        return re_build_class(c->b, bits);
    }
    if (x->alt_kind == CV_ALT_FIXED && x->negated) {
        uint32_t len = x->alts[0].n;
        for (uint32_t i = 0; i < x->nalts; i++) {
            if (x->alts[i].n != len) {
                c->too_big = true; /* cv_parse_hex promised equal lengths */
                return -1;
            }
            for (uint32_t k = 0; k < len; k++)
                if (x->alts[i].v[k].kind != CV_HX_BYTE || x->alts[i].v[k].mask != 0xFF)
                    c->too_big = true;
        }
        uint32_t *idx = malloc(x->nalts * sizeof(uint32_t));
        if (!idx) {
            c->oom = true;
            return -1;
        }
        for (uint32_t i = 0; i < x->nalts; i++)
            idx[i] = i;
        re_node r = negated_fixed(c, x, idx, x->nalts, 0, len, 0);
        free(idx);
        if (r < 0) {
            uint8_t none[32] = {0}; /* every string is excluded: no match */
            r = re_build_class(c->b, none);
        }
        return r;
    }
    re_node *v = malloc(x->nalts * sizeof(re_node));
    if (!v) {
        c->oom = true;
        return -1;
    }
    for (uint32_t i = 0; i < x->nalts; i++)
        v[i] = flat_seq(c, &x->alts[i]);
    re_node r = alt_of(c, v, x->nalts);
    free(v);
    return r;
}

/* (B) (L) (W) inside a part: libclamav's ac_findmatch_special consumes the
 * byte it tests ((L) also "\r\n"); negated: one byte failing the test.
 * in_prefix: the node lies before the part's Aho-Corasick anchor, where
 * libclamav runs the test backward: (L) then takes a '\n', or a '\r' that a
 * '\n' follows together with whatever byte precedes the '\r'. */
static re_node inner_boundary(bctx *c, const cv_hx_node *x, bool in_prefix)
{
    uint8_t bits[32] = {0};
    if (x->boundary == 'L') {
        if (!x->negated && in_prefix) {
            uint8_t nl[32] = {0};
            set_bit(nl, '\n');
            re_node back = re_build_concat(c->b);
            re_build_append(c->b, back, re_build_byte(c->b, 0, 0));
            re_build_append(c->b, back, re_build_byte(c->b, '\r', 0xFF));
            re_build_append(c->b, back, re_build_near(c->b, RE_AS_AFTER, nl, 0, 0, false));
            return re_build_alt(c->b, re_build_byte(c->b, '\n', 0xFF), back);
        }
        if (!x->negated) {
            re_node crlf = re_build_concat(c->b);
            re_build_append(c->b, crlf, re_build_byte(c->b, '\r', 0xFF));
            re_build_append(c->b, crlf, re_build_byte(c->b, '\n', 0xFF));
            return re_build_alt(c->b, re_build_byte(c->b, '\n', 0xFF), crlf);
        }
        /* any byte but '\n', and '\r' only when no '\n' follows */
        memset(bits, 0xFF, sizeof(bits));
        bits['\n' / 8] &= (uint8_t) ~(1u << ('\n' % 8));
        bits['\r' / 8] &= (uint8_t) ~(1u << ('\r' % 8));
        re_node cr = re_build_concat(c->b);
        uint8_t nl[32] = {0};
        set_bit(nl, '\n');
        re_build_append(c->b, cr, re_build_byte(c->b, '\r', 0xFF));
        re_build_append(c->b, cr, re_build_near(c->b, RE_AS_AFTER, nl, 0, 0, true));
        return re_build_alt(c->b, re_build_class(c->b, bits), cr);
    }
    for (unsigned v = 0; v < 256; v++) {
        bool in = x->boundary == 'B' ? re_clam_boundary_byte((uint8_t)v) : !alnum(v);
        if (in != x->negated)
            set_bit(bits, v);
    }
    return re_build_class(c->b, bits);
}

static re_assert edge_kind(bctx *c, uint8_t kind, bool left)
{
    switch (kind) {
    case 'B':
        return left ? RE_AS_CLAM_B_LEFT : RE_AS_CLAM_B_RIGHT;
    case 'L':
        return left ? RE_AS_CLAM_L_LEFT : RE_AS_CLAM_L_RIGHT;
    default:
        if (c->wide)
            return left ? RE_AS_CLAM_WW_LEFT : RE_AS_CLAM_WW_RIGHT;
        return left ? RE_AS_CLAM_W_LEFT : RE_AS_CLAM_W_RIGHT;
    }
}

/* [x-y] anchor: the byte some x..y bytes beyond the part's end. libclamav
 * skips the test altogether when the byte's code has its IGNORE bit: "??"
 * and, by the encoding of CLI_MATCH_NIBBLE_HIGH (0x0300), "a?" too. */
static void anchor(bctx *c, re_node cat, const cv_hx_anchor *an, bool before)
{
    if (!an->present || an->mask == 0x00 || an->mask == 0xF0)
        return;
    uint8_t bits[32] = {0};
    for (unsigned v = 0; v < 256; v++) {
        bool ok = (v & an->mask) == an->value;
        /* ::i folds an exact anchor byte like the pattern's bytes */
        if (c->nocase && an->mask == 0xFF && alnum(v) && !(v >= '0' && v <= '9'))
            ok = (v | 0x20) == (an->value | 0x20u);
        if (ok)
            set_bit(bits, v);
    }
    re_build_append(
        c->b, cat,
        re_build_near(c->b, before ? RE_AS_BEFORE : RE_AS_AFTER, bits, an->min, an->max, false));
}

/* How many of the part's pattern elements (a byte or wildcard each, one per
 * alternative or inner (B)(L)(W), n per skip of n) come before the static
 * run libclamav anchors the part at in its Aho-Corasick trie: cli_ac_addsig's
 * choice with its default depths 2..3 (the last best run wins ties). */
#define AC_MINDEPTH 2
#define AC_MAXDEPTH 3

typedef struct elem {
    bool wild; /* not one exact byte */
    bool nz;   /* nonzero as libclamav's uint16 code: all but an exact 00 */
} elem;

static uint32_t ac_prefix(const elem *e, uint32_t len)
{
    bool wprefix = false, zprefix = true;
    for (uint32_t i = 0; i < AC_MAXDEPTH && i < len; i++) {
        if (e[i].wild) {
            wprefix = true;
            break;
        }
        if (e[i].nz)
            zprefix = false;
    }
    if ((!wprefix && !zprefix) || len < AC_MINDEPTH)
        return 0;
    uint32_t plen = 0, ppos = 0, nzplen = 0, nzpos = 0;
    for (uint32_t i = 0; i + AC_MINDEPTH <= len; i++) {
        for (uint32_t j = i; j < i + AC_MAXDEPTH && j < len; j++) {
            if (e[j].wild)
                break;
            if (j - i + 1 >= plen) {
                plen = j - i + 1;
                ppos = i;
            }
            if (e[ppos].nz || e[ppos + 1].nz) {
                if (plen >= AC_MAXDEPTH)
                    break;
                if (plen >= AC_MINDEPTH && plen > nzplen) {
                    nzplen = plen;
                    nzpos = ppos;
                }
            }
        }
        if (plen >= AC_MAXDEPTH && (e[ppos].nz || e[ppos + 1].nz))
            break;
    }
    if (!e[ppos].nz && !e[ppos + 1].nz && nzplen)
        ppos = nzpos;
    return ppos;
}

/* The index of the first node of seq that is not in the part's prefix. */
static uint32_t prefix_nodes(bctx *c, const cv_hx_seq *seq)
{
    size_t n = 0;
    for (uint32_t i = 0; i < seq->n; i++)
        n += seq->v[i].kind == CV_HX_SKIP ? seq->v[i].skip : 1;
    elem *e = calloc(n ? n : 1, sizeof(elem));
    if (!e) {
        c->oom = true;
        return 0;
    }
    size_t k = 0;
    for (uint32_t i = 0; i < seq->n; i++) {
        const cv_hx_node *x = &seq->v[i];
        uint32_t cnt = x->kind == CV_HX_SKIP ? x->skip : 1;
        bool exact = x->kind == CV_HX_BYTE && x->mask == 0xFF;
        for (uint32_t j = 0; j < cnt; j++, k++) {
            e[k].wild = !exact;
            e[k].nz = !exact || x->value != 0 || c->nocase;
        }
    }
    uint32_t ppos = n <= UINT32_MAX ? ac_prefix(e, (uint32_t)n) : 0;
    free(e);
    uint32_t at = 0;
    for (k = 0; at < seq->n; at++) {
        k += seq->v[at].kind == CV_HX_SKIP ? seq->v[at].skip : 1;
        if (k > ppos)
            break;
    }
    return at;
}

static void part_nodes(bctx *c, re_node cat, const cv_hx_part *pt)
{
    uint32_t pre = prefix_nodes(c, &pt->seq);
    anchor(c, cat, &pt->before, true);
    if (pt->left.kind)
        re_build_append(c->b, cat,
                        re_build_assert(c->b, edge_kind(c, pt->left.kind, true), pt->left.negated));
    for (uint32_t i = 0; i < pt->seq.n; i++) {
        const cv_hx_node *x = &pt->seq.v[i];
        re_node k = -1;
        switch ((cv_hx_kind)x->kind) {
        case CV_HX_BYTE:
            k = byte_node(c, x);
            break;
        case CV_HX_SKIP:
            k = re_build_skip(c->b, x->skip);
            break;
        case CV_HX_ALT:
            k = alternative(c, x);
            break;
        case CV_HX_BOUNDARY:
            k = inner_boundary(c, x, i < pre);
            break;
        }
        re_build_append(c->b, cat, k);
    }
    if (pt->right.kind)
        re_build_append(
            c->b, cat,
            re_build_assert(c->b, edge_kind(c, pt->right.kind, false), pt->right.negated));
    anchor(c, cat, &pt->after, false);
}

static vigil_status build(const cv_hexsig *h, unsigned flags, re_prog **out, re_error *err)
{
    uint32_t cuts = 0;
    for (uint32_t k = 0; k + 1 < h->nparts; k++)
        if (h->gaps[k].unbounded || h->gaps[k].max > CHAIN_THRESHOLD ||
            h->gaps[k].min > CHAIN_THRESHOLD)
            cuts++;
    if (cuts > MAX_CHAIN_CUTS) {
        fail_msg(err, "more than 255 long jumps in one pattern");
        return VIGIL_E_LIMIT;
    }
    bctx c = {.nocase = flags & IR_SF_NOCASE, .wide = flags & IR_SF_WIDE};
    c.b = re_build_new();
    if (!c.b)
        return VIGIL_E_NOMEM;
    re_node root = re_build_concat(c.b);
    for (uint32_t k = 0; k < h->nparts; k++) {
        if (k > 0) {
            const cv_hx_gap *g = &h->gaps[k - 1];
            re_build_append(c.b, root,
                            re_build_jump(c.b, g->min, g->unbounded ? RE_BUILD_UNBOUNDED : g->max));
        }
        part_nodes(&c, root, &h->parts[k]);
    }
    unsigned rf = RE_F_ANCHOR | (c.nocase ? RE_F_NOCASE : 0);
    vigil_status st;
    if (c.oom) {
        st = VIGIL_E_NOMEM;
    } else if (c.too_big) {
        fail_msg(err, "negated alternatives longer than 64 bytes, or malformed");
        st = VIGIL_E_LIMIT;
    } else {
        st = re_build_compile(c.b, root, rf, out, err);
    }
    re_build_free(c.b);
    return st;
}

/* The pattern as libclamav adds it to its matcher: the option rewrites
 * applied, parsed into parts (h, in a). fw and wd own the rewritten texts
 * h points into; the caller frees them. */
static vigil_status rewrite_parse(const char *src, size_t len, unsigned ir_sf_flags, cv_arena *a,
                                  cv_hexsig *h, text *fw, text *wd, re_error *err)
{
    const char *s = src;
    size_t n = len;
    vigil_status st = VIGIL_OK;
    if (ir_sf_flags & IR_SF_FULLWORD) {
        st = fullword(s, n, fw, err);
        s = fw->p;
        n = fw->len;
    }
    if (st == VIGIL_OK && (ir_sf_flags & IR_SF_WIDE)) {
        st = widen(s, n, wd, err);
        s = wd->p ? wd->p : "";
        n = wd->len;
    }
    if (st != VIGIL_OK)
        return st;
    /* any option makes libclamav's alternatives generic (cli_ac_addsig is
     * then given nonzero sigopts) */
    unsigned opts = 0;
    if (ir_sf_flags & IR_SF_NOCASE)
        opts |= CV_OPT_NOCASE;
    if (ir_sf_flags & IR_SF_WIDE)
        opts |= CV_OPT_WIDE;
    if (ir_sf_flags & IR_SF_FULLWORD)
        opts |= CV_OPT_FULLWORD;
    if (ir_sf_flags & IR_SF_ASCII)
        opts |= CV_OPT_ASCII;
    cv_error cerr;
    memset(&cerr, 0, sizeof(cerr));
    if (!cv_parse_hex(s, n, opts, false, a, h, &cerr)) {
        fail_msg(err, cerr.msg);
        return VIGIL_E_SYNTAX;
    }
    return VIGIL_OK;
}

/* Bytes a sequence spans at most: an alternative its longest choice, a
 * (B)(L)(W) inside a part none (libclamav's special lengths). */
static uint32_t seq_maxlen(const cv_hx_seq *q, int depth)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < q->n && depth < 8; i++) {
        const cv_hx_node *x = &q->v[i];
        if (x->kind == CV_HX_BYTE)
            n++;
        else if (x->kind == CV_HX_SKIP)
            n += x->skip;
        else if (x->kind == CV_HX_ALT) {
            uint32_t m = 0;
            for (uint32_t k = 0; k < x->nalts; k++) {
                uint32_t l = seq_maxlen(&x->alts[k], depth + 1);
                m = l > m ? l : m;
            }
            n += m;
        }
    }
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t cv_pattern_maxpatlen(const char *src, size_t len, unsigned ir_sf_flags)
{
    text fw = {0}, wd = {0};
    cv_arena a;
    cv_arena_init(&a);
    cv_hexsig h;
    re_error err;
    memset(&err, 0, sizeof(err));
    uint32_t best = 0;
    if (src && rewrite_parse(src, len, ir_sf_flags, &a, &h, &fw, &wd, &err) == VIGIL_OK)
        for (uint32_t i = 0; i < h.nparts; i++) {
            uint32_t l = seq_maxlen(&h.parts[i].seq, 0);
            best = l > best ? l : best;
        }
    cv_arena_free(&a);
    free(fw.p);
    free(wd.p);
    return best;
}

vigil_status cv_compile_pattern(const char *src, size_t len, unsigned ir_sf_flags, re_prog **out,
                                re_error *err)
{
    re_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    if (!src)
        return VIGIL_E_ARG;
    text fw = {0}, wd = {0};
    cv_arena a;
    cv_arena_init(&a);
    cv_hexsig h;
    vigil_status st = rewrite_parse(src, len, ir_sf_flags, &a, &h, &fw, &wd, err);
    if (st == VIGIL_OK)
        st = build(&h, ir_sf_flags, out, err);
    cv_arena_free(&a);
    free(fw.p);
    free(wd.p);
    return st;
}
