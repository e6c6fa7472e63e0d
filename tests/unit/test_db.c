/*
 * test_db.c - the compiled database file (lib/db) through the public API: a
 * saved and reloaded rule set scans exactly like the one compiled in memory,
 * the files it came from (includes too, nested) are recorded with their
 * SHA-256, and every truncation and every single-byte change of a saved file
 * is refused with VIGIL_E_CORRUPT or VIGIL_E_VERSION, never a crash (run it
 * under ASan: that is where "never a crash" is checked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "db/db_format.h"
#include "vigil.h"

typedef struct fixture {
    char dir[64];
    char path[4][128]; /* top.yar, lib/one.yar, lib/two/two.yar, second.yar */
    const char *text[4];
    char db_path[128];
} fixture;

static const char TOP[] =
    "include \"lib/one.yar\"\n"
    "rule top_r : tag_a tag_b {\n"
    "  meta: author = \"vigil\" n = 3 ok = true\n"
    "  strings: $a = \"hello\" nocase $h = { 41 ?? 43 } $r = /wor[a-z]d/ wide ascii\n"
    "  condition: ($a or $h or $r) and one_r and ext_i > 2\n"
    "}\n";
static const char ONE[] = "include \"two/two.yar\"\nrule one_r { condition: two_r }\n";
static const char TWO[] = "rule two_r { strings: $x = \"xyz\" condition: $x or true }\n"
                          "private rule p_r { condition: filesize > 0 }\n"
                          "rule uses_p { condition: p_r and filesize > 100 }\n"
                          "rule uses_x { strings: $x = \"xyz\" condition: $x }\n";
static const char SECOND[] = "rule second { strings: $s = \"needle\" fullword\n"
                             "  condition: #s >= 1 and ext_s == \"on\" }\n";

/* Unlinks first: rewriting a file in place makes ext4 flush it on close
 * (auto_da_alloc), which turns the sweeps below into minutes of disk waits. */
