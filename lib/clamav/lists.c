/*
 * lists.c - the list-like databases: ignore lists (.ign .ign2: Name,
 * Name:MD5-of-line, or the old db:line:Name form), container metadata
 * (.cdb, cli_loadcdb's 10 to 12 fields) and file type magic (.ftm,
 * cli_loadftm's 6 to 8 fields). Field rules follow libclamav's loaders.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/phishre.h"
#include "clamav/util.h"

static bool dupstr(cv_arena *a, cv_str in, cv_str *out)
{
    out->p = cv_strndup(a, in.p, in.len);
    out->len = in.len;
    return out->p != NULL;
}

cv_status cv_parse_ign(const char *line, size_t len, cv_arena *a, cv_ign *out, cv_error *err)
{
    cv_fields f;
    memset(out, 0, sizeof(*out));
    cv_split(line, len, ':', &f);
    if (f.n > 3)
        return cv_bad(err, "expected Name, Name:MD5 or db:line:Name, got %zu fields", f.n);
    cv_str name = f.n == 3 ? f.f[2] : f.f[0];
    if (f.n == 1)
        name = (cv_str){line, len};
    out->legacy = f.n == 3;
    if (name.len == 0)
        return cv_bad(err, "no signature name");
    if (f.n == 2) {
        size_t n;
        if (f.f[1].len != 32 || !cv_hex_bytes(f.f[1], out->md5, 16, &n))
            return cv_bad(err, "malformed MD5 '%.*s'", (int)(f.f[1].len > 40 ? 40 : f.f[1].len),
                          f.f[1].p);
        out->has_md5 = true;
    }
    return dupstr(a, name, &out->name) ? CV_OK : cv_bad(err, "out of memory");
}

static bool cdb_range(cv_str t, cv_range *r, const char *what, cv_error *err)
{
    memset(r, 0, sizeof(*r));
    if (cv_eq(t, "*"))
        return true;
    const char *dash = memchr(t.p, '-', t.len);
    if (dash) {
        /* sscanf("%u-%u") == 2 */
        cv_str x = {t.p, (size_t)(dash - t.p)}, y = {dash + 1, t.len - x.len - 1};
        size_t dx = 0, dy = 0;
        while (dx < x.len && x.p[dx] >= '0' && x.p[dx] <= '9')
            dx++;
        while (dy < y.len && y.p[dy] >= '0' && y.p[dy] <= '9')
            dy++;
        if (!dx || dx != x.len || !dy)
            return cv_fail(err, "invalid %s '%.*s'", what, (int)t.len, t.p);
        r->min = cv_atou32(x);
        r->max = cv_atou32((cv_str){y.p, dy});
    } else {
        if (!cv_isnumber(t))
            return cv_fail(err, "invalid %s '%.*s'", what, (int)t.len, t.p);
        r->min = r->max = cv_atou32(t);
    }
    r->present = true;
    return true;
}

