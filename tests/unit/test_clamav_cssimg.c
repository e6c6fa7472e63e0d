/*
 * test_clamav_cssimg.c - lib/clamav/cssimg.c, the images clamscan 1.4.6
 * extracts from <style> CSS. Every case but the last of the table was run
 * through clamscan 1.4.6 wrapped in <html><head><style>...</style>: the
 * images it extracted (`--debug`: "Extracted N-byte image", then the MD5 of
 * each scanned image in "clean_cache_check") are the ones listed here, in
 * this order. The last case is the C-string contract of cv_css_images()
 * (libclamav's normaliser drops NULs, so HTML never shows it).
 *
 * The HTML cases check the step over a whole document: all blocks joined,
 * unclosed ones too, a </script>-ended block losing its chunk, nothing on
 * an aborted normalisation; clamscan found the GIF of the first three
 * with target-0 and target-5 .ndb signatures (not target 3) and an .ldb
 * Container:CL_TYPE_HTML.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/cssimg.h"

#define MAX_IMAGES 3

typedef struct css_case {
    const char *name;
    const char *css;
    size_t css_len;
    size_t n;
    const char *img[MAX_IMAGES];
    size_t img_len[MAX_IMAGES];
    bool bad_base64;
} css_case;

static const css_case cases[] = {
    {"plain_gif", "body { background: url(data:image/gif;base64,R0lGODlhAQABAIAAAENTU01BUktFUkFBQQAAAAAAAAAAAAAAAAAAAAAAAAAAOw==); }", 113, 1, {"GIF89a\x01\x00\x01\x00\x80\x00\x00""CSSMARKERAAA\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00;"}, {46}, false},
    {"two_in_order", "a{x:url(data:image/gif;base64,R0lGOA==)} b{y:url(data:image/png;base64,R0lGODlh)}", 81, 2, {"GIF8", "GIF89a"}, {4, 6}, false},
    {"any_mime", "x{url(data:foo;base64,R0lGODlh)}", 32, 1, {"GIF89a"}, {6}, false},
    {"no_mime", "url(data:;base64,R0lGODlh)", 26, 1, {"GIF89a"}, {6}, false},
    {"spaces_around_base64", "x{url(data:image/gif; base64 , R0lGODlh)}", 41, 1, {"GIF89a"}, {6}, false},
    {"quotes_and_spaces", "x{url( \" data:image/gif;base64,R0lGODlh \" )}", 44, 1, {"GIF89a"}, {6}, false},
    {"double_quotes_all_trimmed", "x{url(\"\"data:image/gif;base64,R0lGODlh\"\")}", 42, 1, {"GIF89a"}, {6}, false},
    {"single_quotes_not_trimmed", "x{url('data:image/gif;base64,R0lGODlh')}", 40, 0, {NULL}, {0}, false},
    {"uppercase_url", "x{URL(data:image/gif;base64,R0lGODlh)}", 38, 0, {NULL}, {0}, false},
    {"second_param_before_base64", "x{url(data:image/gif;foo;base64,R0lGODlh)}", 42, 0, {NULL}, {0}, false},
    {"nbsp_before_paren", "x{url\xc2\xa0(data:image/gif;base64,R0lGODlh)}", 40, 1, {"GIF89a"}, {6}, false},
    {"prepend_glues_space", "x{url\xd8\x80 (data:image/gif;base64,R0lGODlh)}", 41, 1, {"GIF89a"}, {6}, false},
    {"mark_after_close_paren_ends", "x{url(data:image/gif;base64,R0lGODlh)\xcc\x81 y{url(data:image/gif;base64,R0lGODlh)}", 78, 0, {NULL}, {0}, false},
    {"mark_after_b", "x{url(data:a;b\xcc\x81""ase64,R0lGODlh)} y{url(data:;base64,R0lGODlh)}", 62, 1, {"GIF89a"}, {6}, false},
    {"invalid_utf8_ignored", "\xff x{url(data:image/gif;base64,R0lGODlh)}", 40, 1, {"GIF89a"}, {6}, false},
    {"non_ascii_inside_skipped", "a{b:url(\xc3\xa9)} x{url(data:image/gif;base64,R0lGODlh)}", 51, 1, {"GIF89a"}, {6}, false},
    {"empty_payload", "a{b:url(data:image/gif;base64,)}", 32, 1, {""}, {0}, false},
    {"nothing_after_base64", "x{url(data:x;base64)} y{url(data:image/gif;base64,R0lGODlh)}", 60, 2, {"", "GIF89a"}, {0, 6}, false},
    {"unpadded_stops", "url(data:;base64,R0lGOA) url(data:;base64,R0lGODlh)", 51, 0, {NULL}, {0}, true},
    {"bad_byte_stops_later_ones", "a{url(data:image/gif;base64,R0lGODlh)} b{url(data:image/gif;base64,!!!!)} c{url(data:image/gif;base64,R0lGODlh)}", 112, 1, {"GIF89a"}, {6}, true},
    {"space_inside_payload", "url(data:;base64,R0lG OA==)", 27, 0, {NULL}, {0}, true},
    {"nonzero_trailing_bits", "url(data:;base64,R0lGODl=)", 26, 0, {NULL}, {0}, true},
    {"one_pad", "url(data:;base64,R0lGODk=)url(data:;base64,R0lGOQ==)", 52, 2, {"GIF89", "GIF9"}, {5, 4}, false},
    {"nested_parens", "url(a(b)c) url((data:;base64,R0lGODlh)", 38, 0, {NULL}, {0}, false},
    {"nul_ends_text", "url(data:;base64,R0lGODlh)\x00url(data:;base64,R0lGOA==)", 53, 1, {"GIF89a"}, {6}, false},
};

static void check(const char *name, const cv_css_out *out, size_t n, const char *const *img,
                  const size_t *img_len)
{
    if (out->n_images != n)
        fail_msg("%s: %zu images, want %zu", name, out->n_images, n);
    for (size_t i = 0; i < n; i++) {
        if (out->images[i].len != img_len[i])
            fail_msg("%s: image %zu has %zu bytes, want %zu", name, i, out->images[i].len,
                     img_len[i]);
        if (img_len[i])
            assert_memory_equal(out->images[i].data, img[i], img_len[i]);
        else
            assert_null(out->images[i].data);
    }
}

static void test_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const css_case *k = &cases[c];
        cv_css_out out;
        assert_int_equal(cv_css_images((const uint8_t *)k->css, k->css_len, &out), CV_CSS_OK);
        check(k->name, &out, k->n, k->img, k->img_len);
        if (out.bad_base64 != k->bad_base64)
            fail_msg("%s: bad_base64 %d", k->name, out.bad_base64);
        cv_css_out_free(&out);
    }
}

static const char gif_b64[] = "R0lGODlhAQABAIAAAENTU01BUktFUkFBQQAAAAAAAAAAAAAAAAAAAAAAAAAAOw==";
static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00""CSSMARKERAAA"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00;";

/* Normalises `html` and extracts its style images. */
static void html_images(const char *html, cv_css_out *out)
{
    cv_html_out h;
    assert_int_equal(cv_html_normalise((const uint8_t *)html, strlen(html), NULL, &h), CV_HTML_OK);
    assert_int_equal(cv_css_images_html(&h, out), CV_CSS_OK);
    cv_html_out_free(&h);
}

