/*
 * lower.c - ClamAV body and logical signatures as IR rules (see lower.h).
 *
 * A logical expression follows libclamav's cli_ac_chklsig exactly, counting
 * quirks included. Every sub-expression E has a truth T(E) and a count C(E)
 * it adds to its parent when true:
 *   - a subsignature i: T = #i > 0, or #i compared with X under =X >X <X;
 *     C = #i;
 *   - A&B..., A|B...: T = and/or of the operands' truths; C = the sum of
 *     the counts of the operands that are true;
 *   - a group with a modifier, (A|B)>X,Y: tcnt = C(group) when the group is
 *     true, else 0; T = tcnt compared with X, and at least Y different
 *     subsignatures among those the true operands contributed; C = tcnt.
 *     The group passes no subsignatures up for an outer ",Y" (libclamav
 *     does not merge them there either).
 * So `(0|1)=0` and `0<2` are true on a file where nothing matched, as in
 * clamscan, which also evaluates every logical signature on an empty set
 * of matches: such an expression reports every object whatever matched. Counts are the subsignature's match count (#i), restricted to
 * the subsignature's offset range when it has one; a PCRE or byte-compare
 * subsignature's count is an IR_OP_CLAM_PCRE / IR_OP_CLAM_BYTECMP node
 * (lib/eval/clamav_pcre.c, clamav_bytecmp.c), built in libclamav's order:
 * byte compares first, then PCREs, whose triggers may read both.
 */
#include "lower.h"

#include <stdio.h>
#include <string.h>

#include "ftype.h"
#include "hexprog.h"

/* Node building with sticky failure: after the first failed allocation every
 * builder returns IR_NONE and the caller reports VIGIL_E_NOMEM once. */
typedef struct lw {
    ir_program *p;
    bool failed;
    uint32_t rule;
    uint32_t sub_string[CV_MAX_SUBSIGS]; /* subsignature -> string index, or IR_NONE */
    uint32_t sub_node[CV_MAX_SUBSIGS];   /* PCRE / byte compare -> its count node, or IR_NONE */
    const cv_subsig *subs;
    bool empty; /* lowering for clamscan's pass without pattern matches */
    bool multipart[CV_MAX_SUBSIGS]; /* the rule's string k (from its first) has
                                     * several libclamav parts ("*", {n-m}) */
    bool split;                     /* the rule has such a string (split_root) */
    uint32_t target;                /* the signature's target: its libclamav matcher root */
    bool bm;                        /* a body signature libclamav's Boyer-Moore matcher takes */
} lw;

static uint32_t node(lw *w, ir_op op, uint8_t type, uint32_t aux, uint32_t a, uint32_t b)
{
    if (w->failed)
        return IR_NONE;
    ir_node n = {.op = (uint16_t)op, .type = type, .aux = aux, .a = a, .b = b, .c = IR_NONE};
    uint32_t i = ir_add_node(w->p, &n);
    if (i == IR_NONE)
        w->failed = true;
    return i;
}

static uint32_t integer(lw *w, int64_t v)
{
    if (w->failed)
        return IR_NONE;
    ir_node n = {.op = IR_OP_INT, .type = IR_T_INT, .a = IR_NONE, .b = IR_NONE, .c = IR_NONE};
    n.v.i = v;
    uint32_t i = ir_add_node(w->p, &n);
    if (i == IR_NONE)
        w->failed = true;
    return i;
}

static uint32_t boolean(lw *w, bool v)
{
    return node(w, v ? IR_OP_TRUE : IR_OP_FALSE, IR_T_BOOL, 0, IR_NONE, IR_NONE);
}

static uint32_t binary(lw *w, ir_op op, uint32_t a, uint32_t b)
{
    uint8_t type = (op == IR_OP_ADD || op == IR_OP_MUL) ? IR_T_INT : IR_T_BOOL;
    return node(w, op, type, 0, a, b);
}

/* a && b where either may be absent (IR_NONE means "true"). */
static uint32_t both(lw *w, uint32_t a, uint32_t b)
{
    if (a == IR_NONE)
        return b;
    if (b == IR_NONE)
        return a;
    return binary(w, IR_OP_AND, a, b);
}

static uint32_t clam_offset(lw *w, uint32_t kind, uint32_t section, int64_t addend)
{
    uint32_t i = node(w, IR_OP_CLAM_OFFSET, IR_T_INT, kind, section, IR_NONE);
    if (i != IR_NONE)
        w->p->nodes.items[i].v.i = addend;
    return i;
}

/* lo <= x <= hi as a range node. */
static uint32_t range(lw *w, uint32_t lo, uint32_t hi)
{
    return node(w, IR_OP_RANGE, IR_T_INT, 0, lo, hi);
}

/* The range of match starts an offset allows, or IR_NONE for "*". Offsets
 * this build cannot place (macro groups) give *never; VI is not a range
 * (present() and count() take it). */
