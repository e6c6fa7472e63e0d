/*
 * test_yara_parse.c - the YARA front end (lib/yara): valid rules lowered to
 * the expected IR (compared through ir_dump), every compile error with its
 * line:col and yara 4.2.3's message (checked against /usr/bin/yara), error
 * recovery, includes, namespaces and the all-or-nothing rule of a source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ir/ir_dump.h"
#include "yara/yara.h"

/* ---- harness ---- */

typedef struct fx {
    ir_program p;
    yc_state *st;
    char diags[64][600]; /* "E 3:5 [rule] message" */
    size_t ndiags;
    size_t errors, warnings;
    bool warn;
} fx;

static void on_diag(const vigil_diag *d, void *user)
{
    fx *f = user;
    if (f->ndiags < 64)
        snprintf(f->diags[f->ndiags++], sizeof(f->diags[0]), "%c %d:%d [%s] %s",
                 d->severity == VIGIL_SEV_ERROR ? 'E' : 'W', d->line, d->col,
                 d->rule ? d->rule : "", d->message);
    /* every diagnostic names its file and carries the line's text */
    assert_non_null(d->file);
    if (d->line > 0)
        assert_non_null(d->source_line);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    ir_init(&f->p);
    assert_int_equal(yc_new(&f->p, &f->st), VIGIL_OK);
    f->warn = true;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    yc_free(f->st);
    ir_free(&f->p);
    free(f);
    return 0;
}

static vigil_status add_ns(fx *f, const char *src, const char *ns, const char *path)
{
    f->ndiags = 0;
    yc_options o = {.diag = on_diag, .diag_user = f, .warnings = f->warn};
    return yc_add_source(f->st, src, strlen(src), ns, path ? path : "t.yar", path, &o, &f->errors,
                         &f->warnings);
}

static vigil_status add(fx *f, const char *src)
{
    return add_ns(f, src, "default", NULL);
}

static uint32_t rule_named(const fx *f, const char *name)
{
    for (size_t i = 0; i < f->p.rules.len; i++) {
        if (strcmp(ir_str(&f->p, f->p.rules.items[i].name), name) == 0)
            return (uint32_t)i;
    }
    return IR_NONE;
}

/* Compiles "rule t { <strings> condition: <cond> }" and returns the dump of
 * its condition (caller frees), or NULL with the first error printed. */
static char *lower(fx *f, const char *strings, const char *cond)
{
    char src[4096];
    snprintf(src, sizeof(src), "rule t { %s condition: %s }", strings, cond);
    if (add(f, src) != VIGIL_OK) {
        print_message("unexpected error for %s: %s\n", cond, f->ndiags ? f->diags[0] : "?");
        return NULL;
    }
    uint32_t r = rule_named(f, "t");
    assert_int_not_equal(r, IR_NONE);
    return ir_dump_node_str(&f->p, f->p.rules.items[r].cond);
}

static void expect_cond(fx *f, const char *strings, const char *cond, const char *want)
{
    /* a fresh program per case, so rule "t" can be defined again */
    yc_free(f->st);
    ir_free(&f->p);
    ir_init(&f->p);
    assert_int_equal(yc_new(&f->p, &f->st), VIGIL_OK);
    char *got = lower(f, strings, cond);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        print_message("condition: %s\n  want: %s\n  got:  %s\n", cond, want, got);
    assert_string_equal(got, want);
    free(got);
}

/* Compiles src expecting failure; the first diagnostic must be `want`. */
static void expect_error(fx *f, const char *src, const char *want)
{
    yc_free(f->st);
    ir_free(&f->p);
    ir_init(&f->p);
    assert_int_equal(yc_new(&f->p, &f->st), VIGIL_OK);
    vigil_status st = add(f, src);
    if (st != VIGIL_E_SYNTAX || f->ndiags == 0 || strcmp(f->diags[0], want) != 0)
        print_message("source: %s\n  want: %s\n  got:  %s\n", src, want,
                      f->ndiags ? f->diags[0] : "(no diagnostic)");
    assert_int_equal(st, VIGIL_E_SYNTAX);
    assert_true(f->ndiags > 0);
    assert_string_equal(f->diags[0], want);
    /* nothing of a failed source stays in the program */
    assert_int_equal(f->p.rules.len, 0);
    assert_int_equal(f->p.strings.len, 0);
}

/* Like expect_error, for messages whose tail comes from lib/re. */
static void expect_error_prefix(fx *f, const char *src, const char *loc, const char *msg)
{
    yc_free(f->st);
    ir_free(&f->p);
    ir_init(&f->p);
    assert_int_equal(yc_new(&f->p, &f->st), VIGIL_OK);
    assert_int_equal(add(f, src), VIGIL_E_SYNTAX);
    assert_true(f->ndiags > 0);
    print_message("%s\n", f->diags[0]);
    assert_true(strncmp(f->diags[0], loc, strlen(loc)) == 0);
    const char *m = strchr(f->diags[0], '[');
    assert_non_null(m);
    assert_true(strncmp(m, msg, strlen(msg)) == 0);
}

/* ---- lowering ---- */

static void test_lower_constants_and_arith(void **state)
{
    fx *f = *state;
    expect_cond(f, "", "true", "true");
    expect_cond(f, "", "false", "false");
    expect_cond(f, "", "filesize > 10", "(> filesize 10)");
    expect_cond(f, "", "entrypoint == 0x400", "(== entrypoint 1024)");
    expect_cond(f, "", "1KB == 1024 and 2MB == 2097152 and 0o17 == 15",
                "(and (and (== 1024 1024) (== 2097152 2097152)) (== 15 15))");
    /* constant folding */
    expect_cond(f, "", "1 + 2 * 3 == 7", "(== 7 7)");
    expect_cond(f, "", "(1 + 2) * 3 == 9", "(== 9 9)");
    expect_cond(f, "", "1 == -2 + 3 * -(4)", "(== 1 -14)");
    expect_cond(f, "", "7 \\ 2 == 3 and 7 % 4 == 3", "(and (== 3 3) (== 3 3))");
    expect_cond(f, "", "1 << 3 | 1 == 9", "(== 9 9)");
    expect_cond(f, "", "(6 & 3) ^ 1 == 3", "(== 3 3)");
    expect_cond(f, "", "~0 == -1", "(== -1 -1)");
    expect_cond(f, "", "1 << 64 == 0", "(== 0 0)");
    expect_cond(f, "", "-(-9223372036854775807 - 1) < 0", "(< -9223372036854775808 0)");
    /* precedence: * over +, + over <<, << over &, & over ^, ^ over | */
    expect_cond(f, "", "filesize + 1 * 2 > 0", "(> (+ filesize 2) 0)");
    expect_cond(f, "", "filesize * 2 + 1 > 0", "(> (+ (* filesize 2) 1) 0)");
    expect_cond(f, "", "filesize | 1 ^ 2 & 3 << 1 > 0", "(> (| filesize 3) 0)");
    expect_cond(f, "", "filesize - 1 - 2 > 0", "(> (- (- filesize 1) 2) 0)");
    expect_cond(f, "", "-filesize < 0", "(< (neg filesize) 0)");
    expect_cond(f, "", "~filesize < 0", "(< (~ filesize) 0)");
    expect_cond(f, "", "filesize \\ 2 % 3 >= 1", "(>= (% (\\ filesize 2) 3) 1)");
    expect_cond(f, "", "filesize >> 1 <= 1", "(<= (>> filesize 1) 1)");
    expect_cond(f, "", "1.5 < filesize", "(< 1.5 filesize)");
    expect_cond(f, "", "1.0 \\ 0 > 1", "(> (\\ 1 0) 1)");
    expect_cond(f, "", "uint8(0) == 0x4d", "(== (uint8 0) 77)");
    expect_cond(f, "", "int16be(2) != uint32(filesize - 4)",
                "(!= (int16be 2) (uint32 (- filesize 4)))");
    expect_cond(f, "",
                "int8be(0) + int32(0) + uint16be(0) + uint32be(0) + int16(0) + uint8be(0) > 0",
                "(> (+ (+ (+ (+ (+ (int8be 0) (int32 0)) (uint16be 0)) (uint32be 0)) (int16 0)) "
                "(uint8be 0)) 0)");
}