static void test_html(void **state)
{
    (void)state;
    static const char *const forms[] = {
        /* closed */
        "<html><head><style>body { background: url(data:image/gif;base64,%s); }</style>"
        "</head><body>hi</body></html>",
        /* the input ends inside the block */
        "<html><head><style>body { background: url(data:image/gif;base64,%s); }",
        /* url( in one block, its data in the next: one buffer */
        "<html><style>body { background: url(</style><p>x</p><style>data:image/gif;base64,%s); "
        "}</style>",
    };
    const char *img[1] = {gif};
    size_t img_len[1] = {sizeof(gif) - 1};
    char html[512];
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        snprintf(html, sizeof(html), forms[i], gif_b64);
        cv_css_out out;
        html_images(html, &out);
        check(forms[i], &out, 1, img, img_len);
        cv_css_out_free(&out);
    }
    /* </script> ends a style: the CSS of its own chunk is lost */
    snprintf(html, sizeof(html),
             "<html><head><style>body { background: url(data:image/gif;base64,%s); }</script>"
             "<p>x</p>",
             gif_b64);
    cv_css_out out;
    html_images(html, &out);
    assert_int_equal(out.n_images, 0);
    cv_css_out_free(&out);
    /* the normaliser aborts (style chunk underflow): no images at all */
    html_images("<html><style>a{b:url(data:;base64,R0lGODlh)}</style><%@ "
                "language=\"VBScript.Encode\">#@~^AAAA==x@#l\x01 src alt></style <i><style>d",
                &out);
    assert_int_equal(out.n_images, 0);
    cv_css_out_free(&out);
    /* no style at all */
    html_images("<html><p>url(data:;base64,R0lGODlh)</p></html>", &out);
    assert_int_equal(out.n_images, 0);
    cv_css_out_free(&out);
}

static void test_edges(void **state)
{
    (void)state;
    cv_css_out out;
    assert_int_equal(cv_css_images(NULL, 0, &out), CV_CSS_OK);
    assert_int_equal(out.n_images, 0);
    assert_int_equal(cv_css_images((const uint8_t *)"url", 3, &out), CV_CSS_OK);
    assert_int_equal(out.n_images, 0);
    assert_int_equal(cv_css_images((const uint8_t *)"url(", 4, &out), CV_CSS_OK);
    assert_int_equal(out.n_images, 0);
    /* a truncated UTF-8 sequence at the very end */
    assert_int_equal(cv_css_images((const uint8_t *)"url(data:;base64,)\xe2\x80", 20, &out),
                     CV_CSS_OK);
    assert_int_equal(out.n_images, 1);
    cv_css_out_free(&out);
    cv_css_out_free(&out); /* freeing twice is harmless */
    cv_css_out_free(NULL);
    assert_int_equal(cv_css_images_html(NULL, &out), CV_CSS_OK);
    assert_int_equal(out.n_images, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