static uint32_t offset_range(lw *w, const cv_offset *o, bool *never)
{
    uint32_t base;
    *never = false;
    switch (o->kind) {
    case CV_OFF_ANY:
        return IR_NONE;
    case CV_OFF_ABSOLUTE:
        base = integer(w, o->value);
        break;
    case CV_OFF_EOF_MINUS:
        base = clam_offset(w, IR_CLOFF_EOF, 0, -(int64_t)o->value);
        break;
    case CV_OFF_EP_PLUS:
        base = clam_offset(w, IR_CLOFF_EP, 0, o->value);
        break;
    case CV_OFF_EP_MINUS:
        base = clam_offset(w, IR_CLOFF_EP, 0, -(int64_t)o->value);
        break;
    case CV_OFF_SX_PLUS:
        base = clam_offset(w, IR_CLOFF_SECTION, o->section, o->value);
        break;
    case CV_OFF_SL_PLUS:
        base = clam_offset(w, IR_CLOFF_LAST_SECTION, 0, o->value);
        break;
    case CV_OFF_SE: {
        /* anywhere in section x: from its start to its end, plus MaxShift
         * (only at its start for Boyer-Moore in large objects) */
        uint32_t lo = clam_offset(w, IR_CLOFF_SECTION, o->section, 0);
        uint32_t hi = clam_offset(w, w->bm ? IR_CLOFF_SECTION_BM_END : IR_CLOFF_SECTION_END,
                                  o->section, o->shift);
        return range(w, lo, hi);
    }
    default:
        *never = true;
        return IR_NONE;
    }
    uint32_t hi = o->shift ? binary(w, IR_OP_ADD, base, integer(w, o->shift)) : base;
    return range(w, base, hi);
}

/* VI: the matches of string s that start at one of the PE's version-info
 * key offsets (libclamav checks match starts against that set and ignores a
 * MaxShift), or IR_NONE when libclamav cannot match it: it checks every part
 * of a pattern split at "*" or {n-m} against the set, and vigil's matcher
 * knows only where the whole match starts. */
static uint32_t vi_count(lw *w, uint32_t s)
{
    uint32_t k = s - w->p->rules.items[w->rule].strings_first;
    if (k < CV_MAX_SUBSIGS && w->multipart[k])
        return IR_NONE;
    uint32_t c = node(w, IR_OP_STR_COUNT, IR_T_INT, 0, s, IR_NONE);
    return node(w, IR_OP_CLAM_VI, IR_T_INT, 0, c, IR_NONE);
}

/* $s (at its offset), and #s (in its offset range). */
static uint32_t present(lw *w, uint32_t s, const cv_offset *o)
{
    bool never;
    if (o->kind == CV_OFF_VI) {
        uint32_t c = vi_count(w, s);
        return c == IR_NONE ? boolean(w, false) : binary(w, IR_OP_GT, c, integer(w, 0));
    }
    uint32_t r = offset_range(w, o, &never);
    if (never)
        return boolean(w, false);
    if (r == IR_NONE)
        return node(w, IR_OP_STR_FOUND, IR_T_BOOL, 0, s, IR_NONE);
    return node(w, IR_OP_STR_IN, IR_T_BOOL, 0, s, r);
}

static uint32_t count(lw *w, uint32_t s, const cv_offset *o)
{
    bool never;
    if (o->kind == CV_OFF_VI) {
        uint32_t c = vi_count(w, s);
        return c == IR_NONE ? integer(w, 0) : c;
    }
    uint32_t r = offset_range(w, o, &never);
    if (never)
        return integer(w, 0);
    return node(w, IR_OP_STR_COUNT, IR_T_INT, 0, s, r);
}

static uint32_t compare(lw *w, uint8_t cmp, uint32_t value, uint32_t x)
{
    ir_op op = cmp == CV_LX_EQ ? IR_OP_EQ : cmp == CV_LX_GT ? IR_OP_GT : IR_OP_LT;
    return binary(w, op, value, integer(w, x));
}

static vigil_status add_meta(ir_program *p, const char *name, const char *value)
{
    ir_meta m = {.type = IR_META_STRING, .name = ir_pool_str(p, name)};
    m.s = ir_pool_str(p, value);
    m.s_len = (uint32_t)strlen(value);
    if (m.name == IR_NONE || m.s == IR_NONE || !vec_push(&p->metas, m))
        return VIGIL_E_NOMEM;
    return VIGIL_OK;
}

static uint32_t clamav_namespace(ir_program *p)
{
    for (size_t i = 0; i < p->namespaces.len; i++)
        if (strcmp(ir_str(p, p->namespaces.items[i]), "clamav") == 0)
            return (uint32_t)i;
    uint32_t off = ir_pool_str(p, "clamav");
    if (off == IR_NONE || !vec_push(&p->namespaces, off))
        return IR_NONE;
    return (uint32_t)(p->namespaces.len - 1);
}

