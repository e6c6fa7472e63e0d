/*
 * util.h - helpers shared by the ClamAV line parsers: field splitting,
 * libclamav's number rules (cli_isnumber accepts "", atoi wraps to 32 bits),
 * hex digits and error text. Internal to lib/clamav.
 */
#ifndef VIGIL_CLAMAV_UTIL_H
#define VIGIL_CLAMAV_UTIL_H

#include <stdarg.h>

#include "clamav/sig.h"

#define CV_MAX_FIELDS 80

typedef struct cv_fields {
    cv_str f[CV_MAX_FIELDS];
    size_t n; /* may exceed CV_MAX_FIELDS: only the first ones are stored */
} cv_fields;

void cv_split(const char *s, size_t len, char delim, cv_fields *out);
bool cv_fail(cv_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
cv_status cv_bad(cv_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
cv_status cv_skip(cv_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool cv_isnumber(cv_str s); /* all decimal digits; "" counts, as in libclamav */
/* atoi() as glibc does it on 64-bit: strtol saturating at LONG_MAX, then
 * truncated to 32 bits. Leading digits only; the caller checks the rest. */
uint32_t cv_atou32(cv_str s);
/* sscanf("%u") at *p: skips the characters of `blanks`, takes an optional
 * sign and the digits after it (at least one), wrapping like libclamav;
 * *p moves past the digits. false (nothing moved) when no digit follows. */
bool cv_scan_u32(const char **p, const char *end, const char *blanks, uint32_t *v);
bool cv_eq(cv_str s, const char *lit);
int cv_hexval(char c);
bool cv_hex_bytes(cv_str s, uint8_t *out, size_t outsz, size_t *n);
bool cv_parse_flevel(const cv_fields *f, size_t first, cv_flevel *fl, cv_error *err);

#endif
