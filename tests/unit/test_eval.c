/*
 * test_eval.c - the condition evaluator (lib/eval) against yara 4.2.3.
 * Programs are built by hand node by node; every expectation was checked
 * with Debian's /usr/bin/yara 4.2.3 on the same data, and the yara condition
 * that was run is written next to it. Match lists come from a table here
 * (ev_input.get_matches), so the evaluator is tested apart from the matcher.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eval/eval.h"
#include "ir/ir.h"

/* ---- the scanned object and its matches ----
 * Default data is the file `s` = "xxabxxabxxabxxcd" scanned with
 *   strings: $a = "ab" $b = "cd" $c = "zz"
 * so $a matches at 2, 6, 10, $b at 14, $c nowhere. Strings 0, 1, 2 of the
 * program stand for $a, $b, $c. */
static const char DATA_S[] = "xxabxxabxxabxxcd";
/* file `g`: 'A' 80 ff 01 02 03 04 05 06 07 */
static const uint8_t DATA_G[] = {'A', 0x80, 0xff, 1, 2, 3, 4, 5, 6, 7};

static const mt_match MATCH_A[] = {{2, 2, 0}, {6, 2, 0}, {10, 2, 0}};
static const mt_match MATCH_B[] = {{14, 2, 0}};

static const mt_match *get_matches(const void *user, uint32_t s, size_t *n)
{
    (void)user;
    switch (s) {
    case 0:
        *n = 3;
        return MATCH_A;
    case 1:
        *n = 1;
        return MATCH_B;
    default:
        *n = 0;
        return NULL;
    }
}

static ir_program P;
static const uint8_t *data;
static size_t data_len;
static bool has_ep;
static uint64_t ep;
static const ir_external *ext_values;

enum { SA = 0, SB = 1, SC = 2 };

static int setup(void **state)
{
    (void)state;
    ir_init(&P);
    assert_true(vec_push(&P.namespaces, ir_pool_str(&P, "default")));
    for (uint32_t i = 0; i < 3; i++) {
        ir_string s = {0};
        s.id = ir_pool_str(&P, i == 0 ? "$a" : i == 1 ? "$b" : "$c");
        assert_true(vec_push(&P.strings, s));
    }
    P.max_loop_vars = 4;
    data = (const uint8_t *)DATA_S;
    data_len = 16;
    has_ep = false;
    ep = 0;
    ext_values = NULL;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ir_free(&P);
    return 0;
}

/* ---- node builders ---- */

static uint32_t add(ir_node n)
{
    uint32_t i = ir_add_node(&P, &n);
    assert_int_not_equal(i, IR_NONE);
    return i;
}

static ir_node blank(uint16_t op, uint8_t type)
{
    ir_node n;
    memset(&n, 0, sizeof(n));
    n.op = op;
    n.type = type;
    n.a = n.b = n.c = IR_NONE;
    return n;
}

static uint8_t type_of(uint32_t i)
{
    return P.nodes.items[i].type;
}

static uint32_t I(int64_t v)
{
    ir_node n = blank(IR_OP_INT, IR_T_INT);
    n.v.i = v;
    return add(n);
}

static uint32_t FL(double f)
{
    ir_node n = blank(IR_OP_FLOAT, IR_T_FLOAT);
    n.v.f = f;
    return add(n);
}

static uint32_t STRN(const char *s, size_t len)
{
    ir_node n = blank(IR_OP_STRING, IR_T_STRING);
    n.v.s.off = ir_pool_add(&P, s, len);
    n.v.s.len = (uint32_t)len;
    return add(n);
}

static uint32_t STR(const char *s)
{
    return STRN(s, strlen(s));
}

static uint32_t RX(const char *s, uint32_t flags)
{
    ir_node n = blank(IR_OP_REGEX, IR_T_REGEX);
    n.v.s.off = ir_pool_str(&P, s);
    n.v.s.len = (uint32_t)strlen(s);
    n.aux = flags;
    return add(n);
}

static uint32_t LEAF(uint16_t op)
{
    return add(blank(op, op == IR_OP_TRUE || op == IR_OP_FALSE ? IR_T_BOOL : IR_T_INT));
}

static uint32_t UN(uint16_t op, uint32_t a)
{
    uint8_t t = IR_T_BOOL;
    if (op == IR_OP_NEG)
        t = type_of(a);
    else if (op == IR_OP_BNOT)
        t = IR_T_INT;
    ir_node n = blank(op, t);
    n.a = a;
    return add(n);
}

static uint32_t BIN(uint16_t op, uint32_t a, uint32_t b)
{
    uint8_t t = IR_T_BOOL;
    if (op >= IR_OP_ADD && op <= IR_OP_MOD)
        t = (type_of(a) == IR_T_FLOAT || type_of(b) == IR_T_FLOAT) ? IR_T_FLOAT : IR_T_INT;
    else if (op >= IR_OP_BAND && op <= IR_OP_SHR)
        t = IR_T_INT;
    ir_node n = blank(op, t);
    n.a = a;
    n.b = b;
    return add(n);
}

static uint32_t RD(uint32_t aux, uint32_t off)
{
    ir_node n = blank(IR_OP_READ_INT, IR_T_INT);
    n.aux = aux;
    n.a = off;
    return add(n);
}

static uint32_t U8(int64_t off)
{
    return RD(IR_READ_W1, I(off));
}

/* yara's uint8(100) on a file shorter than 101 bytes: an undefined int */
static uint32_t UNDEF(void)
{
    return U8(100);
}

static uint32_t DEF(uint32_t a)
{
    return UN(IR_OP_DEFINED, a);
}

static uint32_t NOT(uint32_t a)
{
    return UN(IR_OP_NOT, a);
}

static uint32_t EQ(uint32_t a, uint32_t b)
{
    return BIN(IR_OP_EQ, a, b);
}

static uint32_t EQI(uint32_t a, int64_t v)
{
    return EQ(a, I(v));
}

static uint32_t RNG(uint32_t a, uint32_t b)
{
    ir_node n = blank(IR_OP_RANGE, IR_T_UNDEF);
    n.a = a;
    n.b = b;
    return add(n);
}

static uint32_t SOP(uint16_t op, uint32_t s, uint32_t b)
{
    ir_node n =
        blank(op, op == IR_OP_STR_FOUND || op == IR_OP_STR_AT || op == IR_OP_STR_IN ? IR_T_BOOL
                                                                                    : IR_T_INT);
    n.a = s;
    n.b = b;
    return add(n);
}

static ir_list list_of(const uint32_t *items, size_t count)
{
    ir_list l = {ir_add_list(&P, items, count), (uint32_t)count};
    assert_int_not_equal(l.first, IR_NONE);
    return l;
}

static uint32_t OF(uint16_t op, uint32_t q, uint32_t c, const uint32_t *items, size_t count)
{
    ir_node n = blank(op, IR_T_BOOL);
    n.aux = q;
    n.c = c;
    n.v.list = list_of(items, count);
    return add(n);
}

static uint32_t FOR_OF(uint32_t q, uint32_t c, const uint32_t *items, size_t count, uint32_t body)
{
    ir_node n = blank(IR_OP_FOR_OF, IR_T_BOOL);
    n.aux = q;
    n.c = c;
    n.a = body;
    n.v.list = list_of(items, count);
    return add(n);
}

static uint32_t ENUM(const uint32_t *items, size_t count)
{
    ir_node n = blank(IR_OP_ENUM, IR_T_UNDEF);
    n.v.list = list_of(items, count);
    return add(n);
}

static uint32_t VAR(uint32_t slot)
{
    ir_node n = blank(IR_OP_VAR, IR_T_INT);
    n.a = slot;
    return add(n);
}

