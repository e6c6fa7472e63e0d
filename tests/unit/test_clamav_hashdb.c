/*
 * test_clamav_hashdb.c - ClamAV hash signature tables (lib/clamav/hashdb.h):
 * building, serializing, opening and looking up (hits, misses, any size,
 * one hash under several sizes, kinds and allow lists kept apart, sources
 * and lines), clamscan's choice among duplicates (cases whose answers were
 * taken from clamscan 1.4.6), a table large enough for several fence
 * blocks, and damaged blobs (every truncation, corrupted header and table
 * fields, random byte flips) refused or read within bounds under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "clamav/hashdb.h"

/* ---- helpers ----------------------------------------------------------- */

static cv_hashsig sig(cv_hash_kind kind, cv_hash_algo algo, const uint8_t *digest, uint32_t size)
{
    cv_hashsig s;
    memset(&s, 0, sizeof(s));
    s.kind = kind;
    s.algo = algo;
    memcpy(s.digest, digest, algo);
    s.any_size = size == 0;
    s.size = size;
    return s;
}

static void digest_fill(uint8_t *d, uint8_t seed)
{
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static void add(cv_hashdb_builder *b, cv_hash_kind kind, cv_hash_algo algo, const uint8_t *d,
                uint32_t size, const char *name, bool allow, const char *src, uint32_t line)
{
    cv_hashsig s = sig(kind, algo, d, size);
    cv_error err;
    if (!cv_hashdb_add(b, &s, name, allow, src, line, &err))
        fail_msg("add %s: %s", name, err.msg);
}

typedef struct blob {
    uint8_t *p;
    size_t len;
    cv_hashdb_view v;
} blob;

static void finish(cv_hashdb_builder *b, blob *out)
{
    cv_error err;
    if (!cv_hashdb_serialize(b, &out->p, &out->len, &err))
        fail_msg("serialize: %s", err.msg);
    assert_int_equal(out->len % 8, 0);
    if (!cv_hashdb_open(out->p, out->len, &out->v, &err))
        fail_msg("open: %s", err.msg);
}

#define MAX_HITS 64
typedef struct hits {
    size_t n;
    cv_hashdb_ref ref[MAX_HITS];
    bool primary[MAX_HITS];
    size_t stop_after; /* 0: never */
} hits;

static bool on_hit(void *user, cv_hashdb_ref ref, bool primary)
{
    hits *h = user;
    if (h->n < MAX_HITS) {
        h->ref[h->n] = ref;
        h->primary[h->n] = primary;
    }
    h->n++;
    return !(h->stop_after && h->n >= h->stop_after);
}

static size_t look(const cv_hashdb_view *v, cv_hash_kind kind, bool allow, cv_hash_algo algo,
                   uint64_t size, const uint8_t *d, hits *h)
{
    memset(h, 0, sizeof(*h));
    size_t n = cv_hashdb_lookup(v, kind, allow, algo, size, d, on_hit, h);
    assert_int_equal(n, h->n);
    return n;
}

static const char *name_of(const cv_hashdb_view *v, cv_hashdb_ref r)
{
    cv_hashdb_entry e;
    assert_true(cv_hashdb_entry_get(v, r, &e));
    return e.name;
}

/* ---- building and lookups ---------------------------------------------- */

static void test_basic(void **state)
{
    (void)state;
    uint8_t d1[32], d2[32], d3[32], d4[32], other[32];
    digest_fill(d1, 1);
    digest_fill(d2, 2);
    digest_fill(d3, 3);
    digest_fill(d4, 4);
    digest_fill(other, 9);
    cv_hashdb_builder *b = cv_hashdb_builder_new();
    add(b, CV_HASH_FILE, CV_MD5, d1, 68, "Eicar-Test-Signature", false, "main.cvd:main.hdb", 7);
    add(b, CV_HASH_FILE, CV_SHA1, d2, 100, "Sha1.UNOFFICIAL", false, "x.hsb", 1);
    add(b, CV_HASH_FILE, CV_SHA256, d3, 4096, "Sha256.UNOFFICIAL", false, "x.hsb", 2);
    add(b, CV_HASH_FILE, CV_SHA256, d4, 0, "Wild.UNOFFICIAL", false, "x.hsb", 3);
    assert_int_equal(cv_hashdb_builder_count(b), 4);
    blob B;
    finish(b, &B);
    hits h;

    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 68, d1, &h), 1);
    assert_true(h.primary[0]);
    cv_hashdb_entry e;
    assert_true(cv_hashdb_entry_get(&B.v, h.ref[0], &e));
    assert_string_equal(e.name, "Eicar-Test-Signature");
    assert_string_equal(e.source, "main.cvd:main.hdb");
    assert_int_equal(e.line, 7);
    assert_int_equal(e.size, 68);
    assert_false(e.any_size);
    assert_false(e.allow);
    assert_int_equal(e.kind, CV_HASH_FILE);
    assert_int_equal(e.algo, CV_MD5);
    assert_memory_equal(e.digest, d1, 16);

    /* misses: size, digest, algorithm, kind, allow list */
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 69, d1, &h), 0);
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 68, other, &h), 0);
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_SHA1, 68, d1, &h), 0);
    assert_int_equal(look(&B.v, CV_HASH_SECTION, false, CV_MD5, 68, d1, &h), 0);
    assert_int_equal(look(&B.v, CV_HASH_FILE, true, CV_MD5, 68, d1, &h), 0);
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 0, d1, &h), 0);

    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_SHA1, 100, d2, &h), 1);
    assert_string_equal(name_of(&B.v, h.ref[0]), "Sha1.UNOFFICIAL");
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_SHA256, 4096, d3, &h), 1);
    assert_true(cv_hashdb_entry_get(&B.v, h.ref[0], &e));
    assert_int_equal(e.line, 2);
    assert_string_equal(e.source, "x.hsb");

    /* any size: every size, including those no sized entry has */
    for (uint64_t sz = 0; sz < 3; sz++) {
        assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_SHA256, sz * 1000003, d4, &h), 1);
        assert_true(cv_hashdb_entry_get(&B.v, h.ref[0], &e));
        assert_true(e.any_size);
        assert_string_equal(e.name, "Wild.UNOFFICIAL");
    }
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_SHA256, (uint64_t)1 << 40, d4, &h), 1);

    /* wants: MD5 only for size 68, SHA-256 always (any-size table) */
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_FILE, false, 68),
                     CV_HASHDB_WANT_MD5 | CV_HASHDB_WANT_SHA256);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_FILE, false, 100),
                     CV_HASHDB_WANT_SHA1 | CV_HASHDB_WANT_SHA256);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_FILE, false, 5), CV_HASHDB_WANT_SHA256);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_SECTION, false, 68), 0);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_FILE, true, 68), 0);
    assert_int_equal(cv_hashdb_algos(&B.v, CV_HASH_FILE, false), 7);
    assert_int_equal(cv_hashdb_algos(&B.v, CV_HASH_IMPORT, false), 0);
    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_FILE, false), 4);
    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_FILE, true), 0);

    free(B.p);
    cv_hashdb_builder_free(b);
}

