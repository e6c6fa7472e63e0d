/*
 * test_clamav_olddb.c - .db lines (lib/clamav/olddb.h), written for these
 * tests. Each verdict is Debian's clamscan 1.4.6 on the line alone
 * (refused = CV_BAD, +1 to "Known viruses" = CV_OK, loaded without a
 * signature = CV_SKIP); then the parsed form, which must be the .ndb line
 * Name:0:*:HexSig.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/olddb.h"

typedef struct row {
    const char *line;
    cv_status want;
} row;

static const row rows[] = {
    {"Vigil.Old=766967696c2d6f6c64", CV_OK},
    {"Vigil.Old=766967", CV_OK},
    {"Vigil.Old=7669", CV_BAD},
    {"=766967696c2d6f6c64", CV_BAD},
    {"Vigil.Old==zz", CV_SKIP},
    {"Vigil.Old=", CV_BAD},
    {"Vigil.Old=76696769??6c", CV_OK},
    {"Vigil.Old=7669*67696c", CV_OK},
    {"Vigil.Old=76(69|70)67696c", CV_OK},
    {"Vigil.Old=7669{2}67696c", CV_OK},
    {"Vigil:Old=766967696c", CV_OK},
    {"Vigil.Old=766967696c:1", CV_BAD},
    {"Vigil.Old=zz6967696c", CV_BAD},
    {"Vigil.Old=76 69 67", CV_BAD},
    {"Vigil.Old=76(B)6967", CV_BAD},
    {"Vigil.Old=7669676c{-5}6f", CV_BAD},
    {"Vigil.Old", CV_BAD},
    {"", CV_BAD},
    {"Vigil.Old=7669676?", CV_OK},
};

static cv_status parse(const char *line, cv_arena *a, cv_ndb *s, cv_error *e)
{
    cv_str name, hex;
    cv_status st = cv_db_split(line, strlen(line), &name, &hex, e);
    return st == CV_OK ? cv_parse_db(name, hex, a, s, e) : st;
}

static void test_clamscan_table(void **state)
{
    (void)state;
    cv_arena a;
    cv_arena_init(&a);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cv_error e = {{0}};
        cv_ndb s;
        cv_status got = parse(rows[i].line, &a, &s, &e);
        if (got != rows[i].want)
            fail_msg("line \"%s\": got %d want %d (%s)", rows[i].line, got, rows[i].want, e.msg);
    }
    cv_arena_free(&a);
}

/* The same structure as the .ndb line Name:0:*:HexSig. */
static void test_as_ndb(void **state)
{
    (void)state;
    cv_arena a;
    cv_arena_init(&a);
    cv_error e;
    cv_ndb d, n;
    assert_int_equal(parse("Vigil:Old=7669676c*696c6f", &a, &d, &e), CV_OK);
    const char *l = "Vigil.Old:0:*:7669676c*696c6f";
    assert_int_equal(cv_parse_ndb(l, strlen(l), &a, &n, &e), CV_OK);
    assert_int_equal(d.name.len, 9);
    assert_memory_equal(d.name.p, "Vigil:Old", 9);
    assert_int_equal(d.target, 0);
    assert_int_equal(d.offset.kind, CV_OFF_ANY);
    assert_false(d.flevel.has_min || d.flevel.has_max);
    assert_int_equal(d.hex.nparts, n.hex.nparts);
    assert_int_equal(d.hex.text.len, n.hex.text.len);
    assert_memory_equal(d.hex.text.p, n.hex.text.p, n.hex.text.len);
    /* the name is split at the first '=' only */
    cv_str name, hex;
    assert_int_equal(cv_db_split("A=B=C", 5, &name, &hex, &e), CV_OK);
    assert_int_equal(name.len, 1);
    assert_int_equal(hex.len, 3);
    assert_int_equal(cv_db_split("A\0=41", 5, &name, &hex, &e), CV_BAD);
    cv_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clamscan_table),
        cmocka_unit_test(test_as_ndb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