static uint32_t FOR_IN(uint32_t q, uint32_t c, uint32_t slot, uint32_t iter, uint32_t body)
{
    ir_node n = blank(IR_OP_FOR_IN, IR_T_BOOL);
    n.aux = q;
    n.c = c;
    n.b = slot;
    n.a = iter;
    n.v.body = body;
    n.pad = 1; /* one loop variable */
    return add(n);
}

/* ---- running ---- */

/* The rule run() adds owns only $c, which matched nothing: conditions that
 * cannot hold without a match are then skipped (prefilter.c, needs_hit). */
static bool owns_only_c;

static int run(uint32_t cond)
{
    ir_rule r;
    memset(&r, 0, sizeof(r));
    r.cond = cond;
    r.strings_count = (uint32_t)P.strings.len; /* the rule owns $a $b $c (ir_string.rule 0) */
    if (owns_only_c) {
        r.strings_first = SC;
        r.strings_count = 1;
    }
    assert_true(vec_push(&P.rules, r));
    ev_state *st = NULL;
    assert_int_equal(ev_state_new(&P, &st), VIGIL_OK);
    uint8_t *res = calloc(P.rules.len, 1);
    assert_non_null(res);
    ev_input in;
    memset(&in, 0, sizeof(in));
    in.prog = &P;
    in.data = data;
    in.len = data_len;
    in.has_entrypoint = has_ep;
    in.entrypoint = ep;
    in.externals = ext_values;
    in.get_matches = get_matches;
    assert_int_equal(ev_run(st, &in, res), VIGIL_OK);
    int v = res[P.rules.len - 1];
    free(res);
    ev_state_free(st);
    P.rules.len--;
    return v;
}

#define YT(cond) assert_int_equal(run(cond), 1)
#define YF(cond) assert_int_equal(run(cond), 0)

/* ---- boolean logic and UNDEFINED ---- */

static void test_undefined_logic(void **state)
{
    (void)state;
    YT(LEAF(IR_OP_TRUE));
    YF(LEAF(IR_OP_FALSE));
    YF(EQI(UNDEF(), 0));                                   /* uint8(100) == 0 */
    YF(NOT(EQI(UNDEF(), 0)));                              /* not (uint8(100) == 0) */
    YT(BIN(IR_OP_OR, EQI(UNDEF(), 0), LEAF(IR_OP_TRUE)));  /* uint8(100) == 0 or true */
    YT(BIN(IR_OP_OR, LEAF(IR_OP_TRUE), EQI(UNDEF(), 0)));  /* true or uint8(100)==0 */
    YF(BIN(IR_OP_AND, EQI(UNDEF(), 0), LEAF(IR_OP_TRUE))); /* uint8(100) == 0 and true */
    /* not (uint8(100) == 0 and true) */
    YT(NOT(BIN(IR_OP_AND, EQI(UNDEF(), 0), LEAF(IR_OP_TRUE))));
    /* not (uint8(100) == 0 or false) */
    YT(NOT(BIN(IR_OP_OR, EQI(UNDEF(), 0), LEAF(IR_OP_FALSE))));
    /* not (false or uint8(100) == 0) */
    YT(NOT(BIN(IR_OP_OR, LEAF(IR_OP_FALSE), EQI(UNDEF(), 0))));
    YF(DEF(UNDEF()));      /* defined uint8(100) */
    YT(NOT(DEF(UNDEF()))); /* not defined uint8(100) */
    /* defined (uint8(100)==0 or false) */
    YT(DEF(BIN(IR_OP_OR, EQI(UNDEF(), 0), LEAF(IR_OP_FALSE))));
    /* defined (uint8(100)==0 and true) */
    YT(DEF(BIN(IR_OP_AND, EQI(UNDEF(), 0), LEAF(IR_OP_TRUE))));
    /* defined (uint8(100)==0 or uint8(101)==0) */
    YT(DEF(BIN(IR_OP_OR, EQI(UNDEF(), 0), EQI(U8(101), 0))));
    /* not (uint8(100)==0 or uint8(101)==0) */
    YT(NOT(BIN(IR_OP_OR, EQI(UNDEF(), 0), EQI(U8(101), 0))));
    /* not (uint8(100)==0 and uint8(101)==0) */
    YT(NOT(BIN(IR_OP_AND, EQI(UNDEF(), 0), EQI(U8(101), 0))));
    YF(DEF(NOT(EQI(UNDEF(), 0))));     /* defined (not uint8(100)==0) */
    YF(NOT(UNDEF()));                  /* not uint8(100) */
    YF(UNDEF());                       /* uint8(100) */
    YT(U8(0));                         /* uint8(0) */
    YT(UN(IR_OP_NEG, FL(0.0)));        /* -0.0 */
    YF(FL(0.0));                       /* 0.0 */
    YT(FL(0.5));                       /* 0.5 */
    YT(STR("a"));                      /* "a" */
    YF(STR(""));                       /* "" */
    YF(DEF(LEAF(IR_OP_ENTRYPOINT)));   /* defined entrypoint */
    YT(EQI(LEAF(IR_OP_FILESIZE), 16)); /* filesize == 16 */
}

static void test_long_chain(void **state)
{
    (void)state;
    /* a generated rule: true and true and ... (100000 operands) and false */
    uint32_t acc = LEAF(IR_OP_TRUE);
    for (int i = 0; i < 100000; i++)
        acc = BIN(IR_OP_AND, acc, LEAF(IR_OP_TRUE));
    YT(acc);
    YF(BIN(IR_OP_AND, acc, LEAF(IR_OP_FALSE)));
    uint32_t orc = LEAF(IR_OP_FALSE);
    for (int i = 0; i < 100000; i++)
        orc = BIN(IR_OP_OR, orc, EQI(UNDEF(), 0));
    YF(orc);
    YT(BIN(IR_OP_OR, orc, LEAF(IR_OP_TRUE)));
}

/* ---- arithmetic ---- */

