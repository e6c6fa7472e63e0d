/*
 * re.c - lib/re's public face (re.h): compile a regex or hex string into one
 * or more chained pieces (yara splits at jumps over 200 bytes), expose every
 * piece's atoms, and verify an atom occurrence the way yara's scanner does:
 * forward from the atom for the length, backward (exhaustively) for starts.
 * Where the atom sits in a fixed-width stretch (re_fixed.c), those bytes are
 * tested first, and a piece that is one such stretch needs nothing else;
 * with RE_F_ANCHOR the matcher may look for the stretch's best literal run
 * or masked window instead of yara's atom. Joining the pieces of a chain is
 * re_chain.c's job, at scan time.
 */
#include <stdlib.h>
#include <string.h>

#include "re_int.h"

#define MAX_PARTS RX_MAX_PIECES

typedef struct re_part {
    rx_code code;
    rx_yatom *yatoms;
    size_t nyatoms;
    size_t atom_base;          /* index of its first atom in re_prog.atoms */
    size_t matoms;             /* how many of those atoms are its own */
    uint32_t gap_min, gap_max; /* distance from the previous part's end */
    bool nolimit;              /* yara's fast hex path has no 4096-byte cap */
    bool literal;              /* the piece is plain bytes (yara: a text string) */
    rx_fixed fx;               /* its fixed segments (re_fixed.c) */
    rx_filter *filts;          /* re_filter.c: one per distinct atom node, */
    size_t nfilts;             /* then one for the part's start (RE_NO_ATOM) */
} re_part;

/* How the matcher's atom i maps onto the verifier: the verification point
 * is delta bytes after the atom's first byte; there, yatom (an index into
 * the part's yara atoms) is verified, or with EXACT the part's only segment
 * starts (the anchor of an exact part is not one of yara's atoms). */
#define EXACT UINT32_MAX
typedef struct re_atom_ext {
    uint32_t yatom;
    int32_t delta;
} re_atom_ext;

struct re_prog {
    unsigned flags;
    bool hex, greedy, literal;
    bool mixed_greed; /* greedy and lazy quantifiers both used */
    bool clam;        /* built by re_build.c for a ClamAV pattern (rx_compile_ast) */
    re_part *parts;
    size_t nparts;
    rx_code whole; /* for re_search when the pattern was chained */
    bool has_whole;
    re_atom *atoms;
    re_atom_ext *ext;
    size_t natoms;
    uint32_t minlen, maxlen;
    size_t yara_natoms;   /* yara's own atoms, for its slow-string warnings */
    bool yara_weak;       /* one of them is a single byte */
    bool yara_all_pieces; /* every piece has one */
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
void rx_bounds(const rx_ast *a, int32_t n, uint32_t *mn, uint32_t *mx, int depth)
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
            rx_bounds(a, c, &cmn, &cmx, depth + 1);
            *mn = sat_add(*mn, cmn);
            *mx = sat_add(*mx, cmx);
        }
        break;
    case RX_ALT: {
        uint32_t rmn, rmx;
        rx_bounds(a, nd->first, &cmn, &cmx, depth + 1);
        rx_bounds(a, nd->last, &rmn, &rmx, depth + 1);
        *mn = cmn < rmn ? cmn : rmn;
        *mx = cmx > rmx ? cmx : rmx;
        break;
    }
    case RX_STAR:
    case RX_PLUS:
        rx_bounds(a, nd->first, &cmn, &cmx, depth + 1);
        *mn = nd->kind == RX_PLUS ? cmn : 0;
        *mx = cmx ? UINT32_MAX : 0;
        break;
    case RX_RANGE:
        rx_bounds(a, nd->first, &cmn, &cmx, depth + 1);
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

static bool is_literal_at(const rx_ast *a, int32_t root)
{
    const rx_node *r = &a->nodes.items[root];
    if (r->kind == RX_LIT)
        return true;
    if (r->kind != RX_CONCAT)
        return false;
    for (int32_t c = r->first; c >= 0; c = a->nodes.items[c].next)
        if (a->nodes.items[c].kind != RX_LIT)
            return false;
    return true;
}

static bool is_literal(const rx_ast *a)
{
    return is_literal_at(a, a->root);
}

bool re_is_literal(const re_prog *p)
{
    return p && p->literal;
}

