/*
 * load.c - ClamAV databases into vigil (see load.h): which files a folder
 * holds and in what order, signed containers, one line at a time into the
 * parsers of sig.h, and each parsed signature on to lowering or the hash
 * callback. The order follows libclamav's cli_loaddbdir: ignore lists
 * first (they must be known before the signatures they drop), then every
 * other database in the folder's own (readdir) order.
 */
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../util/file.h"
#include "crbdb.h"
#include "hexprog.h"
#include "icondb.h"
#include "lower.h"
#include "olddb.h"
#include "phishdb.h"
#include "util.h"

#define MAX_DB_FILE ((size_t)1 << 31)     /* main.cvd is ~170 MB */
#define MAX_CVD_BODY ((size_t)1 << 31)    /* unpacked tar */
#define MAX_DIR_ENTRIES 100000
#define NAME_MAX_LEN 1024

typedef struct ign_entry {
    char *name;
    bool has_md5;
    uint8_t md5[16];
} ign_entry;

struct cv_loader {
    ir_program *prog;
    cv_load_hooks hooks;
    const cv_rsa_key *cvd_key, *info_key;
    VEC(ign_entry) ign;
    bool ign_sorted;
    size_t signatures;
    unsigned flags;
    bool text_reloff; /* a target-7 pattern has a relative offset */
    VEC(char *) ftm;  /* .ftm rows of magic type 0 and 1, in load order */
    bool ftm_magic;   /* ... some of magic type 0 */
    size_t ftm_loaded; /* .ftm rows clamscan loads (magic types 0, 1, 4) */
};

/* libclamav's ac_reloff_num: an offset computed per object (EOF-n, EP,
 * sections), not `*` or an absolute n. */
static bool relative(const cv_offset *o)
{
    return o->kind != CV_OFF_ANY && o->kind != CV_OFF_ABSOLUTE;
}

/* The database kinds, by file extension. */
typedef enum db_kind {
    DB_UNKNOWN,
    DB_UNSUPPORTED, /* ClamAV databases this build does not read yet */
    DB_HASH,        /* .hdb .hsb .hdu .hsu .fp .sfp */
    DB_SECTION,     /* .mdb .msb .mdu .msu */
    DB_IMPORT,      /* .imp */
    DB_NDB,
    DB_LDB,
    DB_IGN,
    DB_CDB,
    DB_FTM,
    DB_DB,          /* .db: Name=HexSig, read as .ndb */
    DB_PHISH,       /* .pdb .gdb: phishing domain lists (checked, counted, not applied) */
    DB_ALLOW,       /* .wdb: phishing allow list (checked, not applied) */
    DB_ICON,        /* .idb: icon signatures (checked, counted, not applied) */
    DB_CERT,        /* .crb: certificate rules (checked, not applied) */
    DB_CONTAINER,   /* .cvd .cld .cud */
    DB_IGNORED,     /* .info .cfg: container metadata, nothing to load */
} db_kind;

typedef struct db_ext {
    const char *ext;
    db_kind kind;
    bool pua;
} db_ext;

static const db_ext db_exts[] = {
    {"hdb", DB_HASH, false},    {"hsb", DB_HASH, false},    {"hdu", DB_HASH, true},
    {"hsu", DB_HASH, true},     {"fp", DB_HASH, false},     {"sfp", DB_HASH, false},
    {"mdb", DB_SECTION, false}, {"msb", DB_SECTION, false}, {"mdu", DB_SECTION, true},
    {"msu", DB_SECTION, true},  {"imp", DB_IMPORT, false},  {"ndb", DB_NDB, false},
    {"ndu", DB_NDB, true},      {"ldb", DB_LDB, false},     {"ldu", DB_LDB, true},
    {"ign", DB_IGN, false},     {"ign2", DB_IGN, false},    {"cdb", DB_CDB, false},
    {"ftm", DB_FTM, false},     {"cvd", DB_CONTAINER, false}, {"cld", DB_CONTAINER, false},
    {"cud", DB_CONTAINER, false}, {"info", DB_IGNORED, false}, {"cfg", DB_IGNORED, false},
    {"db", DB_DB, false},       {"cbc", DB_UNSUPPORTED, false},
    {"pdb", DB_PHISH, false},   {"gdb", DB_PHISH, false},
    {"wdb", DB_ALLOW, false},   {"idb", DB_ICON, false},
    {"crb", DB_CERT, false},    {"cat", DB_UNSUPPORTED, false},
    {"yar", DB_UNSUPPORTED, false}, {"yara", DB_UNSUPPORTED, false},
    {"hwp", DB_UNSUPPORTED, false}, {"pwdb", DB_UNSUPPORTED, false},
    {"sign", DB_UNSUPPORTED, false},
};

