/*
 * test_clamav_cvd.c - .cvd containers (lib/clamav/cvd.h) built and signed
 * here with RSA keys generated at run time: the header, the MD5 and its
 * signature, the gzip'd and plain tar bodies, .info digests under their own
 * signature; tampered copies, other keys and every truncation are refused
 * (and read within bounds under ASan).
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_cvd),
        cmocka_unit_test(test_plain_tar_and_truncation),
        cmocka_unit_test(test_header_and_tar_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
