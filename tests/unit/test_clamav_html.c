/*
 * test_clamav_html.c - lib/clamav/htmlnorm.c, libclamav 1.4.6's HTML
 * normaliser. Every expected output in the table was produced by clamscan
 * 1.4.6 (`--leave-temps`, the html-tmp folder it leaves) on the same input,
 (the javascript cases too), except the UTF-16 case, which clamscan decodes
 * to ASCII first: there the
 * bytes come from `sigtool --html-normalise`, the same normaliser run
 * directly. tests/diff/clam_html_diff.py compares thousands more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/htmlnorm.h"

typedef struct html_case {
    const char *name;
    const char *in;
    size_t in_len;
    const char *nocomment;
    size_t nocomment_len;
    const char *notags;
    size_t notags_len;
    size_t n_rfc2397;
    const char *rfc2397; /* the first (libclamav names them at random) */
    size_t rfc2397_len;
} html_case;

static const html_case cases[] = {
    {"tags_case_folding", "<html><BODY Class=Main><P>Hello World</P></BODY></html>", 55, "<html><body class=main><p>hello world</p></body></html>", 55, " hello world ", 13, 0, NULL, 0},
    {"attributes_quotes", "<html><a HREF='HTTP://X.com/A' title=\"T 1\" id=x>Go</a></html>", 61, "<html><a href=\"http://x.com/a\" title=\"t 1\" id=x>go</a></html>", 61, " HTTP://X.com/A go ", 19, 0, NULL, 0},
    {"attr_no_value", "<html><input checked disabled = ><img src=a.png alt></html>", 59, "<html><input checked disabled=><img src=a.png alt></html>", 57, " a.png ", 7, 0, NULL, 0},
    {"comment_removed", "<html>a<!-- hidden <b>x</b> -->b< !x>c</html>", 45, "<html>ax</b>-->bc</html>", 24, " a x -->b c ", 12, 0, NULL, 0},
    {"comment_first_gt", "<html>a<!-- x > y -->b</html>", 29, "<html>ay -->b</html>", 20, " a y -->b ", 10, 0, NULL, 0},
    {"named_entities", "<html>&amp;&lt;&gt;&quot;&nbsp;&Agrave;&euro;&hellip;&AMP;&bogus;x</html>", 73, "<html>&<>\"\xa0\xc0&#x20ac;&#x2026;&amp;&bogus;x</html>", 48, " x ", 3, 0, NULL, 0},
    {"numeric_refs", "<html>&#65;&#x42;&#X6a;&#12354;&#x3002;&#0;&#;&#65 z&#x110041;</html>", 69, "<html>abj&#x3042;.\x00\x00""A zA</html>", 31, " z ", 3, 0, NULL, 0},
    {"entity_in_attr", "<html><a href=\"a&amp;b&#x41;\">t</a></html>", 42, "<html><a href=\"a&ba\">t</a></html>", 33, " a&bA t ", 8, 0, NULL, 0},
    {"entity_unterminated_eof", "<html>x &amp", 12, "<html>x &", 9, " x ", 3, 0, NULL, 0},
    {"script_block", "<html><script>var A = 'x';\x0a  // c\x0a</script> tail  text</html>", 61, "<html><script>vara=\"x\";//c</script>tail text</html>", 51, " tail text ", 11, 0, NULL, 0},
    {"script_comment_kept", "<html><script><!-- a b\x0a""c --></script></html>", 44, "<html><script><!--abc--></script></html>", 40, " ", 1, 0, NULL, 0},
    {"two_scripts", "<html><script>a</script>mid<script>b</script></html>", 52, "<html><script>a</script>mid<script>b</script></html>", 52, " mid ", 5, 0, NULL, 0},
    {"style_block", "<html><style>p { color: red }</style>x  y</html>", 48, "<html><style>p{color:red}</style>x y</html>", 43, " x y ", 5, 0, NULL, 0},
    {"whitespace_runs", "<html>a \x09\x0d\x0a  b\x0b\x0c""c\x01""d</html>", 26, "<html>a b c\x01""d</html>", 20, " a b c d ", 9, 0, NULL, 0},
    {"data_uri_quoted", "<html><img src=\"data:text/plain;base64,SGVsbG8=\">x</html>", 57, "<html><img src=\"data\">x</html>", 30, " x ", 3, 1, "From html-normalise\x0a""Content-type: text/plain;base64\x0a""Content-transfer-encoding: base64\x0a\x0aSGVsbG8=", 95},
    {"data_uri_unquoted", "<html><img src=data:image/png,%41%4g%zz>x</html>", 48, "<html><img src=datax</html>", 27, " ", 1, 1, "From html-normalise\x0a""Content-type: image/png\x0a\x0a""A@%0z", 50},
    {"data_uri_two", "<html><a href='data:,A b'><img src=\"data:TEXT/x,c\"></html>", 58, "<html><a href=\"data\"><img src=\"data\"></html>", 44, " ", 1, 2, "From html-normalise\x0a""Content-type: \x0a\x0a""A b", 39},
    {"truncated_tag", "<html><a href=\"x", 16, "<html><a href=\"x", 16, " ", 1, 0, NULL, 0},
    {"truncated_entity_ref", "<html>&#x4", 10, "<html>", 6, " ", 1, 0, NULL, 0},
    {"lone_lt", "<html>a < b > c <> d</html>", 27, "<html>a <b>c <>d</html>", 23, " a c d ", 7, 0, NULL, 0},
    {"nul_bytes", "<html>a\x00""b<\x00p>c\x00\x00\x00""d</html>", 25, "<html>ab<p>cd</html>", 20, " ab cd ", 7, 0, NULL, 0},
    {"high_bytes", "<html>caf\xc3\xa9 \xe3\x80\x82 \xa1""C \x80x</html>", 28, "<html>caf\xc3\xa9 . .\x00 \x80x</html>", 26, " caf\xc3\xc3 ..\x00\x00x ", 13, 0, NULL, 0},
    {"high_bytes_in_attr", "<html><a title=\"\xc3\xa9\">x</a><b c=d></html>", 39, "<html><a title=\"\">x</a><b c=\xc3\xa9""d></html>", 39, " x ", 3, 0, NULL, 0},
    {"a_img_to_notags", "<html><a href=\"http://e.com/\">link</a><img src=\"i.png\"></html>", 62, "<html><a href=\"http://e.com/\">link</a><img src=\"i.png\"></html>", 62, " http://e.com/ link i.png ", 26, 0, NULL, 0},
    {"script_encoder", "<html><script language=\"JScript.Encode\">#@~^CAAAAA==W!x^DkKx@#@&MSAAAA==^#~@</script>x</html>", 93, "<html><script language=\"jscript.encode\"><script language=\"javascript\">function^#~@</script>x</html>", 99, " x ", 3, 0, NULL, 0},
    {"empty_after_html", "<html>", 6, "<html>", 6, " ", 1, 0, NULL, 0},
    {"utf16_raw_bytes", "\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00<\x00""b\x00>\x00H\x00i\x00<\x00/\x00""b\x00>\x00 \x00&\x00""a\x00m\x00p\x00;\x00 \x00x\x00<\x00/\x00h\x00t\x00m\x00l\x00>\x00", 62, "\xff\xfe<html><b>hi</b>& x</html>", 27, "\xff\xff hi x ", 8, 0, NULL, 0},
};

