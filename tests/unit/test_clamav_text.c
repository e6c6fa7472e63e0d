/*
 * test_clamav_text.c - ClamAV text typing (cv_text_type) and normalisation
 * (cv_textnorm_run, cv_text_normalise, cv_textnorm_iter), lib/clamav/text.h,
 * on hand-written inputs. The type table was checked case by case with
 * clamscan 1.4.6 --debug ("Recognized ... data/text"; cases of 5 bytes or
 * less clamscan does not scan, and the ELF header it types by magic: those
 * follow libclamav's code); the chunking cases follow cli_scanscript, and
 * tests/diff/clam_text_diff.py holds both against clamscan on generated
 * inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/text.h"

#define D(s) (const uint8_t *)(s), sizeof(s) - 1

typedef struct type_case {
    const char *name;
    const char *data;
    size_t len;
    uint32_t want;
} type_case;

/* clang-format off: one case a line, literals split where a hex escape ends */
#define TC(name, s, want)                                                                          \
    {                                                                                              \
        name, s, sizeof(s) - 1, want                                                               \
    }

static const type_case type_cases[] = {
    TC("plain", "Hello, world\n", CV_TEXT_ASCII),
    TC("controls ascmagic allows", "a\x07\x08\t\n\x0c\r\x1bz", CV_TEXT_ASCII),
    TC("utf-8 is ascii", "caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac\n", CV_TEXT_ASCII),
    TC("bad utf-8 is ascii too", "abc\x80\xbf\xc3(\xfe\xff", CV_TEXT_ASCII),
    TC("latin-1 and NEL", "\xe9t\xe9 \xa0\x85\x80\xff!", CV_TEXT_ASCII),
    TC("bytes ascii bom",
       "\xff\xfe"
       "abcdef",
       CV_TEXT_ASCII),
    TC("VT, no NUL high byte: utf16be",
       "abc\x0b"
       "def",
       CV_TEXT_UTF16BE),
    TC("DEL: utf16be",
       "abcd\x7f"
       "efg",
       CV_TEXT_UTF16BE),
    TC("control unit: binary",
       "ab\x00\x01"
       "cd",
       CV_TEXT_BINARY),
    TC("NUL unit: binary",
       "ab\x00\x00"
       "cd",
       CV_TEXT_BINARY),
    TC("first two bytes never read",
       "\x00\x01"
       "abcd",
       CV_TEXT_UTF16BE),
    TC("le without bom reads as be",
       "a\x00"
       "b\x00"
       "c\x00"
       "d\x00",
       CV_TEXT_UTF16BE),
    TC("be without bom",
       "\x00"
       "a\x00"
       "b\x00"
       "c\x00\n",
       CV_TEXT_UTF16BE),
    TC("be without bom, control",
       "\x00"
       "a\x00"
       "b\x00\x01",
       CV_TEXT_BINARY),
    TC("le bom",
       "\xff\xfe"
       "a\x00"
       "b\x00\n\x00",
       CV_TEXT_UTF16LE),
    TC("be bom",
       "\xfe\xff\x00"
       "a\x00"
       "b\x00\n",
       CV_TEXT_UTF16BE),
    TC("le bom, control units pass", "\xff\xfe\x01\x00\x02\x00\x00\x00", CV_TEXT_UTF16LE),
    TC("be bom, control units pass", "\xfe\xff\x00\x01\x00\x00\x00\x7f", CV_TEXT_UTF16BE),
    TC("le bom, U+FFFE",
       "\xff\xfe"
       "a\x00\xfe\xff"
       "b\x00",
       CV_TEXT_BINARY),
    TC("be bom, U+FFFE",
       "\xfe\xff\x00"
       "a\xff\xfe\x00"
       "b",
       CV_TEXT_BINARY),
    TC("no bom, U+FFFE",
       "a\x00\xff\xfe"
       "cd",
       CV_TEXT_BINARY),
    TC("no bom, U+FEFF",
       "a\x00\xfe\xff"
       "cd",
       CV_TEXT_UTF16BE),
    TC("odd last byte unread",
       "a\x00"
       "bc\x00",
       CV_TEXT_UTF16BE),
    TC("elf header (clamscan: magic first)",
       "\x7f"
       "ELF\x02\x01\x01\x00\x00\x00\x00\x00",
       CV_TEXT_BINARY),
    TC("one NUL", "\x00", CV_TEXT_BINARY),
    TC("two NULs", "\x00\x00", CV_TEXT_UTF16BE),
    TC("three bytes", "ab\x00", CV_TEXT_UTF16BE),
    TC("empty", "", CV_TEXT_ASCII),
};
/* clang-format on */

