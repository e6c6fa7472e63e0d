/*
 * test_clamav_lower.c - ClamAV logical and body signatures lowered to IR
 * rules (lib/clamav/lower.c), evaluated with made-up match lists so the
 * expression semantics are tested apart from pattern matching.
 *
 * The reference is a second, independent reading of libclamav's
 * cli_ac_chklsig: it evaluates the expression text directly, splitting at
 * the first top-level operator and handling count modifiers as libclamav
 * does. Random expressions and random subsignature counts must give the
 * same verdict through both. A few cases were also checked with Debian's
 * clamscan 1.4.6 by hand (noted where they appear).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/lower.h"
#include "clamav/objinfo.h"
#include "eval/eval.h"
#include "ir/ir.h"

#define NSUB 6

/* ---- reference: the expression text evaluated as libclamav does ------- */

static unsigned read_uint(const char *s, const char *end, const char **after)
{
    unsigned v = 0;
    while (s < end && *s >= '0' && *s <= '9')
        v = v * 10 + (unsigned)(*s++ - '0');
    if (after)
        *after = s;
    return v;
}

static bool cmp_ok(char mod, unsigned val, unsigned x)
{
    /* a leaf's last ')' is its "modifier" too: libclamav has no case for
     * it and returns false */
    return mod == '=' ? val == x : mod == '<' ? val < x : mod == '>' ? val > x : false;
}

/* Returns 1/0; *cnt and *ids receive what the expression contributes when
 * it returns 1. */
static int ref_eval(const char *e, const char *end, const unsigned *counts, unsigned *cnt,
                    uint64_t *ids)
{
    size_t len = (size_t)(end - e);
    int pth = 0;
    size_t opoff = 0, op1off = 0, blkend = 0;
    char op = 0, op1 = 0, mod = 0, blkmod = 0;
    size_t modoff = 0;
    unsigned modval1 = 0, modval2 = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = e[i];
        if (ch == '(') {
            pth++;
        } else if (ch == ')' || ch == '>' || ch == '<' || ch == '=') {
            if (ch == ')')
                pth--;
            mod = ch;
            modoff = i;
        } else if (ch == '&' || ch == '|') {
            if (pth == 0) {
                op = ch;
                opoff = i;
            } else if (pth == 1) {
                op1 = ch;
                op1off = i;
            }
        }
        if (op)
            break;
        if (op1 && pth == 0) {
            blkend = i;
            if (i + 1 < len && (e[i + 1] == '>' || e[i + 1] == '<' || e[i + 1] == '=')) {
                blkmod = e[i + 1];
                const char *p = e + i + 2;
                modval1 = read_uint(p, end, &p);
                modval2 = 0;
                if (p < end && *p == ',')
                    modval2 = read_uint(p + 1, end, NULL);
                for (i += 2; i + 1 < len && ((e[i + 1] >= '0' && e[i + 1] <= '9') || e[i + 1] == ',');
                     i++)
                    ;
            }
            if (e + i + 1 == end)
                break;
            blkmod = 0;
        }
    }
    const char *lstart = e, *rend = end;
    if (!op && !op1) {
        if (e[0] == '(')
            return ref_eval(e + 1, end - 1, counts, cnt, ids);
        unsigned id = read_uint(e, end, NULL);
        unsigned val = counts[id];
        if (mod) {
            unsigned x = read_uint(e + modoff + 1, end, NULL);
            if (!cmp_ok(mod, val, x))
                return 0;
            *cnt += val;
            *ids |= (uint64_t)1 << id;
            return 1;
        }
        if (!val)
            return 0;
        *cnt += val;
        *ids |= (uint64_t)1 << id;
        return 1;
    }
    if (!op) {
        op = op1;
        opoff = op1off;
        lstart++;
        rend = e + blkend;
    }
    unsigned lcnt = 0, rcnt = 0;
    uint64_t lids = 0, rids = 0;
    int lval = ref_eval(lstart, e + opoff, counts, &lcnt, &lids);
    int rval = ref_eval(e + opoff + 1, rend, counts, &rcnt, &rids);
    int ret = op == '&' ? (lval && rval) : (lval || rval);
    if (!blkmod) {
        if (ret) {
            *cnt += lcnt + rcnt;
            *ids |= lids | rids;
        }
        return ret;
    }
    unsigned tcnt = ret ? lcnt + rcnt : 0;
    uint64_t tids = ret ? lids | rids : 0;
    if (!cmp_ok(blkmod, tcnt, modval1))
        return 0;
    if (modval2) {
        unsigned n = 0;
        for (; tids; tids >>= 1)
            n += (unsigned)(tids & 1);
        if (n < modval2)
            return 0;
    }
    *cnt += tcnt;
    return 1;
}