static void test_arithmetic(void **state)
{
    (void)state;
    data = DATA_G; /* uint8(0) == 65 */
    data_len = sizeof(DATA_G);
    YF(DEF(BIN(IR_OP_DIV, I(1), BIN(IR_OP_SUB, U8(0), I(65))))); /* defined (1 \ (uint8(0)-65)) */
    YF(DEF(BIN(IR_OP_MOD, I(1), BIN(IR_OP_SUB, U8(0), I(65))))); /* defined (1 % (uint8(0)-65)) */
    /* defined ((-0x7fffffffffffffff - 1) \ -1), and % */
    YF(DEF(BIN(IR_OP_DIV, I(INT64_MIN), I(-1))));
    YF(DEF(BIN(IR_OP_MOD, I(INT64_MIN), I(-1))));
    YT(EQI(BIN(IR_OP_DIV, I(-7), I(2)), -3));                        /* -7 \ 2 == -3 */
    YT(EQI(BIN(IR_OP_MOD, I(-7), I(2)), -1));                        /* -7 % 2 == -1 */
    YT(EQI(BIN(IR_OP_MOD, I(7), I(-2)), 1));                         /* 7 % -2 == 1 */
    YT(EQI(BIN(IR_OP_DIV, I(5), I(2)), 2));                          /* 5 \ 2 == 2 */
    YT(EQ(BIN(IR_OP_ADD, FL(1.5), I(1)), FL(2.5)));                  /* 1.5 + 1 == 2.5 */
    YT(EQ(BIN(IR_OP_DIV, I(7), FL(2.0)), FL(3.5)));                  /* 7 \ 2.0 == 3.5 */
    YT(EQ(BIN(IR_OP_DIV, FL(2.5), I(2)), FL(1.25)));                 /* 2.5 \ 2 == 1.25 */
    YT(DEF(BIN(IR_OP_DIV, FL(1.0), FL(0.0))));                       /* defined (1.0 \ 0.0) */
    YT(BIN(IR_OP_GT, BIN(IR_OP_DIV, FL(1.0), FL(0.0)), FL(1000.0))); /* (1.0 \ 0.0) > 1000.0 */
    YT(BIN(IR_OP_LT, UN(IR_OP_NEG, BIN(IR_OP_DIV, FL(1.0), FL(0.0))), I(0))); /* -(1.0\0.0) < 0 */
    /* 0.1 + 0.2 == 0.3 (yara compares floats within DBL_EPSILON) */
    YT(EQ(BIN(IR_OP_ADD, FL(0.1), FL(0.2)), FL(0.3)));
    YT(EQ(I(1), FL(1.0)));                              /* 1 == 1.0 */
    YT(BIN(IR_OP_NE, FL(1.0), FL(1.0000000000000002))); /* 1.0 != 1.0000000000000002 */
    /* wrap-around at run time (uint8(0) == 65):
     * (uint8(0) + 0x7fffffffffffffff) == -0x7fffffffffffffff + 63 */
    YT(EQI(BIN(IR_OP_ADD, U8(0), I(INT64_MAX)), INT64_MIN + 64));
    /* (uint8(0) * 0x7fffffffffffffff) == 0x7fffffffffffffff - 64 */
    YT(EQI(BIN(IR_OP_MUL, U8(0), I(INT64_MAX)), INT64_MAX - 64));
    /* (-0x7fffffffffffffff - 1 - uint8(0)) == 0x7fffffffffffffff - 64 */
    YT(EQI(BIN(IR_OP_SUB, I(INT64_MIN), U8(0)), INT64_MAX - 64));
    /* -(-0x7fffffffffffffff - 1 + (uint8(0) - 65)) == -0x7fffffffffffffff - 1 */
    YT(EQI(UN(IR_OP_NEG, BIN(IR_OP_ADD, I(INT64_MIN), BIN(IR_OP_SUB, U8(0), I(65)))), INT64_MIN));
    YF(DEF(BIN(IR_OP_ADD, UNDEF(), FL(1.5)))); /* defined (uint8(100) + 1.5) */
    YF(DEF(UN(IR_OP_NEG, UNDEF())));           /* defined (-uint8(100)) */
    YF(DEF(BIN(IR_OP_DIV, UNDEF(), FL(2.0)))); /* defined (uint8(100) \ 2.0) */
    YF(DEF(BIN(IR_OP_DIV, FL(1.0), UNDEF()))); /* defined (1.0 \ uint8(100)) */
}

static void test_bitwise(void **state)
{
    (void)state;
    data = DATA_G;
    data_len = sizeof(DATA_G);
    uint32_t neg = BIN(IR_OP_SUB, U8(0), I(100)); /* -35 at run time */
    YF(DEF(BIN(IR_OP_SHL, I(1), neg)));           /* defined (1 << (uint8(0)-100)) */
    YF(DEF(BIN(IR_OP_SHR, I(1), neg)));           /* defined (1 >> (uint8(0)-100)) */
    YT(EQI(BIN(IR_OP_SHL, I(1), I(64)), 0));      /* (1 << 64) == 0 */
    YT(EQI(BIN(IR_OP_SHL, I(1), I(63)), INT64_MIN));
    YT(EQI(BIN(IR_OP_SHR, I(-8), I(1)), -4));  /* (-8 >> 1) == -4 */
    YT(EQI(BIN(IR_OP_SHR, I(-8), I(64)), 0));  /* (-8 >> 64) == 0 */
    YT(EQI(BIN(IR_OP_SHR, I(-8), I(63)), -1)); /* (-8 >> 63) == -1 */
    YT(EQI(BIN(IR_OP_BAND, I(0xf0), I(0x3c)), 0x30));
    YT(EQI(BIN(IR_OP_BOR, I(0xf0), I(0x0f)), 0xff));
    YT(EQI(BIN(IR_OP_BXOR, I(0xff), I(0x0f)), 0xf0));
    YT(EQI(UN(IR_OP_BNOT, I(0)), -1));
    YF(DEF(UN(IR_OP_BNOT, UNDEF()))); /* defined (~uint8(100)) */
    YF(DEF(BIN(IR_OP_BAND, UNDEF(), I(1))));
}

/* ---- comparisons and string operators ---- */

static void test_compare(void **state)
{
    (void)state;
    YT(BIN(IR_OP_LT, STR("abc"), STR("abd")));   /* "abc" < "abd" */
    YT(BIN(IR_OP_LT, STR("ab"), STR("abc")));    /* "ab" < "abc" */
    YT(BIN(IR_OP_GT, STR("b"), STR("abc")));     /* "b" > "abc" */
    YF(BIN(IR_OP_GT, STR("\xff"), STR("a")));    /* "\xff" > "a" (signed chars) */
    YT(BIN(IR_OP_LT, STR("\x80"), STR("\x7f"))); /* "\x80" < "\x7f" */
    YT(EQ(STRN("a\0b", 3), STRN("a\0b", 3)));
    YF(EQ(STRN("a\0b", 3), STRN("a\0c", 3)));
    YT(BIN(IR_OP_NE, STR("a"), STR("A")));
    YT(BIN(IR_OP_LE, I(3), I(3)));
    YT(BIN(IR_OP_GE, I(3), I(2)));
    YF(BIN(IR_OP_GT, I(-1), I(0)));
    YT(BIN(IR_OP_LT, I(1), FL(1.5)));
    /* the OP_DBL_LT quirk: < with a float side is false, not undefined */
    YT(DEF(BIN(IR_OP_LT, UNDEF(), FL(1.5)))); /* defined (uint8(100) < 1.5) */
    YT(NOT(BIN(IR_OP_LT, UNDEF(), FL(1.5)))); /* not (uint8(100) < 1.5) */
    YT(DEF(BIN(IR_OP_LT, FL(1.5), UNDEF()))); /* defined (1.5 < uint8(100)) */
    YF(DEF(BIN(IR_OP_LT, UNDEF(), I(1))));    /* defined (uint8(100) < 1) */
    YF(DEF(BIN(IR_OP_LE, UNDEF(), FL(1.5)))); /* defined (uint8(100) <= 1.5) */
    YF(DEF(BIN(IR_OP_GT, UNDEF(), FL(1.5)))); /* defined (uint8(100) > 1.5) */
    YF(DEF(EQ(UNDEF(), FL(1.0))));            /* defined (uint8(100) == 1.0) */
    YT(DEF(EQ(STR("a"), STR("a"))));          /* defined ("a" == "a") */
}