bool re_piece_is_literal(const re_prog *p, size_t piece)
{
    return p && piece < p->nparts && p->parts[piece].literal;
}

void re_free(re_prog *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nparts; i++) {
        rx_code_free(&p->parts[i].code);
        rx_fixed_free(&p->parts[i].fx);
        for (size_t k = 0; k < p->parts[i].nfilts; k++)
            rx_filter_free(&p->parts[i].filts[k]);
        free(p->parts[i].filts);
        free(p->parts[i].yatoms);
    }
    free(p->parts);
    if (p->has_whole)
        rx_code_free(&p->whole);
    free(p->atoms);
    free(p->ext);
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

/* An exact part (or one whose atoms all start at one node of a fixed
 * segment) may be found through the best literal run of its segment instead
 * of yara's atom: every match holds that run at a fixed distance from the
 * verification point. Only for unchained programs the matcher allows it for
 * (RE_F_ANCHOR): the hits then come in the order of the run's end, which for
 * one program keeps yara's order of verification points. */
#define ANCHOR_GOOD 32 /* four uncommon literal bytes */

static bool choose_anchor(const re_prog *p, const re_part *pt, re_atom *o, re_atom_ext *x)
{
    /* a ClamAV chain only asks that a piece's matches come before those of
     * the next piece, which any anchor inside the piece keeps */
    if (!(p->flags & RE_F_ANCHOR) || (p->nparts != 1 && !p->clam))
        return false;
    const rx_seg *sg;
    uint32_t yoff = 0, ylen = 0;
    if (pt->fx.exact) {
        sg = &pt->fx.segs[0];
    } else {
        if (pt->nyatoms == 0 || pt->yatoms[0].seg < 0)
            return false;
        for (size_t j = 0; j < pt->nyatoms; j++) {
            if (pt->yatoms[j].node != pt->yatoms[0].node)
                return false;
            if (pt->yatoms[j].len > ylen)
                ylen = pt->yatoms[j].len;
        }
        if (p->flags & RE_F_WIDE)
            ylen *= 2;
        sg = &pt->fx.segs[pt->yatoms[0].seg];
        yoff = pt->yatoms[0].segoff;
    }
    bool nocase = (p->flags & RE_F_NOCASE) != 0;
    uint32_t off, len, woff, wlen;
    int score, wscore;
    if (!rx_seg_anchor(sg, nocase, &off, &len, &score))
        return false;
    /* A short literal run (x86 code: two opcode bytes between ??s) is
     * everywhere; a window with wildcards lets Vectorscan confirm more bytes
     * before calling back. */
    bool weak = score < ANCHOR_GOOD || len <= RX_YR_ATOM; /* 85 C0 0F 84: test eax; jz */
    bool win = weak && rx_seg_window(sg, nocase, &woff, &wlen, &wscore) &&
               wscore > score + ANCHOR_GOOD / 4;
    if (win) {
        off = woff;
        len = wlen;
    } else if (!pt->fx.exact && len <= ylen) {
        return false; /* yara's atom is as good; keep its hits */
    }
    memset(o, 0, sizeof(*o));
    memcpy(o->bytes, sg->val + off, len);
    o->len = (uint8_t)len;
    o->nocase = nocase;
    if (win) {
        memcpy(o->mask, sg->mask + off, len);
        o->masked = true;
    }
    x->yatom = pt->fx.exact ? EXACT : 0;
    x->delta = pt->fx.exact ? -(int32_t)off : (int32_t)yoff - (int32_t)off;
    return true;
}

