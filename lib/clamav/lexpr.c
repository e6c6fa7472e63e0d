/*
 * lexpr.c - the logical expression of .ldb signatures (and of PCRE
 * triggers) as an AST, read the way libclamav 1.4's cli_ac_chklsig reads
 * it. That reader is not a grammar; official signatures rely on its
 * leniencies, so vigil follows it step by step rather than a cleaner
 * grammar that would refuse them:
 *
 *   - A range is split at its first operator (& or |) outside
 *     parentheses: "0&1|2" is 0&(1|2).
 *   - A range with no such operator but one inside a parenthesised block
 *     is that block, split at the LAST operator one level down:
 *     "(0&1|2)" is (0&1)|2. A modifier "=X", ">X", "<X" with an optional
 *     ",Y" (at least Y distinct subsignatures) may follow the block's
 *     closing parenthesis and must end the range.
 *   - Otherwise the range is a leaf: "(...)" loses its first and last
 *     characters and is read again; else a number read like sscanf("%u")
 *     (leading spaces and a sign allowed, what follows ignored) is the
 *     subsignature index, and the last of ')' '=' '>' '<' in the range is
 *     its modifier, its value read the same way after it. So the official
 *     "0,1-4&1,1-4" is 0&1, and "0=2,3" ignores its ",3". A leaf whose
 *     last such character is ')' can never hold (libclamav's evaluator has
 *     no case for it).
 *
 * Depth is bounded (libclamav recurses without a limit). Columns in
 * messages are 1-based within the expression.
 */
#include <string.h>

#include "clamav/util.h"

#define LX_MAX_DEPTH 160

typedef struct lx {
    const char *s;
    size_t len;
    cv_arena *a;
    cv_error *err;
    uint32_t max_index;
} lx;

