/*
 * test_clamav_cvd.c - .cvd containers (lib/clamav/cvd.h) built and signed
 * here with RSA keys generated at run time: the header, the MD5 and its
 * signature, the gzip'd and plain tar bodies, .info digests under their own
 * signature; tampered copies, other keys and every truncation are refused
 * (and read within bounds under ASan). cv_cvd_check_members: every member
 * check, the fault it names, and no callback before all checks passed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <zlib.h>

#include "clamav/cvd.h"

typedef struct key {
    char *n, *e;
    BIGNUM *bn_n, *bn_d;
} key;

static void make_key(key *k, int bits)
{
    EVP_PKEY *p = EVP_RSA_gen((unsigned)bits);
    BIGNUM *e = NULL;
    assert_non_null(p);
    k->bn_n = k->bn_d = NULL;
    assert_true(EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_N, &k->bn_n));
    assert_true(EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_D, &k->bn_d));
    assert_true(EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_E, &e));
    k->n = BN_bn2dec(k->bn_n);
    k->e = BN_bn2dec(e);
    BN_free(e);
    EVP_PKEY_free(p);
}

static void free_key(key *k)
{
    OPENSSL_free(k->n);
    OPENSSL_free(k->e);
    BN_free(k->bn_n);
    BN_free(k->bn_d);
}

/* libclamav's encoding: m^d mod n, digits little-endian in base 64 */
static void sign(const key *k, const uint8_t *m, size_t mlen, char *out, size_t cap)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
    BIGNUM *x = BN_bin2bn(m, (int)mlen, NULL), *c = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    assert_true(BN_mod_exp(c, x, k->bn_d, k->bn_n, ctx));
    size_t i = 0;
    while (!BN_is_zero(c)) {
        assert_true(i + 1 < cap);
        out[i++] = digits[BN_mod_word(c, 64)];
        BN_rshift(c, c, 6);
    }
    out[i] = 0;
    BN_free(x);
    BN_free(c);
    BN_CTX_free(ctx);
}

static void sha256(const void *p, size_t n, uint8_t *o)
{
    unsigned l = 32;
    EVP_Digest(p, n, o, &l, EVP_sha256(), NULL);
}

/* The .info signature: libclamav's cli_versig2 encoding, in reverse */
static void sign_info(const key *k, const uint8_t h[32], char *out, size_t cap)
{
    uint8_t em[256], salt[32], fin[72], h2[32], data[223];
    RAND_bytes(salt, 32);
    memset(fin, 0, 8);
    memcpy(fin + 8, h, 32);
    memcpy(fin + 40, salt, 32);
    sha256(fin, sizeof(fin), h2);
    memset(data, 0, sizeof(data));
    data[223 - 33] = 0x01;
    memcpy(data + 223 - 32, salt, 32);
    for (unsigned i = 0; i * 32 < 223; i++) {
        uint8_t in[36], d[32];
        memcpy(in, h2, 32);
        in[32] = in[33] = 0;
        in[34] = (uint8_t)(i >> 8);
        in[35] = (uint8_t)i;
        sha256(in, 36, d);
        for (unsigned j = 0; j < 32 && i * 32 + j < 223; j++)
            data[i * 32 + j] ^= d[j];
    }
    data[0] &= 0x7f;
    memcpy(em, data, 223);
    memcpy(em + 223, h2, 32);
    em[255] = 0xbc;
    sign(k, em, sizeof(em), out, cap);
}

typedef struct blob {
    uint8_t *p;
    size_t len;
} blob;

static void tar_add(blob *t, const char *name, const char *data, size_t n)
{
    size_t padded = (n + 511) / 512 * 512;
    t->p = realloc(t->p, t->len + 512 + padded);
    uint8_t *h = t->p + t->len;
    memset(h, 0, 512 + padded);
    strcpy((char *)h, name);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)n);
    h[156] = '0';
    memcpy(h + 512, data, n);
    t->len += 512 + padded;
}

static const char ndb[] = "Test.Sig:0:*:414243444546\n";

