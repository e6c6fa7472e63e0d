/*
 * ldb.c - logical signatures (.ldb .ldu):
 * Name;TargetDescriptionBlock;LogicalExpression;Subsig0;Subsig1;...
 * The TDB follows libclamav's lsigattribs/init_tdb (unknown attributes and
 * file types skip the line, Engine first, new attributes need Engine >= 51),
 * the expression lexpr.c, subsignatures subsig.c. The number of
 * subsignatures must be the highest index used + 1, and at most 64.
 */
#include <stdio.h>
#include <string.h>

#include "clamav/util.h"

cv_status cv_parse_subsig(const char *s, size_t len, uint32_t target, uint32_t self, cv_arena *a,
                          cv_subsig *out, cv_error *err);
void cv_split_pcre_aware(const char *s, size_t len, char delim, size_t skip, cv_fields *out);

static bool range(cv_str v, cv_range *r, const char *name, cv_error *err)
{
    const char *dash = memchr(v.p, '-', v.len);
    if (!dash)
        return cv_fail(err, "TDB %s needs a min-max range", name);
    cv_str lo = {v.p, (size_t)(dash - v.p)}, hi = {dash + 1, v.len - lo.len - 1};
    if (!cv_isnumber(lo) || !cv_isnumber(hi))
        return cv_fail(err, "invalid TDB %s range '%.*s'", name, (int)v.len, v.p);
    r->present = true;
    r->min = cv_atou32(lo);
    r->max = cv_atou32(hi);
    return true;
}

static cv_status tdb(cv_str s, cv_arena *a, cv_tdb *t, cv_error *err)
{
    cv_fields f;
    memset(t, 0, sizeof(*t));
    cv_split(s.p, s.len, ',', &f);
    size_t n = f.n > 10 ? 10 : f.n; /* libclamav reads 10 attributes at most */
    bool has_target = false, newext = false;
    for (size_t i = 0; i < n; i++) {
        cv_str tok = f.f[i];
        const char *colon = memchr(tok.p, ':', tok.len);
        if (!colon)
            return cv_bad(err, "TDB attribute '%.*s' has no ':'", (int)tok.len, tok.p);
        cv_str k = {tok.p, (size_t)(colon - tok.p)}, v = {colon + 1, tok.len - k.len - 1};
        if (cv_eq(k, "Engine")) {
            if (i)
                return cv_bad(err, "the Engine attribute must come first in the TDB");
            if (!range(v, &t->engine, "Engine", err))
                return CV_BAD;
            continue;
        }
        if (!cv_eq(k, "Target"))
            newext = true;
        if (cv_eq(k, "Target")) {
            if (!cv_isnumber(v))
                return cv_bad(err, "invalid Target '%.*s'", (int)v.len, v.p);
            t->target = cv_atou32(v);
            has_target = true;
        } else if (cv_eq(k, "FileSize")) {
            if (!range(v, &t->filesize, "FileSize", err))
                return CV_BAD;
        } else if (cv_eq(k, "EntryPoint")) {
            if (!range(v, &t->entrypoint, "EntryPoint", err))
                return CV_BAD;
        } else if (cv_eq(k, "NumberOfSections")) {
            if (!range(v, &t->nsections, "NumberOfSections", err))
                return CV_BAD;
        } else if (cv_eq(k, "IconGroup1") || cv_eq(k, "IconGroup2")) {
            cv_str *d = k.p[9] == '1' ? &t->icongroup1 : &t->icongroup2;
            d->p = cv_strndup(a, v.p, v.len);
            d->len = v.len;
            if (!d->p)
                return cv_bad(err, "out of memory");
        } else if (cv_eq(k, "Container") || cv_eq(k, "HandlerType")) {
            uint16_t code;
            if (!cv_filetype_lookup(v.p, v.len, &code))
                return cv_skip(err, "unknown file type '%.*s' in %.*s", (int)v.len, v.p, (int)k.len,
                               k.p);
            if (k.p[0] == 'C') {
                t->has_container = true;
                t->container = code;
            } else {
                t->has_handlertype = true;
                t->handlertype = code;
            }
        } else if (cv_eq(k, "Intermediates")) {
            cv_fields it;
            cv_split(v.p, v.len, '>', &it);
            if (it.n > 16)
                it.n = 16; /* libclamav reads 16 at most */
            for (size_t j = 0; j < it.n; j++)
                if (!cv_filetype_lookup(it.f[j].p, it.f[j].len, &t->intermediates[j]))
                    return cv_skip(err, "unknown file type '%.*s' in Intermediates",
                                   (int)it.f[j].len, it.f[j].p);
            t->nintermediates = (uint32_t)it.n;
        } else {
            return cv_skip(err, "unknown TDB attribute '%.*s'", (int)k.len, k.p);
        }
    }
    if (newext && (!t->engine.present || t->engine.min < 51))
        return cv_bad(err, "TDB attributes other than Target need Engine with a minimum of 51");
    if (!has_target)
        return cv_bad(err, "no Target in the TDB");
    if (t->target > CV_MAX_TARGET)
        return cv_skip(err, "target type %u not supported (skipped as clamscan does)", t->target);
    if ((t->icongroup1.p || t->icongroup2.p) && t->target != 1)
        return cv_bad(err, "IconGroup needs Target:1 (PE)");
    if ((t->entrypoint.present || t->nsections.present) && t->target != 1 && t->target != 6 &&
        t->target != 9)
        return cv_bad(err, "EntryPoint/NumberOfSections need Target 1, 6 or 9");
    return CV_OK;
}

cv_status cv_parse_ldb(const char *line, size_t len, cv_arena *a, cv_ldb *out, cv_error *err)
{
    cv_fields f;
    memset(out, 0, sizeof(*out));
    cv_split_pcre_aware(line, len, ';', 3, &f);
    if (f.n < 4)
        return cv_bad(err, "expected Name;TDB;Logic;Subsig0[;...], got %zu fields", f.n);
    if (f.n > 3 + CV_MAX_SUBSIGS)
        return cv_bad(err, "more than %d subsignatures", CV_MAX_SUBSIGS);
    if (f.f[0].len == 0)
        return cv_bad(err, "empty signature name");
    uint32_t maxi;
    if (!cv_parse_lexpr(f.f[2].p, f.f[2].len, a, &out->expr, &maxi, err))
        return CV_BAD;
    if (maxi + 1 != f.n - 3)
        return cv_bad(err, "%zu subsignatures but the logical expression uses indexes up to %u",
                      f.n - 3, maxi);
    cv_status st = tdb(f.f[1], a, &out->tdb, err);
    if (st != CV_OK)
        return st;
    out->name.p = cv_strndup(a, f.f[0].p, f.f[0].len);
    out->name.len = f.f[0].len;
    if (!out->name.p)
        return cv_bad(err, "out of memory");
    out->nsubs = (uint32_t)(f.n - 3);
    for (uint32_t i = 0; i < out->nsubs; i++) {
        cv_error e2;
        st = cv_parse_subsig(f.f[3 + i].p, f.f[3 + i].len, out->tdb.target, i, a, &out->subs[i],
                             &e2);
        if (st == CV_OK && out->subs[i].kind == CV_SUB_HEX &&
            !cv_hex_prefilter_ok(out->tdb.target, &out->subs[i].hex, &e2))
            st = CV_BAD;
        if (st != CV_OK) {
            snprintf(err->msg, sizeof(err->msg), "subsignature %u: %.170s", i, e2.msg);
            return st;
        }
    }
    return CV_OK;
}
