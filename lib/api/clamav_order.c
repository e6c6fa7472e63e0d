/*
 * clamav_order.c - the order in which clamscan reports the signatures that
 * match in one pass over an object (its first one is the verdict without
 * --allmatch). libclamav reads the object in buffers of 128 KiB that
 * overlap by the longest pattern (maxpatlen, computed at compile time) and
 * scans each with the target type's matcher, then the generic (target 0)
 * one; each runs Boyer-Moore for plain literals first (in the order its
 * scan reaches them: a pattern is filed under 3 of its bytes, not always
 * its first, and at one position the later-loaded pattern comes first),
 * then Aho-Corasick (in the order their matches end). A match inside an
 * overlap is reported by both buffers. Logical signatures come after the
 * hashes, the target type's before the generic ones, each in load order.
 * Checked with clamscan 1.4.6 (tests/e2e/clamscan_e2e.py,
 * tests/diff/clam_realfiles_diff.py).
 */
#include <stdlib.h>
#include <string.h>

#include "../util/hex.h"
#include "scanner_int.h"

/* libclamav's SCANBUFF: the unit cli_scan_fmap reads and matches. */
#define CLAM_SCANBUFF 131072u


/* A VI body test, `clamav-vi(#s) > 0` (lib/clamav/lower.c): its VI node. */
static const ir_node *vi_test(const ir_program *p, const ir_node *n)
{
    if (n->op != IR_OP_GT || n->a >= p->nodes.len)
        return NULL;
    const ir_node *vi = &p->nodes.items[n->a];
    return vi->op == IR_OP_CLAM_VI && vi->a < p->nodes.len ? vi : NULL;
}

const ir_node *api_clam_body_test(const ir_program *p, uint32_t cond)
{
    for (int depth = 0; depth < 2 && cond < p->nodes.len; depth++) {
        const ir_node *n = &p->nodes.items[cond];
        if (n->op == IR_OP_STR_FOUND || n->op == IR_OP_STR_IN)
            return n;
        if (vi_test(p, n))
            return vi_test(p, n);
        if (n->op != IR_OP_AND || n->b >= p->nodes.len)
            return NULL;
        const ir_node *b = &p->nodes.items[n->b];
        if (b->op == IR_OP_STR_FOUND || b->op == IR_OP_STR_IN)
            return b;
        if (vi_test(p, b))
            return vi_test(p, b);
        cond = n->a;
    }
    return NULL;
}

/* Whether a condition gates on a target other than 0 (the target block's
 * IR_OP_CLAM_TARGET node, somewhere in its and/or spine). */
static bool has_target(const ir_program *p, uint32_t n, int depth)
{
    if (n >= p->nodes.len || depth > 12)
        return false;
    const ir_node *x = &p->nodes.items[n];
    if (x->op == IR_OP_CLAM_TARGET)
        return x->aux != 0;
    if (x->op == IR_OP_AND || x->op == IR_OP_OR)
        return has_target(p, x->a, depth + 1) || has_target(p, x->b, depth + 1);
    return false;
}

/* The target gate of a body signature's condition (cv_lower_ndb: the gate
 * `and` the string test), 0 without one. */
static uint32_t body_target(const ir_program *p, uint32_t cond)
{
    if (cond >= p->nodes.len || p->nodes.items[cond].op != IR_OP_AND)
        return 0;
    uint32_t a = p->nodes.items[cond].a;
    if (a >= p->nodes.len || p->nodes.items[a].op != IR_OP_CLAM_TARGET)
        return 0;
    return p->nodes.items[a].aux;
}

/* libclamav's Boyer-Moore hash of 3 bytes (matcher-bm.c). */
#define BM_HASH(a, b, c) (211u * (a) + 37u * (b) + (c))
#define BM_BUCKETS (BM_HASH(255u, 255u, 255u) + 1u)

/* cli_bm_addpatt files a pattern under the hash of the first 3 of its
 * bytes whose bucket is still empty when it is loaded (else its first 3),
 * and the matcher finds it when its scan reaches those bytes: the shift of
 * each Boyer-Moore rule, replayed over the rules in load order, one bucket
 * table per matcher root (targets 0 and 1). */
