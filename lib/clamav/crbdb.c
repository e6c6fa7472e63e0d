/*
 * crbdb.c - one .crb line (crbdb.h). libclamav looks only at what it
 * stores: the first character of the flag fields, the SHA-1s of subject
 * and serial (40 hex digits; the serial may be empty), a public key that
 * OpenSSL's BN_hex2bn takes (hex digits at the start, after an optional
 * '-'; the rest is ignored), and the functionality levels. Name,
 * exponent, not-before and comment are free text.
 */
#include "clamav/crbdb.h"

#include <string.h>

#include "clamav/lower.h"
#include "clamav/util.h"

enum {
    F_NAME,
    F_TRUSTED,
    F_SUBJECT,
    F_SERIAL,
    F_PUBKEY,
    F_EXP,
    F_CODE,
    F_TIME,
    F_CERT,
    F_NOTBEFORE,
    F_COMMENT,
    F_MINFL,
    F_MAXFL,
    F_COUNT
};

static bool sha1_ok(cv_str s)
{
    if (s.len != 40)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (cv_hexval(s.p[i]) < 0)
            return false;
    return true;
}

static bool flag_ok(cv_str s)
{
    return s.len > 0 && (s.p[0] == '0' || s.p[0] == '1');
}

cv_status cv_crb_line(const char *line, size_t len, cv_error *err)
{
    const char *nul = memchr(line, 0, len);
    if (nul)
        len = (size_t)(nul - line);
    cv_fields f;
    cv_split(line, len, ';', &f);
    if (f.n < F_COUNT - 2 || f.n > F_COUNT)
        return cv_bad(err, "expected 11 to 13 ';'-separated fields, got %zu", f.n);
    if (f.n > F_MINFL) {
        if (!cv_isnumber(f.f[F_MINFL]))
            return cv_bad(err, "minimum functionality level is not a number");
        if (cv_atou32(f.f[F_MINFL]) > CV_FLEVEL)
            return cv_skip(err, "needs a newer functionality level (skipped as clamscan does)");
        if (f.n > F_MAXFL) {
            if (!cv_isnumber(f.f[F_MAXFL]))
                return cv_bad(err, "maximum functionality level is not a number");
            if (cv_atou32(f.f[F_MAXFL]) < CV_FLEVEL)
                return cv_skip(err, "for an older functionality level (skipped as clamscan does)");
        }
    }
    if (!flag_ok(f.f[F_TRUSTED]))
        return cv_bad(err, "trust field must start with 0 (block) or 1 (trust)");
    if (f.f[F_SERIAL].len && !sha1_ok(f.f[F_SERIAL]))
        return cv_bad(err, "serial is not a SHA-1 (40 hex digits)");
    if (!sha1_ok(f.f[F_SUBJECT]))
        return cv_bad(err, "subject is not a SHA-1 (40 hex digits)");
    cv_str k = f.f[F_PUBKEY];
    size_t i = k.len > 0 && k.p[0] == '-' ? 1 : 0;
    if (i >= k.len || cv_hexval(k.p[i]) < 0)
        return cv_bad(err, "public key does not start with hex digits");
    if (!flag_ok(f.f[F_CODE]))
        return cv_bad(err, "code-signing field must start with 0 or 1");
    if (!flag_ok(f.f[F_TIME]))
        return cv_bad(err, "time-stamping field must start with 0 or 1");
    if (!flag_ok(f.f[F_CERT]))
        return cv_bad(err, "certificate-signing field must start with 0 or 1");
    return CV_OK;
}
