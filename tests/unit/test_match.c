/*
 * test_match.c - lib/match against yara 4.2.3: each case builds an
 * ir_program by hand, scans bytes, and compares every (offset, length) with
 * what `yara -s -L` printed for the same rule and data (quoted in comments;
 * the generating rules are given with each case). Also covers the >4 GiB
 * chunking path (with small chunks), the match cap, -f, and serialization.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match/match_internal.h"
#include "match/matcher.h"
#include "match/text.h"

typedef struct ex {
    uint64_t off;
    uint32_t len;
} ex;

static uint32_t add_string(ir_program *p, uint32_t kind, const void *src, size_t n, uint32_t flags,
                           uint8_t xmin, uint8_t xmax, const char *alphabet)
{
    ir_string s;
    memset(&s, 0, sizeof(s));
    s.id = ir_pool_str(p, "$s");
    s.kind = kind;
    s.flags = flags;
    s.src = ir_pool_add(p, src, n);
    s.src_len = (uint32_t)n;
    s.xor_min = xmin;
    s.xor_max = xmax;
    s.alphabet = alphabet ? ir_pool_add(p, alphabet, 64) : IR_NONE;
    s.line = 1;
    assert_true(vec_push(&p->strings, s));
    return (uint32_t)p->strings.len - 1;
}

/* Text string; a plain ascii string gets IR_SF_ASCII as the front end sets it. */
static uint32_t add_text(ir_program *p, const char *src, size_t n, uint32_t flags)
{
    if (!(flags & (IR_SF_WIDE | IR_SF_BASE64 | IR_SF_BASE64WIDE)))
        flags |= IR_SF_ASCII;
    return add_string(p, IR_PAT_TEXT, src, n, flags, 0, 0, NULL);
}

static uint32_t add_xor(ir_program *p, const char *src, size_t n, uint32_t flags, uint8_t lo,
                        uint8_t hi)
{
    if (!(flags & IR_SF_WIDE))
        flags |= IR_SF_ASCII;
    return add_string(p, IR_PAT_TEXT, src, n, flags | IR_SF_XOR, lo, hi, NULL);
}

typedef struct fixture {
    ir_program p;
    matcher *m;
    mt_scratch *s;
} fixture;

static void fx_build(fixture *f)
{
    char err[256] = "";
    vigil_status st = matcher_build(&f->p, NULL, NULL, &f->m, err, sizeof(err));
    if (st != VIGIL_OK)
        fail_msg("matcher_build: %d %s", st, err);
    assert_int_equal(mt_scratch_new(f->m, &f->s), VIGIL_OK);
}

static void fx_scan(fixture *f, const void *data, size_t len)
{
    assert_int_equal(matcher_scan(f->m, f->s, data, len, 0), VIGIL_OK);
}

static void fx_free(fixture *f)
{
    mt_scratch_free(f->s);
    matcher_free(f->m);
    ir_free(&f->p);
}

/* Checks string i's matches against the expected list, naming the
 * difference. Returns the number of assertions made (for the tally). */
static void check_eq(const mt_scratch *s, uint32_t i, const ex *e, size_t n, int line)
{
    size_t got = 0;
    const mt_match *mm = mt_matches(s, i, &got);
    if (got != n) {
        for (size_t k = 0; k < got; k++)
            print_message("  got 0x%llx:%u\n", (unsigned long long)mm[k].offset, mm[k].length);
        fail_msg("line %d string %u: %zu matches, expected %zu", line, i, got, n);
    }
    for (size_t k = 0; k < n; k++) {
        if (mm[k].offset != e[k].off || mm[k].length != e[k].len)
            fail_msg("line %d string %u match %zu: got 0x%llx:%u, expected 0x%llx:%u", line, i, k,
                     (unsigned long long)mm[k].offset, mm[k].length, (unsigned long long)e[k].off,
                     e[k].len);
    }
}
#define CHECK(s, i, ...)                                                                           \
    do {                                                                                           \
        const ex e_[] = {__VA_ARGS__};                                                             \
        check_eq((s), (i), e_, sizeof(e_) / sizeof(e_[0]), __LINE__);                              \
    } while (0)
#define CHECK_NONE(s, i) check_eq((s), (i), NULL, 0, __LINE__)

/* Field by field: mt_match has padding bytes. */
static void same_matches(const mt_match *a, const mt_match *b, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(a[k].offset, b[k].offset);
        assert_int_equal(a[k].length, b[k].length);
        assert_int_equal(a[k].xor_key, b[k].xor_key);
    }
}

static void wide(const char *in, size_t n, char *out)
{
    mt_widen((const uint8_t *)in, n, (uint8_t *)out);
}

/* ---- text helpers ---- */

static void test_base64_forms(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n = mt_base64_form((const uint8_t *)"abc", 3, mt_base64_std, 0, false, out);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "YWJj", 4); /* base64("abc") */
    n = mt_base64_form((const uint8_t *)"abc", 3, mt_base64_std, 1, false, out);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "FiY", 3); /* base64("Aabc") = QWFiYw== minus 2 / 3 */
    n = mt_base64_form((const uint8_t *)"abc", 3, mt_base64_std, 2, false, out);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "hYm", 3); /* base64("AAabc") = QUFhYmM= minus 3 / 2 */
    n = mt_base64_form((const uint8_t *)"abc", 3, mt_base64_std, 2, true, out);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "h\0Y\0m\0", 6);
    assert_true(mt_base64_form_max(3) >= 16);
}

static void test_fullword_helper(void **state)
{
    (void)state;
    const uint8_t *d = (const uint8_t *)"xab ab_ab";
    assert_false(mt_fullword_ok(d, 9, 1, 2, false)); /* x before */
    assert_true(mt_fullword_ok(d, 9, 4, 2, false));  /* ' ' before, '_' after */
    assert_true(mt_fullword_ok(d, 9, 7, 2, false));  /* '_' before, end after */
    /* wide: "c\0a\0b\0" : alnum + 0 before rejects; "a\0b\0c" at the very
     * end is accepted because yara needs the 0 after the alnum to exist */
    const uint8_t w[] = {'c', 0, 'a', 0, 'b', 0, 'c'};
    assert_false(mt_fullword_ok(w, 7, 2, 4, true));
    assert_true(mt_fullword_ok(w + 2, 5, 0, 4, true));
}

