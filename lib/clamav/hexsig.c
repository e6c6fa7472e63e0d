/*
 * hexsig.c - ClamAV hex body patterns into a pattern AST (sig.h cv_hexsig).
 * The steps follow libclamav's own order because its acceptance depends on
 * it: "{n}" jumps (0<n<128) are first inlined as n "??" for as long as the
 * leftmost remaining jump is such one; the text is then cut into parts at the
 * other jumps and at "*"; each part loses its [x-y] byte anchors, then its
 * (B)/(L)/(W) edges and alternatives, and must keep a run of two exact bytes
 * (the Aho-Corasick anchor libclamav needs). Generic alternatives are
 * expanded into plain alternatives, with a cap instead of libclamav's
 * unbounded expansion.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/util.h"

#define HEX_MAX_IN (64u << 10)
#define HEX_MAX_EXPANDED (4u << 20)
#define ALT_MAX_EXPANSION 4096
#define ALT_MAX_BYTES (1u << 20)
#define ALT_MAX_NEST 15 /* libclamav ACPATT_ALTN_MAXNEST */
#define ANCHOR_MAX_DIST 32

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static bool put(buf *b, const char *s, size_t n)
{
    if (n > HEX_MAX_EXPANDED || b->len > HEX_MAX_EXPANDED - n)
        return false;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np)
            return false;
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return true;
}

/* sscanf("%c%u%c") == 3 && '{' && '}' && 0 < range < 128, on text at '{'. */
static bool inline_jump(const char *s, const char *end, uint32_t *n, const char **after)
{
    const char *d = s + 1;
    uint32_t u;
    if (!cv_scan_u32(&d, end, " \t\n", &u) || d == end || *d != '}')
        return false;
    int32_t v = (int32_t)u;
    if (v <= 0 || v >= 128)
        return false;
    *n = (uint32_t)v;
    *after = d + 1;
    return true;
}

/* ---- one part ------------------------------------------------------ */

typedef struct pctx {
    cv_arena *a;
    cv_error *err;
    unsigned opts;
} pctx;

static bool hex_pair(const char *p, uint8_t *v, uint8_t *m)
{
    if (p[0] == '?' && p[1] == '?') {
        *v = 0;
        *m = 0;
        return true;
    }
    int hi = p[0] == '?' ? 0 : cv_hexval(p[0]);
    int lo = p[1] == '?' ? 0 : cv_hexval(p[1]);
    if (hi < 0 || lo < 0)
        return false;
    *v = (uint8_t)(hi << 4 | lo);
    *m = (uint8_t)((p[0] == '?' ? 0 : 0xf0) | (p[1] == '?' ? 0 : 0x0f));
    return true;
}

/* Plain hex with wildcards (cli_hex2ui) into BYTE/SKIP nodes appended to v. */
typedef struct nodes {
    cv_hx_node *v;
    uint32_t n, cap;
} nodes;

static cv_hx_node *push(nodes *ns)
{
    if (ns->n == ns->cap) {
        uint32_t nc = ns->cap ? ns->cap * 2 : 16;
        cv_hx_node *nv = realloc(ns->v, nc * sizeof(*nv));
        if (!nv)
            return NULL;
        ns->v = nv;
        ns->cap = nc;
    }
    cv_hx_node *x = &ns->v[ns->n++];
    memset(x, 0, sizeof(*x));
    return x;
}

static bool plain_hex(pctx *c, const char *s, size_t len, nodes *ns)
{
    if (len % 2)
        return cv_fail(c->err, "malformed hex string '%.*s' (odd length)",
                       (int)(len > 40 ? 40 : len), s);
    for (size_t i = 0; i < len; i += 2) {
        uint8_t v, m;
        if (!hex_pair(s + i, &v, &m))
            return cv_fail(c->err, "malformed hex string: bad characters '%c%c'", s[i], s[i + 1]);
        if (m == 0 && ns->n && ns->v[ns->n - 1].kind == CV_HX_SKIP) {
            ns->v[ns->n - 1].skip++;
            continue;
        }
        cv_hx_node *x = push(ns);
        if (!x)
            return cv_fail(c->err, "out of memory");
        if (m == 0) {
            x->kind = CV_HX_SKIP;
            x->skip = 1;
        } else {
            x->kind = CV_HX_BYTE;
            x->value = v;
            x->mask = m;
        }
    }
    return true;
}