static const db_ext *ext_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof(db_exts) / sizeof(db_exts[0]); i++)
        if (strcasecmp(dot + 1, db_exts[i].ext) == 0)
            return &db_exts[i];
    return NULL;
}

static void diag(cv_loader *l, bool warning, const char *file, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void diag(cv_loader *l, bool warning, const char *file, uint32_t line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (l->hooks.diag)
        l->hooks.diag(l->hooks.user, warning, file, line, msg);
}

vigil_status cv_loader_new(ir_program *prog, const cv_load_hooks *hooks, cv_loader **out)
{
    *out = calloc(1, sizeof(**out));
    if (!*out)
        return VIGIL_E_NOMEM;
    (*out)->prog = prog;
    (*out)->hooks = *hooks;
    return VIGIL_OK;
}

void cv_loader_free(cv_loader *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->ign.len; i++)
        free(l->ign.items[i].name);
    vec_free(&l->ign);
    for (size_t i = 0; i < l->ftm.len; i++)
        free(l->ftm.items[i]);
    vec_free(&l->ftm);
    free(l);
}

void cv_loader_set_keys(cv_loader *l, const cv_rsa_key *cvd_key, const cv_rsa_key *info_key)
{
    l->cvd_key = cvd_key;
    l->info_key = info_key;
}

size_t cv_loader_signatures(const cv_loader *l)
{
    return l->signatures;
}

bool cv_loader_text_reloff(const cv_loader *l)
{
    return l->text_reloff;
}

size_t cv_loader_ftm_rows(const cv_loader *l, const char *const **rows, bool *magic)
{
    *rows = (const char *const *)l->ftm.items;
    *magic = l->ftm_magic;
    return l->ftm.len;
}

/* ---- ignore lists ---------------------------------------------------- */

static int ign_cmp(const void *a, const void *b)
{
    return strcmp(((const ign_entry *)a)->name, ((const ign_entry *)b)->name);
}

/* Whether signature `name` (as written in its database) with source line
 * `line` is on an ignore list: by name alone, or by name and the MD5 of the
 * line (.ign2 "Name:MD5"). */
static bool ignored(cv_loader *l, const cv_str *name, const char *line, size_t len)
{
    if (l->ign.len == 0)
        return false;
    if (!l->ign_sorted) {
        qsort(l->ign.items, l->ign.len, sizeof(ign_entry), ign_cmp);
        l->ign_sorted = true;
    }
    char buf[NAME_MAX_LEN];
    if (name->len >= sizeof(buf))
        return false;
    memcpy(buf, name->p, name->len);
    buf[name->len] = '\0';
    ign_entry key = {.name = buf};
    ign_entry *hit = bsearch(&key, l->ign.items, l->ign.len, sizeof(ign_entry), ign_cmp);
    if (!hit)
        return false;
    /* entries with one name are adjacent: any of them may match */
    while (hit > l->ign.items && strcmp(hit[-1].name, buf) == 0)
        hit--;
    uint8_t md5[16];
    bool have_md5 = false;
    for (; hit < l->ign.items + l->ign.len && strcmp(hit->name, buf) == 0; hit++) {
        if (!hit->has_md5)
            return true;
        if (!have_md5) {
            unsigned int n = 0;
            if (!EVP_Digest(line, len, md5, &n, EVP_md5(), NULL))
                return false;
            have_md5 = true;
        }
        if (memcmp(md5, hit->md5, 16) == 0)
            return true;
    }
    return false;
}

/* ---- one database file ------------------------------------------------ */

/* Whether the matcher can compile a pattern the parser accepted (lib/re's
 * limits, libclamav's rules for modifiers): checked here so that a pattern
 * it refuses is an error of its line, with file and line, that
 * VIGIL_CLAMAV_SKIP_BAD can skip, not a failure of the whole build. */
