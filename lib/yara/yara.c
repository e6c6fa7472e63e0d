/*
 * yara.c - entry points of the YARA front end (yara.h): source and include
 * handling, the top-level loop with error recovery, diagnostics, and the
 * all-or-nothing rule of a source (on any error the program's arrays are cut
 * back to where they were, so a bad file leaves no half-added rules).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/file.h"
#include "expr.h"
#include "parser.h"

#define MAX_INCLUDE_FILE (64u << 20)

typedef struct rule_key {
    uint32_t ns;
    const char *name;
    size_t len;
} rule_key;

static bool rule_eq(uint32_t val, const void *key, void *ctx)
{
    const ir_program *p = ctx;
    const rule_key *k = key;
    const ir_rule *r = &p->rules.items[val];
    const char *name = ir_str(p, r->name);
    return r->ns == k->ns && strlen(name) == k->len && memcmp(name, k->name, k->len) == 0;
}

static uint32_t rule_hash(uint32_t ns, const char *name, size_t len)
{
    return yc_hash(name, len, ns * 0x9e3779b9u);
}

uint32_t yc_find_rule(yc_state *st, uint32_t ns, const char *name, size_t len)
{
    rule_key k = {ns, name, len};
    return yc_map_find(&st->rules, rule_hash(ns, name, len), &k, rule_eq, st->p);
}

vigil_status yc_new(ir_program *p, yc_state **out)
{
    *out = NULL;
    yc_state *st = calloc(1, sizeof(*st));
    if (!st)
        return VIGIL_E_NOMEM;
    st->p = p;
    *out = st;
    return VIGIL_OK;
}

void yc_free(yc_state *st)
{
    if (!st)
        return;
    yc_map_free(&st->rules);
    vec_free(&st->wildcards);
    vec_free(&st->imports);
    free(st);
}

/* ---- diagnostics ---- */

static void emit(yp *y, vigil_severity sev, int line, int col, const char *fmt, va_list ap)
{
    if (sev == VIGIL_SEV_ERROR)
        y->errors++;
    else
        y->warnings++;
    if (!y->opt || !y->opt->diag)
        return;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* the text of the line, for carets under the column */
    char text[512];
    yp_file *f = y->f;
    const char *src = f->src;
    size_t len = f->len;
    if (f->seek_line < 1 || f->seek_line > line) {
        f->seek_line = 1;
        f->seek_pos = 0;
    }
    size_t pos = f->seek_pos;
    for (int l = f->seek_line; l < line && pos < len; pos++) {
        if (src[pos] == '\n')
            l++;
    }
    f->seek_line = line;
    f->seek_pos = pos;
    size_t n = 0;
    while (pos + n < len && src[pos + n] != '\n' && n < sizeof(text) - 1)
        n++;
    memcpy(text, src + pos, n);
    if (n && text[n - 1] == '\r')
        n--;
    text[n] = '\0';
    vigil_diag d = {
        .severity = sev,
        .file = y->f->name,
        .line = line,
        .col = col,
        .message = msg,
        .source_line = line > 0 ? text : NULL,
        .rule = y->in_rule ? y->rule_name : NULL,
    };
    y->opt->diag(&d, y->opt->diag_user);
}

bool yp_error_at(yp *y, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(y, VIGIL_SEV_ERROR, line, col, fmt, ap);
    va_end(ap);
    return false;
}

void yp_warning_at(yp *y, int line, int col, const char *fmt, ...)
{
    if (!y->opt || !y->opt->warnings)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(y, VIGIL_SEV_WARNING, line, col, fmt, ap);
    va_end(ap);
}

bool yp_error(yp *y, const token *at, const char *fmt, ...)
{
    if (!at)
        at = &y->tok;
    va_list ap;
    va_start(ap, fmt);
    emit(y, VIGIL_SEV_ERROR, at->line, at->col, fmt, ap);
    va_end(ap);
    return false;
}

void yp_warning(yp *y, const token *at, const char *fmt, ...)
{
    if (!y->opt || !y->opt->warnings)
        return;
    if (!at)
        at = &y->tok;
    va_list ap;
    va_start(ap, fmt);
    emit(y, VIGIL_SEV_WARNING, at->line, at->col, fmt, ap);
    va_end(ap);
}

/* ---- tokens ---- */

void yp_advance(yp *y)
{
    y->prev = y->tok;
    y->tok = lex_next(&y->f->lx);
}