static bool seal(pctx *c, nodes *ns, cv_hx_seq *out)
{
    out->n = ns->n;
    out->v = NULL;
    if (ns->n) {
        out->v = cv_alloc(c->a, (size_t)ns->n * sizeof(cv_hx_node));
        if (!out->v) {
            free(ns->v);
            return cv_fail(c->err, "out of memory");
        }
        memcpy(out->v, ns->v, (size_t)ns->n * sizeof(cv_hx_node));
    }
    free(ns->v);
    ns->v = NULL;
    ns->n = ns->cap = 0;
    return true;
}

/* libclamav's ac_analyze_expr: number of top-level alternatives, whether
 * they are "fixed" (no '(' no '?' equal lengths, with its quirk that an
 * empty first alternative does not break fixedness), longest length. */
static uint32_t analyze(const char *s, size_t len, bool *fixed)
{
    int level = 0;
    size_t cur = 0, slen = 0;
    uint32_t num = 1;
    bool flen = true;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '(') {
            flen = false;
            level++;
        } else if (s[i] == ')') {
            level--;
        }
        if (!level && s[i] == '|') {
            if (!slen)
                slen = cur;
            else if (cur != slen) {
                flen = false;
                if (cur > slen)
                    slen = cur;
            }
            cur = 0;
            num++;
        } else {
            if (s[i] == '?')
                flen = false;
            cur++;
        }
    }
    if (slen && cur != slen)
        flen = false;
    *fixed = flen;
    return num;
}

/* Index of the ')' closing the group whose content starts at s, or -1. */
static long close_paren(const char *s, size_t len, size_t *inner)
{
    size_t level = 0;
    *inner = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '(') {
            level++;
            (*inner)++;
        } else if (s[i] == ')') {
            if (!level)
                return (long)i;
            level--;
        }
    }
    return -1;
}

/* Generic alternatives: expand (a(b|c)|d) into strings, as libclamav does. */
typedef struct strs {
    char **v;
    size_t n;
} strs;

static void strs_free(strs *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->v[i]);
    free(x->v);
    x->v = NULL;
    x->n = 0;
}

static bool strs_add(strs *x, const char *s, size_t n)
{
    char **nv = realloc(x->v, (x->n + 1) * sizeof(char *));
    if (!nv)
        return false;
    x->v = nv;
    char *d = malloc(n + 1);
    if (!d)
        return false;
    memcpy(d, s, n);
    d[n] = 0;
    x->v[x->n++] = d;
    return true;
}

static bool expand_alts(pctx *c, const char *s, size_t len, int depth, strs *out);