/* The matcher's atoms: every piece's, piece by piece, widened for wide. */
static vigil_status build_atoms(re_prog *p)
{
    size_t total = 0;
    p->yara_all_pieces = true;
    for (size_t k = 0; k < p->nparts; k++) {
        total += p->parts[k].nyatoms;
        p->yara_all_pieces = p->yara_all_pieces && p->parts[k].nyatoms > 0;
        for (size_t j = 0; j < p->parts[k].nyatoms; j++)
            p->yara_weak = p->yara_weak ||
                           ((p->flags & RE_F_WIDE) ? 2 : 1) * p->parts[k].yatoms[j].len < 2;
    }
    p->yara_natoms = total;
    total += p->nparts; /* room for one anchor per part */
    p->atoms = calloc(total, sizeof(re_atom));
    p->ext = calloc(total, sizeof(re_atom_ext));
    if (!p->atoms || !p->ext)
        return VIGIL_E_NOMEM;
    size_t i = 0;
    for (size_t k = 0; k < p->nparts; k++) {
        re_part *pt = &p->parts[k];
        pt->atom_base = i;
        if (choose_anchor(p, pt, &p->atoms[i], &p->ext[i])) {
            p->atoms[i++].piece = (uint16_t)k;
            pt->matoms = 1;
            continue;
        }
        pt->matoms = pt->nyatoms;
        for (size_t j = 0; j < pt->nyatoms; j++, i++) {
            re_atom *o = &p->atoms[i];
            const rx_yatom *y = &pt->yatoms[j];
            for (int b = 0; b < y->len; b++) {
                if (p->flags & RE_F_WIDE) {
                    o->bytes[2 * b] = y->bytes[b];
                    o->bytes[2 * b + 1] = 0;
                } else {
                    o->bytes[b] = y->bytes[b];
                }
            }
            o->len = (uint8_t)((p->flags & RE_F_WIDE) ? 2 * y->len : y->len);
            o->nocase = (p->flags & RE_F_NOCASE) != 0;
            o->piece = (uint16_t)k;
            p->ext[i].yatom = (uint32_t)j;
            p->ext[i].delta = 0;
        }
    }
    p->natoms = i;
    return VIGIL_OK;
}

/* Fills every part's fixed segments and places its atoms in them. */
static vigil_status fix_parts(re_prog *p, const rx_ast *ast, const int32_t *roots)
{
    size_t nn = ast->nodes.len;
    int32_t *nseg = malloc((nn ? nn : 1) * sizeof(*nseg));
    uint32_t *noff = calloc(nn ? nn : 1, sizeof(*noff));
    vigil_status st = VIGIL_OK;
    if (!nseg || !noff) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nn; i++)
        nseg[i] = -1;
    for (size_t k = 0; k < p->nparts && st == VIGIL_OK; k++) {
        re_part *pt = &p->parts[k];
        if (p->flags & RE_F_NOFIXED) {
            for (size_t j = 0; j < pt->nyatoms; j++)
                pt->yatoms[j].seg = -1;
            continue;
        }
        st = rx_fixed_build(ast, roots[k], p->flags, p->hex, pt->nolimit, &pt->fx, nseg, noff);
        for (size_t j = 0; st == VIGIL_OK && j < pt->nyatoms; j++) {
            rx_yatom *y = &pt->yatoms[j];
            y->seg = -1;
            if (y->node >= 0 && (size_t)y->node < nn && nseg[y->node] >= 0) {
                y->seg = nseg[y->node];
                y->segoff = noff[y->node];
            }
            /* an exact part must know where each atom sits in it */
            if (pt->fx.exact && y->seg != 0)
                pt->fx.exact = false;
        }
    }
out:
    free(nseg);
    free(noff);
    return st;
}

/* Builds each part's filters: one per node its atoms start at, shared by
 * atoms of one node (nocase and wildcard expansions), and the last one for
 * verification from the part's start. Not for an exact part (its segment is
 * the whole test) nor under RE_F_NOFIXED (the machine alone is the
 * reference the tests hold the filters to). */
static vigil_status filter_parts(re_prog *p, const rx_ast *ast, const int32_t *roots)
{
    for (size_t k = 0; k < p->nparts; k++) {
        re_part *pt = &p->parts[k];
        for (size_t j = 0; j < pt->nyatoms; j++)
            pt->yatoms[j].filt = -1;
        if ((p->flags & RE_F_NOFIXED) || pt->fx.exact)
            continue;
        pt->filts = calloc(pt->nyatoms + 1, sizeof(rx_filter));
        if (!pt->filts)
            return VIGIL_E_NOMEM;
        for (size_t j = 0; j < pt->nyatoms; j++) {
            rx_yatom *y = &pt->yatoms[j];
            for (size_t f = 0; f < pt->nfilts && y->filt < 0; f++)
                if (pt->filts[f].node == y->node)
                    y->filt = (int32_t)f;
            if (y->filt >= 0)
                continue;
            vigil_status st =
                rx_filter_build(ast, roots[k], y->node, p->flags, p->hex, &pt->filts[pt->nfilts]);
            if (st != VIGIL_OK)
                return st;
            y->filt = (int32_t)pt->nfilts++;
        }
        vigil_status st = rx_filter_build(ast, roots[k], -1, p->flags, p->hex,
                                          &pt->filts[pt->nfilts]);
        if (st != VIGIL_OK)
            return st;
        pt->nfilts++;
    }
    return VIGIL_OK;
}