static bool pattern_ok(const cv_hexsig *hex, unsigned opts, cv_error *err)
{
    unsigned fl = 0;
    if (opts & CV_OPT_NOCASE)
        fl |= IR_SF_NOCASE;
    if (opts & CV_OPT_FULLWORD)
        fl |= IR_SF_FULLWORD;
    if (opts & CV_OPT_ASCII)
        fl |= IR_SF_ASCII;
    /* a ::wa subsignature is two programs; the wide one is the stricter */
    if (opts & CV_OPT_WIDE)
        fl = (fl & ~(unsigned)IR_SF_ASCII) | IR_SF_WIDE;
    re_prog *prog = NULL;
    re_error rerr = {{0}, 0};
    vigil_status st = cv_compile_pattern(hex->text.p, hex->text.len, fl, &prog, &rerr);
    re_free(prog);
    if (st == VIGIL_OK)
        return true;
    snprintf(err->msg, sizeof(err->msg), "%s",
             st == VIGIL_E_NOMEM ? "out of memory" : rerr.message);
    return false;
}

typedef struct db_file {
    const char *source; /* name for diagnostics and metas */
    const char *type;   /* extension, lower case */
    const db_ext *ext;
    bool official;      /* from a signed container */
    bool loose;         /* a file of its own, not a container's member */
} db_file;

/* What one file's lines share while it is read. */
typedef struct file_state {
    cv_idb_groups groups; /* .idb: libclamav's per-file limit on group names */
} file_state;

/* A .db line: Name=HexSig lowered as the .ndb line Name:0:*:HexSig. */
static vigil_status load_db_line(cv_loader *l, const db_file *f, const char *line, size_t len,
                                 const cv_origin *o, cv_arena *a, cv_status *cs, cv_error *err)
{
    cv_str name, hex;
    char final[NAME_MAX_LEN + 16];
    *cs = cv_db_split(line, len, &name, &hex, err);
    if (*cs != CV_OK || ignored(l, &name, line, len))
        return VIGIL_OK;
    cv_ndb s;
    *cs = cv_parse_db(name, hex, a, &s, err);
    if (*cs != CV_OK)
        return VIGIL_OK;
    if (!pattern_ok(&s.hex, 0, err)) {
        *cs = CV_BAD;
        return VIGIL_OK;
    }
    if (!cv_detection_name(s.name.p, s.name.len, f->official, final, sizeof(final))) {
        *cs = CV_BAD;
        snprintf(err->msg, sizeof(err->msg), "signature name too long or empty");
        return VIGIL_OK;
    }
    vigil_status st = cv_lower_ndb(l->prog, &s, final, o);
    if (st == VIGIL_OK)
        l->signatures++;
    return st;
}

/* An .idb line: checked in libclamav's order (fields, ignore lists, the
 * hash's metrics, the file's group names) and counted. */
static vigil_status load_idb_line(cv_loader *l, file_state *fs, const char *line, size_t len,
                                  cv_status *cs, cv_error *err)
{
    cv_idb d;
    *cs = cv_idb_split(line, len, &d, err);
    if (*cs != CV_OK || ignored(l, &d.name, line, len))
        return VIGIL_OK;
    *cs = cv_idb_check_hash(&d, err);
    if (*cs != CV_OK)
        return VIGIL_OK;
    bool oom = false;
    *cs = cv_idb_groups_add(&fs->groups, &d, &oom, err);
    if (oom)
        return VIGIL_E_NOMEM;
    if (*cs == CV_OK)
        l->signatures++;
    return VIGIL_OK;
}