/* ---- vigil: lower, then evaluate with fake matches --------------------- */

static unsigned g_counts[NSUB];
static bool g_direct; /* cv_lexpr_eval's verdict on the last expression */
static mt_match g_matches[NSUB][8];

static const mt_match *get_matches(const void *user, uint32_t s, size_t *n)
{
    (void)user;
    /* one rule: string s is subsignature s */
    *n = s < NSUB ? g_counts[s] : 0;
    return s < NSUB ? g_matches[s] : NULL;
}

/* Lowers one .ldb line and evaluates it over a 64-byte object whose
 * subsignature i has counts[i] matches (g_matches) and whose image hash is
 * *imghash (NULL: none). nsub: how many strings the rule must have. */
static bool line_verdict(const char *line, int nsub, const unsigned *counts,
                         const uint64_t *imghash)
{
    cv_arena a;
    cv_arena_init(&a);
    cv_ldb *sig = cv_alloc(&a, sizeof(*sig));
    cv_error err;
    assert_non_null(sig);
    if (cv_parse_ldb(line, strlen(line), &a, sig, &err) != CV_OK)
        fail_msg("%s: %s", line, err.msg);
    uint32_t c32[NSUB];
    for (int i = 0; i < NSUB; i++)
        c32[i] = counts[i];
    g_direct = cv_lexpr_eval(sig->expr, c32, NSUB);
    ir_program p;
    ir_init(&p);
    cv_origin o = {"ldb", "test.ldb", 1};
    assert_int_equal(cv_lower_ldb(&p, sig, "T.UNOFFICIAL", &o), VIGIL_OK);
    assert_int_equal(p.rules.len, 1);
    assert_int_equal(p.strings.len, (size_t)nsub);
    ev_state *st;
    assert_int_equal(ev_state_new(&p, &st), VIGIL_OK);
    for (int i = 0; i < NSUB; i++) {
        g_counts[i] = counts[i];
        for (unsigned k = 0; k < 8; k++)
            g_matches[i][k] = (mt_match){100 * (unsigned)i + k, 4, 0};
    }
    static const uint8_t data[64];
    cv_objinfo oi;
    cv_objinfo_init(&oi, data, sizeof(data));
    oi.has_imghash = imghash != NULL;
    oi.imghash = imghash ? *imghash : 0;
    ev_input in = {.prog = &p, .data = data, .len = sizeof(data), .clam = &oi,
                   .get_matches = get_matches};
    uint8_t res[1];
    assert_int_equal(ev_run(st, &in, res), VIGIL_OK);
    ev_state_free(st);
    ir_free(&p);
    cv_arena_free(&a);
    return res[0];
}

static bool vigil_verdict(const char *expr, const unsigned *counts)
{
    /* clamscan wants exactly as many subsignatures as the highest index
     * used + 1; an index is a number after '(' '&' '|' or at the start */
    int nsub = 0;
    for (size_t i = 0; expr[i]; i++) {
        if (expr[i] >= '0' && expr[i] <= '9' &&
            (i == 0 || expr[i - 1] == '(' || expr[i - 1] == '&' || expr[i - 1] == '|')) {
            int id = (int)read_uint(expr + i, expr + strlen(expr), NULL);
            if (id + 1 > nsub)
                nsub = id + 1;
        }
    }
    char line[512];
    int n = snprintf(line, sizeof(line), "T;Target:0;%s", expr);
    for (int i = 0; i < nsub; i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ";aabbcc%02x", i);
    return line_verdict(line, nsub, counts, NULL);
}

/* clamscan reports a signature when its expression holds for the counts,
 * or for no matches at all (it evaluates logical signatures on an empty
 * set of matches too: `0=0&1<9` fires on a file with two matches of 0). */
static bool reference_verdict(const char *expr, const unsigned *counts)
{
    static const unsigned zeros[NSUB];
    unsigned cnt = 0;
    uint64_t ids = 0;
    if (ref_eval(expr, expr + strlen(expr), zeros, &cnt, &ids) == 1)
        return true;
    cnt = 0;
    ids = 0;
    return ref_eval(expr, expr + strlen(expr), counts, &cnt, &ids) == 1;
}

static bool reference_direct(const char *expr, const unsigned *counts)
{
    unsigned cnt = 0;
    uint64_t ids = 0;
    return ref_eval(expr, expr + strlen(expr), counts, &cnt, &ids) == 1;
}