/* javascript: clamscan's file for the same input. */
typedef struct js_case {
    const char *name;
    const char *in;
    size_t in_len;
    const char *js;
    size_t js_len;
} js_case;

static const js_case js_cases[] = {
    {"js_rename", "<html><script>var A = 1, B = [A, 2]; function f(x) { var y = x; return y + A; }</script>", 88, "<script>var n000=1,n001=[n000,2];function n002(n003){var n004=n003;return n004+n000;}</script>", 94},
    {"js_comment_ends_at_space", "<html><script>a = 1; // note b = 2\x0a""c = 3; /* gone */ d</script>", 63, "<script>a=1;note b=2 c=3;d</script>", 35},
    {"js_string_join_escapes", "<html><script>s = 'A\\x41' + \"\\u0042\\n\" + 'c';</script>", 54, "<script>s=\"aab c\";</script>", 27},
    {"js_member_names_kept", "<html><script>var document = 1; window.document.Write(document);</script>", 73, "<script>var n000=1;window.document.write(n000);</script>", 56},
    {"js_eval_unescape", "<html><script>eval(\"var q = 5;\"); unescape('%41%u0062%zz');</script>", 68, "<script>var n000=5;\"ab%zz\";</script>", 36},
    {"js_numbers", "<html><script>n = 3.25e3 + 1.5e + 0.5 + 12 + 99999999999;</script>", 66, "<script>n=3250+1.5+0.5+12+1215752191;</script>", 46},
    {"js_unclosed_string_paren", "<html><script>f(g('abc", 22, "<script>f(g(\"abc\"))</script>", 28},
    {"js_two_scripts", "<html><script>a</script>x<script>b</script>", 43, "<script>a</script>\x0a<script>b</script>", 37},
    {"js_packer", "<html><script>eval(function(p,a,c,k,e,r){return p}('0 1 2',3,3,'var|x|y'.split('|'),0,{}))</script>", 99, "<script>eval(function(n000,n001,n002,n003,n004,n005){return n000}(var n006))</script>", 85},
    {"js_df", "<html><script>dF('%264Dtdsjqu%264F1')</script>", 46, "<script></script><script></script>", 34},
};