static void test_sizes_kinds_allow(void **state)
{
    (void)state;
    uint8_t d[32], e2[32];
    digest_fill(d, 5);
    digest_fill(e2, 6);
    cv_hashdb_builder *b = cv_hashdb_builder_new();
    add(b, CV_HASH_FILE, CV_MD5, d, 10, "Ten", false, "a.hdb", 1);
    add(b, CV_HASH_FILE, CV_MD5, d, 20, "Twenty", false, "a.hdb", 2);
    add(b, CV_HASH_FILE, CV_MD5, d, 0, "Any", false, "a.hdb", 3);
    add(b, CV_HASH_SECTION, CV_MD5, d, 10, "Section", false, "a.mdb", 1);
    add(b, CV_HASH_SECTION, CV_SHA256, e2, 0, "SectionAny", false, "a.msb", 1);
    add(b, CV_HASH_IMPORT, CV_MD5, d, 10, "Import", false, "a.imp", 1);
    add(b, CV_HASH_FILE, CV_MD5, d, 10, "Allowed", true, "a.fp", 1);
    add(b, CV_HASH_FILE, CV_SHA256, e2, 0, "AllowedAny", true, "a.sfp", 4);
    blob B;
    finish(b, &B);
    hits h;

    /* sized match first, then the any-size one; each primary in its table */
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 10, d, &h), 2);
    assert_string_equal(name_of(&B.v, h.ref[0]), "Ten");
    assert_string_equal(name_of(&B.v, h.ref[1]), "Any");
    assert_true(h.primary[0] && h.primary[1]);
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 20, d, &h), 2);
    assert_string_equal(name_of(&B.v, h.ref[0]), "Twenty");
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 15, d, &h), 1);
    assert_string_equal(name_of(&B.v, h.ref[0]), "Any");

    /* a callback that stops after the first match */
    memset(&h, 0, sizeof(h));
    h.stop_after = 1;
    assert_int_equal(cv_hashdb_lookup(&B.v, CV_HASH_FILE, false, CV_MD5, 10, d, on_hit, &h), 1);

    assert_int_equal(look(&B.v, CV_HASH_SECTION, false, CV_MD5, 10, d, &h), 1);
    assert_string_equal(name_of(&B.v, h.ref[0]), "Section");
    assert_int_equal(look(&B.v, CV_HASH_SECTION, false, CV_SHA256, 77, e2, &h), 1);
    assert_string_equal(name_of(&B.v, h.ref[0]), "SectionAny");
    assert_int_equal(look(&B.v, CV_HASH_IMPORT, false, CV_MD5, 10, d, &h), 1);
    assert_string_equal(name_of(&B.v, h.ref[0]), "Import");
    assert_int_equal(look(&B.v, CV_HASH_IMPORT, false, CV_MD5, 20, d, &h), 0);
    assert_int_equal(look(&B.v, CV_HASH_FILE, true, CV_MD5, 10, d, &h), 1);
    cv_hashdb_entry e;
    assert_true(cv_hashdb_entry_get(&B.v, h.ref[0], &e));
    assert_string_equal(e.name, "Allowed");
    assert_true(e.allow);
    assert_int_equal(look(&B.v, CV_HASH_FILE, true, CV_SHA256, 3, e2, &h), 1);
    assert_true(cv_hashdb_entry_get(&B.v, h.ref[0], &e));
    assert_string_equal(e.source, "a.sfp");
    assert_int_equal(e.line, 4);
    /* allow sets exist only for whole-file hashes */
    assert_int_equal(look(&B.v, CV_HASH_SECTION, true, CV_MD5, 10, d, &h), 0);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_SECTION, true, 10), 0);

    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_FILE, false), 3);
    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_SECTION, false), 2);
    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_IMPORT, false), 1);
    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_FILE, true), 2);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_FILE, true, 10),
                     CV_HASHDB_WANT_MD5 | CV_HASHDB_WANT_SHA256);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_IMPORT, false, 11), 0);

    free(B.p);
    cv_hashdb_builder_free(b);
}