static void test_types(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++) {
        const type_case *c = &type_cases[i];
        uint32_t got = cv_text_type((const uint8_t *)c->data, c->len);
        if (got != c->want)
            fail_msg("%s: got %s, want %s", c->name, cv_text_type_name(got),
                     cv_text_type_name(c->want));
    }
    assert_int_equal(cv_text_type(NULL, 0), CV_TEXT_ASCII);
}

/* Only the first CV_TEXT_DETECT_LEN bytes count. */
static void test_detect_window(void **state)
{
    (void)state;
    uint8_t buf[CV_TEXT_DETECT_LEN + 8];
    memset(buf, 'a', sizeof(buf));
    buf[CV_TEXT_DETECT_LEN] = 0x00;
    buf[CV_TEXT_DETECT_LEN + 1] = 0x01;
    assert_int_equal(cv_text_type(buf, sizeof(buf)), CV_TEXT_ASCII);
    /* the last unit inside the window */
    buf[CV_TEXT_DETECT_LEN - 2] = 0x00;
    buf[CV_TEXT_DETECT_LEN - 1] = 0x01;
    assert_int_equal(cv_text_type(buf, sizeof(buf)), CV_TEXT_BINARY);
    assert_int_equal(cv_text_type(buf, CV_TEXT_DETECT_LEN - 2), CV_TEXT_ASCII);
    /* a NUL in the window's last byte: the unit ('a', 0) is 0x6100 */
    memset(buf, 'a', sizeof(buf));
    buf[CV_TEXT_DETECT_LEN - 1] = 0x00;
    assert_int_equal(cv_text_type(buf, sizeof(buf)), CV_TEXT_UTF16BE);
}

/* Every byte value alone, as plain text's class and as a UTF-16 unit. */
static void test_every_byte(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        uint8_t one[1] = {(uint8_t)c};
        int plain = (c >= 0x20 && c != 0x7f) || (c >= 0x07 && c <= 0x0d && c != 0x0b) || c == 0x1b;
        uint32_t want = (plain || c >= 0x80) ? CV_TEXT_ASCII : CV_TEXT_BINARY;
        if (cv_text_type(one, 1) != want)
            fail_msg("byte 0x%02x alone", c);
        /* "ab" then the unit 00 c, big endian without a BOM, after a NUL
         * that fails the ASCII test */
        uint8_t unit[6] = {0x00, 'a', 0x00, (uint8_t)c, 'x', 'y'};
        uint32_t want16 = (c >= 0x80 || plain) ? CV_TEXT_UTF16BE : CV_TEXT_BINARY;
        if (cv_text_type(unit, sizeof(unit)) != want16)
            fail_msg("unit 0x00%02x", c);
    }
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(cv_text_type_name(CV_TEXT_ASCII), "CL_TYPE_TEXT_ASCII");
    assert_string_equal(cv_text_type_name(CV_TEXT_UTF8), "CL_TYPE_TEXT_UTF8");
    assert_string_equal(cv_text_type_name(CV_TEXT_UTF16LE), "CL_TYPE_TEXT_UTF16LE");
    assert_string_equal(cv_text_type_name(CV_TEXT_UTF16BE), "CL_TYPE_TEXT_UTF16BE");
    assert_string_equal(cv_text_type_name(CV_TEXT_BINARY), "CL_TYPE_BINARY_DATA");
    assert_null(cv_text_type_name(99));
}

typedef struct norm_case {
    const char *in;
    size_t in_len;
    const char *out;
    size_t out_len;
} norm_case;

/* clang-format off */
#define NC(i, o) {i, sizeof(i) - 1, o, sizeof(o) - 1}

static const norm_case norm_cases[] = {
    NC("Hello World", "hello world"),
    NC("ABCXYZ@[`{az", "abcxyz@[`{az"),
    NC("a \t\n\x0b\x0c\r b", "a b"),
    NC("  lead", " lead"),
    NC("trail\r\n", "trail "),
    NC("a \x01 b", "a b"),
    NC("a \x80\xff\t b", "a b"),
    NC("a\x01\x08\x0e\x1f" "b", "ab"),
    NC("a\x00" "b\x00", "ab"),
    NC("a\x7f" "b", "a\x7f" "b"),
    NC("caf\xc3\xa9 \xe2\x82\xac!", "caf !"),
    NC("\xff\xfe" "H\x00" "i\x00 \x00 \x00", "hi "),
    NC("x\x00\x00\t\x00\x00y", "x y"),
    NC("", ""),
    NC("\x01\x02\x80", ""),
    NC("\t", " "),
};
/* clang-format on */

