/*
 * test_clamav_ftype.c - libclamav's typing of an object (lib/clamav/ftype.h)
 * on hand-written objects: the magic rows (last row first), text detection
 * when none matches, how body rows raise a type, which target each type
 * selects. Every expectation here was read off clamscan 1.4.6 --debug
 * ("Recognized ... file", "Type: CL_TYPE_..."); tests/diff/clam_types_diff.py
 * compares whole scans with clamscan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/ftype.h"
#include "clamav/sig.h"

static cv_ftypes types;

static uint16_t code(const char *name)
{
    uint16_t c = CV_FTYPE_NONE;
    assert_true(cv_filetype_lookup(name, strlen(name), &c));
    return c;
}

static const char *name_of(uint16_t c)
{
    return c == CV_FTYPE_NONE ? "none" : cv_filetype_names[c];
}

static void typed(const char *data, size_t len, const char *want)
{
    uint16_t got = cv_ftype_initial(&types, (const uint8_t *)data, len);
    if (strcmp(name_of(got), want) != 0)
        fail_msg("%s typed %s, want %s", data, name_of(got), want);
}

#define TYPED(s, want) typed(s, sizeof(s) - 1, want)

/* The built-in table, as a database without .ftm carries it. */
static void test_init(void **state)
{
    (void)state;
    assert_true(cv_ftypes_init(&types));
    size_t magic = 0, body = 0;
    for (size_t i = 0; i < cv_ftype_builtin_count; i++) {
        cv_ftype_row r;
        const char *row = cv_ftype_builtin_rows[i];
        if (!cv_ftype_row_parse(row, strlen(row), &r))
            fail_msg("built-in row %zu does not parse: %s", i, row);
        if (r.magictype == 0) {
            assert_true(cv_ftypes_add_magic(&types, &r));
            magic++;
        } else {
            body++;
        }
    }
    /* clamscan --debug: "Loaded 255 filetype definitions", of which 186
     * magic rows, 67 body rows and 2 partition rows */
    assert_int_equal(magic, 186);
    assert_int_equal(body, 67);
    assert_int_equal(types.nmagic, 186);
}