static vigil_status bm_shifts(vigil_scanner *s)
{
    const ir_program *p = &s->db->prog;
    uint8_t *used = calloc(2 * (size_t)BM_BUCKETS, 1);
    s->bm_shift = calloc(p->rules.len ? p->rules.len : 1, sizeof(*s->bm_shift));
    if (!used || !s->bm_shift) {
        free(used);
        return VIGIL_E_NOMEM;
    }
    for (size_t i = 0; i < p->rules.len; i++) {
        if (!s->clam_rank[i] || (s->clam_rank[i] & CLAM_RANK_AC) ||
            !(p->rules.items[i].flags & IR_RULE_EARLY))
            continue;
        const ir_rule *r = &p->rules.items[i];
        const ir_string *str = &p->strings.items[r->strings_first];
        const char *src = ir_str(p, str->src);
        uint8_t *bucket = used + (body_target(p, r->cond) == 1 ? BM_BUCKETS : 0);
        uint32_t n = str->src_len / 2, shift = 0, idx = 0;
        for (uint32_t k = 0; k + 3 <= n; k++) {
            unsigned b[3];
            bool hex = true;
            for (int j = 0; j < 3; j++) {
                int hi = util_hex_digit(src[2 * (k + j)]), lo = util_hex_digit(src[2 * (k + j) + 1]);
                hex = hex && hi >= 0 && lo >= 0;
                b[j] = hex ? (unsigned)(hi << 4 | lo) : 0;
            }
            if (!hex)
                break;
            uint32_t h = BM_HASH(b[0], b[1], b[2]);
            if (k == 0)
                idx = h;
            if (!bucket[h]) {
                shift = k;
                idx = h;
                break;
            }
        }
        bucket[idx] = 1;
        s->bm_shift[i] = (uint16_t)(shift > UINT16_MAX ? UINT16_MAX : shift);
    }
    free(used);
    return VIGIL_OK;
}

vigil_status api_clam_order_init(vigil_scanner *s)
{
    const ir_program *p = &s->db->prog;
    size_t n = p->rules.len ? p->rules.len : 1;
    s->clam_rank = calloc(n, 1);
    if (!s->clam_rank)
        return VIGIL_E_NOMEM;
    for (size_t i = 0; i < p->rules.len; i++) {
        const ir_rule *r = &p->rules.items[i];
        if (r->ns != s->clam_ns || (r->flags & IR_RULE_PRIVATE))
            continue;
        uint8_t rank = CLAM_RANK_CLAM;
        if (!has_target(p, r->cond, 0))
            rank |= CLAM_RANK_GENERIC;
        if ((r->flags & IR_RULE_EARLY) && !(r->flags & IR_RULE_CLAM_BM))
            rank |= CLAM_RANK_AC;
        s->clam_rank[i] = rank;
    }
    return bm_shifts(s);
}

