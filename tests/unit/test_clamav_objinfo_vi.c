/*
 * test_clamav_objinfo_vi.c - VI offsets (lib/clamav/objinfo_vi.c): the PE
 * version-information key offsets libclamav's cli_peheader collects, and VI
 * subsignatures lowered and evaluated against them (lib/clamav/lower.c,
 * lib/eval/clamav.c).
 *
 * Every expected key set below was read off clamscan 1.4.6 --debug
 * ("VersionInfo (<offset>)" and "cli_ac_scanbuff: VI match for offset")
 * on the files `--samples DIR` writes; tests/diff/clam_vi_diff.py compares
 * vigil clamscan with clamscan on many generated files.
 *
 * Modes: no argument runs the tests; `--dump FILE...` prints each file's
 * keys ("FILE: off off ...", hexadecimal); `--samples DIR` writes the
 * sample files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/lower.h"
#include "clamav/objinfo.h"
#include "eval/eval.h"
#include "ir/ir.h"
#include "pe_build.h"

/* pe_build's version resource: data entry at file 0xa48 (RVA, size), the
 * VS_VERSION_INFO at file 0xb00 (RVA 0x2500), room up to PB_SIZE. */
#define VS_OFF 0xb00u
#define ENTRY_OFF 0xa48u
#define ROOM (PB_SIZE - VS_OFF)

/* ---- a version resource writer ------------------------------------------ */

typedef struct vw {
    uint8_t *p;
    size_t n;
} vw;

static void w16(vw *w, size_t at, uint16_t v)
{
    pb16(w->p + at, v);
}

static void pad(vw *w)
{
    while (w->n % 4)
        w->p[w->n++] = 0;
}

/* A node header and key: returns its start (its length is patched by
 * close_node). */
static size_t open_node(vw *w, const char *key, uint16_t vlen, uint16_t type)
{
    size_t at = w->n;
    w16(w, at + 2, vlen);
    w16(w, at + 4, type);
    w->n += 6;
    w->n += pbw(w->p + w->n, key);
    pad(w);
    return at;
}

static void close_node(vw *w, size_t at)
{
    w16(w, at, (uint16_t)(w->n - at));
}

/* A String: key, value (NULL: none). Returns the key's offset in w. */
static size_t string(vw *w, const char *key, const char *value)
{
    pad(w);
    size_t at = open_node(w, key, value ? (uint16_t)(strlen(value) + 1) : 0, 1);
    if (value)
        w->n += pbw(w->p + w->n, value);
    close_node(w, at);
    return at + 6;
}

static size_t vs_open(vw *w)
{
    size_t at = open_node(w, "VS_VERSION_INFO", 0x34, 0);
    pb32(w->p + w->n, 0xfeef04bd);
    w->n += 52;
    return at;
}

static void var_file_info(vw *w)
{
    pad(w);
    size_t at = open_node(w, "VarFileInfo", 0, 1);
    size_t t = open_node(w, "Translation", 4, 0);
    pb32(w->p + w->n, 0x04b00409);
    w->n += 4;
    close_node(w, t);
    close_node(w, at);
}

/* pe_build with the version resource replaced by the one build() writes;
 * keys[] receives the file offsets build() expects (k of them). */
typedef size_t (*vs_builder)(vw *w, size_t *keys);

static size_t pe_with(uint8_t *b, bool is64, vs_builder build, size_t *keys, size_t *nkeys)
{
    size_t size = pe_build(b, is64, 0);
    memset(b + VS_OFF, 0, ROOM);
    vw w = {b + VS_OFF, 0};
    size_t k = build(&w, keys);
    for (size_t i = 0; i < k; i++)
        keys[i] += VS_OFF;
    *nkeys = k;
    pb32(b + ENTRY_OFF + 4, (uint32_t)w.n);
    return size;
}

/* ---- the samples (each checked with clamscan 1.4.6) --------------------- */

/* VarFileInfo first, two string tables, an empty value (still a key: the
 * value keeps its NUL), a string with no value at all (skipped). */
static size_t vs_good(vw *w, size_t *keys)
{
    size_t k = 0, vs = vs_open(w);
    var_file_info(w);
    pad(w);
    size_t sfi = open_node(w, "StringFileInfo", 0, 1);
    size_t t1 = open_node(w, "040904b0", 0, 1);
    keys[k++] = string(w, "CompanyName", "Vigil");
    keys[k++] = string(w, "FileDescription", "");
    string(w, "Comments", NULL);
    keys[k++] = string(w, "ProductName", "Test");
    pad(w);
    close_node(w, t1);
    size_t t2 = open_node(w, "040704b0", 0, 1);
    keys[k++] = string(w, "X", "1.0");
    pad(w);
    close_node(w, t2);
    close_node(w, sfi);
    close_node(w, vs);
    return k;
}