static void test_normalise_cases(void **state)
{
    (void)state;
    uint8_t out[64];
    for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
        const norm_case *c = &norm_cases[i];
        size_t n = cv_text_normalise((const uint8_t *)c->in, c->in_len, 0, out, sizeof(out));
        if (n != c->out_len || memcmp(out, c->out, n) != 0)
            fail_msg("case %zu: got %zu bytes \"%.*s\", want \"%s\"", i, n, (int)n, out, c->out);
        bool space = false;
        n = cv_textnorm_run(&space, (const uint8_t *)c->in, c->in_len, out);
        if (n != c->out_len || memcmp(out, c->out, n) != 0)
            fail_msg("case %zu (run): got %zu bytes", i, n);
    }
}

/* Each byte alone: lower case for capitals, a space for the six whitespace
 * bytes, itself for 0x21-0x7f, nothing for the rest. */
static void test_normalise_every_byte(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        uint8_t in[1] = {(uint8_t)c};
        uint8_t out[1];
        bool space = false;
        size_t n = cv_textnorm_run(&space, in, 1, out);
        if (c >= 'A' && c <= 'Z') {
            assert_int_equal(n, 1);
            assert_int_equal(out[0], c + 32);
        } else if (c == ' ' || (c >= 0x09 && c <= 0x0d)) {
            assert_int_equal(n, 1);
            assert_int_equal(out[0], ' ');
            assert_true(space);
        } else if (c > ' ' && c < 0x80) {
            assert_int_equal(n, 1);
            assert_int_equal(out[0], c);
        } else if (n != 0) {
            fail_msg("byte 0x%02x should vanish", c);
        }
    }
}

/* The whitespace state carries across cv_textnorm_run calls. */
static void test_run_carries_space(void **state)
{
    (void)state;
    uint8_t out[8];
    bool space = false;
    assert_int_equal(cv_textnorm_run(&space, D("a "), out), 2);
    assert_int_equal(cv_textnorm_run(&space, D("\t\x01\n"), out), 0);
    assert_int_equal(cv_textnorm_run(&space, D(" b"), out), 1);
    assert_int_equal(out[0], 'b');
    assert_false(space);
}

static void test_normalise_cap(void **state)
{
    (void)state;
    uint8_t out[8];
    memset(out, '#', sizeof(out));
    assert_int_equal(cv_text_normalise(D("Hello World"), 0, out, 3), 3);
    assert_memory_equal(out, "hel#", 4);
    assert_int_equal(cv_text_normalise(D("Hello World"), 0, out, 0), 0);
    assert_int_equal(cv_text_normalise(NULL, 0, 0, out, sizeof(out)), 0);
}

/* The file path restarts the whitespace state every SCANBUFF + maxpatlen
 * input bytes: a run across that boundary gives two spaces, one elsewhere. */
static void test_normalise_pieces(void **state)
{
    (void)state;
    const uint32_t mps[] = {0, 17, 65535};
    for (size_t k = 0; k < sizeof(mps) / sizeof(mps[0]); k++) {
        size_t piece = CV_TEXT_MEMBUF_LEN(mps[k]);
        size_t len = 2 * piece + 10;
        uint8_t *in = malloc(len);
        uint8_t *out = malloc(len);
        assert_non_null(in);
        assert_non_null(out);
        memset(in, 'X', len);
        in[piece - 1] = ' ';
        in[piece] = '\n';
        in[2 * piece - 3] = '\t';
        in[2 * piece - 2] = '\x01';
        in[2 * piece - 1] = ' ';
        size_t n = cv_text_normalise(in, len, mps[k], out, len);
        /* one space lost in the second piece's run of three */
        assert_int_equal(n, len - 2);
        assert_memory_equal(out + piece - 1, "  x", 3);
        assert_memory_equal(out + 2 * piece - 4, "x x", 3);
        free(in);
        free(out);
    }
}

/* Collects the memory path's buffers. */
typedef struct chunks {
    size_t n;
    size_t len[8];
    uint64_t off[8];
    uint8_t *cat;
    size_t cat_len;
} chunks;

static void collect(const uint8_t *in, size_t len, uint32_t mp, chunks *c)
{
    size_t cap = CV_TEXT_MEMBUF_LEN(mp);
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    memset(c, 0, sizeof(*c));
    c->cat = malloc(4 * len + 4 * cap);
    assert_non_null(c->cat);
    cv_textnorm_iter it;
    assert_true(cv_textnorm_iter_init(&it, in, len, mp, buf, cap));
    const uint8_t *p;
    size_t n;
    uint64_t off;
    while (cv_textnorm_iter_next(&it, &p, &n, &off)) {
        assert_true(c->n < 8);
        assert_true(p == buf);
        assert_true(n <= cap);
        assert_int_equal(off, c->cat_len);
        c->len[c->n] = n;
        c->off[c->n] = off;
        c->n++;
        memcpy(c->cat + c->cat_len, p, n);
        c->cat_len += n;
    }
    assert_false(cv_textnorm_iter_next(&it, &p, &n, &off));
    free(buf);
}

