/*
 * re_parse.c - parsers for YARA regular expressions and hex strings. Both
 * build the same syntax tree yara 4.2's grammars build (a CONCAT per sequence,
 * binary ALT nodes, RANGE_ANY for `.{n,m}` and hex jumps) because atom choice
 * and chaining depend on that exact shape. Recursive descent with a depth
 * argument; errors carry yara's messages and a source offset.
 */
#include <stdio.h>
#include <string.h>

#include "../util/hex.h"
#include "re_int.h"

void rx_ast_init(rx_ast *ast)
{
    memset(ast, 0, sizeof(*ast));
    ast->root = -1;
}

void rx_ast_free(rx_ast *ast)
{
    vec_free(&ast->nodes);
    vec_free(&ast->classes);
}

int32_t rx_new_node(rx_ast *ast, rx_kind kind)
{
    rx_node n;
    memset(&n, 0, sizeof(n));
    n.kind = (uint8_t)kind;
    n.mask = 0xFF;
    n.greedy = true;
    n.cls = n.first = n.last = n.next = n.prev = n.fwd = n.bwd = -1;
    if (ast->nodes.len >= RX_MAX_NODES || !vec_push(&ast->nodes, n))
        return -1;
    return (int32_t)ast->nodes.len - 1;
}

void rx_append(rx_ast *ast, int32_t parent, int32_t child)
{
    rx_node *p = &ast->nodes.items[parent];
    rx_node *c = &ast->nodes.items[child];
    c->prev = p->last;
    c->next = -1;
    if (p->last >= 0)
        ast->nodes.items[p->last].next = child;
    else
        p->first = child;
    p->last = child;
}

typedef struct pstate {
    const char *s;
    size_t len, pos;
    rx_ast *ast;
    re_error *err;
    bool failed;
    bool inside_or; /* hex: inside ( | ) */
} pstate;

static int32_t fail(pstate *p, size_t at, const char *msg)
{
    if (!p->failed) {
        p->failed = true;
        snprintf(p->err->message, sizeof(p->err->message), "%s", msg);
        p->err->offset = at;
    }
    return -1;
}

static int32_t node(pstate *p, rx_kind k)
{
    int32_t n = rx_new_node(p->ast, k);
    if (n < 0)
        return fail(p, p->pos, "regular expression is too large");
    return n;
}

static int peek(const pstate *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}


/* ---------------------------------------------------------------- regex -- */

static bool is_word_byte(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void cls_set(rx_class *c, int b)
{
    c->bits[b / 8] |= (uint8_t)(1u << (b % 8));
}

/* Adds \w \W \s \S \d \D to a class; returns false for other letters. */
static bool cls_add_shorthand(rx_class *c, int e)
{
    for (int b = 0; b < 256; b++) {
        bool in;
        switch (e) {
        case 'w': in = is_word_byte(b); break;
        case 'W': in = !is_word_byte(b); break;
        case 's': in = b == ' ' || (b >= '\t' && b <= '\r'); break;
        case 'S': in = !(b == ' ' || (b >= '\t' && b <= '\r')); break;
        case 'd': in = b >= '0' && b <= '9'; break;
        case 'D': in = !(b >= '0' && b <= '9'); break;
        default: return false;
        }
        if (in)
            cls_set(c, b);
    }
    return true;
}

/* Reads an escape after '\'; returns the byte or -1 (error set). */
static int read_escape(pstate *p, size_t at)
{
    int c = peek(p);
    if (c < 0)
        return fail(p, at, "illegal escape sequence");
    p->pos++;
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'a': return 0x07;
    case 'x': {
        int h = p->pos < p->len ? util_hex_digit((unsigned char)p->s[p->pos]) : -1;
        int l = p->pos + 1 < p->len ? util_hex_digit((unsigned char)p->s[p->pos + 1]) : -1;
        if (h < 0 || l < 0)
            return fail(p, at, "illegal escape sequence");
        p->pos += 2;
        return h * 16 + l;
    }
    default: return c;
    }
}