static char at(const lx *x, size_t i)
{
    return i < x->len ? x->s[i] : '\0';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number as sscanf("%u") reads it at i (libclamav reads past a range's
 * end the same way: what follows a range is an operator or ')'). strtoul's
 * rules: leading white space, a sign, saturation, then truncation to 32
 * bits. *next is where reading stopped. */
static bool scan_u32(const lx *x, size_t i, uint32_t *v, size_t *next)
{
    while (at(x, i) == ' ' || (at(x, i) >= '\t' && at(x, i) <= '\r'))
        i++;
    bool neg = false;
    if (at(x, i) == '+' || at(x, i) == '-')
        neg = x->s[i++] == '-';
    if (!is_digit(at(x, i)))
        return false;
    uint64_t n = 0;
    bool over = false;
    for (; is_digit(at(x, i)); i++) {
        unsigned d = (unsigned)(at(x, i) - '0');
        if (n > (UINT64_MAX - d) / 10)
            over = true;
        else
            n = n * 10 + d;
    }
    if (over)
        n = UINT64_MAX;
    else if (neg)
        n = (uint64_t)0 - n;
    *v = (uint32_t)n;
    if (next)
        *next = i;
    return true;
}

static cv_lexpr *node(lx *x, uint8_t kind)
{
    cv_lexpr *e = cv_alloc(x->a, sizeof(*e));
    if (!e)
        cv_fail(x->err, "out of memory");
    else
        e->kind = kind;
    return e;
}

static uint8_t cmp_of(char c)
{
    return c == '=' ? CV_LX_EQ : c == '>' ? CV_LX_GT : CV_LX_LT;
}

/* An operator node over l and r. Operands of the same operator without a
 * modifier are merged into it: & and | are associative, counts add up. */
static cv_lexpr *join(lx *x, char op, cv_lexpr *l, cv_lexpr *r)
{
    uint8_t kind = op == '&' ? CV_LX_AND : CV_LX_OR;
    cv_lexpr *side[2] = {l, r};
    uint32_t n = 0;
    for (int k = 0; k < 2; k++)
        n += side[k]->kind == kind && side[k]->cmp == CV_LX_NONE ? side[k]->nkids : 1;
    cv_lexpr *e = node(x, kind);
    cv_lexpr **kids = e ? cv_alloc(x->a, n * sizeof(*kids)) : NULL;
    if (!kids) {
        cv_fail(x->err, "out of memory");
        return NULL;
    }
    n = 0;
    for (int k = 0; k < 2; k++) {
        if (side[k]->kind == kind && side[k]->cmp == CV_LX_NONE) {
            memcpy(kids + n, side[k]->kids, side[k]->nkids * sizeof(*kids));
            n += side[k]->nkids;
        } else {
            kids[n++] = side[k];
        }
    }
    e->nkids = n;
    e->kids = kids;
    return e;
}

static cv_lexpr *range(lx *x, size_t b, size_t e, int depth);

static cv_lexpr *leaf(lx *x, size_t b, size_t e, char mod, size_t modoff, int depth)
{
    if (at(x, b) == '(') /* "(...)": libclamav drops the first and last characters */
        return range(x, b + 1, e > b + 1 ? e - 1 : b + 1, depth + 1);
    uint32_t id, val = 0;
    if (!scan_u32(x, b, &id, NULL)) {
        cv_fail(x->err, "expected a subsignature index at column %zu of the logical expression",
                b + 1);
        return NULL;
    }
    if (mod && !scan_u32(x, modoff + 1, &val, NULL)) {
        cv_fail(x->err, "expected a number after '%c' at column %zu of the logical expression",
                mod, modoff + 1);
        return NULL;
    }
    cv_lexpr *n = node(x, CV_LX_SUB);
    if (!n)
        return NULL;
    n->index = id;
    if (id > x->max_index)
        x->max_index = id;
    if (mod == ')') { /* never holds: "< 0" */
        n->cmp = CV_LX_LT;
        n->count = 0;
    } else if (mod) {
        n->cmp = cmp_of(mod);
        n->count = val;
    }
    return n;
}

static cv_lexpr *range(lx *x, size_t b, size_t e, int depth)
{
    if (depth > LX_MAX_DEPTH) {
        cv_fail(x->err, "logical expression nested more than %d deep", LX_MAX_DEPTH);
        return NULL;
    }
    int pth = 0;
    char op = 0, op1 = 0, mod = 0, blkmod = 0;
    size_t opoff = 0, op1off = 0, modoff = 0, blkend = 0;
    uint32_t count = 0, distinct = 0;
    for (size_t i = b; i < e; i++) {
        char c = x->s[i];
        if (c == '(') {
            pth++;
        } else if (c == ')' || c == '=' || c == '>' || c == '<') {
            if (c == ')' && pth-- == 0) {
                cv_fail(x->err, "')' without '(' at column %zu of the logical expression", i + 1);
                return NULL;
            }
            mod = c;
            modoff = i;
        } else if ((c == '&' || c == '|') && pth == 0) {
            op = c;
            opoff = i;
        } else if ((c == '&' || c == '|') && pth == 1) {
            op1 = c; /* the last one at this depth wins */
            op1off = i;
        }
        if (op)
            break;
        if (!op1 || pth)
            continue;
        /* after a block with an operator inside: an optional modifier,
         * which must end the range */
        blkend = i;
        char m = at(x, i + 1);
        if (m == '=' || m == '>' || m == '<') {
            size_t after;
            blkmod = m;
            if (!scan_u32(x, i + 2, &count, &after)) {
                cv_fail(x->err, "expected a number after '%c' at column %zu of the logical "
                                "expression", m, i + 2);
                return NULL;
            }
            distinct = 0;
            if (at(x, after) == ',')
                (void)scan_u32(x, after + 1, &distinct, NULL);
            for (i += 2; i + 1 < e && (is_digit(x->s[i + 1]) || x->s[i + 1] == ','); i++)
                ;
        }
        if (i + 1 == e)
            break;
        blkmod = 0;
    }
    if (pth) {
        cv_fail(x->err, "missing ')' in the logical expression");
        return NULL;
    }
    if (!op && !op1)
        return leaf(x, b, e, mod, modoff, depth);
    size_t lstart = b, rend = e;
    if (!op) {
        op = op1;
        opoff = op1off;
        lstart = b + 1;
        rend = blkend;
    }
    if (opoff == b) {
        cv_fail(x->err, "missing left operand of '%c' at column %zu of the logical expression",
                op, opoff + 1);
        return NULL;
    }
    if (opoff + 1 == e) {
        cv_fail(x->err, "missing right operand of '%c' at column %zu of the logical expression",
                op, opoff + 1);
        return NULL;
    }
    cv_lexpr *l = range(x, lstart, opoff, depth + 1);
    cv_lexpr *r = l ? range(x, opoff + 1, rend, depth + 1) : NULL;
    cv_lexpr *n = r ? join(x, op, l, r) : NULL;
    if (n && blkmod) {
        n->cmp = cmp_of(blkmod);
        n->count = count;
        n->distinct = distinct;
        n->has_distinct = distinct != 0;
    }
    return n;
}

bool cv_parse_lexpr(const char *s, size_t len, cv_arena *a, cv_lexpr **out, uint32_t *max_index,
                    cv_error *err)
{
    lx x = {s, len, a, err, 0};
    *out = range(&x, 0, len, 0);
    if (!*out)
        return false;
    *max_index = x.max_index;
    return true;
}
