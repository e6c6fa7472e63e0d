/*
 * scan.c - one Vectorscan pass over the data, exact verification at each
 * hit, and yara's match lists: per string, sorted by offset, one entry per
 * offset (first recorded wins, or re_prefer_for decides for regex/hex), at most
 * MT_MAX_STRING_MATCHES, after which the string is disabled for the rest of
 * the scan as yara does. Chained regex/hex strings (re.h) get their pieces'
 * matches joined by an re_chain in hit order, which is yara's order. Lists,
 * chains and the regex workspace live in the scratch and are reused, so a
 * scan allocates only when a list outgrows every earlier scan.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "match_internal.h"
#include "text.h"

typedef struct mt_list {
    mt_match *items;
    size_t len, cap;
    bool too_many; /* a cap was hit: yara warns about the string */
    bool disabled; /* nothing more is recorded for the string in this scan */
} mt_list;

struct mt_scratch {
    const matcher *m;
    hs_scratch_t *hs;
    mt_list *lists;
    re_chain **chains; /* two per string (chain_slot): its pending chain pieces,
                        * made on first use */
    re_work *work;     /* the regex thread machine's buffers */
    uint32_t n;
    uint32_t *rule_hits; /* per rule: how many of its strings have a match */
    bool any_too_many;   /* some string hit the match cap (mt_too_many) */
    /* what reset() must clear, so that a scan costs nothing per string that
     * saw no match: strings given a match, strings given a chain */
    uint32_t *touched, ntouched;
    size_t *chained, nchained;
    uint32_t *tails; /* per string: ClamAV split patterns' completed tail matches
                      * (mt_clam_count); cleared with the touched lists */
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
    uint32_t cur_string; /* regex callback: which string / program / piece is verified */
    uint8_t cur_prog;
    uint32_t cur_piece;
    const re_prog *cur_re;
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
    s->chains = calloc(s->n ? 2 * (size_t)s->n : 1, sizeof(*s->chains));
    s->work = re_work_new();
    size_t nr = m->p->rules.len;
    s->rule_hits = calloc(nr ? nr : 1, sizeof(*s->rule_hits));
    s->touched = calloc(s->n ? s->n : 1, sizeof(*s->touched));
    s->tails = calloc(s->n ? s->n : 1, sizeof(*s->tails));
    s->chained = calloc(s->n ? 2 * (size_t)s->n : 1, sizeof(*s->chained));
    if (!s->lists || !s->chains || !s->work || !s->rule_hits || !s->touched || !s->chained ||
        !s->tails) {
        mt_scratch_free(s);
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
    if (s->chains) {
        for (size_t i = 0; i < 2 * (size_t)s->n; i++)
            re_chain_free(s->chains[i]);
    }
    free(s->lists);
    free(s->chains);
    free(s->rule_hits);
    free(s->touched);
    free(s->tails);
    free(s->chained);
    re_work_free(s->work);
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

bool mt_clam_count(const mt_scratch *s, uint32_t string_index, size_t *n)
{
    if (!s || string_index >= s->n || s->m->strs[string_index].kind != IR_PAT_CLAMAV ||
        !(s->m->strs[string_index].info & MT_INFO_CHAINED))
        return false;
    *n = s->tails[string_index];
    return true;
}

bool mt_any_too_many(const mt_scratch *s)
{
    return s && s->any_too_many;
}

bool mt_rule_hit(const mt_scratch *s, uint32_t rule)
{
    return s && rule < s->m->p->rules.len && s->rule_hits[rule] > 0;
}

bool mt_too_many(const mt_scratch *s, uint32_t string_index)
{
    return s && s->any_too_many && string_index < s->n && s->lists[string_index].too_many;
}

/* yara -f: the string needs no more matches (see mt_scratch_set_single_match). */
static bool fast_done(const scan_ctx *c, uint32_t si)
{
    const mt_list *l = &c->s->lists[si];
    return (c->flags & MT_FAST) && l->len > 0 && (!c->s->single || c->s->single[si]);
}

/* True when nothing more is to be recorded for string si in this scan. A
 * chained string stays open in fast mode: yara skips only its head piece,
 * and later pieces may still confirm heads already pending. */
static bool string_done(const scan_ctx *c, uint32_t si)
{
    if (c->s->lists[si].disabled)
        return true;
    return !(c->m->strs[si].info & MT_INFO_CHAINED) && fast_done(c, si);
}

/* yara's _yr_scan_add_match_to_list: the cap is checked before the
 * duplicate test, so any verified hit past the cap disables the string.
 * Confirmed chains are added the same way, never replacing (re == NULL). */
static void record(scan_ctx *c, uint32_t si, uint64_t off, uint32_t len, uint8_t key,
                   const re_prog *re)
{
    mt_list *l = &c->s->lists[si];
    if (string_done(c, si))
        return;
    if (l->len >= MT_MAX_STRING_MATCHES) {
        l->too_many = true;
        c->s->any_too_many = true;
        l->disabled = true;
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
    if (l->len == 0) {
        c->s->rule_hits[c->m->p->strings.items[si].rule]++;
        c->s->touched[c->s->ntouched++] = si; /* once per scan: len is 0 until reset */
    }
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
    /* yara turns a literal regex/hex string into a text string, whose fixed
     * offset (`$a at N`) limits where it is searched. */
    if (c->s->fixed && c->s->fixed[si] != MT_NO_FIXED_OFFSET && c->s->fixed[si] != start &&
        re_is_literal(c->cur_re))
        return true;
    if ((c->m->strs[si].flags & IR_SF_FULLWORD) &&
        !mt_fullword_ok(c->data, c->len, (size_t)start, length, c->cur_prog == 1))
        return true;
    record(c, si, start, length, 0, c->cur_re);
    return c->st == VIGIL_OK && !string_done(c, si);
}

/* The chain of program pi of string si: a yara string's ascii and wide
 * programs share one, as in yara; a ClamAV ::wa subsignature's two
 * programs are two patterns in libclamav, whose parts never join. */
static size_t chain_slot(const matcher *m, uint32_t si, uint8_t pi)
{
    return 2 * (size_t)si + (m->strs[si].kind == IR_PAT_CLAMAV ? pi : 0);
}

static bool on_chain_match(uint64_t start, uint32_t length, void *user)
{
    scan_ctx *c = user;
    record(c, c->cur_string, start, length, 0, NULL);
    return c->st == VIGIL_OK && !string_done(c, c->cur_string);
}

/* A match of one piece of a chained string: fullword applies to each piece
 * on its own (yara checks it before the chain logic). */
static bool on_piece_match(uint64_t start, uint32_t length, void *user)
{
    scan_ctx *c = user;
    uint32_t si = c->cur_string;
    if (start > c->len || length > c->len - start)
        return true;
    /* yara makes a literal head piece a text string of its own, and a text
     * string with a fixed offset (`$a at N`) is only looked for there */
    if (c->cur_piece == 0 && c->s->fixed && c->s->fixed[si] != MT_NO_FIXED_OFFSET &&
        c->s->fixed[si] != start && re_piece_is_literal(c->cur_re, 0))
        return true;
    if ((c->m->strs[si].flags & IR_SF_FULLWORD) &&
        !mt_fullword_ok(c->data, c->len, (size_t)start, length, c->cur_prog == 1))
        return true;
    re_chain *ch = c->s->chains[chain_slot(c->m, si, c->cur_prog)];
    re_chain_status cs = re_chain_feed(ch, c->cur_piece, start, length, on_chain_match, c);
    /* a completed tail has recorded (touched) its string's first match */
    if (re_chain_completed(ch) && c->m->strs[si].kind == IR_PAT_CLAMAV &&
        c->s->lists[si].len > 0)
        c->s->tails[si]++;
    switch (cs) {
    case RE_CHAIN_TOO_MANY:
        c->s->lists[si].too_many = true; /* yara warns and disables just this piece */
        c->s->any_too_many = true;
        return false;
    case RE_CHAIN_NOMEM:
        c->st = VIGIL_E_NOMEM;
        return false;
    case RE_CHAIN_STOP:
        return false;
    default:
        return c->st == VIGIL_OK && !string_done(c, si) && !re_chain_disabled(ch, c->cur_piece);
    }
}

/* The program, compiled on first use; NULL (with c->st set) on failure. */
static const re_prog *get_prog(scan_ctx *c, uint32_t si, uint8_t pi)
{
    vigil_status st = VIGIL_OK;
    const re_prog *prog = mt_prog(c->m, si, pi, &st);
    if (!prog && c->st == VIGIL_OK)
        c->st = st != VIGIL_OK ? st : VIGIL_E_CORRUPT;
    return prog;
}

/* Verifies one piece (or the whole unchained program) at pos. */
static void verify_re(scan_ctx *c, uint32_t si, uint8_t pi, uint32_t piece, uint32_t atom,
                      size_t pos)
{
    const re_prog *prog = get_prog(c, si, pi);
    if (!prog)
        return;
    size_t slot = chain_slot(c->m, si, pi);
    re_chain *ch = c->s->chains[slot];
    c->cur_string = si;
    c->cur_prog = pi;
    c->cur_piece = piece;
    c->cur_re = prog;
    if (!ch && (c->m->strs[si].info & MT_INFO_CHAINED)) {
        /* a yara string's two programs share its chain (chain_slot), made from either */
        vigil_status st = re_chain_new(prog, &c->s->chains[slot]);
        if (st != VIGIL_OK) {
            c->st = st;
            return;
        }
        c->s->chained[c->s->nchained++] = slot; /* chains live as long as the scratch */
        ch = c->s->chains[slot];
        if (c->m->strs[si].kind == IR_PAT_CLAMAV)
            re_chain_keep_heads(ch);
    }
    if (!ch) {
        re_verify(prog, c->s->work, piece, atom, c->data, c->len, pos, on_re_match, c);
        return;
    }
    /* yara skips a disabled piece, and in fast mode the head piece of a
     * string that already has a match. */
    if (re_chain_disabled(ch, piece) || (piece == 0 && fast_done(c, si)))
        return;
    re_verify(prog, c->s->work, piece, atom, c->data, c->len, pos, on_piece_match, c);
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
    if (id >= c->m->forms.len) {
        c->st = VIGIL_E_CORRUPT; /* a stored database that does not fit its tables */
        return 1;
    }
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
    default: {
        const re_prog *prog = get_prog(c, si, f->prog);
        const re_atom *a = re_atom_get(prog, f->atom);
        if (a)
            verify_re(c, si, f->prog, a->piece, f->atom, (size_t)start);
        else if (prog)
            c->st = VIGIL_E_CORRUPT;
        break;
    }
    }
    return c->st == VIGIL_OK ? 0 : 1;
}

static bool atom_at(const re_atom *a, const uint8_t *d, size_t len, size_t i)
{
    if (a->len > len || i > len - a->len)
        return false;
    for (size_t k = 0; k < a->len; k++) {
        int x = d[i + k], y = a->bytes[k];
        if (a->masked)
            x &= a->mask[k];
        if (a->nocase) {
            x = (x >= 'A' && x <= 'Z') ? x + 32 : x;
            y = (y >= 'A' && y <= 'Z') ? y + 32 : y;
        }
        if (x != y)
            return false;
    }
    return true;
}

/* A chained string with a piece that has no atom: its pieces must still be
 * seen in yara's order (by position, atoms ending there first, then the
 * atom-less pieces starting there), so the whole string is swept here instead
 * of going through Vectorscan. */
static void sweep_chain(scan_ctx *c, uint32_t si)
{
    const re_prog *progs[2] = {NULL, NULL};
    for (uint8_t pi = 0; pi < 2; pi++) {
        if (c->m->strs[si].info & (pi ? MT_INFO_WIDE : MT_INFO_ASCII)) {
            progs[pi] = get_prog(c, si, pi);
            if (!progs[pi])
                return;
        }
    }
    for (size_t pos = 0; pos <= c->len && c->st == VIGIL_OK && !string_done(c, si); pos++) {
        for (uint8_t pi = 0; pi < 2; pi++) {
            const re_prog *prog = progs[pi];
            size_t na = re_atom_count(prog);
            for (size_t k = 0; k < na; k++) {
                const re_atom *a = re_atom_get(prog, k);
                if (a->len <= pos && atom_at(a, c->data, c->len, pos - a->len))
                    verify_re(c, si, pi, a->piece, (uint32_t)k, pos - a->len);
            }
        }
        for (uint8_t pi = 0; pi < 2 && pos < c->len; pi++) {
            const re_prog *prog = progs[pi];
            for (size_t piece = 0; prog && piece < re_piece_count(prog); piece++)
                if (!re_piece_has_atoms(prog, piece))
                    verify_re(c, si, pi, (uint32_t)piece, RE_NO_ATOM, pos);
        }
    }
}

static void reset(mt_scratch *s)
{
    if (s->any_too_many) {
        /* caps are rare; the flags they set are cleared the long way */
        for (uint32_t i = 0; i < s->n; i++) {
            s->lists[i].too_many = false;
            s->lists[i].disabled = false;
        }
        s->any_too_many = false;
    }
    for (uint32_t k = 0; k < s->ntouched; k++) {
        s->lists[s->touched[k]].len = 0;
        s->tails[s->touched[k]] = 0;
    }
    s->ntouched = 0;
    for (size_t k = 0; k < s->nchained; k++)
        re_chain_reset(s->chains[s->chained[k]]);
    memset(s->rule_hits, 0, s->m->p->rules.len * sizeof(*s->rule_hits));
}

/* Gives back the pages of a mapped file that the scan has passed, keeping a
 * margin for verifiers that look back from a hit. Only called for read-only
 * file mappings (MT_DROP_BEHIND): dropped pages are read again from the file
 * if the evaluator touches them later, so this bounds memory, not results. */
#define DROP_MARGIN ((size_t)1 << 20)
static void drop_behind(const uint8_t *data, size_t *dropped, size_t pos)
{
    size_t page = 4096;
    if (pos <= DROP_MARGIN)
        return;
    size_t upto = (pos - DROP_MARGIN) & ~(page - 1);
    uintptr_t base = (uintptr_t)data;
    if (base % page || upto <= *dropped)
        return;
    madvise((void *)(base + *dropped), upto - *dropped, MADV_DONTNEED);
    *dropped = upto;
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
        size_t pos = 0, dropped = 0;
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
            if (flags & MT_DROP_BEHIND)
                drop_behind(data, &dropped, pos);
        }
    }
    /* Programs without atoms: yara verifies them at every offset. */
    for (size_t k = 0; k < m->sweeps.len; k++) {
        const mt_sweep *sw = &m->sweeps.items[k];
        if (m->strs[sw->string].info & MT_INFO_CHAINED) {
            /* both programs of the string share one chain: sweep them together */
            if (k > 0 && m->sweeps.items[k - 1].string == sw->string)
                continue;
            sweep_chain(&c, sw->string);
        } else {
            for (size_t off = 0; off < len && !string_done(&c, sw->string); off++)
                verify_re(&c, sw->string, (uint8_t)sw->prog, 0, RE_NO_ATOM, off);
        }
        if (c.st != VIGIL_OK)
            return c.st;
    }
    return c.st;
}

vigil_status matcher_scan(const matcher *m, mt_scratch *s, const uint8_t *data, size_t len,
                          unsigned flags)
{
    /* hs_scan takes an unsigned length: 2 GiB chunks keep far from it. A
     * mapped file is scanned in 32 MiB chunks so that the pages behind the
     * scan can be given back as it goes. */
    size_t chunk = (flags & MT_DROP_BEHIND) ? (size_t)32 << 20 : (size_t)1 << 31;
    if (chunk <= m->max_lit)
        chunk = (size_t)1 << 31;
    return mt_scan_chunked(m, s, data, len, flags, chunk);
}
