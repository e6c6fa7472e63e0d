/*
 * test_clamav_pcre.c - PCRE and byte-compare subsignatures of ClamAV logical
 * signatures (lib/clamav/lower.c, lib/eval/clamav_pcre.c and
 * clamav_bytecmp.c), from the signature line to the verdict.
 *
 * Every table below was run through Debian's clamscan 1.4.6 by hand: the
 * signatures written to a .ldb file, the file contents to a file, then
 * `clamscan --no-summary --allmatch -d t.ldb file`; `want` lists the
 * signatures clamscan reported. The hex subsignatures here are plain
 * literals, so the harness finds their matches with a naive search instead
 * of the matcher: these tests are about what happens after matching.
 */
#include <inttypes.h>
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

/* ---- harness ----------------------------------------------------------- */

#define MAX_HITS 64

typedef struct hits {
    size_t n[16];
    mt_match m[16][MAX_HITS];
} hits;

static const mt_match *get_matches(const void *user, uint32_t s, size_t *n)
{
    const hits *h = user;
    *n = s < 16 ? h->n[s] : 0;
    return s < 16 ? h->m[s] : NULL;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

/* Every occurrence of each (literal) hex string of the program in data. */
static void find_hits(const ir_program *p, const uint8_t *data, size_t len, hits *h)
{
    memset(h, 0, sizeof(*h));
    for (size_t s = 0; s < p->strings.len && s < 16; s++) {
        const char *src = ir_str(p, p->strings.items[s].src);
        uint8_t lit[64];
        size_t n = strlen(src) / 2;
        assert_true(n <= sizeof(lit));
        for (size_t i = 0; i < n; i++)
            lit[i] = (uint8_t)(hexval(src[2 * i]) << 4 | hexval(src[2 * i + 1]));
        for (size_t at = 0; at + n <= len && h->n[s] < MAX_HITS; at++)
            if (memcmp(data + at, lit, n) == 0)
                h->m[s][h->n[s]++] = (mt_match){at, (uint32_t)n, 0};
    }
}

/* Parses and lowers one .ldb line, scans data; -1 when the line is
 * refused (err then says why), else the verdict. */
static int verdict(const char *line, const uint8_t *data, size_t len, cv_error *err)
{
    cv_arena a;
    cv_arena_init(&a);
    cv_ldb *sig = cv_alloc(&a, sizeof(*sig));
    assert_non_null(sig);
    if (cv_parse_ldb(line, strlen(line), &a, sig, err) != CV_OK) {
        cv_arena_free(&a);
        return -1;
    }
    ir_program p;
    ir_init(&p);
    cv_origin o = {"ldb", "test.ldb", 1};
    assert_int_equal(cv_lower_ldb(&p, sig, "T", &o), VIGIL_OK);
    ev_state *st;
    assert_int_equal(ev_state_new(&p, &st), VIGIL_OK);
    hits *h = malloc(sizeof(*h));
    assert_non_null(h);
    find_hits(&p, data, len, h);
    cv_objinfo oi;
    cv_objinfo_init(&oi, data, len);
    ev_input in = {.prog = &p,
                   .data = data,
                   .len = len,
                   .clam = &oi,
                   .get_matches = get_matches,
                   .get_matches_user = h};
    uint8_t res[1];
    assert_int_equal(ev_run(st, &in, res), VIGIL_OK);
    /* a second run over the same object must not reuse stale counts wrongly */
    uint8_t again[1];
    assert_int_equal(ev_run(st, &in, again), VIGIL_OK);
    assert_int_equal(res[0], again[0]);
    free(h);
    ev_state_free(st);
    ir_free(&p);
    cv_arena_free(&a);
    return res[0];
}

typedef struct table_case {
    const char *sig; /* logical expression and subsignatures */
    bool want;       /* clamscan 1.4.6 reported it */
} table_case;

static void run_table(const table_case *t, size_t n, const char *file, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        char line[512];
        snprintf(line, sizeof(line), "S%zu;Engine:81-255,Target:0;%s", i, t[i].sig);
        cv_error err;
        int got = verdict(line, (const uint8_t *)file, len, &err);
        if (got < 0)
            fail_msg("%s refused: %s", line, err.msg);
        if (got != t[i].want)
            fail_msg("%s: clamscan %s, vigil %s", line, t[i].want ? "FOUND" : "OK",
                     got ? "FOUND" : "OK");
    }
}

