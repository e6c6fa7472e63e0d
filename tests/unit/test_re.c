/*
 * test_re.c - lib/re against yara 4.2.3: every expected (offset, length) list
 * below was printed by Debian's `yara -s -L` for the same pattern and data
 * (lengths over 512 were checked as 512, yara's printing cap), and every
 * error message is the one yara gives. A small scanner stands in for
 * lib/match: it finds atoms naively in end order and de-duplicates by start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "re/re.h"

/* xxabcabcabcyy aXbXc foo_bar baz\nqux 123 4567 AbC abc\n 00 01 02 ABCD 00 E 00 F 00 */
static const char G1[] = "xxabcabcabcyy aXbXc foo_bar baz\nqux 123 4567 AbC abc\n"
                         "\x00\x01\x02" "ABCD\x00" "E\x00" "F\x00";
#define G1_LEN (sizeof(G1) - 1)
static const char G2[] = "h\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d\0 hello world HeLLo";
#define G2_LEN (sizeof(G2) - 1)

typedef struct found {
    uint64_t s[256];
    uint32_t l[256];
    size_t n;
    const re_prog *p;
} found;

static bool collect(uint64_t s, uint32_t l, void *u)
{
    found *f = u;
    for (size_t i = 0; i < f->n; i++) {
        if (f->s[i] == s) {
            if (re_prefer_for(f->p, f->l[i], l))
                f->l[i] = l;
            return true;
        }
    }
    if (f->n < 256) {
        f->s[f->n] = s;
        f->l[f->n++] = l;
    }
    return true;
}

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static void scan(const re_prog *p, const uint8_t *d, size_t n, found *f)
{
    memset(f, 0, sizeof(*f));
    f->p = p;
    size_t na = re_atom_count(p);
    if (na == 0) {
        for (size_t i = 0; i < n; i++)
            re_verify_atom(p, RE_NO_ATOM, d, n, i, collect, f);
        return;
    }
    for (size_t end = 1; end <= n; end++) {
        for (size_t k = 0; k < na; k++) {
            const re_atom *a = re_atom_get(p, k);
            if (a->len > end)
                continue;
            size_t s = end - a->len;
            bool ok = true;
            for (int j = 0; j < a->len && ok; j++) {
                int x = d[s + j], y = a->bytes[j];
                ok = a->nocase ? lc(x) == lc(y) : x == y;
            }
            if (ok)
                re_verify_atom(p, (uint32_t)k, d, n, s, collect, f);
        }
    }
}

/* expect: "0x2:3 0x5:3" (sorted by offset), "" for none */
static void check(bool hex, unsigned flags, const char *pat, const void *data, size_t n,
                  const char *expect)
{
    re_prog *p = NULL;
    re_error e;
    vigil_status st = hex ? re_compile_hex(pat, strlen(pat), flags, &p, &e)
                          : re_compile_regex(pat, strlen(pat), flags, &p, &e);
    if (st != VIGIL_OK)
        fail_msg("%s: compile failed: %s", pat, e.message);
    found f;
    scan(p, data, n, &f);
    char got[4096] = "";
    for (size_t i = 0; i < f.n; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < f.n; j++)
            if (f.s[j] < f.s[best])
                best = j;
        uint64_t ts = f.s[i];
        uint32_t tl = f.l[i];
        f.s[i] = f.s[best];
        f.l[i] = f.l[best];
        f.s[best] = ts;
        f.l[best] = tl;
        char one[64];
        snprintf(one, sizeof(one), "%s0x%llx:%u", i ? " " : "", (unsigned long long)f.s[i],
                 f.l[i]);
        strncat(got, one, sizeof(got) - strlen(got) - 1);
    }
    if (strcmp(got, expect) != 0)
        fail_msg("%s %s\n  want: %s\n  got:  %s", hex ? "hex" : "regex", pat, expect, got);
    re_free(p);
}