static void test_magic(void **state)
{
    (void)state;
    TYPED("MZ\x90\x00rest", "CL_TYPE_MSEXE");
    TYPED("\x7f" "ELF\x02\x01\x01", "CL_TYPE_ELF");
    TYPED("GIF89a....", "CL_TYPE_GIF");
    TYPED("\x89PNG\r\n\x1a\n", "CL_TYPE_PNG");
    TYPED("\xff\xd8\xff\xe0", "CL_TYPE_JPEG");
    TYPED("BM......", "CL_TYPE_GRAPHICS");
    TYPED("%PDF-1.4\n", "CL_TYPE_PDF");
    TYPED("FWS\x05....", "CL_TYPE_SWF");
    TYPED("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "CL_TYPE_MSOLE2");
    TYPED("From: someone\n", "CL_TYPE_MAIL");
    TYPED("OggS\x00....", "CL_TYPE_IGNORED");
    TYPED("PK\x03\x04....", "CL_TYPE_ZIP");
    /* two rows share "[aliases]": the later one (TAR-POSIX-CVE-2012-1419)
     * wins, libclamav prepends each row to its list */
    TYPED("[aliases]\nx=y\n", "CL_TYPE_POSIX_TAR");
    /* a magic row needs all of its bytes inside the first KiB */
    TYPED("MZ", "CL_TYPE_MSEXE");
    TYPED("GI", "CL_TYPE_TEXT_ASCII");
}

static void test_text(void **state)
{
    (void)state;
    TYPED("Hello, world\n", "CL_TYPE_TEXT_ASCII");
    TYPED("caf\xc3\xa9 au lait\n", "CL_TYPE_TEXT_ASCII"); /* UTF-8 reads as ASCII */
    TYPED("\xff\xfeh\x00i\x00", "CL_TYPE_TEXT_UTF16LE");
    TYPED("\xfe\xff\x00h\x00i", "CL_TYPE_TEXT_UTF16BE");
    TYPED("\x00\x01\x02\x03\x00\x00\x00\x00", "CL_TYPE_BINARY_DATA");
    uint16_t t = code("CL_TYPE_TEXT_UTF8");
    assert_true(cv_ftype_is_text(&types, t));
    assert_true(cv_ftype_is_raisable(&types, code("CL_TYPE_BINARY_DATA")));
    assert_false(cv_ftype_is_raisable(&types, code("CL_TYPE_MSEXE")));
    assert_false(cv_ftype_is_text(&types, code("CL_TYPE_BINARY_DATA")));
}

static void test_raise(void **state)
{
    (void)state;
    uint16_t none = CV_FTYPE_NONE, html = code("CL_TYPE_HTML"), mail = code("CL_TYPE_MAIL");
    uint16_t exe = code("CL_TYPE_MSEXE"), zipsfx = code("CL_TYPE_ZIPSFX");
    uint16_t pdf = code("CL_TYPE_PDF");
    assert_int_equal(cv_ftype_raise(&types, none, html), html);
    /* the higher type wins ... */
    assert_int_equal(cv_ftype_raise(&types, html, mail), mail);
    assert_int_equal(cv_ftype_raise(&types, mail, html), mail);
    assert_int_equal(cv_ftype_raise(&types, pdf, html), html);
    /* a compiled Python file with HTML in its first KiB is HTML to
     * clamscan 1.4.6 (PYTHON_COMPILED comes before HTML in cli_file_t) */
    uint16_t pyc = code("CL_TYPE_PYTHON_COMPILED"), lha = code("CL_TYPE_LHA_LZH");
    assert_int_equal(cv_ftype_raise(&types, pyc, html), html);
    assert_int_equal(cv_ftype_raise(&types, html, pyc), html);
    assert_int_equal(cv_ftype_raise(&types, lha, mail), mail);
    /* ... but an executable or an SFX-or-later type always replaces */
    assert_int_equal(cv_ftype_raise(&types, html, exe), exe);
    assert_int_equal(cv_ftype_raise(&types, mail, zipsfx), zipsfx);
    assert_int_equal(cv_ftype_raise(&types, zipsfx, html), zipsfx);
    assert_int_equal(cv_ftype_raise(&types, exe, html), html);
}

static void test_targets(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        uint32_t target;
    } cases[] = {
        {"CL_TYPE_MSEXE", 1},      {"CL_TYPE_MSOLE2", 2},  {"CL_TYPE_HTML", 3},
        {"CL_TYPE_MAIL", 4},       {"CL_TYPE_GRAPHICS", 5}, {"CL_TYPE_GIF", 5},
        {"CL_TYPE_PNG", 5},        {"CL_TYPE_JPEG", 5},     {"CL_TYPE_TIFF", 5},
        {"CL_TYPE_ELF", 6},        {"CL_TYPE_MACHO", 9},    {"CL_TYPE_MACHO_UNIBIN", 9},
        {"CL_TYPE_PDF", 10},       {"CL_TYPE_SWF", 11},     {"CL_TYPE_JAVA", 12},
        {"CL_TYPE_INTERNAL", 13},  {"CL_TYPE_TEXT_ASCII", 0}, {"CL_TYPE_BINARY_DATA", 0},
        {"CL_TYPE_ZIP", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (cv_ftype_target(&types, code(cases[i].type)) != cases[i].target)
            fail_msg("%s: target %u", cases[i].type, cv_ftype_target(&types, code(cases[i].type)));
    assert_true(cv_ftype_other_pass(&types, code("CL_TYPE_BINARY_DATA")));
    assert_true(cv_ftype_other_pass(&types, code("CL_TYPE_PYTHON_COMPILED")));
    assert_false(cv_ftype_other_pass(&types, code("CL_TYPE_TEXT_ASCII")));
}

static void test_body_rows(void **state)
{
    (void)state;
    size_t html = 0, mail = 0;
    for (size_t i = 0; i < cv_ftype_builtin_count; i++) {
        cv_ftype_row b;
        const char *row = cv_ftype_builtin_rows[i];
        assert_true(cv_ftype_row_parse(row, strlen(row), &b));
        html += b.magictype == 1 && b.type == code("CL_TYPE_HTML");
        mail += b.magictype == 1 && b.type == code("CL_TYPE_MAIL");
    }
    assert_int_equal(html, 24);
    assert_int_equal(mail, 6);
    /* where a row looks: anywhere, from n to n+shift, at len-n */
    cv_ftype_row any = {.magictype = 1, .anywhere = true}, at = {.magictype = 1, .value = 2},
                 range = {.magictype = 1, .shift = 1024},
                 eof = {.magictype = 1, .from_eof = true, .value = 512};
    assert_true(cv_ftype_body_at(&any, 12345, 20000));
    assert_true(cv_ftype_body_at(&at, 2, 10));
    assert_false(cv_ftype_body_at(&at, 3, 10));
    assert_true(cv_ftype_body_at(&range, 1024, 4000));
    assert_false(cv_ftype_body_at(&range, 1025, 4000));
    assert_true(cv_ftype_body_at(&eof, 1488, 2000));
    assert_false(cv_ftype_body_at(&eof, 1487, 2000));
    assert_false(cv_ftype_body_at(&eof, 0, 100));
    /* rows the table cannot hold */
    cv_ftype_row r;
    static const char part[] = "4:1024:482B0004:HFS+:CL_TYPE_PART_ANY:CL_TYPE_PART_HFSPLUS";
    static const char bad[] = "0:0:zz:Bad:CL_TYPE_ANY:CL_TYPE_GZ";
    static const char ab[] = "0:2:4142:AB:CL_TYPE_ANY:CL_TYPE_GZ";
    assert_false(cv_ftype_row_parse(part, strlen(part), &r));
    assert_false(cv_ftype_row_parse(bad, strlen(bad), &r));
    assert_true(cv_ftype_row_parse(ab, strlen(ab), &r));
    assert_int_equal(r.offset, 2);
    assert_int_equal(r.len, 2);
    assert_memory_equal(r.magic, "AB", 2);
}

static void test_teardown_table(void **state)
{
    (void)state;
    cv_ftypes_free(&types);
    assert_null(types.magic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),    cmocka_unit_test(test_magic),
        cmocka_unit_test(test_text),    cmocka_unit_test(test_raise),
        cmocka_unit_test(test_targets), cmocka_unit_test(test_body_rows),
        cmocka_unit_test(test_teardown_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