/* ---- PCRE -------------------------------------------------------------- */

static const char F1[] = "xxAAAAyybbbbzzbbbbqqbbbb\n";

static void test_pcre_offsets_and_flags(void **state)
{
    (void)state;
    static const table_case t[] = {
        {"0&1;41414141;0/bbbb/", true},
        {"0&1>2;41414141;0/bbbb/g", true},  /* three matches with g */
        {"0&1>1;41414141;0/bbbb/", false},  /* one without */
        {"0&1;41414141;10:0/bbbb/", false}, /* anchored at 10 */
        {"0&1;41414141;9:0/bbbb/", false},
        {"0&1;41414141;8,2:0/bbbb/", true}, /* start within 8..10 */
        {"0&1;41414141;7,1:0/bbbb/", true},
        {"0&1;41414141;7,1:0/bbbb/e", false}, /* e: only bytes 7..7 */
        {"0&1;41414141;8,5:0/bbbb/e", true},
        {"0&1;41414141;0/BBBB/i", true},
        {"0&1;41414141;0>1/bbbb/", false}, /* trigger false */
        {"0&1;41414141;EOF-11:0/bbbb/", true},
        {"0&1;41414141;EOF-11:0/bbbb/r", true},
        /* EOF-n in 32 bits: one byte before the object is "*" (CLI_OFF_ANY,
         * even with a shift and e), two bytes before is no offset */
        {"0&1;41414141;EOF-25:0/bbbb/", false},
        {"0&1;41414141;EOF-26:0/bbbb/", true},
        {"0&1;41414141;EOF-27:0/bbbb/", false},
        {"0&1;41414141;EOF-26,3:0/bbbb/e", true},
        {"0&1;41414141;0/^bbbb/", false},
        {"0&1;41414141;0/^bbbb/m", false},
        {"0&1;41414141;0/bbbb/A", false},
        {"0&1;41414141;0/BBBB/::i", false}, /* ::i does not apply to PCREs */
        {"0&1;41414141;0/bbbb/::w", true},
        {"0&1&2;41414141;0/bbbb/;1/zz/", true}, /* a trigger on a PCRE */
        {"1;41414141;0/bbbb/", true},
        {"0&1;41414141;0/\\x62bbb/", true},
        {"0&1;41414141;0/(?<n>b)\\k<n>/", true},
        {"0&1;41414141;0/bbbb$/", true},
        {"0&1;41414141;0/bbbb$/E", false},
        {"0&1;41414141;0=1/bbbb/", true},
        {"0&1;41414141;0=0/bbbb/", false},
        /* clamscan loops on the empty match until its time limit, then
         * reports nothing; vigil stops the search */
        {"0&1=3;41414141;0/b*/g", false},
    };
    run_table(t, sizeof(t) / sizeof(t[0]), F1, sizeof(F1) - 1);
}