static void test_string_ops(void **state)
{
    (void)state;
    YT(BIN(IR_OP_CONTAINS, STR("abc"), STR("b"))); /* "abc" contains "b" */
    YT(BIN(IR_OP_CONTAINS, STR("abc"), STR("")));  /* "abc" contains "" */
    YT(BIN(IR_OP_CONTAINS, STR(""), STR("")));     /* "" contains "" */
    YF(BIN(IR_OP_CONTAINS, STR("abc"), STR("B")));
    YT(BIN(IR_OP_ICONTAINS, STR("aBc"), STR("Bc"))); /* "aBc" icontains "Bc" */
    YT(BIN(IR_OP_ICONTAINS, STR("aBc"), STR("bC")));
    YF(BIN(IR_OP_ICONTAINS, STR("ab"), STR("abc")));
    YT(BIN(IR_OP_STARTSWITH, STR("abc"), STR("ab"))); /* "abc" startswith "ab" */
    YF(BIN(IR_OP_STARTSWITH, STR("abc"), STR("AB")));
    YT(BIN(IR_OP_ISTARTSWITH, STR("abc"), STR("AB"))); /* "abc" istartswith "AB" */
    YT(BIN(IR_OP_ENDSWITH, STR("abc"), STR("bc")));    /* "abc" endswith "bc" */
    YF(BIN(IR_OP_ENDSWITH, STR("abc"), STR("abcd")));
    YT(BIN(IR_OP_IENDSWITH, STR("abc"), STR("BC")));                 /* "abc" iendswith "BC" */
    YT(BIN(IR_OP_IEQUALS, STR("abc"), STR("ABC")));                  /* "abc" iequals "ABC" */
    YF(BIN(IR_OP_IEQUALS, STR("abc"), STR("ABCD")));                 /* "abc" iequals "ABCD" */
    YT(BIN(IR_OP_STARTSWITH, STR(""), STR("")));                     /* "" startswith "" */
    YF(BIN(IR_OP_IEQUALS, STR("\xe9"), STR("\xc9")));                /* ASCII folding only */
    YT(BIN(IR_OP_MATCHES, STR("abc"), RX("b", 0)));                  /* "abc" matches /b/ */
    YF(BIN(IR_OP_MATCHES, STR(""), RX(".*", 0)));                    /* "" matches /.*\/ is false */
    YT(BIN(IR_OP_MATCHES, STR("ABC"), RX("b", IR_SF_REGEX_NOCASE))); /* "ABC" matches /b/i */
    YF(BIN(IR_OP_MATCHES, STR("a\nb"), RX("a.b", 0)));               /* "a\nb" matches /a.b/ */
    YT(BIN(IR_OP_MATCHES, STR("a\nb"), RX("a.b", IR_SF_DOTALL)));    /* ... /a.b/s */
}

/* ---- integer reads: file g = 'A' 80 ff 01 02 03 04 05 06 07 ---- */

static void test_reads(void **state)
{
    (void)state;
    data = DATA_G;
    data_len = sizeof(DATA_G);
    const uint32_t S = IR_READ_SIGNED, BE = IR_READ_BE;
    YT(EQI(RD(IR_READ_W1, I(1)), 0x80));                 /* uint8(1) == 0x80 */
    YT(EQI(RD(IR_READ_W1 | S, I(1)), -128));             /* int8(1) == -128 */
    YT(EQI(RD(IR_READ_W1 | S, I(2)), -1));               /* int8(2) == -1 */
    YT(EQI(RD(IR_READ_W2, I(1)), 0xff80));               /* uint16(1) == 0xff80 */
    YT(EQI(RD(IR_READ_W2 | S, I(1)), -128));             /* int16(1) == -128 */
    YT(EQI(RD(IR_READ_W2 | BE, I(1)), 0x80ff));          /* uint16be(1) == 0x80ff */
    YT(EQI(RD(IR_READ_W2 | BE | S, I(1)), -32513));      /* int16be(1) == -32513 */
    YT(EQI(RD(IR_READ_W4, I(2)), 0x030201ff));           /* uint32(2) == 0x030201ff */
    YT(EQI(RD(IR_READ_W4 | BE, I(1)), 0x80ff0102));      /* uint32be(1) == 0x80ff0102 */
    YT(EQI(RD(IR_READ_W4 | BE | S, I(1)), -2130771710)); /* int32be(1) == -2130771710 */
    YT(EQI(RD(IR_READ_W4, I(6)), 0x07060504));           /* uint32(6) == 0x07060504 */
    YF(DEF(RD(IR_READ_W4, I(7))));                       /* defined uint32(7) */
    YT(DEF(RD(IR_READ_W1, I(9))));                       /* defined uint8(9) */
    YF(DEF(RD(IR_READ_W1, I(10))));                      /* defined uint8(10) */
    YF(DEF(RD(IR_READ_W1, I(-1))));                      /* defined uint8(-1) */
    YF(DEF(RD(IR_READ_W2, I(9))));                       /* defined uint16(9) */
    YF(DEF(RD(IR_READ_W1, I(INT64_MAX))));
    YF(DEF(RD(IR_READ_W1, UNDEF()))); /* defined uint8(uint8(100)) */
    data = NULL;
    data_len = 0;
    YF(DEF(RD(IR_READ_W1, I(0)))); /* empty file */
    YT(EQI(LEAF(IR_OP_FILESIZE), 0));
}

static void test_entrypoint_externals(void **state)
{
    (void)state;
    has_ep = true;
    ep = 0x400;
    YT(EQI(LEAF(IR_OP_ENTRYPOINT), 0x400));
    has_ep = false;
    YF(DEF(EQI(LEAF(IR_OP_ENTRYPOINT), 0))); /* defined entrypoint == 0 */

    ir_external e[4];
    memset(e, 0, sizeof(e));
    e[0].type = IR_T_INT;
    e[0].i = 7;
    e[1].type = IR_T_BOOL;
    e[1].i = 1;
    e[2].type = IR_T_FLOAT;
    e[2].f = 2.5;
    e[3].type = IR_T_STRING;
    e[3].s = ir_pool_str(&P, "hello");
    e[3].s_len = 5;
    for (int i = 0; i < 4; i++)
        assert_true(vec_push(&P.externals, e[i]));
    uint32_t x[4];
    for (uint32_t i = 0; i < 4; i++) {
        ir_node n = blank(IR_OP_EXTERNAL, (uint8_t)e[i].type);
        n.a = i;
        x[i] = add(n);
    }
    YT(EQI(x[0], 7));
    YT(x[1]);
    YT(EQ(x[2], FL(2.5)));
    YT(EQ(x[3], STR("hello")));
    /* values given at scan time replace the defaults */
    ir_external v[4];
    memcpy(v, e, sizeof(v));
    v[0].i = 8;
    v[1].i = 0;
    v[3].s_len = 4;
    ext_values = v;
    YT(EQI(x[0], 8));
    YF(x[1]);
    YT(EQ(x[3], STR("hell")));
    v[3].s = (uint32_t)P.pool.len; /* out of the pool: undefined, not a crash */
    YF(DEF(x[3]));
}

/* ---- string references: file s, $a at 2,6,10, $b at 14, $c none ---- */