/* A signed .cvd: gzip'd tar with main.info and main.ndb */
static blob build_cvd(const key *k, const key *ik, bool gz)
{
    char info[2048], dsig[1024], hex[65];
    uint8_t h[32];
    sha256(ndb, strlen(ndb), h);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    int n = snprintf(info, sizeof(info),
                     "ClamAV-VDB:01 Jan 2024 00-00 +0000:7:1:90:x:y:test:1\n"
                     "main.ndb:%zu:%s\n",
                     strlen(ndb), hex);
    sha256(info, (size_t)n, h);
    sign_info(ik, h, dsig, sizeof(dsig));
    n += snprintf(info + n, sizeof(info) - (size_t)n, "DSIG:%s\n", dsig);
    blob t = {0};
    tar_add(&t, gz ? "main.info" : "COPYING", gz ? info : "copying", gz ? (size_t)n : 7);
    if (!gz)
        tar_add(&t, "main.info", info, (size_t)n);
    tar_add(&t, "main.ndb", ndb, strlen(ndb));
    t.p = realloc(t.p, t.len + 1024);
    memset(t.p + t.len, 0, 1024);
    t.len += 1024;
    blob body = t;
    if (gz) {
        body.p = malloc(t.len + 1024);
        z_stream z;
        memset(&z, 0, sizeof(z));
        assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = t.p;
        z.avail_in = (uInt)t.len;
        z.next_out = body.p;
        z.avail_out = (uInt)(t.len + 1024);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        body.len = z.total_out;
        deflateEnd(&z);
        free(t.p);
    }
    uint8_t md[16];
    unsigned ml = 16;
    char md5[33];
    EVP_Digest(body.p, body.len, md, &ml, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(md5 + 2 * i, 3, "%02x", md[i]);
    sign(k, md, 16, dsig, sizeof(dsig));
    blob out;
    out.len = 512 + body.len;
    out.p = malloc(out.len);
    memset(out.p, ' ', 512);
    int hl = snprintf((char *)out.p, 512,
                      "ClamAV-VDB:01 Jan 2024 00-00 +0000:7:1:90:%s:%s:test:1704067200", md5, dsig);
    out.p[hl] = ' ';
    memcpy(out.p + 512, body.p, body.len);
    free(body.p);
    return out;
}

static key k1, k2, ik1;

static int setup(void **state)
{
    (void)state;
    make_key(&k1, 1024);
    make_key(&k2, 1024);
    make_key(&ik1, 2048);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_key(&k1);
    free_key(&k2);
    free_key(&ik1);
    return 0;
}

static void check_members(const uint8_t *tar, size_t len, const cv_rsa_key *ik, bool expect_ok)
{
    size_t off = 0;
    cv_tar_member m;
    cv_error e;
    cv_arena a;
    cv_arena_init(&a);
    cv_info info = {0};
    bool have_info = false;
    int members = 0;
    cv_status st;
    while ((st = cv_tar_next(tar, len, &off, &m, &e)) == CV_OK) {
        members++;
        if (!strcmp(m.name, "main.info")) {
            have_info = cv_info_parse(m.data, m.size, ik, &a, &info, &e);
            assert_int_equal(have_info, expect_ok);
            if (have_info) {
                assert_int_equal(info.header.version, 7);
                assert_int_equal(info.n, 1);
            }
        } else if (!strcmp(m.name, "main.ndb") && have_info) {
            assert_true(cv_info_check(&info, &m, &e));
            cv_tar_member bad = m;
            bad.size--;
            assert_false(cv_info_check(&info, &bad, &e));
        }
    }
    assert_int_equal(st, CV_SKIP);
    assert_true(members >= 2);
    cv_arena_free(&a);
}

static void test_signed_cvd(void **state)
{
    (void)state;
    cv_rsa_key key = {k1.n, k1.e}, other = {k2.n, k2.e}, ikey = {ik1.n, ik1.e};
    blob c = build_cvd(&k1, &ik1, true);
    cv_cvd_header h;
    cv_error e = {{0}};
    bool verified = cv_cvd_verify(c.p, c.len, false, &key, &h, &e);
    if (!verified)
        printf("verify: %s\n", e.msg);
    assert_true(verified);
    assert_int_equal(h.version, 7);
    assert_int_equal(h.flevel, 90);
    assert_int_equal(h.stime, 1704067200);
    assert_string_equal(h.builder, "test");
    /* the official key and another key refuse it */
    assert_false(cv_cvd_verify(c.p, c.len, false, NULL, &h, &e));
    assert_false(cv_cvd_verify(c.p, c.len, false, &other, &h, &e));
    uint8_t *tar;
    size_t tl;
    assert_true(cv_cvd_body(c.p, c.len, 1 << 20, &tar, &tl, &e));
    check_members(tar, tl, &ikey, true);
    check_members(tar, tl, NULL, false); /* ClamAV's info key did not sign this .info */
    free(tar);
    /* tampered body: MD5 mismatch */
    c.p[c.len - 5] ^= 1;
    assert_false(cv_cvd_verify(c.p, c.len, false, &key, &h, &e));
    assert_non_null(strstr(e.msg, "MD5"));
    c.p[c.len - 5] ^= 1;
    /* tampered signature digit */
    char *ds = strstr((char *)c.p, h.dsig);
    ds[3] = ds[3] == 'a' ? 'b' : 'a';
    assert_false(cv_cvd_verify(c.p, c.len, false, &key, &h, &e));
    /* .cld-style check skips the signature, as libclamav does */
    assert_true(cv_cvd_verify(c.p, c.len, true, &key, &h, &e));
    free(c.p);
}

static void test_plain_tar_and_truncation(void **state)
{
    (void)state;
    cv_rsa_key key = {k1.n, k1.e}, ikey = {ik1.n, ik1.e};
    blob c = build_cvd(&k1, &ik1, false);
    cv_cvd_header h;
    cv_error e;
    assert_true(cv_cvd_verify(c.p, c.len, false, &key, &h, &e));
    uint8_t *tar;
    size_t tl;
    assert_true(cv_cvd_body(c.p, c.len, 1 << 20, &tar, &tl, &e));
    check_members(tar, tl, &ikey, true);
    free(tar);
    /* every prefix: header refused below 512 bytes, nothing read out of bounds */
    for (size_t n = 0; n < c.len; n++) {
        uint8_t *cp = malloc(n ? n : 1);
        memcpy(cp, c.p, n);
        bool ok = cv_cvd_verify(cp, n, false, &key, &h, &e);
        if (n < 512)
            assert_false(ok);
        assert_false(ok && n < c.len);
        if (cv_cvd_body(cp, n, 1 << 20, &tar, &tl, &e)) {
            size_t off = 0;
            cv_tar_member m;
            while (cv_tar_next(tar, tl, &off, &m, &e) == CV_OK)
                ;
            free(tar);
        }
        free(cp);
    }
    free(c.p);
}

static void test_header_and_tar_errors(void **state)
{
    (void)state;
    uint8_t hdr[512];
    cv_cvd_header h;
    cv_error e;
    memset(hdr, ' ', sizeof(hdr));
    memcpy(hdr, "ClamAV-VDB:t:1:2:3", 18);
    assert_false(cv_cvd_header_parse(hdr, sizeof(hdr), &h, &e));
    memcpy(hdr, "NotClamAV:", 10);
    assert_false(cv_cvd_header_parse(hdr, sizeof(hdr), &h, &e));
    const char *ok = "ClamAV-VDB:t:1:2:3:0123456789abcdef0123456789abcdef:sig:me";
    memset(hdr, ' ', sizeof(hdr));
    memcpy(hdr, ok, strlen(ok));
    assert_true(cv_cvd_header_parse(hdr, sizeof(hdr), &h, &e));
    assert_int_equal(h.stime, 0);
    assert_false(cv_cvd_header_parse(hdr, 511, &h, &e));

    uint8_t tar[1024];
    size_t off = 0;
    cv_tar_member m;
    memset(tar, 0, sizeof(tar));
    strcpy((char *)tar, "a/b");
    tar[156] = '0';
    memcpy(tar + 124, "00000000001", 11);
    assert_int_equal(cv_tar_next(tar, sizeof(tar), &off, &m, &e), CV_BAD);
    strcpy((char *)tar, "dir");
    tar[156] = '5';
    off = 0;
    assert_int_equal(cv_tar_next(tar, sizeof(tar), &off, &m, &e), CV_BAD);
    tar[156] = '0';
    memcpy(tar + 124, "77777777777", 11);
    off = 0;
    assert_int_equal(cv_tar_next(tar, sizeof(tar), &off, &m, &e), CV_BAD);
    assert_non_null(strstr(e.msg, "past the end"));
    /* a signature with a character outside libclamav's alphabet */
    assert_false(cv_versig_md5("0123456789abcdef0123456789abcdef", "ab*cd", NULL, &e));
}

/* ---- cv_cvd_check_members (cvd_check.c) ------------------------------ */

#define INFO_HEADER "ClamAV-VDB:01 Jan 2024 00-00 +0000:7:1:90:x:y:test:1\n"

typedef struct member_src {
    const char *name, *data;
} member_src;

/* A .info listing the given members (sizes and SHA-256 of their data),
 * signed with ik (NULL: unsigned, as in a .cud); NULL data = not listed. */
static size_t make_info(const key *ik, const char *header, const member_src *ms, size_t n,
                        char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap, "%s", header);
    for (size_t i = 0; i < n; i++) {
        if (!ms[i].data)
            continue;
        uint8_t h[32];
        char hex[65];
        sha256(ms[i].data, strlen(ms[i].data), h);
        for (int j = 0; j < 32; j++)
            snprintf(hex + 2 * j, 3, "%02x", h[j]);
        len += (size_t)snprintf(out + len, cap - len, "%s:%zu:%s\n", ms[i].name, strlen(ms[i].data),
                                hex);
    }
    if (ik) {
        uint8_t h[32];
        char dsig[1024];
        sha256(out, len, h);
        sign_info(ik, h, dsig, sizeof(dsig));
        len += (size_t)snprintf(out + len, cap - len, "DSIG:%s\n", dsig);
    }
    assert_true(len < cap);
    return len;
}