static void test_lower_strings_ops(void **state)
{
    fx *f = *state;
    expect_cond(f, "", "\"abc\" contains \"b\"", "(contains \"abc\" \"b\")");
    expect_cond(f, "", "\"abc\" icontains \"B\" and \"a\" iequals \"A\"",
                "(and (icontains \"abc\" \"B\") (iequals \"a\" \"A\"))");
    expect_cond(f, "", "\"abc\" startswith \"a\" or \"abc\" istartswith \"A\"",
                "(or (startswith \"abc\" \"a\") (istartswith \"abc\" \"A\"))");
    expect_cond(f, "", "\"abc\" endswith \"c\" or \"abc\" iendswith \"C\"",
                "(or (endswith \"abc\" \"c\") (iendswith \"abc\" \"C\"))");
    expect_cond(f, "", "\"abc\" matches /b+/is", "(matches \"abc\" /b+/is)");
    expect_cond(f, "", "\"a\\x41\\n\\t\\\"\\\\\" == \"x\"", "(== \"aA\\x0a\\x09\\\"\\\\\" \"x\")");
    expect_cond(f, "", "\"a\" < \"b\"", "(< \"a\" \"b\")");
}

static void test_lower_boolean(void **state)
{
    fx *f = *state;
    expect_cond(f, "", "true or false and false", "(or true (and false false))");
    expect_cond(f, "", "(true or false) and false", "(and (or true false) false)");
    expect_cond(f, "", "not true and false", "(and (not true) false)");
    expect_cond(f, "", "not not true", "(not (not true))");
    expect_cond(f, "", "not 1 == 2", "(not (== 1 2))");
    expect_cond(f, "", "defined filesize and true", "(and (defined filesize) true)");
    expect_cond(f, "", "not defined (1 \\ filesize)", "(not (defined (\\ 1 filesize)))");
    /* values used as booleans keep their raw value: lib/eval reads their truth
     * as yara does (floats by their bits, loop bodies summed raw); only a
     * regexp literal becomes true */
    expect_cond(f, "", "1", "1");
    expect_cond(f, "", "filesize", "filesize");
    expect_cond(f, "", "1.5", "1.5");
    expect_cond(f, "", "\"x\"", "\"x\"");
    expect_cond(f, "", "/abc/", "true");
    expect_cond(f, "", "1 and \"x\"", "(and 1 \"x\")");
    expect_cond(f, "", "((1 < 2)) and (filesize)", "(and (< 1 2) filesize)");
    expect_cond(f, "", "((1)) + 1 == 2", "(== 2 2)");
}

static void test_lower_string_refs(void **state)
{
    fx *f = *state;
    const char *s = "strings: $a = \"abc\" $b = { 41 42 } $c = /x+y/";
    expect_cond(f, s, "$a and $b and $c", "(and (and $a $b) $c)");
    expect_cond(f, s, "$a at 10 and $b in (0..filesize) and $c",
                "(and (and (at $a 10) (in $b (range 0 filesize))) $c)");
    expect_cond(f, s, "#a == 2 and #b in (0..100) > 1 and $c",
                "(and (and (== #a 2) (> (in #b (range 0 100)) 1)) $c)");
    expect_cond(f, s, "@a[2] > @b and !c[1] == !c and $a",
                "(and (and (> (@a 2) (@b 1)) (== (!c 1) (!c 1))) $a)");
    expect_cond(f, s, "any of them", "(of-strings any ($a $b $c))");
    expect_cond(f, s, "all of them", "(of-strings all ($a $b $c))");
    expect_cond(f, s, "none of them", "(of-strings none ($a $b $c))");
    expect_cond(f, s, "2 of ($a, $c) and $b", "(and (of-strings 2 ($a $c)) $b)");
    expect_cond(f, s, "50% of them", "(of-strings 50% ($a $b $c))");
    expect_cond(f, s, "filesize of them", "(of-strings filesize ($a $b $c))");
    expect_cond(f, "strings: $a1 = \"x1\" $a2 = \"x2\" $b = \"yy\"", "any of ($a*) and $b",
                "(and (of-strings any ($a1 $a2)) $b)");
    expect_cond(f, "strings: $a1 = \"x1\" $a2 = \"x2\"", "any of ($*)",
                "(of-strings any ($a1 $a2))");
    /* yara keeps duplicates in a set */
    expect_cond(f, "strings: $a1 = \"x1\" $a2 = \"x2\"", "any of ($a*, $a1)",
                "(of-strings any ($a1 $a2 $a1))");
    expect_cond(f, "strings: $ = \"x1\" $ = \"x2\"", "all of them", "(of-strings all ($ $))");
    expect_cond(f, s, "for any of ($a, $b) : ( $ at 0 ) and $c",
                "(and (for-of any ($a $b) (at $ 0)) $c)");
    expect_cond(f, s, "for all of them : ( # > 1 and @[1] < 5 and !  == 3 )",
                "(for-of all ($a $b $c) (and (and (> # 1) (< (@ 1) 5)) (== (! 1) 3)))");
    expect_cond(f, s, "for 2 of them : ( $ in (0..10) )",
                "(for-of 2 ($a $b $c) (in $ (range 0 10)))");
}