static void test_add_refused(void **state)
{
    (void)state;
    uint8_t d[32];
    digest_fill(d, 1);
    cv_hashdb_builder *b = cv_hashdb_builder_new();
    cv_error err;
    cv_hashsig s = sig(CV_HASH_FILE, CV_MD5, d, 10);
    s.algo = (cv_hash_algo)17;
    assert_false(cv_hashdb_add(b, &s, "X", false, "a", 1, &err));
    s = sig(CV_HASH_FILE, CV_MD5, d, 10);
    s.size = 0; /* size 0 without "*" */
    assert_false(cv_hashdb_add(b, &s, "X", false, "a", 1, &err));
    s.size = 0xffffffffu;
    assert_false(cv_hashdb_add(b, &s, "X", false, "a", 1, &err));
    s = sig(CV_HASH_SECTION, CV_MD5, d, 10);
    assert_false(cv_hashdb_add(b, &s, "X", true, "a", 1, &err));
    s.kind = (cv_hash_kind)7;
    assert_false(cv_hashdb_add(b, &s, "X", false, "a", 1, &err));
    s = sig(CV_HASH_FILE, CV_MD5, d, 10);
    assert_false(cv_hashdb_add(b, &s, NULL, false, "a", 1, &err));
    assert_false(cv_hashdb_add(b, &s, "X", false, NULL, 1, &err));
    s.size = 0xfffffffeu; /* the largest size libclamav takes */
    assert_true(cv_hashdb_add(b, &s, "X", false, "a", 1, &err));
    assert_int_equal(cv_hashdb_builder_count(b), 1);
    blob B;
    finish(b, &B);
    hits h;
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 0xfffffffeu, d, &h), 1);
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 0xffffffffu, d, &h), 0);
    free(B.p);
    cv_hashdb_builder_free(b);
    cv_hashdb_builder_free(NULL);
}

