/*
 * olddb.c - .db lines (olddb.h). The pattern goes through the .ndb hex
 * parser with the .ndb rules for target 0 and offset "*" (Boyer-Moore's
 * 3-byte minimum for plain literals, the prefilter's rules), which is
 * what libclamav's cli_add_content_match_pattern applies to both.
 */
#include "clamav/olddb.h"

#include <string.h>

#include "clamav/util.h"

cv_status cv_db_split(const char *line, size_t len, cv_str *name, cv_str *hex, cv_error *err)
{
    /* libclamav reads the line as a C string */
    const char *nul = memchr(line, 0, len);
    if (nul)
        len = (size_t)(nul - line);
    const char *eq = memchr(line, '=', len);
    if (!eq)
        return cv_bad(err, "expected Name=HexSignature (no '=')");
    *name = (cv_str){line, (size_t)(eq - line)};
    *hex = (cv_str){eq + 1, len - name->len - 1};
    return CV_OK;
}

cv_status cv_parse_db(cv_str name, cv_str hex, cv_arena *a, cv_ndb *out, cv_error *err)
{
    memset(out, 0, sizeof(*out));
    if (hex.len > 0 && hex.p[0] == '=')
        return cv_skip(err, "\"Name==\" line (skipped as clamscan does)");
    if (name.len == 0)
        return cv_bad(err, "empty signature name");
    out->name.p = cv_strndup(a, name.p, name.len);
    out->name.len = name.len;
    if (!out->name.p)
        return cv_bad(err, "out of memory");
    out->target = 0;
    out->offset.kind = CV_OFF_ANY;
    bool plain = !memchr(hex.p, '?', hex.len) && !memchr(hex.p, '(', hex.len) &&
                 !memchr(hex.p, '[', hex.len) && !memchr(hex.p, '{', hex.len) &&
                 !memchr(hex.p, '*', hex.len);
    if (!cv_parse_hex(hex.p, hex.len, 0, plain, a, &out->hex, err) ||
        !cv_hex_prefilter_ok(0, &out->hex, err))
        return CV_BAD;
    return CV_OK;
}