static void test_lower_of_in_range(void **state)
{
    fx *f = *state;
    /* yara 4.2's `<quant> of <strings> in (range)`, lowered over one range */
    const char *s = "strings: $a = \"he\" $b = \"lo\"";
    expect_cond(f, s, "any of them in (0..10)",
                "(of-bools any ((in $a (range 0 10)) (in $b (range 0 10))))");
    expect_cond(f, s, "2 of ($a, $b) in (0..filesize) and none of ($b) in (5..6)",
                "(and (of-bools 2 ((in $a (range 0 filesize)) (in $b (range 0 filesize)))) "
                "(of-bools none ((in $b (range 5 6)))))");
    uint32_t n = f->p.rules.items[0].cond;
    const ir_node *and_node = &f->p.nodes.items[n];
    const ir_node *of = &f->p.nodes.items[and_node->a];
    assert_int_equal(of->op, IR_OP_OF_BOOLS);
    assert_int_equal(of->aux, IR_Q_EXPR);
    /* both STR_IN share one range node */
    uint32_t i0 = f->p.lists.items[of->v.list.first], i1 = f->p.lists.items[of->v.list.first + 1];
    assert_int_equal(f->p.nodes.items[i0].b, f->p.nodes.items[i1].b);
    expect_error(f, "rule a { strings: $a = \"he\" condition: 50% of them in (0..1) }",
                 "E 1:52 [a] syntax error, unexpected \"in\"");
    expect_error(f, "rule a { strings: $a = \"he\" condition: any of them in (0..\"x\") }",
                 "E 1:59 [a] wrong type for range's upper bound");
    expect_error(f, "rule b { condition: true } rule a { condition: any of (b) in (0..1) }",
                 "E 1:59 [a] syntax error, unexpected \"in\"");
}

static void test_lower_loops(void **state)
{
    fx *f = *state;
    expect_cond(f, "", "for any i in (1..3) : ( i == 2 )",
                "(for-in any var0 (range 1 3) (== var0 2))");
    expect_cond(f, "", "for all i in (1, 2, 3) : ( i > 0 )",
                "(for-in all var0 (enum 1 2 3) (> var0 0))");
    expect_cond(f, "", "for 2 i in (1..filesize) : ( i )",
                "(for-in 2 var0 (range 1 filesize) var0)");
    expect_cond(f, "", "for none i in (1..2) : ( for any j in (i..3) : ( j == i ) )",
                "(for-in none var0 (range 1 2) (for-in any var1 (range var0 3) (== var1 var0)))");
    assert_int_equal(f->p.max_loop_vars, 2);
    expect_cond(f, "strings: $a = \"abc\"", "for all i in (1..#a) : ( @a[i] > 0 )",
                "(for-in all var0 (range 1 #a) (> (@a var0) 0))");
    expect_cond(f, "strings: $a = \"abc\" $b = \"def\"",
                "for any of them : ( for any i in (1..2) : ( @[i] > 0 ) )",
                "(for-of any ($a $b) (for-in any var0 (range 1 2) (> (@ var0) 0)))");
    /* sibling loops reuse slot 0 */
    expect_cond(f, "", "for any i in (1..3) : ( true ) or for all k in (1..3) : ( k > 0 )",
                "(or (for-in any var0 (range 1 3) true) (for-in all var0 (range 1 3) (> var0 0)))");
    assert_int_equal(f->p.max_loop_vars, 1);
}

static void test_lower_rules_and_externals(void **state)
{
    fx *f = *state;
    assert_int_equal(add(f, "rule a { condition: true } private rule b { condition: a }"),
                     VIGIL_OK);
    assert_int_equal(add(f, "rule c { condition: a and not b and any of (a, b) and all of (a*) }"),
                     VIGIL_OK);
    char *d = ir_dump_node_str(&f->p, f->p.rules.items[rule_named(f, "c")].cond);
    assert_string_equal(d, "(and (and (and rule:a (not rule:b)) (of-rules any (a b))) "
                           "(of-rules all (a)))");
    free(d);

    /* externals come from p->externals, typed */
    ir_external e = {0};
    e.name = ir_pool_str(&f->p, "ext_int");
    e.type = IR_T_INT;
    e.s = IR_NONE;
    assert_true(vec_push(&f->p.externals, e));
    e.name = ir_pool_str(&f->p, "ext_str");
    e.type = IR_T_STRING;
    assert_true(vec_push(&f->p.externals, e));
    e.name = ir_pool_str(&f->p, "ext_bool");
    e.type = IR_T_BOOL;
    assert_true(vec_push(&f->p.externals, e));
    assert_int_equal(add(f, "rule x { condition: ext_int > 2 and ext_str contains \"a\" and "
                            "ext_bool }"),
                     VIGIL_OK);
    d = ir_dump_node_str(&f->p, f->p.rules.items[rule_named(f, "x")].cond);
    assert_string_equal(d, "(and (and (> ext:ext_int 2) (contains ext:ext_str \"a\")) "
                           "ext:ext_bool)");
    free(d);
    assert_int_equal(f->p.nodes.items[f->p.rules.items[rule_named(f, "x")].cond].type, IR_T_BOOL);
    /* a rule may not share an external's name */
    assert_int_equal(add(f, "rule ext_int { condition: true }"), VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0], "E 1:6 [] duplicated identifier \"ext_int\"");
    assert_int_equal(add(f, "rule y { condition: ext_str == 1 }"), VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0], "E 1:29 [y] type mismatch");
}

static void test_lower_rule_parts(void **state)
{
    fx *f = *state;
    const char *src =
        "global private rule r : t1 t2 {\n"
        "  meta:\n"
        "    s = \"x\\n\\\"y\"\n"
        "    i = -0x10\n"
        "    j = 7\n"
        "    b = true\n"
        "    c = false\n"
        "  strings:\n"
        "    $a = \"hello\" wide ascii nocase fullword\n"
        "    $b = { 41 ?? 42 [2-4] 43 } private\n"
        "    $c = /ab+c/is private nocase wide\n"
        "    $ = \"anon\" xor(1-3)\n"
        "    $d = \"dd\" base64(\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        "0123456789+-\")\n"
        "    $e = \"ee\" xor(7) wide\n"
        "    $f = \"ff\" xor\n"
        "    $g = \"gg\" base64 base64wide\n"
        "  condition:\n"
        "    all of them\n"
        "}\n";
    assert_int_equal(add(f, src), VIGIL_OK);
    char *d = ir_dump_rule_str(&f->p, 0);
    const char *want =
        "rule default:r private global #t1 #t2\n"
        "  meta s = \"x\\x0a\\\"y\"\n"
        "  meta i = -16\n"
        "  meta j = 7\n"
        "  meta b = true\n"
        "  meta c = false\n"
        "  string $a text \"hello\" nocase ascii wide fullword\n"
        "  string $b hex \" 41 ?? 42 [2-4] 43 \" ascii private\n"
        "  string $c regex \"ab+c\" nocase wide private dotall regex-nocase\n"
        "  string $ text \"anon\" ascii xor anonymous xor(1-3)\n"
        "  string $d text \"dd\" ascii base64 "
        "alphabet(ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-)\n"
        "  string $e text \"ee\" wide xor xor(7-7)\n"
        "  string $f text \"ff\" ascii xor xor(0-255)\n"
        "  string $g text \"gg\" ascii base64 base64wide\n"
        "  condition (of-strings all ($a $b $c $ $d $e $f $g))\n";
    if (strcmp(d, want) != 0)
        print_message("%s", d);
    assert_string_equal(d, want);
    free(d);
    const ir_rule *r = &f->p.rules.items[0];
    assert_int_equal(r->strings_first, 0);
    assert_int_equal(r->strings_count, 8);
    assert_int_equal(f->p.strings.items[0].line, 9);
    assert_int_equal(f->p.strings.items[7].line, 16);
    assert_int_equal(f->p.strings.items[2].rule, 0);
    assert_int_equal(f->p.metas.items[r->metas_first + 1].type, IR_META_INT);
    assert_int_equal(f->p.metas.items[r->metas_first + 0].s_len, 4);
    assert_int_equal(f->p.namespaces.len, 1);
    assert_string_equal(ir_str(&f->p, f->p.namespaces.items[0]), "default");
}