static void test_strings(void **state)
{
    (void)state;
    YT(EQI(SOP(IR_OP_STR_COUNT, SA, IR_NONE), 3)); /* #a == 3 */
    YT(EQI(SOP(IR_OP_STR_COUNT, SC, IR_NONE), 0)); /* #c == 0 */
    YT(SOP(IR_OP_STR_FOUND, SA, IR_NONE));         /* $a */
    YF(SOP(IR_OP_STR_FOUND, SC, IR_NONE));         /* $c */
    YT(EQI(SOP(IR_OP_STR_OFFSET, SA, I(1)), 2));   /* @a[1] == 2 */
    YT(EQI(SOP(IR_OP_STR_OFFSET, SA, I(3)), 10));  /* @a[3] == 10 */
    YF(DEF(SOP(IR_OP_STR_OFFSET, SA, I(4))));      /* defined @a[4] */
    YF(DEF(SOP(IR_OP_STR_OFFSET, SA, I(0))));      /* defined @a[0] */
    YF(DEF(SOP(IR_OP_STR_OFFSET, SA, I(-1))));     /* defined @a[-1] */
    YF(DEF(SOP(IR_OP_STR_OFFSET, SA, UNDEF())));
    YT(EQI(SOP(IR_OP_STR_LENGTH, SA, I(1)), 2)); /* !a[1] == 2 */
    YF(DEF(SOP(IR_OP_STR_LENGTH, SA, I(4))));    /* defined !a[4] */
    YF(DEF(SOP(IR_OP_STR_OFFSET, SC, I(1))));    /* defined @c[1] */
    YT(SOP(IR_OP_STR_AT, SA, I(6)));             /* $a at 6 */
    YF(SOP(IR_OP_STR_AT, SA, I(7)));             /* $a at 7 */
    YF(SOP(IR_OP_STR_AT, SA, I(-2)));
    YT(DEF(SOP(IR_OP_STR_AT, SA, UNDEF())));            /* defined ($a at uint8(100)) */
    YT(NOT(SOP(IR_OP_STR_AT, SA, UNDEF())));            /* not ($a at uint8(100)) */
    YT(SOP(IR_OP_STR_IN, SA, RNG(I(0), I(2))));         /* $a in (0..2) */
    YF(SOP(IR_OP_STR_IN, SA, RNG(I(3), I(5))));         /* $a in (3..5) */
    YT(SOP(IR_OP_STR_IN, SA, RNG(I(3), I(6))));         /* $a in (3..6) */
    YF(SOP(IR_OP_STR_IN, SA, RNG(I(7), I(5))));         /* $a in (7..5) */
    YF(DEF(SOP(IR_OP_STR_IN, SA, RNG(UNDEF(), I(5))))); /* defined ($a in (uint8(100)..5)) */
    YT(SOP(IR_OP_STR_IN, SB, RNG(I(14), I(INT64_MAX))));
    /* #a in (x..y): yara 4.2.3 fails at scan time with error 31; the
     * documented meaning is the count of matches in the range */
    YT(EQI(SOP(IR_OP_STR_COUNT, SA, RNG(I(2), I(6))), 2));
    YT(EQI(SOP(IR_OP_STR_COUNT, SA, RNG(I(3), I(6))), 1));
    YT(EQI(SOP(IR_OP_STR_COUNT, SA, RNG(I(6), I(2))), 0));
    YT(EQI(SOP(IR_OP_STR_COUNT, SA, RNG(I(0), I(100))), 3)); /* #a in (0..100) == 3 */
    YT(EQI(SOP(IR_OP_STR_COUNT, SA, RNG(I(-5), I(INT64_MAX))), 3));
    YF(DEF(SOP(IR_OP_STR_COUNT, SA, RNG(UNDEF(), I(6))))); /* defined #a in (uint8(100)..6) */
}

static void test_of_strings(void **state)
{
    (void)state;
    const uint32_t all3[] = {SA, SB, SC}, ab[] = {SA, SB}, ac[] = {SA, SC}, c[] = {SC};
    const uint32_t a[] = {SA};
    YT(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(2), all3, 3));   /* 2 of them */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(3), all3, 3));   /* 3 of them */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(0), all3, 3));   /* 0 of them */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(4), all3, 3));   /* 4 of them */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(4), a, 1));      /* 4 of ($a) */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_ALL, IR_NONE, all3, 3)); /* all of them */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_ALL, IR_NONE, ab, 2));
    YT(OF(IR_OP_OF_STRINGS, IR_Q_ANY, IR_NONE, all3, 3));  /* any of them */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_NONE, IR_NONE, all3, 3)); /* none of them */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_NONE, IR_NONE, c, 1));    /* none of ($c) */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_NONE, IR_NONE, ac, 2));   /* none of ($a,$c) */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(0), c, 1));       /* 0 of ($c) */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(0), ac, 2));      /* 0 of ($a,$c) */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(-5), ac, 2));
    YT(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(66), all3, 3)); /* 66% of them */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(67), all3, 3)); /* 67% of them */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(50), ac, 2));
    YF(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(51), ac, 2));
    YT(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(100), ab, 2)); /* 100% of ($a,$b) */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(1), all3, 3)); /* 1% of ($a,$b,$c) */
    YF(DEF(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, UNDEF(), all3, 3)));
    /* undefined count means all */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, UNDEF(), ab, 2));        /* uint8(100) of ($a,$b) */
    YF(NOT(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, UNDEF(), ab, 2)));   /* not (uint8(100) of ($a,$b)) */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, UNDEF(), ac, 2));        /* uint8(100) of ($a,$c) */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, UNDEF(), c, 1));         /* uint8(100) of ($c) */
    YT(DEF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, UNDEF(), all3, 3))); /* defined (uint8(100) of them) */
}

/* Rules none of whose strings matched: only those that cannot be true
 * without a match may be skipped; the rest are evaluated as ever. */
static void test_rules_without_hits(void **state)
{
    (void)state;
    const uint32_t c[] = {SC};
    owns_only_c = true;
    YF(SOP(IR_OP_STR_FOUND, SC, IR_NONE));                    /* $c */
    YF(BIN(IR_OP_AND, LEAF(IR_OP_TRUE), SOP(IR_OP_STR_FOUND, SC, IR_NONE)));
    YF(OF(IR_OP_OF_STRINGS, IR_Q_ANY, IR_NONE, c, 1));         /* any of ($c) */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(1), c, 1));           /* 1 of ($c) */
    YF(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(50), c, 1));       /* 50% of ($c) */
    YF(BIN(IR_OP_GT, SOP(IR_OP_STR_COUNT, SC, IR_NONE), I(0))); /* #c > 0 */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_NONE, IR_NONE, c, 1));        /* none of ($c) */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(0), c, 1));           /* 0 of ($c) */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_EXPR, I(-1), c, 1));          /* -1 of ($c) */
    YT(OF(IR_OP_OF_STRINGS, IR_Q_PERCENT, I(0), c, 1));        /* 0% of ($c) */
    YT(EQI(SOP(IR_OP_STR_COUNT, SC, IR_NONE), 0));             /* #c == 0 */
    YT(BIN(IR_OP_GE, SOP(IR_OP_STR_COUNT, SC, IR_NONE), I(0))); /* #c >= 0 */
    YT(NOT(SOP(IR_OP_STR_FOUND, SC, IR_NONE)));               /* not $c */
    YT(BIN(IR_OP_OR, LEAF(IR_OP_TRUE), SOP(IR_OP_STR_FOUND, SC, IR_NONE)));
    owns_only_c = false;
}