static void test_pcre_refused(void **state)
{
    (void)state;
    static const struct {
        const char *line, *msg;
    } t[] = {
        {"Q;Engine:81-255,Target:0;0&1&2;41414141;2/bbbb/;7a7a", "refers to subsequent subsig 2"},
        {"Q;Engine:81-255,Target:0;0&1;41414141;0/bb(bb/",
         "PCRE2 compilation failed at offset 5: missing closing parenthesis"},
        {"Q;Engine:81-255,Target:0;0&1;41414141;0/bbbb/D", "unknown flag 'D'"},
        {"Q;Engine:81-255,Target:0;0&1;41414141;1/bbbb/", "self-referential"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        cv_error err;
        assert_int_equal(verdict(t[i].line, (const uint8_t *)F1, sizeof(F1) - 1, &err), -1);
        if (!strstr(err.msg, t[i].msg))
            fail_msg("%s: '%s' lacks '%s'", t[i].line, err.msg, t[i].msg);
    }
}

/* ---- byte compare ------------------------------------------------------ */

static const char F2[] = "xxAAAA1234yy0x1fzz 42qq-5q\001\002\003\004\n";

static void test_bytecmp_formats(void **state)
{
    (void)state;
    static const table_case t[] = {
        {"0&1;41414141;0(>>4#hb4#=0x1234)", true},
        {"0&1;41414141;0(>>4#h4#=0x1234)", false}, /* no endianness */
        {"0&1;41414141;0(>>4#db4#=1234)", true},
        {"0&1;41414141;0(>>4#d4#=1234)", true}, /* d implies big-endian */
        {"0&1;41414141;0(>>4#a4#=1234)", false},
        {"0&1;41414141;0(>>4#ab4#=1234)", true},
        {"0&1;41414141;0(>>4#hl4#=0x3412)", true},
        {"0&1;41414141;0(>>4#hb3#=0x123)", true},
        {"0&1;41414141;0(>>4#hbe3#=0x123)", true},
        {"0&1;41414141;0(>>4#hbe5#=0x1234)", false}, /* 'y' is not hex */
        {"0&1;41414141;0(>>4#hb5#=0x1234)", true},
        {"0&1;41414141;0(<<2#ib1#=0x78)", false}, /* offset 0 never compares */
        {"0&1;41414141;0(<<1#ib1#=0x78)", true},
        {"0&1;41414141;0(>>0#ib4#=0x41414141)", true},
        {"0&1;41414141;0(>>4#il2#=0x3231)", true},
        {"0&1;41414141;0(>>4#hb4#>0x1000,<0x2000)", true},
        {"0&1;41414141;0(>>4#db2#>11,<13)", true},
        {"0&1;41414141;0(>>16#db3#=42)", true},   /* leading space skipped */
        {"0&1;41414141;0(>>16#dbe3#=42)", false}, /* ... but not exact */
        {"0&1;41414141;0(>>10#hb4#=0x1f)", true},
        {"0&1;41414141;0(>>10#ab4#=0x1f)", true},
        {"0&1;41414141;0(>>10#hbe4#=0x1f)", true},
        {"0&1;41414141;0(>>21#db2#=-5)", true},
        {"0&1;41414141;0(>>24#ib4#=0x01020304)", true},
        {"0&1;41414141;0(>>24#il4#=0x04030201)", true},
        {"0&1;41414141;0(>>10#hl4#=0x1f)", true},
        {"0&1;41414141;0(>>4#hl3#=0x123)", false},
        {"0&1;41414141;0(>>4#hl3#=0x2301)", true}, /* "0123" swapped */
        {"0&1;41414141;0(>>4#hl1#=0x1)", true},
        {"0&1;41414141;0(>>4#hb1#=0x1)", true},
        {"0&1;41414141;0(>>4#ab2#=12)", false}, /* auto needs 3 bytes */
        {"0&1;41414141;0(>>4#al2#=12)", false},
        {"0&1;41414141;0(>>4#a2#=12)", false},
        {"0&1;41414141;0(>>4#hb4#=4660)", true},
        {"0&1;41414141;0(>>4#ib2#=0x3132)", true},
        {"0&1;41414141;0(>>4#ibe2#=0x3132)", true},
        {"0&1;41414141;0(>>27#ib4#=0)", false}, /* past the end */
        {"0&1;41414141;0(>>26#ib1#=0x0a)", false},
        {"0&1;41414141;0(>>26#ib2#=0x0a00)", false},
        {"0&1;41414141;0(>>4#hle4#=0x3412)", true},
        {"0&1;41414141;0(>>4#hle3#=0x2301)", false},
        {"0&1;41414141;0(0#ib1#=0x41)", true},
        {"0&1;41414141;0(#ib1#=0x41)", true},
        {"0&1;41414141;0(>>4#db4#=1234,>1)", true},
        {"0&1;41414141;0(>>4#db4#=1234,=1234)", true},
    };
    run_table(t, sizeof(t) / sizeof(t[0]), F2, sizeof(F2) - 1);
}

static const char F3[] = "\000\000AAAA1234AAAA9999\n";

static void test_bytecmp_references(void **state)
{
    (void)state;
    static const table_case t[] = {
        /* the reference's last match (offset 8) */
        {"0&1&2;41414141;0(>>4#hb4#=0x1234);1(>>6#db4#=1234)", false},
        {"0&1;41414141;0(>>4#db4#=9999)", true},
        {"0&1;41414141;0(>>4#db4#=1234)", false},
        /* only matches in the reference's offset range count */
        {"0&1;2:41414141;0(>>4#db4#=1234)", true},
        {"0&1;2:41414141;0(>>4#db4#=9999)", false},
        /* a PCRE runs after the byte compares: never a reference... */
        {"0&2;41414141;0/AAAA/;1(>>4#hb4#=0x1234)", false},
        /* ... but its trigger sees them */
        {"2;41414141;0(>>4#db4#=9999);1/AAAA/", true},
        {"2;41414141;0(>>4#db4#=1234);1/AAAA/", false},
        /* a later byte compare has no count yet; an earlier one gives
         * offset 0 */
        {"0&1&2;41414141;2(>>4#hb4#=0x1234);0(>>4#hb4#=0x1234)", false},
        {"0&1&2;41414141;0(>>4#ib1#>0);1(>>1#ib1#>0)", false},
        {"0&1&2;41414141;0(>>4#ib1#>0);1(>>2#ib1#>0)", true},
        {"0&1&2;41414141;0(>>4#ib1#>0);1(>>10#ib1#>0)", true},
        {"2;41414141;0(>>4#ib1#>0);1(>>4#ib1#>0)", true},
        {"0&1;41414141;0(>>4#i4#=0x31323334)", false}, /* binary needs l or b */
        {"0&1;41414141;0(>>4#ib4#=0x39393939)", true},
        {"1;41414141;0(>>4#ibe4#=0x39393939)", true},
        {"0&1=2;41414141;0/AAAA/g", true},
        {"0&1=1;41414141;0/A+/g", false},
    };
    run_table(t, sizeof(t) / sizeof(t[0]), F3, sizeof(F3) - 1);
}

/* cli_strntol's reading of text numbers, through the comparison itself. */
static void test_bytecmp_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t aux;
        int64_t want; /* INT64_MIN: the comparison never holds */
    } t[] = {
        {"0x", IR_CLBC_HEX | IR_CLBC_BE, 0},   /* prefix alone: nothing read */
        {"-0x5", IR_CLBC_HEX | IR_CLBC_BE, 0}, /* no prefix after a sign */
        {"+17", IR_CLBC_DEC | IR_CLBC_BE, 17},
        {"  ", IR_CLBC_DEC | IR_CLBC_BE, 0}, /* only space: 0 unless exact */
        {"99999999999999999999", IR_CLBC_DEC | IR_CLBC_BE, INT64_MIN}, /* overflow */
        {"7fffffffffffffff", IR_CLBC_HEX | IR_CLBC_BE, INT64_MAX},
        {"ffffffffffffffff", IR_CLBC_BIN | IR_CLBC_BE, INT64_MIN}, /* not 1/2/4/8 */
        {"0x1f", IR_CLBC_HEX | IR_CLBC_LE, 0x1f},                  /* swapped: "1fxx" */
        {"0x123", IR_CLBC_HEX | IR_CLBC_LE, 0x2301},               /* "x00123" -> "2301x0" */
        {"12g4", IR_CLBC_HEX | IR_CLBC_LE, 0x12}, /* a non-hex pair zeroes what came before */
        {"0x12", IR_CLBC_AUTO | IR_CLBC_BE, 0x12},
        {"012", IR_CLBC_AUTO | IR_CLBC_BE, 12},
        {"12", IR_CLBC_AUTO | IR_CLBC_BE, INT64_MIN},
        {"123", IR_CLBC_AUTO | IR_CLBC_LE, INT64_MIN}, /* decimal little-endian */
        {"\x80"
         "12",
         IR_CLBC_DEC | IR_CLBC_BE, 0}, /* high bytes are not digits */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint8_t buf[64] = "#";
        size_t n = strlen(t[i].text);
        memcpy(buf + 1, t[i].text, n);
        ir_clam_bcmp b = {.offset = 1, .nbytes = (uint32_t)n};
        b.value[0] = t[i].want == INT64_MIN ? 0 : t[i].want;
        uint32_t aux = t[i].aux | 1u << IR_CLBC_NCMP_SHIFT | IR_CLBC_EQ << IR_CLBC_CMP0_SHIFT;
        bool eq = ev_clam_bytecmp_check(buf, n + 1, 0, aux, &b);
        /* the value read must be the expected one: = holds, and so does
         * neither of < and > */
        if (eq != (t[i].want != INT64_MIN))
            fail_msg("'%s' aux %#x: = %" PRId64 " gave %d", t[i].text, t[i].aux, b.value[0], eq);
    }
}