/* ---- errors (messages as yara 4.2.3 prints them) ---- */

static void test_errors_strings(void **state)
{
    fx *f = *state;
    expect_error(f, "rule a { strings: $a = \"x\" nocase xor condition: $a }",
                 "E 1:19 [a] invalid modifier combination: xor nocase");
    expect_error(f, "rule a { strings: $a = \"xx\" base64 fullword condition: $a }",
                 "E 1:19 [a] invalid modifier combination: base64 fullword");
    expect_error(f, "rule a { strings: $a = \"xx\" base64 nocase condition: $a }",
                 "E 1:19 [a] invalid modifier combination: base64 nocase");
    expect_error(f, "rule a { strings: $a = \"xx\" base64wide nocase condition: $a }",
                 "E 1:19 [a] invalid modifier combination: base64wide nocase");
    expect_error(f, "rule a { strings: $a = \"xx\" base64 xor condition: $a }",
                 "E 1:19 [a] invalid modifier combination: base64 xor");
    expect_error(f, "rule a { strings: $a = \"xx\" xor xor condition: $a }",
                 "E 1:33 [a] duplicated modifier");
    expect_error(f, "rule a { strings: $a = \"xx\" private private condition: $a }",
                 "E 1:37 [a] duplicated modifier");
    expect_error(f, "rule a { strings: $a = \"xx\" xor(300) condition: $a }",
                 "E 1:33 [a] invalid xor range");
    expect_error(f, "rule a { strings: $a = \"xx\" xor(3-1) condition: $a }",
                 "E 1:33 [a] xor lower bound exceeds upper bound");
    expect_error(f, "rule a { strings: $a = \"xx\" xor(1-256) condition: $a }",
                 "E 1:35 [a] upper bound for xor range exceeded (max: 255)");
    expect_error(f, "rule a { strings: $a = \"xx\" xor(-1-2) condition: $a }",
                 "E 1:33 [a] syntax error, unexpected \"-\"");
    expect_error(f, "rule a { strings: $a = \"xx\" base64(\"abc\") condition: $a }",
                 "E 1:36 [a] length of base64 alphabet must be 64");
    expect_error(f,
                 "rule a { strings: $a = \"xx\" "
                 "base64(\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\") "
                 "base64wide(\"!BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\") "
                 "condition: $a }",
                 "E 1:104 [a] can not specify multiple alphabets");
    expect_error(f, "rule a { strings: $a = { 41 42 } nocase condition: $a }",
                 "E 1:34 [a] syntax error, unexpected modifier \"nocase\"");
    expect_error(f, "rule a { strings: $a = { 41 42 } xor condition: $a }",
                 "E 1:34 [a] syntax error, unexpected modifier \"xor\"");
    expect_error(f, "rule a { strings: $a = /x/ xor condition: $a }",
                 "E 1:28 [a] syntax error, unexpected modifier \"xor\"");
    expect_error(f, "rule a { strings: $a = /x/ base64 condition: $a }",
                 "E 1:28 [a] syntax error, unexpected modifier \"base64\"");
    expect_error(f, "rule a { strings: $a = \"xx\" condition: true }",
                 "E 1:19 [a] unreferenced string \"$a\"");
    expect_error(f, "rule a { strings: $_a = \"xx\" condition: true }",
                 "E 1:19 [a] unreferenced string \"$_a\"");
    expect_error(f, "rule a { strings: $ = \"xx\" condition: true }",
                 "E 1:19 [a] unreferenced string \"$\"");
    expect_error(f, "rule a { strings: $a = \"xx\" $a = \"y\" condition: $a }",
                 "E 1:29 [a] duplicated string identifier \"$a\"");
    expect_error(f, "rule a { strings: $a = \"\" condition: $a }",
                 "E 1:19 [a] empty string \"$a\"");
    expect_error(f, "rule a { strings: $a = \"x\\q\" condition: $a }",
                 "E 1:24 [a] illegal escape sequence");
    expect_error(f, "rule a { strings: $a = \"x\\xZZ\" condition: $a }",
                 "E 1:24 [a] illegal escape sequence");
    expect_error(f, "rule a {\n strings:\n  $a = \"x\n\" condition: $a }",
                 "E 3:8 [a] unterminated string");
    expect_error(f, "rule a { strings: condition: true }",
                 "E 1:19 [a] syntax error, unexpected \"condition\"");
    expect_error(f, "rule a { strings: $a* = \"xx\" condition: true }",
                 "E 1:19 [a] syntax error, unexpected string identifier \"$a*\"");
    /* hex and regex bodies are checked by lib/re: its message follows yara's
     * prefix, on the line of the body */
    expect_error_prefix(f, "rule a {\n strings:\n  $a = { 4 }\n condition: $a }",
                        "E 3:", "[a] invalid hex string \"$a\": ");
    expect_error_prefix(f, "rule a {\n strings:\n  $a = /(/\n condition: $a }",
                        "E 3:", "[a] invalid regular expression \"$a\": ");
}