static int32_t parse_class(pstate *p)
{
    size_t at = p->pos - 1;
    rx_class c;
    memset(&c, 0, sizeof(c));
    if (peek(p) == '^') {
        c.negated = true;
        p->pos++;
    }
    bool first = true;
    for (;;) {
        int ch = peek(p);
        if (ch < 0)
            return fail(p, at, "missing terminating ] for character class");
        if (ch == ']' && !first)
            break;
        first = false;
        size_t item_at = p->pos;
        p->pos++;
        int lo = ch;
        if (ch == '\\') {
            int e = peek(p);
            if (e >= 0 && cls_add_shorthand(&c, e)) {
                p->pos++;
                continue;
            }
            lo = read_escape(p, item_at);
            if (lo < 0)
                return -1;
        }
        if (peek(p) == '-' && p->pos + 1 < p->len && p->s[p->pos + 1] != ']') {
            size_t dash = p->pos;
            p->pos++;
            int hi = (unsigned char)p->s[p->pos++];
            if (hi == '\\') {
                hi = read_escape(p, dash + 1);
                if (hi < 0)
                    return -1;
            }
            if (hi < lo)
                return fail(p, item_at, "bad character range");
            for (int b = lo; b <= hi; b++)
                cls_set(&c, b);
        } else {
            cls_set(&c, lo);
        }
    }
    p->pos++; /* ']' */
    int32_t n = node(p, RX_CLASS);
    if (n < 0)
        return -1;
    if (!vec_push(&p->ast->classes, c))
        return fail(p, at, "regular expression is too large");
    p->ast->nodes.items[n].cls = (int32_t)p->ast->classes.len - 1;
    return n;
}

/* Tries to read {n}, {n,}, {,m}, {n,m} at pos ('{' not yet consumed).
 * Returns 1 with the bounds in lo and hi, 0 when the text is not a range (then '{' is a
 * literal, as in yara's lexer), -1 on a range error. */
static int read_range(pstate *p, int32_t *lo, int32_t *hi)
{
    size_t i = p->pos + 1, at = p->pos;
    long a = -1, b = -1;
    bool comma = false;
    while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
        a = (a < 0 ? 0 : a) * 10 + (p->s[i] - '0');
        if (a > 1000000)
            a = 1000000;
        i++;
    }
    if (i < p->len && p->s[i] == ',') {
        comma = true;
        i++;
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
            b = (b < 0 ? 0 : b) * 10 + (p->s[i] - '0');
            if (b > 1000000)
                b = 1000000;
            i++;
        }
    }
    if (i >= p->len || p->s[i] != '}' || (!comma && a < 0))
        return 0;
    p->pos = i + 1;
    if (!comma)
        b = a;
    if (a < 0)
        a = 0;
    if (b < 0)
        b = RX_MAX_RANGE;
    if (a > RX_MAX_RANGE || b > RX_MAX_RANGE) {
        fail(p, at, "repeat interval too large");
        return -1;
    }
    if (a > b || b == 0) {
        fail(p, at, "bad repeat interval");
        return -1;
    }
    *lo = (int32_t)a;
    *hi = (int32_t)b;
    return 1;
}

static int32_t parse_alt(pstate *p, int depth);

static int32_t parse_single(pstate *p, int depth)
{
    size_t at = p->pos;
    int c = peek(p);
    p->pos++;
    switch (c) {
    case '(': {
        if (peek(p) == ')')
            return fail(p, p->pos, "syntax error");
        int32_t n = parse_alt(p, depth + 1);
        if (n < 0)
            return -1;
        if (peek(p) != ')')
            return fail(p, at, "syntax error");
        p->pos++;
        return n;
    }
    case '.': {
        int32_t n = node(p, RX_ANY);
        if (n >= 0)
            p->ast->nodes.items[n].mask = 0;
        return n;
    }
    case '[':
        return parse_class(p);
    case '\\': {
        int e = peek(p);
        rx_kind k = RX_EMPTY;
        switch (e) {
        case 'w': k = RX_WORD; break;
        case 'W': k = RX_NWORD; break;
        case 's': k = RX_SPACE; break;
        case 'S': k = RX_NSPACE; break;
        case 'd': k = RX_DIGIT; break;
        case 'D': k = RX_NDIGIT; break;
        default: break;
        }
        if (k != RX_EMPTY) {
            p->pos++;
            return node(p, k);
        }
        /* yara's lexer takes \0-\9 outside a class for a backreference and
         * rejects it (inside a class they stay plain digits). */
        if (e >= '0' && e <= '9')
            return fail(p, at, "backreferences are not allowed");
        int v = read_escape(p, at);
        if (v < 0)
            return -1;
        int32_t n = node(p, RX_LIT);
        if (n >= 0)
            p->ast->nodes.items[n].value = (uint8_t)v;
        return n;
    }
    case '*': case '+': case '?': case '|': case ')':
        return fail(p, at, "syntax error");
    default: {
        int32_t n = node(p, RX_LIT);
        if (n >= 0)
            p->ast->nodes.items[n].value = (uint8_t)c;
        return n;
    }
    }
}

