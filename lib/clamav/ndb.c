/*
 * ndb.c - extended body signatures (.ndb .ndu):
 * Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]], with libclamav's
 * loader rules (cli_loadndb): 4 to 6 fields, target "*" or digits (targets
 * above 14 are skipped), a non-empty name, and its Boyer-Moore length rule
 * for plain literals in generic and PE targets.
 */
#include <string.h>

#include "clamav/util.h"

cv_status cv_parse_ndb(const char *line, size_t len, cv_arena *a, cv_ndb *out, cv_error *err)
{
    cv_fields f;
    memset(out, 0, sizeof(*out));
    cv_split(line, len, ':', &f);
    if (f.n < 4 || f.n > 6)
        return cv_bad(err, "expected Name:Target:Offset:HexSig[:MinFL[:MaxFL]], got %zu fields",
                      f.n);
    if (!cv_parse_flevel(&f, 4, &out->flevel, err))
        return CV_BAD;
    cv_str t = f.f[1];
    if (!cv_eq(t, "*") && !cv_isnumber(t))
        return cv_bad(err, "target type '%.*s' is not a number", (int)t.len, t.p);
    out->target = cv_eq(t, "*") ? 0 : cv_atou32(t);
    if (out->target > CV_MAX_TARGET)
        return cv_skip(err, "target type %u not supported (skipped as clamscan does)", out->target);
    if (f.f[0].len == 0)
        return cv_bad(err, "empty signature name");
    out->name.p = cv_strndup(a, f.f[0].p, f.f[0].len);
    out->name.len = f.f[0].len;
    if (!out->name.p)
        return cv_bad(err, "out of memory");
    cv_str off = f.f[2], hex = f.f[3];
    if (!cv_parse_offset(off.p, off.len, out->target, &out->offset, err))
        return CV_BAD;
    /* libclamav's Boyer-Moore path (cli_parse_add): plain hex in target 0,
     * or target 1 with a fixed offset, neither VI nor a macro offset. */
    bool plain = !memchr(hex.p, '?', hex.len) && !memchr(hex.p, '(', hex.len) &&
                 !memchr(hex.p, '[', hex.len) && !memchr(hex.p, '{', hex.len) &&
                 !memchr(hex.p, '*', hex.len);
    bool bm = plain &&
              (out->target == 0 ||
               (out->target == 1 && !cv_eq(off, "*") && !memchr(off.p, ',', off.len))) &&
              out->offset.kind != CV_OFF_VI && out->offset.kind != CV_OFF_MACRO &&
              !memchr(off.p, '$', off.len);
    if (!cv_parse_hex(hex.p, hex.len, 0, bm, a, &out->hex, err) ||
        !cv_hex_prefilter_ok(out->target, &out->hex, err))
        return CV_BAD;
    return CV_OK;
}