/* A key with no NUL before the string ends is skipped; the next string is
 * still read. */
static size_t vs_key_overflow(vw *w, size_t *keys)
{
    size_t k = 0, vs = vs_open(w);
    size_t sfi = open_node(w, "StringFileInfo", 0, 1);
    size_t t = open_node(w, "040904b0", 0, 1);
    size_t s = w->n;
    string(w, "AAAAAAAA", NULL);
    w16(w, s, 20); /* 6 + 14 bytes of key: its NUL lies beyond */
    w->n = s + 20;
    keys[k++] = string(w, "ProductName", "Test");
    pad(w);
    close_node(w, t);
    close_node(w, sfi);
    close_node(w, vs);
    return k;
}

/* The last string's length rounded up to 4 passes its table's end: the
 * StringFileInfo ends there (the next table is not read). */
static size_t vs_table_overflow(vw *w, size_t *keys)
{
    size_t k = 0, vs = vs_open(w);
    size_t sfi = open_node(w, "StringFileInfo", 0, 1);
    size_t t1 = open_node(w, "040904b0", 0, 1);
    keys[k++] = string(w, "CompanyName", "Vigil");
    string(w, "ProductName", "Te"); /* 6 + 24 + 2 + 6 = 38: rounds to 40 */
    close_node(w, t1);              /* not padded: the table ends at 38 */
    size_t t2 = open_node(w, "040704b0", 0, 1);
    string(w, "Lost", "x");
    pad(w);
    close_node(w, t2);
    close_node(w, sfi);
    close_node(w, vs);
    return k;
}

/* The fixed-info magic is wrong: nothing. */
static size_t vs_bad_magic(vw *w, size_t *keys)
{
    vs_good(w, keys);
    pb32(w->p + 0x28, 0xfeef04be);
    return 0;
}

/* A second VarFileInfo ends the walk (only one may precede the
 * StringFileInfo). */
static size_t vs_two_var(vw *w, size_t *keys)
{
    (void)keys;
    size_t vs = vs_open(w);
    var_file_info(w);
    var_file_info(w);
    pad(w);
    size_t sfi = open_node(w, "StringFileInfo", 0, 1);
    size_t t = open_node(w, "040904b0", 0, 1);
    string(w, "CompanyName", "Vigil");
    pad(w);
    close_node(w, t);
    close_node(w, sfi);
    close_node(w, vs);
    return 0;
}

typedef struct sample {
    const char *name;
    vs_builder build; /* NULL: pe_build as it is */
    bool is64;
} sample;