vigil_status rx_compile_ast(rx_ast *a, unsigned flags, bool hex, bool clam, re_prog **out,
                            re_error *err)
{
    re_error scratch;
    vigil_status st;
    int32_t roots[MAX_PARTS];
    uint32_t gmin[MAX_PARTS], gmax[MAX_PARTS];
    re_prog *p = NULL;
    if (!err)
        err = &scratch;
    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (!p) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    p->flags = flags;
    p->hex = hex;
    p->clam = clam;
    p->greedy = a->greedy;
    p->mixed_greed = a->greedy && a->ungreedy;
    p->literal = is_literal(a);
    rx_bounds(a, a->root, &p->minlen, &p->maxlen, 0);
    if (flags & RE_F_WIDE) {
        p->minlen = sat_mul(p->minlen, 2);
        p->maxlen = sat_mul(p->maxlen, 2);
    }
    if (!hex) {
        /* `matches` compiles the regex unsplit, as yr_re_compile does. */
        st = rx_emit(a, a->root, &p->whole, err);
        if (st != VIGIL_OK)
            goto out;
        p->has_whole = true;
    }
    size_t n = split_chain(a, roots, gmin, gmax);
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
        pt->nolimit = clam || (hex && !has_alt(a, roots[i], 0));
        pt->literal = is_literal_at(a, roots[i]);
        st = rx_emit(a, roots[i], &pt->code, err);
        if (st != VIGIL_OK)
            goto out;
        st = rx_choose_atoms(a, roots[i], &pt->yatoms, &pt->nyatoms);
        if (st != VIGIL_OK)
            goto out;
    }
    st = fix_parts(p, a, roots);
    if (st == VIGIL_OK)
        st = filter_parts(p, a, roots);
    if (st == VIGIL_OK)
        st = build_atoms(p);
out:
    if (st != VIGIL_OK) {
        re_free(p);
        p = NULL;
    }
    *out = p;
    return st;
}

