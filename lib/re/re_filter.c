/*
 * re_filter.c - cheap necessary conditions checked before the thread
 * machine. A piece is a sequence of top-level nodes; those of fixed width
 * become runs of per-byte sets, a repeat of one character class adds its
 * minimum count of that class, and anything else only widens the window of
 * offsets (from the verification point P) where the next run may lie. Every
 * match holds every run somewhere in its window, so a hit none of whose
 * windows holds its run cannot match; that is most hits of rules such as
 * /invoke.{0,30}shell/ or /[A-Za-z0-9+\/]{40,}kernel/, where the machine
 * would otherwise run up to 30 threads for 30 bytes per hit to find nothing.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "re_int.h"

#define SET 32           /* bytes per 256-bit set */
#define MAX_RUN 64       /* bytes per probe: more decides nothing more */
#define MAX_EXPAND 4096  /* bytes of one fixed-width node worth expanding */
#define MAX_PROBES 8     /* per filter, the narrowest windows first */
#define MAX_SLOW_WINDOW 64 /* widest window scanned without memchr */
#define MAX_BUILT 64     /* probes collected before choosing: those nearest P
                          * come first, and a hostile pattern stays cheap */

typedef VEC(uint8_t) bytes;
typedef VEC(rx_probe) probes;

typedef struct builder {
    const rx_ast *ast;
    unsigned xf; /* X_NOCASE, X_DOTALL for rx_char_ok */
    bool wide, hex;
    bool back;       /* building runs before P, right to left */
    int64_t lo, hi;  /* window of the current position (forward: next byte's
                      * offset; backward: one past the previous byte) */
    bytes run;       /* sets of the open run (backward: in reverse order) */
    int64_t rlo, rhi; /* window of the open run's first (backward: end) position */
    probes out;
    bool oom;
} builder;

static int64_t sat(int64_t v)
{
    return v > RX_FAR ? RX_FAR : v < -RX_FAR ? -RX_FAR : v;
}

/* Moves the current position over something dmin..dmax bytes wide. */
static void advance(builder *b, uint64_t dmin, uint64_t dmax)
{
    int64_t mn = dmin >= (uint64_t)RX_FAR ? RX_FAR : (int64_t)dmin;
    int64_t mx = dmax >= (uint64_t)RX_FAR ? RX_FAR : (int64_t)dmax;
    if (b->back) {
        b->lo = sat(b->lo - mx);
        b->hi = sat(b->hi - mn);
    } else {
        b->lo = sat(b->lo + mn);
        b->hi = sat(b->hi + mx);
    }
}

static int popcount(const uint8_t *set)
{
    int n = 0;
    for (int i = 0; i < SET; i += 8) {
        uint64_t w;
        memcpy(&w, set + i, 8);
        for (; w; w &= w - 1) /* no popcnt instruction in the baseline ISA */
            n++;
    }
    return n;
}

/* Ends the open run as a probe. */
static void close_run(builder *b)
{
    uint32_t n = (uint32_t)(b->run.len / SET);
    if (n == 0 || b->oom || b->out.len >= MAX_BUILT) {
        b->run.len = 0;
        return;
    }
    rx_probe p = {.len = n, .back = b->back, .key_byte = -1};
    p.sets = malloc(b->run.len);
    if (!p.sets) {
        b->oom = true;
        return;
    }
    for (uint32_t i = 0; i < n; i++) /* a backward run was collected right to left */
        memcpy(p.sets + (size_t)i * SET, b->run.items + (size_t)(b->back ? n - 1 - i : i) * SET,
               SET);
    if (b->back) {
        p.lo = sat(b->rlo - n);
        p.hi = sat(b->rhi - n);
    } else {
        p.lo = b->rlo;
        p.hi = b->rhi;
    }
    /* the key: the narrowest test; among single bytes the rarest (memchr
     * stops at every 00 of a binary) */
    int best = SET * 8 + 1, best_w = -1;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = p.sets + (size_t)i * SET;
        int c = popcount(s), w = -1, v = 0;
        while (c == 1 && !(s[v / 8] >> (v % 8) & 1))
            v++;
        if (c == 1) {
            uint8_t byte = (uint8_t)v;
            w = rx_anchor_score(&byte, 1);
        }
        if (c < best || (c == best && w > best_w)) {
            best = c;
            best_w = w;
            p.key = i;
            p.key_byte = c == 1 ? v : -1;
        }
    }
    if (!vec_push(&b->out, p)) {
        free(p.sets);
        b->oom = true;
    }
    b->run.len = 0;
}

