/*
 * offset.c - the offset field of .ndb lines and .ldb subsignatures, with
 * libclamav's cli_caloff rules: "*", n, EOF-n, EP+n, EP-n, Sx+n, SEx, SL+n,
 * VI, $n$, each but "*" with an optional ",MaxShift". Its laxness is kept on
 * purpose (an empty number is 0, "VI" is a prefix test, "S1+2x" reads as
 * S1+2) because clamscan loads such lines and so must vigil.
 */
#include <string.h>

#include "clamav/util.h"

static bool num(cv_str s, uint32_t *v)
{
    if (!cv_isnumber(s))
        return false;
    *v = cv_atou32(s);
    return true;
}

/* sscanf("%u") on a prefix: optional blanks and sign, then digits. */
static bool scan_u(const char **p, const char *end, uint32_t *v)
{
    return cv_scan_u32(p, end, " \t", v);
}

bool cv_parse_offset(const char *s, size_t len, uint32_t target, cv_offset *out, cv_error *err)
{
    memset(out, 0, sizeof(*out));
    if (len == 1 && s[0] == '*') {
        out->kind = CV_OFF_ANY;
        return true;
    }
    if (len > 64)
        return cv_fail(err, "offset string too long (64 characters at most)");
    const char *comma = memchr(s, ',', len);
    size_t blen = len;
    if (comma) {
        cv_str sh = {comma + 1, len - (size_t)(comma + 1 - s)};
        if (!num(sh, &out->shift))
            return cv_fail(err, "invalid offset shift value '%.*s'", (int)sh.len, sh.p);
        out->has_shift = true;
        blen = (size_t)(comma - s);
    }
    cv_str b = {s, blen};
    if (blen >= 3 && (memcmp(s, "EP+", 3) == 0 || memcmp(s, "EP-", 3) == 0)) {
        out->kind = s[2] == '+' ? CV_OFF_EP_PLUS : CV_OFF_EP_MINUS;
        if (!num((cv_str){s + 3, blen - 3}, &out->value))
            return cv_fail(err, "invalid entry-point offset value");
    } else if (blen >= 1 && s[0] == 'S') {
        if (blen >= 2 && s[1] == 'E') {
            out->kind = CV_OFF_SE;
            if (!num((cv_str){s + 2, blen - 2}, &out->section))
                return cv_fail(err, "invalid section number in SEx offset");
        } else if (blen >= 3 && memcmp(s, "SL+", 3) == 0) {
            out->kind = CV_OFF_SL_PLUS;
            if (!num((cv_str){s + 3, blen - 3}, &out->value))
                return cv_fail(err, "invalid value in SL+n offset");
        } else {
            const char *p = s + 1, *end = s + blen;
            if (!scan_u(&p, end, &out->section) || p == end || *p != '+')
                return cv_fail(err, "invalid offset string '%.*s'", (int)blen, s);
            p++;
            if (!scan_u(&p, end, &out->value))
                return cv_fail(err, "invalid offset string '%.*s'", (int)blen, s);
            out->kind = CV_OFF_SX_PLUS; /* trailing characters ignored, as sscanf does */
        }
    } else if (blen >= 4 && memcmp(s, "EOF-", 4) == 0) {
        out->kind = CV_OFF_EOF_MINUS;
        if (!num((cv_str){s + 4, blen - 4}, &out->value))
            return cv_fail(err, "invalid value in EOF-n offset");
    } else if (blen >= 2 && memcmp(s, "VI", 2) == 0) {
        out->kind = CV_OFF_VI;
    } else if (memchr(s, '$', blen)) {
        const char *p = s + 1, *end = s + blen;
        if (s[0] != '$' || !scan_u(&p, end, &out->section) || p == end || *p != '$')
            return cv_fail(err, "invalid macro offset '%.*s'", (int)blen, s);
        if (out->section >= 32)
            return cv_fail(err, "macro offset group %u: at most 32 groups", out->section);
        out->kind = CV_OFF_MACRO;
    } else {
        out->kind = CV_OFF_ABSOLUTE;
        if (!num(b, &out->value))
            return cv_fail(err, "invalid offset value '%.*s'", (int)blen, s);
    }
    if (out->kind != CV_OFF_ABSOLUTE && out->kind != CV_OFF_EOF_MINUS &&
        out->kind != CV_OFF_MACRO && target != 1 && target != 6 && target != 9)
        return cv_fail(err, "offset '%.*s' needs target 1 (PE), 6 (ELF) or 9 (Mach-O), not %u",
                       (int)blen, s, target);
    return true;
}