static void test_iter_small(void **state)
{
    (void)state;
    chunks c;
    collect(D("Hello   World\t\tFOO\r\nbar\001baz\n"), 5, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.len[0], 23);
    assert_memory_equal(c.cat, "hello world foo barbaz ", 23);
    free(c.cat);

    collect(NULL, 0, 0, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.len[0], 0);
    free(c.cat);
}

/* 33 pages of letters: 32 pages fill SCANBUFF, the 33rd does not fit, so the
 * first buffer is scanned before it; the second buffer starts with the
 * carried maxpatlen bytes and a fresh whitespace state. */
static void test_iter_flush(void **state)
{
    (void)state;
    size_t len = 33 * CV_TEXT_PAGE;
    uint8_t *in = malloc(len);
    assert_non_null(in);
    for (size_t i = 0; i < len; i++)
        in[i] = (uint8_t)('A' + i % 26);
    in[32 * CV_TEXT_PAGE - 1] = ' ';
    in[32 * CV_TEXT_PAGE] = ' ';

    chunks c;
    collect(in, len, 0, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.len[0], CV_TEXT_SCANBUFF);
    assert_int_equal(c.len[1], CV_TEXT_PAGE);
    assert_int_equal(c.off[1], CV_TEXT_SCANBUFF);
    assert_int_equal(c.cat[CV_TEXT_SCANBUFF - 1], ' ');
    assert_int_equal(c.cat[CV_TEXT_SCANBUFF], ' ');
    free(c.cat);

    collect(in, len, 5, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.len[0], CV_TEXT_SCANBUFF);
    assert_int_equal(c.len[1], 5 + CV_TEXT_PAGE);
    assert_memory_equal(c.cat + CV_TEXT_SCANBUFF, c.cat + CV_TEXT_SCANBUFF - 5, 5);
    assert_int_equal(c.cat[CV_TEXT_SCANBUFF + 5], ' ');
    free(c.cat);

    /* the same text as one run, for comparison: a single space */
    uint8_t *out = malloc(len);
    assert_non_null(out);
    bool space = false;
    assert_int_equal(cv_textnorm_run(&space, in, len, out), len - 1);
    free(out);

    /* the last page normalises to nothing: the last buffer is the carry */
    memset(in + 32 * CV_TEXT_PAGE, 0x01, CV_TEXT_PAGE);
    collect(in, len, 7, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.len[1], 7);
    free(c.cat);

    /* exactly 32 pages: full buffer, no flush before the end */
    collect(in, 32 * CV_TEXT_PAGE, 7, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.len[0], CV_TEXT_SCANBUFF);
    free(c.cat);
    free(in);
}

/* Dropped bytes leave room: a buffer is flushed by its fill, not by input. */
static void test_iter_fill_not_input(void **state)
{
    (void)state;
    size_t len = 40 * CV_TEXT_PAGE;
    uint8_t *in = malloc(len);
    assert_non_null(in);
    for (size_t i = 0; i < len; i++)
        in[i] = (i % 2) ? 0x80 : 'a';
    chunks c;
    collect(in, len, 0, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.len[0], len / 2);
    free(c.cat);
    free(in);
}

static void test_iter_init(void **state)
{
    (void)state;
    uint8_t small[16];
    cv_textnorm_iter it;
    const uint8_t *p;
    size_t n;
    uint64_t off;
    assert_false(cv_textnorm_iter_init(&it, D("abc"), 0, small, sizeof(small)));
    assert_false(cv_textnorm_iter_next(&it, &p, &n, &off));
    uint8_t *buf = malloc(CV_TEXT_MEMBUF_LEN(65536));
    assert_non_null(buf);
    assert_false(cv_textnorm_iter_init(&it, D("abc"), 65536, buf, CV_TEXT_MEMBUF_LEN(65536)));
    assert_false(cv_textnorm_iter_init(&it, NULL, 3, 0, buf, CV_TEXT_MEMBUF_LEN(0)));
    assert_false(cv_textnorm_iter_init(&it, D("abc"), 0, NULL, CV_TEXT_MEMBUF_LEN(0)));
    assert_true(cv_textnorm_iter_init(&it, D("abc"), 65535, buf, CV_TEXT_MEMBUF_LEN(65535)));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_detect_window),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_normalise_cases),
        cmocka_unit_test(test_normalise_every_byte),
        cmocka_unit_test(test_run_carries_space),
        cmocka_unit_test(test_normalise_cap),
        cmocka_unit_test(test_normalise_pieces),
        cmocka_unit_test(test_iter_small),
        cmocka_unit_test(test_iter_flush),
        cmocka_unit_test(test_iter_fill_not_input),
        cmocka_unit_test(test_iter_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