static void check_err(bool hex, const char *pat, const char *msg)
{
    re_prog *p = NULL;
    re_error e;
    vigil_status st = hex ? re_compile_hex(pat, strlen(pat), 0, &p, &e)
                          : re_compile_regex(pat, strlen(pat), 0, &p, &e);
    if (st != VIGIL_E_SYNTAX)
        fail_msg("%s: expected a syntax error '%s'", pat, msg);
    assert_null(p);
    if (strcmp(e.message, msg) != 0)
        fail_msg("%s: want '%s', got '%s'", pat, msg, e.message);
    assert_true(e.offset <= strlen(pat));
}

static void check_ok(bool hex, const char *pat)
{
    re_prog *p = NULL;
    re_error e;
    vigil_status st = hex ? re_compile_hex(pat, strlen(pat), 0, &p, &e)
                          : re_compile_regex(pat, strlen(pat), 0, &p, &e);
    if (st != VIGIL_OK)
        fail_msg("%s: unexpected error '%s'", pat, e.message);
    re_free(p);
}

static void test_regex_matches(void **state)
{
    (void)state;
    check(false, 0, "abc", G1, G1_LEN, "0x2:3 0x5:3 0x8:3 0x31:3");
    check(false, 0, "(abc)+", G1, G1_LEN, "0x2:9 0x5:6 0x8:3 0x31:3");
    check(false, 0, "(abc)+?", G1, G1_LEN, "0x2:3 0x5:3 0x8:3 0x31:3");
    check(false, 0, "b.*c", G1, G1_LEN, "0x3:16 0x6:13 0x9:10 0x10:3 0x2e:6 0x32:2");
    check(false, 0, "b.*?c", G1, G1_LEN, "0x3:2 0x6:2 0x9:2 0x10:3 0x2e:6 0x32:2");
    check(false, 0, "\\d{2,3}", G1, G1_LEN, "0x24:3 0x25:2 0x28:3 0x29:3 0x2a:2");
    check(false, 0, "foo\\b", G1, G1_LEN, "");
    check(false, 0, "(foo|ba[rz])", G1, G1_LEN, "0x14:3 0x18:3 0x1c:3");
    check(false, 0, "(ab|abc)abc", G1, G1_LEN, "0x2:6 0x5:6");
    check(false, 0, "baz.qux", G1, G1_LEN, "");
    check(false, RE_F_DOTALL, "baz.qux", G1, G1_LEN, "0x1c:7");
    check(false, RE_F_NOCASE, "abc", G1, G1_LEN, "0x2:3 0x5:3 0x8:3 0x2d:3 0x31:3 0x38:3");
    check(false, 0, "\\x00\\x01", G1, G1_LEN, "0x35:2");
}

static void test_regex_wide(void **state)
{
    (void)state;
    check(false, RE_F_WIDE, "hello", G2, G2_LEN, "0x0:10");
    check(false, RE_F_WIDE | RE_F_NOCASE, "HELLO", G2, G2_LEN, "0x0:10");
    check(false, 0, "l+o", G2, G2_LEN, "0x19:3 0x1a:2");
}

static void test_hex_matches(void **state)
{
    (void)state;
    check(true, 0, "41 42 43 44", G1, G1_LEN, "0x38:4");
    check(true, 0, "41 ?? 43", G1, G1_LEN, "0x2d:3 0x38:3");
    check(true, 0, "61 (62|58) 63", G1, G1_LEN, "0x2:3 0x5:3 0x8:3 0x31:3");
    check(true, 0, "00 01 02 [2] 43", G1, G1_LEN, "0x35:6");
    /* yara picks the shortest jump: ABCD x b, not ABCD x b x b */
    check(true, 0, "41 42 43 44 [0-3] 62", "ABCDxbxbxb", 10, "0x0:6");
    check(true, 0, "41 42 43 44 [0-3] 62", "ABCDxxbb", 8, "0x0:7");
}

