/*
 * compiler.c - vigil_compiler: collects external variables and rule sources
 * into one ir_program through the YARA front end, then hands the program to
 * a new database together with its matcher. The program moves into the
 * database, so a compiler builds at most once. Every file read (top-level
 * and included) is recorded with its SHA-256 so the database can name its
 * sources (vigil_db_source_*), which is what lets a cache validate it.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/file.h"
#include "../yara/yara.h"
#include "internal.h"

#define MAX_RULE_FILE (64u << 20)


vigil_status vigil_compiler_new(vigil_compiler **out)
{
    *out = NULL;
    vigil_compiler *c = calloc(1, sizeof(*c));
    if (!c)
        return VIGIL_E_NOMEM;
    ir_init(&c->prog);
    if (!c->prog.pool.items || yc_new(&c->prog, &c->yc) != VIGIL_OK) {
        ir_free(&c->prog);
        free(c);
        return VIGIL_E_NOMEM;
    }
    c->warnings = true;
    *out = c;
    return VIGIL_OK;
}

void vigil_compiler_free(vigil_compiler *c)
{
    if (!c)
        return;
    yc_free(c->yc);
    api_clamav_free(c->clam);
    ir_free(&c->prog);
    for (size_t i = 0; i < c->sources.len; i++)
        free(c->sources.items[i].path);
    vec_free(&c->sources);
    free(c);
}

/* Records one file read; false only when out of memory or the digest failed. */
bool api_record_source(void *user, const char *path, const uint8_t *data, size_t len)
{
    vigil_compiler *c = user;
    read_source r = {0};
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, r.sha256, &mdlen, EVP_sha256(), NULL) || mdlen != VIGIL_DIGEST_LEN)
        return false;
    for (size_t i = 0; i < c->sources.len; i++) {
        const read_source *o = &c->sources.items[i];
        if (strcmp(o->path, path) == 0 && memcmp(o->sha256, r.sha256, VIGIL_DIGEST_LEN) == 0)
            return true;
    }
    r.path = strdup(path);
    if (!r.path || !vec_push(&c->sources, r)) {
        free(r.path);
        return false;
    }
    return true;
}

void vigil_compiler_set_diag_callback(vigil_compiler *c, vigil_diag_fn fn, void *user)
{
    c->diag = fn;
    c->diag_user = user;
}

void vigil_compiler_set_warnings(vigil_compiler *c, bool enabled)
{
    c->warnings = enabled;
}

size_t vigil_compiler_error_count(const vigil_compiler *c)
{
    return c->errors;
}

size_t vigil_compiler_warning_count(const vigil_compiler *c)
{
    return c->warns;
}

const char *vigil_compiler_last_error(const vigil_compiler *c)
{
    return c->last_error;
}

/* Finds an external by name or appends a new one; NULL when out of memory. */
static ir_external *external_slot(vigil_compiler *c, const char *name)
{
    for (size_t i = 0; i < c->prog.externals.len; i++) {
        ir_external *e = &c->prog.externals.items[i];
        if (strcmp(ir_str(&c->prog, e->name), name) == 0)
            return e;
    }
    ir_external e = {0};
    e.name = ir_pool_str(&c->prog, name);
    e.s = IR_NONE;
    if (e.name == IR_NONE || !vec_push(&c->prog.externals, e))
        return NULL;
    return &c->prog.externals.items[c->prog.externals.len - 1];
}

static bool valid_identifier(const char *s)
{
    if (!s || !*s || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9')))
            return false;
    }
    return strlen(s) <= 128;
}

static vigil_status define_common(vigil_compiler *c, const char *name, ir_external **out)
{
    if (c->built) {
        api_set_error(c->last_error, sizeof(c->last_error), "compiler already built");
        return VIGIL_E_ARG;
    }
    if (!valid_identifier(name)) {
        api_set_error(c->last_error, sizeof(c->last_error), "invalid variable name \"%s\"",
                      name ? name : "(null)");
        return VIGIL_E_ARG;
    }
    *out = external_slot(c, name);
    return *out ? VIGIL_OK : VIGIL_E_NOMEM;
}

vigil_status vigil_compiler_define_int(vigil_compiler *c, const char *name, int64_t value)
{
    ir_external *e;
    vigil_status st = define_common(c, name, &e);
    if (st == VIGIL_OK) {
        e->type = IR_T_INT;
        e->i = value;
    }
    return st;
}

vigil_status vigil_compiler_define_bool(vigil_compiler *c, const char *name, bool value)
{
    ir_external *e;
    vigil_status st = define_common(c, name, &e);
    if (st == VIGIL_OK) {
        e->type = IR_T_BOOL;
        e->i = value;
    }
    return st;
}

vigil_status vigil_compiler_define_float(vigil_compiler *c, const char *name, double value)
{
    ir_external *e;
    vigil_status st = define_common(c, name, &e);
    if (st == VIGIL_OK) {
        e->type = IR_T_FLOAT;
        e->f = value;
    }
    return st;
}