static void check(const char *expr, const unsigned *counts)
{
    bool want = reference_verdict(expr, counts), got = vigil_verdict(expr, counts);
    if (want != got || reference_direct(expr, counts) != g_direct)
        fail_msg("%s with counts %u %u %u %u %u %u: reference %d, lowered %d, cv_lexpr_eval %d",
                 expr, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], want, got,
                 g_direct);
}

/* ---- fixed cases ------------------------------------------------------- */

static void test_fixed_cases(void **state)
{
    (void)state;
    static const unsigned none[NSUB], only2[NSUB] = {0, 0, 1}, zero2[NSUB] = {1, 0, 1},
                                      three0[NSUB] = {3}, two_each[NSUB] = {2, 2, 2};
    /* checked with clamscan 1.4.6: 0&1|2 is 0&(1|2) */
    assert_false(vigil_verdict("0&1|2", only2));
    assert_true(vigil_verdict("0&1|2", zero2));
    /* a count compared with "<" or "=0" holds when nothing matched */
    assert_true(vigil_verdict("0<2", none));
    assert_true(vigil_verdict("(0|1)=0", none));
    assert_false(vigil_verdict("0", none));
    assert_true(vigil_verdict("0>2", three0));
    assert_false(vigil_verdict("0>3", three0));
    assert_true(vigil_verdict("(0|1|2)>5,3", two_each));
    /* checked with clamscan 1.4.6 (official daily.ldb has such logic):
     * what follows a leaf's number is ignored, so this is 0&1 */
    assert_true(vigil_verdict("0,1-4&1,1-4", two_each));
    assert_false(vigil_verdict("0,1-4&1,1-4", only2));
    /* a block splits at its last operator: (0|1)&2, not 0|(1&2) */
    static const unsigned only0[NSUB] = {1};
    assert_false(vigil_verdict("(0|1&2)=1", only0));
    assert_true(vigil_verdict("(0|1&2)=2", zero2));
    /* a leaf's ",Y" is not read: 0=2,3 is 0=2 */
    static const unsigned two0[NSUB] = {2};
    assert_true(vigil_verdict("0=2,3", two0));
    /* a leaf whose last ')' '=' '<' '>' is ')' never holds */
    assert_false(vigil_verdict("0(0)5", three0));
    /* checked with clamscan 1.4.6: true with no matches, so always true */
    assert_true(vigil_verdict("0=0&1<9", two_each));
    assert_false(vigil_verdict("(0|1|2)>6", two_each));
    assert_false(vigil_verdict("(0|1|3)>3,3", two_each));
    const char *exprs[] = {"0&1|2",       "0<2",         "(0|1)=0",   "0",
                           "0>2",         "(0|1|2)>5,3", "(0|1|3)>3,3", "0,1-4&1,1-4&2,1-4",
                           "(0|1&2)=1",   "0=2,3",       "(2&0|1)>1,2", "0(0)5"};
    const unsigned *cs[] = {none, only2, zero2, three0, two_each};
    for (size_t i = 0; i < sizeof(exprs) / sizeof(*exprs); i++)
        for (size_t k = 0; k < sizeof(cs) / sizeof(*cs); k++)
            check(exprs[i], cs[k]);
}

/* ---- fuzzy_img subsignatures ------------------------------------------ */

/* The verdict of `line` for an object whose image hash is *hash (NULL: the
 * object has none), with no pattern matches. */
static bool imghash_verdict(const char *line, const uint64_t *hash)
{
    static const unsigned none[NSUB];
    return line_verdict(line, 0, none, hash);
}

static void test_fuzzy_img(void **state)
{
    (void)state;
    const uint64_t same = UINT64_C(0xaf2ad01ed42993c7), other = same ^ 1;
    const char *one = "F;Engine:51-255,Target:0;0;fuzzy_img#AF2AD01ED42993C7";
    assert_true(imghash_verdict(one, &same));
    assert_false(imghash_verdict(one, &other));
    assert_false(imghash_verdict(one, NULL));
    /* one check per pass: "=1" holds, ">1" does not */
    assert_true(imghash_verdict("F;Engine:51-255,Target:0;0=1;fuzzy_img#af2ad01ed42993c7", &same));
    assert_false(imghash_verdict("F;Engine:51-255,Target:0;0>1;fuzzy_img#af2ad01ed42993c7", &same));
    /* a negated count holds in the pass with no matches, image or not */
    assert_true(imghash_verdict("F;Engine:51-255,Target:0;0=0;fuzzy_img#af2ad01ed42993c7", &same));
}