static void test_empty(void **state)
{
    (void)state;
    cv_hashdb_builder *b = cv_hashdb_builder_new();
    blob B;
    finish(b, &B);
    uint8_t d[32] = {0};
    hits h;
    assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_SHA256, 5, d, &h), 0);
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_FILE, false, 5), 0);
    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_FILE, false), 0);
    cv_hashdb_entry e;
    cv_hashdb_ref r = {0, 0};
    assert_false(cv_hashdb_entry_get(&B.v, r, &e));
    free(B.p);
    cv_hashdb_builder_free(b);
}

/* Lines: consecutive lines share a run, gaps and file switches start one;
 * a file seen again keeps its index; repeated names are stored once. */
static void test_sources_and_names(void **state)
{
    (void)state;
    cv_hashdb_builder *b = cv_hashdb_builder_new();
    static const struct {
        const char *src;
        uint32_t line;
    } plan[] = {{"a.hdb", 1},  {"a.hdb", 2},           {"a.hdb", 5},
                {"b.hsb", 1},  {"b.hsb", 2},           {"a.hdb", 9},
                {"a.hdb", 10}, {"c.mdb", 4000000000u}, {"c.mdb", 4000000001u}};
    size_t n = sizeof(plan) / sizeof(plan[0]);
    uint8_t d[32];
    for (size_t i = 0; i < n; i++) {
        digest_fill(d, (uint8_t)(40 + i));
        add(b, CV_HASH_FILE, CV_MD5, d, (uint32_t)(100 + i),
            "Win.Trojan.Agent-1234567-0.UNOFFICIAL", false, plan[i].src, plan[i].line);
    }
    blob B;
    finish(b, &B);
    for (size_t i = 0; i < n; i++) {
        digest_fill(d, (uint8_t)(40 + i));
        hits h;
        assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 100 + i, d, &h), 1);
        cv_hashdb_entry e;
        assert_true(cv_hashdb_entry_get(&B.v, h.ref[0], &e));
        assert_string_equal(e.source, plan[i].src);
        assert_int_equal(e.line, plan[i].line);
        assert_string_equal(e.name, "Win.Trojan.Agent-1234567-0.UNOFFICIAL");
    }
    assert_int_equal(B.v.nfiles, 3);
    assert_int_equal(B.v.nruns, 5);
    /* one copy of the name and of each file name */
    assert_true(B.v.pool_len < 38 + 6 + 6 + 6 + 2);
    free(B.p);
    cv_hashdb_builder_free(b);
}

/* ---- clamscan's choice among duplicates ------------------------------- */

/* splitmix64. The picks below came from a Python script using the same
 * generator and the same draws as test_duplicates_as_clamscan: it wrote the
 * content to t.bin and the entries as "hex:size:Dn" lines (".hdb" for MD5,
 * ".hsb" otherwise; "hex:*:Dn:73" for any size), then recorded the name in
 * `clamscan --no-summary -d t.hdb t.bin`. */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    r->s += 0x9E3779B97F4A7C15u;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t below(rng *r, uint64_t m)
{
    return rng_next(r) % m;
}

static void rand_bytes(rng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng_next(r) & 0xff);
}

typedef struct dent {
    uint8_t d[32];
    char name[24];
} dent;

static void insert_at(dent *v, size_t *n, size_t pos, const dent *x)
{
    memmove(&v[pos + 1], &v[pos], (*n - pos) * sizeof(*v));
    v[pos] = *x;
    (*n)++;
}

/* Which name clamscan 1.4.6 printed for each seed: a file whose hash occurs
 * several times in one size bucket (or among the "*" entries) of a .hdb or
 * .hsb, among random other hashes and hashes sharing its first four bytes. */