static void test_for_of(void **state)
{
    (void)state;
    const uint32_t all3[] = {SA, SB, SC}, ab[] = {SA, SB}, c[] = {SC};
    uint32_t self = IR_NONE;
    /* for all of ($a,$b) : ($) */
    YT(FOR_OF(IR_Q_ALL, IR_NONE, ab, 2, SOP(IR_OP_STR_FOUND, self, IR_NONE)));
    /* for any of them : (# == 3) */
    YT(FOR_OF(IR_Q_ANY, IR_NONE, all3, 3, EQI(SOP(IR_OP_STR_COUNT, self, IR_NONE), 3)));
    /* for all of ($a,$b) : (@[1] >= 2) */
    YT(FOR_OF(IR_Q_ALL, IR_NONE, ab, 2, BIN(IR_OP_GE, SOP(IR_OP_STR_OFFSET, self, I(1)), I(2))));
    /* for 2 of them : (![1] == 2) */
    YT(FOR_OF(IR_Q_EXPR, I(2), all3, 3, EQI(SOP(IR_OP_STR_LENGTH, self, I(1)), 2)));
    /* for all of ($a,$b) : ($ at 2) */
    YF(FOR_OF(IR_Q_ALL, IR_NONE, ab, 2, SOP(IR_OP_STR_AT, self, I(2))));
    /* for any of ($a,$b) : ($ at 14) */
    YT(FOR_OF(IR_Q_ANY, IR_NONE, ab, 2, SOP(IR_OP_STR_AT, self, I(14))));
    /* for any of ($a,$b) : ($ in (13..14)) */
    YT(FOR_OF(IR_Q_ANY, IR_NONE, ab, 2, SOP(IR_OP_STR_IN, self, RNG(I(13), I(14)))));
    uint32_t c_at0 = EQI(SOP(IR_OP_STR_OFFSET, self, I(1)), 0);
    YF(FOR_OF(IR_Q_ALL, IR_NONE, c, 1, c_at0));      /* for all of ($c) : (@[1] == 0) */
    YT(DEF(FOR_OF(IR_Q_ALL, IR_NONE, c, 1, c_at0))); /* defined (for all of ...) */
    YT(FOR_OF(IR_Q_NONE, IR_NONE, c, 1, c_at0));     /* for none of ($c) : (@[1] == 0) */
    /* yara 4.2.3: `for none of` holds whatever the body */
    YT(FOR_OF(IR_Q_NONE, IR_NONE, c, 1, LEAF(IR_OP_TRUE)));  /* for none of ($c) : (true) */
    YT(FOR_OF(IR_Q_NONE, IR_NONE, ab, 2, LEAF(IR_OP_TRUE))); /* for none of ($a,$b) : (true) */
    uint32_t undef_off = DEF(SOP(IR_OP_STR_OFFSET, self, I(1)));
    YF(FOR_OF(IR_Q_ALL, IR_NONE, c, 1, undef_off));      /* for all of ($c) : (defined @[1]) */
    YT(FOR_OF(IR_Q_ANY, IR_NONE, c, 1, NOT(undef_off))); /* for any of ($c) : (not defined @[1]) */
    /* for all of ($a,$b) : (uint8(100) == 0) */
    YF(FOR_OF(IR_Q_ALL, IR_NONE, ab, 2, EQI(UNDEF(), 0)));
    YT(FOR_OF(IR_Q_EXPR, UNDEF(), ab, 2,
              LEAF(IR_OP_TRUE)));                          /* for uint8(100) of ($a,$b) : (true) */
    YF(FOR_OF(IR_Q_EXPR, I(3), ab, 2, LEAF(IR_OP_TRUE)));  /* for 3 of ($a,$b) : (true) */
    YT(FOR_OF(IR_Q_EXPR, I(0), ab, 2, LEAF(IR_OP_FALSE))); /* for 0 of ($a,$b) : (false) */
    /* `$` outside the loop afterwards refers to nothing again */
    YF(SOP(IR_OP_STR_FOUND, self, IR_NONE));
}

static void test_for_in(void **state)
{
    (void)state;
    uint32_t i = VAR(0), j = VAR(1);
    const uint32_t e123[] = {I(1), I(2), I(3)};
    uint32_t enum123 = ENUM(e123, 3);
    const uint32_t e1u3[] = {I(1), UNDEF(), I(3)};
    uint32_t enum1u3 = ENUM(e1u3, 3);
    const uint32_t eu[] = {UNDEF()};
    uint32_t enumu = ENUM(eu, 1);
    uint32_t r13 = RNG(I(1), I(3)), r31 = RNG(I(3), I(1));

    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, r13,
              BIN(IR_OP_GT, i, I(0)))); /* for all i in (1..3) : (i > 0) */
    /* a loop over nothing is false, whatever the quantifier */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r31, LEAF(IR_OP_FALSE))); /* for all i in (3..1) : (false) */
    YF(FOR_IN(IR_Q_ANY, IR_NONE, 0, r31, LEAF(IR_OP_TRUE)));  /* for any i in (3..1) : (true) */
    YF(FOR_IN(IR_Q_NONE, IR_NONE, 0, r31, LEAF(IR_OP_TRUE))); /* for none i in (3..1) : (true) */
    YF(FOR_IN(IR_Q_EXPR, I(0), 0, r31, LEAF(IR_OP_TRUE)));    /* for 0 i in (3..1) : (true) */
    YT(DEF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r31,
                  LEAF(IR_OP_FALSE)))); /* defined (for all i in (3..1) ...) */
    uint32_t r1u = RNG(I(1), UNDEF());
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r1u,
              LEAF(IR_OP_TRUE))); /* for all i in (1..uint8(100)) : (true) */
    YT(DEF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r1u, LEAF(IR_OP_TRUE))));
    YF(FOR_IN(IR_Q_NONE, IR_NONE, 0, r1u,
              LEAF(IR_OP_TRUE))); /* for none i in (1..uint8(100)) : (true) */
    /* for any i in (uint8(100)..uint8(100)) : (true) */
    YF(FOR_IN(IR_Q_ANY, IR_NONE, 0, RNG(UNDEF(), UNDEF()), LEAF(IR_OP_TRUE)));
    /* undefined enumeration items are iterated */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, enum1u3,
              BIN(IR_OP_GT, i, I(0)))); /* for all i in (1, uint8(100), 3) : (i > 0) */
    YT(FOR_IN(IR_Q_EXPR, I(2), 0, enum1u3,
              BIN(IR_OP_GT, i, I(0)))); /* for 2 i in (1, uint8(100), 3) : (i > 0) */
    YT(FOR_IN(IR_Q_ANY, IR_NONE, 0, enumu,
              LEAF(IR_OP_TRUE)));                         /* for any i in (uint8(100)) : (true) */
    YT(FOR_IN(IR_Q_ANY, IR_NONE, 0, enumu, NOT(DEF(i)))); /* ... : (not defined i) */
    /* undefined bodies count as false */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, enum123,
              EQI(UNDEF(), 0))); /* for all i in (1,2,3) : (uint8(100) == 0) */
    YT(FOR_IN(IR_Q_NONE, IR_NONE, 0, enum123,
              EQI(UNDEF(), 0))); /* for none i in (1,2,3) : (uint8(100) == 0) */
    YT(FOR_IN(IR_Q_EXPR, I(2), 0, enum123,
              BIN(IR_OP_GE, i, I(2)))); /* for 2 i in (1,2,3) : (i >= 2) */
    YF(FOR_IN(IR_Q_EXPR, I(3), 0, enum123,
              BIN(IR_OP_GE, i, I(2)))); /* for 3 i in (1,2,3) : (i >= 2) */
    YT(FOR_IN(IR_Q_EXPR, I(0), 0, enum123,
              BIN(IR_OP_GE, i, I(3))));                    /* for 0 i in (1,2,3) : (i >= 3) */
    YT(FOR_IN(IR_Q_NONE, IR_NONE, 0, enum123, EQI(i, 2))); /* for none i in (1,2,3) : (i == 2) */
    YT(FOR_IN(IR_Q_EXPR, UNDEF(), 0, enum123,
              LEAF(IR_OP_TRUE))); /* for uint8(100) i in (1,2,3) : (true) */
    YF(FOR_IN(IR_Q_EXPR, UNDEF(), 0, enum123, BIN(IR_OP_GT, i, I(1)))); /* ... : (i > 1) */
    YT(FOR_IN(IR_Q_EXPR, I(-1), 0, RNG(I(1), I(1)),
              LEAF(IR_OP_FALSE))); /* for -1 i in (1..1) : (false) */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, RNG(I(1), I(1)),
              LEAF(IR_OP_FALSE))); /* for all i in (1..1) : (false) */
    YT(FOR_IN(IR_Q_ANY, IR_NONE, 0, RNG(I(0), I(0)),
              LEAF(IR_OP_TRUE))); /* for any i in (0..0) : (true) */
    /* for all i in (1..3) : (for all j in (i..3) : (j >= i)) */
    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, r13,
              FOR_IN(IR_Q_ALL, IR_NONE, 1, RNG(i, I(3)), BIN(IR_OP_GE, j, i))));
    /* for any i in (1..3) : (for any j in (1..2) : (i + j == 5)) */
    YT(FOR_IN(IR_Q_ANY, IR_NONE, 0, r13,
              FOR_IN(IR_Q_ANY, IR_NONE, 1, RNG(I(1), I(2)), EQI(BIN(IR_OP_ADD, i, j), 5))));
    /* for all i in (1..3) : (@a[i] == 2 + (i-1)*4) */
    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, r13,
              EQ(SOP(IR_OP_STR_OFFSET, SA, i),
                 BIN(IR_OP_ADD, I(2), BIN(IR_OP_MUL, BIN(IR_OP_SUB, i, I(1)), I(4))))));
    uint32_t r14 = RNG(I(1), I(4));
    YT(FOR_IN(
        IR_Q_ANY, IR_NONE, 0, r14,
        NOT(DEF(SOP(IR_OP_STR_OFFSET, SA, i))))); /* for any i in (1..4) : (not defined @a[i]) */
    YF(FOR_IN(
        IR_Q_ALL, IR_NONE, 0, r14,
        BIN(IR_OP_GT, SOP(IR_OP_STR_OFFSET, SA, i), I(0)))); /* for all i in (1..4) : (@a[i] > 0) */
    YT(FOR_IN(IR_Q_EXPR, I(4), 0, r14, LEAF(IR_OP_TRUE)));   /* for 4 i in (1..4) : (true) */
    YF(FOR_IN(IR_Q_EXPR, I(5), 0, r14, LEAF(IR_OP_TRUE)));   /* for 5 i in (1..4) : (true) */
    /* a range ending at INT64_MAX stops there; `any` stops at the first hit */
    YT(FOR_IN(IR_Q_ANY, IR_NONE, 0, RNG(I(INT64_MAX - 1), I(INT64_MAX)), EQI(i, INT64_MAX)));
    YT(FOR_IN(IR_Q_ANY, IR_NONE, 0, RNG(I(0), I(INT64_MAX)), LEAF(IR_OP_TRUE)));
    /* percent (not yara 4.2 syntax for loops): share of true iterations */
    YT(FOR_IN(IR_Q_PERCENT, I(50), 0, r14, BIN(IR_OP_LE, i, I(2))));
    YF(FOR_IN(IR_Q_PERCENT, I(51), 0, r14, BIN(IR_OP_LE, i, I(2))));
    /* the loop variable is undefined again once the loop is over */
    YF(DEF(i));
}

