/*
 * test_clamav_phish.c - lines of the phishing lists (lib/clamav/phishdb.h,
 * phishre.h): .pdb/.gdb (R H S) and .wdb (X Y M S:W). Each row's verdict
 * is Debian's clamscan 1.4.6 on that line alone (`clamscan -d one.EXT
 * file`: refused with "Malformed database" = CV_BAD; for .pdb/.gdb, +1 to
 * "Known viruses" = CV_OK, +0 = CV_SKIP). The regular expression rows
 * cover Spencer's ERE errors and libclamav's suffix-index quirks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/phishdb.h"
#include "clamav/phishre.h"

typedef struct row {
    const char *ext, *line;
    cv_status want;
} row;

static const row rows[] = {
    {"pdb", "H:example.com", CV_OK},
    {"pdb", "H:a", CV_OK},
    {"pdb", "H:", CV_BAD},
    {"pdb", "Hexample.com", CV_BAD},
    {"pdb", "HFF1:example.com", CV_OK},
    {"pdb",
     "H:example.com\xe9"
     "",
     CV_BAD},
    {"pdb",
     "H:\xe9"
     "example.com",
     CV_OK},
    {"pdb", "H:example.com:17-", CV_OK},
    {"pdb", "H:example.com:999-", CV_SKIP},
    {"pdb", "H:example.com:1-2", CV_SKIP},
    {"pdb", "H:example.com:-", CV_OK},
    {"pdb", "H:my-bank.com", CV_OK},
    {"pdb", "H:10-20", CV_SKIP},
    {"pdb", "H:10-300", CV_BAD},
    {"pdb", "H:a:b", CV_OK},
    {"pdb", "R:.+\\.example\\.com([/?].*)?", CV_OK},
    {"pdb", "R:example\\.com", CV_OK},
    {"pdb", "R:(?i)example\\.com", CV_OK},
    {"pdb", "R:a(", CV_BAD},
    {"pdb", "R:a)", CV_BAD},
    {"pdb", "R:()", CV_BAD},
    {"pdb", "R:.*", CV_BAD},
    {"pdb", "R:a||b", CV_BAD},
    {"pdb", "R:*a", CV_BAD},
    {"pdb", "R:a**", CV_BAD},
    {"pdb", "R:[z-a]", CV_BAD},
    {"pdb", "R:[[:foo:]]", CV_BAD},
    {"pdb", "R:[[:alpha:]]x", CV_OK},
    {"pdb", "R:a\\", CV_OK},
    {"pdb", "R:x$", CV_BAD},
    {"pdb", "R:abc$", CV_OK},
    {"pdb", "R:a{2}", CV_OK},
    {"pdb", "R:a{2,1}", CV_BAD},
    {"pdb", "R:a{256}", CV_BAD},
    {"pdb", "R:a{1", CV_BAD},
    {"pdb", "R:{1}a", CV_BAD},
    {"pdb", "R:a{0}", CV_OK},
    {"pdb", "R:(a|b)c", CV_OK},
    {"pdb", "R:c(a|b)", CV_OK},
    {"pdb", "R:[ab]c", CV_OK},
    {"pdb", "R:c[ab]", CV_OK},
    {"pdb", "R:c[^ab]", CV_BAD},
    {"pdb", "R:[a", CV_BAD},
    {"pdb", "R:x[[.hyphen.]]", CV_OK},
    {"pdb", "R:x[[.foo.]]", CV_BAD},
    {"pdb",
     "R:x\xe9"
     "",
     CV_BAD},
    {"pdb", "R:^*a", CV_BAD},
    {"pdb", "S:F:abcd", CV_OK},
    {"pdb", "S:F:abc", CV_BAD},
    {"pdb", "S:F:abzz", CV_BAD},
    {"pdb", "S:F:", CV_BAD},
    {"pdb", "S:P:abcd", CV_OK},
    {"pdb", "S:W:abcd", CV_OK},
    {"pdb", "S:X:abcd", CV_BAD},
    {"pdb", "S:Fabcd", CV_BAD},
    {"pdb", "X:a\\.com:b\\.com", CV_BAD},
    {"pdb", "M:a.com:b.com", CV_BAD},
    {"pdb", "N:example.com", CV_BAD},
    {"gdb", "S:F:abcd", CV_OK},
    {"gdb", "H:example.com", CV_OK},
    {"wdb", "X:.+\\.example\\.com([/?].*)?:.+\\.example\\.net([/?].*)?:17-", CV_OK},
    {"wdb", "Y:.+\\.example\\.com", CV_OK},
    {"wdb", "X:a(:b", CV_BAD},
    {"wdb", "M:mail.example.com:example.com", CV_OK},
    {"wdb", "M:", CV_BAD},
    {"wdb", "S:W:abcd", CV_OK},
    {"wdb", "S:W:abc", CV_BAD},
    {"wdb", "S:F:abcd", CV_BAD},
    {"wdb", "H:example.com", CV_BAD},
    {"wdb", "R:example\\.com", CV_BAD},
};

static void test_clamscan_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cv_error e = {{0}};
        cv_phish_list k = strcmp(rows[i].ext, "wdb") == 0 ? CV_PHISH_ALLOW : CV_PHISH_DOMAIN;
        cv_status got = cv_phish_line(rows[i].line, strlen(rows[i].line), k, &e);
        if (got != rows[i].want)
            fail_msg("%s line \"%s\": got %d want %d (%s)", rows[i].ext, rows[i].line, got,
                     rows[i].want, e.msg);
    }
}

/* Empty lines, comments, CR LF, a NUL (libclamav stops there), length. */
static void test_line_edges(void **state)
{
    (void)state;
    cv_error e;
    assert_int_equal(cv_phish_line("", 0, CV_PHISH_DOMAIN, &e), CV_SKIP);
    assert_int_equal(cv_phish_line("# H:", 4, CV_PHISH_DOMAIN, &e), CV_SKIP);
    assert_int_equal(cv_phish_line("H:a.com\r\n", 9, CV_PHISH_DOMAIN, &e), CV_OK);
    assert_int_equal(cv_phish_line("H:a.com\0garbage", 15, CV_PHISH_DOMAIN, &e), CV_OK);
    assert_int_equal(cv_phish_line("H\0:a.com", 8, CV_PHISH_DOMAIN, &e), CV_BAD);
    static char big[CV_PHISH_LINE_MAX + 8];
    memset(big, 'a', sizeof(big));
    memcpy(big, "H:", 2);
    assert_int_equal(cv_phish_line(big, 8188, CV_PHISH_DOMAIN, &e), CV_OK);
    assert_int_equal(cv_phish_line(big, 8189, CV_PHISH_DOMAIN, &e), CV_BAD);
    assert_non_null(strstr(e.msg, "too long"));
    assert_int_equal(cv_phish_line(big, sizeof(big), CV_PHISH_DOMAIN, &e), CV_BAD);
}

