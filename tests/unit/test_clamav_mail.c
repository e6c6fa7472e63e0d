/*
 * test_clamav_mail.c - lib/clamav/mail*.c, libclamav 1.4.6's mail parser.
 * Every expected part below is what clamscan 1.4.6 left in its mail-tmp
 * folder (`--leave-temps`) for the same message, in creation order;
 * tests/diff/clam_mail_diff.py compares hundreds of generated messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/mail.h"

typedef struct mail_case {
    const char *name;
    const char *in;
    size_t n;
    const char *parts[6];
} mail_case;

static const mail_case cases[] = {
    {"plain", "From: a@b.c\nTo: d@e.f\nSubject: hi\n\nHello world\nline2\n", 1,
     {"Hello world\nline2\n"}},
    {"multipart_mixed_base64",
     "From: a@b.c\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
     "boundary=\"XX\"\n\npreamble\n--XX\nContent-Type: text/plain\n\nbody one\n--XX\n"
     "Content-Type: application/octet-stream; name=\"a.bin\"\nContent-Transfer-Encoding: "
     "base64\nContent-Disposition: attachment; filename=\"a.bin\"\n\nSGVsbG8gd29ybGQK\n"
     "--XX--\nepilogue\n",
     3, {"body one\n", "Hello world\n", "epilogue\n"}},
    {"whitespace_line_and_empty_part",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: "
     "application/octet-stream\n\n   \n\n--XX\nContent-Type: application/octet-stream; "
     "name=e\n\n--XX--\n",
     1, {" \n\n"}},
    {"quoted_printable",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: "
     "application/octet-stream\nContent-Transfer-Encoding: quoted-printable\n\na=3Db=\nc\n"
     "--b--\n",
     1, {"a=bc\n"}},
    {"crlf_folded_header",
     "From: a@b.c\r\nContent-Type: multipart/mixed;\r\n boundary=\"q\"\r\n\r\n--q\r\n"
     "Content-Type: application/x-y\r\n\r\nABC\r\n--q--\r\n",
     1, {"ABC\n"}},
    {"no_headers_is_not_mail", "just text\nmore\n", 0, {NULL}},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const mail_case *k = &cases[i];
        cv_mail_out out;
        assert_int_equal(cv_mail_parts((const uint8_t *)k->in, strlen(k->in), NULL, &out),
                         CV_MAIL_OK);
        if (out.n_parts != k->n)
            fail_msg("%s: %zu parts, expected %zu", k->name, out.n_parts, k->n);
        for (size_t j = 0; j < k->n; j++) {
            size_t el = strlen(k->parts[j]);
            if (out.parts[j].len != el || memcmp(out.parts[j].data, k->parts[j], el) != 0)
                fail_msg("%s: part %zu differs", k->name, j);
        }
        cv_mail_out_free(&out);
    }
}

static void test_truncated_prefixes(void **state)
{
    (void)state;
    const char *m = cases[1].in;
    size_t n = strlen(m);
    for (size_t i = 0; i <= n; i++) {
        cv_mail_out out;
        assert_int_equal(cv_mail_parts((const uint8_t *)m, i, NULL, &out), CV_MAIL_OK);
        cv_mail_out_free(&out);
    }
}

static void test_deep_nesting_bounded(void **state)
{
    (void)state;
    char *buf = malloc(200 * 80 + 64);
    assert_non_null(buf);
    size_t n = (size_t)sprintf(buf, "From: a\n");
    for (int d = 0; d < 200; d++)
        n += (size_t)sprintf(buf + n, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n",
                             d, d);
    n += (size_t)sprintf(buf + n, "\nx\n");
    cv_mail_out out;
    assert_int_equal(cv_mail_parts((const uint8_t *)buf, n, NULL, &out), CV_MAIL_OK);
    cv_mail_out_free(&out);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_deep_nesting_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