static void test_errors_conditions(void **state)
{
    fx *f = *state;
    expect_error(f, "rule a { condition: $a }", "E 1:21 [a] undefined string \"$a\"");
    expect_error(f, "rule a { condition: foo }", "E 1:21 [a] undefined identifier \"foo\"");
    expect_error(f, "rule a { condition: $ }", "E 1:21 [a] wrong use of anonymous string");
    expect_error(f, "rule a { condition: @ > 0 }", "E 1:21 [a] wrong use of anonymous string");
    expect_error(f, "rule a { condition: \"x\" contains 1 }",
                 "E 1:34 [a] wrong type \"integer\" for contains operator");
    expect_error(f, "rule a { condition: 1 contains \"a\" }",
                 "E 1:21 [a] wrong type \"integer\" for contains operator");
    expect_error(f, "rule a { condition: \"a\" icontains 1.5 }",
                 "E 1:35 [a] wrong type \"float\" for icontains operator");
    expect_error(f, "rule a { condition: 1 matches /a/ }",
                 "E 1:21 [a] wrong type \"integer\" for matches operator");
    expect_error(f, "rule a { condition: \"x\" matches \"y\" }",
                 "E 1:33 [a] syntax error, unexpected text string \"\"y\"\"");
    expect_error(f, "rule a { condition: 1 == 1 == 1 }",
                 "E 1:28 [a] syntax error, unexpected \"==\"");
    expect_error(f, "rule a { condition: (1 < 2) == true }",
                 "E 1:29 [a] syntax error, unexpected \"==\"");
    expect_error(f, "rule a { condition: true == 1 }",
                 "E 1:26 [a] syntax error, unexpected \"==\"");
    expect_error(f, "rule a { condition: 1 + true }",
                 "E 1:25 [a] syntax error, unexpected \"true\"");
    expect_error(f, "rule a { condition: 1/0 }", "E 1:22 [a] unterminated regular expression");
    expect_error(f, "rule a { condition: 1 \\ 0 }", "E 1:25 [a] division by zero");
    expect_error(f, "rule a { condition: filesize % 0 == 1 }", "E 1:32 [a] division by zero");
    expect_error(f, "rule a { condition: 4 \\ (2 - 2) == 1 }", "E 1:25 [a] division by zero");
    expect_error(f, "rule a { condition: 9223372036854775808 }",
                 "E 1:21 [a] integer overflow in \"9223372036854775808\"");
    expect_error(f, "rule a { condition: 0x8000000000000000 < 0 }",
                 "E 1:21 [a] integer overflow in \"0x8000000000000000\"");
    expect_error(f, "rule a { condition: 9223372036854775807 + 1 > 0 }",
                 "E 1:41 [a] integer overflow in \"9223372036854775807 + 1\"");
    expect_error(f, "rule a { condition: (9223372036854775807)*2 > 0 }",
                 "E 1:42 [a] integer overflow in \"9223372036854775807 * 2\"");
    expect_error(f, "rule a { condition: -\"a\" }",
                 "E 1:21 [a] wrong type \"string\" for - operator");
    expect_error(f, "rule a { condition: ~1.5 }", "E 1:21 [a] wrong type \"float\" for ~ operator");
    expect_error(f, "rule a { condition: 1.5 % 2 }",
                 "E 1:21 [a] wrong type \"float\" for % operator");
    expect_error(f, "rule a { condition: 1 | 1.5 }",
                 "E 1:25 [a] wrong type \"float\" for | operator");
    expect_error(f, "rule a { condition: 1 << 1.5 }",
                 "E 1:26 [a] wrong type \"float\" for << operator");
    expect_error(f, "rule a { condition: 1 >> \"a\" }",
                 "E 1:26 [a] wrong type \"string\" for >> operator");
    expect_error(f, "rule a { condition: \"a\" < 2 }", "E 1:25 [a] type mismatch");
    expect_error(f, "rule a { condition: \"a\" == 2 }", "E 1:25 [a] type mismatch");
    expect_error(f, "rule a { condition: 1 * \"a\" }", "E 1:23 [a] type mismatch");
    expect_error(f, "rule a { condition: \"a\" + \"b\" }",
                 "E 1:25 [a] strings don't support \"+\" operation");
    expect_error(f, "rule b { condition: true } rule a { condition: b == 1 }",
                 "E 1:50 [a] type mismatch");
    expect_error(f, "rule a { condition: uint8(\"a\") == 0x68 }",
                 "E 1:27 [a] wrong type \"string\" for intXXXX or uintXXXX operator");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: $a at \"x\" }",
                 "E 1:46 [a] wrong type \"string\" for at operator");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: $a in (0..\"a\") }",
                 "E 1:50 [a] wrong type for range's upper bound");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: $a in (1.5..2) }",
                 "E 1:47 [a] wrong type for range's lower bound");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: # == 1 }",
                 "E 1:40 [a] wrong use of anonymous string");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: 150% of them }",
                 "E 1:40 [a] percentage must be between 1 and 100 (inclusive)");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: 0% of them }",
                 "E 1:40 [a] percentage must be between 1 and 100 (inclusive)");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: any of ($b*) }",
                 "E 1:48 [a] undefined string \"$b*\"");
    expect_error(f, "rule a { strings: $a = \"hh\" $b = \"ee\" condition: any of ($a, $c) }",
                 "E 1:62 [a] undefined string \"$c\"");
    expect_error(f, "rule a { condition: any of them }", "E 1:28 [a] undefined string \"$*\"");
    expect_error(f, "rule a { strings: $a = \"ab\" condition: 1 of ($) }",
                 "E 1:46 [a] undefined string \"$\"");
    expect_error(f, "rule a { condition: 0X1f == 31 }",
                 "E 1:22 [a] syntax error, unexpected identifier \"X1f\"");
    expect_error(f, "rule b { condition: true } rule a { condition: any of (b, c*) }",
                 "E 1:59 [a] undefined identifier \"c\"");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: 1 of ($a) at 0 }",
                 "E 1:50 [a] syntax error, unexpected \"at\"");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: $a and \"x\" contains $a }",
                 "E 1:60 [a] syntax error, unexpected string identifier \"$a\"");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: $a at 0 in (0..1) }",
                 "E 1:48 [a] syntax error, unexpected \"in\"");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: $a } rule b { condition: $a }",
                 "E 1:65 [b] undefined string \"$a\"");
}

static void test_errors_loops(void **state)
{
    fx *f = *state;
    expect_error(f, "rule a { condition: for any i in (1, 2.5) : ( i == 2 ) }",
                 "E 1:38 [a] wrong type for enumeration item");
    expect_error(f, "rule a { condition: for any i in (\"a\"..\"b\") : ( i == 2 ) }",
                 "E 1:40 [a] wrong type for range's upper bound");
    expect_error(f, "rule a { condition: for any i in (1..3) : ( j == 2 ) }",
                 "E 1:45 [a] undefined identifier \"j\"");
    expect_error(f, "rule a { condition: for any i in (1..3) : ( for any i in (1..2) : (true) ) }",
                 "E 1:53 [a] duplicated loop identifier \"i\"");
    expect_error(f, "rule a { condition: for any i,j in (1..3) : ( true ) }",
                 "E 1:36 [a] iterator yields an integer on each iteration , but the loop "
                 "expects 2");
    expect_error(f, "rule a { condition: for 50% i in (1..3) : ( true ) }",
                 "E 1:29 [a] undefined identifier \"i\"");
    expect_error(f, "rule a { strings: $a = \"hh\" condition: for 50% of them : ( $ ) }",
                 "E 1:44 [a] syntax error");
    expect_error(f,
                 "rule a { strings: $a = \"hh\" condition: for any of them : "
                 "( for any of them : ($) ) }",
                 "E 1:60 [a] 'for <quantifier> of <string set>' loops can't be nested");
    expect_error(f, "rule a { condition: for any i in (1..3) : ( i ) and i }",
                 "E 1:53 [a] undefined identifier \"i\"");
    expect_error(f,
                 "rule a { condition: for any a in (1..2) : ( for any b in (1..2) : ( for any c "
                 "in (1..2) : ( for any d in (1..2) : ( for any e in (1..2) : ( true ) ) ) ) ) }",
                 "E 1:117 [a] loop nesting limit exceeded");
}