static void write_file(const char *path, const void *data, size_t len)
{
    unlink(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/vigil_test_db.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/lib", fx->dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof(sub), "%s/lib/two", fx->dir);
    mkdir(sub, 0700);
    const char *rel[4] = {"top.yar", "lib/one.yar", "lib/two/two.yar", "second.yar"};
    const char *text[4] = {TOP, ONE, TWO, SECOND};
    for (int i = 0; i < 4; i++) {
        snprintf(fx->path[i], sizeof(fx->path[i]), "%s/%s", fx->dir, rel[i]);
        fx->text[i] = text[i];
        write_file(fx->path[i], text[i], strlen(text[i]));
    }
    snprintf(fx->db_path, sizeof(fx->db_path), "%s/rules.vdb", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

static vigil_db *compile_fixture(const fixture *fx)
{
    vigil_compiler *c;
    vigil_db *db = NULL;
    assert_int_equal(vigil_compiler_new(&c), VIGIL_OK);
    assert_int_equal(vigil_compiler_define_int(c, "ext_i", 5), VIGIL_OK);
    assert_int_equal(vigil_compiler_define_string(c, "ext_s", "on"), VIGIL_OK);
    assert_int_equal(vigil_compiler_add_file(c, fx->path[0], NULL), VIGIL_OK);
    assert_int_equal(vigil_compiler_add_file(c, fx->path[3], "second_ns"), VIGIL_OK);
    assert_int_equal(vigil_compiler_build(c, &db), VIGIL_OK);
    vigil_compiler_free(c);
    return db;
}

/* ---- scan results as one comparable string ---- */

typedef struct outcome {
    char text[4096];
    size_t len;
} outcome;

static void out_add(outcome *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->text + o->len, sizeof(o->text) - o->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(o->text) - o->len);
    o->len += (size_t)n;
}

static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *r, size_t str,
                             void *user)
{
    (void)str;
    outcome *o = user;
    if (ev != VIGIL_EV_RULE_MATCHING)
        return VIGIL_OK;
    out_add(o, "%s:%s[", vigil_rule_namespace(r), vigil_rule_name(r));
    for (size_t t = 0; t < vigil_rule_tag_count(r); t++)
        out_add(o, "%s,", vigil_rule_tag(r, t));
    for (size_t m = 0; m < vigil_rule_meta_count(r); m++) {
        vigil_meta me = vigil_rule_meta(r, m);
        out_add(o, "%s=%lld/%s,", me.name, (long long)me.i, me.s ? me.s : "");
    }
    for (size_t i = 0; i < vigil_rule_string_count(r); i++) {
        out_add(o, "%s:", vigil_rule_string_id(r, i));
        for (size_t k = 0; k < vigil_scanner_match_count(s, r, i); k++) {
            vigil_match m = vigil_scanner_match(s, r, i, k);
            out_add(o, "%llu+%u,", (unsigned long long)m.offset, m.length);
        }
    }
    out_add(o, "] ");
    return VIGIL_OK;
}

static const char *const INPUTS[] = {
    "",
    "hello AxC world",
    "xyz",
    "HeLLo needle",
    "w\0o\0r\0l\0d\0 needles",
    "xxABCxx the needle, xyz",
};
static const size_t INPUT_LEN[] = {0, 15, 3, 12, 18, 23};

static void scan_all(const vigil_db *db, outcome out[6])
{
    vigil_scanner *s;
    assert_int_equal(vigil_scanner_new(db, &s), VIGIL_OK);
    for (size_t i = 0; i < 6; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        assert_int_equal(
            vigil_scanner_scan_mem(s, (const uint8_t *)INPUTS[i], INPUT_LEN[i], on_event, &out[i]),
            VIGIL_OK);
    }
    vigil_scanner_free(s);
}

static void test_round_trip_scans_the_same(void **state)
{
    fixture *fx = *state;
    vigil_db *built = compile_fixture(fx);
    assert_int_equal(vigil_db_save(built, fx->db_path), VIGIL_OK);
    vigil_db *loaded = NULL;
    char err[256] = "";
    assert_int_equal(vigil_db_load(fx->db_path, &loaded, err, sizeof(err)), VIGIL_OK);
    assert_int_equal(vigil_db_rule_count(loaded), vigil_db_rule_count(built));

    outcome a[6], b[6];
    scan_all(built, a);
    scan_all(loaded, b);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(a[i].text, b[i].text);
    /* The results themselves are sane (not two identical empty lists). */
    assert_non_null(strstr(a[1].text, "default:top_r[tag_a,tag_b,"));
    assert_non_null(strstr(a[1].text, "$h:6+3,"));
    assert_non_null(strstr(a[3].text, "second_ns:second["));
    assert_null(strstr(a[4].text, "second_ns:second[")); /* "needles": not fullword */
    assert_non_null(strstr(a[4].text, "$r:0+10,"));      /* wide "world" */
    assert_non_null(strstr(a[0].text, "default:two_r["));
    assert_null(strstr(a[0].text, "uses_p"));
    assert_non_null(strstr(a[5].text, "default:uses_x[$x:20+3,]"));

    /* Saving a loaded database gives the same file. */
    char again[160];
    snprintf(again, sizeof(again), "%s/again.vdb", fx->dir);
    assert_int_equal(vigil_db_save(loaded, again), VIGIL_OK);
    size_t l1, l2;
    uint8_t *f1 = read_whole(fx->db_path, &l1);
    uint8_t *f2 = read_whole(again, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(f1, f2, l1);
    free(f1);
    free(f2);
    vigil_db_free(loaded);
    vigil_db_free(built);
}

static void sha256(const char *text, uint8_t out[VIGIL_DIGEST_LEN])
{
    unsigned int n = 0;
    assert_true(EVP_Digest(text, strlen(text), out, &n, EVP_sha256(), NULL));
    assert_int_equal(n, VIGIL_DIGEST_LEN);
}

static void check_sources(const fixture *fx, const vigil_db *db)
{
    /* In reading order: top.yar, its include, the include's include, then
     * the second top-level file. */
    static const int order[4] = {0, 1, 2, 3};
    assert_int_equal(vigil_db_source_count(db), 4);
    for (size_t i = 0; i < 4; i++) {
        const fixture *f = fx;
        uint8_t want[VIGIL_DIGEST_LEN];
        sha256(f->text[order[i]], want);
        assert_string_equal(vigil_db_source_path(db, i), f->path[order[i]]);
        assert_memory_equal(vigil_db_source_digest(db, i), want, VIGIL_DIGEST_LEN);
    }
    assert_null(vigil_db_source_path(db, 4));
    assert_null(vigil_db_source_digest(db, 4));
}

static void test_sources_recorded(void **state)
{
    fixture *fx = *state;
    vigil_db *built = compile_fixture(fx);
    check_sources(fx, built);
    assert_int_equal(vigil_db_save(built, fx->db_path), VIGIL_OK);
    vigil_db *loaded = NULL;
    assert_int_equal(vigil_db_load(fx->db_path, &loaded, NULL, 0), VIGIL_OK);
    check_sources(fx, loaded);
    vigil_db_free(loaded);
    vigil_db_free(built);
}

static void test_same_include_twice_recorded_once(void **state)
{
    fixture *fx = *state;
    char path[160];
    snprintf(path, sizeof(path), "%s/twice.yar", fx->dir);
    const char *text = "include \"lib/two/two.yar\"\nrule t { condition: two_r }\n";
    write_file(path, text, strlen(text));
    vigil_compiler *c;
    vigil_db *db = NULL;
    assert_int_equal(vigil_compiler_new(&c), VIGIL_OK);
    assert_int_equal(vigil_compiler_add_file(c, path, "a"), VIGIL_OK);
    assert_int_equal(vigil_compiler_add_file(c, path, "b"), VIGIL_OK);
    assert_int_equal(vigil_compiler_build(c, &db), VIGIL_OK);
    vigil_compiler_free(c);
    assert_int_equal(vigil_db_source_count(db), 2);
    assert_string_equal(vigil_db_source_path(db, 0), path);
    assert_string_equal(vigil_db_source_path(db, 1), fx->path[2]);
    vigil_db_free(db);
}

static void test_memory_sources_not_recorded(void **state)
{
    (void)state;
    vigil_compiler *c;
    vigil_db *db = NULL;
    assert_int_equal(vigil_compiler_new(&c), VIGIL_OK);
    const char *src = "rule m { condition: true }";
    assert_int_equal(vigil_compiler_add_string(c, src, strlen(src), NULL, "mem"), VIGIL_OK);
    assert_int_equal(vigil_compiler_build(c, &db), VIGIL_OK);
    vigil_compiler_free(c);
    assert_int_equal(vigil_db_source_count(db), 0);
    vigil_db_free(db);
}

/* The sweeps below load the file once per byte, so they use a small rule set
 * (the full fixture's Vectorscan database is ~100 KB); it still has every
 * section, an include among its sources and an external. */
static void save_small(const fixture *fx)
{
    char small[160];
    snprintf(small, sizeof(small), "%s/small.yar", fx->dir);
    const char *text =
        "include \"lib/one.yar\"\n"
        "rule s : t { meta: m = 1 strings: $a = \"abc\" condition: $a and ext_i > 1 }\n";
    write_file(small, text, strlen(text));
    vigil_compiler *c;
    vigil_db *db = NULL;
    assert_int_equal(vigil_compiler_new(&c), VIGIL_OK);
    assert_int_equal(vigil_compiler_define_int(c, "ext_i", 5), VIGIL_OK);
    assert_int_equal(vigil_compiler_add_file(c, small, NULL), VIGIL_OK);
    assert_int_equal(vigil_compiler_build(c, &db), VIGIL_OK);
    vigil_compiler_free(c);
    assert_int_equal(vigil_db_source_count(db), 3);
    assert_int_equal(vigil_db_save(db, fx->db_path), VIGIL_OK);
    vigil_db_free(db);
}

static void expect_refused(const char *path)
{
    vigil_db *db = (vigil_db *)1;
    char err[512] = "";
    vigil_status st = vigil_db_load(path, &db, err, sizeof(err));
    if (st != VIGIL_E_CORRUPT && st != VIGIL_E_VERSION)
        fail_msg("%s: status %s (%s)", path, vigil_status_str(st), err);
    assert_null(db);
    assert_true(err[0] != '\0');
}

static void test_every_truncation_refused(void **state)
{
    fixture *fx = *state;
    save_small(fx);
    size_t len;
    uint8_t *bytes = read_whole(fx->db_path, &len);
    char cut[160];
    snprintf(cut, sizeof(cut), "%s/cut.vdb", fx->dir);
    for (size_t n = 0; n < len; n++) {
        write_file(cut, bytes, n);
        expect_refused(cut);
    }
    /* and one byte too many */
    uint8_t *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, bytes, len);
    longer[len] = 0;
    write_file(cut, longer, len + 1);
    expect_refused(cut);
    free(longer);
    free(bytes);
}

static void test_every_byte_change_refused(void **state)
{
    fixture *fx = *state;
    save_small(fx);
    size_t len;
    uint8_t *bytes = read_whole(fx->db_path, &len);
    char bad[160];
    snprintf(bad, sizeof(bad), "%s/bad.vdb", fx->dir);
    /* Every byte once; the header (where checks differ field by field) with
     * more patterns. */
    static const uint8_t flips[] = {0xff, 0x01, 0x80};
    for (size_t f = 0; f < sizeof(flips); f++) {
        for (size_t i = 0; i < (f == 0 ? len : sizeof(db_header)); i++) {
            bytes[i] ^= flips[f];
            write_file(bad, bytes, len);
            bytes[i] ^= flips[f];
            expect_refused(bad);
        }
    }
    /* Untouched, it still loads: the refusals above were the changes. */
    write_file(bad, bytes, len);
    vigil_db *db = NULL;
    assert_int_equal(vigil_db_load(bad, &db, NULL, 0), VIGIL_OK);
    vigil_db_free(db);
    free(bytes);
}

static void test_foreign_version_refused(void **state)
{
    fixture *fx = *state;
    vigil_db *built = compile_fixture(fx);
    assert_int_equal(vigil_db_save(built, fx->db_path), VIGIL_OK);
    vigil_db_free(built);
    size_t len;
    uint8_t *bytes = read_whole(fx->db_path, &len);
    db_header h;
    assert_true(len >= sizeof(h));
    memcpy(&h, bytes, sizeof(h));
    h.format_version = DB_FORMAT_VERSION + 1;
    memcpy(bytes, &h, sizeof(h));
    write_file(fx->db_path, bytes, len);
    vigil_db *db = (vigil_db *)1;
    char err[512] = "";
    assert_int_equal(vigil_db_load(fx->db_path, &db, err, sizeof(err)), VIGIL_E_VERSION);
    assert_null(db);
    assert_non_null(strstr(err, "recompile"));
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_scans_the_same, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sources_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_include_twice_recorded_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_sources_not_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_truncation_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_byte_change_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_version_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