static vigil_status compile(const char *src, size_t len, unsigned flags, bool hex, re_prog **out,
                            re_error *err)
{
    rx_ast ast;
    re_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    rx_ast_init(&ast);
    vigil_status st = hex ? rx_parse_hex(src, len, &ast, err) : rx_parse_regex(src, len, &ast, err);
    if (st == VIGIL_OK)
        st = rx_compile_ast(&ast, flags, hex, false, out, err);
    rx_ast_free(&ast);
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

void re_yara_atoms(const re_prog *p, size_t *count, bool *weak, bool *all_pieces)
{
    *count = p ? p->yara_natoms : 0;
    *weak = p && p->yara_weak;
    *all_pieces = p && p->yara_all_pieces;
}

bool re_mixes_greedy(const re_prog *p)
{
    return p && p->mixed_greed;
}

int64_t re_search_length(const re_prog *p, const uint8_t *s, size_t len)
{
    int m = -1;
    if (!p || !p->has_whole)
        return -1;
    if (!rx_exec(&p->whole, p->whole.fwd_start, s, len, 0, xflags(p) | X_SCAN, NULL, NULL, &m,
                 NULL))
        return -1;
    return m >= 0 ? m : -1;
}

bool re_search(const re_prog *p, const uint8_t *s, size_t len)
{
    return re_search_length(p, s, len) >= 0;
}

void re_length_bounds(const re_prog *p, uint32_t *min, uint32_t *max)
{
    *min = p ? p->minlen : 0;
    *max = p ? p->maxlen : UINT32_MAX;
}

/* ---- pieces ---- */

size_t re_piece_count(const re_prog *p)
{
    return p ? p->nparts : 0;
}

bool re_piece_has_atoms(const re_prog *p, size_t piece)
{
    return p && piece < p->nparts && p->parts[piece].matoms > 0;
}

void re_piece_gap(const re_prog *p, size_t piece, uint32_t *gap_min, uint32_t *gap_max)
{
    bool ok = p && piece < p->nparts;
    *gap_min = ok ? p->parts[piece].gap_min : 0;
    *gap_max = ok ? p->parts[piece].gap_max : 0;
}

re_work *re_work_new(void)
{
    return calloc(1, sizeof(re_work));
}

void re_work_free(re_work *w)
{
    re_work_release(w);
    free(w);
}

/* ---- verification ---- */

typedef struct back_ctx {
    size_t pos;
    int fwd;
    re_match_fn emit;
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

/* One piece at one position, as yara's _yr_scan_verify_re_match: the forward
 * code from the atom gives one length; the backward code, run exhaustively,
 * gives every start (bwd < 0: no backward code, yara's empty-atom case). */
void re_verify(const re_prog *p, re_work *w, uint32_t piece, uint32_t atom, const uint8_t *data,
               size_t len, size_t atom_start, re_match_fn fn, void *user)
{
    if (!p || !data || atom_start > len || piece >= p->nparts)
        return;
    const re_part *pt = &p->parts[piece];
    int32_t fwd = pt->code.fwd_start, bwd = -1;
    /* the part's start filter, unless an atom says otherwise */
    const rx_filter *flt = pt->nfilts ? &pt->filts[pt->nfilts - 1] : NULL;
    if (atom != RE_NO_ATOM) {
        if (atom >= p->natoms || p->atoms[atom].piece != piece)
            return;
        const re_atom_ext *x = &p->ext[atom];
        /* the verification point; outside the data no match can hold it */
        if (x->delta < 0 ? atom_start < (size_t)-(int64_t)x->delta
                         : (size_t)x->delta > len - atom_start)
            return;
        atom_start = (size_t)((int64_t)atom_start + x->delta);
        if (x->yatom != EXACT) {
            const rx_yatom *y = &pt->yatoms[x->yatom];
            /* a filter's first probes test the same bytes (its runs at
             * distance 0 on both sides of P), so the segment is only
             * tested where there is none */
            if (y->seg >= 0 && (pt->fx.exact || y->filt < 0 || pt->filts[y->filt].nprobes == 0)) {
                /* the atom's segment must be there around it */
                if (atom_start < y->segoff ||
                    !rx_seg_match(&pt->fx.segs[y->seg], data, len, atom_start - y->segoff))
                    return;
                if (pt->fx.exact) {
                    (void)fn(atom_start - y->segoff, pt->fx.segs[0].len, user);
                    return;
                }
            }
            fwd = y->fwd;
            bwd = y->bwd;
            flt = y->filt >= 0 ? &pt->filts[y->filt] : NULL;
        }
    }
    if (pt->fx.exact && (atom == RE_NO_ATOM || p->ext[atom].yatom == EXACT)) {
        if (rx_seg_match(&pt->fx.segs[0], data, len, atom_start))
            (void)fn(atom_start, pt->fx.segs[0].len, user);
        return;
    }
    if (flt && !rx_filter_pass(flt, data, len, atom_start, pt->nolimit))
        return;
    unsigned xf = xflags(p) | (pt->nolimit ? X_NOLIMIT : 0);
    int fm = -1;
    rx_exec(&pt->code, fwd, data, len, atom_start, xf, NULL, NULL, &fm, w);
    if (fm < 0)
        return;
    if (bwd < 0) {
        if (fm > 0)
            (void)fn(atom_start, (uint32_t)fm, user);
        return;
    }
    back_ctx b = {.pos = atom_start, .fwd = fm, .emit = fn, .user = user};
    rx_exec(&pt->code, bwd, data, len, atom_start, xf | X_BACK | X_EXHAUSTIVE, on_back, &b, NULL,
            w);
}

void re_verify_atom(const re_prog *p, uint32_t atom, const uint8_t *data, size_t len,
                    size_t atom_start, re_match_fn fn, void *user)
{
    if (!p)
        return;
    uint32_t piece = 0;
    if (atom != RE_NO_ATOM) {
        if (atom >= p->natoms)
            return;
        piece = p->atoms[atom].piece;
    }
    re_verify(p, NULL, piece, atom, data, len, atom_start, fn, user);
}