/* One alternative: a sequence of hex text and (groups); cartesian product. */
static bool expand_seq(pctx *c, const char *s, size_t len, int depth, strs *out)
{
    strs acc = {0};
    if (!strs_add(&acc, "", 0))
        return cv_fail(c->err, "out of memory");
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != '(')
            j++;
        if (j > i) {
            if (memchr(s + i, ')', j - i))
                return strs_free(&acc), cv_fail(c->err, "unexpected ')' in alternative");
            for (size_t k = 0; k < acc.n; k++) {
                size_t ol = strlen(acc.v[k]);
                char *nv = realloc(acc.v[k], ol + (j - i) + 1);
                if (!nv)
                    return strs_free(&acc), cv_fail(c->err, "out of memory");
                memcpy(nv + ol, s + i, j - i);
                nv[ol + (j - i)] = 0;
                acc.v[k] = nv;
            }
        }
        if (j == len)
            break;
        if (j > 0 && s[j - 1] == '!')
            return strs_free(&acc),
                   cv_fail(c->err, "generic alternatives cannot contain negations");
        size_t inner;
        long e = close_paren(s + j + 1, len - j - 1, &inner);
        if (e < 0)
            return strs_free(&acc), cv_fail(c->err, "missing closing parenthesis");
        strs sub = {0};
        if (!expand_alts(c, s + j + 1, (size_t)e, depth + 1, &sub)) {
            strs_free(&sub);
            strs_free(&acc);
            return false;
        }
        if (acc.n * sub.n > ALT_MAX_EXPANSION) {
            strs_free(&sub);
            strs_free(&acc);
            return cv_fail(c->err, "alternatives expand to more than %d strings",
                           ALT_MAX_EXPANSION);
        }
        strs next = {0};
        size_t bytes = 0;
        for (size_t p = 0; p < acc.n; p++)
            for (size_t q = 0; q < sub.n; q++) {
                size_t l1 = strlen(acc.v[p]), l2 = strlen(sub.v[q]);
                bytes += l1 + l2;
                if (bytes > ALT_MAX_BYTES) {
                    strs_free(&sub);
                    strs_free(&acc);
                    strs_free(&next);
                    return cv_fail(c->err, "alternatives expand to more than %u bytes",
                                   ALT_MAX_BYTES);
                }
                char *t = malloc(l1 + l2 + 1);
                if (!t || !strs_add(&next, "", 0)) {
                    free(t);
                    strs_free(&sub);
                    strs_free(&acc);
                    strs_free(&next);
                    return cv_fail(c->err, "out of memory");
                }
                memcpy(t, acc.v[p], l1);
                memcpy(t + l1, sub.v[q], l2 + 1);
                free(next.v[next.n - 1]);
                next.v[next.n - 1] = t;
            }
        strs_free(&sub);
        strs_free(&acc);
        acc = next;
        i = j + 1 + (size_t)e + 1;
    }
    for (size_t k = 0; k < acc.n; k++) {
        if (out->n >= ALT_MAX_EXPANSION) {
            strs_free(&acc);
            return cv_fail(c->err, "alternatives expand to more than %d strings",
                           ALT_MAX_EXPANSION);
        }
        if (!strs_add(out, acc.v[k], strlen(acc.v[k]))) {
            strs_free(&acc);
            return cv_fail(c->err, "out of memory");
        }
    }
    strs_free(&acc);
    return true;
}

static bool expand_alts(pctx *c, const char *s, size_t len, int depth, strs *out)
{
    if (depth > ALT_MAX_NEST + 1)
        return cv_fail(c->err, "alternatives nested too deeply");
    size_t start = 0;
    int level = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '(')
            level++;
        else if (i < len && s[i] == ')')
            level--;
        if (i == len || (s[i] == '|' && level == 0)) {
            if (!expand_seq(c, s + start, i - start, depth, out))
                return false;
            start = i + 1;
        }
    }
    return true;
}

static bool alt_node(pctx *c, const char *s, size_t len, bool negated, cv_hx_node *x)
{
    bool fixed;
    uint32_t num = analyze(s, len, &fixed);
    x->kind = CV_HX_ALT;
    x->negated = negated;
    if (!c->opts && fixed) {
        size_t slen = 0;
        cv_fields f;
        cv_split(s, len, '|', &f);
        if (f.n != num || f.n > CV_MAX_FIELDS)
            return cv_fail(c->err, "too many alternatives (at most %d fixed ones)", CV_MAX_FIELDS);
        x->alts = cv_alloc(c->a, f.n * sizeof(cv_hx_seq));
        if (!x->alts)
            return cv_fail(c->err, "out of memory");
        for (size_t i = 0; i < f.n; i++) {
            nodes ns = {0};
            if (f.f[i].len == 0) {
                return cv_fail(c->err, "empty alternative");
            }
            for (size_t k = 0; k < f.f[i].len; k++)
                if (cv_hexval(f.f[i].p[k]) < 0)
                    return cv_fail(c->err, "malformed hex string in alternative '%.*s'",
                                   (int)f.f[i].len, f.f[i].p);
            if (!plain_hex(c, f.f[i].p, f.f[i].len, &ns) || !seal(c, &ns, &x->alts[i])) {
                free(ns.v);
                return false;
            }
            slen = f.f[i].len;
        }
        x->nalts = (uint32_t)f.n;
        x->alt_kind = slen == 2 ? CV_ALT_BYTE : CV_ALT_FIXED;
        return true;
    }
    if (negated)
        return cv_fail(c->err, "negation cannot apply to generic alternatives");
    strs all = {0};
    if (!expand_alts(c, s, len, 1, &all))
        return strs_free(&all), false;
    x->alt_kind = CV_ALT_GENERIC;
    x->alts = cv_alloc(c->a, (all.n ? all.n : 1) * sizeof(cv_hx_seq));
    if (!x->alts)
        return strs_free(&all), cv_fail(c->err, "out of memory");
    for (size_t i = 0; i < all.n; i++) {
        nodes ns = {0};
        if (!plain_hex(c, all.v[i], strlen(all.v[i]), &ns) || !seal(c, &ns, &x->alts[i])) {
            free(ns.v);
            strs_free(&all);
            return false;
        }
    }
    x->nalts = (uint32_t)all.n;
    strs_free(&all);
    return true;
}

