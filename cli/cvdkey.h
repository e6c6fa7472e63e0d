/*
 * cvdkey.h - the RSA key of --cvd-public-key, read the same way for
 * `vigil sigtool` and `vigil clamscan`: a PEM key or libclamav's own form,
 * the decimal modulus and exponent, turned into the decimal strings
 * libvigil takes (vigil_compiler_set_cvd_key, vigil_cvd_info_read).
 */
#ifndef VIGIL_CLI_CVDKEY_H
#define VIGIL_CLI_CVDKEY_H

#include <stdbool.h>
#include <stddef.h>

/* Decimal modulus and exponent, malloc'ed (both NULL: ClamAV's keys). */
typedef struct cvd_key {
    char *n;
    char *e;
} cvd_key;

/* Reads path: a PEM RSA public key (or a private key, whose public half is
 * taken), or a text file holding the decimal modulus and exponent separated
 * by blanks. On failure returns false with both parts NULL and the reason
 * in why (without the path: each front end words its own message). */
bool cvd_key_read(const char *path, cvd_key *key, char *why, size_t whylen);

/* Frees both parts; the key is empty again. */
void cvd_key_free(cvd_key *key);

#endif