static void test_hex_chains(void **state)
{
    (void)state;
    size_t n = 10 + 5 + 300 + 3 + 5000 + 3 + 5 + 250 + 3;
    uint8_t *d = malloc(n);
    assert_non_null(d);
    size_t o = 0;
    memset(d + o, 'A', 10), o += 10;
    memcpy(d + o, "Start", 5), o += 5;
    memset(d + o, 'x', 300), o += 300;
    memcpy(d + o, "Mid", 3), o += 3;
    memset(d + o, 'y', 5000), o += 5000;
    memcpy(d + o, "End", 3), o += 3;
    memcpy(d + o, "Start", 5), o += 5;
    memset(d + o, 'z', 250), o += 250;
    memcpy(d + o, "End", 3), o += 3;
    /* yara -L printed 0xa:512 (its print cap) for the 5311-byte match */
    check(true, 0, "53 74 61 72 74 [-] 45 6E 64", d, n, "0xa:5311 0x14c9:258");
    check(true, 0, "53 74 61 72 74 [200-400] 4D 69 64", d, n, "0xa:308");
    check(true, 0, "53 74 61 72 74 [0-300] ( 4D | 45 )", d, n, "0xa:306 0x14c9:256");
    free(d);
}

static void test_regex_errors(void **state)
{
    (void)state;
    check_err(false, "ab(c", "syntax error");
    check_err(false, "abc)", "syntax error");
    check_err(false, "a{3,2}", "bad repeat interval");
    check_err(false, "a{0}", "bad repeat interval");
    check_err(false, "a{0,0}", "bad repeat interval");
    check_err(false, "a{40000}", "repeat interval too large");
    check_err(false, "a{1,32768}", "repeat interval too large");
    check_err(false, "[z-a]", "bad character range");
    check_err(false, "[abc", "missing terminating ] for character class");
    check_err(false, "\\xZZ", "illegal escape sequence");
    check_err(false, "|a", "syntax error");
    check_err(false, "()", "syntax error");
    check_err(false, "*a", "syntax error");
    check_err(false, "a**", "syntax error");
    check_err(false, "a{2}{3}", "syntax error");
    check_ok(false, "a{32767}");
    check_ok(false, "a{,3}");
    check_ok(false, "a||b");
    check_ok(false, "a|");
    check_ok(false, "x{1,}");
    check_ok(false, "\\q");
    check_ok(false, "[\\w-z]");
    check_ok(false, "a{");
    check_ok(false, "a{1,2");
    check_ok(false, "\\\\");
}

static void test_hex_errors(void **state)
{
    (void)state;
    check_err(true, "41 42 [3-2] 43", "invalid jump range");
    check_err(true, "[2] 41 42", "syntax error");
    check_err(true, "41 42 [2]", "syntax error");
    check_err(true, "41 ( 42 | 43 [-] ) 44", "unbounded jumps not allowed inside alternation (|)");
    check_err(true, "41 ( 42 | 43 [300] ) 44", "jumps over 200 not allowed inside alternation (|)");
    check_err(true, "41 ( 42 | 43 [199-201] 45 ) 44",
              "jumps over 200 not allowed inside alternation (|)");
    check_err(true, "41 ( 42 | 43 [1-3] ) 44", "syntax error");
    check_err(true, "41 [0] 42", "invalid jump length");
    check_err(true, "41 [2147483648] 42", "invalid jump length");
    check_err(true, "41 4", "uneven number of digits in hex string");
    check_err(true, "41 (42|) 43", "syntax error");
    check_err(true, "", "syntax error");
    check_err(true, "41 [-5] 42", "syntax error");
    check_err(true, "41 ~42", "syntax error"); /* `~` arrived after yara 4.2 */
    check_ok(true, "41 [-] 42");
    check_ok(true, "41 [0-0] 42");
    check_ok(true, "41 [40000] 42");
    check_ok(true, "41 ( 42 )");
    check_ok(true, "( 41 | 42 )");
    check_ok(true, "?? 41");
    check_ok(true, "41 [1-2][3] 42");
    check_ok(true, "41 ((42|43)|44) 45");
    check_ok(true, "41 // c\n42");
    check_ok(true, "41 /* x */ 42");
    check_ok(true, "4142");
}