static vigil_status load_line(cv_loader *l, const db_file *f, file_state *fs, const char *line,
                              size_t len, uint32_t lineno, cv_arena *a, bool *bad)
{
    cv_error err = {{0}};
    cv_status cs = CV_OK;
    char name[NAME_MAX_LEN + 16];
    cv_origin o = {f->type, f->source, lineno};
    vigil_status st = VIGIL_OK;

    switch (f->ext->kind) {
    case DB_HASH:
    case DB_SECTION:
    case DB_IMPORT: {
        cv_hashsig h;
        cv_hash_kind k = f->ext->kind == DB_HASH      ? CV_HASH_FILE
                         : f->ext->kind == DB_SECTION ? CV_HASH_SECTION
                                                      : CV_HASH_IMPORT;
        cs = cv_parse_hash(line, len, k, a, &h, &err);
        if (cs != CV_OK || !cv_flevel_ok(&h.flevel) || ignored(l, &h.name, line, len))
            break;
        if (!cv_detection_name(h.name.p, h.name.len, f->official, name, sizeof(name))) {
            cs = CV_BAD;
            snprintf(err.msg, sizeof(err.msg), "signature name too long or empty");
            break;
        }
        bool allow = strcmp(f->type, "fp") == 0 || strcmp(f->type, "sfp") == 0;
        cv_hash_entry e = {&h, f->type, allow, name, f->source, lineno};
        st = l->hooks.hash ? l->hooks.hash(l->hooks.user, &e) : VIGIL_OK;
        /* clamscan counts allow-list entries among its "Known viruses" */
        if (st == VIGIL_OK)
            l->signatures++;
        break;
    }
    case DB_NDB: {
        cv_ndb s;
        cs = cv_parse_ndb(line, len, a, &s, &err);
        if (cs != CV_OK || !cv_flevel_ok(&s.flevel) || ignored(l, &s.name, line, len))
            break;
        if (!pattern_ok(&s.hex, 0, &err)) {
            cs = CV_BAD;
            break;
        }
        if (!cv_detection_name(s.name.p, s.name.len, f->official, name, sizeof(name))) {
            cs = CV_BAD;
            snprintf(err.msg, sizeof(err.msg), "signature name too long or empty");
            break;
        }
        st = cv_lower_ndb(l->prog, &s, name, &o);
        if (st == VIGIL_OK)
            l->signatures++;
        if (st == VIGIL_OK && s.target == 7 && relative(&s.offset))
            l->text_reloff = true;
        break;
    }
    case DB_LDB: {
        cv_ldb *s = cv_alloc(a, sizeof(*s));
        if (!s)
            return VIGIL_E_NOMEM;
        cs = cv_parse_ldb(line, len, a, s, &err);
        if (cs != CV_OK || ignored(l, &s->name, line, len))
            break;
        if (s->tdb.engine.present &&
            (s->tdb.engine.min > CV_FLEVEL || s->tdb.engine.max < CV_FLEVEL))
            break;
        for (uint32_t i = 0; i < s->nsubs && cs == CV_OK; i++)
            if (s->subs[i].kind == CV_SUB_HEX && !pattern_ok(&s->subs[i].hex, s->subs[i].opts, &err))
                cs = CV_BAD;
        if (cs != CV_OK)
            break;
        if (!cv_detection_name(s->name.p, s->name.len, f->official, name, sizeof(name))) {
            cs = CV_BAD;
            snprintf(err.msg, sizeof(err.msg), "signature name too long or empty");
            break;
        }
        st = cv_lower_ldb(l->prog, s, name, &o);
        if (st == VIGIL_OK)
            l->signatures++;
        for (uint32_t i = 0; st == VIGIL_OK && s->tdb.target == 7 && i < s->nsubs; i++)
            if (s->subs[i].kind == CV_SUB_HEX && s->subs[i].has_offset &&
                relative(&s->subs[i].offset))
                l->text_reloff = true;
        break;
    }
    case DB_IGN: {
        cv_ign g;
        cs = cv_parse_ign(line, len, a, &g, &err);
        if (cs != CV_OK)
            break;
        ign_entry e = {.name = strndup(g.name.p, g.name.len), .has_md5 = g.has_md5};
        memcpy(e.md5, g.md5, 16);
        if (!e.name || !vec_push(&l->ign, e)) {
            free(e.name);
            return VIGIL_E_NOMEM;
        }
        l->ign_sorted = false;
        break;
    }
    case DB_CDB: {
        /* container metadata signatures: checked on the members of the
         * containers vigil opens (lib/api/clamav_meta.c) */
        cv_cdb c;
        cs = cv_parse_cdb(line, len, a, &c, &err);
        if (cs != CV_OK || !cv_flevel_ok(&c.flevel) || ignored(l, &c.name, line, len))
            break;
        if (!cv_detection_name(c.name.p, c.name.len, f->official, name, sizeof(name))) {
            cs = CV_BAD;
            snprintf(err.msg, sizeof(err.msg), "signature name too long or empty");
            break;
        }
        st = cv_lower_cdb(l->prog, line, len, name, &o);
        if (st == VIGIL_OK)
            l->signatures++;
        break;
    }
    case DB_FTM: {
        cv_ftm t;
        cs = cv_parse_ftm(line, len, a, &t, &err);
        if (cs == CV_OK && cv_flevel_ok(&t.flevel) && t.magictype == 4)
            l->ftm_loaded++; /* partition types: counted, not used */
        if (cs != CV_OK || !cv_flevel_ok(&t.flevel) || (t.magictype != 0 && t.magictype != 1))
            break;
        l->ftm_loaded++;
        /* kept as written (without the functionality levels) for the
         * database's file-type table (api/clamav.c) */
        cv_fields fl;
        cv_split(line, len, ':', &fl);
        size_t keep = (size_t)(fl.f[5].p + fl.f[5].len - line);
        char *row = strndup(line, keep);
        if (!row || !vec_push(&l->ftm, row)) {
            free(row);
            return VIGIL_E_NOMEM;
        }
        if (t.magictype == 0)
            l->ftm_magic = true;
        break;
    }
    case DB_DB:
        st = load_db_line(l, f, line, len, &o, a, &cs, &err);
        break;
    case DB_PHISH:
    case DB_ALLOW:
        cs = cv_phish_line(line, len, f->ext->kind == DB_PHISH ? CV_PHISH_DOMAIN : CV_PHISH_ALLOW,
                           &err);
        /* clamscan counts domain list entries among its "Known viruses",
         * not allow list ones */
        if (cs == CV_OK && f->ext->kind == DB_PHISH)
            l->signatures++;
        break;
    case DB_ICON:
        st = load_idb_line(l, fs, line, len, &cs, &err);
        break;
    case DB_CERT:
        /* empty lines are skipped; rules are not counted */
        if (len > 0)
            cs = cv_crb_line(line, len, &err);
        break;
    default:
        break;
    }
    if (st != VIGIL_OK)
        return st;
    if (cs == CV_BAD) {
        bool skip = l->flags & VIGIL_CLAMAV_SKIP_BAD;
        diag(l, skip, f->source, lineno, "%s", err.msg);
        if (!skip)
            *bad = true;
    }
    return VIGIL_OK;
}