static int by_key(const void *a, const void *b)
{
    const clam_keyed *x = a, *y = b;
    if (x->chunk != y->chunk)
        return x->chunk < y->chunk ? -1 : 1;
    /* the target type's matcher before the generic one, Boyer-Moore
     * before Aho-Corasick */
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    /* Boyer-Moore keeps a bucket's patterns newest first */
    if (x->bm && y->bm)
        return x->rule > y->rule ? -1 : x->rule < y->rule;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* The pass's maxpatlen: libclamav's read buffers overlap by the longest
 * pattern of the generic matcher root and the target type's (cli_scan_fmap);
 * 0 when the pass is not read in such buffers. */
static uint32_t pass_overlap(const vigil_scanner *s)
{
    if (!s->cur_in || !s->cur_in->clam || s->buffer_view)
        return 0;
    uint32_t targets = ((const cv_objinfo *)s->cur_in->clam)->targets, m = 0;
    for (uint32_t t = 0; t < 16; t++)
        if ((targets >> t & 1) && s->db->clam_maxpatlen[t] > m)
            m = s->db->clam_maxpatlen[t];
    return m < CLAM_SCANBUFF ? m : 0;
}

/* libclamav reads an object of len bytes in CLAM_SCANBUFF buffers, each
 * starting overlap bytes before the end of the one before (the next is
 * read only after a full one): the buffers that report a match [s, e),
 * from *first on (a match inside an overlap is reported twice). */
static uint64_t buffers_with(uint64_t len, uint32_t overlap, uint64_t s, uint64_t e,
                             uint64_t *first)
{
    uint64_t step = CLAM_SCANBUFF - overlap;
    uint64_t lo = e > CLAM_SCANBUFF ? (e - CLAM_SCANBUFF + step - 1) / step : 0;
    uint64_t hi = s / step, n = 0;
    *first = lo;
    /* buffer k exists when buffer k-1 was full */
    for (uint64_t k = lo; k <= hi && (k == 0 || (k - 1) * step + CLAM_SCANBUFF <= len); k++)
        n++;
    return n;
}

/* Where libclamav's matcher reports each match of body signature r in its
 * offset range (its start for Boyer-Moore, its end for Aho-Corasick): all
 * of them, or the first only. false when r has none (or no string test). */
static bool add_hits(vigil_scanner *s, uint32_t r, uint8_t rank, bool every)
{
    const ir_program *p = &s->db->prog;
    const ir_node *t = api_clam_body_test(p, p->rules.items[r].cond);
    clam_keyed e = {.rule = r, .rank = rank};
    if (!t || !s->matched)
        return vec_push(&s->order_keys, e);
    /* a VI test (its string is its count node's): the matches at the
     * object's version-information offsets */
    bool vi = t->op == IR_OP_CLAM_VI;
    uint32_t str = vi ? p->nodes.items[t->a].a : t->a;
    if (str >= p->strings.len || (vi && !s->cur_in))
        return vec_push(&s->order_keys, e);
    if (every)
        api_scan_full_matches(s, str);
    size_t n = 0, found = 0;
    const mt_match *m = mt_matches(s->ms, str, &n);
    int64_t lo = 0, hi = INT64_MAX;
    if (t->op == IR_OP_STR_IN && (!s->cur_in || !ev_range_value(s->ev, s->cur_in, t->b, &lo, &hi)))
        return vec_push(&s->order_keys, e);
    uint32_t overlap = pass_overlap(s);
    for (size_t k = 0; k < n && (every || found == 0); k++) {
        if ((int64_t)m[k].offset < lo || (int64_t)m[k].offset > hi)
            continue;
        if (vi && !ev_clam_vi_key(s->ev, s->cur_in, m[k].offset))
            continue;
        e.bm = !(rank & CLAM_RANK_AC);
        e.pos = e.bm ? m[k].offset + s->bm_shift[r] : m[k].offset + m[k].length;
        e.chunk = e.pos / CLAM_SCANBUFF;
        uint64_t times = 1;
        if (overlap && s->len > CLAM_SCANBUFF) {
            times = buffers_with(s->len, overlap, m[k].offset, m[k].offset + m[k].length,
                                 &e.chunk);
            if (times == 0)
                times = 1; /* not reported by any buffer: keep the old rule */
            if (!every)
                times = 1;
        }
        for (uint64_t d = 0; d < times; d++, e.chunk++)
            if (!vec_push(&s->order_keys, e))
                return false;
        found++;
    }
    /* a split pattern counts its completed tails, as clamscan (see
     * mt_clam_count); the extra reports follow the last match */
    size_t tails;
    if (every && t->op == IR_OP_STR_FOUND && mt_clam_count(s->ms, t->a, &tails))
        for (; found < tails; found++)
            if (!vec_push(&s->order_keys, e))
                return false;
    if (found == 0)
        return vec_push(&s->order_keys, ((clam_keyed){.rule = r, .rank = rank}));
    return true;
}

size_t api_clam_order(vigil_scanner *s, bool early, const uint8_t *results)
{
    const ir_program *p = &s->db->prog;
    bool every = early && (s->flags & VIGIL_SCAN_EVERY_MATCH);
    s->order_keys.len = 0;
    for (uint32_t i = 0; i < p->rules.len; i++) {
        uint8_t rank = s->clam_rank[i];
        if (!(rank & CLAM_RANK_CLAM) || !results[i] ||
            !(p->rules.items[i].flags & IR_RULE_EARLY) != !early)
            continue;
        bool ok = early ? add_hits(s, i, rank, every)
                        : vec_push(&s->order_keys, ((clam_keyed){.rule = i, .rank = rank}));
        if (!ok)
            break; /* out of memory: what is sorted so far is reported */
    }
    if (s->order_keys.len > 1)
        qsort(s->order_keys.items, s->order_keys.len, sizeof(clam_keyed), by_key);
    return s->order_keys.len;
}

uint32_t api_clam_order_rule(const vigil_scanner *s, size_t k)
{
    return s->order_keys.items[k].rule;
}