static void test_atoms(void **state)
{
    (void)state;
    re_prog *p;
    re_error e;
    /* one 4-byte atom beats the alternation; "this" has more distinct bytes */
    assert_int_equal(re_compile_regex("Look(at|into)this", 17, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_atom_count(p), 1);
    assert_memory_equal(re_atom_get(p, 0)->bytes, "this", 4);
    re_free(p);
    /* /a(bcd|efg)h/ uses both branch atoms */
    assert_int_equal(re_compile_regex("a(bcd|efg)h", 11, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_atom_count(p), 2);
    re_free(p);
    /* nothing usable: verify everywhere */
    assert_int_equal(re_compile_regex("[xy]+", 5, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_atom_count(p), 0);
    re_free(p);
    /* wide atoms interleave zeros; nocase is flagged, not expanded */
    assert_int_equal(re_compile_regex("abcd", 4, RE_F_WIDE | RE_F_NOCASE, &p, &e), VIGIL_OK);
    assert_int_equal(re_atom_count(p), 1);
    assert_int_equal(re_atom_get(p, 0)->len, 8);
    assert_memory_equal(re_atom_get(p, 0)->bytes, "a\0b\0c\0d\0", 8);
    assert_true(re_atom_get(p, 0)->nocase);
    re_free(p);
    /* a nibble wildcard expands to 16 atoms */
    assert_int_equal(re_compile_hex("41 4? 43 44", 11, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_atom_count(p), 16);
    re_free(p);
}

static void test_search_and_bounds(void **state)
{
    (void)state;
    re_prog *p;
    re_error e;
    uint32_t mn, mx;
    assert_int_equal(re_compile_regex("b", 1, 0, &p, &e), VIGIL_OK);
    assert_true(re_search(p, (const uint8_t *)"abc", 3));
    assert_false(re_search(p, (const uint8_t *)"xyz", 3));
    re_free(p);
    assert_int_equal(re_compile_regex("^ab$", 4, 0, &p, &e), VIGIL_OK);
    assert_true(re_search(p, (const uint8_t *)"ab", 2));
    assert_false(re_search(p, (const uint8_t *)"xab", 3));
    re_free(p);
    assert_int_equal(re_compile_regex("A.C", 3, RE_F_NOCASE, &p, &e), VIGIL_OK);
    assert_true(re_search(p, (const uint8_t *)"xaxc", 4));
    re_length_bounds(p, &mn, &mx);
    assert_int_equal(mn, 3);
    assert_int_equal(mx, 3);
    re_free(p);
    assert_int_equal(re_compile_regex("ab+c{2,5}", 9, 0, &p, &e), VIGIL_OK);
    re_length_bounds(p, &mn, &mx);
    assert_int_equal(mn, 4);
    assert_int_equal(mx, UINT32_MAX);
    re_free(p);
    assert_int_equal(re_compile_hex("41 [2-4] 42", 11, 0, &p, &e), VIGIL_OK);
    re_length_bounds(p, &mn, &mx);
    assert_int_equal(mn, 4);
    assert_int_equal(mx, 6);
    re_free(p);
}

static void test_hostile(void **state)
{
    (void)state;
    char buf[2100];
    re_prog *p;
    re_error e;
    memset(buf, '(', 1000);
    memset(buf + 1000, 'a', 1);
    memset(buf + 1001, ')', 1000);
    assert_int_equal(re_compile_regex(buf, 2001, 0, &p, &e), VIGIL_E_SYNTAX);
    assert_int_equal(re_compile_regex("((((a{2,9}){2,9}){2,9}){2,9}){2,9}", 35, 0, &p, &e),
                     VIGIL_OK);
    uint8_t d[300];
    memset(d, 'a', sizeof(d));
    /* may hit the thread cap (yara: "too many fibers"); it must just return */
    (void)re_search(p, d, sizeof(d));
    re_free(p);
    /* (a|aa)* style blow-ups stay linear */
    assert_int_equal(re_compile_regex("(a|aa|aaa)*b", 12, 0, &p, &e), VIGIL_OK);
    assert_false(re_search(p, d, sizeof(d)));
    re_free(p);
    re_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regex_matches), cmocka_unit_test(test_regex_wide),
        cmocka_unit_test(test_hex_matches),   cmocka_unit_test(test_hex_chains),
        cmocka_unit_test(test_regex_errors),  cmocka_unit_test(test_hex_errors),
        cmocka_unit_test(test_atoms),         cmocka_unit_test(test_search_and_bounds),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