static const sample samples[] = {
    {"vi_pe_build32", NULL, false},
    {"vi_pe_build64", NULL, true},
    {"vi_good", vs_good, false},
    {"vi_good64", vs_good, true},
    {"vi_key_overflow", vs_key_overflow, false},
    {"vi_table_overflow", vs_table_overflow, false},
    {"vi_bad_magic", vs_bad_magic, false},
    {"vi_two_var", vs_two_var, false},
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static size_t sample_file(const sample *s, uint8_t *b, size_t *keys, size_t *nkeys)
{
    if (!s->build) {
        /* pe_build's second string overruns its table once rounded up to
         * 4 (110 - 24 - 44 = 42 < 44): only CompanyName counts */
        keys[0] = 0xb9e;
        *nkeys = 1;
        return pe_build(b, s->is64, 0);
    }
    return pe_with(b, s->is64, s->build, keys, nkeys);
}

static void expect_keys(const uint8_t *b, size_t len, const size_t *want, size_t nwant,
                        const char *name)
{
    cv_objinfo oi;
    cv_objinfo_init(&oi, b, len);
    uint32_t *keys;
    size_t n;
    assert_true(cv_objinfo_version_keys(&oi, &keys, &n));
    if (n != nwant)
        fail_msg("%s: %zu keys, expected %zu", name, n, nwant);
    for (size_t i = 0; i < n; i++) {
        if (keys[i] != want[i])
            fail_msg("%s: key %zu at %#x, expected %#zx", name, i, keys[i], want[i]);
        assert_true(cv_version_key_in(keys, n, want[i]));
        assert_false(cv_version_key_in(keys, n, want[i] + 2));
    }
    free(keys);
}

static void test_samples(void **state)
{
    (void)state;
    static uint8_t b[PB_SIZE];
    size_t keys[32], n;
    for (size_t i = 0; i < NSAMPLES; i++) {
        memset(b, 0, sizeof(b));
        size_t len = sample_file(&samples[i], b, keys, &n);
        expect_keys(b, len, keys, n, samples[i].name);
    }
}

/* Directory-level cases on pe_build32: no resource directory, a size of
 * 0, data past the end of the file, a leaf turned into a subdirectory, a
 * type other than RT_VERSION, files that are not PE. */
static void test_directory(void **state)
{
    (void)state;
    static uint8_t b[PB_SIZE];
    size_t one = 0xb9e;
    pe_build(b, false, 0);
    expect_keys(b, PB_SIZE, &one, 1, "pe_build");
    /* NumberOfRvaAndSizes 2 (the optional header still holds 16) */
    uint8_t *ndirs = b + PB_NT + 24 + 92;
    pb32(ndirs, 2);
    expect_keys(b, PB_SIZE, NULL, 0, "ndirs 2");
    pb32(ndirs, 16);
    pb32(b + PB_NT + 24 + 96 + 20, 0); /* resource directory size 0 */
    expect_keys(b, PB_SIZE, NULL, 0, "size 0");
    pe_build(b, false, 0);
    pb32(b + ENTRY_OFF + 4, PB_SIZE); /* data past the end of the file */
    expect_keys(b, PB_SIZE, NULL, 0, "data past EOF");
    pe_build(b, false, 0);
    pb32(b + 0xa00 + 0x30 + 20, 0x80000048); /* the language entry: a subdirectory */
    expect_keys(b, PB_SIZE, NULL, 0, "no leaf");
    pe_build(b, false, 0);
    pb32(b + 0xa00 + 16, 0x11); /* type 0x11, not RT_VERSION */
    expect_keys(b, PB_SIZE, NULL, 0, "other type");
    static const uint8_t elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    expect_keys(elf, sizeof(elf), NULL, 0, "ELF");
    expect_keys((const uint8_t *)"MZ", 2, NULL, 0, "MZ alone");
}

/* Every truncation and every single-byte change of the good sample stays
 * in bounds (ASan) and yields sorted, unique keys. */
static void test_hostile(void **state)
{
    (void)state;
    static uint8_t b[PB_SIZE], m[PB_SIZE];
    size_t keys[32], n;
    size_t len = pe_with(b, false, vs_good, keys, &n);
    for (size_t cut = 0; cut <= len; cut += (cut < 0x9f0 ? 64 : 1)) {
        uint8_t *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, b, cut);
        cv_objinfo oi;
        cv_objinfo_init(&oi, copy, cut);
        uint32_t *k;
        size_t kn;
        assert_true(cv_objinfo_version_keys(&oi, &k, &kn));
        for (size_t i = 1; i < kn; i++)
            assert_true(k[i - 1] < k[i]);
        free(k);
        free(copy);
    }
    uint32_t x = 7;
    for (int round = 0; round < 4000; round++) {
        memcpy(m, b, len);
        for (int j = 0; j < 3; j++) {
            x = x * 1103515245u + 12345u;
            size_t at = 0x9f0 + (x >> 8) % (0xc00 - 0x9f0);
            x = x * 1103515245u + 12345u;
            m[at] = (uint8_t)(x >> 16);
        }
        cv_objinfo oi;
        cv_objinfo_init(&oi, m, len);
        uint32_t *k;
        size_t kn;
        assert_true(cv_objinfo_version_keys(&oi, &k, &kn));
        for (size_t i = 0; i < kn; i++)
            assert_true(k[i] < len);
        free(k);
    }
}

/* ---- VI subsignatures lowered and evaluated ----------------------------- */

static const mt_match *g_m;
static size_t g_n;

static const mt_match *get_matches(const void *user, uint32_t s, size_t *n)
{
    (void)user;
    (void)s;
    *n = g_n;
    return g_m;
}

/* The verdict of one .ldb or .ndb line on data, its one string matching at
 * the given offsets. */
static bool verdict(bool ldb, const char *line, const uint8_t *data, size_t len, const uint64_t *at,
                    size_t nat)
{
    cv_arena a;
    cv_arena_init(&a);
    cv_error err;
    ir_program p;
    ir_init(&p);
    cv_origin o = {ldb ? "ldb" : "ndb", "test", 1};
    if (ldb) {
        cv_ldb *sig = cv_alloc(&a, sizeof(*sig));
        assert_non_null(sig);
        if (cv_parse_ldb(line, strlen(line), &a, sig, &err) != CV_OK)
            fail_msg("%s: %s", line, err.msg);
        assert_int_equal(cv_lower_ldb(&p, sig, "T.UNOFFICIAL", &o), VIGIL_OK);
    } else {
        cv_ndb *sig = cv_alloc(&a, sizeof(*sig));
        assert_non_null(sig);
        if (cv_parse_ndb(line, strlen(line), &a, sig, &err) != CV_OK)
            fail_msg("%s: %s", line, err.msg);
        assert_int_equal(cv_lower_ndb(&p, sig, "T.UNOFFICIAL", &o), VIGIL_OK);
    }
    mt_match m[8];
    for (size_t i = 0; i < nat && i < 8; i++)
        m[i] = (mt_match){at[i], 4, 0};
    g_m = m;
    g_n = nat;
    ev_state *st;
    assert_int_equal(ev_state_new(&p, &st), VIGIL_OK);
    cv_objinfo oi;
    cv_objinfo_init(&oi, data, len);
    ev_input in = {.prog = &p, .data = data, .len = len, .clam = &oi, .get_matches = get_matches};
    uint8_t res[1] = {0};
    assert_int_equal(ev_run(st, &in, res), VIGIL_OK);
    ev_state_free(st);
    ir_free(&p);
    cv_arena_free(&a);
    return res[0];
}