static int32_t parse_repeat(pstate *p, int depth)
{
    int c = peek(p);
    size_t at = p->pos;
    if (c == '^' || c == '$') {
        p->pos++;
        int32_t n = node(p, c == '^' ? RX_BOL : RX_EOL);
        int q = peek(p);
        if (q == '*' || q == '+' || q == '?')
            return fail(p, p->pos, "syntax error");
        return n;
    }
    if (c == '\\' && p->pos + 1 < p->len && (p->s[p->pos + 1] == 'b' || p->s[p->pos + 1] == 'B')) {
        p->pos += 2;
        int32_t n = node(p, p->s[p->pos - 1] == 'b' ? RX_WB : RX_NWB);
        int q = peek(p);
        if (q == '*' || q == '+' || q == '?')
            return fail(p, p->pos, "syntax error");
        return n;
    }
    int32_t s = parse_single(p, depth);
    if (s < 0)
        return -1;
    rx_ast *a = p->ast;
    c = peek(p);
    int32_t n = s;
    if (c == '*' || c == '+' || c == '?') {
        p->pos++;
        n = node(p, c == '*' ? RX_STAR : c == '+' ? RX_PLUS : RX_RANGE);
        if (n < 0)
            return -1;
        a->nodes.items[n].start = 0;
        a->nodes.items[n].end = 1;
        rx_append(a, n, s);
    } else if (c == '{') {
        int32_t lo, hi;
        int r = read_range(p, &lo, &hi);
        if (r < 0)
            return -1;
        if (r == 0)
            return s;
        if (a->nodes.items[s].kind == RX_ANY) {
            n = s;
            a->nodes.items[n].kind = RX_RANGE_ANY;
        } else {
            n = node(p, RX_RANGE);
            if (n < 0)
                return -1;
            rx_append(a, n, s);
        }
        a->nodes.items[n].start = lo;
        a->nodes.items[n].end = hi;
    } else {
        return s;
    }
    if (peek(p) == '?') {
        p->pos++;
        a->nodes.items[n].greedy = false;
        a->ungreedy = true;
    } else {
        a->greedy = true;
    }
    c = peek(p);
    if (c == '*' || c == '+' || c == '?')
        return fail(p, p->pos, "syntax error");
    if (c == '{') {
        int32_t lo, hi;
        size_t save = p->pos;
        int r = read_range(p, &lo, &hi);
        if (r != 0)
            return r < 0 ? -1 : fail(p, save, "syntax error");
    }
    (void)at;
    return n;
}

static int32_t parse_concat(pstate *p, int depth)
{
    int32_t cat = node(p, RX_CONCAT);
    if (cat < 0)
        return -1;
    while (p->pos < p->len && peek(p) != '|' && peek(p) != ')') {
        int32_t r = parse_repeat(p, depth);
        if (r < 0)
            return -1;
        rx_append(p->ast, cat, r);
    }
    if (p->ast->nodes.items[cat].first < 0)
        return fail(p, p->pos, "syntax error");
    return cat;
}

static int32_t parse_alt(pstate *p, int depth)
{
    if (depth > RX_MAX_DEPTH)
        return fail(p, p->pos, "regular expression is too complex");
    int32_t left = parse_concat(p, depth);
    if (left < 0)
        return -1;
    while (peek(p) == '|') {
        p->pos++;
        int32_t right;
        int c = peek(p);
        if (c < 0 || c == '|' || c == ')')
            right = node(p, RX_EMPTY);
        else
            right = parse_concat(p, depth);
        if (right < 0)
            return -1;
        int32_t alt = node(p, RX_ALT);
        if (alt < 0)
            return -1;
        rx_append(p->ast, alt, left);
        rx_append(p->ast, alt, right);
        left = alt;
    }
    return left;
}