/* Starts a rule (name, metas); its strings and condition follow. */
static vigil_status begin_rule(lw *w, const char *name, const cv_origin *o)
{
    ir_program *p = w->p;
    if (p->rules.len >= IR_NONE - 1)
        return VIGIL_E_LIMIT;
    ir_rule r = {.name = ir_pool_str(p, name), .ns = clamav_namespace(p)};
    if (r.name == IR_NONE || r.ns == IR_NONE)
        return VIGIL_E_NOMEM;
    r.metas_first = (uint32_t)p->metas.len;
    char src[512];
    snprintf(src, sizeof(src), "%s:%u", o->source, o->line);
    vigil_status st = add_meta(p, "type", o->type);
    if (st == VIGIL_OK)
        st = add_meta(p, "source", src);
    if (st != VIGIL_OK)
        return st;
    r.metas_count = (uint32_t)p->metas.len - r.metas_first;
    r.strings_first = (uint32_t)p->strings.len;
    r.cond = IR_NONE;
    if (!vec_push(&p->rules, r))
        return VIGIL_E_NOMEM;
    w->rule = (uint32_t)p->rules.len - 1;
    return VIGIL_OK;
}

static uint32_t add_string(lw *w, const char *id, const cv_hexsig *hex, unsigned opts)
{
    ir_program *p = w->p;
    ir_string s = {.id = ir_pool_str(p, id), .rule = w->rule, .kind = IR_PAT_CLAMAV};
    /* the modifiers as written: lib/clamav/hexprog.c applies libclamav's
     * rewrites for each, and ::a alone changes how alternatives are read */
    s.flags = 0;
    if (opts & CV_OPT_WIDE)
        s.flags |= IR_SF_WIDE;
    if (opts & CV_OPT_ASCII)
        s.flags |= IR_SF_ASCII;
    if (opts & CV_OPT_NOCASE)
        s.flags |= IR_SF_NOCASE;
    if (opts & CV_OPT_FULLWORD)
        s.flags |= IR_SF_FULLWORD;
    s.src = ir_pool_add(p, hex->text.p, hex->text.len);
    /* the longest pattern of the target's matcher root: how far clamscan's
     * 128 KiB read buffers overlap (a ::wa pattern's wide form is the longer) */
    if (w->target < 16) {
        uint32_t ml = cv_pattern_maxpatlen(hex->text.p, hex->text.len, s.flags);
        if (ml > p->clam_maxpatlen[w->target])
            p->clam_maxpatlen[w->target] = ml;
    }
    s.src_len = (uint32_t)hex->text.len;
    s.alphabet = IR_NONE;
    if (s.id == IR_NONE || s.src == IR_NONE || !vec_push(&p->strings, s)) {
        w->failed = true;
        return IR_NONE;
    }
    uint32_t k = p->rules.items[w->rule].strings_count++;
    if (k < CV_MAX_SUBSIGS)
        w->multipart[k] = hex->nparts > 1;
    w->split |= hex->nparts > 1;
    return (uint32_t)p->strings.len - 1;
}

/* Byte compares and the matcher roots they live in. libclamav runs a root's
 * byte compares at the end of each matcher run over it (matcher.c
 * matcher_run -> matcher-byte-comp.c cli_bcomp_scanbuf), but
 * cli_bcomp_scanbuf returns at once when the run's cli_ac_data has no
 * offmatrix, and cli_ac_initdata allocates one only when the root's
 * ac_partsigs is nonzero: when some pattern loaded into that root, body or
 * subsignature, was cut into parts at "*" or {n-m} (readdb.c
 * cli_add_content_match_pattern). Root 0 always has such patterns: the
 * file-type table's HTML rows with "*" (the built-in table, and daily.ftm,
 * which replaces it), so its byte compares are never dormant. A target
 * root has them only if the databases loaded bring one, in any order,
 * before or after the byte compare. So a byte compare of a root without
 * them never runs; its count stays 0 (checked with clamscan 1.4.6: `0&1;4d5a;0(>>2#il2#>0)` under
 * Target:1 fires on `MZ\x90\x00...` only when the databases also hold a
 * Target:1 pattern with "*" or {n-m}).
 *
 * Byte compares are lowered dormant (IR_CLBC_DORMANT: count 0) until a
 * pattern of several parts of their target is lowered into the same
 * program; that wakes every byte compare of the target, earlier and later
 * ones. */
static void split_root(ir_program *p, uint32_t target)
{
    if (target > CV_MAX_TARGET || (p->clam_split_roots & (1u << target)))
        return;
    p->clam_split_roots |= 1u << target;
    for (size_t i = 0; i < p->nodes.len; i++) {
        ir_node *n = &p->nodes.items[i];
        if (n->op == IR_OP_CLAM_BYTECMP && (n->aux & IR_CLBC_DORMANT) &&
            (n->aux >> IR_CLBC_TARGET_SHIFT) == target)
            n->aux &= ~(uint32_t)IR_CLBC_DORMANT;
    }
}

static vigil_status end_rule(lw *w, uint32_t cond)
{
    if (w->failed || cond == IR_NONE)
        return VIGIL_E_NOMEM;
    w->p->rules.items[w->rule].cond = cond;
    return VIGIL_OK;
}

/* Rolls a failed rule back so the program stays consistent. */
static void rollback(ir_program *p, size_t rules, size_t strings, size_t metas, size_t nodes)
{
    p->rules.len = rules;
    p->strings.len = strings;
    p->metas.len = metas;
    p->nodes.len = nodes;
}

