/*
 * scan.c - one Vectorscan pass over the data, exact verification at each
 * hit, and yara's match lists: per string, sorted by offset, one entry per
 * offset (first recorded wins, or re_prefer_for decides for regex/hex), at most
 * MT_MAX_STRING_MATCHES, after which the string is disabled for the rest of
 * the scan as yara does. Lists live in the scratch and are reused, so a scan
 * allocates only when a list outgrows every earlier scan.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"
#include "text.h"

typedef struct mt_list {
    mt_match *items;
    size_t len, cap;
    bool too_many;
} mt_list;

struct mt_scratch {
    const matcher *m;
    hs_scratch_t *hs;
    mt_list *lists;
    uint32_t n;
    const uint8_t *single; /* see mt_scratch_set_single_match */
    const uint64_t *fixed; /* see mt_scratch_set_fixed_offsets */
};

typedef struct scan_ctx {
    const matcher *m;
    mt_scratch *s;
    const uint8_t *data;
    size_t len;
    uint64_t base;    /* offset of the current chunk in data */
    uint64_t min_end; /* hits ending at or before this were seen in the previous chunk */
    unsigned flags;
    vigil_status st;
    uint32_t cur_string; /* regex callback: which string / program is verified */
    uint8_t cur_prog;
} scan_ctx;

vigil_status mt_scratch_new(const matcher *m, mt_scratch **out)
{
    if (!m || !out)
        return VIGIL_E_ARG;
    *out = NULL;
    mt_scratch *s = calloc(1, sizeof(*s));
    if (!s)
        return VIGIL_E_NOMEM;
    s->m = m;
    s->n = m->nstrings;
    s->lists = calloc(s->n ? s->n : 1, sizeof(*s->lists));
    if (!s->lists) {
        free(s);
        return VIGIL_E_NOMEM;
    }
    if (m->db) {
        hs_error_t rc = hs_alloc_scratch(m->db, &s->hs);
        if (rc != HS_SUCCESS) {
            mt_scratch_free(s);
            return rc == HS_NOMEM ? VIGIL_E_NOMEM : VIGIL_E_INTERNAL;
        }
    }
    *out = s;
    return VIGIL_OK;
}

void mt_scratch_free(mt_scratch *s)
{
    if (!s)
        return;
    if (s->hs)
        hs_free_scratch(s->hs);
    if (s->lists) {
        for (uint32_t i = 0; i < s->n; i++)
            free(s->lists[i].items);
    }
    free(s->lists);
    free(s);
}

void mt_scratch_set_single_match(mt_scratch *s, const uint8_t *single)
{
    if (s)
        s->single = single;
}

void mt_scratch_set_fixed_offsets(mt_scratch *s, const uint64_t *fixed)
{
    if (s)
        s->fixed = fixed;
}

const mt_match *mt_matches(const mt_scratch *s, uint32_t string_index, size_t *n)
{
    if (!s || string_index >= s->n) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = s->lists[string_index].len;
    return s->lists[string_index].items;
}

bool mt_too_many(const mt_scratch *s, uint32_t string_index)
{
    return s && string_index < s->n && s->lists[string_index].too_many;
}

/* True when nothing more is to be recorded for string si in this scan. */
static bool string_done(const scan_ctx *c, uint32_t si)
{
    const mt_list *l = &c->s->lists[si];
    if (l->too_many)
        return true;
    return (c->flags & MT_FAST) && l->len > 0 && (!c->s->single || c->s->single[si]);
}

/* yara's _yr_scan_add_match_to_list: the cap is checked before the
 * duplicate test, so any verified hit past the cap disables the string. */
static void record(scan_ctx *c, uint32_t si, uint64_t off, uint32_t len, uint8_t key,
                   const re_prog *re)
{
    mt_list *l = &c->s->lists[si];
    if (string_done(c, si))
        return;
    if (l->len >= MT_MAX_STRING_MATCHES) {
        l->too_many = true;
        return;
    }
    size_t i = l->len;
    while (i > 0 && l->items[i - 1].offset > off)
        i--;
    if (i > 0 && l->items[i - 1].offset == off) {
        if (re && re_prefer_for(re, l->items[i - 1].length, len))
            l->items[i - 1].length = len;
        return;
    }
    if (!vec_reserve(l, 1)) {
        c->st = VIGIL_E_NOMEM;
        return;
    }
    memmove(l->items + i + 1, l->items + i, (l->len - i) * sizeof(*l->items));
    memset(&l->items[i], 0, sizeof(l->items[i])); /* no stray padding bytes for callers */
    l->items[i].offset = off;
    l->items[i].length = len;
    l->items[i].xor_key = key;
    l->len++;
}