vigil_status rx_parse_regex(const char *src, size_t len, rx_ast *ast, re_error *err)
{
    pstate p = {.s = src, .len = len, .ast = ast, .err = err};
    if (len == 0) {
        fail(&p, 0, "syntax error");
        return VIGIL_E_SYNTAX;
    }
    int32_t root = parse_alt(&p, 0);
    if (root >= 0 && p.pos < len)
        root = fail(&p, p.pos, "syntax error");
    if (root < 0)
        return VIGIL_E_SYNTAX;
    ast->root = root;
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ hex -- */

static void hex_skip(pstate *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
            p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->s[p->pos + 1] == '/') {
            while (p->pos < p->len && p->s[p->pos] != '\n')
                p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->s[p->pos + 1] == '*') {
            size_t i = p->pos + 2;
            while (i + 1 < p->len && !(p->s[i] == '*' && p->s[i + 1] == '/'))
                i++;
            p->pos = i + 1 < p->len ? i + 2 : p->len;
        } else {
            break;
        }
    }
}

static int hex_nib(int c)
{
    return c == '?' ? 16 : util_hex_digit(c);
}

static int32_t hex_alts(pstate *p, int depth);

/* A byte or a parenthesised alternation; -1 on error, -2 when none here. */
static int32_t hex_token(pstate *p, int depth)
{
    hex_skip(p);
    int c = peek(p);
    size_t at = p->pos;
    if (c == '(') {
        p->pos++;
        bool was = p->inside_or;
        p->inside_or = true;
        int32_t n = hex_alts(p, depth + 1);
        p->inside_or = was;
        if (n < 0)
            return -1;
        hex_skip(p);
        if (peek(p) != ')')
            return fail(p, p->pos, "syntax error");
        p->pos++;
        return n;
    }
    /* `~XX`, `~X?`, `~?X`: any byte but these (documented for YARA 4.x, first
     * in yara 4.3; yara 4.2.3 refuses it, vigil accepts it: docs/DESIGN.md) */
    bool negated = false;
    if (c == '~') {
        negated = true;
        p->pos++;
        c = peek(p);
        at = p->pos;
        if (c < 0 || hex_nib(c) < 0)
            return fail(p, at, "syntax error");
    }
    int h = c < 0 ? -1 : hex_nib(c);
    if (h < 0)
        return -2;
    int l = p->pos + 1 < p->len ? hex_nib((unsigned char)p->s[p->pos + 1]) : -1;
    if (l < 0) {
        int n2 = p->pos + 1 < p->len ? (unsigned char)p->s[p->pos + 1] : -1;
        if (n2 < 0 || n2 == ' ' || n2 == '\t' || n2 == '\n' || n2 == '\r' || n2 == '}' ||
            n2 == '[' || n2 == '(' || n2 == ')' || n2 == '|')
            return fail(p, at, "uneven number of digits in hex string");
        return fail(p, at, "syntax error");
    }
    p->pos += 2;
    int32_t n;
    if (negated) {
        if (h == 16 && l == 16)
            return fail(p, at, "invalid not operator (~) in hex string");
        uint8_t mask = (uint8_t)((h == 16 ? 0 : 0xF0) | (l == 16 ? 0 : 0x0F));
        uint8_t value = (uint8_t)(((h == 16 ? 0 : h) << 4) | (l == 16 ? 0 : l));
        rx_class cl;
        memset(&cl, 0, sizeof(cl));
        for (int b = 0; b < 256; b++)
            if (((uint8_t)b & mask) != value)
                cls_set(&cl, b);
        n = node(p, RX_CLASS);
        if (n < 0)
            return -1;
        if (!vec_push(&p->ast->classes, cl))
            return fail(p, at, "hex string is too complex");
        p->ast->nodes.items[n].cls = (int32_t)p->ast->classes.len - 1;
        return n;
    }
    if (h == 16 && l == 16) {
        n = node(p, RX_ANY);
        if (n >= 0)
            p->ast->nodes.items[n].mask = 0;
    } else if (h == 16 || l == 16) {
        n = node(p, RX_MASKED);
        if (n >= 0) {
            p->ast->nodes.items[n].mask = h == 16 ? 0x0F : 0xF0;
            p->ast->nodes.items[n].value = (uint8_t)(h == 16 ? l : h << 4);
        }
    } else {
        n = node(p, RX_LIT);
        if (n >= 0)
            p->ast->nodes.items[n].value = (uint8_t)(h << 4 | l);
    }
    return n;
}

