/*
 * rule.c - one rule: modifiers, name, tags, meta, strings and the
 * condition, appended to the program as they are read. String modifiers are
 * checked the way yara 4.2 checks them (which modifiers each kind accepts,
 * duplicates, forbidden combinations), and hex/regex bodies are compiled
 * once through lib/re so that their errors point into the rule file.
 */
#include <stdio.h>
#include <string.h>

#include "../re/re.h"
#include "parser.h"
#include "slow.h"

#define B64_STD "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

typedef struct str_key {
    const char *s;
    size_t len;
} str_key;

static bool string_eq(uint32_t val, const void *key, void *ctx)
{
    const ir_program *p = ctx;
    const str_key *k = key;
    const char *id = ir_str(p, p->strings.items[val].id);
    return strlen(id) == k->len && memcmp(id, k->s, k->len) == 0;
}

uint32_t yp_find_string(yp *y, const char *name, size_t len)
{
    str_key key = {name, len};
    return yc_map_find(&y->strs, yc_hash(name, len, 0), &key, string_eq, y->p);
}

static bool oom(yp *y)
{
    return yp_error(y, NULL, "out of memory");
}

static bool parse_tags(yp *y, uint32_t *first, uint32_t *count)
{
    *first = (uint32_t)y->p->lists.len;
    *count = 0;
    if (!yp_accept(y, TK_COLON))
        return true;
    if (y->tok.kind != TK_IDENT)
        return yp_expect(y, TK_IDENT);
    while (y->tok.kind == TK_IDENT) {
        const char *s = y->f->src + y->tok.off;
        size_t n = y->tok.len;
        for (uint32_t i = 0; i < *count; i++) {
            const char *t = ir_str(y->p, y->p->lists.items[*first + i]);
            if (strlen(t) == n && memcmp(t, s, n) == 0)
                return yp_error(y, NULL, "duplicated tag identifier \"%.*s\"", (int)n, s);
        }
        uint32_t off = ir_pool_add(y->p, s, n);
        if (off == IR_NONE || ir_add_list(y->p, &off, 1) == IR_NONE)
            return oom(y);
        (*count)++;
        yp_advance(y);
    }
    return true;
}

static bool parse_meta(yp *y, ir_rule *r)
{
    r->metas_first = (uint32_t)y->p->metas.len;
    r->metas_count = 0;
    if (!yp_accept(y, KW_META))
        return true;
    if (!yp_expect(y, TK_COLON))
        return false;
    if (y->tok.kind != TK_IDENT)
        return yp_expect(y, TK_IDENT);
    while (y->tok.kind == TK_IDENT) {
        ir_meta m = {0};
        m.name = ir_pool_add(y->p, y->f->src + y->tok.off, y->tok.len);
        m.s = IR_NONE;
        if (m.name == IR_NONE)
            return oom(y);
        yp_advance(y);
        if (!yp_expect(y, TK_ASSIGN))
            return false;
        token v = y->tok;
        if (v.kind == TK_TEXT) {
            charbuf b = {0};
            if (!lex_unescape(y->f->src, &v, &b)) {
                vec_free(&b);
                return oom(y);
            }
            m.type = IR_META_STRING;
            m.s = ir_pool_add(y->p, b.items, b.len);
            m.s_len = (uint32_t)b.len;
            vec_free(&b);
            if (m.s == IR_NONE)
                return oom(y);
            yp_advance(y);
        } else if (v.kind == TK_INT) {
            m.type = IR_META_INT;
            m.i = v.ival;
            yp_advance(y);
        } else if (v.kind == TK_MINUS) {
            yp_advance(y);
            token n = y->tok;
            if (!yp_expect(y, TK_INT))
                return false;
            m.type = IR_META_INT;
            m.i = -n.ival;
        } else if (v.kind == KW_TRUE || v.kind == KW_FALSE) {
            m.type = IR_META_BOOL;
            m.i = v.kind == KW_TRUE;
            yp_advance(y);
        } else {
            return yp_expect(y, TK_TEXT);
        }
        if (!vec_push(&y->p->metas, m))
            return oom(y);
        r->metas_count++;
    }
    return true;
}

