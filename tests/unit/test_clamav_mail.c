/*
 * test_clamav_mail.c - lib/clamav/mail*.c, libclamav 1.4.6's mail parser.
 * Every expected part below is what clamscan 1.4.6 left in its mail-tmp
 * folder (`--leave-temps`) for the same message, in creation order (the
 * table was generated with tests/diff/clam_mail_diff.py's clamscan_parts);
 * that script compares hundreds of generated messages.
 *
 * What the cases pin down (besides plain, multipart, base64, QP, CRLF):
 *   base64_carry          symbols carried across short base64 lines
 *   binhex_part_first     a part without MIME headers holding BinHex: the
 *                         whole multipart's text is written, then the part
 *   binhex_part_later     the same after a text part: the part's text only
 *   binhex_preamble       BinHex before the first boundary: the message's
 *                         text is written as is (no BinHex decoding here)
 *   blank_runs            a second blank-or-';' line in a row is dropped
 *   disposition_bounce    message/disposition-notification goes on to the
 *                         bounce export (from its Received line)
 *   empty_last_part_kept  an empty last part stays once a header-less part
 *                         made libclamav let go of the message: the nested
 *                         multipart then "has parts" and is not parsed again
 *                         by multipart/related (the image before it is
 *                         written as text, then base64: two files)
 *   empty_base64          an attachment that decodes to nothing stays as
 *                         an empty file (libclamav scans it)
 *   encoding_no_header    a Content-Transfer-Encoding line in a plain body:
 *                         "bounce" from there, no textportion
 *   mbox_not_mail_drops_from  an mbox entry whose headers are not mail:
 *                         the next entry's "From " line is dropped
 *   partial               message/partial: nothing (no reassembly)
 *   plain_bounce          the bounce search over a plain body's text
 *   related_text_twice    multipart/related: the text part is collected
 *                         twice (collected, then parsed with the text)
 *   uuencode_body/_mbox   uuencoded blocks decoded as they are read
 *   yenc_checkurls        the phishing check's export consumes the yEnc
 *                         start, so the part is written as text + base64
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

typedef struct mail_bytes {
    const char *d;
    size_t n;
} mail_bytes;

#define P(s) {s, sizeof(s) - 1}

typedef struct mail_case {
    const char *name;
    const char *in;
    size_t n;
    mail_bytes parts[4];
} mail_case;

static const mail_case cases[] = {
    {"base64_carry",
     "From: a@b.c\nContent-Type: application/octet-stream; name=\"c.bin\"\nContent-Transfer-Enc"
     "oding: base64\n\nSGVsbG8g\nd29y\nbGQh\nIQ\n",
     1,
     {P("Hello world!!")}},
    {"binhex_part_first",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nX-Junk: 1\n\n(This fil"
     "e must be converted with BinHex 4.0)\n:ABC\n--B\nContent-Type: text/plain\n\nsecond\n--B-"
     "-\n",
     3,
     {P("--B\nX-Junk: 1\n\n(This file must be converted with BinHex 4.0)\n:ABC\n--B\nContent-Ty"
        "pe: text/plain\n\nsecond\n--B--\n"),
      P("(This file must be converted with BinHex 4.0)\n:ABC\n"),
      P("second\n")}},
    {"binhex_part_later",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/pla"
     "in\n\nfirst\n--B\nX-Junk: 1\n\n(This file must be converted with BinHex 4.0)\n:ABC\n--B--"
     "\n",
     2,
     {P("first\n"),
      P("(This file must be converted with BinHex 4.0)\n:ABC\n")}},
    {"binhex_preamble",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"B\"\n\n(This file must be converte"
     "d with BinHex 4.0)\n\n:ABC\n:\n--B\nContent-Type: text/plain\n\nhi\n--B--\n",
     2,
     {P("(This file must be converted with BinHex 4.0)\n\n:ABC\n:\n--B\nContent-Type: text/plai"
        "n\n\nhi\n--B--\n"),
      P("hi\n")}},
    {"blank_runs",
     "From: a@b.c\n\nline one\n   \n\n   \n\t\n;\nend\n",
     1,
     {P("line one\n \n\nend\n")}},
    {"crlf_folded_header",
     "From: a@b.c\r\nContent-Type: multipart/mixed;\r\n boundary=\"q\"\r\n\r\n--q\r\nContent-Ty"
     "pe: application/x-y\r\n\r\nABC\r\n--q--\r\n",
     1,
     {P("ABC\n")}},
    {"disposition_bounce",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"D\"\n\n--D\nContent-Type: message/"
     "disposition-notification\n\nReceived: from a by b\nContent-Type: application/x-msdownload"
     "; name=x\nContent-Transfer-Encoding: base64\n\nTVqQ\n--D--\n",
     1,
     {P("Received: from a by b\nContent-Type: application/x-msdownload; name=x\nContent-Transfe"
        "r-Encoding: base64\n\nTVqQ\n")}},
    {"empty_base64",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"E\"\n\n--E\nContent-Type: applicat"
     "ion/octet-stream; name=\"e.bin\"\nContent-Transfer-Encoding: base64\n\n!!!!\n--E--\n",
     1,
     {P("")}},
    {"empty_last_part_kept",
     "From: a@b.c\nContent-Type: multipart/related; boundary=\"R\"\n\n--R\nContent-Type: image/"
     "gif; name=\"i.gif\"\n\nGIF89a\n--R\nContent-Type: multipart/mixed; boundary=\"M\"\n\n--M"
     "\nX-Junk: 1\n\nbody text\n--M--\n--R--\n",
     3,
     {P("body text\n"),
      P("GIF89a\n"),
      P("\x18\x81|\xf5\xa0")}},
    {"encoding_no_header",
     "From: a@b.c\n\nyour message:\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n",
     1,
     {P("Received: by clamd (bounce)\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n")}},
    {"mbox_not_mail_drops_from",
     "From x@y Mon Jan  1 00:00:00 2024\nnothing: here\n\nbody\n\nFrom z@w Mon Jan  1 00:00:00 "
     "2024\nFrom: a@b.c\n\nsecond\n",
     1,
     {P("second\n")}},
    {"multipart_mixed_base64",
     "From: a@b.c\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX"
     "\"\n\npreamble\n--XX\nContent-Type: text/plain\n\nbody one\n--XX\nContent-Type: applicati"
     "on/octet-stream; name=\"a.bin\"\nContent-Transfer-Encoding: base64\nContent-Disposition: "
     "attachment; filename=\"a.bin\"\n\nSGVsbG8gd29ybGQK\n--XX--\nepilogue\n",
     3,
     {P("body one\n"),
      P("Hello world\n"),
      P("epilogue\n")}},
    {"partial",
     "From: a@b.c\nMIME-Version: 1.0\nContent-Type: message/partial; id=\"x@y\"; number=1; tota"
     "l=2\n\nFrom: c@d\nContent-Type: application/octet-stream\n\nMZ\n",
     0,
     {}},
    {"plain",
     "From: a@b.c\nTo: d@e.f\nSubject: hi\n\nHello world\nline2\n",
     1,
     {P("Hello world\nline2\n")}},
    {"plain_bounce",
     "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n\nThe mail system returned this:\n\n"
     "Received: from x.example by y.example\nFrom: a@b.example\nContent-Type: application/octet"
     "-stream; name=\"a.exe\"\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n",
     2,
     {P("Received: by clamd (bounce)\nFrom: a@b.example\nContent-Type: application/octet-stream"
        "; name=\"a.exe\"\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n"),
      P("Received: by clamd (bounce)\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n")}},
    {"quoted_printable",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/"
     "octet-stream\nContent-Transfer-Encoding: quoted-printable\n\na=3Db=\nc\n--b--\n",
     1,
     {P("a=bc\n")}},
    {"related_text_twice",
     "From: a@b.c\nContent-Type: multipart/related; boundary=\"R\"\n\n--R\nContent-Type: text/p"
     "lain\n\nhello\n--R\nContent-Type: image/gif; name=\"i.gif\"\nContent-Transfer-Encoding: b"
     "ase64\n\nR0lGODlhAQABAAAAACw=\n--R--\n",
     3,
     {P("hello\n"),
      P("GIF89a\x01\x00\x01\x00\x00\x00\x00,"),
      P("hello\nhello\n")}},
    {"uuencode_body",
     "From: a@b.c\nSubject: uu\n\nsee attached\nbegin 644 hi.txt\n%:&5L;&\\*\n`\nend\nafter\n",
     2,
     {P("hello"),
      P("see attached\nend\nafter\n")}},
    {"uuencode_mbox",
     "From someone@example.com Mon Jan  1 00:00:00 2024\nFrom: a@b.c\n\nbegin 644 x.bin\n#35I0"
     "\n`\nend\ntext\n",
     2,
     {P("MZP"),
      P("end\ntext\n")}},
    {"whitespace_line_and_empty_part",
     "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: applic"
     "ation/octet-stream\n\n   \n\n--XX\nContent-Type: application/octet-stream; name=e\n\n--XX"
     "--\n",
     1,
     {P(" \n\n")}},
    {"yenc_checkurls",
     "From: a@b.c\nContent-Type: multipart/parallel; boundary=\"P\"\n\n--P\nContent-Type: text/"
     "plain\nContent-Transfer-Encoding: 7bit\nContent-Disposition: bogus\n\n=ybegin line=128 si"
     "ze=3 name=y.bin\nrst\n=yend size=3\nxxxx\n--P--\n",
     2,
     {P("=ybegin line=128 size=3 name=y.bin\nrst\n=yend size=3\nxxxx\n"),
      P("\xae\xcbq\xc7\x1c@")}},
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
            const mail_bytes *e = &k->parts[j];
            if (out.parts[j].len != e->n || !out.parts[j].data ||
                memcmp(out.parts[j].data, e->d, e->n) != 0)
                fail_msg("%s: part %zu differs (%zu bytes, expected %zu)", k->name, j,
                         out.parts[j].len, e->n);
        }
        cv_mail_out_free(&out);
    }
}

/* Text without any mail header is not a message: no parts. */
static void test_no_headers_is_not_mail(void **state)
{
    (void)state;
    static const char in[] = "just text\nmore\n";
    cv_mail_out out;
    assert_int_equal(cv_mail_parts((const uint8_t *)in, sizeof(in) - 1, NULL, &out), CV_MAIL_OK);
    assert_int_equal(out.n_parts, 0);
    cv_mail_out_free(&out);
}

