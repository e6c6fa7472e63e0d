/*
 * phishdb.c - one line of a phishing list (phishdb.h). The order of the
 * checks is libclamav's: the functionality level (which cuts the line),
 * the line's length, the first ':', then the kind letter; regular
 * expressions and host patterns are checked by phishre.c, hashes here.
 */
#include "clamav/phishdb.h"

#include <limits.h>
#include <string.h>

#include "clamav/lower.h"
#include "clamav/phishre.h"
#include "clamav/util.h"

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* atoi() widened to size_t as libclamav compares it: a value past INT_MAX
 * wraps negative and then compares huge. */
static size_t level(const char *s, size_t n)
{
    return (size_t)(int32_t)cv_atou32((cv_str){s, n});
}

/* functionality_level_check: a last field "min-max" of digits (either may
 * be empty) is a level range; false when this level is outside it, else
 * *len is cut before the field. Any other last field is left alone. */
static bool flevel_ok(const char *line, size_t *len)
{
    const char *colon = NULL;
    for (size_t i = *len; i > 0; i--) {
        if (line[i - 1] == ':') {
            colon = line + i - 1;
            break;
        }
    }
    if (!colon)
        return true;
    const char *min = colon + 1, *end = line + *len;
    const char *dash = memchr(min, '-', (size_t)(end - min));
    if (!dash)
        return true;
    const char *max = dash + 1;
    if (!all_digits(min, (size_t)(dash - min)) || !all_digits(max, (size_t)(end - max)))
        return true;
    if (level(min, (size_t)(dash - min)) > CV_FLEVEL)
        return false;
    size_t hi = max == end ? (size_t)INT_MAX : level(max, (size_t)(end - max));
    if (hi < CV_FLEVEL)
        return false;
    *len = (size_t)(colon - line);
    return true;
}

/* add_hash: a non-empty hex string of even length. */
static bool hash_ok(const char *s, size_t n, cv_error *err)
{
    if (n == 0)
        return cv_fail(err, "empty hash");
    if (n % 2)
        return cv_fail(err, "hash '%.*s' has an odd number of digits", (int)(n > 80 ? 80 : n), s);
    for (size_t i = 0; i < n; i++)
        if (cv_hexval(s[i]) < 0)
            return cv_fail(err, "hash '%.*s' is not hexadecimal", (int)(n > 80 ? 80 : n), s);
    return true;
}

cv_status cv_phish_line(const char *line, size_t len, cv_phish_list list, cv_error *err)
{
    /* libclamav reads the line as a C string, newline cut */
    const char *nul = memchr(line, 0, len);
    if (nul)
        len = (size_t)(nul - line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len == 0)
        return cv_skip(err, "empty line");
    if (line[0] == '#')
        return cv_skip(err, "comment");
    if (!flevel_ok(line, &len))
        return cv_skip(err, "outside this functionality level (skipped as clamscan does)");
    if (len >= CV_PHISH_LINE_MAX - 3)
        return cv_bad(err, "line too long (clamscan's limit is %d bytes)", CV_PHISH_LINE_MAX - 4);
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return cv_bad(err, "no ':' after the kind letter");
    const char *pat = colon + 1;
    size_t plen = len - (size_t)(pat - line);
    char kind = line[0];
    bool domain = list == CV_PHISH_DOMAIN;
    cv_error why = {{0}};
    if ((domain && kind == 'R') || (!domain && (kind == 'X' || kind == 'Y'))) {
        if (!cv_phish_regex_ok(pat, plen, &why))
            return cv_bad(err, "%s", why.msg);
        return CV_OK;
    }
    if ((domain && kind == 'H') || (!domain && kind == 'M')) {
        if (!cv_phish_host_ok(pat, plen, &why))
            return cv_bad(err, "%s", why.msg);
        return CV_OK;
    }
    /* S:W: (allowed), S:F: (full hash), S:P: (prefix); an allow list
     * takes only S:W: */
    if (kind == 'S' && (domain || (plen > 0 && pat[0] == 'W'))) {
        if (plen < 2 || (pat[0] != 'W' && pat[0] != 'F' && pat[0] != 'P') || pat[1] != ':')
            return cv_bad(err, "hash line: expected S:W:, S:F: or S:P: before the hash");
        if (!hash_ok(pat + 2, plen - 2, &why))
            return cv_bad(err, "%s", why.msg);
        return CV_OK;
    }
    return cv_bad(err, "unknown line kind '%c' (a %s takes %s)", kind,
                  domain ? "domain list (.pdb .gdb)" : "allow list (.wdb)",
                  domain ? "R, H and S" : "X, Y, M and S:W");
}
