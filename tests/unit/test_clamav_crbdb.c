/*
 * test_clamav_crbdb.c - .crb lines (lib/clamav/crbdb.h), written for these
 * tests around one rule of our own. Whether each is refused is Debian's
 * clamscan 1.4.6 on the line alone ("Malformed database" = CV_BAD); the
 * lines it loads are CV_OK or, outside functionality level 216, CV_SKIP
 * (clamscan counts neither).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/crbdb.h"

typedef struct row {
    const char *line;
    cv_status want;
} row;

static const row rows[] = {
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;0",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;216",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;217",
     CV_SKIP},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;999",
     CV_SKIP},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;1;216",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;1;215",
     CV_SKIP},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;;",
     CV_SKIP},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;x",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;1;y",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil;1;2;3",
     CV_BAD},
    {"Vigil.Cert;0;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1junk;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;2;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;;0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for "
     "vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef0123456;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef0123456g;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;;C0FFEE;010001;1;0;0;;written for "
     "vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;ab;C0FFEE;010001;1;0;0;;written for "
     "vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;;010001;1;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;-;010001;1;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;-ab;010001;1;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;zz;010001;1;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;abzz;010001;1;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;;1;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;0;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;x;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;;0;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;1;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;2;0;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;1;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;;;written for vigil",
     CV_BAD},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;123;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;x;written for vigil",
     CV_OK},
    {";1;0123456789abcdef0123456789abcdef01234567;0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;"
     "010001;1;0;0;;written for vigil",
     CV_OK},
    {"Vigil.Cert;1;0123456789abcdef0123456789abcdef01234567;"
     "0123456789ABCDEF0123456789ABCDEF01234567;C0FFEE;010001;1;0;0;;",
     CV_OK},
    {"Vigil.Cert", CV_BAD},
};

static void test_clamscan_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cv_error e = {{0}};
        cv_status got = cv_crb_line(rows[i].line, strlen(rows[i].line), &e);
        if (got != rows[i].want)
            fail_msg("line \"%s\": got %d want %d (%s)", rows[i].line, got, rows[i].want, e.msg);
    }
}

static void test_edges(void **state)
{
    (void)state;
    cv_error e;
    /* fourteen fields or more, and a NUL cutting the line short */
    assert_int_equal(cv_crb_line(";;;;;;;;;;;;;", 13, &e), CV_BAD);
    const char *l = rows[0].line;
    char buf[512];
    size_t n = strlen(l);
    memcpy(buf, l, n);
    buf[20] = '\0';
    assert_int_equal(cv_crb_line(buf, n, &e), CV_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clamscan_table),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