/* Checked with clamscan 1.4.6 on vi_good: a match counts only where it
 * starts at a key; ",MaxShift" is ignored; counts are those matches; a
 * pattern split at "*" or {n-m} needs every part at a key (not modelled:
 * never true here, see lower.c). */
static void test_lowering(void **state)
{
    (void)state;
    static uint8_t b[PB_SIZE];
    size_t keys[32], n;
    size_t len = pe_with(b, false, vs_good, keys, &n);
    assert_int_equal(n, 4);
    const uint64_t at_key[] = {keys[0]}, off_key[] = {keys[0] + 2}, two[] = {keys[0], keys[2]},
                   mixed[] = {keys[0] + 2, keys[1], keys[1] + 4};
    const char *one = "T;Engine:51-255,Target:1;0;VI:43006f006d00";
    assert_true(verdict(true, one, b, len, at_key, 1));
    assert_false(verdict(true, one, b, len, off_key, 1));
    assert_false(verdict(true, one, b, len, NULL, 0));
    assert_true(verdict(true, "T;Engine:51-255,Target:1;0;VI,8:43006f006d00", b, len, at_key, 1));
    assert_false(verdict(true, "T;Engine:51-255,Target:1;0;VI,8:43006f006d00", b, len, off_key, 1));
    /* counts: only the matches at keys */
    assert_true(verdict(true, "T;Engine:51-255,Target:1;0>1;VI:43006f006d00", b, len, two, 2));
    assert_false(verdict(true, "T;Engine:51-255,Target:1;0>1;VI:43006f006d00", b, len, mixed, 3));
    assert_true(verdict(true, "T;Engine:51-255,Target:1;0=1;VI:43006f006d00", b, len, mixed, 3));
    assert_true(verdict(true, "T;Engine:51-255,Target:1;0=2;VI:43006f006d00", b, len, two, 2));
    /* a split pattern is never true */
    assert_false(verdict(true, "T;Engine:51-255,Target:1;0;VI:43006f00*6d00", b, len, at_key, 1));
    /* .ndb: target 1 */
    assert_true(verdict(false, "T:1:VI:43006f006d00", b, len, at_key, 1));
    assert_false(verdict(false, "T:1:VI:43006f006d00", b, len, off_key, 1));
    /* a file with no version information */
    static uint8_t plain[PB_SIZE];
    pe_build(plain, false, 0);
    pb32(plain + PB_NT + 24 + 96 + 20, 0);
    assert_false(verdict(true, one, plain, PB_SIZE, at_key, 1));
}

/* ---- --dump and --samples ------------------------------------------------ */

static int dump_files(int argc, char **argv)
{
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            rc = 2;
            continue;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
        if (d && (n <= 0 || fread(d, 1, (size_t)n, f) == (size_t)n)) {
            cv_objinfo oi;
            cv_objinfo_init(&oi, d, n > 0 ? (size_t)n : 0);
            uint32_t *keys;
            size_t nk;
            printf("%s:", argv[i]);
            if (cv_objinfo_version_keys(&oi, &keys, &nk)) {
                for (size_t k = 0; k < nk; k++)
                    printf(" %x", keys[k]);
                free(keys);
            }
            printf("\n");
        } else {
            rc = 2;
        }
        free(d);
        fclose(f);
    }
    return rc;
}

static int write_samples(const char *dir)
{
    static uint8_t b[PB_SIZE];
    size_t keys[32], n;
    char path[4096];
    for (size_t i = 0; i < NSAMPLES; i++) {
        memset(b, 0, sizeof(b));
        size_t len = sample_file(&samples[i], b, keys, &n);
        snprintf(path, sizeof(path), "%s/%s", dir, samples[i].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(b, 1, len, f) != len) {
            if (f)
                fclose(f);
            return 2;
        }
        fclose(f);
        printf("%s:", samples[i].name);
        for (size_t k = 0; k < n; k++)
            printf(" %zx", keys[k]);
        printf("\n");
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--dump") == 0)
        return dump_files(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "--samples") == 0)
        return write_samples(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_lowering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
