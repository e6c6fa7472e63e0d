/*
 * test_re.c - lib/re against yara 4.2.3: every expected (offset, length) list
 * below was printed by Debian's `yara -s -L` for the same pattern and data
 * (lengths over 512 were checked as 512, yara's printing cap), and every
 * error message is the one yara gives. A small scanner stands in for
 * lib/match: it finds atoms naively in end order, verifies atom-less pieces
 * at every offset after them, joins chained pieces through an re_chain and
 * de-duplicates by start.
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

typedef struct scan_ctx {
    re_chain *chain; /* NULL when the program is not chained */
    uint32_t piece;
    found *f;
} scan_ctx;

static bool on_piece(uint64_t s, uint32_t l, void *u)
{
    scan_ctx *c = u;
    if (!c->chain)
        return collect(s, l, c->f);
    assert_int_not_equal(re_chain_feed(c->chain, c->piece, s, l, collect, c->f), RE_CHAIN_NOMEM);
    return true;
}

static void scan(const re_prog *p, const uint8_t *d, size_t n, found *f)
{
    memset(f, 0, sizeof(*f));
    f->p = p;
    scan_ctx c = {.f = f};
    if (re_piece_count(p) > 1)
        assert_int_equal(re_chain_new(p, &c.chain), VIGIL_OK);
    re_work *w = re_work_new();
    assert_non_null(w);
    size_t na = re_atom_count(p);
    for (size_t end = 0; end <= n; end++) {
        for (size_t k = 0; k < na; k++) {
            const re_atom *a = re_atom_get(p, k);
            if (a->len > end)
                continue;
            size_t s = end - a->len;
            bool ok = true;
            for (int j = 0; j < a->len && ok; j++) {
                int x = d[s + j] & (a->masked ? a->mask[j] : 0xFF), y = a->bytes[j];
                ok = a->nocase ? lc(x) == lc(y) : x == y;
            }
            c.piece = a->piece;
            if (ok)
                re_verify(p, w, a->piece, (uint32_t)k, d, n, s, on_piece, &c);
        }
        for (size_t k = 0; k < re_piece_count(p) && end < n; k++) {
            c.piece = (uint32_t)k;
            if (!re_piece_has_atoms(p, k))
                re_verify(p, w, (uint32_t)k, RE_NO_ATOM, d, n, end, on_piece, &c);
        }
    }
    re_work_free(w);
    re_chain_free(c.chain);
}

/* The matches of f sorted by offset, as "0x2:3 0x5:3" ("" for none). */
static void render(found *f, char *got, size_t cap)
{
    got[0] = '\0';
    for (size_t i = 0; i < f->n; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < f->n; j++)
            if (f->s[j] < f->s[best])
                best = j;
        uint64_t ts = f->s[i];
        uint32_t tl = f->l[i];
        f->s[i] = f->s[best];
        f->l[i] = f->l[best];
        f->s[best] = ts;
        f->l[best] = tl;
        char one[64];
        snprintf(one, sizeof(one), "%s0x%llx:%u", i ? " " : "", (unsigned long long)f->s[i],
                 f->l[i]);
        strncat(got, one, cap - strlen(got) - 1);
    }
}

/* Scans with the pattern compiled under flags; *got receives render(). */
static void run(bool hex, unsigned flags, const char *pat, const void *data, size_t n, char *got,
                size_t cap)
{
    re_prog *p = NULL;
    re_error e;
    vigil_status st = hex ? re_compile_hex(pat, strlen(pat), flags, &p, &e)
                          : re_compile_regex(pat, strlen(pat), flags, &p, &e);
    if (st != VIGIL_OK)
        fail_msg("%s: compile failed: %s", pat, e.message);
    found f;
    scan(p, data, n, &f);
    render(&f, got, cap);
    re_free(p);
}

/* expect: "0x2:3 0x5:3" (sorted by offset), "" for none. Each pattern is
 * also checked with the thread machine alone (RE_F_NOFIXED) and with the
 * matcher's own anchors (RE_F_ANCHOR): the shortcuts must not change a
 * match. */
static void check(bool hex, unsigned flags, const char *pat, const void *data, size_t n,
                  const char *expect)
{
    static const unsigned extra[] = {0, RE_F_NOFIXED, RE_F_ANCHOR};
    for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
        char got[4096];
        run(hex, flags | extra[k], pat, data, n, got, sizeof(got));
        if (strcmp(got, expect) != 0)
            fail_msg("%s %s (extra flags %u)\n  want: %s\n  got:  %s", hex ? "hex" : "regex", pat,
                     extra[k], expect, got);
    }
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