static void test_text_verify_order(void **state)
{
    (void)state;
    uint8_t key = 9;
    /* "A\0" ascii wide at "A\0\0\0": ascii is tried first */
    const uint8_t d[] = {'A', 0, 0, 0};
    assert_int_equal(
        mt_text_verify((const uint8_t *)"A\0", 2, IR_SF_ASCII | IR_SF_WIDE, d, 4, 0, &key), 2);
    assert_int_equal(key, 0);
    assert_int_equal(mt_text_verify((const uint8_t *)"A\0", 2, IR_SF_WIDE, d, 4, 0, &key), 4);
    /* xor: key from the first byte; wide xor before ascii xor */
    const uint8_t x[] = {'A' ^ 9, 9, 9, 9, 9, 9};
    assert_int_equal(mt_text_verify((const uint8_t *)"A\0\0", 3,
                                    IR_SF_ASCII | IR_SF_WIDE | IR_SF_XOR, x, 6, 0, &key),
                     6);
    assert_int_equal(key, 9);
    assert_int_equal(
        mt_text_verify((const uint8_t *)"A\0\0", 3, IR_SF_ASCII | IR_SF_XOR, x, 6, 0, &key), 3);
    /* nocase is ASCII-only and ignores xor */
    const uint8_t n1[] = {0xC9};
    assert_int_equal(
        mt_text_verify((const uint8_t *)"\xE9", 1, IR_SF_ASCII | IR_SF_NOCASE, n1, 1, 0, &key), 0);
    /* out of data */
    assert_int_equal(mt_text_verify((const uint8_t *)"ab", 2, IR_SF_ASCII, d, 4, 4, &key), 0);
}

/* ---- scans checked against yara ---- */

/* rule plain { strings: $a = "ab" $b = "aa" condition: any of them }
 * data "xabyab ab aaaa":
 *   0x1:2:$a 0x4:2:$a 0x7:2:$a  0xa:2:$b 0xb:2:$b 0xc:2:$b */
static void test_plain_and_overlap(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "ab", 2, 0);
    add_text(&f.p, "aa", 2, 0);
    fx_build(&f);
    fx_scan(&f, "xabyab ab aaaa", 14);
    CHECK(f.s, 0, {1, 2}, {4, 2}, {7, 2});
    CHECK(f.s, 1, {0xa, 2}, {0xb, 2}, {0xc, 2});
    fx_free(&f);
}

/* $a = "A\x00" ascii wide ; $b = "ab" xor wide ascii ; $c = "ab" fullword wide ;
 * $d = "ab" fullword, over 'A\0\0\0 ab ab1 a\0b\0 xa\0b\0 a\0b\0c\0 a\0b\0c':
 *   0x0:2:$a
 *   0x5:2 0x8:2 0xc:4 0x12:4 0x17:4 0x1e:4 :$b
 *   0xc:4 0x12:4 0x1e:4 :$c      0x5:2:$d */
static void test_ascii_wide_fullword(void **state)
{
    (void)state;
    static const char d[] = "A\0\0\0 ab ab1 a\0b\0 xa\0b\0 a\0b\0c\0 a\0b\0c";
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "A\0", 2, IR_SF_ASCII | IR_SF_WIDE);
    add_xor(&f.p, "ab", 2, IR_SF_ASCII | IR_SF_WIDE, 0, 255);
    add_text(&f.p, "ab", 2, IR_SF_WIDE | IR_SF_FULLWORD);
    add_text(&f.p, "ab", 2, IR_SF_FULLWORD);
    fx_build(&f);
    fx_scan(&f, d, sizeof(d) - 1);
    CHECK(f.s, 0, {0, 2});
    CHECK(f.s, 1, {5, 2}, {8, 2}, {0xc, 4}, {0x12, 4}, {0x17, 4}, {0x1e, 4});
    CHECK(f.s, 2, {0xc, 4}, {0x12, 4}, {0x1e, 4});
    CHECK(f.s, 3, {5, 2});
    fx_free(&f);
}

/* $a = "AbC" nocase ; $b = "AbC" nocase wide ; $c = "AbC" nocase ascii wide
 * data "abc ABC aBc " + wide("AbC") + " " + wide("abc"):
 *   $a 0x0:3 0x4:3 0x8:3 ; $b 0xc:6 0x13:6 ; $c all five */
static void test_nocase(void **state)
{
    (void)state;
    char d[64];
    size_t n = 0;
    memcpy(d, "abc ABC aBc ", 12);
    n = 12;
    wide("AbC", 3, d + n);
    n += 6;
    d[n++] = ' ';
    wide("abc", 3, d + n);
    n += 6;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "AbC", 3, IR_SF_NOCASE);
    add_text(&f.p, "AbC", 3, IR_SF_NOCASE | IR_SF_WIDE);
    add_text(&f.p, "AbC", 3, IR_SF_NOCASE | IR_SF_ASCII | IR_SF_WIDE);
    add_text(&f.p, "\xE9t\xE9", 3, IR_SF_NOCASE); /* non-ASCII never folds */
    fx_build(&f);
    fx_scan(&f, d, n);
    CHECK(f.s, 0, {0, 3}, {4, 3}, {8, 3});
    CHECK(f.s, 1, {0xc, 6}, {0x13, 6});
    CHECK(f.s, 2, {0, 3}, {4, 3}, {8, 3}, {0xc, 6}, {0x13, 6});
    fx_scan(&f, "\xC9T\xC9 \xE9T\xE9", 7);
    CHECK(f.s, 3, {4, 3});
    fx_free(&f);
}

/* $a = "ab" xor ; $b = "ab" xor(1-3) ; $c = "ab" xor wide ; $d = "ab" xor ascii wide
 * data "ab " x1 " " x3 " " x4 " " wide-x2 " " x0x20:
 *   $a 0x0 0x3 0x6 0x9 0x11 (len 2) ; $b 0x3 0x6 ; $c 0xc:4 ;
 *   $d 0x0 0x3 0x6 0x9 0xc:4 0x11 */
static void test_xor(void **state)
{
    (void)state;
    const uint8_t d[] = {'a',     'b', ' ',     'a' ^ 1,    'b' ^ 1,   ' ',     'a' ^ 3,
                         'b' ^ 3, ' ', 'a' ^ 4, 'b' ^ 4,    ' ',       'a' ^ 2, 2,
                         'b' ^ 2, 2,   ' ',     'a' ^ 0x20, 'b' ^ 0x20};
    fixture f;
    ir_init(&f.p);
    add_xor(&f.p, "ab", 2, 0, 0, 255);
    add_xor(&f.p, "ab", 2, 0, 1, 3);
    add_xor(&f.p, "ab", 2, IR_SF_WIDE, 0, 255);
    add_xor(&f.p, "ab", 2, IR_SF_ASCII | IR_SF_WIDE, 0, 255);
    fx_build(&f);
    fx_scan(&f, d, sizeof(d));
    CHECK(f.s, 0, {0, 2}, {3, 2}, {6, 2}, {9, 2}, {0x11, 2});
    CHECK(f.s, 1, {3, 2}, {6, 2});
    CHECK(f.s, 2, {0xc, 4});
    CHECK(f.s, 3, {0, 2}, {3, 2}, {6, 2}, {9, 2}, {0xc, 4}, {0x11, 2});
    size_t n;
    const mt_match *m = mt_matches(f.s, 0, &n);
    assert_int_equal(m[0].xor_key, 0);
    assert_int_equal(m[1].xor_key, 1);
    assert_int_equal(m[2].xor_key, 3);
    assert_int_equal(m[3].xor_key, 4);
    assert_int_equal(m[4].xor_key, 0x20);
    m = mt_matches(f.s, 2, &n);
    assert_int_equal(m[0].xor_key, 2);
    fx_free(&f);
}

