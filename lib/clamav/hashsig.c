/*
 * hashsig.c - hash signatures: whole-file hashes (.hdb .hsb .hdu .hsu and
 * the .fp .sfp allow lists), PE section hashes (.mdb .msb .mdu .msu) and
 * import-table hashes (.imp). libclamav (cli_loadhash) takes 3 to 5 fields,
 * a size in 1..0xfffffffe, or "*" only with a minimum functionality level of
 * at least 73, and MD5/SHA1/SHA256 chosen by the digest's length.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/util.h"

cv_status cv_parse_hash(const char *line, size_t len, cv_hash_kind kind, cv_arena *a,
                        cv_hashsig *out, cv_error *err)
{
    cv_fields f;
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    cv_split(line, len, ':', &f);
    if (f.n < 3 || f.n > 5)
        return cv_bad(err, "expected 3 to 5 ':'-separated fields, got %zu", f.n);
    /* libclamav reads the levels with atoi, without a digit check */
    if (f.n > 3) {
        out->flevel.has_min = true;
        out->flevel.min = cv_atou32(f.f[3]);
    }
    if (f.n > 4) {
        out->flevel.has_max = true;
        out->flevel.max = cv_atou32(f.f[4]);
    }
    size_t hf = kind == CV_HASH_SECTION ? 1 : 0, sf = kind == CV_HASH_SECTION ? 0 : 1;
    cv_str sz = f.f[sf];
    if (cv_eq(sz, "*")) {
        if (f.n < 4 || (int32_t)out->flevel.min < 73)
            return cv_bad(err, "a '*' size needs a minimum functionality level of at least 73");
        out->any_size = true;
    } else {
        char tmp[32];
        if (sz.len == 0 || sz.len >= sizeof(tmp))
            return cv_bad(err, "invalid size field '%.*s'", (int)(sz.len > 30 ? 30 : sz.len), sz.p);
        memcpy(tmp, sz.p, sz.len);
        tmp[sz.len] = 0;
        char *e;
        unsigned long v = strtoul(tmp, &e, 10);
        if (*e || v == 0 || v >= 0xffffffffUL)
            return cv_bad(err, "invalid size field '%s' (1..4294967294)", tmp);
        out->size = (uint32_t)v;
    }
    cv_str h = f.f[hf];
    size_t n = 0;
    if ((h.len != 32 && h.len != 40 && h.len != 64) || !cv_hex_bytes(h, out->digest, 32, &n))
        return cv_bad(err, "malformed hash '%.*s' (32, 40 or 64 hex digits)",
                      (int)(h.len > 70 ? 70 : h.len), h.p);
    out->algo = (cv_hash_algo)n;
    if (f.f[2].len == 0)
        return cv_bad(err, "empty signature name");
    out->name.p = cv_strndup(a, f.f[2].p, f.f[2].len);
    out->name.len = f.f[2].len;
    return out->name.p ? CV_OK : cv_bad(err, "out of memory");
}