/* Loop bodies that are not booleans: yara adds their raw values to the
 * loop's counter (the front end must pass such bodies through unconverted). */
static void test_loop_raw_bodies(void **state)
{
    (void)state;
    uint32_t i = VAR(0);
    uint32_t r13 = RNG(I(1), I(3)), r12 = RNG(I(1), I(2));
    const uint32_t ab[] = {SA, SB};
    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, RNG(I(0), I(2)), i)); /* for all i in (0..2) : (i) */
    YF(FOR_IN(IR_Q_ANY, IR_NONE, 0, r13,
              BIN(IR_OP_SUB, i, I(2)))); /* for any i in (1..3) : (i - 2) */
    YT(FOR_IN(IR_Q_ANY, IR_NONE, 0, r13,
              BIN(IR_OP_SUB, I(2), i))); /* for any i in (1..3) : (2 - i) */
    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, r13,
              BIN(IR_OP_SUB, i, I(1)))); /* for all i in (1..3) : (i - 1) */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r13,
              BIN(IR_OP_SUB, i, I(2))));          /* for all i in (1..3) : (i - 2) */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r13, I(-1))); /* for all i in (1..3) : (-1) */
    YF(FOR_IN(IR_Q_NONE, IR_NONE, 0, r13,
              BIN(IR_OP_SUB, i, I(5)))); /* for none i in (1..3) : (i - 5) */
    YT(FOR_IN(IR_Q_NONE, IR_NONE, 0, r13,
              BIN(IR_OP_SUB, i, I(2)))); /* for none i in (1..3) : (i - 2) */
    /* for 1 i in (1..3) : (3 - i * 2): the counter reaches 1 at once */
    YT(FOR_IN(IR_Q_EXPR, I(1), 0, r13, BIN(IR_OP_SUB, I(3), BIN(IR_OP_MUL, i, I(2)))));
    /* for 2 i in (1..3) : (5 - i * 4) */
    YF(FOR_IN(IR_Q_EXPR, I(2), 0, r13, BIN(IR_OP_SUB, I(5), BIN(IR_OP_MUL, i, I(4)))));
    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, r12, FL(1.5)));  /* for all i in (1..2) : (1.5) */
    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, r12, FL(-1.5))); /* for all i in (1..2) : (-1.5) (bits wrap) */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r12, STR("")));  /* for all i in (1..2) : ("") */
    YT(FOR_IN(IR_Q_ALL, IR_NONE, 0, r12, STR("a"))); /* for all i in (1..2) : ("a") */
    YF(FOR_IN(IR_Q_ALL, IR_NONE, 0, r13, UNDEF()));  /* for all i in (1..3) : (uint8(100)) */
    uint32_t cnt = SOP(IR_OP_STR_COUNT, IR_NONE, IR_NONE);
    YT(FOR_OF(IR_Q_ALL, IR_NONE, ab, 2,
              BIN(IR_OP_SUB, cnt, I(1)))); /* for all of ($a,$b) : (# - 1) */
    YF(FOR_OF(IR_Q_NONE, IR_NONE, ab, 2,
              BIN(IR_OP_SUB, cnt, I(5)))); /* for none of ($a,$b) : (# - 5) */
}

static void test_of_bools(void **state)
{
    (void)state;
    /* `of` over boolean expressions (yara 4.3 syntax; 4.2.3 rejects it):
     * same counting as string sets, undefined items count as false */
    const uint32_t tf[] = {LEAF(IR_OP_TRUE), LEAF(IR_OP_FALSE)};
    const uint32_t tu[] = {LEAF(IR_OP_TRUE), EQI(UNDEF(), 0)};
    YT(OF(IR_OP_OF_BOOLS, IR_Q_ANY, IR_NONE, tf, 2));
    YF(OF(IR_OP_OF_BOOLS, IR_Q_ALL, IR_NONE, tu, 2));
    YF(OF(IR_OP_OF_BOOLS, IR_Q_NONE, IR_NONE, tu, 2));
    YT(OF(IR_OP_OF_BOOLS, IR_Q_EXPR, I(1), tu, 2));
    YT(OF(IR_OP_OF_BOOLS, IR_Q_PERCENT, I(50), tf, 2));
}

/* ---- several rules: references, rule sets, global rules ---- */

static void add_rule(uint32_t ns, uint32_t flags, uint32_t cond)
{
    ir_rule r;
    memset(&r, 0, sizeof(r));
    r.ns = ns;
    r.flags = flags;
    r.cond = cond;
    assert_true(vec_push(&P.rules, r));
}

static uint32_t RULE(uint32_t idx)
{
    ir_node n = blank(IR_OP_RULE, IR_T_BOOL);
    n.a = idx;
    return add(n);
}

static void run_all(uint8_t *res)
{
    ev_state *st = NULL;
    assert_int_equal(ev_state_new(&P, &st), VIGIL_OK);
    ev_input in;
    memset(&in, 0, sizeof(in));
    in.prog = &P;
    in.data = data;
    in.len = data_len;
    in.get_matches = get_matches;
    assert_int_equal(ev_run(st, &in, res), VIGIL_OK);
    ev_state_free(st);
}