static bool read_num(pstate *p, long long *v)
{
    hex_skip(p);
    if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
        return false;
    long long x = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        x = x * 10 + (p->s[p->pos] - '0');
        if (x > 0xFFFFFFFFLL)
            x = 0xFFFFFFFFLL + 1;
        p->pos++;
    }
    *v = x;
    return true;
}

/* A jump [n] [n-m] [n-] [-]; -2 when there is none here. */
static int32_t hex_jump(pstate *p)
{
    hex_skip(p);
    if (peek(p) != '[')
        return -2;
    size_t at = p->pos;
    p->pos++;
    long long lo = -1, hi = -1;
    bool have_lo = read_num(p, &lo);
    hex_skip(p);
    if (peek(p) == '-') {
        p->pos++;
        if (!read_num(p, &hi))
            hi = -1;
        else if (!have_lo)
            return fail(p, at, "syntax error");
        if (!have_lo)
            lo = 0;
    } else {
        if (!have_lo)
            return fail(p, at, "syntax error");
        hi = lo;
        if (lo == 0) {
            hex_skip(p);
            return fail(p, at, "invalid jump length");
        }
    }
    hex_skip(p);
    if (peek(p) != ']')
        return fail(p, at, "syntax error");
    p->pos++;
    if (lo > 0x7FFFFFFFLL || hi > 0x7FFFFFFFLL)
        return fail(p, at, "invalid jump length");
    bool open = hi < 0;
    if (open)
        hi = RX_UNBOUNDED;
    if (p->inside_or && open)
        return fail(p, at, "unbounded jumps not allowed inside alternation (|)");
    if (p->inside_or && (lo > RX_CHAIN_THRESHOLD || hi > RX_CHAIN_THRESHOLD))
        return fail(p, at, "jumps over 200 not allowed inside alternation (|)");
    if (lo > hi)
        return fail(p, at, "invalid jump range");
    int32_t n = node(p, RX_RANGE_ANY);
    if (n < 0)
        return -1;
    rx_node *nd = &p->ast->nodes.items[n];
    nd->start = (int32_t)lo;
    nd->end = (int32_t)hi;
    nd->greedy = false;
    nd->mask = 0;
    return n;
}

/* tokens: token (token | jump)* token, never starting or ending with a jump. */
static int32_t hex_tokens(pstate *p, int depth)
{
    if (depth > RX_MAX_DEPTH)
        return fail(p, p->pos, "hex string is too complex");
    int32_t first = hex_token(p, depth);
    if (first == -2)
        return fail(p, p->pos, "syntax error");
    if (first < 0)
        return -1;
    int32_t cat = -1;
    bool last_was_jump = false;
    for (;;) {
        int32_t t = hex_jump(p);
        bool jump = true;
        if (t == -2) {
            t = hex_token(p, depth);
            jump = false;
        }
        if (t == -2)
            break;
        if (t < 0)
            return -1;
        if (cat < 0) {
            cat = node(p, RX_CONCAT);
            if (cat < 0)
                return -1;
            rx_append(p->ast, cat, first);
        }
        rx_append(p->ast, cat, t);
        last_was_jump = jump;
    }
    if (last_was_jump)
        return fail(p, p->pos, "syntax error");
    return cat < 0 ? first : cat;
}

static int32_t hex_alts(pstate *p, int depth)
{
    int32_t left = hex_tokens(p, depth);
    if (left < 0)
        return -1;
    for (;;) {
        hex_skip(p);
        if (peek(p) != '|')
            return left;
        p->pos++;
        int32_t right = hex_tokens(p, depth);
        if (right < 0)
            return -1;
        int32_t alt = node(p, RX_ALT);
        if (alt < 0)
            return -1;
        rx_append(p->ast, alt, left);
        rx_append(p->ast, alt, right);
        left = alt;
    }
}

vigil_status rx_parse_hex(const char *src, size_t len, rx_ast *ast, re_error *err)
{
    pstate p = {.s = src, .len = len, .ast = ast, .err = err};
    ast->hex = true;
    int32_t root = hex_tokens(&p, 0);
    if (root >= 0) {
        hex_skip(&p);
        if (p.pos < len)
            root = fail(&p, p.pos, "syntax error");
    }
    if (root < 0)
        return VIGIL_E_SYNTAX;
    ast->root = root;
    return VIGIL_OK;
}
