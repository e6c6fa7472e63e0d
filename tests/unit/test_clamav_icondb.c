/*
 * test_clamav_icondb.c - .idb lines (lib/clamav/icondb.h). The rows are
 * icon hashes written for these tests (bounds of every metric); each
 * verdict is Debian's clamscan 1.4.6 on the line alone (refused = CV_BAD,
 * loaded = +1 to "Known viruses"). Then the per-file limit of 256 group
 * names, which clamscan 1.4.6 also enforces (257 names refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/icondb.h"

typedef struct row {
    const char *line;
    cv_status want;
} row;

static const row rows[] = {
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "180000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "110000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "10fe80000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "10fe90000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "10000000000000000000e0e0000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "10000000000000000000f000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "20000000000000000001c1c0000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "20000000000000000001d000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "10000000000000000000000fff0000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "10000000000000000000000000000000000000000000ff00000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "10000000000000000000000000000000000000000000000f000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000067000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000067010000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000064",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000065",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000g",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_BAD},
    {"Vigil.Icon.A:G1:G2:"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000:x",
     CV_BAD},
    {":::"
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000",
     CV_OK},
    {"", CV_BAD},
};

static cv_status check(const char *line, size_t len, cv_error *e)
{
    cv_idb d;
    cv_status st = cv_idb_split(line, len, &d, e);
    return st == CV_OK ? cv_idb_check_hash(&d, e) : st;
}

static void test_clamscan_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cv_error e = {{0}};
        cv_status got = check(rows[i].line, strlen(rows[i].line), &e);
        if (got != rows[i].want)
            fail_msg("line \"%s\": got %d want %d (%s)", rows[i].line, got, rows[i].want, e.msg);
    }
}

static void test_fields(void **state)
{
    (void)state;
    cv_idb d;
    cv_error e;
    const char *l = rows[0].line;
    assert_int_equal(cv_idb_split(l, strlen(l), &d, &e), CV_OK);
    assert_int_equal(d.name.len, strlen("Vigil.Icon.A"));
    assert_int_equal(d.group[0].len, 2);
    assert_memory_equal(d.group[1].p, "G2", 2);
    /* a NUL ends the line as libclamav reads it: the hash is then short */
    char buf[256];
    size_t n = strlen(l);
    memcpy(buf, l, n);
    buf[n - 5] = '\0';
    assert_int_equal(cv_idb_split(buf, n, &d, &e), CV_BAD);
}

/* 256 distinct names per group field load; the 257th refuses the file. */
static void test_group_limit(void **state)
{
    (void)state;
    for (int field = 0; field < 2; field++) {
        cv_idb_groups g;
        memset(&g, 0, sizeof(g));
        cv_error e;
        bool oom;
        char names[257][8];
        for (int i = 0; i < 257; i++) {
            snprintf(names[i], sizeof(names[i]), "G%d", i);
            cv_idb d;
            memset(&d, 0, sizeof(d));
            d.group[field] = (cv_str){names[i], strlen(names[i])};
            d.group[1 - field] = (cv_str){"same", 4};
            cv_status st = cv_idb_groups_add(&g, &d, &oom, &e);
            assert_false(oom);
            assert_int_equal(st, i < 256 ? CV_OK : CV_BAD);
            /* a name seen before adds nothing */
            if (i < 256)
                assert_int_equal(cv_idb_groups_add(&g, &d, &oom, &e), CV_OK);
        }
        assert_int_equal(g.n[1 - field], 1);
        cv_idb_groups_free(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clamscan_table),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_group_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
