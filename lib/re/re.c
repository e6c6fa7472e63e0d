/*
 * re.c - lib/re's public face (re.h): compile a regex or hex string into one
 * or more chained parts (yara splits at jumps over 200 bytes), expose the tail
 * part's atoms, and verify an atom occurrence the way yara's scanner does:
 * forward from the atom for the length, backward (exhaustively) for starts,
 * then, for chains, look back for earlier parts within the allowed gaps.
 */
#include <stdlib.h>
#include <string.h>

#include "re_int.h"

#define MAX_PARTS 256
#define PART_SPAN (2 * RX_SCAN_LIMIT + 64) /* generous bound on one part's match length */

typedef struct re_part {
    rx_code code;
    rx_yatom *yatoms;
    size_t nyatoms;
    uint32_t gap_min, gap_max; /* distance from the previous part's end */
    bool nolimit;              /* yara's fast hex path has no 4096-byte cap */
} re_part;

struct re_prog {
    unsigned flags;
    bool hex, greedy;
    re_part *parts;
    size_t nparts;
    rx_code whole; /* for re_search when the pattern was chained */
    bool has_whole;
    re_atom *atoms;
    size_t natoms;
    uint32_t minlen, maxlen;
};

static unsigned xflags(const re_prog *p)
{
    unsigned f = 0;
    if (p->flags & RE_F_NOCASE)
        f |= X_NOCASE;
    if ((p->flags & RE_F_DOTALL) || p->hex)
        f |= X_DOTALL;
    if (p->flags & RE_F_WIDE)
        f |= X_WIDE;
    return f;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    uint32_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT32_MAX : r;
}

static uint32_t sat_mul(uint32_t a, uint32_t b)
{
    uint32_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT32_MAX : r;
}

/* Length bounds of a subtree, iterative depth is bounded by the parser. */
static void bounds(const rx_ast *a, int32_t n, uint32_t *mn, uint32_t *mx, int depth)
{
    const rx_node *nd = &a->nodes.items[n];
    uint32_t cmn = 0, cmx = 0;
    *mn = *mx = 0;
    if (depth > 4 * RX_MAX_DEPTH) {
        *mx = UINT32_MAX;
        return;
    }
    switch ((rx_kind)nd->kind) {
    case RX_LIT: case RX_MASKED: case RX_ANY: case RX_CLASS: case RX_WORD: case RX_NWORD:
    case RX_SPACE: case RX_NSPACE: case RX_DIGIT: case RX_NDIGIT:
        *mn = *mx = 1;
        break;
    case RX_CONCAT:
        for (int32_t c = nd->first; c >= 0; c = a->nodes.items[c].next) {
            bounds(a, c, &cmn, &cmx, depth + 1);
            *mn = sat_add(*mn, cmn);
            *mx = sat_add(*mx, cmx);
        }
        break;
    case RX_ALT: {
        uint32_t rmn, rmx;
        bounds(a, nd->first, &cmn, &cmx, depth + 1);
        bounds(a, nd->last, &rmn, &rmx, depth + 1);
        *mn = cmn < rmn ? cmn : rmn;
        *mx = cmx > rmx ? cmx : rmx;
        break;
    }
    case RX_STAR:
    case RX_PLUS:
        bounds(a, nd->first, &cmn, &cmx, depth + 1);
        *mn = nd->kind == RX_PLUS ? cmn : 0;
        *mx = cmx ? UINT32_MAX : 0;
        break;
    case RX_RANGE:
        bounds(a, nd->first, &cmn, &cmx, depth + 1);
        *mn = sat_mul(cmn, (uint32_t)nd->start);
        *mx = nd->end >= RX_MAX_RANGE && cmx ? UINT32_MAX : sat_mul(cmx, (uint32_t)nd->end);
        break;
    case RX_RANGE_ANY:
        *mn = (uint32_t)nd->start;
        *mx = (nd->end == RX_UNBOUNDED || (!a->hex && nd->end >= RX_MAX_RANGE))
                  ? UINT32_MAX
                  : (uint32_t)nd->end;
        break;
    default:
        break;
    }
}

static bool has_alt(const rx_ast *a, int32_t n, int depth)
{
    const rx_node *nd = &a->nodes.items[n];
    if (nd->kind == RX_ALT || depth > 4 * RX_MAX_DEPTH)
        return true;
    for (int32_t c = nd->first; c >= 0; c = a->nodes.items[c].next)
        if (has_alt(a, c, depth + 1))
            return true;
    return false;
}