static uint32_t target_gate(lw *w, uint32_t target)
{
    if (target == 0)
        return IR_NONE;
    return node(w, IR_OP_CLAM_TARGET, IR_T_BOOL, target, IR_NONE, IR_NONE);
}

/* Whether libclamav's Boyer-Moore matcher takes a body signature
 * (cli_add_content_match_pattern): plain hex digits, in the generic or the
 * PE matcher, and for PE an offset other than "*" written without ",". */
static bool boyer_moore(const cv_ndb *sig)
{
    if (sig->target > 1 || (sig->target == 1 && (sig->offset.kind == CV_OFF_ANY ||
                                                  sig->offset.has_shift)))
        return false;
    for (size_t i = 0; i < sig->hex.text.len; i++)
        if (!strchr("0123456789abcdefABCDEF", sig->hex.text.p[i]))
            return false;
    return sig->hex.text.len > 0;
}

vigil_status cv_lower_ndb(ir_program *p, const cv_ndb *sig, const char *name, const cv_origin *o)
{
    size_t r0 = p->rules.len, s0 = p->strings.len, m0 = p->metas.len, n0 = p->nodes.len;
    lw w = {.p = p, .bm = boyer_moore(sig), .target = sig->target};
    vigil_status st = begin_rule(&w, name, o);
    if (st == VIGIL_OK) {
        p->rules.items[w.rule].flags |= IR_RULE_EARLY | (w.bm ? IR_RULE_CLAM_BM : 0);
        uint32_t s = add_string(&w, "$", &sig->hex, 0);
        uint32_t cond = both(&w, target_gate(&w, sig->target), present(&w, s, &sig->offset));
        st = end_rule(&w, cond);
    }
    if (st != VIGIL_OK)
        rollback(p, r0, s0, m0, n0);
    else if (w.split)
        split_root(p, sig->target);
    return st;
}

vigil_status cv_lower_cdb(ir_program *p, const char *line, size_t len, const char *name,
                          const cv_origin *o)
{
    size_t r0 = p->rules.len, s0 = p->strings.len, m0 = p->metas.len, n0 = p->nodes.len;
    lw w = {.p = p};
    char *text = strndup(line, len);
    vigil_status st = text ? begin_rule(&w, name, o) : VIGIL_E_NOMEM;
    if (st == VIGIL_OK)
        st = add_meta(p, "cdb", text);
    if (st == VIGIL_OK) {
        p->rules.items[w.rule].metas_count++;
        p->rules.items[w.rule].flags |= IR_RULE_CLAM_CDB;
        st = end_rule(&w, boolean(&w, false));
    }
    free(text);
    if (st != VIGIL_OK)
        rollback(p, r0, s0, m0, n0);
    return st;
}

/* ---- logical signatures --------------------------------------------- */

typedef struct lx_val {
    uint32_t truth;
    uint32_t cnt;         /* what the expression adds to its parent's count when true */
    bool cnt_zero_false;  /* cnt is already 0 whenever truth is false */
    uint64_t ids;         /* subsignatures it may pass up for a ",Y" */
    uint32_t id_cond[CV_MAX_SUBSIGS]; /* per id in ids: when it is passed up */
} lx_val;

static uint32_t sub_count(lw *w, uint32_t i)
{
    if (i < CV_MAX_SUBSIGS && w->sub_node[i] != IR_NONE)
        return w->sub_node[i];
    if (i >= CV_MAX_SUBSIGS || w->sub_string[i] == IR_NONE || w->empty)
        return integer(w, 0);
    const cv_subsig *ss = &w->subs[i];
    static const cv_offset any = {.kind = CV_OFF_ANY};
    return count(w, w->sub_string[i], ss->has_offset ? &ss->offset : &any);
}

static uint32_t sub_present(lw *w, uint32_t i)
{
    /* a count node is true when nonzero */
    if (i < CV_MAX_SUBSIGS && w->sub_node[i] != IR_NONE)
        return w->sub_node[i];
    if (i >= CV_MAX_SUBSIGS || w->sub_string[i] == IR_NONE || w->empty)
        return boolean(w, false);
    const cv_subsig *ss = &w->subs[i];
    static const cv_offset any = {.kind = CV_OFF_ANY};
    return present(w, w->sub_string[i], ss->has_offset ? &ss->offset : &any);
}

/* C when T, else 0. */
static uint32_t when_true(lw *w, const lx_val *v)
{
    return v->cnt_zero_false ? v->cnt : binary(w, IR_OP_MUL, v->truth, v->cnt);
}

static void lower_lexpr(lw *w, const cv_lexpr *e, lx_val *out, int depth);

