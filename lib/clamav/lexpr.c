/*
 * lexpr.c - the logical expression of .ldb signatures as an AST: decimal
 * subsignature indexes, & and | (one operator per parenthesised level, as
 * libclamav's cli_ac_chklsig requires), parentheses, and the count
 * modifiers =X >X <X with an optional ",Y" (at least Y distinct
 * subsignatures). libclamav's cli_ac_chklsig accepts "0&1|2" too: it
 * splits an expression at its first top-level operator, so the right side
 * groups first, 0&(1|2). Recursion is bounded by a depth limit.
 */
#include <string.h>

#include "clamav/util.h"

#define LX_MAX_DEPTH 160 /* parentheses and operator changes */
#define LX_MAX_KIDS 256

typedef struct lx {
    const char *s;
    size_t len, pos;
    cv_arena *a;
    cv_error *err;
    uint32_t max_index;
    bool any;
} lx;

static bool digits(lx *x, uint32_t *v)
{
    size_t st = x->pos;
    while (x->pos < x->len && x->s[x->pos] >= '0' && x->s[x->pos] <= '9')
        x->pos++;
    if (x->pos == st)
        return false;
    if (x->pos - st > 9)
        return cv_fail(x->err, "number too large in logical expression");
    *v = cv_atou32((cv_str){x->s + st, x->pos - st});
    return true;
}

static bool modifier(lx *x, cv_lexpr *e)
{
    if (x->pos >= x->len)
        return true;
    char c = x->s[x->pos];
    if (c != '=' && c != '>' && c != '<')
        return true;
    x->pos++;
    e->cmp = c == '=' ? CV_LX_EQ : c == '>' ? CV_LX_GT : CV_LX_LT;
    if (!digits(x, &e->count))
        return cv_fail(x->err, "expected a number after '%c' at column %zu", c, x->pos + 1);
    if (x->pos < x->len && x->s[x->pos] == ',') {
        x->pos++;
        if (!digits(x, &e->distinct))
            return cv_fail(x->err, "expected a number after ',' at column %zu", x->pos + 1);
        e->has_distinct = true;
    }
    return true;
}

static cv_lexpr *expr(lx *x, int depth);

static cv_lexpr *fold(lx *x, cv_lexpr **kids, uint32_t n, char op)
{
    if (n == 1)
        return kids[0];
    cv_lexpr *e = cv_alloc(x->a, sizeof(*e));
    cv_lexpr **k = cv_alloc(x->a, n * sizeof(*k));
    if (!e || !k) {
        cv_fail(x->err, "out of memory");
        return NULL;
    }
    memcpy(k, kids, n * sizeof(*k));
    e->kind = op == '&' ? CV_LX_AND : CV_LX_OR;
    e->nkids = n;
    e->kids = k;
    return e;
}

static cv_lexpr *term(lx *x, int depth)
{
    cv_lexpr *e;
    if (x->pos < x->len && x->s[x->pos] == '(') {
        x->pos++;
        e = expr(x, depth + 1);
        if (!e)
            return NULL;
        if (x->pos >= x->len || x->s[x->pos] != ')') {
            cv_fail(x->err, "missing ')' in logical expression");
            return NULL;
        }
        x->pos++;
        if (e->cmp != CV_LX_NONE) {
            /* (0=1)=2: wrap so each node carries one modifier */
            cv_lexpr *w = cv_alloc(x->a, sizeof(*w));
            cv_lexpr **k = cv_alloc(x->a, sizeof(*k));
            if (!w || !k) {
                cv_fail(x->err, "out of memory");
                return NULL;
            }
            w->kind = CV_LX_OR;
            w->nkids = 1;
            k[0] = e;
            w->kids = k;
            e = w;
        }
    } else {
        uint32_t v;
        if (!digits(x, &v)) {
            cv_fail(x->err, "expected a subsignature index or '(' at column %zu", x->pos + 1);
            return NULL;
        }
        e = cv_alloc(x->a, sizeof(*e));
        if (!e) {
            cv_fail(x->err, "out of memory");
            return NULL;
        }
        e->kind = CV_LX_SUB;
        e->index = v;
        if (!x->any || v > x->max_index)
            x->max_index = v;
        x->any = true;
    }
    if (!modifier(x, e))
        return NULL;
    return e;
}

static cv_lexpr *expr(lx *x, int depth)
{
    if (depth > LX_MAX_DEPTH) {
        cv_fail(x->err, "logical expression nested more than %d deep", LX_MAX_DEPTH);
        return NULL;
    }
    cv_lexpr *kids[LX_MAX_KIDS];
    uint32_t n = 0;
    char op = 0;
    for (;;) {
        cv_lexpr *t = term(x, depth);
        if (!t)
            return NULL;
        if (n == LX_MAX_KIDS) {
            cv_fail(x->err, "too many operands in logical expression");
            return NULL;
        }
        kids[n++] = t;
        if (x->pos >= x->len || (x->s[x->pos] != '&' && x->s[x->pos] != '|'))
            break;
        char c = x->s[x->pos];
        x->pos++;
        if (op && c != op) {
            /* a&b|c...: the last operand and everything after it are the
             * right side of the last `op` */
            cv_lexpr *rest = expr(x, depth + 1);
            if (!rest)
                return NULL;
            cv_lexpr *pair[2] = {t, rest};
            cv_lexpr *g = fold(x, pair, 2, c);
            if (!g)
                return NULL;
            kids[n - 1] = g;
            break;
        }
        op = c;
    }
    return fold(x, kids, n, op);
}

bool cv_parse_lexpr(const char *s, size_t len, cv_arena *a, cv_lexpr **out, uint32_t *max_index,
                    cv_error *err)
{
    lx x = {s, len, 0, a, err, 0, false};
    *out = NULL;
    cv_lexpr *e = expr(&x, 0);
    if (!e)
        return false;
    if (x.pos != len)
        return cv_fail(err, "unexpected '%c' at column %zu of the logical expression", s[x.pos],
                       x.pos + 1);
    *out = e;
    *max_index = x.max_index;
    return true;
}
