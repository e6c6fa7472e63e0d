/*
 * cvdkey.c - the key of --cvd-public-key (cvdkey.h): a PEM RSA key
 * (public, or a private one whose public half is taken) or libclamav's own
 * form, the decimal modulus and exponent. libvigil takes decimal strings,
 * so a PEM key is converted here with libcrypto, which the CLI already
 * links. Both forms are bounded: the file, and the digits of each number.
 */
#include "cvdkey.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "readfile.h"

/* A key file is a few kilobytes at most. */
#define KEY_MAX_BYTES ((size_t)64 << 10)
/* A 4096-bit modulus has 1234 decimal digits; libclamav's keys far fewer. */
#define KEY_MAX_DIGITS 4096

static const char not_a_key[] = "not an RSA key (PEM, or the decimal modulus and exponent)";

/* A libcrypto number in decimal, malloc'ed (one allocator for both forms). */
static char *bn_param_dec(EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(k, name, &bn))
        return NULL;
    char *s = BN_bn2dec(bn);
    BN_free(bn);
    if (!s)
        return NULL;
    char *copy = strlen(s) <= KEY_MAX_DIGITS ? strdup(s) : NULL;
    OPENSSL_free(s);
    return copy;
}

static bool from_pem(const char *text, size_t len, cvd_key *key)
{
    BIO *b = BIO_new_mem_buf(text, (int)len); /* len <= KEY_MAX_BYTES */
    if (!b)
        return false;
    EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    if (!k) {
        (void)BIO_reset(b);
        k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    }
    BIO_free(b);
    if (!k)
        return false;
    if (EVP_PKEY_is_a(k, "RSA")) {
        key->n = bn_param_dec(k, OSSL_PKEY_PARAM_RSA_N);
        key->e = bn_param_dec(k, OSSL_PKEY_PARAM_RSA_E);
    }
    EVP_PKEY_free(k);
    return key->n && key->e;
}

/* Next run of decimal digits after blanks; NULL if something else follows
 * or the run is too long to be a key. */
static char *next_number(const char **p, const char *end)
{
    while (*p < end && isspace((unsigned char)**p))
        (*p)++;
    const char *s = *p;
    while (*p < end && isdigit((unsigned char)**p))
        (*p)++;
    size_t n = (size_t)(*p - s);
    if (n == 0 || n > KEY_MAX_DIGITS || (*p < end && !isspace((unsigned char)**p)))
        return NULL;
    return strndup(s, n);
}

static bool from_decimal(const char *text, size_t len, cvd_key *key)
{
    const char *p = text, *end = text + len;
    key->n = next_number(&p, end);
    key->e = key->n ? next_number(&p, end) : NULL;
    while (p < end && isspace((unsigned char)*p))
        p++;
    return key->n && key->e && p == end;
}

bool cvd_key_read(const char *path, cvd_key *key, char *why, size_t whylen)
{
    key->n = key->e = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (!cli_read_file(path, KEY_MAX_BYTES, &buf, &len)) {
        snprintf(why, whylen, "%s",
                 errno ? strerror(errno) : "not a regular file of at most 64 KiB");
        return false;
    }
    const char *text = (const char *)buf;
    bool pem = memmem(text, len, "-----BEGIN", 10) != NULL;
    bool ok = pem ? from_pem(text, len, key) : from_decimal(text, len, key);
    free(buf);
    if (!ok) {
        cvd_key_free(key);
        snprintf(why, whylen, "%s", not_a_key);
    }
    return ok;
}

void cvd_key_free(cvd_key *key)
{
    free(key->n);
    free(key->e);
    key->n = key->e = NULL;
}