/* Parses "( "alphabet" )" after base64/base64wide, if present. */
static bool parse_alphabet(yp *y, uint32_t *alpha)
{
    *alpha = IR_NONE;
    if (!yp_accept(y, TK_LPAREN))
        return true;
    token t = y->tok;
    if (!yp_expect(y, TK_TEXT))
        return false;
    charbuf b = {0};
    if (!lex_unescape(y->f->src, &t, &b)) {
        vec_free(&b);
        return oom(y);
    }
    bool ok = true;
    if (b.len != 64) {
        ok = yp_error(y, &t, "length of base64 alphabet must be 64");
    } else if (memcmp(b.items, B64_STD, 64) != 0) {
        *alpha = ir_pool_add(y->p, b.items, 64);
        if (*alpha == IR_NONE)
            ok = oom(y);
    }
    vec_free(&b);
    return ok && yp_expect(y, TK_RPAREN);
}

static bool parse_xor_range(yp *y, ir_string *s)
{
    s->xor_min = 0;
    s->xor_max = 255;
    if (!yp_accept(y, TK_LPAREN))
        return true;
    token lo = y->tok;
    if (!yp_expect(y, TK_INT))
        return false;
    if (yp_accept(y, TK_MINUS)) {
        token hi = y->tok;
        if (!yp_expect(y, TK_INT))
            return false;
        if (hi.ival > 255)
            return yp_error(y, &hi, "upper bound for xor range exceeded (max: 255)");
        if (lo.ival > hi.ival)
            return yp_error(y, &lo, "xor lower bound exceeds upper bound");
        s->xor_min = (uint8_t)lo.ival;
        s->xor_max = (uint8_t)hi.ival;
    } else {
        if (lo.ival > 255)
            return yp_error(y, &lo, "invalid xor range");
        s->xor_min = s->xor_max = (uint8_t)lo.ival;
    }
    return yp_expect(y, TK_RPAREN);
}

/* Modifiers after a string value; `allowed` is the IR_SF_* set the kind takes. */
static bool parse_modifiers(yp *y, ir_string *s, unsigned allowed)
{
    bool have_alpha = false;
    for (;;) {
        unsigned f;
        switch (y->tok.kind) {
        case KW_WIDE:
            f = IR_SF_WIDE;
            break;
        case KW_ASCII:
            f = IR_SF_ASCII;
            break;
        case KW_NOCASE:
            f = IR_SF_NOCASE;
            break;
        case KW_FULLWORD:
            f = IR_SF_FULLWORD;
            break;
        case KW_PRIVATE:
            f = IR_SF_PRIVATE;
            break;
        case KW_XOR:
            f = IR_SF_XOR;
            break;
        case KW_BASE64:
            f = IR_SF_BASE64;
            break;
        case KW_BASE64WIDE:
            f = IR_SF_BASE64WIDE;
            break;
        default:
            return true;
        }
        token mt = y->tok;
        if (!(allowed & f))
            return yp_error(y, &mt, "syntax error, unexpected modifier \"%.*s\"", (int)mt.len,
                            y->f->src + mt.off);
        if (s->flags & f)
            return yp_error(y, &mt, "duplicated modifier");
        s->flags |= f;
        yp_advance(y);
        if (f == IR_SF_XOR && !parse_xor_range(y, s))
            return false;
        if (f == IR_SF_BASE64 || f == IR_SF_BASE64WIDE) {
            uint32_t a;
            if (!parse_alphabet(y, &a))
                return false;
            if (have_alpha) {
                const char *old = s->alphabet == IR_NONE ? B64_STD : ir_str(y->p, s->alphabet);
                const char *cur = a == IR_NONE ? B64_STD : ir_str(y->p, a);
                if (memcmp(old, cur, 64) != 0)
                    return yp_error(y, &mt, "can not specify multiple alphabets");
            }
            have_alpha = true;
            s->alphabet = a;
        }
    }
}