static void test_errors_toplevel(void **state)
{
    fx *f = *state;
    expect_error(f, "rule a { condition: true } rule a { condition: true }",
                 "E 1:33 [] duplicated identifier \"a\"");
    expect_error(f, "import \"nope\" rule a { condition: true }", "E 1:8 [] unknown module \"nope\"");
    expect_error(f, "include \"/nonexistent/nope.yar\" rule a { condition: true }",
                 "E 1:9 [] can't open include file: /nonexistent/nope.yar");
    expect_error(f, "rule a : t1 t1 { condition: true }",
                 "E 1:13 [a] duplicated tag identifier \"t1\"");
    expect_error(f, "rule { condition: true }", "E 1:6 [] syntax error, unexpected \"{\"");
    expect_error(f, "rule a condition: true }", "E 1:8 [a] syntax error, unexpected \"condition\"");
    expect_error(f, "rule a { condition: true", "E 1:25 [a] syntax error, unexpected end of file");
    expect_error(f, "rule a { condition: }", "E 1:21 [a] syntax error, unexpected \"}\"");
    expect_error(f, "rule a { condition: true and }", "E 1:30 [a] syntax error, unexpected \"}\"");
    expect_error(f, "rule a { meta: condition: true }",
                 "E 1:16 [a] syntax error, unexpected \"condition\"");
    expect_error(f, "rule a { meta: x = -0x10 y = 99999999999999999999 condition: true }",
                 "E 1:30 [a] integer overflow in \"99999999999999999999\"");
    expect_error(f, "rule a { condition: true } @",
                 "E 1:28 [] syntax error, unexpected string offset \"@\"");
    expect_error(f, "rule abc$ { condition: true }",
                 "E 1:9 [abc] syntax error, unexpected string identifier \"$\"");
    expect_error(f, "rule a { condition: 1.5.3 }", "E 1:24 [a] syntax error, unexpected \".\"");
    expect_error(f, "rule a { condition: 0o19 }",
                 "E 1:24 [a] syntax error, unexpected integer number \"9\"");
}

/* ---- recovery, warnings ---- */

static void test_recovery_reports_every_error(void **state)
{
    fx *f = *state;
    const char *src = "rule a {\n"
                      "  strings:\n"
                      "    $a = \"x\" nocase xor\n"
                      "  condition:\n"
                      "    $a\n"
                      "}\n"
                      "rule b { condition: foo }\n"
                      "rule c { condition: true }\n"
                      "rule d {\n"
                      "  strings:\n"
                      "    $a = \"abc\" private\n"
                      "  condition:\n"
                      "    1 ==\n"
                      "}\n"
                      "private rule e { strings: $x = \"ab\" private condition: $y }\n"
                      "rule f { condition: 1 \\ 0 }\n"
                      "rule c { condition: true }\n"
                      "global rule g { strings: $a = \"x\" xor(5-1) condition: $a }\n"
                      "rule h { condition: c and not g }\n";
    assert_int_equal(add(f, src), VIGIL_E_SYNTAX);
    const char *want[] = {
        "E 3:5 [a] invalid modifier combination: xor nocase",
        "E 7:21 [b] undefined identifier \"foo\"",
        "E 14:1 [d] syntax error, unexpected \"}\"",
        "E 15:56 [e] undefined string \"$y\"",
        "E 16:25 [f] division by zero",
        "E 17:6 [] duplicated identifier \"c\"",
        "E 18:39 [g] xor lower bound exceeds upper bound",
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    for (size_t i = 0; i < f->ndiags; i++)
        print_message("%s\n", f->diags[i]);
    assert_int_equal(f->ndiags, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(f->diags[i], want[i]);
    assert_int_equal(f->errors, n);
    assert_int_equal(f->p.rules.len, 0);
    assert_int_equal(f->p.nodes.len, 0);
    assert_int_equal(f->p.metas.len, 0);
    assert_int_equal(f->p.lists.len, 0);
}

static void test_recovery_private_modifier_is_not_a_rule(void **state)
{
    fx *f = *state;
    /* after an error, `private` as a string modifier must not restart parsing */
    assert_int_equal(add(f, "rule a { strings: $a = \"xx\" xor(9-1) $b = \"yy\" private\n"
                            "condition: $a and $b }\nrule b { condition: bogus }"),
                     VIGIL_E_SYNTAX);
    assert_int_equal(f->ndiags, 2);
    assert_string_equal(f->diags[1], "E 3:21 [b] undefined identifier \"bogus\"");
}

static void test_warnings(void **state)
{
    fx *f = *state;
    assert_int_equal(add(f, "rule a { strings: $a = \"h\" condition: $a and \"lit\" }"), VIGIL_OK);
    assert_int_equal(f->ndiags, 2);
    assert_string_equal(f->diags[0], "W 1:19 [a] string \"$a\" may slow down scanning");
    assert_string_equal(f->diags[1],
                        "W 1:46 [a] using literal string \"lit\" in a boolean operation.");
    assert_int_equal(f->warnings, 2);
    /* yara warns wherever a literal string is used as a boolean */
    assert_int_equal(add(f, "rule r { condition: (\"x\") }"), VIGIL_OK);
    assert_string_equal(f->diags[0],
                        "W 1:21 [r] using literal string \"x\" in a boolean operation.");
    assert_int_equal(add(f, "rule s { condition: for any i in (1..2) : ( \"\" ) }"), VIGIL_OK);
    assert_string_equal(f->diags[0],
                        "W 1:45 [s] using literal string \"\" in a boolean operation.");
    assert_int_equal(add(f, "rule e { condition: entrypoint == 0 }"), VIGIL_OK);
    assert_string_equal(f->diags[0], "W 1:21 [e] Using deprecated \"entrypoint\" keyword. Use the "
                                     "\"entry_point\" function from PE module instead.");
    f->warnings = 2;
    f->warn = false;
    assert_int_equal(add(f, "rule b { strings: $a = \"h\" condition: $a or not \"lit\" }"),
                     VIGIL_OK);
    assert_int_equal(f->ndiags, 0);
    assert_int_equal(f->warnings, 2);
    assert_int_equal(f->errors, 0);
}

/* First diagnostic of a source that must compile, or "" when there is none. */
static const char *first_warning(fx *f, const char *strings)
{
    char src[512];
    snprintf(src, sizeof(src), "rule w { strings: %s condition: all of them }", strings);
    yc_free(f->st);
    ir_free(&f->p);
    ir_init(&f->p);
    assert_int_equal(yc_new(&f->p, &f->st), VIGIL_OK);
    assert_int_equal(add(f, src), VIGIL_OK);
    return f->ndiags ? f->diags[0] : "";
}

static void test_slow_string_warnings_follow_yara(void **state)
{
    fx *f = *state;
    const char *slow = "W 1:19 [w] string \"$a\" may slow down scanning";
    /* each case checked against yara 4.2.3 */
    assert_string_equal(first_warning(f, "$a = \"a\""), slow);
    assert_string_equal(first_warning(f, "$a = \"ab\""), "");
    assert_string_equal(first_warning(f, "$a = \"a\" nocase"), slow);
    assert_string_equal(first_warning(f, "$a = \"ab\" nocase"), "");
    assert_string_equal(first_warning(f, "$a = \"a\" wide"), slow);
    assert_string_equal(first_warning(f, "$a = \"ab\" wide"), "");
    assert_string_equal(first_warning(f, "$a = \"ab\" xor"), slow);
    assert_string_equal(first_warning(f, "$a = \"abc\" xor"), "");
    assert_string_equal(first_warning(f, "$a = \"ab\" xor(1)"), "");
    assert_string_equal(first_warning(f, "$a = \"\\x00\\x00\\x00\\x00\\x00\""), slow);
    assert_string_equal(first_warning(f, "$a = \"\\xff\\xff\""), slow);
    assert_string_equal(first_warning(f, "$a = \"\\x00a\""), slow);
    assert_string_equal(first_warning(f, "$a = \"\\x00ab\""), "");
    assert_string_equal(first_warning(f, "$a = \"aa\""), "");
    assert_string_equal(first_warning(f, "$a = \"a\" base64"), slow);
    assert_string_equal(first_warning(f, "$a = \"ab\" base64"), "");
    assert_string_equal(first_warning(f, "$a = /abc.*d/"),
                        "W 1:19 [w] $a contains .*, .+ or .{x,} consider using .{,N}, .{1,N} or "
                        "{x,N} with a reasonable value for N");
    assert_string_equal(first_warning(f, "$a = /abc.{2,}d/"),
                        "W 1:19 [w] $a contains .*, .+ or .{x,} consider using .{,N}, .{1,N} or "
                        "{x,N} with a reasonable value for N");
    assert_string_equal(first_warning(f, "$a = /abc.{2,5}d/"), "");
    assert_string_equal(first_warning(f, "$a = /abc\\.*d/"), "");
    assert_string_equal(first_warning(f, "$a = /abc[.]*d/"), "");
}

/* ---- namespaces, sources, rollback ---- */

static void test_namespaces(void **state)
{
    fx *f = *state;
    assert_int_equal(add_ns(f, "rule a { condition: true }", "one", NULL), VIGIL_OK);
    /* a later source of the same namespace sees earlier rules */
    assert_int_equal(add_ns(f, "rule b { condition: a }", "one", NULL), VIGIL_OK);
    /* another namespace does not, and may reuse the name */
    assert_int_equal(add_ns(f, "rule c { condition: a }", "two", NULL), VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0], "E 1:21 [c] undefined identifier \"a\"");
    assert_int_equal(add_ns(f, "rule a { condition: true } rule b { condition: a }", "two", NULL),
                     VIGIL_OK);
    assert_int_equal(f->p.rules.len, 4);
    assert_int_equal(f->p.namespaces.len, 2);
    assert_int_equal(f->p.rules.items[2].ns, 1);
    /* rule:a in namespace two is rule index 2 */
    assert_int_equal(f->p.nodes.items[f->p.rules.items[3].cond].a, 2);
    assert_int_equal(add_ns(f, "rule a { condition: true }", "one", NULL), VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0], "E 1:6 [] duplicated identifier \"a\"");
}