static void expect_buf(const char *what, const char *name, const cv_html_buf *got,
                       const char *want, size_t want_len)
{
    if (got->len != want_len || (want_len && memcmp(got->data, want, want_len) != 0)) {
        print_error("%s: %s differs (got %zu bytes, want %zu)\n", name, what, got->len,
                    want_len);
        fail();
    }
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const html_case *c = &cases[i];
        cv_html_out out;
        assert_int_equal(cv_html_normalise((const uint8_t *)c->in, c->in_len, NULL, &out),
                         CV_HTML_OK);
        assert_true(out.nocomment.exists);
        assert_true(out.notags.exists);
        expect_buf("nocomment.html", c->name, &out.nocomment, c->nocomment, c->nocomment_len);
        expect_buf("notags.html", c->name, &out.notags, c->notags, c->notags_len);
        if (out.n_rfc2397 != c->n_rfc2397) {
            print_error("%s: %zu rfc2397 files, want %zu\n", c->name, out.n_rfc2397,
                        c->n_rfc2397);
            fail();
        }
        if (c->n_rfc2397) {
            /* sorted like the expectation: compare against the smallest */
            size_t best = 0;
            for (size_t k = 1; k < out.n_rfc2397; k++) {
                const cv_html_buf *a = &out.rfc2397[k], *b = &out.rfc2397[best];
                size_t n = a->len < b->len ? a->len : b->len;
                int d = memcmp(a->data, b->data, n);
                if (d < 0 || (d == 0 && a->len < b->len))
                    best = k;
            }
            expect_buf("rfc2397", c->name, &out.rfc2397[best], c->rfc2397, c->rfc2397_len);
        }
        cv_html_out_free(&out);
    }
}

static void test_javascript(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(js_cases) / sizeof(js_cases[0]); i++) {
        const js_case *c = &js_cases[i];
        cv_html_out out;
        assert_int_equal(cv_html_normalise((const uint8_t *)c->in, c->in_len, NULL, &out),
                         CV_HTML_OK);
        assert_true(out.javascript.exists);
        expect_buf("javascript", c->name, &out.javascript, c->js, c->js_len);
        cv_html_out_free(&out);
    }
}

static cv_html_out run(const char *s, size_t n)
{
    cv_html_out out;
    assert_int_equal(cv_html_normalise((const uint8_t *)s, n, NULL, &out), CV_HTML_OK);
    return out;
}

static void test_empty_and_null(void **state)
{
    (void)state;
    cv_html_out out = run(NULL, 0);
    assert_true(out.nocomment.exists);
    assert_int_equal(out.nocomment.len, 0);
    assert_int_equal(out.notags.len, 0);
    assert_int_equal(out.n_scripts, 0);
    assert_false(out.aborted);
    cv_html_out_free(&out);
    cv_html_out_free(NULL);
    out = run("\0\0\0", 3); /* NULs are dropped before anything else */
    assert_int_equal(out.nocomment.len, 0);
    cv_html_out_free(&out);
}

/* The bytes libclamav feeds its JS normaliser: from the first byte after
 * <script> to the byte after </script> and its whitespace, LF made space. */
static void test_script_text(void **state)
{
    (void)state;
    static const char in[] = "<html><script>var A = 'x';\n  // c\n</script> tail</html>";
    cv_html_out out = run(in, sizeof(in) - 1);
    assert_int_equal(out.n_scripts, 1);
    assert_true(out.scripts[0].closed);
    static const char want[] = "var A = 'x';   // c </script> ";
    assert_int_equal(out.scripts[0].text.len, sizeof(want) - 1);
    assert_memory_equal(out.scripts[0].text.data, want, sizeof(want) - 1);
    assert_true(out.javascript.exists);
    cv_html_out_free(&out);

    /* <script> as the last tag is never processed: no script at all */
    out = run("<html><script>", 14);
    assert_int_equal(out.n_scripts, 0);
    assert_false(out.javascript.exists);
    cv_html_out_free(&out);
    /* an unclosed script is still emitted */
    out = run("<html><script>a b", 17);
    assert_int_equal(out.n_scripts, 1);
    assert_false(out.scripts[0].closed);
    assert_int_equal(out.scripts[0].text.len, 3);
    cv_html_out_free(&out);
}

