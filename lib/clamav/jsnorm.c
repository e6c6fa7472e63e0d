/*
 * jsnorm.c - the JavaScript normaliser's parser and writer, as libclamav
 * 1.4.6 does it (jsparse/js-norm.c): tokens are kept in a list; a small
 * state machine per function scope decides which identifiers are declared
 * (var, function names, parameters) and gives them numbers n000, n001...;
 * at the end, "a" + "b" is joined while reading, unescape("...") folded,
 * eval("..."), dF("...") and Dean Edwards' packer expanded, and the tokens
 * written lower-cased with a space only between two alphanumerics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/jsnorm.h"
#include "clamav/jsnorm_int.h"

enum fsm { F_BASE, F_INSIDE_VAR, F_INSIDE_INIT, F_WAIT_FN_NAME, F_WAIT_PARAMS, F_INSIDE_FN_DECL };

typedef struct js_name {
    char *key;
    size_t len;
    long id; /* -1: used, not declared here */
    struct js_name *next;
} js_name;

typedef struct js_scope {
    js_name **slots;
    size_t nslots, used;
    struct js_scope *parent;
    struct js_scope *all; /* every scope, for freeing */
    int fsm;
    int last_token;
    unsigned brackets, blocks;
} js_scope;

typedef struct js_tokens {
    js_token *data;
    size_t cnt, cap;
} js_tokens;

struct cv_js {
    unsigned long var_uniq;
    js_scope *global, *current, *list;
    js_lex lex;
    js_tokens tokens;
    unsigned rec;
    bool oom;
};

/* C-locale isalnum. */
static bool alnum(char c)
{
    uint8_t u = (uint8_t)c;
    return (u >= '0' && u <= '9') || ((u | 32) >= 'a' && (u | 32) <= 'z');
}

/* ---- scopes ------------------------------------------------------------- */

static size_t hash(const char *s, size_t n)
{
    size_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211u;
    return h;
}

static js_name *name_find(const js_scope *s, const char *k, size_t n)
{
    if (!s->nslots)
        return NULL;
    for (js_name *e = s->slots[hash(k, n) % s->nslots]; e; e = e->next)
        if (e->len == n && memcmp(e->key, k, n) == 0)
            return e;
    return NULL;
}

/* libclamav's cli_hashtab_insert: add, or update an existing name's id. */
static bool name_set(cv_js *js, js_scope *s, const char *k, size_t n, long id)
{
    js_name *e = name_find(s, k, n);
    if (e) {
        e->id = id;
        return true;
    }
    if (s->used >= s->nslots) {
        size_t ns = s->nslots ? s->nslots * 2 : 16;
        js_name **slots = calloc(ns, sizeof(*slots));
        if (!slots)
            goto oom;
        for (size_t i = 0; i < s->nslots; i++) {
            js_name *x = s->slots[i];
            while (x) {
                js_name *next = x->next;
                size_t h = hash(x->key, x->len) % ns;
                x->next = slots[h];
                slots[h] = x;
                x = next;
            }
        }
        free(s->slots);
        s->slots = slots;
        s->nslots = ns;
    }
    e = malloc(sizeof(*e));
    if (!e)
        goto oom;
    e->key = malloc(n + 1);
    if (!e->key) {
        free(e);
        goto oom;
    }
    memcpy(e->key, k, n);
    e->key[n] = 0;
    e->len = n;
    e->id = id;
    size_t h = hash(k, n) % s->nslots;
    e->next = s->slots[h];
    s->slots[h] = e;
    s->used++;
    return true;
oom:
    js->oom = true;
    return false;
}

static js_scope *scope_new(cv_js *js)
{
    js_scope *s = calloc(1, sizeof(*s));
    if (!s) {
        js->oom = true;
        return NULL;
    }
    s->parent = js->current;
    s->fsm = F_BASE;
    s->all = js->list;
    js->list = s;
    js->current = s;
    return s;
}

