/*
 * test_clamav_bcomp_root.c - byte compares of target-specific logical
 * signatures run only when their matcher root holds a pattern of several
 * parts (lib/clamav/lower.c split_root, IR_CLBC_DORMANT).
 *
 * libclamav's cli_bcomp_scanbuf returns at once when the root's match data
 * has no offmatrix, which cli_ac_initdata allocates only for a root with
 * ac_partsigs > 0 (a pattern cut at "*" or {n-m}). Every case below was run
 * through Debian's clamscan 1.4.6: the lines written to t.ldb / n.ndb, the
 * file NOPE to a file, `clamscan --no-summary --allmatch -d t.ldb [-d n.ndb]
 * nope.bin`; `want` says whether signature A was reported.
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
#include "eval/internal.h"
#include "ir/ir.h"
#include "ir/ir_dump.h"

/* A PE's first bytes and nothing after: libclamav types it MS-EXE (target
 * 1) and fails to parse it; the 16-bit little-endian value at 2 is 0x90. */
static const uint8_t NOPE[] = "MZ\x90\x00\x03\x00xxxxxxxxxxxx";
#define NOPE_LEN 18u

#define MAX_STR 16
#define MAX_HITS 8

typedef struct hits {
    size_t n[MAX_STR];
    mt_match m[MAX_STR][MAX_HITS];
} hits;

static const mt_match *get_matches(const void *user, uint32_t s, size_t *n)
{
    const hits *h = user;
    *n = s < MAX_STR ? h->n[s] : 0;
    return s < MAX_STR ? h->m[s] : NULL;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Matches of the program's plain-literal strings (the others, with jumps,
 * never occur in NOPE). */
static void find_hits(const ir_program *p, const uint8_t *data, size_t len, hits *h)
{
    memset(h, 0, sizeof(*h));
    for (size_t s = 0; s < p->strings.len && s < MAX_STR; s++) {
        const char *src = ir_str(p, p->strings.items[s].src);
        uint8_t lit[32];
        size_t n = strlen(src) / 2;
        bool plain = n <= sizeof(lit) && strlen(src) % 2 == 0;
        for (size_t i = 0; plain && i < n; i++) {
            int hi = hexval(src[2 * i]), lo = hexval(src[2 * i + 1]);
            plain = hi >= 0 && lo >= 0;
            if (plain)
                lit[i] = (uint8_t)(hi << 4 | lo);
        }
        for (size_t at = 0; plain && at + n <= len && h->n[s] < MAX_HITS; at++)
            if (memcmp(data + at, lit, n) == 0)
                h->m[s][h->n[s]++] = (mt_match){at, (uint32_t)n, 0};
    }
}

/* Lowers the lines into one program, in order: "N:..." lines are .ndb,
 * the others .ldb. */
static void lower_lines(ir_program *p, cv_arena *a, const char *const *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *l = lines[i];
        cv_error err = {{0}};
        cv_origin o = {"ldb", "t.ldb", (uint32_t)i + 1};
        if (l[0] == 'N' && l[1] == ':') {
            cv_ndb s;
            if (cv_parse_ndb(l, strlen(l), a, &s, &err) != CV_OK)
                fail_msg("%s refused: %s", l, err.msg);
            o.type = "ndb";
            assert_int_equal(cv_lower_ndb(p, &s, "N", &o), VIGIL_OK);
        } else {
            cv_ldb *s = cv_alloc(a, sizeof(*s));
            assert_non_null(s);
            if (cv_parse_ldb(l, strlen(l), a, s, &err) != CV_OK)
                fail_msg("%s refused: %s", l, err.msg);
            assert_int_equal(cv_lower_ldb(p, s, l[0] == 'A' ? "A" : "other", &o), VIGIL_OK);
        }
    }
}

/* Whether rule 0 (signature A, always the first line) holds on NOPE. */
static bool first_fires(const char *const *lines, size_t n)
{
    cv_arena a;
    cv_arena_init(&a);
    ir_program p;
    ir_init(&p);
    lower_lines(&p, &a, lines, n);
    assert_int_equal(ev_validate(&p), VIGIL_OK);
    ev_state *st;
    assert_int_equal(ev_state_new(&p, &st), VIGIL_OK);
    hits *h = malloc(sizeof(*h));
    assert_non_null(h);
    find_hits(&p, NOPE, NOPE_LEN, h);
    cv_objinfo oi;
    cv_objinfo_init(&oi, NOPE, NOPE_LEN);
    ev_input in = {.prog = &p,
                   .data = NOPE,
                   .len = NOPE_LEN,
                   .clam = &oi,
                   .get_matches = get_matches,
                   .get_matches_user = h};
    uint8_t *res = calloc(p.rules.len ? p.rules.len : 1, 1);
    assert_non_null(res);
    assert_int_equal(ev_run(st, &in, res), VIGIL_OK);
    bool got = res[0];
    free(res);
    free(h);
    ev_state_free(st);
    ir_free(&p);
    cv_arena_free(&a);
    return got;
}

#define A1 "A;Engine:81-255,Target:1;0&1;4d5a;0(>>2#il2#>0)"

typedef struct bcase {
    const char *lines[3];
    bool want;
} bcase;