static bool on_re_match(uint64_t start, uint32_t length, void *user)
{
    scan_ctx *c = user;
    uint32_t si = c->cur_string;
    if (start > c->len || length > c->len - start)
        return true; /* lib/re promised never to report this; ignore it */
    if ((c->m->strs[si].flags & IR_SF_FULLWORD) &&
        !mt_fullword_ok(c->data, c->len, (size_t)start, length, c->cur_prog == 1))
        return true;
    record(c, si, start, length, 0, c->m->strs[si].prog[c->cur_prog]);
    return c->st == VIGIL_OK && !string_done(c, si);
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned hflags,
                  void *ctx)
{
    (void)from;
    (void)hflags;
    scan_ctx *c = ctx;
    uint64_t end = c->base + to;
    if (end <= c->min_end)
        return 0;
    const mt_form *f = &c->m->forms.items[id];
    uint32_t si = f->string;
    if (string_done(c, si))
        return 0;
    uint64_t start = end - f->len;
    const mt_str *ms = &c->m->strs[si];
    switch (f->kind) {
    case MT_FORM_TEXT: {
        if (c->s->fixed && c->s->fixed[si] != MT_NO_FIXED_OFFSET && c->s->fixed[si] != start)
            break;
        uint8_t key = 0;
        uint32_t n;
        if (ms->fits) {
            /* yara takes the atom (= this whole form) as the match; at a
             * shared start the shortest form is found, hence recorded, first. */
            n = f->len;
            if ((ms->flags & IR_SF_XOR) && !(ms->flags & IR_SF_NOCASE))
                key = c->data[start] ^ ms->text[0];
        } else {
            n = mt_text_verify(ms->text, ms->text_len, ms->flags, c->data, c->len, (size_t)start,
                               &key);
        }
        if (n == 0)
            break;
        if ((ms->flags & IR_SF_FULLWORD) &&
            !mt_fullword_ok(c->data, c->len, (size_t)start, n, n == 2 * ms->text_len))
            break;
        record(c, si, start, n, key, NULL);
        break;
    }
    case MT_FORM_B64:
        record(c, si, start, f->len, 0, NULL);
        break;
    default:
        c->cur_string = si;
        c->cur_prog = f->prog;
        re_verify_atom(ms->prog[f->prog], f->atom, c->data, c->len, (size_t)start, on_re_match, c);
        break;
    }
    return c->st == VIGIL_OK ? 0 : 1;
}

static void reset(mt_scratch *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        s->lists[i].len = 0;
        s->lists[i].too_many = false;
    }
}

vigil_status mt_scan_chunked(const matcher *m, mt_scratch *s, const uint8_t *data, size_t len,
                             unsigned flags, size_t chunk)
{
    if (!m || !s || s->m != m || (!data && len))
        return VIGIL_E_ARG;
    if (chunk <= m->max_lit || chunk > UINT_MAX)
        return VIGIL_E_ARG;
    reset(s);
    scan_ctx c = {.m = m, .s = s, .data = data, .len = len, .flags = flags, .st = VIGIL_OK};
    if (m->db && len) {
        /* Chunks overlap by the longest literal, so a literal crossing a
         * boundary is whole in the next chunk; hits that end inside the
         * overlap were already reported by the previous chunk. */
        size_t pos = 0;
        for (;;) {
            size_t n = len - pos < chunk ? len - pos : chunk;
            c.base = pos;
            hs_error_t rc =
                hs_scan(m->db, (const char *)data + pos, (unsigned)n, 0, s->hs, on_hit, &c);
            if (rc == HS_SCAN_TERMINATED)
                return c.st;
            if (rc != HS_SUCCESS)
                return rc == HS_NOMEM ? VIGIL_E_NOMEM : VIGIL_E_INTERNAL;
            if (n == len - pos)
                break;
            c.min_end = pos + n;
            pos = pos + n - m->max_lit;
        }
    }
    /* Programs without atoms: yara verifies them at every offset. */
    for (size_t k = 0; k < m->sweeps.len; k++) {
        const mt_sweep *sw = &m->sweeps.items[k];
        const re_prog *prog = m->strs[sw->string].prog[sw->prog];
        c.cur_string = sw->string;
        c.cur_prog = (uint8_t)sw->prog;
        for (size_t off = 0; off < len && !string_done(&c, sw->string); off++) {
            re_verify_atom(prog, RE_NO_ATOM, data, len, off, on_re_match, &c);
            if (c.st != VIGIL_OK)
                return c.st;
        }
    }
    return c.st;
}

vigil_status matcher_scan(const matcher *m, mt_scratch *s, const uint8_t *data, size_t len,
                          unsigned flags)
{
    /* hs_scan takes an unsigned length: 2 GiB chunks keep far from it. */
    return mt_scan_chunked(m, s, data, len, flags, (size_t)1 << 31);
}