/* The expression checker alone, and its limits on hostile input. */
static void test_regex_limits(void **state)
{
    (void)state;
    cv_error e;
    assert_true(cv_phish_regex_ok("a\\.b", 4, &e));
    assert_false(cv_phish_regex_ok("a(", 2, &e));
    assert_non_null(strstr(e.msg, "parentheses"));
    /* deep nesting: bounded recursion, a verdict either way */
    static char deep[8000];
    for (size_t i = 0; i < 4000; i++) {
        deep[i] = '(';
        deep[7999 - i] = ')';
    }
    deep[3999] = 'a';
    (void)cv_phish_regex_ok(deep, sizeof(deep), &e);
    /* '+' copies all before it: exponential trees stop at a limit */
    static char plus[4000];
    for (size_t i = 0; i < sizeof(plus); i += 2) {
        plus[i] = 'a';
        plus[i + 1] = '+';
    }
    assert_false(cv_phish_regex_ok(plus, sizeof(plus), &e));
    /* many small classes: many suffixes, the walk is bounded */
    static char cls[4000];
    for (size_t i = 0; i + 4 <= sizeof(cls); i += 4)
        memcpy(cls + i, "[ab]", 4);
    assert_true(cv_phish_regex_ok(cls, sizeof(cls), &e));
    assert_true(cv_phish_host_ok("a", 1, &e));
    assert_false(cv_phish_host_ok("", 0, &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clamscan_table),
        cmocka_unit_test(test_line_edges),
        cmocka_unit_test(test_regex_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