static void test_wildcard_rule_sets_close_their_prefix(void **state)
{
    fx *f = *state;
    /* yara: a rule defined after `any of (b*)` may not match that prefix */
    assert_int_equal(add(f, "rule b1 { condition: true }\n"
                            "rule a { condition: any of (b*) }\n"
                            "rule b2 { condition: true }\n"
                            "rule c { condition: true }\n"
                            "rule b3 { condition: true }\n"),
                     VIGIL_E_SYNTAX);
    assert_int_equal(f->ndiags, 2);
    assert_string_equal(
        f->diags[0], "E 3:6 [] rule identifier \"b2\" matches previously used wildcard rule set");
    assert_string_equal(
        f->diags[1], "E 5:6 [] rule identifier \"b3\" matches previously used wildcard rule set");
    /* the failed source's wildcard is forgotten with it */
    assert_int_equal(add(f, "rule b1 { condition: true } rule b2 { condition: b1 }"), VIGIL_OK);
    /* it holds across sources of the namespace, not across namespaces */
    assert_int_equal(add(f, "rule x { condition: all of (b*) }"), VIGIL_OK);
    assert_int_equal(add(f, "rule b9 { condition: true }"), VIGIL_E_SYNTAX);
    assert_int_equal(add_ns(f, "rule b9 { condition: true }", "other", NULL), VIGIL_OK);
}

static void test_rollback_keeps_earlier_sources(void **state)
{
    fx *f = *state;
    assert_int_equal(add(f, "rule a : x { meta: m = 1 strings: $s = \"ab\" condition: $s }"),
                     VIGIL_OK);
    size_t rules = f->p.rules.len, strings = f->p.strings.len, nodes = f->p.nodes.len,
           pool = f->p.pool.len, lists = f->p.lists.len, metas = f->p.metas.len;
    assert_int_equal(add(f, "rule b { strings: $t = \"cd\" condition: $t and a }\n"
                            "rule c { condition: nope }"),
                     VIGIL_E_SYNTAX);
    assert_int_equal(f->p.rules.len, rules);
    assert_int_equal(f->p.strings.len, strings);
    assert_int_equal(f->p.nodes.len, nodes);
    assert_int_equal(f->p.pool.len, pool);
    assert_int_equal(f->p.lists.len, lists);
    assert_int_equal(f->p.metas.len, metas);
    /* b was dropped, so it can be defined again and is not visible */
    assert_int_equal(add(f, "rule d { condition: b }"), VIGIL_E_SYNTAX);
    assert_int_equal(add(f, "rule b { condition: a }"), VIGIL_OK);
    assert_int_equal(f->p.rules.len, rules + 1);
    /* a failed source in a new namespace leaves no namespace behind */
    assert_int_equal(add_ns(f, "rule z { condition: nope }", "fresh", NULL), VIGIL_E_SYNTAX);
    assert_int_equal(f->p.namespaces.len, 1);
}