vigil_status vigil_compiler_define_string(vigil_compiler *c, const char *name, const char *value)
{
    ir_external *e;
    vigil_status st = define_common(c, name, &e);
    if (st != VIGIL_OK)
        return st;
    size_t len = strlen(value);
    uint32_t off = ir_pool_add(&c->prog, value, len);
    if (off == IR_NONE)
        return VIGIL_E_NOMEM;
    e = external_slot(c, name); /* the pool grew; the slot pointer is still valid, re-find anyway */
    e->type = IR_T_STRING;
    e->s = off;
    e->s_len = (uint32_t)len;
    return VIGIL_OK;
}

static vigil_status add_source(vigil_compiler *c, const char *src, size_t len, const char *ns,
                               const char *name, const char *path)
{
    if (c->built) {
        api_set_error(c->last_error, sizeof(c->last_error), "compiler already built");
        return VIGIL_E_ARG;
    }
    yc_options opt = {.diag = c->diag,
                      .diag_user = c->diag_user,
                      .warnings = c->warnings,
                      .on_include = api_record_source,
                      .include_user = c};
    vigil_status st = yc_add_source(c->yc, src, len, ns ? ns : "default", name, path, &opt,
                                    &c->errors, &c->warns);
    if (st == VIGIL_E_SYNTAX)
        api_set_error(c->last_error, sizeof(c->last_error), "%s: rules have errors", name);
    return st;
}

vigil_status vigil_compiler_add_string(vigil_compiler *c, const char *src, size_t len,
                                       const char *ns, const char *name)
{
    return add_source(c, src, len, ns, name ? name : "<string>", NULL);
}

vigil_status vigil_compiler_add_file(vigil_compiler *c, const char *path, const char *ns)
{
    uint8_t *buf;
    size_t len;
    char why[256];
    vigil_status st = util_read_file(path, MAX_RULE_FILE, &buf, &len, why, sizeof(why));
    if (st != VIGIL_OK) {
        api_set_error(c->last_error, sizeof(c->last_error), "%s: %s", path, why);
        c->errors++;
        if (c->diag) {
            char msg[300];
            snprintf(msg, sizeof(msg), "could not open file: %s", why);
            vigil_diag d = {.severity = VIGIL_SEV_ERROR, .file = path, .message = msg};
            c->diag(&d, c->diag_user);
        }
        return st;
    }
    if (!c->built && !api_record_source(c, path, buf, len)) {
        free(buf);
        api_set_error(c->last_error, sizeof(c->last_error), "out of memory");
        return VIGIL_E_NOMEM;
    }
    st = add_source(c, (const char *)buf, len, ns, path, path);
    free(buf);
    return st;
}

/* Copies the recorded sources into the database's own table (db_format.h). */
static vigil_status attach_sources(vigil_compiler *c, struct vigil_db *db)
{
    size_t n = c->sources.len;
    db->sources_buf = calloc(n ? n : 1, sizeof(*db->sources_buf));
    if (!db->sources_buf)
        return VIGIL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t off = ir_pool_str(&db->prog, c->sources.items[i].path);
        if (off == IR_NONE)
            return VIGIL_E_NOMEM;
        db->sources_buf[i].path = off;
        memcpy(db->sources_buf[i].sha256, c->sources.items[i].sha256, VIGIL_DIGEST_LEN);
    }
    db->sources = db->sources_buf;
    db->nsources = n;
    return VIGIL_OK;
}

vigil_status vigil_compiler_build(vigil_compiler *c, vigil_db **out)
{
    *out = NULL;
    if (c->built) {
        api_set_error(c->last_error, sizeof(c->last_error), "compiler already built");
        return VIGIL_E_ARG;
    }
    if (c->errors) {
        api_set_error(c->last_error, sizeof(c->last_error), "%zu error(s) in rules", c->errors);
        return VIGIL_E_SYNTAX;
    }
    struct vigil_db *db = calloc(1, sizeof(*db));
    if (!db)
        return VIGIL_E_NOMEM;
    db->prog = c->prog; /* move: the compiler's program now belongs to db */
    ir_init(&c->prog);
    c->built = true;
    /* Source paths join the pool before the matcher sees the program, so
     * nothing holds a pointer into the pool while it grows. */
    vigil_status st = attach_sources(c, db);
    if (st != VIGIL_OK) {
        vigil_db_free(db);
        return st;
    }
    st = api_clamav_build(c, db);
    if (st != VIGIL_OK) {
        vigil_db_free(db);
        return st;
    }
    st = matcher_build(&db->prog, NULL, NULL, &db->m, c->last_error, sizeof(c->last_error));
    if (st == VIGIL_OK)
        st = db_init_handles(db);
    if (st != VIGIL_OK) {
        vigil_db_free(db);
        return st;
    }
    *out = db;
    return VIGIL_OK;
}

void vigil_compiler_set_max_strings_per_rule(vigil_compiler *c, uint32_t n)
{
    c->max_strings = n;
}
