/*
 * test_api_scanner.c - lib/api/scanner.c through the public API: a scan
 * records one match of a string that is only tested for presence, and the
 * first call that asks for its matches matches the object again in full, so
 * callers see every match (and, with VIGIL_SCAN_FAST, only the first, as yara
 * -f does). Counted strings are always recorded in full. Rules with equal
 * string-free gates share one evaluation of them, and only equal ones do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vigil.h"

static const char RULES[] = "rule present { strings: $p = \"ab\" condition: $p }\n"
                            "rule counted { strings: $c = \"cd\" condition: #c == 3 }\n"
                            "rule both { strings: $p = \"ab\" $c = \"cd\" condition: $p and $c }\n";
static const char DATA[] = "ab cd ab cd ab cd ab";

typedef struct seen {
    size_t rules;
    size_t count[3][2]; /* per rule (in order), per string: vigil_scanner_match_count */
    uint64_t last_offset[3][2];
} seen;

static size_t rule_index(const vigil_rule *r)
{
    const char *n = vigil_rule_name(r);
    return strcmp(n, "present") == 0 ? 0 : strcmp(n, "counted") == 0 ? 1 : 2;
}

static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *r, size_t string,
                             void *user)
{
    (void)string;
    seen *sn = user;
    if (ev != VIGIL_EV_RULE_MATCHING)
        return VIGIL_OK;
    size_t ri = rule_index(r);
    sn->rules++;
    for (size_t i = 0; i < vigil_rule_string_count(r); i++) {
        sn->count[ri][i] = vigil_scanner_match_count(s, r, i);
        if (sn->count[ri][i])
            sn->last_offset[ri][i] = vigil_scanner_match(s, r, i, sn->count[ri][i] - 1).offset;
    }
    return VIGIL_OK;
}

static vigil_db *build(void)
{
    vigil_compiler *c = NULL;
    vigil_db *db = NULL;
    assert_int_equal(vigil_compiler_new(&c), VIGIL_OK);
    assert_int_equal(vigil_compiler_add_string(c, RULES, strlen(RULES), NULL, "t.yar"), VIGIL_OK);
    assert_int_equal(vigil_compiler_build(c, &db), VIGIL_OK);
    vigil_compiler_free(c);
    return db;
}

static void scan(vigil_db *db, unsigned flags, seen *sn)
{
    vigil_scanner *s = NULL;
    assert_int_equal(vigil_scanner_new(db, &s), VIGIL_OK);
    vigil_scanner_set_flags(s, flags);
    memset(sn, 0, sizeof(*sn));
    /* twice: the second object must not inherit the first one's detail state */
    for (int round = 0; round < 2; round++) {
        memset(sn, 0, sizeof(*sn));
        assert_int_equal(vigil_scanner_scan_mem(s, (const uint8_t *)DATA, strlen(DATA), on_event,
                                                sn),
                         VIGIL_OK);
    }
    vigil_scanner_free(s);
}

static void test_presence_strings_are_detailed_on_demand(void **state)
{
    (void)state;
    vigil_db *db = build();
    seen sn;
    scan(db, 0, &sn);
    assert_int_equal(sn.rules, 3);
    assert_int_equal(sn.count[0][0], 4); /* present: $p, all four "ab" */
    assert_int_equal(sn.last_offset[0][0], 18);
    assert_int_equal(sn.count[1][0], 3); /* counted: $c */
    assert_int_equal(sn.count[2][0], 4);
    assert_int_equal(sn.count[2][1], 3);
    vigil_db_free(db);
}

static void test_fast_keeps_first_match(void **state)
{
    (void)state;
    vigil_db *db = build();
    seen sn;
    scan(db, VIGIL_SCAN_FAST, &sn);
    assert_int_equal(sn.rules, 3);
    assert_int_equal(sn.count[0][0], 1);
    assert_int_equal(sn.last_offset[0][0], 0);
    assert_int_equal(sn.count[1][0], 3); /* counted strings are never cut short */
    assert_int_equal(sn.count[2][0], 1);
    assert_int_equal(sn.count[2][1], 1);
    vigil_db_free(db);
}

static vigil_status collect_names(vigil_scanner *s, vigil_event ev, const vigil_rule *r,
                                  size_t string, void *user)
{
    (void)s;
    (void)string;
    if (ev == VIGIL_EV_RULE_MATCHING) {
        strcat(user, vigil_rule_name(r));
        strcat(user, " ");
    }
    return VIGIL_OK;
}

static void test_shared_gates(void **state)
{
    (void)state;
    static const char rules[] =
        "rule a { strings: $x = \"x\" condition: uint8(0) == 0x78 and $x }\n"
        "rule b { strings: $x = \"x\" condition: uint8(0) == 0x79 and $x }\n"
        "rule c { strings: $x = \"x\" condition: uint8(0) == 0x78 and $x }\n"
        "rule d { strings: $x = \"x\" condition: filesize < 3 and $x }\n"
        "rule e { strings: $x = \"x\" condition: filesize < 300 and $x }\n"
        "rule f { strings: $x = \"x\" condition: uint8(1) == 0x78 and $x }\n"
        "rule g { strings: $x = \"x\" condition: ext == 1 and $x }\n"
        "rule h { strings: $x = \"x\" condition: ext == 2 and $x }\n"
        "rule i { strings: $x = \"x\" condition: ext == 1 and filesize < 3 and $x }\n";
    vigil_compiler *c = NULL;
    vigil_db *db = NULL;
    assert_int_equal(vigil_compiler_new(&c), VIGIL_OK);
    assert_int_equal(vigil_compiler_define_int(c, "ext", 1), VIGIL_OK);
    assert_int_equal(vigil_compiler_add_string(c, rules, strlen(rules), NULL, "g.yar"), VIGIL_OK);
    assert_int_equal(vigil_compiler_build(c, &db), VIGIL_OK);
    vigil_compiler_free(c);
    vigil_scanner *s = NULL;
    assert_int_equal(vigil_scanner_new(db, &s), VIGIL_OK);
    char names[128] = "";
    assert_int_equal(vigil_scanner_scan_mem(s, (const uint8_t *)"xyz", 3, collect_names, names),
                     VIGIL_OK);
    assert_string_equal(names, "a c e g ");
    names[0] = '\0';
    assert_int_equal(vigil_scanner_define_int(s, "ext", 2), VIGIL_OK);
    assert_int_equal(vigil_scanner_scan_mem(s, (const uint8_t *)"yx", 2, collect_names, names),
                     VIGIL_OK);
    assert_string_equal(names, "b d e f h ");
    vigil_scanner_free(s);
    vigil_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presence_strings_are_detailed_on_demand),
        cmocka_unit_test(test_fast_keeps_first_match),
        cmocka_unit_test(test_shared_gates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
