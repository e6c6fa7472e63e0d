/*
 * cvd_check.c - a ClamAV container's members checked as a whole (cvd.h,
 * cv_cvd_check_members), the one place where the loader (load.c) and
 * sigtool's --info/--unpack (lib/api/cvd.c) decide which containers they
 * accept. The checks are libclamav's cli_cvdload; all of them run before
 * the first callback, so nothing of a refused container is loaded or
 * written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/cvd.h"
#include "clamav/util.h"

static bool ends_with_nocase(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

cv_cvd_kind cv_cvd_kind_of(const char *path)
{
    if (ends_with_nocase(path, ".cld"))
        return CV_KIND_CLD;
    if (ends_with_nocase(path, ".cud"))
        return CV_KIND_CUD;
    return CV_KIND_CVD;
}

bool cv_cvd_is_database(const char *name)
{
    /* readdb.h CLI_DBEXT of a 1.4 build with YARA; cli_tgzload adds the
     * ignore lists. Anything else (COPYING) is carried unchecked. */
    static const char *const ext[] = {
        ".db",  ".hdb", ".hdu", ".fp",   ".mdb",  ".mdu", ".hsb",  ".hsu", ".sfp", ".msb",
        ".msu", ".ndb", ".ndu", ".ldb",  ".ldu",  ".sdb", ".zmd",  ".rmd", ".pdb", ".gdb",
        ".wdb", ".cbc", ".ftm", ".cfg",  ".cvd",  ".cld", ".cud",  ".cdb", ".cat", ".crb",
        ".idb", ".ioc", ".yar", ".yara", ".pwdb", ".ign", ".ign2", ".imp",
    };
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (ends_with_nocase(name, ext[i]))
            return true;
    return false;
}

static vigil_status fail(cv_cvd_fault *f, vigil_status st, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static vigil_status fail(cv_cvd_fault *f, vigil_status st, const char *member, const char *fmt, ...)
{
    snprintf(f->member, sizeof(f->member), "%s", member);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
    va_end(ap);
    return st;
}

typedef struct member_list {
    cv_tar_member *v;
    size_t n, cap;
} member_list;

/* Every member in archive order. Names must be usable as file names by
 * whoever unpacks them (cv_tar_next already refused '/'), and one name
 * twice would let a second copy replace the first one checked. */
static vigil_status list_members(const uint8_t *tar, size_t len, member_list *l, cv_cvd_fault *f)
{
    size_t off = 0;
    for (;;) {
        cv_tar_member m;
        cv_error e;
        cv_status st = cv_tar_next(tar, len, &off, &m, &e);
        if (st == CV_SKIP)
            return VIGIL_OK;
        if (st != CV_OK)
            /* a malformed header's name is not worth repeating */
            return fail(f, VIGIL_E_CORRUPT, "", "tar member %zu: %s", l->n + 1, e.msg);
        if (strcmp(m.name, ".") == 0 || strcmp(m.name, "..") == 0)
            return fail(f, VIGIL_E_CORRUPT, m.name, "not a file name");
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->v[i].name, m.name) == 0)
                return fail(f, VIGIL_E_CORRUPT, m.name, "a second file of that name (member %zu)",
                            l->n + 1);
        if (l->n == CV_CVD_MAX_MEMBERS)
            return fail(f, VIGIL_E_LIMIT, "", "more than %d tar members", CV_CVD_MAX_MEMBERS);
        if (l->n == l->cap) {
            size_t nc = l->cap ? l->cap * 2 : 16;
            cv_tar_member *nv = realloc(l->v, nc * sizeof(*nv));
            if (!nv)
                return VIGIL_E_NOMEM;
            l->v = nv;
            l->cap = nc;
        }
        l->v[l->n++] = m;
    }
}

/* One database member against .info; the reason without the member's name
 * in front, which the fault carries apart. */
static vigil_status check_member(const cv_info *info, const cv_tar_member *m, cv_cvd_fault *f)
{
    size_t nl = strlen(m->name);
    bool listed = false;
    for (uint32_t i = 0; i < info->n && !listed; i++)
        listed =
            info->entries[i].name.len == nl && memcmp(info->entries[i].name.p, m->name, nl) == 0;
    if (!listed)
        return fail(f, VIGIL_E_CORRUPT, m->name, "not listed in .info");
    cv_error e;
    if (cv_info_check(info, m, &e))
        return VIGIL_OK;
    const char *why = e.msg;
    if (strncmp(why, m->name, nl) == 0 && strncmp(why + nl, ": ", 2) == 0)
        why += nl + 2;
    return fail(f, VIGIL_E_CORRUPT, m->name, "%s", why);
}

/* One "name:size:sha256" line of a .cud's .info into out (entries grown in
 * the arena, *cap their room). */
static bool unsigned_entry(const char *s, size_t n, size_t line, cv_arena *a, cv_info *out,
                           size_t *cap, cv_error *err)
{
    cv_fields f;
    cv_split(s, n, ':', &f);
    if (f.n != 3 || !cv_isnumber(f.f[1]))
        return cv_fail(err, "line %zu: expected name:size:sha256", line);
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        cv_info_entry *ne = cv_alloc(a, nc * sizeof(*ne));
        if (!ne)
            return cv_fail(err, "out of memory");
        if (out->n)
            memcpy(ne, out->entries, out->n * sizeof(*ne));
        out->entries = ne;
        *cap = nc;
    }
    cv_info_entry *e = &out->entries[out->n];
    size_t hn;
    if (f.f[2].len != 64 || !cv_hex_bytes(f.f[2], e->sha256, 32, &hn))
        return cv_fail(err, "line %zu: malformed SHA-256", line);
    e->name.p = cv_strndup(a, f.f[0].p, f.f[0].len);
    e->name.len = f.f[0].len;
    e->size = cv_atou32(f.f[1]);
    if (!e->name.p)
        return cv_fail(err, "out of memory");
    out->n++;
    return true;
}