static void tar_end(blob *t)
{
    t->p = realloc(t->p, t->len + 1024);
    memset(t->p + t->len, 0, 1024);
    t->len += 1024;
}

static cv_cvd_header info_header(void)
{
    cv_cvd_header h;
    memset(&h, 0, sizeof(h));
    h.version = 7;
    h.sigs = 1;
    h.flevel = 90;
    h.stime = 1;
    return h;
}

typedef struct seen {
    int n;
    char names[8][101];
    cv_member_role roles[8];
    int stop_at; /* 1-based call that fails with VIGIL_E_IO; 0: never */
} seen;

static vigil_status record(void *user, const cv_tar_member *m, cv_member_role role)
{
    seen *s = user;
    if (s->n < 8) {
        snprintf(s->names[s->n], sizeof(s->names[0]), "%s", m->name);
        s->roles[s->n] = role;
    }
    s->n++;
    return s->n == s->stop_at ? VIGIL_E_IO : VIGIL_OK;
}

static const member_src good_members[] = {
    {"main.ndb", "Test.Sig:0:*:414243444546\n"},
    {"main.cfg", "DOCUMENT:0x0:4:4\n"},
    {"NOTES", NULL}, /* not a database: carried unchecked, not listed */
};

/* COPYING, main.info, then the members (data replaced by `over` for the
 * member named `tamper`, if any). */