static bool parse_anchor(pctx *c, const char *s, size_t len, cv_hx_anchor *an)
{
    /* sscanf("%u-%u"): one number means x-x */
    const char *p = s, *end = s + len;
    uint32_t n1, n2;
    const char *q = p;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    if (q == p)
        return cv_fail(c->err, "incorrect range inside square brackets");
    n1 = n2 = cv_atou32((cv_str){p, (size_t)(q - p)});
    if (q < end && *q == '-') {
        const char *r = ++q;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
        if (q == r)
            return cv_fail(c->err, "incorrect range inside square brackets");
        n2 = cv_atou32((cv_str){r, (size_t)(q - r)});
    }
    if (n1 > n2 || n2 > ANCHOR_MAX_DIST)
        return cv_fail(c->err, "incorrect range [%u-%u] inside square brackets (0..%d)", n1, n2,
                       ANCHOR_MAX_DIST);
    an->present = true;
    an->min = n1;
    an->max = n2;
    return true;
}

static bool static_run(const cv_hx_seq *seq)
{
    uint32_t run = 0;
    for (uint32_t i = 0; i < seq->n; i++) {
        const cv_hx_node *x = &seq->v[i];
        if (x->kind == CV_HX_BYTE && x->mask == 0xff) {
            if (++run >= 2)
                return true;
        } else {
            run = 0;
        }
    }
    return false;
}