/* Short literals (yara's STRING_FITS_IN_ATOM) record the form that is found
 * first. $a = "A\x00" xor ascii wide ; $b = "A\x00" xor wide
 * data 'A\0\0\0 ' x5("A\0\0\0") ' ' x7("A\0"):
 *   $a 0x0:2 0x5:2 0xa:2 ; $b 0x0:4 0x5:4
 * Longer ones are re-verified in yara's order (wide xor before ascii xor):
 * $a = "A\x00\x00" xor ascii wide ; $b = "A\x00\x00" ascii wide over
 * 'A\0\0\0\0\0 ' x9(same) ' ' x9("A\0\0") '|A\0\0!':
 *   $a 0x0:3 0x7:6 0xe:3 0x12:3 ; $b 0x0:3 0x12:3 */
static void test_xor_fits_in_atom(void **state)
{
    (void)state;
    const uint8_t d1[] = {'A', 0, 0, 0, ' ', 'A' ^ 5, 5, 5, 5, ' ', 'A' ^ 7, 7};
    fixture f;
    ir_init(&f.p);
    add_xor(&f.p, "A\0", 2, IR_SF_ASCII | IR_SF_WIDE, 0, 255);
    add_xor(&f.p, "A\0", 2, IR_SF_WIDE, 0, 255);
    add_xor(&f.p, "A\0\0", 3, IR_SF_ASCII | IR_SF_WIDE, 0, 255);
    add_text(&f.p, "A\0\0", 3, IR_SF_ASCII | IR_SF_WIDE);
    fx_build(&f);
    fx_scan(&f, d1, sizeof(d1));
    CHECK(f.s, 0, {0, 2}, {5, 2}, {0xa, 2});
    CHECK(f.s, 1, {0, 4}, {5, 4});
    const uint8_t d2[] = {'A', 0, 0,   0,       0, 0, ' ', 'A' ^ 9, 9, 9, 9,
                          9,   9, ' ', 'A' ^ 9, 9, 9, '|', 'A',     0, 0, '!'};
    fx_scan(&f, d2, sizeof(d2));
    CHECK(f.s, 2, {0, 3}, {7, 6}, {0xe, 3}, {0x12, 3});
    CHECK(f.s, 3, {0, 3}, {0x12, 3});
    size_t n;
    const mt_match *m = mt_matches(f.s, 2, &n);
    assert_int_equal(m[1].xor_key, 9);
    fx_free(&f);
}

/* $a = "ab" fullword ; $b = "ab" fullword wide ; $c = "ab" fullword ascii wide
 * data "ab xab aby (ab) " W(ab) " x\0" W(ab) " " W(ab) "y\0 -" W(ab):
 *   $a 0x0 0xc ; $b 0x10:4 0x24:4 ; $c 0x0 0xc 0x10:4 0x24:4 */
static void test_fullword(void **state)
{
    (void)state;
    char d[64];
    size_t n = 0;
    memcpy(d, "ab xab aby (ab) ", 16);
    n = 16;
    wide("ab", 2, d + n);
    n += 4;
    memcpy(d + n, " x\0", 3);
    n += 3;
    wide("ab", 2, d + n);
    n += 4;
    d[n++] = ' ';
    wide("ab", 2, d + n);
    n += 4;
    memcpy(d + n, "y\0 -", 4);
    n += 4;
    wide("ab", 2, d + n);
    n += 4;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "ab", 2, IR_SF_FULLWORD);
    add_text(&f.p, "ab", 2, IR_SF_FULLWORD | IR_SF_WIDE);
    add_text(&f.p, "ab", 2, IR_SF_FULLWORD | IR_SF_ASCII | IR_SF_WIDE);
    add_text(&f.p, "ab", 2, IR_SF_PRIVATE); /* private matches like any other */
    fx_build(&f);
    fx_scan(&f, d, n);
    CHECK(f.s, 0, {0, 2}, {0xc, 2});
    CHECK(f.s, 1, {0x10, 4}, {0x24, 4});
    CHECK(f.s, 2, {0, 2}, {0xc, 2}, {0x10, 4}, {0x24, 4});
    CHECK(f.s, 3, {0, 2}, {4, 2}, {7, 2}, {0xc, 2});
    fx_free(&f);
}

static size_t b64(const char *in, size_t n, char *out)
{
    static const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(uint8_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)(uint8_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (uint8_t)in[i + 2];
        out[o++] = a[(v >> 18) & 63];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? a[v & 63] : '=';
    }
    return o;
}

/* $a base64 ; $b base64wide ; $c base64 base64wide ; $d base64 wide ;
 * $e base64 ascii wide -- all "This program cannot", over
 * "..." b64(P) "..." b64("x"P) ".." b64("xy"P) "|" W(b64("zz"P)) "|" b64(W(P)):
 *   $a 0x3:25 0x24:24 0x43:25 ; $b 0x63:50 ; $c 0x3:25 0x24:24 0x43:25 0x63:50 ;
 *   $d 0x96:50 ; $e 0x3:25 0x24:24 0x43:25 0x96:50 */