static void lower_group(lw *w, const cv_lexpr *e, lx_val *out, int depth)
{
    lx_val kid;
    uint32_t truth = IR_NONE, cnt = IR_NONE;
    bool zero_false = true;
    out->ids = 0;
    for (uint32_t k = 0; k < e->nkids; k++) {
        lower_lexpr(w, e->kids[k], &kid, depth + 1);
        uint32_t add = e->kind == CV_LX_AND ? kid.cnt : when_true(w, &kid);
        if (e->kind == CV_LX_AND && !kid.cnt_zero_false)
            zero_false = false;
        truth = truth == IR_NONE ? kid.truth
                                 : binary(w, e->kind == CV_LX_AND ? IR_OP_AND : IR_OP_OR, truth,
                                          kid.truth);
        cnt = cnt == IR_NONE ? add : binary(w, IR_OP_ADD, cnt, add);
        for (uint32_t i = 0; i < CV_MAX_SUBSIGS; i++) {
            if (!(kid.ids >> i & 1))
                continue;
            /* passed up when the kid passes it and this node is true */
            out->id_cond[i] = out->ids >> i & 1
                                  ? binary(w, IR_OP_OR, out->id_cond[i], kid.id_cond[i])
                                  : kid.id_cond[i];
            out->ids |= (uint64_t)1 << i;
        }
    }
    out->truth = truth;
    out->cnt = cnt;
    /* an or-node adds only the counts of true operands, so it adds 0 when
     * false; an and-node adds every operand's count, nonzero while it is
     * false when some operands are true */
    out->cnt_zero_false = e->kind == CV_LX_OR || (e->nkids == 1 && zero_false);
    for (uint32_t i = 0; i < CV_MAX_SUBSIGS; i++)
        if (out->ids >> i & 1)
            out->id_cond[i] = binary(w, IR_OP_AND, truth, out->id_cond[i]);
}

static void lower_lexpr(lw *w, const cv_lexpr *e, lx_val *out, int depth)
{
    out->ids = 0;
    if (depth > 200) { /* the parser bounds depth far below this */
        w->failed = true;
        out->truth = out->cnt = IR_NONE;
        return;
    }
    if (e->kind == CV_LX_SUB) {
        uint32_t c = sub_count(w, e->index);
        out->cnt = c;
        if (e->cmp == CV_LX_NONE) {
            out->truth = sub_present(w, e->index);
            out->cnt_zero_false = true;
        } else {
            out->truth = compare(w, e->cmp, c, e->count);
            out->cnt_zero_false = false;
        }
        if (e->index < CV_MAX_SUBSIGS) {
            out->ids = (uint64_t)1 << e->index;
            out->id_cond[e->index] = out->truth;
        }
        return;
    }
    lower_group(w, e, out, depth);
    if (e->cmp == CV_LX_NONE)
        return;
    /* a group with a modifier */
    uint32_t tcnt = when_true(w, out);
    uint32_t truth = compare(w, e->cmp, tcnt, e->count);
    if (e->has_distinct && e->distinct > 0) {
        uint32_t distinct = IR_NONE;
        for (uint32_t i = 0; i < CV_MAX_SUBSIGS; i++) {
            if (!(out->ids >> i & 1))
                continue;
            distinct = distinct == IR_NONE ? out->id_cond[i]
                                           : binary(w, IR_OP_ADD, distinct, out->id_cond[i]);
        }
        uint32_t enough = distinct == IR_NONE
                              ? boolean(w, false)
                              : binary(w, IR_OP_GE, distinct, integer(w, e->distinct));
        truth = binary(w, IR_OP_AND, truth, enough);
    }
    out->truth = truth;
    out->cnt = tcnt;
    out->cnt_zero_false = false;
    out->ids = 0;
}

/* ---- PCRE and byte-compare subsignatures ---------------------------- */

/* A PCRE subsignature's count node (lib/eval/clamav_pcre.c has
 * libclamav's rules). The trigger is an expression over the subsignatures
 * before i, lowered like the signature's own. */
static uint32_t lower_pcre(lw *w, const cv_subsig *ss)
{
    static const struct {
        uint32_t cv, ir;
    } flags[] = {
        {CV_PCRE_GLOBAL, IR_CLPCRE_GLOBAL},       {CV_PCRE_ROLLING, IR_CLPCRE_ROLLING},
        {CV_PCRE_ENCOMPASS, IR_CLPCRE_ENCOMPASS}, {CV_PCRE_CASELESS, IR_CLPCRE_CASELESS},
        {CV_PCRE_DOTALL, IR_CLPCRE_DOTALL},       {CV_PCRE_MULTILINE, IR_CLPCRE_MULTILINE},
        {CV_PCRE_EXTENDED, IR_CLPCRE_EXTENDED},   {CV_PCRE_ANCHORED, IR_CLPCRE_ANCHORED},
        {CV_PCRE_DOLLAR_END, IR_CLPCRE_DOLLAR_ENDONLY}, {CV_PCRE_UNGREEDY, IR_CLPCRE_UNGREEDY},
    };
    const cv_pcre *re = &ss->pcre;
    const cv_offset *o = &ss->offset;
    uint32_t range = IR_NONE;
    if (!ss->has_offset || o->kind == CV_OFF_ANY || o->kind == CV_OFF_VI) {
        /* libclamav reads VI as "*" for PCREs (cli_pcre_recaloff) */
    } else if (o->kind == CV_OFF_MACRO) {
        /* libclamav's offset computation fails on a macro offset, and the
         * scan with it: this build reads that as no match */
        return integer(w, 0);
    } else if (o->kind == CV_OFF_EOF_MINUS || o->kind == CV_OFF_EP_MINUS) {
        /* the start may come out negative: libclamav computes it in 32
         * bits, and -1 is its CLI_OFF_ANY ("*"), which clamav_pcre.c
         * honours; so the addend is added as a plain integer */
        uint32_t kind = o->kind == CV_OFF_EOF_MINUS ? IR_CLOFF_EOF : IR_CLOFF_EP;
        uint32_t base = clam_offset(w, kind, 0, 0);
        uint32_t lo = binary(w, IR_OP_ADD, base, integer(w, -(int64_t)o->value));
        uint32_t hi = o->shift ? binary(w, IR_OP_ADD, lo, integer(w, o->shift)) : lo;
        range = node(w, IR_OP_RANGE, IR_T_INT, 0, lo, hi);
    } else {
        bool never;
        range = offset_range(w, o, &never);
        if (never)
            return integer(w, 0);
    }
    lx_val t;
    lower_lexpr(w, re->trigger, &t, 0);
    uint32_t aux = 0;
    for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
        if (re->flags & flags[k].cv)
            aux |= flags[k].ir;
    uint32_t pat = w->failed ? IR_NONE : ir_pool_add(w->p, re->pattern.p, re->pattern.len);
    if (pat == IR_NONE) {
        w->failed = true;
        return IR_NONE;
    }
    uint32_t n = node(w, IR_OP_CLAM_PCRE, IR_T_INT, aux, t.truth, range);
    if (n != IR_NONE) {
        w->p->nodes.items[n].v.s.off = pat;
        w->p->nodes.items[n].v.s.len = (uint32_t)re->pattern.len;
    }
    return n;
}