/* Kinds vigil reads, checks and counts (clamscan refuses and counts them
 * the same way) but does not apply yet: one warning per file. */
static void inert_note(cv_loader *l, const db_file *f)
{
    const char *what = NULL;
    switch (f->ext->kind) {
    case DB_PHISH:
        what = "phishing domain lists are checked and counted but not applied yet";
        break;
    case DB_ALLOW:
        what = "phishing allow lists are checked but not applied yet";
        break;
    case DB_ICON:
        what = "icon signatures are checked and counted but not applied yet";
        break;
    case DB_CERT:
        what = "certificate trust rules are checked but not applied yet";
        break;
    default:
        return;
    }
    diag(l, true, f->source, 0, "%s", what);
}

/* Every line of one database's text. */
/* The most bytes one fgets() call of libclamav's loaders returns (its
 * FILEBUFF buffer of 8192, less the NUL). */
#define FGETS_MAX 8191u

static vigil_status load_text(cv_loader *l, const db_file *f, const uint8_t *data, size_t len)
{
    db_kind kind = f->ext->kind;
    if (len == 0 && (kind == DB_HASH || kind == DB_SECTION || kind == DB_IMPORT ||
                     kind == DB_NDB || kind == DB_LDB || kind == DB_CDB || kind == DB_DB ||
                     kind == DB_ICON)) {
        /* clamscan refuses a signature file without a single line, comments
         * included ("Empty database file") */
        bool skip = l->flags & VIGIL_CLAMAV_SKIP_BAD;
        diag(l, skip, f->source, 0, "empty database file");
        return skip ? VIGIL_OK : VIGIL_E_SYNTAX;
    }
    cv_arena a;
    cv_arena_init(&a);
    file_state fs;
    memset(&fs, 0, sizeof(fs));
    bool bad = false;
    vigil_status st = VIGIL_OK;
    uint32_t lineno = 0;
    size_t pos = 0, ftm_before = l->ftm_loaded;
    while (pos < len && st == VIGIL_OK) {
        const uint8_t *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (f->loose && end - pos >= FGETS_MAX) {
            /* clamscan reads a file of its own with fgets() into an 8 KiB
             * buffer: a longer line is read as several, each parsed (or
             * skipped as a comment) by its own first byte */
            end = pos + FGETS_MAX;
            nl = NULL;
        }
        size_t n = end - pos;
        const char *line = (const char *)data + pos;
        pos = nl ? end + 1 : end;
        lineno++;
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
            n--;
        if (n > 0 && line[0] == '#')
            continue;
        st = load_line(l, f, &fs, line, n, lineno, &a, &bad);
        /* parsed forms are needed only while their line is lowered */
        if (a.total > ((size_t)16 << 20)) {
            cv_arena_free(&a);
            cv_arena_init(&a);
        }
    }
    cv_arena_free(&a);
    cv_idb_groups_free(&fs.groups);
    if (st != VIGIL_OK)
        return st;
    if (!bad)
        inert_note(l, f);
    if (!bad && f->ext->kind == DB_FTM && l->ftm_loaded == ftm_before) {
        /* clamscan refuses a file-type database none of whose rows it
         * loads ("Empty external filetype database") */
        bool skip = l->flags & VIGIL_CLAMAV_SKIP_BAD;
        diag(l, skip, f->source, 0, "empty file-type database: no row of magic type 0, 1 or 4 "
                                    "within this functionality level");
        bad = !skip;
    }
    return bad ? VIGIL_E_SYNTAX : VIGIL_OK;
}