static void test_base64(void **state)
{
    (void)state;
    static const char pt[] = "This program cannot";
    const size_t pn = sizeof(pt) - 1;
    char d[512], tmp[128], wtmp[256];
    size_t n = 0;
    memcpy(d + n, "...", 3);
    n += 3;
    n += b64(pt, pn, d + n);
    memcpy(d + n, "...", 3);
    n += 3;
    tmp[0] = 'x';
    memcpy(tmp + 1, pt, pn);
    n += b64(tmp, pn + 1, d + n);
    memcpy(d + n, "..", 2);
    n += 2;
    tmp[0] = 'x';
    tmp[1] = 'y';
    memcpy(tmp + 2, pt, pn);
    n += b64(tmp, pn + 2, d + n);
    d[n++] = '|';
    tmp[0] = 'z';
    tmp[1] = 'z';
    memcpy(tmp + 2, pt, pn);
    size_t e = b64(tmp, pn + 2, wtmp);
    wide(wtmp, e, d + n);
    n += 2 * e;
    d[n++] = '|';
    wide(pt, pn, wtmp);
    n += b64(wtmp, 2 * pn, d + n);
    assert_int_equal(n, 0xca); /* same length as the file given to yara */

    fixture f;
    ir_init(&f.p);
    add_text(&f.p, pt, pn, IR_SF_BASE64);
    add_text(&f.p, pt, pn, IR_SF_BASE64WIDE);
    add_text(&f.p, pt, pn, IR_SF_BASE64 | IR_SF_BASE64WIDE);
    add_text(&f.p, pt, pn, IR_SF_BASE64 | IR_SF_WIDE);
    add_text(&f.p, pt, pn, IR_SF_BASE64 | IR_SF_ASCII | IR_SF_WIDE);
    fx_build(&f);
    fx_scan(&f, d, n);
    CHECK(f.s, 0, {3, 25}, {0x24, 24}, {0x43, 25});
    CHECK(f.s, 1, {0x63, 50});
    CHECK(f.s, 2, {3, 25}, {0x24, 24}, {0x43, 25}, {0x63, 50});
    CHECK(f.s, 3, {0x96, 50});
    CHECK(f.s, 4, {3, 25}, {0x24, 24}, {0x43, 25}, {0x96, 50});
    fx_free(&f);
}

/* $a = "This program cannot" base64("!@#$%^&*()abc...XYZ,.") ; $b = same base64
 * data "--" b64c("q"P) "--" b64(P): $a 0x4:24 ; $b 0x20:25 */
static void test_base64_custom_alphabet(void **state)
{
    (void)state;
    static const char pt[] = "This program cannot";
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char alt[] = "!@#$%^&*()abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,.";
    const size_t pn = sizeof(pt) - 1;
    char d[256], tmp[64];
    size_t n = 0;
    memcpy(d, "--", 2);
    n = 2;
    tmp[0] = 'q';
    memcpy(tmp + 1, pt, pn);
    size_t e = b64(tmp, pn + 1, d + n);
    for (size_t i = n; i < n + e; i++) {
        const char *p = strchr(std, d[i]);
        if (p)
            d[i] = alt[p - std];
    }
    n += e;
    memcpy(d + n, "--", 2);
    n += 2;
    n += b64(pt, pn, d + n);
    fixture f;
    ir_init(&f.p);
    add_string(&f.p, IR_PAT_TEXT, pt, pn, IR_SF_BASE64, 0, 0, alt);
    add_text(&f.p, pt, pn, IR_SF_BASE64);
    fx_build(&f);
    fx_scan(&f, d, n);
    CHECK(f.s, 0, {4, 24});
    CHECK(f.s, 1, {0x20, 25});
    fx_free(&f);
}

/* Literals starting with NUL force the regex API (Vectorscan's literal API
 * rejects them). $a = "\x00ab" ; $b = "\x00ab" wide ; $c = "ab\x00" fullword
 * data "a\0ab\0ab\0\0ab": $a 0x1:3 0x4:3 0x8:3 ; $b none ; $c 0x5:3 */
static void test_nul_first_byte(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "\0ab", 3, 0);
    add_text(&f.p, "\0ab", 3, IR_SF_WIDE);
    add_text(&f.p, "ab\0", 3, IR_SF_FULLWORD);
    add_text(&f.p, "ab", 2, IR_SF_NOCASE); /* caseless flag survives the regex path */
    fx_build(&f);
    fx_scan(&f, "a\0ab\0ab\0\0AB", 11);
    CHECK(f.s, 0, {1, 3}, {4, 3});
    CHECK_NONE(f.s, 1);
    CHECK(f.s, 2, {5, 3});
    CHECK(f.s, 3, {2, 2}, {5, 2}, {9, 2});
    fx_scan(&f, "a\0ab\0ab\0\0ab", 11);
    CHECK(f.s, 0, {1, 3}, {4, 3}, {8, 3});
    fx_free(&f);
}

/* yara -f: rule f { strings: $a = "ab" $b = "aa" condition: $a and #b > 0 }
 * over "xabyab ab aaaa" prints 0x1:$a and 0xa 0xb 0xc for $b ($b is counted,
 * so it is not single-match). */
static void test_fast_mode(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "ab", 2, 0);
    add_text(&f.p, "aa", 2, 0);
    fx_build(&f);
    assert_int_equal(matcher_scan(f.m, f.s, (const uint8_t *)"xabyab ab aaaa", 14, MT_FAST),
                     VIGIL_OK);
    CHECK(f.s, 0, {1, 2});
    CHECK(f.s, 1, {0xa, 2});
    static const uint8_t single[] = {1, 0};
    mt_scratch_set_single_match(f.s, single);
    assert_int_equal(matcher_scan(f.m, f.s, (const uint8_t *)"xabyab ab aaaa", 14, MT_FAST),
                     VIGIL_OK);
    CHECK(f.s, 0, {1, 2});
    CHECK(f.s, 1, {0xa, 2}, {0xb, 2}, {0xc, 2});
    fx_free(&f);
}

/* rule r { strings: $a = "ab" condition: $a at 1 } : yara -s prints only
 * 0x1:$a over "xabyab ab aaaa" (the string is searched at offset 1 only). */
static void test_fixed_offset(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "ab", 2, 0);
    add_text(&f.p, "ab", 2, 0);
    fx_build(&f);
    static const uint64_t fixed[] = {1, MT_NO_FIXED_OFFSET};
    mt_scratch_set_fixed_offsets(f.s, fixed);
    fx_scan(&f, "xabyab ab aaaa", 14);
    CHECK(f.s, 0, {1, 2});
    CHECK(f.s, 1, {1, 2}, {4, 2}, {7, 2});
    fx_scan(&f, "abab", 4);
    CHECK_NONE(f.s, 0);
    mt_scratch_set_fixed_offsets(f.s, NULL);
    fx_scan(&f, "abab", 4);
    CHECK(f.s, 0, {0, 2}, {2, 2});
    fx_free(&f);
}

/* yara: rule r { strings: $a = "a" condition: #a == 1000000 and
 * @a[1000000] == 999999 } matches both 1000000 and 1000001 'a's; only the
 * second warns "too many matches for $a". */