void re_free(re_prog *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nparts; i++) {
        rx_code_free(&p->parts[i].code);
        free(p->parts[i].yatoms);
    }
    free(p->parts);
    if (p->has_whole)
        rx_code_free(&p->whole);
    free(p->atoms);
    free(p);
}

/* Cuts the root CONCAT at jumps yara would chain at; fills roots/gaps. */
static size_t split_chain(rx_ast *a, int32_t *roots, uint32_t *gmin, uint32_t *gmax)
{
    size_t n = 1;
    roots[0] = a->root;
    gmin[0] = gmax[0] = 0;
    if (a->nodes.items[a->root].kind != RX_CONCAT)
        return 1;
    int32_t cur = a->root;
    for (int32_t c = a->nodes.items[cur].first; c >= 0;) {
        rx_node *nd = &a->nodes.items[c];
        int32_t next = nd->next;
        if (!nd->greedy && nd->kind == RX_RANGE_ANY && nd->prev >= 0 && nd->next >= 0 &&
            (nd->start > RX_CHAIN_THRESHOLD || nd->end > RX_CHAIN_THRESHOLD) && n < MAX_PARTS) {
            int32_t rest = rx_new_node(a, RX_CONCAT);
            if (rest < 0)
                return 0;
            nd = &a->nodes.items[c];
            rx_node *cn = &a->nodes.items[cur];
            a->nodes.items[rest].first = nd->next;
            a->nodes.items[rest].last = cn->last;
            cn->last = nd->prev;
            a->nodes.items[nd->prev].next = -1;
            a->nodes.items[nd->next].prev = -1;
            gmin[n] = (uint32_t)nd->start;
            gmax[n] = (uint32_t)nd->end;
            roots[n++] = rest;
            cur = rest;
        }
        c = next;
    }
    return n;
}

static vigil_status build_atoms(re_prog *p)
{
    re_part *tail = &p->parts[p->nparts - 1];
    if (tail->nyatoms == 0)
        return VIGIL_OK;
    p->atoms = calloc(tail->nyatoms, sizeof(re_atom));
    if (!p->atoms)
        return VIGIL_E_NOMEM;
    for (size_t i = 0; i < tail->nyatoms; i++) {
        re_atom *o = &p->atoms[i];
        const rx_yatom *y = &tail->yatoms[i];
        for (int k = 0; k < y->len; k++) {
            if (p->flags & RE_F_WIDE) {
                o->bytes[2 * k] = y->bytes[k];
                o->bytes[2 * k + 1] = 0;
            } else {
                o->bytes[k] = y->bytes[k];
            }
        }
        o->len = (uint8_t)((p->flags & RE_F_WIDE) ? 2 * y->len : y->len);
        o->nocase = (p->flags & RE_F_NOCASE) != 0;
    }
    p->natoms = tail->nyatoms;
    return VIGIL_OK;
}

static vigil_status compile(const char *src, size_t len, unsigned flags, bool hex, re_prog **out,
                            re_error *err)
{
    rx_ast ast;
    re_error scratch;
    vigil_status st;
    int32_t roots[MAX_PARTS];
    uint32_t gmin[MAX_PARTS], gmax[MAX_PARTS];
    re_prog *p = NULL;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    rx_ast_init(&ast);
    st = hex ? rx_parse_hex(src, len, &ast, err) : rx_parse_regex(src, len, &ast, err);
    if (st != VIGIL_OK)
        goto out;
    p = calloc(1, sizeof(*p));
    if (!p) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    p->flags = flags;
    p->hex = hex;
    p->greedy = ast.greedy;
    bounds(&ast, ast.root, &p->minlen, &p->maxlen, 0);
    if (flags & RE_F_WIDE) {
        p->minlen = sat_mul(p->minlen, 2);
        p->maxlen = sat_mul(p->maxlen, 2);
    }
    if (!hex) {
        /* `matches` compiles the regex unsplit, as yr_re_compile does. */
        st = rx_emit(&ast, ast.root, &p->whole, err);
        if (st != VIGIL_OK)
            goto out;
        p->has_whole = true;
    }
    size_t n = split_chain(&ast, roots, gmin, gmax);
    if (n == 0) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    p->parts = calloc(n, sizeof(re_part));
    if (!p->parts) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    p->nparts = n;
    for (size_t i = 0; i < n; i++) {
        re_part *pt = &p->parts[i];
        pt->gap_min = gmin[i];
        pt->gap_max = gmax[i];
        pt->nolimit = hex && !has_alt(&ast, roots[i], 0);
        st = rx_emit(&ast, roots[i], &pt->code, err);
        if (st != VIGIL_OK)
            goto out;
        st = rx_choose_atoms(&ast, roots[i], &pt->yatoms, &pt->nyatoms);
        if (st != VIGIL_OK)
            goto out;
    }
    st = build_atoms(p);
out:
    rx_ast_free(&ast);
    if (st != VIGIL_OK) {
        re_free(p);
        p = NULL;
    }
    *out = p;
    return st;
}