static void test_style_text(void **state)
{
    (void)state;
    static const char in[] = "<html><style>p { color: red }</style>x  y</html>";
    cv_html_out out = run(in, sizeof(in) - 1);
    assert_int_equal(out.n_styles, 1);
    assert_true(out.styles[0].closed);
    assert_int_equal(out.styles[0].text.len, 16);
    assert_memory_equal(out.styles[0].text.data, "p { color: red }", 16);
    assert_int_equal(out.n_scripts, 0);
    cv_html_out_free(&out);
}

/* 8 KiB chunks: a whitespace run that straddles a chunk edge loses the
 * bytes at the start of the next chunk, even inside data: URI payloads. */
static void test_chunk_edge(void **state)
{
    (void)state;
    static const char pre[] = "<html><img src=\"data:,";
    static const char post[] = "    b\">t</html>";
    size_t np = sizeof(pre) - 1, na = 8189 - np, n = np + na + sizeof(post) - 1;
    char *in = malloc(n);
    assert_non_null(in);
    memcpy(in, pre, np);
    memset(in + np, 'a', na);
    memcpy(in + np + na, post, sizeof(post) - 1);
    cv_html_out out = run(in, n);
    assert_int_equal(out.n_rfc2397, 1);
    const cv_html_buf *d = &out.rfc2397[0];
    assert_int_equal(d->len, 8206); /* clamscan's file size */
    assert_memory_equal(d->data + d->len - 4, "a  b", 4);
    cv_html_out_free(&out);

    /* plain text over several chunks normalises as if it were one */
    size_t words = 3000;
    n = 6 + 5 * words + 17;
    char *t = malloc(n);
    assert_non_null(t);
    memcpy(t, "<html>", 6);
    for (size_t i = 0; i < words; i++)
        memcpy(t + 6 + 5 * i, "word ", 5);
    memcpy(t + 6 + 5 * words, "<b>end</b></html>", 17);
    out = run(t, n);
    assert_int_equal(out.nocomment.len, n);
    assert_memory_equal(out.nocomment.data, t, n);
    assert_int_equal(out.notags.len, 15005);
    cv_html_out_free(&out);
    free(t);
    free(in);
}

static void test_limits(void **state)
{
    (void)state;
    static const char in[] = "<html><p>some text here</p></html>";
    cv_html_limits lim = {.max_output = 8};
    cv_html_out out;
    assert_int_equal(cv_html_normalise((const uint8_t *)in, sizeof(in) - 1, &lim, &out),
                     CV_HTML_TOO_LARGE);
    assert_null(out.nocomment.data);
    assert_int_equal(out.n_rfc2397, 0);
    lim.max_output = 1000;
    assert_int_equal(cv_html_normalise((const uint8_t *)in, sizeof(in) - 1, &lim, &out),
                     CV_HTML_OK);
    cv_html_out_free(&out);
    assert_true(CV_HTML_MAX_NOTAGS < CV_HTML_MAX_NORMALIZE);
}

/* A </style> handled before the 8 bytes it needs (here: after a Script
 * Encoder block made libclamav rerun part of the chunk) aborts the
 * normaliser; what was written so far stays. */
static void test_style_underflow_abort(void **state)
{
    (void)state;
    static const char in[] = "<html><%@ language=\"VBScript.Encode\">#@~^AAAA==x@#l\x01 src alt>"
                             "</style <i><style>d";
    cv_html_out out = run(in, sizeof(in) - 1);
    assert_true(out.aborted);
    static const char want[] = "<html><%@ language=\"vbscript.encode\">//~^aaaa==x@#l\x01 src "
                               "alt></style <i><style>d</style";
    assert_int_equal(out.nocomment.len, sizeof(want) - 1);
    assert_memory_equal(out.nocomment.data, want, sizeof(want) - 1);
    cv_html_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_javascript),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_script_text),
        cmocka_unit_test(test_style_text),
        cmocka_unit_test(test_chunk_edge),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_style_underflow_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