static void test_match_cap(void **state)
{
    (void)state;
    size_t n = MT_MAX_STRING_MATCHES + 1;
    char *d = malloc(n);
    assert_non_null(d);
    memset(d, 'a', n);
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "a", 1, 0);
    add_text(&f.p, "b", 1, 0);
    fx_build(&f);
    fx_scan(&f, d, n - 1);
    size_t got;
    const mt_match *m = mt_matches(f.s, 0, &got);
    assert_int_equal(got, MT_MAX_STRING_MATCHES);
    assert_false(mt_too_many(f.s, 0));
    fx_scan(&f, d, n);
    m = mt_matches(f.s, 0, &got);
    assert_int_equal(got, MT_MAX_STRING_MATCHES);
    assert_int_equal(m[got - 1].offset, MT_MAX_STRING_MATCHES - 1);
    assert_true(mt_too_many(f.s, 0));
    assert_false(mt_too_many(f.s, 1));
    /* the flag belongs to one scan */
    fx_scan(&f, "ab", 2);
    assert_false(mt_too_many(f.s, 0));
    CHECK(f.s, 0, {0, 1});
    free(d);
    fx_free(&f);
}

/* Chunked scanning (the >4 GiB path) must equal one pass, whatever the
 * chunk size: literals straddling a boundary are found once. */
static void test_chunked_equals_single(void **state)
{
    (void)state;
    uint8_t d[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(d); i++) {
        x = x * 1103515245u + 12345u;
        d[i] = "abcAB\0 xyz"[(x >> 16) % 10];
    }
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "ab", 2, 0);
    add_text(&f.p, "abc", 3, IR_SF_NOCASE | IR_SF_ASCII | IR_SF_WIDE);
    add_xor(&f.p, "cab", 3, IR_SF_ASCII | IR_SF_WIDE, 0, 255);
    add_text(&f.p, "\0a", 2, IR_SF_FULLWORD | IR_SF_ASCII | IR_SF_WIDE);
    add_text(&f.p, "bca", 3, IR_SF_BASE64);
    fx_build(&f);
    mt_scratch *s2;
    assert_int_equal(mt_scratch_new(f.m, &s2), VIGIL_OK);
    fx_scan(&f, d, sizeof(d));
    size_t total = 0;
    static const size_t chunks[] = {7, 8, 13, 100, 4095, 4096, 5000};
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        assert_int_equal(mt_scan_chunked(f.m, s2, d, sizeof(d), 0, chunks[c]), VIGIL_OK);
        for (uint32_t i = 0; i < f.p.strings.len; i++) {
            size_t n1, n2;
            const mt_match *a = mt_matches(f.s, i, &n1);
            const mt_match *b = mt_matches(s2, i, &n2);
            assert_int_equal(n1, n2);
            same_matches(a, b, n1);
            total += n1;
        }
    }
    assert_true(total > 100);
    /* a chunk no longer than the longest literal cannot make progress */
    assert_int_equal(mt_scan_chunked(f.m, s2, d, sizeof(d), 0, 6), VIGIL_E_ARG);
    mt_scratch_free(s2);
    fx_free(&f);
}

static void test_serialize_roundtrip(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "ab", 2, IR_SF_ASCII | IR_SF_WIDE);
    add_xor(&f.p, "hello", 5, 0, 1, 255);
    add_text(&f.p, "This program", 12, IR_SF_BASE64);
    fx_build(&f);
    uint8_t *bytes;
    size_t len;
    assert_int_equal(matcher_serialize(f.m, &bytes, &len), VIGIL_OK);
    char err[256] = "";
    matcher *m2;
    assert_int_equal(matcher_deserialize(&f.p, bytes, len, &m2, err, sizeof(err)), VIGIL_OK);
    mt_scratch *s2;
    assert_int_equal(mt_scratch_new(m2, &s2), VIGIL_OK);
    static const char d[] = "xab a\0b\0 \x69\x64\x6d\x6d\x6e VGhpcyBwcm9ncmFt";
    fx_scan(&f, d, sizeof(d) - 1);
    assert_int_equal(matcher_scan(m2, s2, (const uint8_t *)d, sizeof(d) - 1, 0), VIGIL_OK);
    CHECK(s2, 0, {1, 2}, {4, 4});
    CHECK(s2, 1, {9, 5});
    CHECK(s2, 2, {15, 16});
    for (uint32_t i = 0; i < 3; i++) {
        size_t n1, n2;
        const mt_match *a = mt_matches(f.s, i, &n1);
        const mt_match *b = mt_matches(s2, i, &n2);
        assert_int_equal(n1, n2);
        same_matches(a, b, n1);
    }
    mt_scratch_free(s2);
    matcher_free(m2);

    /* hostile bytes: every truncation and every single-byte flip of the
     * header and tables is rejected, never crashes */
    for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 97)) {
        m2 = NULL;
        assert_int_not_equal(matcher_deserialize(&f.p, bytes, cut, &m2, err, sizeof(err)),
                             VIGIL_OK);
        assert_null(m2);
    }
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    size_t tables_end = 20 + (size_t)(bytes[8] | bytes[9] << 8 | bytes[10] << 16);
    for (size_t i = 0; i < tables_end; i++) {
        memcpy(copy, bytes, len);
        copy[i] ^= 0x5a;
        m2 = NULL;
        assert_int_not_equal(matcher_deserialize(&f.p, copy, len, &m2, err, sizeof(err)), VIGIL_OK);
    }
    /* damage inside the Vectorscan database */
    memcpy(copy, bytes, len);
    copy[len - 8] ^= 0xff;
    copy[tables_end + 40] ^= 0xff;
    m2 = NULL;
    if (matcher_deserialize(&f.p, copy, len, &m2, err, sizeof(err)) == VIGIL_OK)
        matcher_free(m2); /* Vectorscan may not notice every flip; it must not crash */
    /* version */
    memcpy(copy, bytes, len);
    copy[4] = 99;
    assert_int_equal(matcher_deserialize(&f.p, copy, len, &m2, err, sizeof(err)), VIGIL_E_VERSION);
    /* bytes of another program */
    ir_program other;
    ir_init(&other);
    add_text(&other, "ab", 2, IR_SF_ASCII | IR_SF_WIDE);
    add_xor(&other, "hello", 5, 0, 1, 254);
    add_text(&other, "This program", 12, IR_SF_BASE64);
    assert_int_equal(matcher_deserialize(&other, bytes, len, &m2, err, sizeof(err)),
                     VIGIL_E_CORRUPT);
    assert_true(strlen(err) > 0);
    ir_free(&other);
    free(copy);
    free(bytes);
    fx_free(&f);
}