static blob build_tar(const char *info, size_t info_len, const member_src *ms, size_t n,
                      const char *tamper, const char *over)
{
    blob t = {0};
    tar_add(&t, "COPYING", "copying", 7);
    tar_add(&t, "main.info", info, info_len);
    for (size_t i = 0; i < n; i++) {
        const char *d = ms[i].data ? ms[i].data : "notes\n";
        if (tamper && strcmp(ms[i].name, tamper) == 0)
            d = over;
        tar_add(&t, ms[i].name, d, strlen(d));
    }
    tar_end(&t);
    return t;
}

static void test_check_members_good(void **state)
{
    (void)state;
    cv_rsa_key ikey = {ik1.n, ik1.e};
    char info[4096];
    size_t il = make_info(&ik1, INFO_HEADER, good_members, 3, info, sizeof(info));
    blob t = build_tar(info, il, good_members, 3, NULL, NULL);
    cv_cvd_header h = info_header();
    cv_cvd_fault f;
    seen s = {0};
    assert_int_equal(cv_cvd_check_members(t.p, t.len, CV_KIND_CVD, &h, &ikey, record, &s, &f),
                     VIGIL_OK);
    assert_int_equal(s.n, 5);
    const char *names[] = {"COPYING", "main.info", "main.ndb", "main.cfg", "NOTES"};
    cv_member_role roles[] = {CV_MEMBER_OTHER, CV_MEMBER_INFO, CV_MEMBER_DATABASE,
                              CV_MEMBER_DATABASE, CV_MEMBER_OTHER};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(s.names[i], names[i]);
        assert_int_equal(s.roles[i], roles[i]);
    }
    /* check only; a .cld is checked the same way */
    assert_int_equal(cv_cvd_check_members(t.p, t.len, CV_KIND_CLD, &h, &ikey, NULL, NULL, NULL),
                     VIGIL_OK);
    /* a callback's failure stops the walk and is returned */
    seen stop = {.stop_at = 2};
    assert_int_equal(cv_cvd_check_members(t.p, t.len, CV_KIND_CVD, &h, &ikey, record, &stop, &f),
                     VIGIL_E_IO);
    assert_int_equal(stop.n, 2);
    /* ClamAV's info key did not sign this .info */
    seen none = {0};
    assert_int_equal(cv_cvd_check_members(t.p, t.len, CV_KIND_CVD, &h, NULL, record, &none, &f),
                     VIGIL_E_CORRUPT);
    assert_string_equal(f.member, "main.info");
    assert_int_equal(none.n, 0);
    /* every truncation is refused or read within bounds */
    for (size_t n = 0; n < t.len; n += 7) {
        uint8_t *cp = malloc(n ? n : 1);
        memcpy(cp, t.p, n);
        seen any = {0};
        vigil_status st = cv_cvd_check_members(cp, n, CV_KIND_CVD, &h, &ikey, record, &any, &f);
        assert_true(st == VIGIL_OK || st == VIGIL_E_CORRUPT);
        if (st != VIGIL_OK)
            assert_int_equal(any.n, 0);
        free(cp);
    }
    free(t.p);
}