/* Adds one byte test at the current position. */
static void add_set(builder *b, const uint8_t *set)
{
    if (popcount(set) == 256) { /* tests nothing: only moves on */
        close_run(b);
        advance(b, 1, 1);
        return;
    }
    if (b->run.len / SET >= MAX_RUN)
        close_run(b);
    if (b->run.len == 0) {
        b->rlo = b->lo;
        b->rhi = b->hi;
    }
    if (!vec_reserve(&b->run, SET)) {
        b->oom = true;
        return;
    }
    memcpy(b->run.items + b->run.len, set, SET);
    b->run.len += SET;
    advance(b, 1, 1);
}

static bool single_char(rx_kind k)
{
    switch (k) {
    case RX_LIT: case RX_MASKED: case RX_ANY: case RX_CLASS: case RX_WORD: case RX_NWORD:
    case RX_SPACE: case RX_NSPACE: case RX_DIGIT: case RX_NDIGIT:
        return true;
    default:
        return false;
    }
}

static void set_bit(uint8_t *set, int c)
{
    set[c / 8] |= (uint8_t)(1u << (c % 8));
}

static bool letter(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The bytes one character node accepts: the machine's own test for each
 * byte, computed directly for the common kinds (compiling is hot too, as a
 * loaded database compiles each program on first use). */
static void char_set(const builder *b, const rx_node *nd, uint8_t *set)
{
    static const uint8_t ops[] = {
        [RX_LIT] = OP_LIT,     [RX_MASKED] = OP_MASKED, [RX_ANY] = OP_ANY,
        [RX_CLASS] = OP_CLASS, [RX_WORD] = OP_WORD,     [RX_NWORD] = OP_NWORD,
        [RX_SPACE] = OP_SPACE, [RX_NSPACE] = OP_NSPACE, [RX_DIGIT] = OP_DIGIT,
        [RX_NDIGIT] = OP_NDIGIT,
    };
    bool nocase = b->xf & X_NOCASE;
    memset(set, 0, SET);
    switch ((rx_kind)nd->kind) {
    case RX_LIT:
        set_bit(set, nd->value);
        if (nocase && letter(nd->value))
            set_bit(set, nd->value ^ 0x20);
        break;
    case RX_ANY:
        memset(set, 0xFF, SET);
        if (!(b->xf & X_DOTALL))
            set['\n' / 8] &= (uint8_t)~(1u << ('\n' % 8));
        break;
    case RX_CLASS: {
        const rx_class *k = &b->ast->classes.items[nd->cls];
        memcpy(set, k->bits, SET);
        for (int c = 0; nocase && c < 256; c++)
            if (letter(c) && (k->bits[(c ^ 0x20) / 8] >> ((c ^ 0x20) % 8) & 1))
                set_bit(set, c);
        for (int i = 0; k->negated && i < SET; i++)
            set[i] = (uint8_t)~set[i];
        break;
    }
    default:
        for (int c = 0; c < 256; c++)
            if (rx_char_ok(b->ast->classes.items, ops[nd->kind], nd->value, nd->mask, nd->cls, c,
                           b->xf))
                set_bit(set, c);
        return;
    }
#ifndef NDEBUG
    for (int c = 0; c < 256; c++)
        assert(rx_char_ok(b->ast->classes.items, ops[nd->kind], nd->value, nd->mask, nd->cls, c,
                          b->xf) == (bool)(set[c / 8] >> (c % 8) & 1));
#endif
}

/* Appends one character's sets (wide: the character, then 00). */
static bool put_char(bytes *out, const uint8_t *set, bool wide)
{
    static const uint8_t zero[SET] = {1};
    if (!vec_reserve(out, wide ? 2 * SET : SET))
        return false;
    memcpy(out->items + out->len, set, SET);
    out->len += SET;
    if (wide) {
        memcpy(out->items + out->len, zero, SET);
        out->len += SET;
    }
    return true;
}

/* The byte tests of a fixed-width node, appended to out; false when its
 * width varies or it is too long to be worth it. Alternatives of one width
 * test the union of their bytes position by position. */
static bool expand(const builder *b, int32_t n, bytes *out, int depth)
{
    const rx_node *nd = &b->ast->nodes.items[n];
    uint8_t set[SET];
    if (depth > 4 * RX_MAX_DEPTH || out->len / SET > MAX_EXPAND)
        return false;
    if (single_char((rx_kind)nd->kind)) {
        char_set(b, nd, set);
        return put_char(out, set, b->wide);
    }
    switch ((rx_kind)nd->kind) {
    case RX_EMPTY: case RX_WB: case RX_NWB: case RX_BOL: case RX_EOL: case RX_ASSERT:
        return true; /* zero width; the assertion itself is left to the machine */
    case RX_CONCAT:
        for (int32_t c = nd->first; c >= 0; c = b->ast->nodes.items[c].next)
            if (!expand(b, c, out, depth + 1))
                return false;
        return true;
    case RX_RANGE:
        if (nd->start != nd->end || nd->start > MAX_EXPAND)
            return false;
        for (int32_t i = 0; i < nd->start; i++)
            if (!expand(b, nd->first, out, depth + 1))
                return false;
        return true;
    case RX_RANGE_ANY: {
        if (nd->start != nd->end || nd->start > MAX_EXPAND)
            return false;
        rx_node any = {.kind = RX_ANY};
        char_set(b, &any, set);
        for (int32_t i = 0; i < nd->start; i++)
            if (!put_char(out, set, b->wide))
                return false;
        return true;
    }
    case RX_ALT: {
        bytes l = {0}, r = {0};
        bool ok = expand(b, nd->first, &l, depth + 1) && expand(b, nd->last, &r, depth + 1) &&
                  l.len == r.len && vec_reserve(out, l.len);
        if (ok) {
            for (size_t i = 0; i < l.len; i++)
                out->items[out->len + i] = l.items[i] | r.items[i];
            out->len += l.len;
        }
        vec_free(&l);
        vec_free(&r);
        return ok;
    }
    default:
        return false;
    }
}

/* True when a repeat in the subtree has a minimum the machine's 16-bit
 * counters cannot hold: its real minimum is then not rx_bounds'. */
static bool huge_min(const rx_ast *a, int32_t n, int depth)
{
    const rx_node *nd = &a->nodes.items[n];
    if (depth > 4 * RX_MAX_DEPTH)
        return true;
    if ((nd->kind == RX_RANGE || nd->kind == RX_RANGE_ANY) && nd->start > 0xFFFF)
        return true;
    for (int32_t c = nd->first; c >= 0; c = a->nodes.items[c].next)
        if (huge_min(a, c, depth + 1))
            return true;
    return false;
}

/* One top-level node, walking away from P. */
static void add_node(builder *b, int32_t n)
{
    const rx_node *nd = &b->ast->nodes.items[n];
    uint64_t cw = b->wide ? 2 : 1;
    bytes fixed = {0};
    if (expand(b, n, &fixed, 0)) {
        size_t k = fixed.len / SET;
        for (size_t i = 0; i < k && !b->oom; i++)
            add_set(b, fixed.items + (b->back ? k - 1 - i : i) * SET);
        vec_free(&fixed);
        return;
    }
    vec_free(&fixed);
    /* a repeated character: its minimum count of tests joins the run on P's
     * side, the rest is variable */
    const rx_node *body = nd->first >= 0 ? &b->ast->nodes.items[nd->first] : NULL;
    uint8_t set[SET];
    uint64_t mn = 0, mx = 0;
    bool rep = true;
    if (nd->kind == RX_RANGE_ANY) {
        rx_node any = {.kind = RX_ANY};
        char_set(b, &any, set);
        mn = nd->start > 0xFFFF ? 0 : (uint64_t)nd->start;
        mx = (nd->end == RX_UNBOUNDED || (!b->hex && nd->end >= RX_MAX_RANGE)) ? UINT64_MAX
                                                                              : (uint64_t)nd->end;
    } else if ((nd->kind == RX_RANGE || nd->kind == RX_STAR || nd->kind == RX_PLUS) && body &&
               single_char((rx_kind)body->kind)) {
        char_set(b, body, set);
        mn = nd->kind == RX_RANGE ? (uint64_t)nd->start : nd->kind == RX_PLUS ? 1 : 0;
        mx = nd->kind == RX_RANGE && nd->end < RX_MAX_RANGE ? (uint64_t)nd->end : UINT64_MAX;
        if (nd->kind == RX_RANGE && nd->start > 0xFFFF)
            mn = 0;
    } else {
        rep = false;
    }
    if (rep && mn <= MAX_EXPAND) {
        static const uint8_t zero[SET] = {1};
        for (uint64_t i = 0; i < mn && !b->oom; i++) {
            if (b->wide && b->back)
                add_set(b, zero);
            add_set(b, set);
            if (b->wide && !b->back)
                add_set(b, zero);
        }
        close_run(b);
        advance(b, 0, mx == UINT64_MAX ? UINT64_MAX : (mx - mn) * cw);
        return;
    }
    uint32_t bmn, bmx;
    rx_bounds(b->ast, n, &bmn, &bmx, 0);
    if (huge_min(b->ast, n, 0))
        bmn = 0;
    close_run(b);
    advance(b, (uint64_t)bmn * cw, bmx == UINT32_MAX ? UINT64_MAX : (uint64_t)bmx * cw);
}

static int64_t width(const rx_probe *p)
{
    return p->hi - p->lo;
}

static int by_width(const void *x, const void *y)
{
    int64_t a = width(x), b = width(y);
    return a < b ? -1 : a > b;
}

void rx_filter_free(rx_filter *f)
{
    for (uint32_t i = 0; f && i < f->nprobes; i++)
        free(f->probes[i].sets);
    if (f) {
        free(f->probes);
        memset(f, 0, sizeof(*f));
        f->node = -1;
    }
}

vigil_status rx_filter_build(const rx_ast *ast, int32_t root, int32_t node, unsigned flags,
                             bool hex, rx_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->node = node;
    const rx_node *r = &ast->nodes.items[root];
    bool cat = r->kind == RX_CONCAT;
    int32_t first = cat ? r->first : root, at = -1;
    for (int32_t c = first; c >= 0; c = cat ? ast->nodes.items[c].next : -1) {
        if (node < 0 || c == node) {
            at = c;
            break;
        }
    }
    if (at < 0)
        return VIGIL_OK; /* P inside a group: no filter, the machine decides */
    builder b = {.ast = ast, .wide = flags & RE_F_WIDE, .hex = hex};
    b.xf = ((flags & RE_F_NOCASE) ? X_NOCASE : 0) | ((flags & RE_F_DOTALL) || hex ? X_DOTALL : 0);
    for (int32_t c = at; c >= 0 && !b.oom; c = cat ? ast->nodes.items[c].next : -1)
        add_node(&b, c);
    close_run(&b);
    b.back = true;
    b.lo = b.hi = 0;
    for (int32_t c = at == first ? -1 : ast->nodes.items[at].prev; c >= 0 && !b.oom;
         c = ast->nodes.items[c].prev)
        add_node(&b, c);
    close_run(&b);
    vec_free(&b.run);
    f->probes = b.out.items;
    f->nprobes = (uint32_t)b.out.len;
    if (b.oom) {
        rx_filter_free(f);
        return VIGIL_E_NOMEM;
    }
    /* keep the cheap ones: narrow windows, or a byte memchr can find */
    uint32_t k = 0;
    for (uint32_t i = 0; i < f->nprobes; i++) {
        if (width(&f->probes[i]) <= MAX_SLOW_WINDOW || f->probes[i].key_byte >= 0)
            f->probes[k++] = f->probes[i];
        else
            free(f->probes[i].sets);
    }
    f->nprobes = k;
    if (f->nprobes > 1) /* qsort may not be given NULL, even for nothing */
        qsort(f->probes, f->nprobes, sizeof(rx_probe), by_width);
    while (f->nprobes > MAX_PROBES)
        free(f->probes[--f->nprobes].sets);
    return VIGIL_OK;
}

static bool run_at(const rx_probe *p, const uint8_t *d)
{
    for (uint32_t i = 0; i < p->len; i++)
        if (!(p->sets[(size_t)i * SET + d[i] / 8] >> (d[i] % 8) & 1))
            return false;
    return true;
}

/* Whether the run occurs with its first byte at some data[s], a <= s <= z. */
static bool find_run(const rx_probe *p, const uint8_t *data, size_t a, size_t z)
{
    if (p->key_byte >= 0) {
        const uint8_t *q = data + a + p->key, *e = data + z + p->key + 1;
        while (q < e) {
            const uint8_t *h = memchr(q, p->key_byte, (size_t)(e - q));
            if (!h)
                return false;
            if (run_at(p, h - p->key))
                return true;
            q = h + 1;
        }
        return false;
    }
    const uint8_t *ks = p->sets + (size_t)p->key * SET;
    for (size_t s = a; s <= z; s++) {
        uint8_t c = data[s + p->key];
        if ((ks[c / 8] >> (c % 8) & 1) && run_at(p, data + s))
            return true;
    }
    return false;
}

bool rx_filter_pass(const rx_filter *f, const uint8_t *data, size_t len, size_t pos, bool nolimit)
{
    /* the machine reads at most this far from P on either side */
    int64_t flim = (int64_t)(len - pos), blim = (int64_t)pos;
    if (!nolimit) {
        flim = flim > RX_SCAN_LIMIT ? RX_SCAN_LIMIT : flim;
        blim = blim > RX_SCAN_LIMIT ? RX_SCAN_LIMIT : blim;
    }
    for (uint32_t i = 0; i < f->nprobes; i++) {
        const rx_probe *p = &f->probes[i];
        int64_t a = p->lo, z = p->hi;
        if (p->back) {
            a = a < -blim ? -blim : a;
        } else {
            z = z > flim - (int64_t)p->len ? flim - (int64_t)p->len : z;
        }
        if (a > z)
            return false;
        if (!find_run(p, data, (size_t)((int64_t)pos + a), (size_t)((int64_t)pos + z)))
            return false;
    }
    return true;
}