static bool check_combination(yp *y, const token *at, unsigned fl)
{
    static const struct {
        unsigned a, b;
        const char *text;
    } bad[] = {
        {IR_SF_XOR, IR_SF_NOCASE, "xor nocase"},
        {IR_SF_BASE64, IR_SF_NOCASE, "base64 nocase"},
        {IR_SF_BASE64WIDE, IR_SF_NOCASE, "base64wide nocase"},
        {IR_SF_BASE64, IR_SF_FULLWORD, "base64 fullword"},
        {IR_SF_BASE64WIDE, IR_SF_FULLWORD, "base64wide fullword"},
        {IR_SF_BASE64, IR_SF_XOR, "base64 xor"},
        {IR_SF_BASE64WIDE, IR_SF_XOR, "base64wide xor"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if ((fl & bad[i].a) && (fl & bad[i].b))
            return yp_error(y, at, "invalid modifier combination: %s", bad[i].text);
    }
    return true;
}

/* Line and column of byte `eo` of a hex/regex body, whose token starts
 * with the opening brace or slash one column before the body. */
static void locate(const yp *y, const token *body, size_t eo, int *line, int *col)
{
    int l = body->line, c = body->col + 1;
    for (size_t i = 0; i < eo && body->off + i < y->f->len; i++) {
        if (y->f->src[body->off + i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* Compiles a hex/regex body through lib/re: errors are located in the file,
 * and the atoms lib/re chose decide yara's slow-string warning. */
static bool check_pattern(yp *y, const token *id, const token *body, const ir_string *s)
{
    unsigned fl = 0;
    if (s->flags & (IR_SF_NOCASE | IR_SF_REGEX_NOCASE))
        fl |= RE_F_NOCASE;
    if (s->flags & IR_SF_DOTALL)
        fl |= RE_F_DOTALL;
    re_prog *prog = NULL;
    re_error err;
    memset(&err, 0, sizeof(err));
    const char *src = y->f->src + body->off;
    vigil_status st = s->kind == IR_PAT_HEX ? re_compile_hex(src, body->len, fl, &prog, &err)
                                            : re_compile_regex(src, body->len, fl, &prog, &err);
    if (st == VIGIL_E_NOMEM)
        return oom(y);
    if (st != VIGIL_OK) {
        int line, col;
        size_t eo = err.offset <= body->len ? err.offset : body->len;
        locate(y, body, eo, &line, &col);
        return yp_error_at(y, line, col, "invalid %s \"%.*s\": %s",
                           s->kind == IR_PAT_HEX ? "hex string" : "regular expression",
                           (int)id->len, y->f->src + id->off, err.message);
    }
    if (re_mixes_greedy(prog)) {
        re_free(prog);
        return yp_error(y, id,
                        "greedy and ungreedy quantifiers can't be mixed in a regular expression");
    }
    bool slow = yc_prog_is_slow(prog);
    re_free(prog);
    if (s->kind == IR_PAT_REGEX && yc_regex_has_unbounded_dot(src, body->len))
        yp_warning(y, id,
                   "%.*s contains .*, .+ or .{x,} consider using .{,N}, .{1,N} or {x,N} with a "
                   "reasonable value for N",
                   (int)id->len, y->f->src + id->off);
    if (slow)
        yp_warning(y, id, "string \"%.*s\" may slow down scanning", (int)id->len,
                   y->f->src + id->off);
    return true;
}

static bool parse_string(yp *y, uint32_t rule_index)
{
    token id = y->tok;
    if (!yp_expect(y, TK_STRID))
        return false;
    const char *name = y->f->src + id.off;
    bool anon = id.len == 1;
    uint32_t count = (uint32_t)(y->p->strings.len - y->str_first);
    if (count >= YC_MAX_STRINGS_PER_RULE)
        return yp_error(y, &id, "too many strings in rule \"%s\" (limit: %d)", y->rule_name,
                        YC_MAX_STRINGS_PER_RULE);
    str_key key = {name, id.len};
    uint32_t h = yc_hash(name, id.len, 0);
    if (!anon && yc_map_find(&y->strs, h, &key, string_eq, y->p) != UINT32_MAX)
        return yp_error(y, &id, "duplicated string identifier \"%.*s\"", (int)id.len, name);
    if (y->tok.kind != TK_ASSIGN)
        return yp_expect(y, TK_ASSIGN);
    y->f->lx.hex_ok = true;
    yp_advance(y);
    ir_string s;
    memset(&s, 0, sizeof(s));
    s.rule = rule_index;
    s.alphabet = IR_NONE;
    s.line = (uint32_t)id.line;
    s.id = ir_pool_add(y->p, name, id.len);
    if (s.id == IR_NONE)
        return oom(y);
    if (anon)
        s.flags |= IR_SF_ANONYMOUS;
    token v = y->tok;
    if (v.kind == TK_TEXT) {
        charbuf b = {0};
        if (!lex_unescape(y->f->src, &v, &b)) {
            vec_free(&b);
            return oom(y);
        }
        s.kind = IR_PAT_TEXT;
        s.src = ir_pool_add(y->p, b.items, b.len);
        s.src_len = (uint32_t)b.len;
        vec_free(&b);
        if (s.src == IR_NONE)
            return oom(y);
        yp_advance(y);
        if (!parse_modifiers(y, &s,
                             IR_SF_WIDE | IR_SF_ASCII | IR_SF_NOCASE | IR_SF_FULLWORD |
                                 IR_SF_PRIVATE | IR_SF_XOR | IR_SF_BASE64 | IR_SF_BASE64WIDE))
            return false;
        if (s.src_len == 0)
            return yp_error(y, &id, "empty string \"%.*s\"", (int)id.len, name);
        if (!check_combination(y, &id, s.flags))
            return false;
        unsigned fl = s.flags | ((s.flags & IR_SF_WIDE) ? 0 : IR_SF_ASCII);
        if (yc_text_is_slow((const uint8_t *)ir_str(y->p, s.src), s.src_len, fl, s.xor_min,
                            s.xor_max))
            yp_warning(y, &id, "string \"%.*s\" may slow down scanning", (int)id.len, name);
    } else if (v.kind == TK_HEX || v.kind == TK_REGEX) {
        s.kind = v.kind == TK_HEX ? IR_PAT_HEX : IR_PAT_REGEX;
        s.flags |= v.rflags;
        s.src = ir_pool_add(y->p, y->f->src + v.off, v.len);
        s.src_len = (uint32_t)v.len;
        if (s.src == IR_NONE)
            return oom(y);
        yp_advance(y);
        unsigned allowed = IR_SF_PRIVATE;
        if (s.kind == IR_PAT_REGEX)
            allowed |= IR_SF_WIDE | IR_SF_ASCII | IR_SF_NOCASE | IR_SF_FULLWORD;
        if (!parse_modifiers(y, &s, allowed))
            return false;
        if (!check_pattern(y, &id, &v, &s))
            return false;
    } else {
        return yp_expect(y, TK_TEXT);
    }
    if (!(s.flags & IR_SF_WIDE))
        s.flags |= IR_SF_ASCII;
    uint32_t idx = (uint32_t)y->p->strings.len;
    yp_strinfo info = {false, id.line, id.col};
    if (!vec_push(&y->p->strings, s) || !vec_push(&y->strinfo, info))
        return oom(y);
    if (!anon && !yc_map_add(&y->strs, h, idx))
        return oom(y);
    return true;
}

static bool parse_strings(yp *y, uint32_t rule_index)
{
    if (!yp_accept(y, KW_STRINGS))
        return true;
    if (!yp_expect(y, TK_COLON))
        return false;
    if (y->tok.kind != TK_STRID)
        return yp_expect(y, TK_STRID);
    while (y->tok.kind == TK_STRID) {
        if (!parse_string(y, rule_index))
            return false;
    }
    return true;
}

static bool external_named(const yp *y, const char *s, size_t n)
{
    for (size_t i = 0; i < y->p->externals.len; i++) {
        const char *e = ir_str(y->p, y->p->externals.items[i].name);
        if (strlen(e) == n && memcmp(e, s, n) == 0)
            return true;
    }
    return false;
}

bool yp_rule(yp *y)
{
    uint32_t flags = 0;
    for (;;) {
        if (yp_accept(y, KW_PRIVATE))
            flags |= IR_RULE_PRIVATE;
        else if (yp_accept(y, KW_GLOBAL))
            flags |= IR_RULE_GLOBAL;
        else
            break;
    }
    if (!yp_expect(y, KW_RULE))
        return false;
    token nt = y->tok;
    if (!yp_expect(y, TK_IDENT))
        return false;
    const char *name = y->f->src + nt.off;
    if (yc_find_rule(y->st, y->ns, name, nt.len) != UINT32_MAX || external_named(y, name, nt.len))
        return yp_error(y, &nt, "duplicated identifier \"%.*s\"", (int)nt.len, name);
    for (size_t i = 0; i < y->st->wildcards.len; i++) {
        const yc_wildcard *w = &y->st->wildcards.items[i];
        const char *pre = ir_str(y->p, w->prefix);
        size_t pn = strlen(pre);
        if (w->ns == y->ns && pn <= nt.len && memcmp(pre, name, pn) == 0)
            return yp_error(y, &nt,
                            "rule identifier \"%.*s\" matches previously used wildcard "
                            "rule set",
                            (int)nt.len, name);
    }
    snprintf(y->rule_name, sizeof(y->rule_name), "%.*s", (int)nt.len, name);
    y->in_rule = true;

    ir_rule r;
    memset(&r, 0, sizeof(r));
    r.flags = flags;
    r.ns = y->ns;
    r.cond = IR_NONE;
    r.name = ir_pool_add(y->p, name, nt.len);
    if (r.name == IR_NONE)
        return oom(y);
    if (!parse_tags(y, &r.tags_first, &r.tags_count))
        return false;
    if (!yp_expect(y, TK_LBRACE))
        return false;
    if (!parse_meta(y, &r))
        return false;

    /* registered before its strings and condition, as yara does, so the
     * condition may name the rule itself */
    uint32_t index = (uint32_t)y->p->rules.len;
    if (index >= IR_NONE - 1 || !vec_push(&y->p->rules, r))
        return oom(y);
    if (!yc_map_add(&y->st->rules, yc_hash(name, nt.len, y->ns * 0x9e3779b9u), index))
        return oom(y);
    y->rule = index;

    y->str_first = (uint32_t)y->p->strings.len;
    y->strinfo.len = 0;
    if (y->strs.cap > 1024)
        yc_map_free(&y->strs); /* don't clear a huge table once per later rule */
    else
        yc_map_clear(&y->strs);
    y->nloops = 0;
    y->in_for_of = false;
    y->depth = 0;
    if (!parse_strings(y, index))
        return false;
    uint32_t nstr = (uint32_t)(y->p->strings.len - y->str_first);

    if (!yp_expect(y, KW_CONDITION) || !yp_expect(y, TK_COLON))
        return false;
    uint32_t cond;
    if (!yp_condition(y, &cond))
        return false;
    if (!yp_expect(y, TK_RBRACE))
        return false;

    for (uint32_t i = 0; i < nstr; i++) {
        if (!y->strinfo.items[i].used) {
            const ir_string *s = &y->p->strings.items[y->str_first + i];
            return yp_error_at(y, y->strinfo.items[i].line, y->strinfo.items[i].col,
                               "unreferenced string \"%s\"", ir_str(y->p, s->id));
        }
    }
    ir_rule *rp = &y->p->rules.items[index];
    rp->strings_first = y->str_first;
    rp->strings_count = nstr;
    rp->cond = cond;
    return true;
}