/* Refused, with the member at fault and the reason, before any callback
 * (or, want VIGIL_OK, accepted with an empty fault). */
static void expect_refused(const blob *t, cv_cvd_kind kind, const cv_cvd_header *h,
                           vigil_status want, const char *member, const char *reason)
{
    cv_rsa_key ikey = {ik1.n, ik1.e};
    cv_cvd_fault f;
    seen s = {0};
    vigil_status st = cv_cvd_check_members(t->p, t->len, kind, h, &ikey, record, &s, &f);
    if (st != want || strcmp(f.member, member) != 0 || !strstr(f.reason, reason))
        fail_msg("want %d '%s' '...%s...', got %d '%s' '%s'", want, member, reason, st, f.member,
                 f.reason);
    if (want != VIGIL_OK)
        assert_int_equal(s.n, 0);
}

static void test_check_members_refused(void **state)
{
    (void)state;
    char info[4096];
    size_t il = make_info(&ik1, INFO_HEADER, good_members, 3, info, sizeof(info));
    cv_cvd_header h = info_header();

    blob t = build_tar(info, il, good_members, 3, "main.ndb", "Test.Sig:0:*:414243444547\n");
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "main.ndb", "SHA-256");
    /* clamscan reads a .cud's .info unsigned: its DSIG line is a bad entry */
    expect_refused(&t, CV_KIND_CUD, &h, VIGIL_E_CORRUPT, "main.info", "line 4: expected name");
    free(t.p);
    /* unsigned, the .cud's .info still vouches for every member */
    char uinfo[4096];
    size_t ul = make_info(NULL, INFO_HEADER, good_members, 3, uinfo, sizeof(uinfo));
    t = build_tar(uinfo, ul, good_members, 3, NULL, NULL);
    expect_refused(&t, CV_KIND_CUD, &h, VIGIL_OK, "", "");
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "main.info", "signature not found");
    cv_cvd_header newer = h;
    newer.sigs = 2;
    expect_refused(&t, CV_KIND_CUD, &newer, VIGIL_E_CORRUPT, "main.info", "2 signatures");
    free(t.p);
    t = build_tar(uinfo, ul, good_members, 3, "main.ndb", "Test.Sig:0:*:414243444547\n");
    expect_refused(&t, CV_KIND_CUD, &h, VIGIL_E_CORRUPT, "main.ndb", "SHA-256");
    free(t.p);
    ul = make_info(NULL, "junk\n" INFO_HEADER, good_members, 3, uinfo, sizeof(uinfo));
    t = build_tar(uinfo, ul, good_members, 3, NULL, NULL);
    expect_refused(&t, CV_KIND_CUD, &h, VIGIL_E_CORRUPT, "main.info", "before the header");
    free(t.p);

    /* a .info that lists nothing vouches for nothing (cli_cvdload's "dbinfo error") */
    size_t el = make_info(&ik1, INFO_HEADER, good_members, 0, uinfo, sizeof(uinfo));
    t = build_tar(uinfo, el, good_members, 0, NULL, NULL);
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "main.info", "lists no members");
    free(t.p);
    t = build_tar(info, il, good_members, 3, "main.cfg", "DOCUMENT:0x0:4:44\n");
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "main.cfg", "size");
    free(t.p);

    /* a database member .info does not list */
    member_src extra[] = {good_members[0], good_members[1], {"x.hdb", NULL}};
    t = build_tar(info, il, extra, 3, NULL, NULL);
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "x.hdb", "not listed in .info");
    free(t.p);

    /* the .info header line against the container's */
    t = build_tar(info, il, good_members, 3, NULL, NULL);
    cv_cvd_header other = h;
    other.stime = 2;
    expect_refused(&t, CV_KIND_CVD, &other, VIGIL_E_CORRUPT, "main.info", "its header line");
    other = h;
    other.version = 8;
    expect_refused(&t, CV_KIND_CVD, &other, VIGIL_E_CORRUPT, "main.info", "version 8");
    free(t.p);

    /* no .info at all, even in a .cud */
    t = (blob){0};
    tar_add(&t, "main.ndb", good_members[0].data, strlen(good_members[0].data));
    tar_end(&t);
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "", "no .info member");
    expect_refused(&t, CV_KIND_CUD, &h, VIGIL_E_CORRUPT, "", "no .info member");
    free(t.p);

    /* names that are no file names, or given twice */
    member_src dots[] = {{"..", "x\n"}};
    t = build_tar(info, il, dots, 1, NULL, NULL);
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "..", "not a file name");
    free(t.p);
    member_src dot[] = {{".", "x\n"}};
    t = build_tar(info, il, dot, 1, NULL, NULL);
    expect_refused(&t, CV_KIND_CUD, &h, VIGIL_E_CORRUPT, ".", "not a file name");
    free(t.p);
    member_src twice[] = {good_members[0], good_members[0]};
    t = build_tar(info, il, twice, 2, NULL, NULL);
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "main.ndb", "second file");
    free(t.p);

    /* a malformed archive: no name worth repeating */
    t = build_tar(info, il, good_members, 3, NULL, NULL);
    t.p[1024 + 156] = '5'; /* main.info (after COPYING's two blocks) as a directory */
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_CORRUPT, "", "tar member 2");
    free(t.p);
}