/* ---- includes ---- */

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_includes(void **state)
{
    fx *f = *state;
    char dir[] = "/tmp/vigil_yara_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256], p1[256], p2[256], p3[256], top[300], cyc[256], bad[256];
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(p1, sizeof(p1), "%s/sub/i.yar", dir);
    snprintf(p2, sizeof(p2), "%s/sub/j.yar", dir);
    snprintf(p3, sizeof(p3), "%s/top.yar", dir);
    snprintf(cyc, sizeof(cyc), "%s/cyc.yar", dir);
    snprintf(bad, sizeof(bad), "%s/sub/bad.yar", dir);
    write_file(p1, "rule y { condition: true }\n");
    /* relative to the including file's folder */
    write_file(p2, "include \"i.yar\"\nrule z { condition: y }\n");
    const char *topsrc = "include \"sub/j.yar\"\nrule x { condition: z and y }\n";
    write_file(p3, topsrc);
    assert_int_equal(add_ns(f, topsrc, "default", p3), VIGIL_OK);
    assert_int_equal(f->p.rules.len, 3);
    assert_string_equal(ir_str(&f->p, f->p.rules.items[0].name), "y");
    assert_string_equal(ir_str(&f->p, f->p.rules.items[2].name), "x");

    /* a cycle is an error at the include that closes it */
    write_file(cyc, "include \"cyc.yar\"\nrule c { condition: true }\n");
    assert_int_equal(add_ns(f, "include \"cyc.yar\"\n", "other", cyc), VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0], "E 1:9 [] includes circular reference");

    /* errors inside an included file carry that file's position */
    write_file(bad, "\nrule q {\n  condition: undefined_thing\n}\n");
    snprintf(top, sizeof(top), "rule before { condition: true }\ninclude \"sub/bad.yar\"\n");
    assert_int_equal(add_ns(f, top, "third", p3), VIGIL_E_SYNTAX);
    assert_int_equal(f->ndiags, 1);
    assert_string_equal(f->diags[0], "E 3:14 [q] undefined identifier \"undefined_thing\"");

    /* depth limit */
    yc_options o = {.diag = on_diag, .diag_user = f, .max_include_depth = 1};
    f->ndiags = 0;
    assert_int_equal(
        yc_add_source(f->st, topsrc, strlen(topsrc), "fourth", "top", p3, &o, NULL, NULL),
        VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0], "E 1:9 [] includes circular or too deep");

    /* a diamond of includes is bounded by a total count */
    char d0[256], d1[256];
    snprintf(d0, sizeof(d0), "%s/d0.yar", dir);
    snprintf(d1, sizeof(d1), "%s/d1.yar", dir);
    write_file(d1, "// empty\n");
    char many[64 * 40];
    char *w = many;
    for (int i = 0; i < 40; i++)
        w += sprintf(w, "include \"d1.yar\"\n");
    write_file(d0, many);
    char big[64 * 40];
    w = big;
    for (int i = 0; i < 40; i++)
        w += sprintf(w, "include \"d0.yar\"\n");
    assert_int_equal(add_ns(f, big, "fifth", p3), VIGIL_E_SYNTAX);
    assert_int_equal(f->ndiags, 1);
    assert_string_equal(f->diags[0], "E 40:9 [] too many includes (limit: 1024)");
    unlink(d0);
    unlink(d1);

    unlink(p1);
    unlink(p2);
    unlink(p3);
    unlink(cyc);
    unlink(bad);
    rmdir(sub);
    rmdir(dir);
}

/* ---- hostile input and scale ---- */

static void test_deep_nesting_is_an_error(void **state)
{
    fx *f = *state;
    size_t depth = 100000;
    char *src = malloc(depth * 2 + 64);
    assert_non_null(src);
    char *w = src + sprintf(src, "rule a { condition: ");
    for (size_t i = 0; i < depth; i++)
        *w++ = '(';
    w += sprintf(w, "true");
    for (size_t i = 0; i < depth; i++)
        *w++ = ')';
    sprintf(w, " }");
    assert_int_equal(add(f, src), VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0], "E 1:221 [a] expression nested too deeply");
    /* the same with not/minus chains */
    w = src + sprintf(src, "rule b { condition: ");
    for (size_t i = 0; i < depth; i++)
        w += sprintf(w, "- ");
    sprintf(w, "1 }");
    assert_int_equal(add(f, src), VIGIL_E_SYNTAX);
    /* indexes and function arguments nest too */
    w = src + sprintf(src, "rule d { strings: $a = \"ab\" condition: ");
    for (size_t i = 0; i < 20000; i++)
        w += sprintf(w, "@a[");
    w += sprintf(w, "1");
    for (size_t i = 0; i < 20000; i++)
        *w++ = ']';
    sprintf(w, " }");
    assert_int_equal(add(f, src), VIGIL_E_SYNTAX);
    assert_string_equal(strchr(f->diags[0], '['), "[d] expression nested too deeply");
    w = src + sprintf(src, "rule e { condition: ");
    for (size_t i = 0; i < 20000; i++)
        w += sprintf(w, "uint8(");
    w += sprintf(w, "0");
    for (size_t i = 0; i < 20000; i++)
        *w++ = ')';
    sprintf(w, " }");
    assert_int_equal(add(f, src), VIGIL_E_SYNTAX);
    assert_string_equal(strchr(f->diags[0], '['), "[e] expression nested too deeply");
    /* a reasonable depth is fine */
    w = src + sprintf(src, "rule g { condition: ");
    for (size_t i = 0; i < 60; i++)
        w += sprintf(w, "(not ");
    w += sprintf(w, "true");
    for (size_t i = 0; i < 60; i++)
        *w++ = ')';
    sprintf(w, " }");
    assert_int_equal(add(f, src), VIGIL_OK);
    /* long flat chains are loops, not recursion */
    w = src + sprintf(src, "rule c { condition: filesize");
    for (size_t i = 0; i < 20000; i++)
        w += sprintf(w, "+1");
    sprintf(w, " > 0 }");
    assert_int_equal(add(f, src), VIGIL_OK);
    free(src);
}

static void test_many_rules_compile_fast(void **state)
{
    fx *f = *state;
    size_t n = 20000;
    char *src = malloc(n * 140);
    assert_non_null(src);
    char *w = src;
    for (size_t i = 0; i < n; i++) {
        if (i == 0)
            w += sprintf(w, "rule r0 { strings: $a = \"r0xx\" condition: $a }\n");
        else
            w += sprintf(w,
                         "rule r%zu { strings: $a = \"r%zuxx\" $b = \"!\" condition: $a and $b or "
                         "r%zu }\n",
                         i, i, i - 1);
    }
    clock_t t0 = clock();
    assert_int_equal(add(f, src), VIGIL_OK);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(f->p.rules.len, n);
    assert_int_equal(f->p.strings.len, 2 * n - 1);
    assert_int_equal(f->warnings, n - 1); /* one slow "!" per rule after the first */
    assert_true(secs < 5.0);              /* linear: well under a second without sanitizers */
    free(src);
}

static void test_too_many_strings(void **state)
{
    fx *f = *state;
    size_t n = 10001;
    char *src = malloc(n * 32 + 100);
    assert_non_null(src);
    char *w = src + sprintf(src, "rule a { strings:");
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, " $s%zu = \"xx\"", i);
    sprintf(w, " condition: any of them }");
    assert_int_equal(add(f, src), VIGIL_E_SYNTAX);
    assert_string_equal(f->diags[0] + strcspn(f->diags[0], "["),
                        "[a] too many strings in rule \"a\" (limit: 10000)");
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lower_constants_and_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_strings_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_boolean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_string_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_of_in_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_rules_and_externals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_rule_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_conditions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_toplevel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_reports_every_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_private_modifier_is_not_a_rule, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_string_warnings_follow_yara, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wildcard_rule_sets_close_their_prefix, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_keeps_earlier_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_includes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_nesting_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_rules_compile_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_strings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