static void test_empty_cases(void **state)
{
    (void)state;
    /* no strings at all: no database, scans find nothing */
    fixture f;
    ir_init(&f.p);
    fx_build(&f);
    fx_scan(&f, "abc", 3);
    fx_scan(&f, NULL, 0);
    size_t n = 7;
    assert_null(mt_matches(f.s, 0, &n));
    assert_int_equal(n, 0);
    assert_false(mt_too_many(f.s, 5));
    uint8_t *bytes;
    size_t len;
    assert_int_equal(matcher_serialize(f.m, &bytes, &len), VIGIL_OK);
    matcher *m2;
    assert_int_equal(matcher_deserialize(&f.p, bytes, len, &m2, NULL, 0), VIGIL_OK);
    matcher_free(m2);
    free(bytes);
    fx_free(&f);

    /* an empty text string is a syntax error (yara: "empty string") */
    ir_init(&f.p);
    add_text(&f.p, "", 0, 0);
    char err[128] = "";
    matcher *m = NULL;
    assert_int_equal(matcher_build(&f.p, NULL, NULL, &m, err, sizeof(err)), VIGIL_E_SYNTAX);
    assert_null(m);
    assert_non_null(strstr(err, "empty"));
    ir_free(&f.p);

    /* a scratch of another matcher is refused */
    fixture a, b;
    ir_init(&a.p);
    ir_init(&b.p);
    add_text(&a.p, "x", 1, 0);
    add_text(&b.p, "y", 1, 0);
    fx_build(&a);
    fx_build(&b);
    assert_int_equal(matcher_scan(a.m, b.s, (const uint8_t *)"xy", 2, 0), VIGIL_E_ARG);
    fx_free(&a);
    fx_free(&b);
    matcher_free(NULL);
    mt_scratch_free(NULL);
}

/* Results of a scan replace those of the previous one; data at the very end
 * and the very beginning are matched. */
static void test_scratch_reuse_and_edges(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_text(&f.p, "abcd", 4, IR_SF_FULLWORD);
    add_text(&f.p, "abcdefgh", 8, IR_SF_ASCII | IR_SF_WIDE);
    fx_build(&f);
    fx_scan(&f, "abcd", 4);
    CHECK(f.s, 0, {0, 4});
    fx_scan(&f, "abc", 3);
    CHECK_NONE(f.s, 0);
    fx_scan(&f, "xx abcd", 7);
    CHECK(f.s, 0, {3, 4});
    char w[32];
    wide("abcdefgh", 8, w);
    fx_scan(&f, w, 16);
    CHECK(f.s, 1, {0, 16});
    fx_scan(&f, w, 15); /* the last 0 is missing: no wide match */
    CHECK_NONE(f.s, 1);
    fx_free(&f);
}

/* Regex and hex strings go through lib/re's atoms and verifier.
 * rule re { strings: $h = { 61 62 ?? 64 } $r1 = /ab+c/ $r2 = /a.c/s $r3 = /a.c/
 *   $r4 = /abc/ nocase ascii wide $r5 = /ab[0-9]+/ fullword $h2 = { 61 [0-2] 64 }
 *   condition: any of them }
 * over 'xxabXdyy ab12d abZdab. abc abbbc ac a\nc AbC A\0b\0C\0 ab123 ab45x':
 *   $h 0x2:4 0xf:4 ; $r1 0x17:3 0x1b:5 ; $r2 0x17:3 0x24:3 ; $r3 0x17:3 ;
 *   $r4 0x17:3 0x28:3 0x2c:6 ; $r5 0x33:5 ; $h2 0x2:4 0xf:4 */
static void test_regex_and_hex(void **state)
{
    (void)state;
    static const char d[] = "xxabXdyy ab12d abZdab. abc abbbc ac a\nc AbC A\0b\0C\0 ab123 ab45x";
    fixture f;
    ir_init(&f.p);
    add_string(&f.p, IR_PAT_HEX, " 61 62 ?? 64 ", 13, IR_SF_ASCII, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "ab+c", 4, IR_SF_ASCII, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "a.c", 3, IR_SF_ASCII | IR_SF_DOTALL, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "a.c", 3, IR_SF_ASCII, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "abc", 3, IR_SF_NOCASE | IR_SF_ASCII | IR_SF_WIDE, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "ab[0-9]+", 8, IR_SF_ASCII | IR_SF_FULLWORD, 0, 0, NULL);
    add_string(&f.p, IR_PAT_HEX, "61 [0-2] 64", 11, IR_SF_ASCII, 0, 0, NULL);
    fx_build(&f);
    fx_scan(&f, d, sizeof(d) - 1);
    CHECK(f.s, 0, {2, 4}, {0xf, 4});
    CHECK(f.s, 1, {0x17, 3}, {0x1b, 5});
    CHECK(f.s, 2, {0x17, 3}, {0x24, 3});
    CHECK(f.s, 3, {0x17, 3});
    CHECK(f.s, 4, {0x17, 3}, {0x28, 3}, {0x2c, 6});
    CHECK(f.s, 5, {0x33, 5});
    CHECK(f.s, 6, {2, 4}, {0xf, 4});
    /* the same through serialize / deserialize (programs re-derived from p) */
    uint8_t *bytes;
    size_t len;
    assert_int_equal(matcher_serialize(f.m, &bytes, &len), VIGIL_OK);
    matcher *m2;
    mt_scratch *s2;
    assert_int_equal(matcher_deserialize(&f.p, bytes, len, &m2, NULL, 0), VIGIL_OK);
    assert_int_equal(mt_scratch_new(m2, &s2), VIGIL_OK);
    assert_int_equal(matcher_scan(m2, s2, (const uint8_t *)d, sizeof(d) - 1, 0), VIGIL_OK);
    CHECK(s2, 4, {0x17, 3}, {0x28, 3}, {0x2c, 6});
    CHECK(s2, 6, {2, 4}, {0xf, 4});
    mt_scratch_free(s2);
    matcher_free(m2);
    free(bytes);
    fx_free(&f);
}

/* Anchors and masked windows (re.h RE_F_ANCHOR), checked with yara -s:
 * rule t { strings:
 *   $h = { 85 C0 0F 84 ?? ?? ?? ?? 8B 4? ?? E8 }  $r = /ab.d[xy]EF/ nocase
 *   $w = /ab.d[xy]EF/ wide  $j = { 41 42 [1-2] 43 44 45 46 47 48 }
 *   condition: any of them }
 * over the bytes below: 0x2:$h (12 bytes; the copy at 0x10 has 8B 57),
 * 0x1f:$r (7), 0x28:$w (14), 0x37:$j (9), 0x41:$j (10). $h and $r/$w go to
 * Vectorscan as regex windows (a class for 4?, .{n} for ??), $j through a
 * literal run longer than yara's atom. A loaded copy compiles its verifiers
 * on first use, from two threads at once here. */
static const char anchor_data[] =
    "xx\x85\xc0\x0f\x84\x11\x22\x33\x44\x8b\x47\x00\xe8yy\x85\xc0\x0f\x84\x11\x22\x33\x44\x8b"
    "\x57\x00\xe8 xxABzDyefQ a\0b\0z\0d\0x\0E\0F\0 ABzCDEFGH AB12CDEFGH\n";