static const struct {
    unsigned seed;
    const char *name;
} clamscan_picks[] = {
    {1, "D1"},  {2, "D3"},  {3, "D1"},  {4, "D0"},  {5, "D7"},  {6, "D2"},  {7, "D0"},  {8, "D0"},
    {9, "D1"},  {10, "D3"}, {11, "D0"}, {12, "D4"}, {13, "D5"}, {14, "D2"}, {15, "D2"}, {16, "D0"},
    {17, "D0"}, {18, "D5"}, {19, "D4"}, {20, "D1"}, {21, "D0"}, {22, "D0"}, {23, "D1"}, {24, "D4"},
    {25, "D0"}, {26, "D6"}, {27, "D0"}, {28, "D6"}, {29, "D1"}, {30, "D3"}, {31, "D1"}, {32, "D2"},
    {33, "D1"}, {34, "D1"}, {35, "D4"}, {36, "D5"}, {37, "D6"}, {38, "D1"}, {39, "D2"}, {40, "D2"},
};

static void test_duplicates_as_clamscan(void **state)
{
    (void)state;
    size_t not_last = 0, wrong = 0;
    for (size_t k = 0; k < sizeof(clamscan_picks) / sizeof(clamscan_picks[0]); k++) {
        rng r = {clamscan_picks[k].seed};
        size_t clen = 8 + below(&r, 24);
        uint8_t content[32];
        rand_bytes(&r, content, clen);
        static const cv_hash_algo algos[3] = {CV_MD5, CV_SHA1, CV_SHA256};
        cv_hash_algo algo = algos[below(&r, 3)];
        bool any = below(&r, 4) == 0;
        uint8_t t[32];
        unsigned tl = 0;
        const EVP_MD *md = algo == CV_MD5 ? EVP_md5() : algo == CV_SHA1 ? EVP_sha1() : EVP_sha256();
        assert_true(EVP_Digest(content, clen, t, &tl, md, NULL));
        assert_int_equal(tl, algo);
        size_t n = 2 + below(&r, 60), ndup = 2 + below(&r, 7), npre = below(&r, 4), len = 0;
        dent v[80];
        for (size_t i = 0; i < n; i++) {
            dent x;
            rand_bytes(&r, x.d, algo);
            snprintf(x.name, sizeof(x.name), "R%zu", i);
            v[len++] = x;
        }
        for (size_t j = 0; j < ndup; j++) {
            dent x;
            memcpy(x.d, t, algo);
            snprintf(x.name, sizeof(x.name), "D%zu", j);
            insert_at(v, &len, below(&r, len + 1), &x);
        }
        for (size_t j = 0; j < npre; j++) {
            dent x;
            size_t pos = below(&r, len + 1); /* drawn first, as in the script */
            memcpy(x.d, t, 4);
            rand_bytes(&r, x.d + 4, algo - 4);
            snprintf(x.name, sizeof(x.name), "P%zu", j);
            insert_at(v, &len, pos, &x);
        }
        size_t nnoise = below(&r, 5);
        cv_hashdb_builder *b = cv_hashdb_builder_new();
        for (size_t i = 0; i < len; i++)
            add(b, CV_HASH_FILE, algo, v[i].d, any ? 0 : (uint32_t)clen, v[i].name, false, "t.hdb",
                (uint32_t)i + 1);
        for (size_t j = 0; j < nnoise; j++)
            add(b, CV_HASH_FILE, algo, t, (uint32_t)(clen + 1 + j), "S", false, "t.hdb",
                (uint32_t)(len + j + 1));
        blob B;
        finish(b, &B);
        hits h;
        assert_int_equal(look(&B.v, CV_HASH_FILE, false, algo, clen, t, &h), ndup);
        if (strcmp(name_of(&B.v, h.ref[0]), clamscan_picks[k].name) != 0) {
            print_error("seed %u: clamscan reports %s, the table %s\n", clamscan_picks[k].seed,
                        clamscan_picks[k].name, name_of(&B.v, h.ref[0]));
            wrong++;
        }
        assert_true(h.primary[0]);
        /* the others follow in load order */
        unsigned prev = 0;
        for (size_t i = 1; i < h.n; i++) {
            assert_false(h.primary[i]);
            cv_hashdb_entry e;
            assert_true(cv_hashdb_entry_get(&B.v, h.ref[i], &e));
            assert_true(e.line > prev);
            prev = e.line;
        }
        char last[24];
        snprintf(last, sizeof(last), "D%zu", ndup - 1);
        not_last += strcmp(clamscan_picks[k].name, last) != 0;
        free(B.p);
        cv_hashdb_builder_free(b);
    }
    assert_int_equal(wrong, 0);
    /* the cases do exercise the replay: "last loaded wins" would be wrong */
    assert_true(not_last > 10);
}