static bool parse_part(pctx *c, const char *s, size_t len, bool bm_path, cv_hx_part *part)
{
    if (len / 2 < 2)
        return cv_fail(c->err, "pattern part '%.*s' is too short (2 bytes at least)", (int)len, s);
    /* [x-y] byte anchors: a single byte on the left of the first, or on the
     * right of either bracket. */
    const char *body = s;
    size_t blen = len;
    for (int i = 0; i < 2; i++) {
        const char *lb = memchr(body, '[', blen);
        if (!lb)
            break;
        const char *rb = memchr(lb, ']', blen - (size_t)(lb - body));
        if (!rb)
            return cv_fail(c->err, "missing closing square bracket");
        cv_hx_anchor an = {0};
        if (!parse_anchor(c, lb + 1, (size_t)(rb - lb - 1), &an))
            return false;
        size_t left = (size_t)(lb - body), right = blen - (size_t)(rb + 1 - body);
        if (left == 2) {
            if (i)
                return cv_fail(c->err, "a byte anchor [x-y] must be one byte at either end");
            if (!hex_pair(body, &an.value, &an.mask))
                return cv_fail(c->err, "malformed anchor byte '%.2s'", body);
            part->before = an;
            body = rb + 1;
            blen = right;
        } else if (right == 2) {
            if (!hex_pair(rb + 1, &an.value, &an.mask))
                return cv_fail(c->err, "malformed anchor byte '%.2s'", rb + 1);
            part->after = an;
            blen = left;
            break;
        } else {
            return cv_fail(c->err, "a byte anchor [x-y] must be one byte at either end");
        }
    }
    nodes ns = {0};
    size_t i = 0;
    while (i < blen) {
        const char *lp = memchr(body + i, '(', blen - i);
        size_t stop = lp ? (size_t)(lp - body) : blen;
        bool negated = lp && stop >= 1 && body[stop - 1] == '!';
        size_t textend = negated ? stop - 1 : stop;
        if (textend > i && !plain_hex(c, body + i, textend - i, &ns))
            goto fail;
        if (!lp)
            break;
        size_t inner;
        long e = close_paren(lp + 1, blen - stop - 1, &inner);
        if (e < 0) {
            cv_fail(c->err, "missing closing parenthesis");
            goto fail;
        }
        if (e == 0) {
            cv_fail(c->err, "empty block '()'");
            goto fail;
        }
        if (inner > ALT_MAX_NEST) {
            cv_fail(c->err, "alternatives nested more than %d deep", ALT_MAX_NEST);
            goto fail;
        }
        const char *in = lp + 1;
        size_t inlen = (size_t)e;
        size_t after = stop + 1 + inlen + 1;
        bool special = inlen == 1 && (in[0] == 'B' || in[0] == 'L' || in[0] == 'W');
        if (special && after == blen) {
            part->right = (cv_hx_edge){(uint8_t)in[0], negated};
        } else if (special && stop == 0) {
            part->left = (cv_hx_edge){(uint8_t)in[0], false};
        } else {
            cv_hx_node *x = push(&ns);
            if (!x) {
                cv_fail(c->err, "out of memory");
                goto fail;
            }
            if (special) {
                x->kind = CV_HX_BOUNDARY;
                x->boundary = (uint8_t)in[0];
                x->negated = negated;
            } else {
                cv_hx_node tmp = {0};
                if (!alt_node(c, in, inlen, negated, &tmp))
                    goto fail;
                ns.v[ns.n - 1] = tmp;
            }
        }
        i = after;
    }
    if (!seal(c, &ns, &part->seq))
        return false;
    if (!static_run(&part->seq))
        return cv_fail(c->err,
                       "no run of 2 exact bytes in '%.*s' (libclamav needs one to anchor it)",
                       (int)(len > 60 ? 60 : len), s);
    if (bm_path && (part->seq.n < 3 || len < 6))
        return cv_fail(c->err, "literal signature shorter than 3 bytes");
    return true;
fail:
    free(ns.v);
    return false;
}

/* ---- whole signature ----------------------------------------------- */

static bool parse_gap(pctx *c, const char *s, size_t len, cv_hx_gap *g)
{
    cv_str t = {s, len};
    const char *dash = memchr(s, '-', len);
    memset(g, 0, sizeof(*g));
    if (!dash) {
        if (!cv_isnumber(t) || (int32_t)cv_atou32(t) < 0)
            return cv_fail(c->err, "invalid jump '{%.*s}'", (int)len, s);
        g->min = g->max = cv_atou32(t);
    } else {
        cv_fields f;
        cv_split(s, len, '-', &f);
        /* libclamav reads fields with cli_strtok, which skips empty ones */
        cv_str fs[3];
        size_t nf = 0;
        for (size_t i = 0; i < f.n && i < CV_MAX_FIELDS; i++)
            if (f.f[i].len) {
                if (nf == 2)
                    return cv_fail(c->err, "invalid jump '{%.*s}'", (int)len, s);
                fs[nf++] = f.f[i];
            }
        bool lead = s[0] != '-';
        uint32_t v[2] = {0, 0};
        for (size_t i = 0; i < nf; i++) {
            if (!cv_isnumber(fs[i]) || (int32_t)cv_atou32(fs[i]) < 0)
                return cv_fail(c->err, "invalid jump '{%.*s}'", (int)len, s);
            v[i] = cv_atou32(fs[i]);
        }
        if (lead) {
            g->min = nf > 0 ? v[0] : 0;
            g->max = nf > 1 ? v[1] : 0;
        } else {
            g->max = nf > 0 ? v[0] : 0; /* {-n} */
        }
    }
    /* libclamav treats a maximum distance of 0 as "no maximum" */
    g->unbounded = g->max == 0;
    return true;
}