/* The shapes the filters (re_filter.c) were made for, with matches and
 * near misses: a window too narrow, a newline under `.`, a class run one
 * byte short, a literal just past a bounded repeat. */
static const char G3[] =
    "xx cmd  invoke cmd\ninvoke cmdinvoke QUJDRGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU2Nzg5Kw=="
    "kernel A/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAkernel http://a.b-c.de/cmd.php "
    "https://xy/cmd.asp http://abcd/cmd.jsp Exec-Download12345 execdownload1";
#define G3_LEN (sizeof(G3) - 1)
/* widened (each byte then 00) for the wide cases: a 41-letter run before kernel */
static const char G4N[] = "xx cmd  invoke cmd\ninvoke AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAkernel "
                          "cmdinvoke";

static void test_filter_shapes(void **state)
{
    (void)state;
    check(false, 0, "cmd.{0,30}invoke", G3, G3_LEN, "0x3:11 0x1a:9");
    check(false, 0, "cmd.{0,30}?invoke", G3, G3_LEN, "0x3:11 0x1a:9");
    check(false, RE_F_DOTALL, "cmd.{0,30}invoke", G3, G3_LEN, "0x3:32 0xf:20 0x1a:9");
    check(false, 0, "cmd.{0,2}invoke", G3, G3_LEN, "0x3:11 0x1a:9");
    check(false, 0, "cmd.{0,1}invoke", G3, G3_LEN, "0x1a:9");
    check(false, 0, "[A-Za-z0-9+\\/]{40,}kernel", G3, G3_LEN, "0x5f:48 0x60:47 0x61:46");
    check(false, 0, "[A-Za-z0-9+\\/]{43,}kernel", G3, G3_LEN, "");
    check(false, 0, "https?:\\/\\/[a-z0-9\\.\\-]{4,40}\\/cmd\\.(php|asp|jsp)", G3, G3_LEN,
          "0x90:23 0xbb:19");
    check(false, RE_F_NOCASE, "exec[_\\-]?download[0-9]{1,4}", G3, G3_LEN, "0xcf:17 0xe2:13");
    uint8_t w[2 * sizeof(G4N)];
    size_t wn = 0;
    for (size_t i = 0; i + 1 < sizeof(G4N); i++) {
        w[wn++] = (uint8_t)G4N[i];
        w[wn++] = 0;
    }
    check(false, RE_F_WIDE, "cmd.{0,30}invoke", w, wn, "0x6:22 0x94:18");
    check(false, RE_F_WIDE | RE_F_NOCASE, "CMD.{0,30}INVOKE", w, wn, "0x6:22 0x94:18");
    check(false, RE_F_WIDE, "[A-Za-z0-9+\\/]{40,}kernel", w, wn, "0x34:94 0x36:92");
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

/* Data for the chain cases: text pieces separated by runs of '.'. */
typedef struct buf {
    uint8_t d[2048];
    size_t n;
} buf;

static void put(buf *b, const char *s, size_t len)
{
    assert_true(b->n + len <= sizeof(b->d));
    memcpy(b->d + b->n, s, len);
    b->n += len;
}

static void dots(buf *b, size_t k)
{
    assert_true(b->n + k <= sizeof(b->d));
    memset(b->d + b->n, '.', k);
    b->n += k;
}

/* Pieces, pending lists and confirmations as yara 4.2.3 keeps them. Every
 * expectation is what Debian's yara logged for the same pattern and data
 * (lengths via console.log(!a[i]), since -L caps them at 512). "A|310|B"
 * below means "A", 310 dots, "B". */
static void test_chain_semantics(void **state)
{
    (void)state;
    buf b;
    /* AAAA|310|AAAA|310|BBBB|310|BBBB: both heads are confirmed by the first
     * tail (reaching it), and then leave the pending list. */
    b.n = 0, put(&b, "AAAA", 4), dots(&b, 310), put(&b, "AAAA", 4), dots(&b, 310);
    put(&b, "BBBB", 4), dots(&b, 310), put(&b, "BBBB", 4);
    check(true, 0, "41 41 41 41 [300-] 42 42 42 42", b.d, b.n, "0x0:632 0x13a:318");
    check(true, 0, "41 41 41 41 [300-400] 42 42 42 42", b.d, b.n, "0x13a:318");
    /* the second tail is only 10 bytes after the first: still no new match */
    b.n = 0, put(&b, "AAAA", 4), dots(&b, 310), put(&b, "AAAA", 4), dots(&b, 310);
    put(&b, "BBBB", 4), dots(&b, 10), put(&b, "BBBB", 4);
    check(true, 0, "41 41 41 41 [300-700] 42 42 42 42", b.d, b.n, "0x0:632 0x13a:318");
    /* overlapping heads and tails: AAAAAA|300|BBBBBB */
    b.n = 0, put(&b, "AAAAAA", 6), dots(&b, 300), put(&b, "BBBBBB", 6);
    check(true, 0, "41 41 [300-] 42 42", b.d, b.n, "0x0:308 0x1:307 0x2:306 0x3:305 0x4:304");
    check(true, 0, "41 41 [300-302] 42 42", b.d, b.n, "0x2:306 0x3:305 0x4:304");
    check(true, 0, "41 41 [298-300] 42 42", b.d, b.n, "0x4:304");
    /* three pieces: AA|300|BB|300|AA|300|BB|300|CC|300|CC */
    b.n = 0;
    for (int k = 0; k < 2; k++)
        put(&b, "AA", 2), dots(&b, 300), put(&b, "BB", 2), dots(&b, 300);
    put(&b, "CC", 2), dots(&b, 300), put(&b, "CC", 2);
    check(true, 0, "41 41 [300-] 42 42 [300-] 43 43", b.d, b.n, "0x0:1210 0x25c:606");
    /* AA|300|AA|50|BB|300|BB|40|CC|300|CC */
    b.n = 0, put(&b, "AA", 2), dots(&b, 300), put(&b, "AA", 2), dots(&b, 50), put(&b, "BB", 2);
    dots(&b, 300), put(&b, "BB", 2), dots(&b, 40), put(&b, "CC", 2), dots(&b, 300);
    put(&b, "CC", 2);
    check(true, 0, "41 41 [300-400] 42 42 [300-400] 43 43", b.d, b.n, "0x0:700 0x12e:700");
    /* AAA|320|BBB|320|CCC */
    b.n = 0, put(&b, "AAA", 3), dots(&b, 320), put(&b, "BBB", 3), dots(&b, 320);
    put(&b, "CCC", 3);
    check(true, 0, "41 41 [300-350] 42 42 [300-350] 43 43", b.d, b.n, "0x0:648 0x1:647");
    /* four pieces: AAAA|252|BBBB|252|CCCC|252|DDDD */
    b.n = 0, put(&b, "AAAA", 4), dots(&b, 252), put(&b, "BBBB", 4), dots(&b, 252);
    put(&b, "CCCC", 4), dots(&b, 252), put(&b, "DDDD", 4);
    check(true, 0, "41 41 [250-260] 42 42 [250-260] 43 43 [250-260] 44 44", b.d, b.n,
          "0x0:770 0x1:769 0x2:768");
    /* pieces with their own short jumps: A.BBABB|300|C..DCD */
    b.n = 0, put(&b, "A.BBABB", 7), dots(&b, 300), put(&b, "C..DCD", 6);
    check(true, 0, "41 [0-5] 42 42 [300-] 43 [0-3] 44", b.d, b.n, "0x0:311 0x4:307");
    /* a fixed jump over 200 chains too: AB|201|CDAB|200|CD */
    b.n = 0, put(&b, "AB", 2), dots(&b, 201), put(&b, "CDAB", 4), dots(&b, 200), put(&b, "CD", 2);
    check(true, 0, "41 42 [201] 43 44", b.d, b.n, "0x0:205");
    b.n = 0, put(&b, "ABAB", 4), dots(&b, 201), put(&b, "CDCD", 4);
    check(true, 0, "41 42 [201-] 43 44", b.d, b.n, "0x0:207 0x2:205");
    /* pieces without atoms are verified at every offset: xAB|300|CD, AB|300|zz|300|CD */
    b.n = 0, put(&b, "xAB", 3), dots(&b, 300), put(&b, "CD", 2);
    check(true, 0, "?? 41 42 [300-] 43 44", b.d, b.n, "0x0:305");
    b.n = 0, put(&b, "AB", 2), dots(&b, 300), put(&b, "zz", 2), dots(&b, 300), put(&b, "CD", 2);
    check(true, 0, "41 42 [300-] ?? ?? [300-] 43 44", b.d, b.n, "0x0:606");
    /* lazy regex jumps chain as well; '.' stops at '\n' without /s:
     * abcd|350|efghabcd|100|\n|300|efgh */
    b.n = 0, put(&b, "abcd", 4), dots(&b, 350), put(&b, "efghabcd", 8), dots(&b, 100);
    put(&b, "\n", 1), dots(&b, 300), put(&b, "efgh", 4);
    check(false, 0, "abcd.{300,400}?efgh", b.d, b.n, "0x0:358");
    check(false, RE_F_NOCASE, "ABCD.{300,400}?EFGH", b.d, b.n, "0x0:358");
    b.n = 0, put(&b, "abc", 3), dots(&b, 350), put(&b, "cde", 3);
    check(false, 0, "a(b|bc).{300,400}?(d|cd)e", b.d, b.n, "0x0:356");
    /* wide: the gap stays in bytes (yara compares raw offsets), so 350 dots
     * fit [300,400] between a.b.c.d. and e.f.g.h. */
    b.n = 0, put(&b, "a\0b\0c\0d\0", 8), dots(&b, 350), put(&b, "e\0f\0g\0h\0", 8);
    check(false, RE_F_WIDE | RE_F_DOTALL, "abcd.{300,400}?efgh", b.d, b.n, "0x0:366");
    b.n = 0, put(&b, "a\0b\0c\0d\0", 8), dots(&b, 700), put(&b, "e\0f\0g\0h\0", 8);
    check(false, RE_F_WIDE | RE_F_DOTALL, "abcd.{300,400}?efgh", b.d, b.n, "");
}

/* The pieces the parser cuts: yara's yr_re_ast_split_at_chaining_point. */
static void test_chain_pieces(void **state)
{
    (void)state;
    re_prog *p;
    re_error e;
    uint32_t mn, mx;
    assert_int_equal(re_compile_hex("01 02 03 04 [0-300] 05 06 07 08 [1-400] 09 0A 0B 0C", 51, 0,
                                    &p, &e),
                     VIGIL_OK);
    assert_int_equal(re_piece_count(p), 3);
    re_piece_gap(p, 1, &mn, &mx);
    assert_int_equal(mn, 0);
    assert_int_equal(mx, 300);
    re_piece_gap(p, 2, &mn, &mx);
    assert_int_equal(mn, 1);
    assert_int_equal(mx, 400);
    for (size_t k = 0; k < re_atom_count(p); k++)
        assert_true(re_atom_get(p, k)->piece < 3);
    assert_int_equal(re_atom_get(p, 0)->piece, 0);
    assert_int_equal(re_atom_get(p, re_atom_count(p) - 1)->piece, 2);
    re_free(p);
    /* jumps up to 200, greedy regex jumps and jumps at the edges stay whole */
    assert_int_equal(re_compile_hex("01 02 [200] 03 04", 17, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_piece_count(p), 1);
    re_free(p);
    assert_int_equal(re_compile_regex("ab.{300,400}cd", 14, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_piece_count(p), 1);
    re_free(p);
    assert_int_equal(re_compile_hex("?? ?? [300-] 01 02", 18, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_piece_count(p), 2);
    assert_false(re_piece_has_atoms(p, 0));
    assert_true(re_piece_has_atoms(p, 1));
    re_free(p);
    /* literal patterns (yara handles them as text strings) */
    assert_int_equal(re_compile_regex("zj5", 3, 0, &p, &e), VIGIL_OK);
    assert_true(re_is_literal(p));
    re_free(p);
    assert_int_equal(re_compile_hex("41 42 4? 43", 11, 0, &p, &e), VIGIL_OK);
    assert_false(re_is_literal(p));
    re_free(p);
}

/* The pending lists directly: the cap, reuse after reset, stopping. */
static bool count_fn(uint64_t s, uint32_t l, void *u)
{
    (void)s;
    (void)l;
    return ++*(int *)u < 3;
}

static void test_chain_lists(void **state)
{
    (void)state;
    re_prog *p;
    re_error e;
    re_chain *c;
    assert_int_equal(re_compile_hex("41 [300-] 42", 12, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_chain_new(p, &c), VIGIL_OK);
    int n = 0;
    /* yara disables the piece whose list is full (YR_MAX_STRING_MATCHES) */
    for (uint32_t i = 0; i < RE_CHAIN_MAX_PENDING; i++)
        assert_int_equal(re_chain_feed(c, 0, i, 1, count_fn, &n), RE_CHAIN_OK);
    assert_false(re_chain_disabled(c, 0));
    assert_int_equal(re_chain_feed(c, 0, RE_CHAIN_MAX_PENDING, 1, count_fn, &n),
                     RE_CHAIN_TOO_MANY);
    assert_true(re_chain_disabled(c, 0));
    assert_int_equal(re_chain_feed(c, 0, RE_CHAIN_MAX_PENDING + 1, 1, count_fn, &n), RE_CHAIN_OK);
    /* a tail confirms in offset order until the callback says stop */
    assert_int_equal(re_chain_feed(c, 1, 2000000, 1, count_fn, &n), RE_CHAIN_STOP);
    assert_int_equal(n, 3);
    re_chain_reset(c);
    assert_false(re_chain_disabled(c, 0));
    n = 0;
    assert_int_equal(re_chain_feed(c, 1, 500, 1, count_fn, &n), RE_CHAIN_OK); /* no head yet */
    assert_int_equal(re_chain_feed(c, 0, 10, 1, count_fn, &n), RE_CHAIN_OK);
    assert_int_equal(re_chain_feed(c, 0, 10, 5, count_fn, &n), RE_CHAIN_OK); /* first kept */
    assert_int_equal(re_chain_feed(c, 1, 200, 1, count_fn, &n), RE_CHAIN_OK); /* too close */
    assert_int_equal(n, 0);
    assert_int_equal(re_chain_feed(c, 1, 311, 1, count_fn, &n), RE_CHAIN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(re_chain_feed(c, 1, 400, 1, count_fn, &n), RE_CHAIN_OK); /* head is gone */
    assert_int_equal(n, 1);
    re_chain_free(c);
    re_chain_free(NULL);
    /* unchained programs have no chain */
    re_free(p);
    assert_int_equal(re_compile_hex("41 42", 5, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_chain_new(p, &c), VIGIL_E_ARG);
    assert_null(c);
    re_free(p);
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
    /* yara: invalid regular expression "$a": backreferences are not allowed */
    check_err(false, "(a)\\1", "backreferences are not allowed");
    check_err(false, "a\\0", "backreferences are not allowed");
    check_ok(false, "[\\1]");
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
    /* `~` (documented for YARA 4.x, yara 4.3) is accepted as an extension;
     * its forms without a byte are errors */
    check_ok(true, "41 ~42");
    check_ok(true, "41 ~4? ~?2");
    check_err(true, "41 ~?? 42", "invalid not operator (~) in hex string");
    check_err(true, "41 ~ 42", "syntax error");
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

/* Random patterns over a 4-letter byte alphabet, random data over the same
 * letters: the fixed-segment shortcuts and the matcher's anchors (plain and
 * masked windows) must find exactly what the thread machine finds. */
static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 16) % n;
}

static void random_hex(char *out, size_t cap, int depth)
{
    static const char *const tok[] = {"41", "42", "43", "00", "4?", "?2", "??", "[2]",
                                      "[0-4]", "41 42", "42 43 41", "00 00"};
    size_t n = 1 + rnd(9);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char t[256];
        bool first = i == 0, last = i + 1 == n;
        uint32_t k = rnd(depth < 2 ? 13 : 12);
        if (k == 12) {
            char l[120], r[120];
            random_hex(l, sizeof(l), depth + 1);
            random_hex(r, sizeof(r), depth + 1);
            snprintf(t, sizeof(t), "( %s | %s )", l, r);
        } else if ((k == 7 || k == 8) && (first || last || depth > 0)) {
            snprintf(t, sizeof(t), "41"); /* jumps only inside, and not in alternatives here */
        } else {
            snprintf(t, sizeof(t), "%s", tok[k]);
        }
        if (strlen(out) + strlen(t) + 2 < cap) {
            strcat(out, i ? " " : "");
            strcat(out, t);
        }
    }
}

static void random_regex(char *out, size_t cap)
{
    /* the second line: shapes the filters (re_filter.c) cut into runs and
     * windows (repeated classes, bounded dots, equal-width alternatives) */
    static const char *const tok[] = {"a", "b", "A", "\\x00", ".", "[ab]", "a{2}", ".{2}",
                                      "b?", "(a|bb)", "\\d", "c",
                                      "[ab]{2,4}", ".{0,3}", "a+", "b*", "[^a]", "\\w",
                                      "(a|b){2}", "a{1,3}", ".{1,2}?", "b+?", "\\s", "(ab|ba)",
                                      "[a\\n]{3,}", "\\b"};
    size_t n = 1 + rnd(8);
    out[0] = '\0';
    for (size_t i = 0; i < n && strlen(out) + 12 < cap; i++)
        strcat(out, tok[rnd(sizeof(tok) / sizeof(tok[0]))]);
}

static void test_shortcuts_random(void **state)
{
    (void)state;
    static const uint8_t letters[] = {0x41, 0x42, 0x43, 0x00, 'a', 'b', '\n', '1'};
    uint8_t d[200];
    for (int iter = 0; iter < 6000; iter++) {
        bool hex = iter % 2 == 0;
        char pat[512];
        unsigned fl = 0;
        if (hex) {
            random_hex(pat, sizeof(pat), 0);
        } else {
            random_regex(pat, sizeof(pat));
            fl = (rnd(2) ? RE_F_NOCASE : 0) | (rnd(2) ? RE_F_DOTALL : 0) |
                 (rnd(3) == 0 ? RE_F_WIDE : 0);
        }
        for (size_t i = 0; i < sizeof(d); i++)
            d[i] = (fl & RE_F_WIDE) && i % 2 ? 0 : letters[rnd(hex ? 4 : 8)];
        char want[4096], got[4096];
        run(hex, fl | RE_F_NOFIXED, pat, d, sizeof(d), want, sizeof(want));
        run(hex, fl, pat, d, sizeof(d), got, sizeof(got));
        if (strcmp(want, got) != 0)
            fail_msg("%s %s flags %u\n  vm:    %s\n  fixed: %s", hex ? "hex" : "regex", pat, fl,
                     want, got);
        run(hex, fl | RE_F_ANCHOR, pat, d, sizeof(d), got, sizeof(got));
        if (strcmp(want, got) != 0)
            fail_msg("%s %s flags %u\n  vm:     %s\n  anchor: %s", hex ? "hex" : "regex", pat,
                     fl, want, got);
    }
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

/* yara 4.2.3 itself never returns on these (a zero-width test inside a loop
 * that can repeat without consuming, passed at the start of the input), so
 * the expected lists are what the patterns mean, checked by hand. */
static void test_zero_width_loops(void **state)
{
    (void)state;
    static const char D[] = "dxx d\nd";
    check(false, 0, "(^|)+?d", D, sizeof(D) - 1, "0x0:1 0x4:1 0x6:1");
    check(false, 0, "(^|)+d", D, sizeof(D) - 1, "0x0:1 0x4:1 0x6:1");
    check(false, 0, "(\\b|)*d", D, sizeof(D) - 1, "0x0:1 0x4:1 0x6:1");
    check(false, 0, "((^|\\b|)+){2,3}x", D, sizeof(D) - 1, "0x1:1 0x2:1");
    check(false, 0, "d($|)+?", D, sizeof(D) - 1, "0x0:1 0x4:1 0x6:1");
    re_prog *p;
    re_error e;
    static const char src[] = "(^|)+?d\xbe\xbe%\xbe?";
    assert_int_equal(re_compile_regex(src, sizeof(src) - 1, 0, &p, &e), VIGIL_OK);
    assert_false(re_search(p, (const uint8_t *)D, sizeof(D) - 1));
    assert_true(re_search(p, (const uint8_t *)"d\xbe\xbe%", 4));
    re_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regex_matches), cmocka_unit_test(test_regex_wide),
        cmocka_unit_test(test_filter_shapes),
        cmocka_unit_test(test_hex_matches),   cmocka_unit_test(test_hex_chains),
        cmocka_unit_test(test_chain_semantics), cmocka_unit_test(test_chain_pieces),
        cmocka_unit_test(test_chain_lists),
        cmocka_unit_test(test_regex_errors),  cmocka_unit_test(test_hex_errors),
        cmocka_unit_test(test_atoms),         cmocka_unit_test(test_search_and_bounds),
        cmocka_unit_test(test_hostile),       cmocka_unit_test(test_zero_width_loops),
        cmocka_unit_test(test_shortcuts_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