cv_status cv_parse_cdb(const char *line, size_t len, cv_arena *a, cv_cdb *out, cv_error *err)
{
    cv_fields f;
    memset(out, 0, sizeof(*out));
    cv_split(line, len, ':', &f);
    if (f.n < 10 || f.n > 12)
        return cv_bad(err, "expected 10 to 12 ':'-separated fields, got %zu", f.n);
    if (!cv_parse_flevel(&f, 10, &out->flevel, err))
        return CV_BAD;
    if (f.f[0].len == 0)
        return cv_bad(err, "empty signature name");
    if (cv_eq(f.f[1], "*"))
        out->any_container = true;
    else if (!cv_filetype_lookup(f.f[1].p, f.f[1].len, &out->container))
        return cv_bad(err, "unknown container type '%.*s'", (int)f.f[1].len, f.f[1].p);
    if (!cdb_range(f.f[2], &out->csize, "container size", err) ||
        !cdb_range(f.f[4], &out->fsizec, "compressed file size", err) ||
        !cdb_range(f.f[5], &out->fsizer, "real file size", err) ||
        !cdb_range(f.f[7], &out->filepos, "file position", err))
        return CV_BAD;
    if (cv_eq(f.f[6], "*"))
        out->encrypted = 2;
    else if (cv_eq(f.f[6], "0") || cv_eq(f.f[6], "1"))
        out->encrypted = f.f[6].p[0] - '0';
    else
        return cv_bad(err, "encryption flag must be 0, 1 or *");
    if (!cv_eq(f.f[3], "*")) {
        /* libclamav compiles it at load time with its own copy of
         * Spencer's regex code (cli_regcomp, REG_EXTENDED | REG_NOSUB) and
         * refuses the database when that fails */
        cv_error rerr;
        if (!cv_posix_ere_ok(f.f[3].p, f.f[3].len, NULL, &rerr))
            return cv_bad(err, "invalid file name regular expression '%.*s': %s",
                          (int)f.f[3].len, f.f[3].p, rerr.msg);
    }
    if (!dupstr(a, f.f[0], &out->name) || !dupstr(a, f.f[8], &out->res1) ||
        (!cv_eq(f.f[3], "*") && !dupstr(a, f.f[3], &out->filename_re)) ||
        (!cv_eq(f.f[9], "*") && !dupstr(a, f.f[9], &out->res2)))
        return cv_bad(err, "out of memory");
    return CV_OK;
}

cv_status cv_parse_ftm(const char *line, size_t len, cv_arena *a, cv_ftm *out, cv_error *err)
{
    cv_fields f;
    memset(out, 0, sizeof(*out));
    cv_split(line, len, ':', &f);
    if (f.n < 6 || f.n > 8)
        return cv_bad(err,
                      "expected MagicType:Offset:HexSig:Name:RequiredType:DetectedType"
                      "[:MinFL[:MaxFL]], got %zu fields",
                      f.n);
    if (!cv_parse_flevel(&f, 6, &out->flevel, err))
        return CV_BAD;
    if (!cv_filetype_lookup(f.f[4].p, f.f[4].len, &out->required_type) ||
        !cv_filetype_lookup(f.f[5].p, f.f[5].len, &out->detected_type))
        return cv_bad(err, "unknown file type in '%.*s' or '%.*s'", (int)f.f[4].len, f.f[4].p,
                      (int)f.f[5].len, f.f[5].p);
    if (!cv_isnumber(f.f[0]))
        return cv_bad(err, "magic type '%.*s' is not a number", (int)f.f[0].len, f.f[0].p);
    out->magictype = cv_atou32(f.f[0]);
    if (!dupstr(a, f.f[3], &out->name) || !dupstr(a, f.f[1], &out->offset_text))
        return cv_bad(err, "out of memory");
    if (out->magictype == 1) {
        if (f.f[3].len == 0)
            return cv_bad(err, "empty type name");
        if (!cv_parse_offset(f.f[1].p, f.f[1].len, 0, &out->offset, err) ||
            !cv_parse_hex(f.f[2].p, f.f[2].len, 0, false, a, &out->hex, err))
            return CV_BAD;
    } else if (out->magictype == 0 || out->magictype == 4) {
        if (!cv_isnumber(f.f[1]))
            return cv_bad(err, "invalid offset '%.*s'", (int)f.f[1].len, f.f[1].p);
        out->offset.kind = CV_OFF_ABSOLUTE;
        out->offset.value = cv_atou32(f.f[1]);
        out->magic = cv_alloc(a, f.f[2].len / 2 + 1);
        size_t n = 0;
        if (!out->magic || f.f[2].len == 0 || !cv_hex_bytes(f.f[2], out->magic, f.f[2].len / 2, &n))
            return cv_bad(err, "can't decode the magic hex string");
        out->magic_len = (uint32_t)n;
    } else {
        return cv_skip(err, "unsupported magic type %u", out->magictype);
    }
    return CV_OK;
}