/* Subsignature i, a byte compare: its count node (0 or 1;
 * lib/eval/clamav_bytecmp.c). libclamav runs byte compares after the hex
 * matcher and before any PCRE, in subsignature order: the reference is a
 * hex subsignature (its matches, in its offset range), an earlier byte
 * compare, or something that has no count yet (a PCRE, a later or the same
 * subsignature, a macro): then the comparison never runs. */
static uint32_t lower_bytecmp(lw *w, uint32_t i)
{
    const cv_bytecmp *c = &w->subs[i].bcmp;
    uint32_t ref = c->ref, a;
    if (ref < CV_MAX_SUBSIGS && w->sub_string[ref] != IR_NONE) {
        static const cv_offset any = {.kind = CV_OFF_ANY};
        const cv_subsig *rs = &w->subs[ref];
        a = count(w, w->sub_string[ref], rs->has_offset ? &rs->offset : &any);
    } else if (ref < i && w->subs[ref].kind == CV_SUB_BYTECMP && w->sub_node[ref] != IR_NONE) {
        a = w->sub_node[ref];
    } else {
        return integer(w, 0);
    }
    uint32_t aux = c->base == 'd' ? IR_CLBC_DEC : c->base == 'a' ? IR_CLBC_AUTO
                   : c->base == 'i' ? IR_CLBC_BIN : IR_CLBC_HEX;
    if (c->little_endian)
        aux |= IR_CLBC_LE;
    if (c->big_endian || c->base == 'd')
        aux |= IR_CLBC_BE;
    if (c->exact)
        aux |= IR_CLBC_EXACT;
    aux |= (c->ncmp ? c->ncmp : 1) << IR_CLBC_NCMP_SHIFT;
    uint32_t target = w->target <= CV_MAX_TARGET ? w->target : 0;
    aux |= target << IR_CLBC_TARGET_SHIFT;
    if (target != 0 && !(w->p->clam_split_roots & (1u << target)))
        aux |= IR_CLBC_DORMANT; /* split_root wakes it */
    for (uint32_t k = 0; k < c->ncmp && k < 2; k++) {
        uint32_t op = c->cmp[k] == '<' ? IR_CLBC_LT : c->cmp[k] == '>' ? IR_CLBC_GT : IR_CLBC_EQ;
        aux |= op << (k ? IR_CLBC_CMP1_SHIFT : IR_CLBC_CMP0_SHIFT);
    }
    ir_clam_bcmp b = {.offset = c->offset, .nbytes = c->nbytes};
    b.value[0] = c->value[0];
    b.value[1] = c->value[1];
    uint8_t packed[IR_CLAM_BCMP_SIZE];
    ir_clam_bcmp_pack(&b, packed);
    uint32_t off = w->failed ? IR_NONE : ir_pool_add(w->p, packed, sizeof(packed));
    if (off == IR_NONE) {
        w->failed = true;
        return IR_NONE;
    }
    uint32_t n = node(w, IR_OP_CLAM_BYTECMP, IR_T_INT, aux, a, IR_NONE);
    if (n != IR_NONE) {
        w->p->nodes.items[n].v.s.off = off;
        w->p->nodes.items[n].v.s.len = IR_CLAM_BCMP_SIZE;
    }
    return n;
}

/* A fuzzy_img subsignature: 1 in a pass over an image whose fuzzy hash is
 * the signature's. libclamav checks the hash once per matcher run of the
 * image's raw pass (matcher_run: a run per 128 KiB block and per root), so
 * its count can exceed 1 for a large image; vigil counts one. */