/* Two and three copies alone in their bucket: clamscan 1.4.6 names the last
 * loaded (checked with NameA/NameB/NameC lines in one .hdb). */
static void test_duplicates_small(void **state)
{
    (void)state;
    uint8_t d[32];
    digest_fill(d, 3);
    for (int copies = 2; copies <= 3; copies++) {
        cv_hashdb_builder *b = cv_hashdb_builder_new();
        static const char *names[] = {"NameA", "NameB", "NameC"};
        for (int i = 0; i < copies; i++)
            add(b, CV_HASH_FILE, CV_MD5, d, 12, names[i], false, "d.hdb", (uint32_t)i + 1);
        blob B;
        finish(b, &B);
        hits h;
        assert_int_equal(look(&B.v, CV_HASH_FILE, false, CV_MD5, 12, d, &h), (size_t)copies);
        assert_string_equal(name_of(&B.v, h.ref[0]), names[copies - 1]);
        /* serializing again gives the same answer */
        uint8_t *p2;
        size_t len2;
        cv_error err;
        assert_true(cv_hashdb_serialize(b, &p2, &len2, &err));
        assert_int_equal(len2, B.len);
        assert_memory_equal(p2, B.p, len2);
        free(p2);
        free(B.p);
        cv_hashdb_builder_free(b);
    }
}

/* ---- many entries ------------------------------------------------------ */

static void test_many(void **state)
{
    (void)state;
    enum { N = 20000 };
    rng r = {77};
    cv_hashdb_builder *b = cv_hashdb_builder_new();
    static uint8_t dig[N][32];
    static uint32_t size[N];
    char name[32];
    for (size_t i = 0; i < N; i++) {
        rand_bytes(&r, dig[i], 32);
        size[i] = i % 10 == 0 ? 0 : (uint32_t)(1 + below(&r, 3000)); /* many shared sizes */
        snprintf(name, sizeof(name), "Fam-%zu", i / 4);
        cv_hash_algo algo = i % 3 == 0 ? CV_MD5 : CV_SHA256;
        add(b, CV_HASH_FILE, algo, dig[i], size[i], name, false, "big.hsb", (uint32_t)i + 1);
    }
    blob B;
    finish(b, &B);
    for (size_t i = 0; i < N; i++) {
        cv_hash_algo algo = i % 3 == 0 ? CV_MD5 : CV_SHA256;
        hits h;
        uint64_t sz = size[i] ? size[i] : 123456789;
        assert_int_equal(look(&B.v, CV_HASH_FILE, false, algo, sz, dig[i], &h), 1);
        cv_hashdb_entry e;
        assert_true(cv_hashdb_entry_get(&B.v, h.ref[0], &e));
        assert_int_equal(e.line, i + 1);
        snprintf(name, sizeof(name), "Fam-%zu", i / 4);
        assert_string_equal(e.name, name);
        assert_int_equal(e.size, size[i]);
        if (size[i]) {
            assert_int_equal(look(&B.v, CV_HASH_FILE, false, algo, size[i] + 3000, dig[i], &h), 0);
            assert_true(cv_hashdb_wants(&B.v, CV_HASH_FILE, false, size[i]) &
                        (algo == CV_MD5 ? CV_HASHDB_WANT_MD5 : CV_HASHDB_WANT_SHA256));
        }
        uint8_t miss[32];
        memcpy(miss, dig[i], 32);
        miss[algo - 1] ^= 1;
        assert_int_equal(look(&B.v, CV_HASH_FILE, false, algo, sz, miss, &h), 0);
    }
    /* sizes no entry has: MD5 and SHA-256 both have "*" entries */
    assert_int_equal(cv_hashdb_wants(&B.v, CV_HASH_FILE, false, 5000),
                     CV_HASHDB_WANT_MD5 | CV_HASHDB_WANT_SHA256);
    assert_int_equal(cv_hashdb_count(&B.v, CV_HASH_FILE, false), N);
    /* names shared by four entries are stored once */
    assert_true(B.v.pool_len < N / 4 * 12 + 64);
    free(B.p);
    cv_hashdb_builder_free(b);
}