/* ---- containers ------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* One member of a container that passed every check (cvd_check.c). */
typedef struct member_ctx {
    cv_loader *l;
    const char *path;
    bool official; /* signed: names without ".UNOFFICIAL" (not a .cud's) */
    bool bad;      /* a member had malformed lines (diagnosed) */
} member_ctx;

static vigil_status load_member(void *user, const cv_tar_member *m, cv_member_role role)
{
    member_ctx *mc = user;
    cv_loader *l = mc->l;
    if (role != CV_MEMBER_DATABASE)
        return VIGIL_OK; /* COPYING, .info: carried, not loaded */
    const db_ext *me = ext_of(m->name);
    if (!me || me->kind == DB_IGNORED || me->kind == DB_CONTAINER)
        return VIGIL_OK;
    if (me->pua && !(l->flags & VIGIL_CLAMAV_PUA))
        return VIGIL_OK;
    char source[NAME_MAX_LEN];
    snprintf(source, sizeof(source), "%s:%s", base_name(mc->path), m->name);
    if (me->kind == DB_UNSUPPORTED) {
        diag(l, true, source, 0, "this kind of database is not supported yet; left out");
        return VIGIL_OK;
    }
    char type[8];
    snprintf(type, sizeof(type), "%s", me->ext);
    db_file f = {source, type, me, mc->official, false};
    vigil_status st = load_text(l, &f, m->data, m->size);
    if (st == VIGIL_E_SYNTAX) {
        mc->bad = true;
        return VIGIL_OK;
    }
    return st;
}

static vigil_status load_container(cv_loader *l, const char *path, const uint8_t *data,
                                   size_t len)
{
    cv_error err = {{0}};
    cv_cvd_header h;
    cv_cvd_kind kind = cv_cvd_kind_of(path);
    /* only a .cvd's header signs its body: a .cld's describes the .cvd it
     * came from, a .cud is unsigned (libclamav's cli_cvdverify skipsig) */
    if (!cv_cvd_verify(data, len, kind != CV_KIND_CVD, l->cvd_key, &h, &err)) {
        diag(l, false, path, 0, "%s", err.msg);
        return VIGIL_E_SYNTAX;
    }
    uint8_t *tar = NULL;
    size_t tar_len = 0;
    if (!cv_cvd_body(data, len, MAX_CVD_BODY, &tar, &tar_len, &err)) {
        diag(l, false, path, 0, "%s", err.msg);
        return VIGIL_E_SYNTAX;
    }
    /* every member is checked (the .info's signature, sizes and SHA-256s)
     * before the first is loaded; clamscan loads a .cud without
     * CL_DB_OFFICIAL, so its names are marked */
    member_ctx mc = {l, path, kind != CV_KIND_CUD, false};
    cv_cvd_fault fault;
    vigil_status st =
        cv_cvd_check_members(tar, tar_len, kind, &h, l->info_key, load_member, &mc, &fault);
    if (st == VIGIL_E_CORRUPT || st == VIGIL_E_LIMIT) {
        if (fault.member[0])
            diag(l, false, path, 0, "%s: %s", fault.member, fault.reason);
        else
            diag(l, false, path, 0, "%s", fault.reason);
        st = VIGIL_E_SYNTAX;
    }
    free(tar);
    if (st == VIGIL_OK && mc.bad)
        st = VIGIL_E_SYNTAX;
    return st;
}