static void test_roots(void **state)
{
    (void)state;
    static const bcase cases[] = {
        /* alone: root 1 has no pattern of several parts */
        {{A1}, false},
        /* a later or earlier signature of target 1 with "*" or {n-m} */
        {{A1, "P;Engine:81-255,Target:1;0;aabb*ccdd"}, true},
        {{A1, "N:1:*:aabb{2-4}ccdd"}, true},
        {{A1, "N:1:*:aabb{-4}ccdd"}, true},
        {{A1, "N:1:*:aabb{4-}ccdd"}, true},
        {{A1, "N:1:0:aabb(cc|dd)*eeff"}, true},
        {{A1, "P;Engine:81-255,Target:1;0;aabb{2-4}ccdd::w"}, true},
        /* {n} up to 127 is inlined as ??: one part */
        {{A1, "N:1:*:aabb{3}ccdd"}, false},
        {{A1, "N:1:*:aabb{127}ccdd"}, false},
        {{A1, "N:1:*:aabb{128}ccdd"}, true},
        {{A1, "N:1:*:aabb??ccdd"}, false},
        /* other roots do not help */
        {{A1, "N:0:*:aabb*ccdd"}, false},
        {{A1, "N:2:*:aabb*ccdd", "N:6:*:aabb*ccdd"}, false},
        /* the signature's own subsignature counts */
        {{"A;Engine:81-255,Target:1;(0&1)|2;4d5a;0(>>2#il2#>0);aabb*ccdd"}, true},
        {{"A;Engine:81-255,Target:1;(0&1)|2;4d5a;0(>>2#il2#>0);aabbccdd"}, false},
        /* root 0 always has them (the file-type table) */
        {{"A;Engine:81-255,Target:0;0&1;4d5a;0(>>2#il2#>0)"}, true},
        /* a byte compare on a dormant one stays 0 too */
        {{"A;Engine:81-255,Target:1;2;4d5a;0(>>2#il2#>0);1(>>1#ib1#>0)"}, false},
        {{"A;Engine:81-255,Target:1;2;4d5a;0(>>2#il2#>0);1(>>1#ib1#>0)", "N:1:*:aabb*ccdd"}, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = 0;
        while (n < 3 && cases[i].lines[n])
            n++;
        bool got = first_fires(cases[i].lines, n);
        if (got != cases[i].want)
            fail_msg("case %zu (%s, %s): clamscan %s, vigil %s", i, cases[i].lines[0],
                     n > 1 ? cases[i].lines[1] : "-", cases[i].want ? "FOUND" : "OK",
                     got ? "FOUND" : "OK");
    }
}

static const ir_node *bytecmp_node(const ir_program *p, size_t k)
{
    for (size_t i = 0; i < p->nodes.len; i++)
        if (p->nodes.items[i].op == IR_OP_CLAM_BYTECMP && k-- == 0)
            return &p->nodes.items[i];
    return NULL;
}

/* The IR: dormant nodes carry their target, wake when a split pattern of
 * that target arrives, show in the dump, and validate. */
static void test_ir(void **state)
{
    (void)state;
    cv_arena a;
    cv_arena_init(&a);
    ir_program p;
    ir_init(&p);
    const char *first[] = {A1, "B;Engine:81-255,Target:6;0&1;7f454c46;0(>>4#ib1#>0)"};
    lower_lines(&p, &a, first, 2);
    const ir_node *n1 = bytecmp_node(&p, 0), *n6 = bytecmp_node(&p, 1);
    assert_non_null(n1);
    assert_non_null(n6);
    assert_true(n1->aux & IR_CLBC_DORMANT);
    assert_int_equal(n1->aux >> IR_CLBC_TARGET_SHIFT, 1);
    assert_true(n6->aux & IR_CLBC_DORMANT);
    assert_int_equal(n6->aux >> IR_CLBC_TARGET_SHIFT, 6);
    char *s = ir_dump_rule_str(&p, 0);
    assert_non_null(s);
    if (!strstr(s, "(>>2#il2#>0) dormant-target-1)"))
        fail_msg("dump: %s", s);
    free(s);
    assert_int_equal(ev_validate(&p), VIGIL_OK);

    const char *wake[] = {"N:1:*:aabb*ccdd"};
    lower_lines(&p, &a, wake, 1);
    n1 = bytecmp_node(&p, 0);
    n6 = bytecmp_node(&p, 1);
    assert_false(n1->aux & IR_CLBC_DORMANT);
    assert_int_equal(n1->aux >> IR_CLBC_TARGET_SHIFT, 1);
    assert_true(n6->aux & IR_CLBC_DORMANT);
    assert_int_equal(p.clam_split_roots, 1u << 1);
    /* later byte compares of target 1 are born awake */
    const char *later[] = {"C;Engine:81-255,Target:1;0&1;4d5a;0(>>3#ib1#=0)"};
    lower_lines(&p, &a, later, 1);
    assert_false(bytecmp_node(&p, 2)->aux & IR_CLBC_DORMANT);
    s = ir_dump_rule_str(&p, 0);
    assert_non_null(s);
    if (strstr(s, "dormant"))
        fail_msg("dump: %s", s);
    free(s);
    assert_int_equal(ev_validate(&p), VIGIL_OK);
    /* bits past the target are refused */
    ir_node *n = (ir_node *)bytecmp_node(&p, 0);
    uint32_t keep = n->aux;
    n->aux |= 1u << 17;
    assert_int_equal(ev_validate(&p), VIGIL_E_CORRUPT);
    n->aux = keep;
    assert_int_equal(ev_validate(&p), VIGIL_OK);
    ir_free(&p);
    cv_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_ir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