bool cv_hex_prefilter_ok(uint32_t target, const cv_hexsig *h, cv_error *err)
{
    if (target != 0 && target != 1 && target != 4 && target != 7)
        return true;
    for (uint32_t p = 0; p < h->nparts; p++) {
        const cv_hx_seq *s = &h->parts[p].seq;
        uint32_t at = 0; /* elements before node k */
        for (uint32_t k = 0; k < s->n && at <= 1; k++) {
            const cv_hx_node *x = &s->v[k];
            uint32_t width = x->kind == CV_HX_SKIP ? x->skip : 1;
            bool special = x->kind == CV_HX_BOUNDARY ||
                           (x->kind == CV_HX_ALT && x->alt_kind != CV_ALT_BYTE);
            if (at == 1 && special)
                return cv_fail(err, "part %u: its second element is a boundary or a multi-byte "
                                    "alternative, which libclamav's prefilter refuses in "
                                    "target %u", p + 1, target);
            at += width;
        }
    }
    return true;
}

bool cv_parse_hex(const char *s, size_t len, unsigned opts, bool bm_path, cv_arena *a,
                  cv_hexsig *out, cv_error *err)
{
    pctx c = {a, err, opts};
    memset(out, 0, sizeof(*out));
    out->text = (cv_str){s, len};
    if (len > HEX_MAX_IN)
        return cv_fail(err, "hex signature longer than %u characters", HEX_MAX_IN);
    /* 1. inline leading "{n}" jumps */
    buf b = {0};
    const char *p = s, *end = s + len;
    bool inlining = true;
    bool ok = true;
    while (p < end) {
        const char *lb = inlining ? memchr(p, '{', (size_t)(end - p)) : NULL;
        uint32_t n;
        const char *after;
        if (!lb || !inline_jump(lb, end, &n, &after)) {
            ok = put(&b, p, (size_t)(end - p));
            break;
        }
        ok = put(&b, p, (size_t)(lb - p));
        for (uint32_t k = 0; ok && k < n; k++)
            ok = put(&b, "??", 2);
        p = after;
        if (!ok)
            break;
    }
    if (!ok) {
        free(b.p);
        return cv_fail(err, "hex signature too long once jumps are expanded");
    }
    const char *h = b.p ? b.p : "";
    size_t hl = b.len;
    /* 2. cut into parts at "{...}" and "*" outside parentheses */
    bool has_brace = memchr(h, '{', hl) != NULL;
    uint32_t cuts = 0;
    int nest = 0;
    for (size_t i = 0; i < hl; i++) {
        if (h[i] == '(')
            nest++;
        else if (h[i] == ')')
            nest--;
        else if ((h[i] == '{' && has_brace) || h[i] == '*') {
            if (nest) {
                bool star = h[i] == '*';
                free(b.p);
                return cv_fail(err, star ? "alternatives cannot contain '*'"
                                         : "alternatives cannot contain ranged jumps");
            }
            cuts++;
        }
    }
    out->nparts = cuts + 1;
    out->parts = cv_alloc(a, out->nparts * sizeof(cv_hx_part));
    out->gaps = cuts ? cv_alloc(a, cuts * sizeof(cv_hx_gap)) : NULL;
    if (!out->parts || (cuts && !out->gaps)) {
        free(b.p);
        return cv_fail(err, "out of memory");
    }
    size_t start = 0;
    uint32_t k = 0;
    for (size_t i = 0; i <= hl && ok; i++) {
        if (i < hl && h[i] != '{' && h[i] != '*')
            continue;
        ok = parse_part(&c, h + start, i - start, bm_path && out->nparts == 1, &out->parts[k]);
        if (!ok || i == hl)
            break;
        if (h[i] == '*') {
            out->gaps[k] = (cv_hx_gap){0, 0, true};
            start = i + 1;
        } else {
            const char *rb = memchr(h + i, '}', hl - i);
            if (!rb) {
                ok = cv_fail(err, "missing '}' after jump");
                break;
            }
            ok = parse_gap(&c, h + i + 1, (size_t)(rb - h - i - 1), &out->gaps[k]);
            start = (size_t)(rb - h) + 1;
            i = start - 1;
        }
        k++;
    }
    free(b.p);
    return ok;
}
