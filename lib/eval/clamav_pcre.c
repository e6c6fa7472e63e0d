/*
 * clamav_pcre.c - IR_OP_CLAM_PCRE: a PCRE subsignature of a ClamAV logical
 * signature, counted as libclamav 1.4's cli_pcre_scanbuf counts it
 * (matcher-pcre.c, regex_pcre.c). libclamav runs every PCRE after the whole
 * object went through its hex matcher, so a trigger sees the final counts of
 * the hex and byte-compare subsignatures, and those of the PCREs before it
 * (a trigger may only name earlier subsignatures). For one object:
 *
 *   - the trigger must hold, else the count is 0;
 *   - the Offset: prefix gives a start S and a shift (hi - lo of its range;
 *     "*" is S = 0, unanchored, and so is S = -1, libclamav's 32-bit
 *     reading of EOF-n or EP-n one byte before the object). An offset the
 *     object does not have, or S >= filesize, gives 0. Without the r flag, an offset with shift 0
 *     anchors the match at S;
 *   - the subject is the object from S on (PCRE's ^ and lookbehind see S as
 *     the start); with e and a shift it is cut to `shift` bytes, without e a
 *     match starting more than `shift` bytes after S ends the search;
 *   - g repeats the search from the end of the previous match; each match
 *     counts once when it starts after the last counted one (lsig_sub_matched).
 *
 * Patterns compile lazily, once per scanner, with libclamav's options (no
 * UTF, no JIT) and its default limits: 100000 for the match limit and 2000
 * for the depth ("recursion") limit. A search that hits a limit is no match,
 * as in libclamav. Divergence: a global pattern that matches the empty
 * string at the search start makes libclamav search the same place forever
 * (clamscan then stops at its scan time limit); here the search stops.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* libclamav's CLI_DEFAULT_PCRE_MATCH_LIMIT and _RECMATCH_LIMIT (others.h) */
#define CLAM_PCRE_MATCH_LIMIT 100000u
#define CLAM_PCRE_DEPTH_LIMIT 2000u

typedef struct slot {
    uint32_t node;
    uint32_t run; /* run in which count was computed (0: never) */
    int64_t count;
    pcre2_code *code;
    bool bad; /* did not compile (only a damaged database) */
} slot;

struct ev_clam_pcre {
    slot *slots; /* one per IR_OP_CLAM_PCRE node, sorted by node index */
    size_t nslots;
    uint32_t run;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
};

static struct ev_clam_pcre *cache(ev_state *st)
{
    if (st->clam_pcre)
        return st->clam_pcre;
    struct ev_clam_pcre *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    const ir_program *p = st->prog;
    for (size_t i = 0; i < p->nodes.len; i++)
        c->nslots += p->nodes.items[i].op == IR_OP_CLAM_PCRE;
    c->slots = calloc(c->nslots ? c->nslots : 1, sizeof(*c->slots));
    c->mctx = pcre2_match_context_create(NULL);
    c->md = pcre2_match_data_create(1, NULL);
    if (!c->slots || !c->mctx || !c->md) {
        free(c->slots);
        pcre2_match_context_free(c->mctx);
        pcre2_match_data_free(c->md);
        free(c);
        return NULL;
    }
    pcre2_set_match_limit(c->mctx, CLAM_PCRE_MATCH_LIMIT);
    pcre2_set_depth_limit(c->mctx, CLAM_PCRE_DEPTH_LIMIT);
    size_t k = 0;
    for (size_t i = 0; i < p->nodes.len; i++)
        if (p->nodes.items[i].op == IR_OP_CLAM_PCRE)
            c->slots[k++].node = (uint32_t)i;
    c->run = 1;
    st->clam_pcre = c;
    return c;
}

static slot *find(struct ev_clam_pcre *c, uint32_t node)
{
    size_t lo = 0, hi = c->nslots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->slots[mid].node < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nslots && c->slots[lo].node == node ? &c->slots[lo] : NULL;
}

void ev_clam_pcre_run_begin(ev_state *st)
{
    struct ev_clam_pcre *c = st->clam_pcre;
    if (!c)
        return;
    if (++c->run == 0) { /* wrapped: forget every stored count */
        for (size_t i = 0; i < c->nslots; i++)
            c->slots[i].run = 0;
        c->run = 1;
    }
}

void ev_clam_pcre_free(ev_state *st)
{
    struct ev_clam_pcre *c = st->clam_pcre;
    if (!c)
        return;
    for (size_t i = 0; i < c->nslots; i++)
        pcre2_code_free(c->slots[i].code);
    free(c->slots);
    pcre2_match_context_free(c->mctx);
    pcre2_match_data_free(c->md);
    free(c);
    st->clam_pcre = NULL;
}