bool yp_accept(yp *y, tk_kind k)
{
    if (y->tok.kind != k)
        return false;
    yp_advance(y);
    return true;
}

/* A lexical error token explains itself; anything else is a syntax error. */
static bool token_error(yp *y)
{
    const token *t = &y->tok;
    if (t->kind == TK_ERROR && strcmp(t->msg, "integer overflow") == 0)
        return yp_error(y, t, "integer overflow in \"%.*s\"", (int)t->len, y->f->src + t->off);
    if (t->kind == TK_ERROR)
        return yp_error(y, t, "%s", t->msg);
    if (t->kind == TK_EOF)
        return yp_error(y, t, "syntax error, unexpected end of file");
    const char *kind = lex_kind_name(t->kind);
    int n = (int)(t->len > 40 ? 40 : t->len);
    if (!kind)
        return yp_error(y, t, "syntax error, unexpected \"%.*s\"", n, y->f->src + t->off);
    return yp_error(y, t, "syntax error, unexpected %s \"%.*s\"", kind, n, y->f->src + t->off);
}

bool yp_expect(yp *y, tk_kind k)
{
    if (yp_accept(y, k))
        return true;
    return token_error(y);
}

token yp_peek(yp *y)
{
    lexer copy = y->f->lx;
    return lex_next(&copy);
}

/* ---- top level ---- */

static bool parse_file(yp *y);

static bool is_sync_point(yp *y)
{
    switch (y->tok.kind) {
    case TK_EOF:
    case KW_RULE:
    case KW_IMPORT:
    case KW_INCLUDE:
        return true;
    case KW_PRIVATE:
    case KW_GLOBAL: {
        token n = yp_peek(y);
        return n.kind == KW_RULE || n.kind == KW_PRIVATE || n.kind == KW_GLOBAL;
    }
    default:
        return false;
    }
}

/* Skips to the next top-level statement, always making progress. */
static void sync(yp *y, size_t start_off)
{
    if (y->tok.kind != TK_EOF && y->tok.off == start_off)
        yp_advance(y);
    while (!is_sync_point(y))
        yp_advance(y);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 2);
    if (!d)
        return NULL;
    memcpy(d, path, n ? n : 1);
    d[n ? n : 1] = '\0';
    return d;
}

static bool do_include(yp *y, const token *at, const char *name)
{
    int max =
        y->opt && y->opt->max_include_depth > 0 ? y->opt->max_include_depth : YC_MAX_INCLUDE_DEPTH;
    if (y->include_depth >= max)
        return yp_error(y, at, "includes circular or too deep");
    if (++y->includes > YC_MAX_INCLUDES_PER_SOURCE)
        return yp_error(y, at, "too many includes (limit: %d)", YC_MAX_INCLUDES_PER_SOURCE);
    char *full = NULL;
    if (name[0] == '/' || !y->f->path) {
        full = strdup(name);
    } else {
        char *dir = dir_of(y->f->path);
        if (dir && asprintf(&full, "%s/%s", dir, name) < 0)
            full = NULL;
        free(dir);
    }
    if (!full)
        return yp_error(y, at, "out of memory");
    char *real = realpath(full, NULL);
    bool ok = false;
    uint8_t *buf = NULL;
    if (real) {
        for (yp_file *f = y->f; f; f = f->parent) {
            char *r2 = f->path ? realpath(f->path, NULL) : NULL;
            bool same = r2 && strcmp(r2, real) == 0;
            free(r2);
            if (same) {
                yp_error(y, at, "includes circular reference");
                goto out;
            }
        }
    }
    size_t len;
    char why[256];
    if (util_read_file(full, MAX_INCLUDE_FILE, &buf, &len, why, sizeof(why)) != VIGIL_OK) {
        yp_error(y, at, "can't open include file: %s", name);
        goto out;
    }
    if (y->opt && y->opt->on_include && !y->opt->on_include(y->opt->include_user, full, buf, len)) {
        yp_error(y, at, "out of memory");
        goto out;
    }
    yp_file inc = {
        .name = full, .path = full, .src = (const char *)buf, .len = len, .parent = y->f};
    lex_init(&inc.lx, inc.src, inc.len);
    token saved_tok = y->tok, saved_prev = y->prev;
    y->f = &inc;
    y->include_depth++;
    yp_advance(y);
    ok = parse_file(y);
    y->include_depth--;
    y->f = inc.parent;
    y->tok = saved_tok;
    y->prev = saved_prev;
out:
    free(buf);
    free(real);
    free(full);
    return ok;
}