static void check_anchor_matches(const mt_scratch *s)
{
    CHECK(s, 0, {2, 12});
    CHECK(s, 1, {0x1f, 7});
    CHECK(s, 2, {0x28, 14});
    CHECK(s, 3, {0x37, 9}, {0x41, 10});
}

typedef struct scan_job {
    const matcher *m;
    vigil_status st;
    bool same;
} scan_job;

static void *scan_thread(void *u)
{
    scan_job *j = u;
    mt_scratch *s = NULL;
    j->st = mt_scratch_new(j->m, &s);
    for (int k = 0; k < 20 && j->st == VIGIL_OK; k++)
        j->st = matcher_scan(j->m, s, (const uint8_t *)anchor_data, sizeof(anchor_data) - 1, 0);
    size_t n0, n3;
    const mt_match *a = mt_matches(s, 0, &n0);
    const mt_match *b = mt_matches(s, 3, &n3);
    j->same = n0 == 1 && a[0].offset == 2 && a[0].length == 12 && n3 == 2 && b[1].length == 10;
    mt_scratch_free(s);
    return NULL;
}

static void test_anchor_windows(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_string(&f.p, IR_PAT_HEX, "85 C0 0F 84 ?? ?? ?? ?? 8B 4? ?? E8", 35, IR_SF_ASCII, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "ab.d[xy]EF", 10, IR_SF_ASCII | IR_SF_NOCASE, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "ab.d[xy]EF", 10, IR_SF_WIDE, 0, 0, NULL);
    add_string(&f.p, IR_PAT_HEX, "41 42 [1-2] 43 44 45 46 47 48", 29, IR_SF_ASCII, 0, 0, NULL);
    fx_build(&f);
    /* one form per string; the first three are masked windows */
    assert_int_equal(f.m->forms.len, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(f.m->forms.items[i].masked, i < 3);
    assert_int_equal(f.m->forms.items[3].len, 6); /* 43 44 45 46 47 48 */
    fx_scan(&f, anchor_data, sizeof(anchor_data) - 1);
    check_anchor_matches(f.s);

    uint8_t *bytes;
    size_t len;
    assert_int_equal(matcher_serialize(f.m, &bytes, &len), VIGIL_OK);
    matcher *m2;
    assert_int_equal(matcher_deserialize(&f.p, bytes, len, &m2, NULL, 0), VIGIL_OK);
    for (uint32_t i = 0; i < 4; i++) /* nothing compiled yet */
        assert_null(atomic_load(&m2->strs[i].prog[0]));
    scan_job jobs[2] = {{.m = m2}, {.m = m2}};
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, scan_thread, &jobs[k]), 0);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(pthread_join(t[k], NULL), 0);
        assert_int_equal(jobs[k].st, VIGIL_OK);
        assert_true(jobs[k].same);
    }
    mt_scratch *s2;
    assert_int_equal(mt_scratch_new(m2, &s2), VIGIL_OK);
    assert_int_equal(matcher_scan(m2, s2, (const uint8_t *)anchor_data, sizeof(anchor_data) - 1, 0),
                     VIGIL_OK);
    check_anchor_matches(s2);
    mt_scratch_free(s2);
    matcher_free(m2);

    /* tables whose atoms disagree with the programs (another build's): the
     * form's literal no longer matches its atom, so the first scan that
     * compiles the program refuses instead of verifying the wrong atom */
    assert_int_equal(matcher_deserialize(&f.p, bytes, len, &m2, NULL, 0), VIGIL_OK);
    m2->lit.items[m2->forms.items[3].off] ^= 1;
    assert_int_equal(mt_scratch_new(m2, &s2), VIGIL_OK);
    static const uint8_t hit[] = "AB1CDEFGH";
    /* Vectorscan still finds the stored (unchanged) database's literal */
    assert_int_equal(matcher_scan(m2, s2, hit, sizeof(hit) - 1, 0), VIGIL_E_CORRUPT);
    mt_scratch_free(s2);
    matcher_free(m2);
    free(bytes);
    fx_free(&f);
}

static void count_warning(uint32_t string_index, const char *message, void *user)
{
    (void)string_index;
    assert_non_null(message);
    ++*(int *)user;
}

/* Programs without atoms are verified at every offset.
 * rule sw { strings: $a = /\d\d/ $b = /\d+/ fullword $c = /[0-9]/ wide ascii
 *   condition: any of them } over "a12b345 x9":
 *   $a 0x1:2 0x4:2 0x5:2 ; $b none ; $c 0x1 0x2 0x4 0x5 0x6 0x9 (length 1) */
static void test_regex_without_atoms(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_string(&f.p, IR_PAT_REGEX, "\\d\\d", 4, IR_SF_ASCII, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "\\d+", 3, IR_SF_ASCII | IR_SF_FULLWORD, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "[0-9]", 5, IR_SF_ASCII | IR_SF_WIDE, 0, 0, NULL);
    fx_build(&f);
    fx_scan(&f, "a12b345 x9", 10);
    CHECK(f.s, 0, {1, 2}, {4, 2}, {5, 2});
    CHECK_NONE(f.s, 1);
    CHECK(f.s, 2, {1, 1}, {2, 1}, {4, 1}, {5, 1}, {6, 1}, {9, 1});
    assert_int_equal(matcher_scan(f.m, f.s, (const uint8_t *)"a12b345 x9", 10, MT_FAST), VIGIL_OK);
    CHECK(f.s, 0, {1, 2});
    CHECK(f.s, 2, {1, 1});
    /* the builder warns once per atomless string */
    int warned = 0;
    matcher *m;
    assert_int_equal(matcher_build(&f.p, count_warning, &warned, &m, NULL, 0), VIGIL_OK);
    assert_int_equal(warned, 3);
    matcher_free(m);
    fx_free(&f);
}

/* Chained strings (jumps over 200 bytes), checked with Debian's yara and
 * console.log(@a[i], !a[i]) for lengths over 512:
 *   $w = /abcd.{300,400}?efgh/s wide ascii
 *     over abcd|350|e.f.g.h.abcd|300|efgh ("|n|": n dots, "x." = x 00):
 *     0x0:362 0x16a:308 (an ascii head chains to a wide tail: one pending
 *     list per piece, shared by the string's ascii and wide forms)
 *   $f = /abcd.{300,400}?efgh/s fullword
 *     over abcd|350|efghXabcd |310|efgh: none (each piece must be a whole
 *     word on its own: the first tail is followed by X, the second head is
 *     preceded by it), and over abcd|350|efgh: 0x0:358
 *   $h = { 41 41 [300-] 42 42 } over AA|300|AA|300|BB|10|AA|300|BB:
 *     0x0:606 0x12e:304 0x268:304; with yara -f: 0x0:606 0x12e:304 (the
 *     head piece is skipped once the string has a match, but the tail still
 *     confirms every head already pending) */