static const mail_case *find_case(const char *name)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

/* Every prefix of messages with each kind of part parses cleanly (the
 * uuencode and bounce readers stop at the end of the input). */
static void test_truncated_prefixes(void **state)
{
    (void)state;
    static const char *const names[] = {"multipart_mixed_base64", "uuencode_body",
                                        "plain_bounce", "binhex_preamble", "yenc_checkurls"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        const mail_case *c = find_case(names[k]);
        assert_non_null(c);
        size_t n = strlen(c->in);
        for (size_t i = 0; i <= n; i++) {
            cv_mail_out out;
            assert_int_equal(cv_mail_parts((const uint8_t *)c->in, i, NULL, &out), CV_MAIL_OK);
            cv_mail_out_free(&out);
        }
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

/* A uuencoded line stating more bytes than its whole groups carry:
 * libclamav writes the stated count, the missing bytes being what its line
 * buffer held from the line before (clamscan: "MZPMZP" + "MZP" + "MZ"). */
static void test_uuencode_short_line(void **state)
{
    (void)state;
    static const char in[] = "From: a@b.c\n\nbegin 644 s.bin\n&35I035I0\n%35I0xx\n`\nend\n";
    cv_mail_out out;
    assert_int_equal(cv_mail_parts((const uint8_t *)in, sizeof(in) - 1, NULL, &out), CV_MAIL_OK);
    assert_int_equal(out.n_parts, 2);
    assert_int_equal(out.parts[0].len, 11);
    assert_memory_equal(out.parts[0].data, "MZPMZPMZPMZ", 11);
    assert_int_equal(out.parts[1].len, 4);
    assert_memory_equal(out.parts[1].data, "end\n", 4);
    cv_mail_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_no_headers_is_not_mail),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_deep_nesting_bounded),
        cmocka_unit_test(test_uuencode_short_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