/* ---- damaged blobs ----------------------------------------------------- */

static void build_sample(uint8_t **p, size_t *len)
{
    cv_hashdb_builder *b = cv_hashdb_builder_new();
    rng r = {5};
    uint8_t d[32];
    for (int i = 0; i < 200; i++) {
        rand_bytes(&r, d, 32);
        cv_hash_kind kind = (cv_hash_kind)(i % 3);
        cv_hash_algo algo = i % 2 ? CV_SHA256 : CV_MD5;
        add(b, kind, algo, d, i % 7 == 0 ? 0 : (uint32_t)(1 + i % 13), "N",
            i % 11 == 0 && kind == 0, i < 100 ? "a.hdb" : "b.hsb", (uint32_t)i * 2);
    }
    cv_error err;
    assert_true(cv_hashdb_serialize(b, p, len, &err));
    cv_hashdb_builder_free(b);
}

/* Whatever open accepted is read everywhere, within bounds. */
static void exercise(const cv_hashdb_view *v)
{
    uint8_t d[32];
    memset(d, 0x5a, sizeof(d));
    for (uint32_t t = 0; t < v->ntables; t++) {
        for (uint32_t i = 0; i < v->tables[t].count; i++) {
            cv_hashdb_ref ref = {t, i};
            cv_hashdb_entry e;
            if (cv_hashdb_entry_get(v, ref, &e)) {
                assert_non_null(e.name);
                (void)strlen(e.name);
                (void)strlen(e.source);
                memcpy(d, e.digest, e.algo);
                hits h;
                memset(&h, 0, sizeof(h));
                (void)cv_hashdb_lookup(v, e.kind, e.allow, e.algo, e.size, d, on_hit, &h);
            }
        }
    }
    for (int kind = 0; kind < 3; kind++) {
        (void)cv_hashdb_wants(v, (cv_hash_kind)kind, false, 5);
        (void)cv_hashdb_wants(v, (cv_hash_kind)kind, kind == 0, 0xfffffffeu);
        (void)cv_hashdb_count(v, (cv_hash_kind)kind, false);
    }
}

static void test_damaged(void **state)
{
    (void)state;
    uint8_t *p;
    size_t len;
    build_sample(&p, &len);
    cv_hashdb_view v;
    cv_error err;
    assert_true(cv_hashdb_open(p, len, &v, &err));
    exercise(&v);

    /* every truncation is refused (the header states the length) */
    for (size_t n = 0; n < len; n++) {
        uint8_t *q = malloc(n ? n : 1);
        memcpy(q, p, n);
        assert_false(cv_hashdb_open(q, n, &v, &err));
        free(q);
    }

    /* misaligned bytes */
    uint8_t *q = malloc(len + 8);
    memcpy(q + 4, p, len);
    assert_false(cv_hashdb_open(q + 4, len, &v, &err));
    free(q);

    /* each 4-byte word of the header and table directory set to hostile
     * values: refused or read within bounds */
    static const uint32_t evil[] = {0, 1, 7, 8, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff};
    size_t dir_end = 80 + 24 * 56;
    for (size_t off = 0; off + 4 <= dir_end && off + 4 <= len; off += 4) {
        for (size_t k = 0; k < sizeof(evil) / sizeof(evil[0]); k++) {
            q = malloc(len);
            memcpy(q, p, len);
            memcpy(q + off, &evil[k], 4);
            if (cv_hashdb_open(q, len, &v, &err))
                exercise(&v);
            free(q);
        }
    }

    /* random byte flips anywhere (entries, pool, runs) */
    rng r = {99};
    for (int round = 0; round < 1500; round++) {
        q = malloc(len);
        memcpy(q, p, len);
        int flips = 1 + (int)below(&r, 8);
        for (int f = 0; f < flips; f++)
            q[below(&r, len)] ^= (uint8_t)(1 + below(&r, 255));
        if (cv_hashdb_open(q, len, &v, &err))
            exercise(&v);
        free(q);
    }
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_sizes_kinds_allow),
        cmocka_unit_test(test_add_refused),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_sources_and_names),
        cmocka_unit_test(test_duplicates_as_clamscan),
        cmocka_unit_test(test_duplicates_small),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