static void scope_free(js_scope *s)
{
    for (size_t i = 0; i < s->nslots; i++) {
        js_name *e = s->slots[i];
        while (e) {
            js_name *next = e->next;
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(s->slots);
    free(s);
}

static long scope_lookup(const js_scope *s, const char *k, size_t n)
{
    for (; s; s = s->parent) {
        const js_name *e = name_find(s, k, n);
        if (e && e->id != -1)
            return e->id;
    }
    return -1;
}

/* ---- tokens ------------------------------------------------------------- */

static void token_free(js_token *t)
{
    if (t->vtype == JV_STR || t->vtype == JV_NAME) {
        free(t->v.str);
        t->v.str = NULL;
    }
}

static bool tokens_reserve(cv_js *js, js_tokens *t, size_t n)
{
    if (t->cap >= n)
        return true;
    size_t cap = n + 1024;
    js_token *d = realloc(t->data, cap * sizeof(*d));
    if (!d) {
        js->oom = true;
        return false;
    }
    t->data = d;
    t->cap = cap;
    return true;
}

static bool token_add(cv_js *js, const js_token *tok)
{
    if (!tokens_reserve(js, &js->tokens, js->tokens.cnt + 1))
        return false;
    js->tokens.data[js->tokens.cnt++] = *tok;
    return true;
}

static void tokens_free(js_tokens *t)
{
    for (size_t i = 0; i < t->cnt; i++)
        token_free(&t->data[i]);
    free(t->data);
    memset(t, 0, sizeof(*t));
}

static const js_token *tok_at(const js_tokens *t, size_t i)
{
    static const js_token none = {0};
    return i < t->cnt ? &t->data[i] : &none;
}

/* [start, end) replaced by `with` (moved in; NULL deletes). */
static bool replace_range(cv_js *js, js_tokens *dst, size_t start, size_t end, js_tokens *with)
{
    size_t len = with ? with->cnt : 0;
    if (start >= dst->cnt || end > dst->cnt)
        return false;
    for (size_t i = start; i < end; i++)
        token_free(&dst->data[i]);
    if (!tokens_reserve(js, dst, dst->cnt - (end - start) + len))
        return false;
    memmove(&dst->data[start + len], &dst->data[end], (dst->cnt - end) * sizeof(dst->data[0]));
    if (len)
        memcpy(&dst->data[start], with->data, len * sizeof(dst->data[0]));
    dst->cnt = dst->cnt - (end - start) + len;
    if (with)
        with->cnt = 0;
    return true;
}

/* ---- reading (cli_js_process_buffer) ------------------------------------ */

static char *dup_text(cv_js *js, const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) {
        js->oom = true;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* An identifier: a member name after '.', or a name declared or used in
 * the current scope depending on where the state machine is. */
static void identifier(cv_js *js, js_scope *cur, js_token *tok)
{
    const char *text = js->lex.buf.data;
    size_t len = js->lex.buf.pos ? js->lex.buf.pos - 1 : 0;
    char *copy = dup_text(js, text ? text : "", len);
    tok->vtype = JV_STR;
    tok->v.str = copy;
    if (!copy)
        return;
    if (cur->last_token == JT_DOT) {
        tok->type = JT_UNNORM_IDENTIFIER;
        return;
    }
    /* a normalisable name: libclamav keeps it as a const string */
    switch (cur->fsm) {
    case F_WAIT_PARAMS:
    case F_BASE:
    case F_INSIDE_INIT:
        if (!name_find(cur, copy, len))
            name_set(js, cur, copy, len, -1);
        break;
    case F_INSIDE_VAR:
    case F_INSIDE_FN_DECL:
        name_set(js, cur, copy, len, (long)js->var_uniq++);
        cur->fsm = F_INSIDE_INIT;
        cur->brackets = 0;
        break;
    case F_WAIT_FN_NAME:
        name_set(js, cur, copy, len, (long)js->var_uniq++);
        cur->fsm = F_WAIT_PARAMS;
        break;
    }
    tok->vtype = JV_NAME;
}

static void process(cv_js *js, const uint8_t *buf, size_t n)
{
    js_scope *cur = js->current;
    js_lex_input(&js->lex, buf, n);
    js_token tok = {0};
    int yv;
    while (!js->oom && (yv = js_lex_next(&js->lex, &tok)) != 0) {
        tok.type = yv;
        switch (yv) {
        case JT_VAR:
            cur->fsm = F_INSIDE_VAR;
            break;
        case JT_IDENTIFIER_NAME:
            identifier(js, cur, &tok);
            break;
        case JT_PAR_OPEN:
            if (cur->fsm == F_WAIT_FN_NAME || cur->fsm == F_WAIT_PARAMS)
                cur->fsm = F_INSIDE_FN_DECL;
            break;
        case JT_PAR_CLOSE:
            if (cur->fsm == F_WAIT_PARAMS)
                cur->fsm = F_BASE;
            break;
        case JT_CURLY_OPEN:
            if (cur->fsm == F_WAIT_FN_NAME || cur->fsm == F_WAIT_PARAMS ||
                cur->fsm == F_INSIDE_FN_DECL)
                cur->fsm = F_BASE;
            cur->blocks++;
            break;
        case JT_CURLY_CLOSE:
            if (cur->blocks > 0)
                cur->blocks--;
            if (!cur->blocks && cur->parent) {
                /* the '}', then a function token with no scope marking
                 * the end of the function */
                if (!token_add(js, &tok))
                    return;
                tok.vtype = JV_SCOPE;
                tok.v.scope = NULL;
                tok.type = JT_FUNCTION;
                js->current = cur = cur->parent;
            }
            break;
        case JT_BRACKET_OPEN:
            cur->brackets++;
            break;
        case JT_BRACKET_CLOSE:
            if (cur->brackets > 0)
                cur->brackets--;
            break;
        case JT_COMMA:
            if (cur->fsm == F_INSIDE_INIT && cur->brackets == 0 && cur->blocks == 0)
                cur->fsm = F_INSIDE_VAR;
            break;
        case JT_SEMICOLON:
            if (cur->brackets == 0 && cur->blocks == 0)
                cur->fsm = F_BASE;
            break;
        case JT_FUNCTION:
            if (!scope_new(js))
                return;
            cur = js->current;
            cur->fsm = F_WAIT_FN_NAME;
            tok.vtype = JV_SCOPE;
            tok.v.scope = cur;
            break;
        case JT_STRING: {
            js_tokens *t = &js->tokens;
            /* "a" + "b": joined into the first; the '+' goes, and the
             * token before it (libclamav reads one before the list when
             * the '+' is first: never a string there) */
            if (t->cnt >= 2 && t->data[t->cnt - 1].type == JT_PLUS &&
                t->data[t->cnt - 2].type == JT_STRING && t->data[t->cnt - 2].vtype == JV_STR) {
                js_token *prev = &t->data[t->cnt - 2];
                size_t a = strlen(prev->v.str), b = js->lex.yylen;
                char *s = realloc(prev->v.str, a + b + 1);
                if (!s) {
                    js->oom = true;
                    token_free(&tok);
                    return;
                }
                memcpy(s + a, tok.v.str, b);
                s[a + b] = 0;
                prev->v.str = s;
                token_free(&t->data[--t->cnt]);
                token_free(&tok);
                memset(&tok, 0, sizeof(tok));
                continue;
            }
            break;
        }
        default:
            break;
        }
        if (js->oom || !token_add(js, &tok)) {
            token_free(&tok);
            return;
        }
        cur->last_token = yv;
        memset(&tok, 0, sizeof(tok));
    }
    if (js->lex.oom)
        js->oom = true;
}

cv_js *cv_js_new(void)
{
    cv_js *js = calloc(1, sizeof(*js));
    if (!js)
        return NULL;
    if (!scope_new(js)) {
        free(js);
        return NULL;
    }
    js->global = js->current;
    return js;
}

bool cv_js_feed(cv_js *js, const uint8_t *buf, size_t len)
{
    if (!js->oom)
        process(js, buf, len);
    return !js->oom;
}

/* ---- decoders (run at the end) ------------------------------------------ */

static bool scope_step(cv_js *js, const js_token *t)
{
    if (t->type == JT_FUNCTION) {
        if (t->v.scope) {
            js->current = t->v.scope;
        } else {
            if (js->current->parent)
                js->current = js->current->parent;
            return false; /* the end marker is not written */
        }
    }
    return true;
}

/* unescape("...") -> "..." decoded, whatever follows the string. */
static void run_folders(cv_js *js)
{
    js_tokens *t = &js->tokens;
    for (size_t i = 0; i < t->cnt && !js->oom; i++) {
        const char *s = js_text(&t->data[i]);
        if (i + 2 < t->cnt && t->data[i].type == JT_IDENTIFIER_NAME && s &&
            strcmp(s, "unescape") == 0 && t->data[i + 1].type == JT_PAR_OPEN &&
            t->data[i + 2].type == JT_STRING) {
            char *r = js_unescape(js_text(&t->data[i + 2]));
            if (!r) {
                js->oom = true;
                return;
            }
            js_token nt = {.type = JT_STRING, .vtype = JV_STR, .v.str = r};
            js_tokens with = {&nt, 1, 1};
            if (!replace_range(js, t, i, i + 4, &with))
                free(r);
        }
    }
}

typedef struct decode {
    js_textbuf txt;
    size_t begin, end;
    bool append;
} decode;

/* The packer's parameter list as clamscan 1.4.6 recognises it: "(p,a,c,"
 * - three names each followed by a comma, whatever comes after (measured:
 * (p,a,c,k) and (p,a,c,x,e,r) are taken, (p,a,c) and (p,a,x,k,e,r) not). */
static bool match_params(const js_tokens *t, size_t i)
{
    static const char *const names[] = {"p", "a", "c"};
    if (tok_at(t, i)->type != JT_PAR_OPEN)
        return false;
    i++;
    for (size_t k = 0; k < 3; k++) {
        const js_token *p = tok_at(t, i);
        const char *s = js_text(p);
        if (p->type != JT_IDENTIFIER_NAME || !s || strcmp(s, names[k]) != 0)
            return false;
        if (tok_at(t, i + 1)->type != JT_COMMA)
            return false;
        i += 2;
    }
    return true;
}

/* Dean Edwards' packer: p with its words replaced from k.split('|'),
 * numbers read in base a, appended to `out` (clamscan 1.4.6 appends the
 * decodings of every call of a named packer into one text). */
static void decode_de(cv_js *js, js_token *const params[6], js_textbuf *out)
{
    const char *p = js_text(params[0]);
    long a = params[1]->vtype == JV_LONG ? params[1]->v.l : -1;
    char *k = params[3]->vtype == JV_STR ? params[3]->v.str : NULL;
    if (!p || !k)
        return;
    size_t nsplit = 1;
    for (const char *o = k; *o; o++)
        nsplit += *o == '|';
    const char **words = malloc(nsplit * sizeof(*words));
    if (!words) {
        js->oom = true;
        return;
    }
    size_t w = 0;
    words[w++] = k;
    for (char *o = k; *o; o++) {
        if (*o == '|') {
            *o = 0;
            words[w++] = o + 1;
        }
    }
    bool ok = true;
    do {
        while (*p && !alnum(*p)) {
            if (*p == '\\' && (p[1] == '\'' || p[1] == '"'))
                p++;
            else
                ok &= js_textbuf_putc(out, *p++);
        }
        if (!*p)
            break;
        unsigned val = 0;
        const char *o = p;
        while (*p && alnum(*p)) {
            uint8_t v = (uint8_t)*p++;
            unsigned x = v >= 'a' ? 10u + v - 'a' : v >= 'A' ? 36u + v - 'A' : (unsigned)(v - '0');
            val = val * (unsigned)a + x;
        }
        if (val >= nsplit || !words[val][0])
            ok &= js_textbuf_append(out, o, (size_t)(p - o));
        else
            ok &= js_textbuf_append(out, words[val], strlen(words[val]));
    } while (*p);
    free(words);
    if (!ok)
        js->oom = true;
}

static void collect_params(cv_js *js, js_tokens *t, size_t *pi, decode *res, js_token *params[6])
{
    size_t i = *pi, j;
    for (j = 0; j < 6 && i < t->cnt; j++) {
        params[j] = &t->data[i++];
        int stop = j != 5 ? JT_COMMA : JT_PAR_CLOSE;
        while (i < t->cnt && t->data[i].type != stop)
            i++;
        i++;
    }
    if (j == 6)
        decode_de(js, params, &res->txt);
    *pi = i;
}

static void handle_de(cv_js *js, size_t start, const char *name, decode *res)
{
    js_tokens *t = &js->tokens;
    size_t i, nesting = 1;
    for (i = start; i < t->cnt; i++) {
        if (t->data[i].type == JT_FUNCTION) {
            if (t->data[i].v.scope)
                nesting++;
            else
                nesting--;
            if (!nesting)
                break;
        }
    }
    if (nesting)
        return;
    js_token *params[6] = {0};
    js_token *first = NULL; /* the replaced range starts at the first call */
    if (name) {
        for (; i + 2 < t->cnt; i++) {
            const char *s = js_text(&t->data[i]);
            if (t->data[i].type == JT_IDENTIFIER_NAME && s && strcmp(name, s) == 0 &&
                t->data[i + 1].type == JT_PAR_OPEN) {
                i += 2;
                collect_params(js, t, &i, res, params);
                if (!first)
                    first = params[0];
            }
        }
    } else {
        while (i < t->cnt && t->data[i].type != JT_PAR_OPEN)
            i++;
        ++i;
        if (i >= t->cnt)
            return;
        collect_params(js, t, &i, res, params);
    }
    if (params[0] && params[5]) {
        res->begin = (size_t)((first ? first : params[0]) - t->data);
        res->end = (size_t)(params[5] - t->data) + 1;
        if (tok_at(t, res->end)->type == JT_BRACKET_OPEN &&
            tok_at(t, res->end + 1)->type == JT_BRACKET_CLOSE &&
            tok_at(t, res->end + 2)->type == JT_PAR_CLOSE)
            res->end += 3; /* {}) */
        else
            res->end++; /* ) */
    }
}

/* scriptasylum.com's encoder: dF('...N'): unescape, minus N, unescape. */
static void handle_df(cv_js *js, size_t start, decode *res)
{
    js_token *t = &js->tokens.data[start];
    if (t->type != JT_STRING || t->vtype != JV_STR || !t->v.str || !t->v.str[0])
        return;
    char *str = t->v.str;
    size_t len = strlen(str);
    unsigned char last = (unsigned char)(str[len - 1] - '0');
    str[len - 1] = 0;
    char *s1 = js_unescape(str);
    if (!s1) {
        js->oom = true;
        return;
    }
    for (size_t i = 0; s1[i]; i++)
        s1[i] = (char)(s1[i] - last);
    /* the subtraction may have made a NUL: libclamav's strlen stops there */
    char *r = js_unescape(s1);
    free(s1);
    if (!r) {
        js->oom = true;
        return;
    }
    res->begin = start - 2;
    res->end = start + 2;
    res->txt.data = r;
    res->txt.pos = strlen(r);
    res->txt.cap = res->txt.pos + 1;
    res->append = true;
}

static void handle_eval(cv_js *js, size_t start, decode *res)
{
    js_token *t = &js->tokens.data[start];
    if (t->vtype != JV_STR || !t->v.str || tok_at(&js->tokens, start + 1)->type != JT_PAR_CLOSE)
        return;
    res->txt.data = t->v.str;
    res->txt.pos = strlen(t->v.str);
    res->txt.cap = res->txt.pos + 1;
    t->v.str = NULL;
    res->begin = start - 2;
    res->end = start + 2;
}

static void run_decoders(cv_js *js)
{
    for (size_t i = 0; i < js->tokens.cnt && !js->oom; i++) {
        js_tokens *t = &js->tokens;
        decode res = {0};
        const char *s = js_text(&t->data[i]);
        if (t->data[i].type == JT_FUNCTION && i + 13 < t->cnt) {
            const char *name = NULL;
            ++i;
            if (t->data[i].type == JT_IDENTIFIER_NAME) {
                name = js_text(&t->data[i]);
                ++i;
            }
            if (match_params(t, i))
                handle_de(js, i, name, &res);
        } else if (i + 2 < t->cnt && t->data[i].type == JT_IDENTIFIER_NAME && s &&
                   strcmp(s, "dF") == 0 && t->data[i + 1].type == JT_PAR_OPEN) {
            handle_df(js, i + 2, &res);
        } else if (i + 2 < t->cnt && t->data[i].type == JT_IDENTIFIER_NAME && s &&
                   strcmp(s, "eval") == 0 && t->data[i + 1].type == JT_PAR_OPEN) {
            handle_eval(js, i + 2, &res);
        }
        if (res.end > res.begin) {
            if (res.end < t->cnt && t->data[res.end].type == JT_SEMICOLON)
                res.end++;
            js_tokens parent = js->tokens;
            memset(&js->tokens, 0, sizeof(js->tokens));
            if (++js->rec <= 16) {
                process(js, (const uint8_t *)(res.txt.data ? res.txt.data : ""), res.txt.pos);
                --js->rec;
            }
            free(res.txt.data);
            js_tokens nested = js->tokens;
            js->tokens = parent;
            if (!res.append) {
                if (!replace_range(js, &js->tokens, res.begin, res.end, &nested))
                    tokens_free(&nested);
            } else {
                replace_range(js, &js->tokens, res.begin, res.end, NULL);
                if (nested.cnt && tokens_reserve(js, &js->tokens, js->tokens.cnt + nested.cnt)) {
                    memcpy(&js->tokens.data[js->tokens.cnt], nested.data,
                           nested.cnt * sizeof(nested.data[0]));
                    js->tokens.cnt += nested.cnt;
                    nested.cnt = 0;
                }
            }
            tokens_free(&nested);
        } else if (res.txt.data && !res.append && res.end == 0) {
            free(res.txt.data); /* a packer call with nothing to replace */
        }
        if (i < js->tokens.cnt)
            scope_step(js, &js->tokens.data[i]);
    }
}

/* ---- writing (cli_js_output) ------------------------------------------- */

typedef struct out {
    cv_html_buf *b;
    size_t max;
    size_t pending; /* libclamav's 64 KiB buffer fill, for its last check */
    bool fail;
} out;

#define JS_OUTBUF 65536

static void out_byte(out *o, char c)
{
    if (o->fail)
        return;
    if (o->max && o->b->len + 1 > o->max) {
        o->fail = true;
        return;
    }
    if (o->b->len + 1 > o->b->cap) {
        size_t cap = o->b->cap ? o->b->cap * 2 : 256;
        uint8_t *d = realloc(o->b->data, cap);
        if (!d) {
            o->fail = true;
            return;
        }
        o->b->data = d;
        o->b->cap = cap;
    }
    o->b->data[o->b->len++] = (uint8_t)c;
}

static void out_c(out *o, char c)
{
    if (o->pending >= JS_OUTBUF)
        o->pending = 0;
    out_byte(o, c);
    o->pending++;
}

/* buf_outs: lower-cased, whitespace made a space. */
static void out_s(out *o, const char *s)
{
    for (; *s; s++) {
        uint8_t c = (uint8_t)*s;
        bool sp = c == ' ' || (c >= '\t' && c <= '\r');
        out_byte(o, sp ? ' ' : (char)((c >= 'A' && c <= 'Z') ? c + 32 : c));
        if (++o->pending == JS_OUTBUF)
            o->pending = 0;
    }
}

static void space(out *o, char last, char cur)
{
    if (alnum(last) && alnum(cur))
        out_c(o, ' ');
}

static char write_token(cv_js *js, out *o, const js_token *t, char last)
{
    char num[64];
    const char *s = js_text(t);
    switch (t->type) {
    case JT_STRING:
        space(o, last, '"');
        out_c(o, '"');
        if (s)
            out_s(o, s);
        out_c(o, '"');
        return '"';
    case JT_NUMERIC_INT:
        space(o, last, '0');
        snprintf(num, sizeof(num), "%ld", t->vtype == JV_LONG ? t->v.l : -1L);
        out_s(o, num);
        return '0';
    case JT_NUMERIC_FLOAT:
        space(o, last, '0');
        snprintf(num, sizeof(num), "%g", t->vtype == JV_DOUBLE ? t->v.d : -1.0);
        out_s(o, num);
        return '0';
    case JT_IDENTIFIER_NAME:
        space(o, last, 'a');
        if (s) {
            long id = scope_lookup(js->current, s, strlen(s));
            if (id == -1) {
                out_s(o, s);
            } else {
                snprintf(num, sizeof(num), "n%03ld", id);
                out_s(o, num);
            }
        }
        return 'a';
    case JT_FUNCTION:
        space(o, last, 'a');
        out_s(o, "function");
        return 'a';
    default:
        if (s) {
            size_t n = strlen(s);
            space(o, last, s[0]);
            out_s(o, s);
            return n ? s[n - 1] : '\0';
        }
        return '\0';
    }
}

bool cv_js_finish(cv_js *js, cv_html_buf *dst, size_t max_output)
{
    if (js->oom)
        return false;
    char end = 0;
    if (js->lex.state == LX_DQ_STRING)
        end = '"';
    else if (js->lex.state == LX_SQ_STRING)
        end = '\'';
    if (end)
        process(js, (const uint8_t *)&end, 1);
    size_t balance = 0;
    for (size_t i = 0; i < js->tokens.cnt; i++) {
        if (js->tokens.data[i].type == JT_PAR_OPEN)
            balance++;
        else if (js->tokens.data[i].type == JT_PAR_CLOSE && balance > 0)
            balance--;
    }
    js_token close = {.type = JT_PAR_CLOSE, .vtype = JV_CSTR, .v.cstr = ")"};
    while (balance-- > 0 && !js->oom)
        token_add(js, &close);
    run_folders(js);
    run_decoders(js);
    if (js->oom)
        return false;

    out o = {.b = dst, .max = max_output};
    if (dst->len > 0)
        out_c(&o, '\n'); /* scripts after the first */
    out_s(&o, "<script>");
    js->current = js->global;
    char last = 0;
    for (size_t i = 0; i < js->tokens.cnt; i++)
        if (scope_step(js, &js->tokens.data[i]))
            last = write_token(js, &o, &js->tokens.data[i], last);
    if (o.pending < 9 || memcmp(dst->data + dst->len - 9, "</script>", 9) != 0)
        out_s(&o, "</script>");
    dst->exists = true;
    return !o.fail;
}

void cv_js_free(cv_js *js)
{
    if (!js)
        return;
    for (js_scope *s = js->list; s;) {
        js_scope *next = s->all;
        scope_free(s);
        s = next;
    }
    tokens_free(&js->tokens);
    js_lex_free(&js->lex);
    free(js);
}