static void test_chains(void **state)
{
    (void)state;
    static uint8_t d[2048];
    size_t n = 0;
#define PUT(s, l) (memcpy(d + n, (s), (l)), n += (l))
#define DOTS(k) (memset(d + n, '.', (k)), n += (k))
    fixture f;
    ir_init(&f.p);
    add_string(&f.p, IR_PAT_REGEX, "abcd.{300,400}?efgh", 19,
               IR_SF_ASCII | IR_SF_WIDE | IR_SF_DOTALL, 0, 0, NULL);
    add_string(&f.p, IR_PAT_REGEX, "abcd.{300,400}?efgh", 19,
               IR_SF_ASCII | IR_SF_FULLWORD | IR_SF_DOTALL, 0, 0, NULL);
    add_string(&f.p, IR_PAT_HEX, "41 41 [300-] 42 42", 18, IR_SF_ASCII, 0, 0, NULL);
    fx_build(&f);

    n = 0, PUT("abcd", 4), DOTS(350), PUT("e\0f\0g\0h\0", 8), PUT("abcd", 4), DOTS(300);
    PUT("efgh", 4);
    for (int round = 0; round < 2; round++) { /* the scratch's lists are reused */
        fx_scan(&f, d, n);
        CHECK(f.s, 0, {0, 362}, {0x16a, 308});
    }
    /* small chunks: pending heads survive chunk boundaries */
    assert_int_equal(mt_scan_chunked(f.m, f.s, d, n, 0, 64), VIGIL_OK);
    CHECK(f.s, 0, {0, 362}, {0x16a, 308});

    n = 0, PUT("abcd", 4), DOTS(350), PUT("efghXabcd ", 10), DOTS(310), PUT("efgh", 4);
    fx_scan(&f, d, n);
    CHECK_NONE(f.s, 1);
    n = 0, PUT("abcd", 4), DOTS(350), PUT("efgh", 4);
    fx_scan(&f, d, n);
    CHECK(f.s, 1, {0, 358});

    n = 0, PUT("AA", 2), DOTS(300), PUT("AA", 2), DOTS(300), PUT("BB", 2), DOTS(10);
    PUT("AA", 2), DOTS(300), PUT("BB", 2);
    fx_scan(&f, d, n);
    CHECK(f.s, 2, {0, 606}, {0x12e, 304}, {0x268, 304});
    assert_int_equal(matcher_scan(f.m, f.s, d, n, MT_FAST), VIGIL_OK);
    CHECK(f.s, 2, {0, 606}, {0x12e, 304});
    assert_false(mt_too_many(f.s, 2));
#undef PUT
#undef DOTS
    fx_free(&f);
}

/* rule ov { strings: $a = { 41 [300-] 42 } condition: #a == 1000000 and
 * @a[1] == 0 and !a[1] == 1000302 and @a[#a] == 999999 and !a[#a] == 303 }
 * matches 1000001 'A's, 300 dots and 'B' in yara, which warns "too many
 * matches for $a": the head piece's pending list stops at 1000000, the
 * piece is disabled, and the tail still confirms what is pending.
 * A chain whose head has no atom is swept, in yara's order:
 * { ?? 41 42 [300-] 43 44 } over xAB|300|CD: 0x0:305. */
static void test_chain_limits(void **state)
{
    (void)state;
    size_t n = 1000001 + 300 + 1;
    uint8_t *d = malloc(n);
    assert_non_null(d);
    memset(d, 'A', 1000001);
    memset(d + 1000001, '.', 300);
    d[n - 1] = 'B';
    fixture f;
    ir_init(&f.p);
    add_string(&f.p, IR_PAT_HEX, "41 [300-] 42", 12, IR_SF_ASCII, 0, 0, NULL);
    add_string(&f.p, IR_PAT_HEX, "?? 41 42 [300-] 43 44", 21, IR_SF_ASCII, 0, 0, NULL);
    fx_build(&f);
    fx_scan(&f, d, n);
    size_t got = 0;
    const mt_match *mm = mt_matches(f.s, 0, &got);
    assert_int_equal(got, 1000000);
    assert_int_equal(mm[0].offset, 0);
    assert_int_equal(mm[0].length, 1000302);
    assert_int_equal(mm[got - 1].offset, 999999);
    assert_int_equal(mm[got - 1].length, 303);
    assert_true(mt_too_many(f.s, 0));
    memset(d, '.', 306);
    memcpy(d, "xAB", 3);
    memcpy(d + 303, "CD", 2);
    fx_scan(&f, d, 306);
    CHECK(f.s, 1, {0, 305});
    assert_false(mt_too_many(f.s, 0));
    free(d);
    fx_free(&f);
}

static void test_regex_syntax_error(void **state)
{
    (void)state;
    fixture f;
    ir_init(&f.p);
    add_string(&f.p, IR_PAT_REGEX, "ab(c", 4, IR_SF_ASCII, 0, 0, NULL);
    char err[256] = "";
    matcher *m = NULL;
    assert_int_equal(matcher_build(&f.p, NULL, NULL, &m, err, sizeof(err)), VIGIL_E_SYNTAX);
    assert_null(m);
    assert_non_null(strstr(err, "$s"));
    ir_free(&f.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_forms),
        cmocka_unit_test(test_fullword_helper),
        cmocka_unit_test(test_text_verify_order),
        cmocka_unit_test(test_plain_and_overlap),
        cmocka_unit_test(test_ascii_wide_fullword),
        cmocka_unit_test(test_nocase),
        cmocka_unit_test(test_xor),
        cmocka_unit_test(test_xor_fits_in_atom),
        cmocka_unit_test(test_fullword),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_base64_custom_alphabet),
        cmocka_unit_test(test_nul_first_byte),
        cmocka_unit_test(test_fast_mode),
        cmocka_unit_test(test_fixed_offset),
        cmocka_unit_test(test_match_cap),
        cmocka_unit_test(test_chunked_equals_single),
        cmocka_unit_test(test_serialize_roundtrip),
        cmocka_unit_test(test_empty_cases),
        cmocka_unit_test(test_scratch_reuse_and_edges),
        cmocka_unit_test(test_regex_and_hex),
        cmocka_unit_test(test_anchor_windows),
        cmocka_unit_test(test_regex_without_atoms),
        cmocka_unit_test(test_regex_syntax_error),
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_chain_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