static uint32_t lower_fuzzy_img(lw *w, const cv_subsig *ss)
{
    uint32_t n = node(w, IR_OP_CLAM_IMGHASH, IR_T_INT, 0, IR_NONE, IR_NONE);
    if (n != IR_NONE)
        w->p->nodes.items[n].v.i = (int64_t)ss->fuzzy_img;
    return n;
}

static uint32_t in_range(lw *w, uint32_t value, const cv_range *r)
{
    if (!r->present)
        return IR_NONE;
    return both(w, binary(w, IR_OP_GE, value, integer(w, r->min)),
                binary(w, IR_OP_LE, value, integer(w, r->max)));
}

/* Whether the k-th object enclosing the scanned one has this type. */
static uint32_t enclosing_is(lw *w, uint32_t k, uint16_t type)
{
    return binary(w, IR_OP_EQ, node(w, IR_OP_CLAM_CONTAINER, IR_T_INT, k, IR_NONE, IR_NONE),
                  integer(w, type));
}

/* The target block as gates. Container and Intermediates compare the types
 * of the objects the scanned one was extracted from (cv_objinfo.up): a
 * file and the views libclamav makes of it (normalised layers, which
 * libclamav skips) have none (CL_TYPE_ANY), a mail's parts have the mail's
 * type; Intermediates also needs as many layers, views counted (a view
 * scanned as a file of its own is one layer down). Icon groups describe
 * PE resources: such signatures cannot match yet. HandlerType is not a
 * gate: the scanner rescans instead of reporting (meta "handlertype",
 * clamav_child.c api_clam_handler). (Checked with clamscan 1.4.6.) */
static uint32_t tdb_gates(lw *w, const cv_tdb *t)
{
    uint16_t any = 0;
    if (!cv_filetype_lookup("CL_TYPE_ANY", 11, &any))
        return boolean(w, false);
    if (t->icongroup1.p || t->icongroup2.p)
        return boolean(w, false);
    uint32_t g = target_gate(w, t->target);
    if (t->has_container)
        g = both(w, g, enclosing_is(w, 0, t->container));
    if (t->nintermediates) {
        /* libclamav's intermediates_eval: as many layers as the list is
         * long; the last entry names the container, the one before it the
         * next object out, and so on, CL_TYPE_ANY matching any type without
         * taking a place */
        g = both(w, g,
                 binary(w, IR_OP_GE, node(w, IR_OP_CLAM_DEPTH, IR_T_INT, 0, IR_NONE, IR_NONE),
                        integer(w, t->nintermediates)));
        uint32_t k = 0;
        for (uint32_t i = t->nintermediates; i > 0 && i <= 16; i--)
            if (t->intermediates[i - 1] != any)
                g = both(w, g, enclosing_is(w, k++, t->intermediates[i - 1]));
    }
    if (t->filesize.present)
        g = both(w, g,
                 in_range(w, node(w, IR_OP_FILESIZE, IR_T_INT, 0, IR_NONE, IR_NONE), &t->filesize));
    if (t->entrypoint.present)
        g = both(w, g, in_range(w, clam_offset(w, IR_CLOFF_EP, 0, 0), &t->entrypoint));
    if (t->nsections.present)
        g = both(w, g,
                 in_range(w, node(w, IR_OP_CLAM_NSECTIONS, IR_T_INT, 0, IR_NONE, IR_NONE),
                          &t->nsections));
    return g;
}

/* a || b where b may be absent (IR_NONE: false). */
static uint32_t either(lw *w, uint32_t a, uint32_t b)
{
    return b == IR_NONE ? a : binary(w, IR_OP_OR, a, b);
}

/* clamscan also evaluates logical signatures in a pass where the pattern
 * matcher found nothing: hex subsignatures and byte compares count 0 there,
 * PCREs keep the counts of the object's real pass. An expression true in
 * that pass reports every object the target block admits (checked with
 * clamscan 1.4.6: `0=0&1<9` fires on a file where subsignature 0 matched
 * twice; `1<2` on a PCRE 1 fires nowhere the PCRE matched twice, whether
 * its trigger reads hex counts or not). The condition of that pass, or
 * IR_NONE when it is always false. */
static uint32_t empty_pass(lw *w, const cv_ldb *sig)
{
    bool pcre = false;
    for (uint32_t i = 0; i < sig->nsubs && i < CV_MAX_SUBSIGS; i++)
        pcre |= sig->subs[i].kind == CV_SUB_PCRE;
    if (!pcre) {
        static const uint32_t zeros[CV_MAX_SUBSIGS];
        return cv_lexpr_eval(sig->expr, zeros, CV_MAX_SUBSIGS) ? boolean(w, true) : IR_NONE;
    }
    uint32_t saved[CV_MAX_SUBSIGS];
    memcpy(saved, w->sub_node, sizeof(saved));
    w->empty = true;
    for (uint32_t i = 0; i < sig->nsubs && i < CV_MAX_SUBSIGS; i++)
        if (sig->subs[i].kind == CV_SUB_BYTECMP || sig->subs[i].kind == CV_SUB_FUZZY_IMG)
            w->sub_node[i] = integer(w, 0);
    lx_val v;
    lower_lexpr(w, sig->expr, &v, 0);
    w->empty = false;
    memcpy(w->sub_node, saved, sizeof(saved));
    return v.truth;
}