vigil_status re_compile_regex(const char *src, size_t len, unsigned flags, re_prog **out,
                              re_error *err)
{
    return compile(src, len, flags, false, out, err);
}

vigil_status re_compile_hex(const char *src, size_t len, unsigned flags, re_prog **out,
                            re_error *err)
{
    return compile(src, len, flags & ~(unsigned)(RE_F_NOCASE | RE_F_DOTALL), true, out, err);
}

size_t re_atom_count(const re_prog *p)
{
    return p ? p->natoms : 0;
}

const re_atom *re_atom_get(const re_prog *p, size_t i)
{
    return p && i < p->natoms ? &p->atoms[i] : NULL;
}

bool re_prefer(uint32_t old_len, uint32_t new_len)
{
    (void)old_len;
    (void)new_len;
    return false;
}

bool re_prefer_for(const re_prog *p, uint32_t old_len, uint32_t new_len)
{
    (void)old_len;
    (void)new_len;
    return p && p->greedy && p->nparts == 1;
}

bool re_search(const re_prog *p, const uint8_t *s, size_t len)
{
    int m = -1;
    if (!p || !p->has_whole)
        return false;
    if (!rx_exec(&p->whole, p->whole.fwd_start, s, len, 0, xflags(p) | X_SCAN, NULL, NULL, &m))
        return false;
    return m >= 0;
}

void re_length_bounds(const re_prog *p, uint32_t *min, uint32_t *max)
{
    *min = p ? p->minlen : 0;
    *max = p ? p->maxlen : UINT32_MAX;
}

/* ---- verification ---- */

typedef struct back_ctx {
    size_t pos;
    int fwd;
    bool (*emit)(uint64_t, uint32_t, void *);
    void *user;
    bool stop;
} back_ctx;

static bool on_back(size_t start, size_t len, void *u)
{
    back_ctx *b = u;
    (void)len;
    uint64_t total = (uint64_t)(b->pos - start) + (uint64_t)b->fwd;
    if (total > UINT32_MAX)
        return true;
    if (!b->emit(start, (uint32_t)total, b->user)) {
        b->stop = true;
        return false;
    }
    return true;
}

/* One part at one position: fwd/bwd are code refs (bwd < 0: no backward
 * code, yara's empty-atom case). */
static bool verify_part(const re_prog *p, const re_part *pt, int32_t fwd, int32_t bwd,
                        const uint8_t *d, size_t len, size_t pos, re_match_fn fn, void *user)
{
    unsigned xf = xflags(p) | (pt->nolimit ? X_NOLIMIT : 0);
    int fm = -1;
    if (pos > len)
        return true;
    rx_exec(&pt->code, fwd, d, len, pos, xf, NULL, NULL, &fm);
    if (fm < 0)
        return true;
    if (bwd < 0) {
        if (fm == 0)
            return true;
        return fn(pos, (uint32_t)fm, user);
    }
    back_ctx b = {.pos = pos, .fwd = fm, .emit = fn, .user = user};
    rx_exec(&pt->code, bwd, d, len, pos, xf | X_BACK | X_EXHAUSTIVE, on_back, &b, NULL);
    return !b.stop;
}

/* Matches of one part whose start lies in [from, to): found the way the
 * scanner would find them (atom occurrences in end order, first result per
 * start kept). */
typedef struct span {
    uint64_t start;
    uint32_t len;
} span;
typedef VEC(span) span_list;

static bool keep_first(uint64_t start, uint32_t len, void *u)
{
    span_list *l = u;
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].start == start)
            return true;
    span s = {start, len};
    return vec_push(l, s) || true;
}

static bool atom_at(const re_prog *p, const rx_yatom *y, const uint8_t *d, size_t len, size_t i)
{
    int cs = (p->flags & RE_F_WIDE) ? 2 : 1;
    if (i + (size_t)y->len * (size_t)cs > len)
        return false;
    for (int k = 0; k < y->len; k++) {
        int a = d[i + (size_t)k * (size_t)cs], b = y->bytes[k];
        if (p->flags & RE_F_NOCASE) {
            a = (a >= 'A' && a <= 'Z') ? a + 32 : a;
            b = (b >= 'A' && b <= 'Z') ? b + 32 : b;
        }
        if (a != b || (cs == 2 && d[i + (size_t)k * 2 + 1] != 0))
            return false;
    }
    return true;
}