/* libclamav's cli_pcre_addoptions: i s m x A E U as PCRE2 compile options. */
static uint32_t compile_options(uint32_t aux)
{
    static const struct {
        uint32_t flag, opt;
    } map[] = {
        {IR_CLPCRE_CASELESS, PCRE2_CASELESS},   {IR_CLPCRE_DOTALL, PCRE2_DOTALL},
        {IR_CLPCRE_MULTILINE, PCRE2_MULTILINE}, {IR_CLPCRE_EXTENDED, PCRE2_EXTENDED},
        {IR_CLPCRE_ANCHORED, PCRE2_ANCHORED},   {IR_CLPCRE_DOLLAR_ENDONLY, PCRE2_DOLLAR_ENDONLY},
        {IR_CLPCRE_UNGREEDY, PCRE2_UNGREEDY},
    };
    uint32_t o = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (aux & map[i].flag)
            o |= map[i].opt;
    return o;
}

static pcre2_code *compiled(const ev_state *st, const ir_node *n, slot *s)
{
    if (s->code || s->bad)
        return s->code;
    int err;
    PCRE2_SIZE at;
    /* validate.c checked the NUL after the pattern; libclamav hands PCRE2
     * the pattern as a C string too */
    const char *pat = st->prog->pool.items + n->v.s.off;
    s->code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, compile_options(n->aux), &err,
                            &at, NULL);
    s->bad = s->code == NULL;
    return s->code;
}

/* Start and shift of the search, from the offset's range; false when the
 * object has no such offset (libclamav's CLI_OFF_NONE: the PCRE is skipped). */
static bool search_window(ev_state *st, const ir_node *n, uint64_t *start, uint64_t *shift,
                          bool *any)
{
    *start = *shift = 0;
    *any = n->b == IR_NONE;
    if (*any)
        return true;
    const ir_node *r = &st->prog->nodes.items[n->b];
    ev_value lo = ev_eval(st, r->a), hi = ev_eval(st, r->b);
    if (lo.kind != EV_INT || hi.kind != EV_INT)
        return false;
    /* libclamav computes EOF-n and EP-n in 32 bits: -1 is its CLI_OFF_ANY,
     * so a start one byte before the object means "anywhere" */
    if (lo.i == -1) {
        *any = true;
        return true;
    }
    if (lo.i < 0 || hi.i < lo.i)
        return false;
    *start = (uint64_t)lo.i;
    *shift = (uint64_t)hi.i - (uint64_t)lo.i;
    return true;
}

static int64_t run_pattern(ev_state *st, const ir_node *n, struct ev_clam_pcre *c, pcre2_code *code)
{
    uint64_t start, shift;
    bool any;
    if (!search_window(st, n, &start, &shift, &any))
        return 0;
    const ev_input *in = st->in;
    if (start >= in->len)
        return 0; /* starting offset outside the object: skipped silently */
    bool encompass = n->aux & IR_CLPCRE_ENCOMPASS;
    bool global = n->aux & IR_CLPCRE_GLOBAL;
    uint32_t options = (!(n->aux & IR_CLPCRE_ROLLING) && shift == 0 && !any) ? PCRE2_ANCHORED : 0;
    size_t length = in->len - (size_t)start;
    if (encompass && shift != 0 && shift < length)
        length = (size_t)shift;
    const uint8_t *subject = in->data + start;
    int64_t count = 0;
    bool have_last = false;
    uint64_t last = 0;
    size_t from = 0;
    for (;;) {
        int rc = pcre2_match(code, subject, length, from, options, c->md, c->mctx);
        if (rc < 0) /* no match, or a limit reached: no match either */
            break;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
        if (ov[0] > length || ov[1] > length || ov[1] < from)
            break; /* \K can put the start after the end; never past the subject */
        if (!encompass && shift && ov[0] > shift)
            break; /* the match starts beyond the allowed shift */
        uint64_t at = start + ov[0];
        if (!have_last || at > last) {
            count++;
            last = at;
            have_last = true;
        }
        if (!global || ov[1] >= length)
            break;
        if (ov[1] == from)
            break; /* libclamav would find this same empty match forever */
        from = ov[1];
    }
    return count;
}

ev_value ev_clam_pcre(ev_state *st, uint32_t idx)
{
    const ir_node *n = &st->prog->nodes.items[idx];
    struct ev_clam_pcre *c = cache(st);
    slot *s = c ? find(c, idx) : NULL;
    if (!s)
        return (ev_value){.kind = EV_UNDEF}; /* out of memory */
    if (s->run == c->run)
        return (ev_value){.kind = EV_INT, .i = s->count};
    s->run = c->run;
    s->count = 0;
    if (ev_node_truthy(st, n->a)) {
        pcre2_code *code = compiled(st, n, s);
        if (code)
            s->count = run_pattern(st, n, c, code);
    }
    return (ev_value){.kind = EV_INT, .i = s->count};
}
