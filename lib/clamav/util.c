/*
 * util.c - field splitting and libclamav's number rules for the ClamAV line
 * parsers. libclamav checks numbers with cli_isnumber (digits only, empty
 * allowed) and converts with atoi; the parsers mirror both so that a line
 * clamscan loads loads here with the same values.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "clamav/util.h"
#include "util/hex.h"

void cv_split(const char *s, size_t len, char delim, cv_fields *out)
{
    size_t start = 0;
    out->n = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == delim) {
            if (out->n < CV_MAX_FIELDS)
                out->f[out->n] = (cv_str){s + start, i - start};
            out->n++;
            start = i + 1;
        }
    }
}

static void vset(cv_error *err, const char *fmt, va_list ap)
{
    if (err)
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

bool cv_fail(cv_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, fmt, ap);
    va_end(ap);
    return false;
}

cv_status cv_bad(cv_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, fmt, ap);
    va_end(ap);
    return CV_BAD;
}

cv_status cv_skip(cv_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, fmt, ap);
    va_end(ap);
    return CV_SKIP;
}

bool cv_isnumber(cv_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

uint32_t cv_atou32(cv_str s)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < s.len && (s.p[i] == ' ' || s.p[i] == '\t'))
        i++;
    bool neg = false;
    if (i < s.len && (s.p[i] == '+' || s.p[i] == '-'))
        neg = s.p[i++] == '-';
    for (; i < s.len && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(s.p[i] - '0');
        if (v > (uint64_t)LONG_MAX) {
            v = neg ? (uint64_t)LONG_MAX + 1 : (uint64_t)LONG_MAX;
            break;
        }
    }
    return (uint32_t)(neg ? (uint64_t)0 - v : v);
}

bool cv_eq(cv_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

bool cv_scan_u32(const char **p, const char *end, const char *blanks, uint32_t *v)
{
    const char *q = *p;
    while (q < end && *q && strchr(blanks, *q))
        q++;
    const char *d = q;
    if (d < end && (*d == '+' || *d == '-'))
        d++;
    if (d == end || *d < '0' || *d > '9')
        return false;
    while (d < end && *d >= '0' && *d <= '9')
        d++;
    *v = cv_atou32((cv_str){q, (size_t)(d - q)});
    *p = d;
    return true;
}

int cv_hexval(char c)
{
    return util_hex_digit((unsigned char)c);
}

bool cv_hex_bytes(cv_str s, uint8_t *out, size_t outsz, size_t *n)
{
    if (s.len % 2 || s.len / 2 > outsz)
        return false;
    for (size_t i = 0; i < s.len; i += 2) {
        int hi = cv_hexval(s.p[i]), lo = cv_hexval(s.p[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *n = s.len / 2;
    return true;
}

/* Optional trailing MinFL[:MaxFL] fields, digits only (empty allowed). */
bool cv_parse_flevel(const cv_fields *f, size_t first, cv_flevel *fl, cv_error *err)
{
    memset(fl, 0, sizeof(*fl));
    if (f->n > first) {
        if (!cv_isnumber(f->f[first]))
            return cv_fail(err, "minimum functionality level is not a number");
        fl->has_min = true;
        fl->min = cv_atou32(f->f[first]);
    }
    if (f->n > first + 1) {
        if (!cv_isnumber(f->f[first + 1]))
            return cv_fail(err, "maximum functionality level is not a number");
        fl->has_max = true;
        fl->max = cv_atou32(f->f[first + 1]);
    }
    return true;
}