vigil_status cv_lower_ldb(ir_program *p, const cv_ldb *sig, const char *name, const cv_origin *o)
{
    size_t r0 = p->rules.len, s0 = p->strings.len, m0 = p->metas.len, n0 = p->nodes.len;
    lw w = {.p = p, .subs = sig->subs, .target = sig->tdb.target};
    vigil_status st = begin_rule(&w, name, o);
    if (st == VIGIL_OK && sig->tdb.has_handlertype) {
        st = add_meta(p, "handlertype", cv_filetype_names[sig->tdb.handlertype]);
        if (st == VIGIL_OK)
            p->rules.items[w.rule].metas_count++;
    }
    if (st == VIGIL_OK) {
        for (uint32_t i = 0; i < CV_MAX_SUBSIGS; i++)
            w.sub_string[i] = w.sub_node[i] = IR_NONE;
        for (uint32_t i = 0; i < sig->nsubs && i < CV_MAX_SUBSIGS; i++) {
            if (sig->subs[i].kind != CV_SUB_HEX)
                continue;
            char id[16];
            snprintf(id, sizeof(id), "$%u", i);
            w.sub_string[i] = add_string(&w, id, &sig->subs[i].hex, sig->subs[i].opts);
        }
        /* libclamav's order: byte compares after the hex matcher, then
         * PCREs, each kind in subsignature order. Macro subsignatures are
         * not matched: they count as never matching. */
        for (uint32_t i = 0; i < sig->nsubs && i < CV_MAX_SUBSIGS; i++)
            if (sig->subs[i].kind == CV_SUB_BYTECMP)
                w.sub_node[i] = lower_bytecmp(&w, i);
        for (uint32_t i = 0; i < sig->nsubs && i < CV_MAX_SUBSIGS; i++)
            if (sig->subs[i].kind == CV_SUB_PCRE)
                w.sub_node[i] = lower_pcre(&w, &sig->subs[i]);
        for (uint32_t i = 0; i < sig->nsubs && i < CV_MAX_SUBSIGS; i++)
            if (sig->subs[i].kind == CV_SUB_FUZZY_IMG)
                w.sub_node[i] = lower_fuzzy_img(&w, &sig->subs[i]);
        lx_val v;
        lower_lexpr(&w, sig->expr, &v, 0);
        uint32_t truth = either(&w, v.truth, empty_pass(&w, sig));
        st = end_rule(&w, both(&w, tdb_gates(&w, &sig->tdb), truth));
    }
    if (st != VIGIL_OK)
        rollback(p, r0, s0, m0, n0);
    else if (w.split)
        split_root(p, sig->tdb.target);
    return st;
}

bool cv_flevel_ok(const cv_flevel *fl)
{
    return (!fl->has_min || fl->min <= CV_FLEVEL) && (!fl->has_max || fl->max >= CV_FLEVEL);
}

/* ---- file-type tables ---------------------------------------------------- */

vigil_status cv_lower_ftypes(ir_program *p, const char *const *rows, size_t n)
{
    cv_arena arena, *a = &arena;
    cv_arena_init(a);
    vigil_status st = VIGIL_OK;
    for (size_t i = 0; st == VIGIL_OK && i < n; i++) {
        const char *row = rows[i];
        cv_ftm t;
        cv_error err = {{0}};
        if (cv_parse_ftm(row, strlen(row), a, &t, &err) != CV_OK ||
            (t.magictype != 0 && t.magictype != 1))
            continue; /* the loader kept only rows libclamav loads */
        if (t.magictype == 1) {
            re_prog *prog = NULL;
            re_error rerr = {{0}, 0};
            if (cv_compile_pattern(t.hex.text.p, t.hex.text.len, 0, &prog, &rerr) != VIGIL_OK)
                continue;
            re_free(prog);
        }
        size_t r0 = p->rules.len, s0 = p->strings.len, m0 = p->metas.len, n0 = p->nodes.len;
        char name[64];
        snprintf(name, sizeof(name), "vigil.ftype.%zu", i);
        cv_origin o = {.type = "ftm", .source = "file-type table", .line = (uint32_t)i + 1};
        lw w = {.p = p};
        st = begin_rule(&w, name, &o);
        if (st == VIGIL_OK)
            st = add_meta(p, "ftm", row);
        if (st == VIGIL_OK) {
            p->rules.items[w.rule].metas_count++;
            p->rules.items[w.rule].flags |= IR_RULE_PRIVATE | IR_RULE_FTYPE;
            /* a magic row is compared with the object's first bytes by the
             * scanner (ftype.h); only body rows are matched */
            uint32_t cond = boolean(&w, false);
            if (t.magictype == 1)
                cond = present(&w, add_string(&w, "$", &t.hex, 0), &t.offset);
            st = end_rule(&w, cond);
        }
        if (st != VIGIL_OK)
            rollback(p, r0, s0, m0, n0);
    }
    cv_arena_free(a);
    return st;
}