static void part_matches(const re_prog *p, const re_part *pt, const uint8_t *d, size_t len,
                         size_t from, size_t to, span_list *out)
{
    span_list all = {0};
    size_t lo = from > PART_SPAN ? from - PART_SPAN : 0;
    size_t hi = to + PART_SPAN < len ? to + PART_SPAN : len;
    int cs = (p->flags & RE_F_WIDE) ? 2 : 1;
    if (pt->nyatoms == 0) {
        for (size_t i = from; i < to && i < len; i++)
            verify_part(p, pt, pt->code.fwd_start, -1, d, len, i, keep_first, &all);
    } else {
        /* Scan in order of atom end, as the prefilter reports them. */
        for (size_t end = lo; end <= hi; end++) {
            for (size_t k = 0; k < pt->nyatoms; k++) {
                size_t alen = (size_t)pt->yatoms[k].len * (size_t)cs;
                if (end < alen)
                    continue;
                size_t i = end - alen;
                if (i < lo || !atom_at(p, &pt->yatoms[k], d, len, i))
                    continue;
                verify_part(p, pt, pt->yatoms[k].fwd, pt->yatoms[k].bwd, d, len, i, keep_first,
                            &all);
            }
        }
    }
    for (size_t i = 0; i < all.len; i++)
        if (all.items[i].start >= from && all.items[i].start < to)
            (void)vec_push(out, all.items[i]);
    vec_free(&all);
}

/* Head offsets reachable backward from a match of part k starting at t. */
static void chain_heads(const re_prog *p, size_t k, uint64_t t, const uint8_t *d, size_t len,
                        span_list *heads)
{
    const re_part *pt = &p->parts[k];
    const re_part *prev = &p->parts[k - 1];
    /* previous part must end in [t - gap_max, t - gap_min] */
    if (t < pt->gap_min)
        return;
    uint64_t end_hi = t - pt->gap_min;
    uint64_t end_lo = t > pt->gap_max ? t - pt->gap_max : 0;
    size_t from = end_lo > PART_SPAN ? (size_t)(end_lo - PART_SPAN) : 0;
    span_list ms = {0};
    part_matches(p, prev, d, len, from, (size_t)end_hi, &ms);
    for (size_t i = 0; i < ms.len; i++) {
        uint64_t e = ms.items[i].start + ms.items[i].len;
        if (e < end_lo || e > end_hi)
            continue;
        if (k - 1 == 0) {
            bool dup = false;
            for (size_t j = 0; j < heads->len; j++)
                dup = dup || heads->items[j].start == ms.items[i].start;
            if (!dup)
                (void)vec_push(heads, ms.items[i]);
        } else {
            chain_heads(p, k - 1, ms.items[i].start, d, len, heads);
        }
    }
    vec_free(&ms);
}

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

void re_verify_atom(const re_prog *p, uint32_t atom, const uint8_t *data, size_t len,
                    size_t atom_start, re_match_fn fn, void *user)
{
    if (!p || !data || atom_start > len)
        return;
    const re_part *tail = &p->parts[p->nparts - 1];
    int32_t fwd = tail->code.fwd_start, bwd = -1;
    if (atom != RE_NO_ATOM) {
        if (atom >= tail->nyatoms)
            return;
        fwd = tail->yatoms[atom].fwd;
        bwd = tail->yatoms[atom].bwd;
    }
    if (p->nparts == 1) {
        verify_part(p, tail, fwd, bwd, data, len, atom_start, fn, user);
        return;
    }
    span_list tails = {0};
    verify_part(p, tail, fwd, bwd, data, len, atom_start, keep_first, &tails);
    bool go = true;
    for (size_t i = 0; i < tails.len && go; i++) {
        span_list heads = {0};
        chain_heads(p, p->nparts - 1, tails.items[i].start, data, len, &heads);
        if (heads.len > 1)
            qsort(heads.items, heads.len, sizeof(span), cmp_span);
        uint64_t end = tails.items[i].start + tails.items[i].len;
        for (size_t j = 0; j < heads.len && go; j++) {
            uint64_t l = end - heads.items[j].start;
            if (l <= UINT32_MAX)
                go = fn(heads.items[j].start, (uint32_t)l, user);
        }
        vec_free(&heads);
    }
    vec_free(&tails);
}