/* A .cdb line is carried whole as a rule that never holds by itself: the
 * scanner checks it on container members (lib/api/clamav_meta.c). */
static void test_cdb(void **state)
{
    (void)state;
    ir_program p;
    ir_init(&p);
    const char *line = "C.Exe:CL_TYPE_MAIL:*:.*\\.exe$:*:*:*:*:*:*";
    cv_origin o = {"cdb", "t.cdb", 3};
    assert_int_equal(cv_lower_cdb(&p, line, strlen(line), "C.Exe.UNOFFICIAL", &o), VIGIL_OK);
    assert_int_equal(p.rules.len, 1);
    const ir_rule *r = &p.rules.items[0];
    assert_true(r->flags & IR_RULE_CLAM_CDB);
    assert_false(r->flags & (IR_RULE_EARLY | IR_RULE_PRIVATE));
    assert_string_equal(ir_str(&p, r->name), "C.Exe.UNOFFICIAL");
    assert_int_equal(r->strings_count, 0);
    const ir_node *c = &p.nodes.items[r->cond];
    assert_int_equal(c->op, IR_OP_FALSE);
    bool found = false;
    for (uint32_t m = 0; m < r->metas_count; m++) {
        const ir_meta *x = &p.metas.items[r->metas_first + m];
        if (strcmp(ir_str(&p, x->name), "cdb") == 0) {
            assert_string_equal(ir_str(&p, x->s), line);
            found = true;
        }
    }
    assert_true(found);
    ir_free(&p);
}

/* ---- random expressions ----------------------------------------------- */

static unsigned rnd(unsigned *seed, unsigned n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % n;
}

static void gen(unsigned *seed, char *out, size_t cap, int depth)
{
    static const char mods[] = "=<>";
    if (depth > 2 || rnd(seed, 3) == 0) {
        int n = snprintf(out, cap, "%u", rnd(seed, NSUB));
        if (rnd(seed, 3) == 0)
            n += snprintf(out + n, cap - (size_t)n, "%c%u", mods[rnd(seed, 3)], rnd(seed, 4));
        /* text libclamav ignores after a leaf's number: official
         * signatures have "0,1-4", and a leaf's ",Y" is not read */
        if (rnd(seed, 6) == 0)
            snprintf(out + n, cap - (size_t)n, ",%u-%u", rnd(seed, 4), 1 + rnd(seed, 4));
        return;
    }
    /* operators mixed within a level too: libclamav splits a parenthesised
     * block at its last operator, the top level at its first */
    bool mixed = rnd(seed, 3) == 0;
    char op = rnd(seed, 2) ? '&' : '|';
    unsigned kids = 2 + rnd(seed, 2);
    size_t n = 0;
    out[n++] = '(';
    for (unsigned k = 0; k < kids; k++) {
        if (k)
            out[n++] = mixed && rnd(seed, 2) ? (op == '&' ? '|' : '&') : op;
        gen(seed, out + n, cap - n, depth + 1);
        n += strlen(out + n);
    }
    out[n++] = ')';
    out[n] = '\0';
    if (rnd(seed, 2)) {
        n += (size_t)snprintf(out + n, cap - n, "%c%u", mods[rnd(seed, 3)], rnd(seed, 6));
        if (rnd(seed, 2))
            snprintf(out + n, cap - n, ",%u", 1 + rnd(seed, 3));
    }
}

static void test_random_expressions(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int t = 0; t < 1500; t++) {
        char expr[400];
        gen(&seed, expr, sizeof(expr), 0);
        /* libclamav reads an outer parenthesised group only with a modifier
         * or operator after it; top level is written without parentheses */
        size_t len = strlen(expr);
        if (expr[0] == '(' && expr[len - 1] == ')' ) {
            int depth = 0;
            bool outer = true;
            for (size_t i = 0; i < len; i++) {
                depth += expr[i] == '(' ? 1 : expr[i] == ')' ? -1 : 0;
                if (depth == 0 && i + 1 < len)
                    outer = false;
            }
            if (outer) {
                memmove(expr, expr + 1, len - 2);
                expr[len - 2] = '\0';
            }
        }
        for (int c = 0; c < 6; c++) {
            unsigned counts[NSUB];
            for (int i = 0; i < NSUB; i++)
                counts[i] = rnd(&seed, 3) == 0 ? 0 : rnd(&seed, 5);
            check(expr, counts);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_cases), cmocka_unit_test(test_fuzzy_img),
        cmocka_unit_test(test_random_expressions), cmocka_unit_test(test_cdb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