/* A .cud's .info, as libclamav's cli_loadinfo reads it with CL_DB_UNSIGNED:
 * the lines of a signed one but no signature, so a "DSIG:" line is an
 * entry of two fields and refused (clamscan 1.4.6 does the same). Lines
 * lose only their "\r\n", as cli_chomp does. */
static bool parse_unsigned_info(const uint8_t *p, size_t len, cv_arena *a, cv_info *out,
                                cv_error *err)
{
    memset(out, 0, sizeof(*out));
    bool have_header = false;
    size_t cap = 0, pos = 0, line = 0;
    while (pos < len) {
        const uint8_t *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) : len;
        const char *s = (const char *)p + pos;
        size_t n = end - pos;
        pos = nl ? end + 1 : len;
        line++;
        while (n && s[n - 1] == '\r')
            n--;
        if (n >= 11 && memcmp(s, "ClamAV-VDB:", 11) == 0) {
            if (have_header)
                return cv_fail(err, "line %zu: second header", line);
            /* the container's own header parser, on the line padded to a header block */
            char block[CV_CVD_HEADER];
            if (n >= sizeof(block))
                return cv_fail(err, "line %zu: header too long", line);
            memset(block, ' ', sizeof(block));
            memcpy(block, s, n);
            if (!cv_cvd_header_parse((const uint8_t *)block, sizeof(block), &out->header, err))
                return false;
            have_header = true;
        } else if (!have_header) {
            return cv_fail(err, "line %zu: entry before the header", line);
        } else if (!unsigned_entry(s, n, line, a, out, &cap, err)) {
            return false;
        }
    }
    if (!have_header)
        return cv_fail(err, "no ClamAV-VDB header line");
    return true;
}

/* .info (signed, or not in a .cud), its header line against the
 * container's header, then each database member against its entry. */
static vigil_status check_info(const member_list *l, const cv_tar_member *im, cv_cvd_kind kind,
                               const cv_cvd_header *h, const cv_rsa_key *key, cv_cvd_fault *f)
{
    cv_arena a;
    cv_arena_init(&a);
    cv_info info;
    cv_error e;
    vigil_status st = VIGIL_OK;
    bool parsed = kind == CV_KIND_CUD ? parse_unsigned_info(im->data, im->size, &a, &info, &e)
                                      : cv_info_parse(im->data, im->size, key, &a, &info, &e);
    if (!parsed) {
        /* the parsers say "out of memory" in words only */
        st = strcmp(e.msg, "out of memory") == 0 ? VIGIL_E_NOMEM
                                                 : fail(f, VIGIL_E_CORRUPT, im->name, "%s", e.msg);
        goto out;
    }
    const cv_cvd_header *ih = &info.header;
    if (ih->version != h->version || ih->sigs != h->sigs || ih->flevel != h->flevel ||
        ih->stime != h->stime) {
        st = fail(f, VIGIL_E_CORRUPT, im->name,
                  "its header line (version %u, %u signatures, level %u, time %u) does not match "
                  "the container's (version %u, %u signatures, level %u, time %u)",
                  ih->version, ih->sigs, ih->flevel, ih->stime, h->version, h->sigs, h->flevel,
                  h->stime);
        goto out;
    }
    /* cli_cvdload's "dbinfo error": a .info that vouches for nothing */
    if (info.n == 0) {
        st = fail(f, VIGIL_E_CORRUPT, im->name, "lists no members");
        goto out;
    }
    for (size_t i = 0; i < l->n && st == VIGIL_OK; i++) {
        const cv_tar_member *m = &l->v[i];
        if (m != im && cv_cvd_is_database(m->name))
            st = check_member(&info, m, f);
    }
out:
    cv_arena_free(&a);
    return st;
}

vigil_status cv_cvd_check_members(const uint8_t *tar, size_t tar_len, cv_cvd_kind kind,
                                  const cv_cvd_header *h, const cv_rsa_key *info_key,
                                  cv_member_fn fn, void *user, cv_cvd_fault *fault)
{
    cv_cvd_fault scratch;
    cv_cvd_fault *f = fault ? fault : &scratch;
    f->member[0] = f->reason[0] = '\0';
    if (!tar || !h)
        return fail(f, VIGIL_E_ARG, "", "no archive or header given");
    member_list l = {0};
    vigil_status st = list_members(tar, tar_len, &l, f);
    /* cli_cvdload takes the first .info; later ones are carried like COPYING */
    const cv_tar_member *im = NULL;
    for (size_t i = 0; i < l.n && !im; i++)
        if (ends_with_nocase(l.v[i].name, ".info"))
            im = &l.v[i];
    if (st == VIGIL_OK && !im)
        st = fail(f, VIGIL_E_CORRUPT, "", "no .info member: the contents cannot be verified");
    if (st == VIGIL_OK)
        st = check_info(&l, im, kind, h, info_key, f);
    for (size_t i = 0; i < l.n && st == VIGIL_OK && fn; i++) {
        const cv_tar_member *m = &l.v[i];
        cv_member_role role = m == im                       ? CV_MEMBER_INFO
                              : cv_cvd_is_database(m->name) ? CV_MEMBER_DATABASE
                                                            : CV_MEMBER_OTHER;
        st = fn(user, m, role);
    }
    free(l.v);
    return st;
}