/* ---- IR: dump and validation ------------------------------------------- */

static void test_dump_and_validate(void **state)
{
    (void)state;
    const char *line =
        "D;Engine:81-255,Target:0;0&1&2;41414141;0(>>4#hle3#=0x2301,<9);EOF-11,4:0/bb\\/b/gr";
    cv_arena a;
    cv_arena_init(&a);
    cv_ldb *sig = cv_alloc(&a, sizeof(*sig));
    cv_error err;
    assert_int_equal(cv_parse_ldb(line, strlen(line), &a, sig, &err), CV_OK);
    ir_program p;
    ir_init(&p);
    cv_origin o = {"ldb", "test.ldb", 1};
    assert_int_equal(cv_lower_ldb(&p, sig, "D", &o), VIGIL_OK);
    char *s = ir_dump_rule_str(&p, 0);
    assert_non_null(s);
    if (!strstr(s, "(clamav-bytecmp #0 (>>4#hle3#=8961,<9))") ||
        !strstr(s, "(clamav-pcre /bb\\/b/gr $0 (range (+ clamav-offset(4, 0, 0) -11) "))
        fail_msg("dump: %s", s);
    free(s);
    assert_int_equal(ev_validate(&p), VIGIL_OK);
    /* damaged nodes are refused before evaluation */
    for (size_t i = 0; i < p.nodes.len; i++) {
        ir_node *n = &p.nodes.items[i];
        ir_node keep = *n;
        if (n->op == IR_OP_CLAM_PCRE) {
            n->aux |= 1u << 20;
            assert_int_equal(ev_validate(&p), VIGIL_E_CORRUPT);
            *n = keep;
            n->v.s.len = (uint32_t)p.pool.len; /* no NUL inside the pool */
            assert_int_equal(ev_validate(&p), VIGIL_E_CORRUPT);
            *n = keep;
            n->b = n->a; /* not a range */
            assert_int_equal(ev_validate(&p), VIGIL_E_CORRUPT);
        } else if (n->op == IR_OP_CLAM_BYTECMP) {
            n->aux |= IR_CLBC_LE | IR_CLBC_BE;
            assert_int_equal(ev_validate(&p), VIGIL_E_CORRUPT);
            *n = keep;
            n->v.s.len = 27;
            assert_int_equal(ev_validate(&p), VIGIL_E_CORRUPT);
            *n = keep;
            n->aux &= ~(3u << IR_CLBC_NCMP_SHIFT);
            assert_int_equal(ev_validate(&p), VIGIL_E_CORRUPT);
        }
        *n = keep;
    }
    assert_int_equal(ev_validate(&p), VIGIL_OK);
    ir_free(&p);
    cv_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcre_offsets_and_flags), cmocka_unit_test(test_pcre_refused),
        cmocka_unit_test(test_bytecmp_formats),        cmocka_unit_test(test_bytecmp_references),
        cmocka_unit_test(test_bytecmp_numbers),        cmocka_unit_test(test_dump_and_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