/* import "name" or include "file" (keyword already current). */
static bool parse_directive(yp *y)
{
    bool is_import = y->tok.kind == KW_IMPORT;
    yp_advance(y);
    token s = y->tok;
    if (!yp_expect(y, TK_TEXT))
        return false;
    charbuf name = {0};
    if (!lex_unescape(y->f->src, &s, &name) || !vec_push(&name, '\0')) {
        vec_free(&name);
        return yp_error(y, &s, "out of memory");
    }
    bool ok;
    if (is_import)
        ok = ym_import(y, &s, name.items);
    else
        ok = do_include(y, &s, name.items);
    vec_free(&name);
    return ok;
}

static bool parse_file(yp *y)
{
    bool ok = true;
    while (y->tok.kind != TK_EOF) {
        if (y->errors >= YC_MAX_ERRORS_PER_SOURCE || y->includes > YC_MAX_INCLUDES_PER_SOURCE)
            return false;
        size_t start = y->tok.off;
        bool r;
        switch (y->tok.kind) {
        case KW_IMPORT:
        case KW_INCLUDE:
            r = parse_directive(y);
            break;
        case KW_RULE:
        case KW_PRIVATE:
        case KW_GLOBAL:
            r = yp_rule(y);
            break;
        default:
            r = token_error(y);
            break;
        }
        y->in_rule = false;
        if (!r) {
            ok = false;
            sync(y, start);
        }
    }
    return ok;
}

static uint32_t namespace_index(ir_program *p, const char *ns)
{
    for (size_t i = 0; i < p->namespaces.len; i++) {
        if (strcmp(ir_str(p, p->namespaces.items[i]), ns) == 0)
            return (uint32_t)i;
    }
    uint32_t off = ir_pool_str(p, ns);
    if (off == IR_NONE || !vec_push(&p->namespaces, off))
        return IR_NONE;
    return (uint32_t)(p->namespaces.len - 1);
}

static bool rebuild_rule_map(yc_state *st)
{
    yc_map_clear(&st->rules);
    const ir_program *p = st->p;
    for (size_t i = 0; i < p->rules.len; i++) {
        const char *n = ir_str(p, p->rules.items[i].name);
        if (!yc_map_add(&st->rules, rule_hash(p->rules.items[i].ns, n, strlen(n)), (uint32_t)i))
            return false;
    }
    return true;
}

vigil_status yc_add_source(yc_state *st, const char *src, size_t len, const char *ns,
                           const char *name, const char *path, const yc_options *opt,
                           size_t *errors, size_t *warnings)
{
    ir_program *p = st->p;
    size_t n_rules = p->rules.len, n_metas = p->metas.len, n_strings = p->strings.len,
           n_nodes = p->nodes.len, n_lists = p->lists.len, n_ns = p->namespaces.len,
           n_pool = p->pool.len, n_modules = p->modules.len;
    uint32_t max_loop = p->max_loop_vars;
    size_t n_wild = st->wildcards.len, n_imports = st->imports.len;

    yp_file top = {.name = name ? name : "<string>", .path = path, .src = src, .len = len};
    lex_init(&top.lx, src, len);
    yp y;
    memset(&y, 0, sizeof(y));
    y.st = st;
    y.p = p;
    y.opt = opt;
    y.f = &top;
    vigil_status res = VIGIL_OK;

    y.ns = namespace_index(p, ns ? ns : "default");
    if (y.ns == IR_NONE) {
        res = VIGIL_E_NOMEM;
    } else {
        yp_advance(&y);
        parse_file(&y);
        if (y.errors)
            res = VIGIL_E_SYNTAX;
    }
    vec_free(&y.strinfo);
    yc_map_free(&y.strs);

    if (res != VIGIL_OK) {
        p->rules.len = n_rules;
        p->metas.len = n_metas;
        p->strings.len = n_strings;
        p->nodes.len = n_nodes;
        p->lists.len = n_lists;
        p->namespaces.len = n_ns;
        p->pool.len = n_pool;
        /* a failed source's imports go too: their names were in the pool */
        p->modules.len = n_modules;
        p->max_loop_vars = max_loop;
        st->wildcards.len = n_wild;
        st->imports.len = n_imports;
        if (!rebuild_rule_map(st) && res == VIGIL_OK)
            res = VIGIL_E_NOMEM;
    }
    if (errors)
        *errors += y.errors;
    if (warnings)
        *warnings += y.warnings;
    return res;
}