static void test_rules(void **state)
{
    (void)state;
    /* rule r1 { condition: true }
     * rule r2 { condition: false }
     * rule r3 { condition: uint8(100) == 0 }
     * rule x1 { condition: any of (r*) }        matches
     * rule x2 { condition: all of (r*) }        no
     * rule x3 { condition: 2 of (r1, r2, r3) }  no
     * rule x4 { condition: 34% of (r*) }        no
     * rule x5 { condition: 33% of (r*) }        matches
     * rule x6 { condition: none of (r2, r3) }   matches
     * rule x7 { condition: not r3 }             matches
     * rule x8 { condition: defined r3 }         matches */
    add_rule(0, 0, LEAF(IR_OP_TRUE));
    add_rule(0, 0, LEAF(IR_OP_FALSE));
    add_rule(0, 0, EQI(UNDEF(), 0));
    const uint32_t r123[] = {0, 1, 2}, r23[] = {1, 2};
    add_rule(0, 0, OF(IR_OP_OF_RULES, IR_Q_ANY, IR_NONE, r123, 3));
    add_rule(0, 0, OF(IR_OP_OF_RULES, IR_Q_ALL, IR_NONE, r123, 3));
    add_rule(0, 0, OF(IR_OP_OF_RULES, IR_Q_EXPR, I(2), r123, 3));
    add_rule(0, 0, OF(IR_OP_OF_RULES, IR_Q_PERCENT, I(34), r123, 3));
    add_rule(0, 0, OF(IR_OP_OF_RULES, IR_Q_PERCENT, I(33), r123, 3));
    add_rule(0, 0, OF(IR_OP_OF_RULES, IR_Q_NONE, IR_NONE, r23, 2));
    add_rule(0, 0, NOT(RULE(2)));
    add_rule(0, 0, DEF(RULE(2)));
    uint8_t res[11];
    run_all(res);
    const uint8_t want[11] = {1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};
    assert_memory_equal(res, want, sizeof(want));
}

static void test_global(void **state)
{
    (void)state;
    assert_true(vec_push(&P.namespaces, ir_pool_str(&P, "other")));
    /* rule a0 { condition: true }
     * rule a2 { condition: a0 }
     * global rule g1 { condition: a0 and filesize > 100 }
     * rule a3 { condition: a2 and not g1 }
     * yara prints nothing: the false global rule silences every rule of its
     * namespace, those declared before it included. Rules of another
     * namespace are untouched, and references saw the rules' own values. */
    add_rule(0, 0, LEAF(IR_OP_TRUE));
    add_rule(0, 0, RULE(0));
    add_rule(0, IR_RULE_GLOBAL,
             BIN(IR_OP_AND, RULE(0), BIN(IR_OP_GT, LEAF(IR_OP_FILESIZE), I(100))));
    add_rule(0, 0, BIN(IR_OP_AND, RULE(1), NOT(RULE(2))));
    add_rule(1, 0, BIN(IR_OP_AND, RULE(1), NOT(RULE(2))));
    add_rule(1, IR_RULE_PRIVATE, LEAF(IR_OP_TRUE));
    add_rule(1, IR_RULE_GLOBAL, LEAF(IR_OP_TRUE));
    uint8_t res[7];
    run_all(res);
    const uint8_t want[7] = {0, 0, 0, 0, 1, 1, 1};
    assert_memory_equal(res, want, sizeof(want));
}

/* ---- damaged programs are refused once, not trusted at run time ---- */

static vigil_status state_status(void)
{
    ev_state *st = NULL;
    vigil_status rc = ev_state_new(&P, &st);
    ev_state_free(st);
    return rc;
}

static void test_corrupt(void **state)
{
    (void)state;
    add_rule(0, 0, LEAF(IR_OP_TRUE));
    assert_int_equal(state_status(), VIGIL_OK);

    P.rules.items[0].cond = 999999; /* root out of range */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = LEAF(IR_OP_TRUE);
    P.rules.items[0].ns = 7; /* namespace out of range */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].ns = 0;

    uint32_t x = BIN(IR_OP_ADD, I(1), I(2));
    P.nodes.items[x].b = 123456; /* operand out of range */
    P.rules.items[0].cond = EQI(x, 3);
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    uint32_t y = BIN(IR_OP_AND, LEAF(IR_OP_TRUE), LEAF(IR_OP_TRUE));
    P.nodes.items[y].b = y; /* cycle */
    P.rules.items[0].cond = y;
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    uint32_t z1 = NOT(LEAF(IR_OP_TRUE));
    uint32_t z2 = NOT(z1);
    P.nodes.items[z1].a = z2; /* longer cycle */
    P.rules.items[0].cond = z2;
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    P.rules.items[0].cond = SOP(IR_OP_STR_FOUND, 77, IR_NONE); /* string out of range */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = VAR(99); /* loop slot out of range */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = RD(3, I(0)); /* read width 3 */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = SOP(IR_OP_STR_IN, SA, I(0)); /* `in` without a range */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = BIN(IR_OP_MATCHES, STR("a"), STR("a")); /* matches a non-regex */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = RULE(50); /* rule out of range */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    ir_node s = blank(IR_OP_STRING, IR_T_STRING); /* pool range out of bounds */
    s.v.s.off = 1;
    s.v.s.len = UINT32_MAX;
    P.rules.items[0].cond = add(s);
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    const uint32_t bad[] = {SA, 3}; /* string set out of range */
    P.rules.items[0].cond = OF(IR_OP_OF_STRINGS, IR_Q_ANY, IR_NONE, bad, 2);
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    uint32_t o = OF(IR_OP_OF_STRINGS, IR_Q_ANY, IR_NONE, bad, 1);
    P.nodes.items[o].v.list.first = (uint32_t)P.lists.len; /* list past the end */
    P.rules.items[0].cond = o;
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = OF(IR_OP_OF_STRINGS, 9, IR_NONE, bad, 1); /* bad quantifier */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.rules.items[0].cond = OF(IR_OP_OF_STRINGS, IR_Q_EXPR, IR_NONE, bad, 1); /* no count */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    /* a for-in whose iterator is neither a range nor an enumeration */
    P.rules.items[0].cond = FOR_IN(IR_Q_ANY, IR_NONE, 0, I(3), LEAF(IR_OP_TRUE));
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    ir_node u = blank(IR_OP__COUNT, 0); /* unknown operator */
    P.rules.items[0].cond = add(u);
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);

    P.rules.items[0].cond = LEAF(IR_OP_TRUE);
    P.max_loop_vars = 1u << 30; /* absurd slot count */
    assert_int_equal(state_status(), VIGIL_E_CORRUPT);
    P.max_loop_vars = 4;
    assert_int_equal(state_status(), VIGIL_OK);

    /* nesting deeper than EV_MAX_DEPTH is refused (and/or chains are not) */
    uint32_t deep = LEAF(IR_OP_TRUE);
    for (int i = 0; i < 5000; i++)
        deep = NOT(deep);
    P.rules.items[0].cond = deep;
    assert_int_equal(state_status(), VIGIL_E_LIMIT);
    P.rules.items[0].cond = LEAF(IR_OP_TRUE);

    /* arguments */
    ev_state *st = NULL;
    assert_int_equal(ev_state_new(NULL, &st), VIGIL_E_ARG);
    assert_int_equal(ev_state_new(&P, &st), VIGIL_OK);
    uint8_t res[1];
    ev_input in;
    memset(&in, 0, sizeof(in));
    assert_int_equal(ev_run(st, &in, res), VIGIL_E_ARG); /* another program */
    in.prog = &P;
    assert_int_equal(ev_run(st, &in, res), VIGIL_OK); /* no data, no matches */
    assert_int_equal(res[0], 1);
    ev_state_free(st);
    ev_state_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_undefined_logic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arithmetic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bitwise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entrypoint_externals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_of_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_without_hits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_for_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_for_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop_raw_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_of_bools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