static void test_check_members_limit(void **state)
{
    (void)state;
    char info[4096];
    member_src one[] = {{"n1", ""}}; /* .info must list something; n1 is no database */
    size_t il = make_info(&ik1, INFO_HEADER, one, 1, info, sizeof(info));
    blob t = {0};
    tar_add(&t, "main.info", info, il);
    for (int i = 1; i < CV_CVD_MAX_MEMBERS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "n%d", i);
        tar_add(&t, name, "", 0);
    }
    tar_end(&t);
    cv_cvd_header h = info_header();
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_OK, "", ""); /* exactly the limit */
    t.len -= 1024;
    tar_add(&t, "one-more", "", 0);
    tar_end(&t);
    expect_refused(&t, CV_KIND_CVD, &h, VIGIL_E_LIMIT, "", "more than 4096");
    free(t.p);
}

static void test_kinds(void **state)
{
    (void)state;
    assert_int_equal(cv_cvd_kind_of("/db/daily.cld"), CV_KIND_CLD);
    assert_int_equal(cv_cvd_kind_of("X.CUD"), CV_KIND_CUD);
    assert_int_equal(cv_cvd_kind_of("main.cvd"), CV_KIND_CVD);
    assert_int_equal(cv_cvd_kind_of("other"), CV_KIND_CVD);
    assert_true(cv_cvd_is_database("daily.cfg"));
    assert_true(cv_cvd_is_database("a.IGN2"));
    assert_true(cv_cvd_is_database("b.yara"));
    assert_false(cv_cvd_is_database("main.info"));
    assert_false(cv_cvd_is_database("COPYING"));
    assert_false(cv_cvd_is_database("ndb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_cvd),
        cmocka_unit_test(test_plain_tar_and_truncation),
        cmocka_unit_test(test_header_and_tar_errors),
        cmocka_unit_test(test_check_members_good),
        cmocka_unit_test(test_check_members_refused),
        cmocka_unit_test(test_check_members_limit),
        cmocka_unit_test(test_kinds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