/* ---- files and folders ------------------------------------------------- */

static vigil_status load_file(cv_loader *l, const char *path, const db_ext *ext)
{
    if (ext->kind == DB_IGNORED)
        return VIGIL_OK;
    if (ext->kind == DB_UNSUPPORTED) {
        diag(l, true, path, 0, "this kind of database is not supported yet; left out");
        return VIGIL_OK;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    char why[256];
    vigil_status st = util_read_file(path, MAX_DB_FILE, &data, &len, why, sizeof(why));
    if (st != VIGIL_OK) {
        diag(l, false, path, 0, "%s", why);
        return st;
    }
    if (l->hooks.source && !l->hooks.source(l->hooks.user, path, data, len)) {
        free(data);
        return VIGIL_E_NOMEM;
    }
    if (ext->kind == DB_CONTAINER) {
        st = load_container(l, path, data, len);
    } else {
        char type[8];
        snprintf(type, sizeof(type), "%s", ext->ext);
        db_file f = {path, type, ext, false, true};
        st = load_text(l, &f, data, len);
    }
    free(data);
    return st;
}

static vigil_status load_dir(cv_loader *l, const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        diag(l, false, path, 0, "cannot open folder: %s", strerror(errno));
        return VIGIL_E_IO;
    }
    VEC(char *) names = {0};
    vigil_status st = VIGIL_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const db_ext *e = ext_of(de->d_name);
        if (!e || de->d_name[0] == '.')
            continue;
        if (names.len >= MAX_DIR_ENTRIES) {
            diag(l, false, path, 0, "more than %d database files", MAX_DIR_ENTRIES);
            st = VIGIL_E_LIMIT;
            break;
        }
        char *n = strdup(de->d_name);
        if (!n || !vec_push(&names, n)) {
            free(n);
            st = VIGIL_E_NOMEM;
            break;
        }
    }
    closedir(d);
    /* readdir order, as libclamav's cli_loaddbdir: which of two signatures
     * with one hash clamscan names depends on the load order */
    bool bad = false;
    /* two rounds: ignore lists, then the rest */
    for (int round = 0; round < 2 && st == VIGIL_OK; round++) {
        for (size_t i = 0; i < names.len && st == VIGIL_OK; i++) {
            const db_ext *e = ext_of(names.items[i]);
            if ((e->kind == DB_IGN) != (round == 0))
                continue;
            if (e->pua && !(l->flags & VIGIL_CLAMAV_PUA))
                continue;
            char full[4096];
            if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, names.items[i]) >=
                sizeof(full))
                continue;
            struct stat sb;
            if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode))
                continue;
            vigil_status s2 = load_file(l, full, e);
            if (s2 == VIGIL_E_SYNTAX)
                bad = true;
            else
                st = s2;
        }
    }
    for (size_t i = 0; i < names.len; i++)
        free(names.items[i]);
    vec_free(&names);
    if (st == VIGIL_OK && bad)
        st = VIGIL_E_SYNTAX;
    return st;
}

vigil_status cv_load_path(cv_loader *l, const char *path, unsigned flags)
{
    l->flags = flags;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        diag(l, false, path, 0, "cannot open: %s", strerror(errno));
        return VIGIL_E_IO;
    }
    if (S_ISDIR(sb.st_mode))
        return load_dir(l, path);
    const db_ext *e = ext_of(path);
    if (!e) {
        diag(l, false, path, 0, "not a ClamAV database (unknown file extension)");
        return VIGIL_E_SYNTAX;
    }
    if (e->pua && !(flags & VIGIL_CLAMAV_PUA))
        return VIGIL_OK;
    return load_file(l, path, e);
}
