/*
 * phishre.c - the acceptance rules of libclamav's phishing regex lists
 * (phishre.h), in two steps as clamscan applies them: the expression must
 * compile with libclamav's own POSIX regex parser (Henry Spencer's, in
 * extended mode: its errors, not glibc's), then libclamav's small parser
 * of the same text (regex_suffix.c) must give a tree whose suffixes can
 * all be indexed. That second parser has quirks of its own (a '$' ends
 * it, '*' '?' '+' apply to everything before them in their group, classes
 * end at the first ']'); they decide acceptance, so they are followed
 * exactly. Only acceptance is computed: nothing here matches URLs.
 */
#include "clamav/phishre.h"

#include <stdlib.h>
#include <string.h>

#include "../util/vec.h"
#include "clamav/util.h"

#define MAX_DEPTH 20000       /* recursion of either parser (a line has < 8192 bytes) */
#define MAX_NODES (1u << 20)  /* '+' copies its operand: nested ones grow exponentially */
#define MAX_STEPS (4u << 20)  /* suffix walk: small classes multiply the suffixes */
#define MAX_SUFFIX (1u << 16) /* bytes */

/* ---- Spencer's ERE syntax ------------------------------------------------ */

/* regerror()'s words for the errors the parser can give. */
#define E_PAREN "parentheses not balanced"
#define E_BRACK "brackets ([ ]) not balanced"
#define E_ESCAPE "trailing backslash (\\)"
#define E_BADRPT "repetition-operator operand invalid"
#define E_EMPTY "empty (sub)expression"
#define E_BADBR "invalid repetition count(s)"
#define E_BRACE "braces not balanced"
#define E_RANGE "invalid character range"
#define E_CTYPE "invalid character class"
#define E_COLLATE "invalid collating element"
#define E_DEEP "nested too deeply"

#define DUP_MAX 255 /* RE_DUP_MAX */

typedef struct ere {
    const uint8_t *p, *end;
    const char *err; /* the first error; parsing stops there */
} ere;

static void fail(ere *e, const char *why)
{
    if (!e->err)
        e->err = why;
    e->p = e->end;
}

static bool more(const ere *e)
{
    return e->p < e->end;
}

static bool more2(const ere *e)
{
    return e->end - e->p > 1;
}

static uint8_t peek(const ere *e)
{
    return more(e) ? e->p[0] : 0;
}

static uint8_t peek2(const ere *e)
{
    return more2(e) ? e->p[1] : 0;
}

static bool eat(ere *e, uint8_t c)
{
    if (!more(e) || e->p[0] != c)
        return false;
    e->p++;
    return true;
}

static bool seetwo(const ere *e, uint8_t a, uint8_t b)
{
    return more2(e) && e->p[0] == a && e->p[1] == b;
}

static bool eattwo(ere *e, uint8_t a, uint8_t b)
{
    if (!seetwo(e, a, b))
        return false;
    e->p += 2;
    return true;
}

static uint8_t getnext(ere *e)
{
    return more(e) ? *e->p++ : 0;
}

/* clamscan runs in the C locale */
static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* [[:name:]] */
static void cclass(ere *e)
{
    static const char *const names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                        "lower", "print", "punct", "space", "upper", "xdigit"};
    const uint8_t *sp = e->p;
    while (more(e) && is_alpha(peek(e)))
        e->p++;
    size_t len = (size_t)(e->p - sp);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && memcmp(names[i], sp, len) == 0)
            return;
    fail(e, E_CTYPE);
}

/* The POSIX portable character names [[.name.]] may use, and their codes. */
static const struct {
    const char *name;
    char code;
} cnames[] = {
    {"NUL", 0},
    {"SOH", 1},
    {"STX", 2},
    {"ETX", 3},
    {"EOT", 4},
    {"ENQ", 5},
    {"ACK", 6},
    {"BEL", 7},
    {"alert", 7},
    {"BS", 8},
    {"backspace", 8},
    {"HT", 9},
    {"tab", 9},
    {"LF", 10},
    {"newline", 10},
    {"VT", 11},
    {"vertical-tab", 11},
    {"FF", 12},
    {"form-feed", 12},
    {"CR", 13},
    {"carriage-return", 13},
    {"SO", 14},
    {"SI", 15},
    {"DLE", 16},
    {"DC1", 17},
    {"DC2", 18},
    {"DC3", 19},
    {"DC4", 20},
    {"NAK", 21},
    {"SYN", 22},
    {"ETB", 23},
    {"CAN", 24},
    {"EM", 25},
    {"SUB", 26},
    {"ESC", 27},
    {"IS4", 28},
    {"FS", 28},
    {"IS3", 29},
    {"GS", 29},
    {"IS2", 30},
    {"RS", 30},
    {"IS1", 31},
    {"US", 31},
    {"space", ' '},
    {"exclamation-mark", '!'},
    {"quotation-mark", '"'},
    {"number-sign", '#'},
    {"dollar-sign", '$'},
    {"percent-sign", '%'},
    {"ampersand", '&'},
    {"apostrophe", '\''},
    {"left-parenthesis", '('},
    {"right-parenthesis", ')'},
    {"asterisk", '*'},
    {"plus-sign", '+'},
    {"comma", ','},
    {"hyphen", '-'},
    {"hyphen-minus", '-'},
    {"period", '.'},
    {"full-stop", '.'},
    {"slash", '/'},
    {"solidus", '/'},
    {"zero", '0'},
    {"one", '1'},
    {"two", '2'},
    {"three", '3'},
    {"four", '4'},
    {"five", '5'},
    {"six", '6'},
    {"seven", '7'},
    {"eight", '8'},
    {"nine", '9'},
    {"colon", ':'},
    {"semicolon", ';'},
    {"less-than-sign", '<'},
    {"equals-sign", '='},
    {"greater-than-sign", '>'},
    {"question-mark", '?'},
    {"commercial-at", '@'},
    {"left-square-bracket", '['},
    {"backslash", '\\'},
    {"reverse-solidus", '\\'},
    {"right-square-bracket", ']'},
    {"circumflex", '^'},
    {"circumflex-accent", '^'},
    {"underscore", '_'},
    {"low-line", '_'},
    {"grave-accent", '`'},
    {"left-brace", '{'},
    {"left-curly-bracket", '{'},
    {"vertical-line", '|'},
    {"right-brace", '}'},
    {"right-curly-bracket", '}'},
    {"tilde", '~'},
    {"DEL", 127},
};

/* A collating element's name up to endc + ']'; its value. */
static signed char coll_elem(ere *e, uint8_t endc)
{
    const uint8_t *sp = e->p;
    while (more(e) && !seetwo(e, endc, ']'))
        e->p++;
    if (!more(e)) {
        fail(e, E_BRACK);
        return 0;
    }
    size_t len = (size_t)(e->p - sp);
    for (size_t i = 0; i < sizeof(cnames) / sizeof(cnames[0]); i++)
        if (strlen(cnames[i].name) == len && memcmp(cnames[i].name, sp, len) == 0)
            return (signed char)cnames[i].code;
    if (len == 1)
        return (signed char)*sp;
    fail(e, E_COLLATE);
    return 0;
}

/* A character or [.name.]; the parser keeps it in a (signed) char. */
static signed char b_symbol(ere *e)
{
    if (!more(e)) {
        fail(e, E_BRACK);
        return 0;
    }
    if (!eattwo(e, '[', '.'))
        return (signed char)getnext(e);
    signed char v = coll_elem(e, '.');
    if (!eattwo(e, '.', ']'))
        fail(e, E_COLLATE);
    return v;
}

static void b_term(ere *e)
{
    uint8_t c = 0;
    if (peek(e) == '[') {
        c = peek2(e);
    } else if (peek(e) == '-') {
        fail(e, E_RANGE);
        return;
    }
    if (c == ':' || c == '=') {
        e->p += 2;
        if (!more(e))
            fail(e, E_BRACK);
        uint8_t d = peek(e);
        if (d == '-' || d == ']')
            fail(e, c == ':' ? E_CTYPE : E_COLLATE);
        if (c == ':')
            cclass(e);
        else
            (void)coll_elem(e, '=');
        if (!more(e))
            fail(e, E_BRACK);
        if (!eattwo(e, c, ']'))
            fail(e, c == ':' ? E_CTYPE : E_COLLATE);
        return;
    }
    signed char start = b_symbol(e), finish = start;
    if (more(e) && peek(e) == '-' && more2(e) && peek2(e) != ']') {
        e->p++;
        finish = eat(e, '-') ? '-' : b_symbol(e);
    }
    /* compared as the parser's signed chars: "[a-\xe9]" is a bad range */
    if (start > finish)
        fail(e, E_RANGE);
}

static void bracket(ere *e)
{
    /* word boundaries [[:<:]] and [[:>:]] */
    if (e->end - e->p > 5 && (memcmp(e->p, "[:<:]]", 6) == 0 || memcmp(e->p, "[:>:]]", 6) == 0)) {
        e->p += 6;
        return;
    }
    (void)eat(e, '^');
    if (!eat(e, ']'))
        (void)eat(e, '-');
    while (more(e) && peek(e) != ']' && !seetwo(e, '-', ']'))
        b_term(e);
    (void)eat(e, '-');
    if (!(more(e) && getnext(e) == ']'))
        fail(e, E_BRACK);
}

static int count(ere *e)
{
    int n = 0, digits = 0;
    while (more(e) && is_digit(peek(e)) && n <= DUP_MAX) {
        n = n * 10 + (getnext(e) - '0');
        digits++;
    }
    if (digits == 0 || n > DUP_MAX)
        fail(e, E_BADBR);
    return n;
}

static bool is_repeat(const ere *e)
{
    uint8_t c = peek(e);
    return more(e) &&
           (c == '*' || c == '+' || c == '?' || (c == '{' && more2(e) && is_digit(peek2(e))));
}

static void alternatives(ere *e, int stop, unsigned depth);

/* One atom and its repetition; false when it leaves nothing in the
 * compiled program (x{0}), which matters for "empty (sub)expression". */
static bool atom(ere *e, unsigned depth)
{
    uint8_t c = getnext(e);
    bool caret = false, kept = true;
    switch (c) {
    case '(':
        if (!more(e))
            fail(e, E_PAREN);
        if (!(more(e) && peek(e) == ')'))
            alternatives(e, ')', depth + 1);
        if (!(more(e) && getnext(e) == ')'))
            fail(e, E_PAREN);
        break;
    case '^':
        caret = true;
        break;
    case '|':
        fail(e, E_EMPTY);
        break;
    case '*':
    case '+':
    case '?':
        fail(e, E_BADRPT);
        break;
    case '[':
        bracket(e);
        break;
    case '\\':
        if (!more(e))
            fail(e, E_ESCAPE);
        else
            e->p++;
        break;
    case '{': /* ordinary unless a digit follows */
        if (more(e) && is_digit(peek(e)))
            fail(e, E_BADRPT);
        break;
    default:
        break;
    }
    if (e->err || !is_repeat(e))
        return kept;
    c = getnext(e);
    if (caret)
        fail(e, E_BADRPT);
    if (c == '{') {
        int from = count(e), to = from;
        if (eat(e, ',')) {
            to = -1;
            if (is_digit(peek(e))) {
                to = count(e);
                if (from > to)
                    fail(e, E_BADBR);
            }
        }
        if (!e->err && from == 0 && to == 0)
            kept = false; /* the operand is dropped */
        if (!eat(e, '}')) {
            while (more(e) && peek(e) != '}')
                e->p++;
            if (!more(e))
                fail(e, E_BRACE);
            fail(e, E_BADBR);
        }
    }
    if (is_repeat(e))
        fail(e, E_BADRPT);
    return kept;
}

/* Branches separated by '|' up to stop (-1: the end); none may be empty. */
static void alternatives(ere *e, int stop, unsigned depth)
{
    if (depth > MAX_DEPTH) {
        fail(e, E_DEEP);
        return;
    }
    for (;;) {
        bool any = false;
        while (more(e) && peek(e) != '|' && (int)peek(e) != stop)
            any |= atom(e, depth);
        if (!any)
            fail(e, E_EMPTY);
        if (!eat(e, '|'))
            break;
    }
}

/* ---- libclamav's suffix parser (regex_suffix.c) --------------------------- */

enum { N_ROOT, N_CONCAT, N_ALT, N_OPT, N_LEAF, N_CLASS };
#define NIL (-1)

typedef struct rnode {
    uint8_t type, ch;
    int32_t parent, left, right;
    int32_t map; /* N_CLASS: index into maps; 0 is '.' (every byte) */
} rnode;

typedef struct bitmap {
    uint8_t b[32];
} bitmap;

typedef struct rtree {
    const uint8_t *p;
    size_t n;
    VEC(rnode) nodes;
    VEC(bitmap) maps;
    bool fail; /* a limit or out of memory */
    /* suffix walk */
    VEC(uint8_t) buf;
    size_t steps;
    const char *bad; /* why a suffix could not be indexed */
} rtree;

static uint8_t at(const rtree *t, size_t i)
{
    return i < t->n ? t->p[i] : 0;
}

static int32_t new_node(rtree *t, uint8_t type)
{
    if (t->nodes.len >= MAX_NODES) {
        t->fail = true;
        return NIL;
    }
    rnode r = {type, 0, NIL, NIL, NIL, 0};
    if (!vec_push(&t->nodes, r)) {
        t->fail = true;
        return NIL;
    }
    return (int32_t)t->nodes.len - 1;
}

/* make_node: a concatenation with one side missing is the other side. */
static int32_t make_node(rtree *t, uint8_t type, int32_t left, int32_t right)
{
    if (type == N_CONCAT && left == NIL)
        return right;
    if (type == N_CONCAT && right == NIL)
        return left;
    int32_t v = new_node(t, type);
    if (v == NIL)
        return NIL;
    t->nodes.items[v].left = left;
    t->nodes.items[v].right = right;
    if (left != NIL)
        t->nodes.items[left].parent = v;
    if (right != NIL)
        t->nodes.items[right].parent = v;
    return v;
}

static int32_t dup_node(rtree *t, int32_t s, unsigned depth)
{
    if (s == NIL || t->fail)
        return NIL;
    if (depth > MAX_DEPTH) {
        t->fail = true;
        return NIL;
    }
    rnode src = t->nodes.items[s];
    if (src.type == N_LEAF || src.type == N_CLASS) {
        int32_t d = new_node(t, src.type);
        if (d != NIL) {
            t->nodes.items[d].ch = src.ch;
            t->nodes.items[d].map = src.map; /* bitmaps are never changed: shared */
        }
        return d;
    }
    int32_t l = dup_node(t, src.left, depth + 1);
    int32_t r = dup_node(t, src.right, depth + 1);
    if (t->fail)
        return NIL;
    /* make_node keeps the shape: a concatenation made by it has both sides */
    return make_node(t, src.type, l, r);
}

static int32_t leaf(rtree *t, uint8_t c)
{
    int32_t v = new_node(t, N_LEAF);
    if (v != NIL)
        t->nodes.items[v].ch = c;
    return v;
}

static int32_t class_node(rtree *t, int32_t map)
{
    int32_t v = new_node(t, N_CLASS);
    if (v != NIL)
        t->nodes.items[v].map = map;
    return v;
}

static void toggle(bitmap *m, unsigned c)
{
    m->b[c >> 3] ^= (uint8_t)(1u << (c & 7));
}

/* parse_char_class: from just after '[' up to the first ']' (no POSIX
 * classes: "[[:alpha:]]" ends after "alpha:"); -1 when libclamav gives
 * up (the class runs into the end), else the bitmap's index. Ranges
 * leave their end to be toggled again, as libclamav's loop does. */
static int32_t char_class(rtree *t, size_t *pos)
{
    bitmap m;
    memset(&m, 0, sizeof(m));
#define INC()                                                                                      \
    do {                                                                                           \
        if (*pos + 1 >= t->n)                                                                      \
            return NIL;                                                                            \
        ++*pos;                                                                                    \
    } while (0)
    if (at(t, *pos) == '^') {
        memset(&m, 0xff, sizeof(m));
        INC();
    }
    bool hasprev = false;
    uint8_t range_start = 0;
    do {
        uint8_t c = at(t, *pos);
        if (c == '-' && hasprev) {
            if (range_start == 0)
                return NIL;
            INC();
            if (at(t, *pos) == '[' && at(t, *pos + 1) == '.') {
                /* collating symbol: anything may match */
                while (at(t, *pos) != ']')
                    INC();
                INC();
                while (at(t, *pos) != ']')
                    INC();
                return 0;
            }
            uint8_t range_end = at(t, *pos);
            for (unsigned x = range_start + 1u; x <= range_end; x++)
                toggle(&m, x);
            hasprev = false;
        } else {
            toggle(&m, c);
            range_start = c;
            INC();
            hasprev = true;
        }
    } while (at(t, *pos) != ']');
#undef INC
    if (!vec_push(&t->maps, m)) {
        t->fail = true;
        return NIL;
    }
    return (int32_t)t->maps.len - 1;
}

/* parse_regex: NIL for an empty expression or when libclamav gives up
 * ("()", a class running into the end, '+' with nothing before it). */
static int32_t parse(rtree *t, size_t *last, unsigned depth)
{
    int32_t v = NIL, right, tmp;
    if (depth > MAX_DEPTH) {
        t->fail = true;
        return NIL;
    }
    while (!t->fail && at(t, *last) != '$' && at(t, *last) != 0) {
        switch (at(t, *last)) {
        case '|':
            ++*last;
            right = parse(t, last, depth + 1);
            v = make_node(t, N_ALT, v, right);
            break;
        case '*':
        case '?':
            v = make_node(t, N_OPT, v, NIL);
            ++*last;
            break;
        case '+':
            /* (x)+ as (x)*(x), x being all of the group so far */
            tmp = make_node(t, N_OPT, v, NIL);
            right = dup_node(t, v, 0);
            if (right == NIL)
                return NIL;
            v = make_node(t, N_CONCAT, tmp, right);
            ++*last;
            break;
        case '(':
            ++*last;
            right = parse(t, last, depth + 1);
            if (right == NIL)
                return NIL;
            ++*last; /* whatever ended the group: ')', or '$' */
            v = make_node(t, N_CONCAT, v, right);
            break;
        case ')':
            return v;
        case '.':
            right = class_node(t, 0);
            v = make_node(t, N_CONCAT, v, right);
            ++*last;
            break;
        case '[': {
            ++*last;
            int32_t map = char_class(t, last);
            if (map == NIL)
                return NIL;
            right = class_node(t, map);
            v = make_node(t, N_CONCAT, v, right);
            ++*last;
            break;
        }
        case '\\': /* the next character is literal */
            ++*last;
            /* fall through */
        default:
            right = leaf(t, at(t, *last));
            v = make_node(t, N_CONCAT, v, right);
            ++*last;
            break;
        }
    }
    return v;
}

/* add_newsuffix: libclamav's trie takes a suffix (reversed, as built
 * here) of at least two bytes before the first byte >= 0x80, which its
 * signed chars turn into a wildcard. */
static bool suffix_ok(const uint8_t *s, size_t len)
{
    return len >= 2 && s[0] < 0x80 && s[1] < 0x80;
}

/* One suffix found: false stops the walk (libclamav gives up there). */
static bool emit(rtree *t)
{
    if (!vec_push(&t->buf, 0)) { /* textbuffer_putc('\0'), as libclamav */
        t->fail = true;
        return false;
    }
    if (!suffix_ok(t->buf.items, t->buf.len - 1)) {
        t->bad = t->buf.len - 1 < 2 ? "its literal suffix is shorter than 2 bytes"
                                    : "its literal suffix ends in a byte >= 0x80";
        return false;
    }
    return true;
}

static bool put(rtree *t, uint8_t c)
{
    if (t->buf.len >= MAX_SUFFIX || !vec_push(&t->buf, c)) {
        t->fail = true;
        return false;
    }
    return true;
}

static bool descend(rtree *t, int32_t n, unsigned depth);

static bool ascend(rtree *t, int32_t n, int32_t prev, unsigned depth)
{
    if (depth > MAX_DEPTH) {
        t->fail = true;
        return false;
    }
    while (n != NIL) {
        if (++t->steps > MAX_STEPS)
            return true; /* see cv_phish_regex_ok */
        const rnode *r = &t->nodes.items[n];
        int32_t q = n;
        switch (r->type) {
        case N_ROOT:
        case N_OPT:
            return emit(t);
        case N_LEAF:
            if (!put(t, r->ch))
                return false;
            n = r->parent;
            break;
        case N_CLASS: {
            const bitmap *m = &t->maps.items[r->map];
            unsigned cnt = 0;
            /* libclamav counts and expands bytes 0..254 only */
            for (unsigned i = 0; i < 255; i++)
                cnt += (m->b[i >> 3] >> (i & 7)) & 1;
            if (cnt > 16)
                return emit(t);
            int32_t parent = r->parent;
            for (unsigned i = 0; i < 255; i++) {
                if (!((m->b[i >> 3] >> (i & 7)) & 1))
                    continue;
                size_t pos = t->buf.len;
                if (!put(t, (uint8_t)i) || !ascend(t, parent, n, depth + 1))
                    return false;
                t->buf.len = pos;
            }
            return true;
        }
        case N_CONCAT:
            if (prev != r->left)
                return descend(t, r->left, depth + 1);
            n = r->parent;
            break;
        case N_ALT:
            n = r->parent;
            break;
        default:
            return true;
        }
        prev = q;
    }
    return true;
}

static bool descend(rtree *t, int32_t n, unsigned depth)
{
    if (depth > MAX_DEPTH) {
        t->fail = true;
        return false;
    }
    while (n != NIL && t->nodes.items[n].type == N_CONCAT)
        n = t->nodes.items[n].right;
    if (n == NIL)
        return true;
    const rnode r = t->nodes.items[n];
    switch (r.type) {
    case N_ALT: {
        size_t pos = t->buf.len;
        if (!descend(t, r.left, depth + 1))
            return false;
        t->buf.len = pos;
        if (!descend(t, r.right, depth + 1))
            return false;
        t->buf.len = pos;
        return true;
    }
    case N_OPT:
        return emit(t);
    case N_LEAF:
    case N_CLASS:
        return ascend(t, n, NIL, depth + 1);
    default:
        return true;
    }
}

/* ---- entry points --------------------------------------------------------- */

bool cv_posix_ere_ok(const char *re, size_t len, bool *icase, cv_error *err)
{
    const char *nul = memchr(re, 0, len);
    if (nul)
        len = (size_t)(nul - re);
    /* cli_regcomp: a leading "(?i)" only sets REG_ICASE */
    size_t skip = len >= 4 && memcmp(re, "(?i)", 4) == 0 ? 4 : 0;
    if (icase)
        *icase = skip != 0;
    ere e = {(const uint8_t *)re + skip, (const uint8_t *)re + len, NULL};
    alternatives(&e, -1, 0);
    if (e.err)
        return cv_fail(err, "regular expression does not compile: %s", e.err);
    return true;
}

bool cv_phish_regex_ok(const char *re, size_t len, cv_error *err)
{
    if (len + 2 > CV_PHISH_LINE_MAX)
        return cv_fail(err, "regular expression too long");
    uint8_t pat[CV_PHISH_LINE_MAX + 4];
    memcpy(pat, re, len);
    size_t n = len;
    pat[n++] = '/';
    /* regex_list_add_pattern: a trailing "([/?].*)?" or "([/?].*)" (any
     * path after the host) is dropped before anything else */
    static const char end1[] = "([/?].*)?/", end2[] = "([/?].*)/";
    if (n > sizeof(end1) && memcmp(pat + n - (sizeof(end1) - 1), end1, sizeof(end1) - 1) == 0) {
        n -= sizeof(end1) - 1;
        pat[n++] = '/';
    }
    if (n > sizeof(end2) && memcmp(pat + n - (sizeof(end2) - 1), end2, sizeof(end2) - 1) == 0) {
        n -= sizeof(end2) - 1;
        pat[n++] = '/';
    }
    memset(pat + n, 0, 4);
    /* a NUL ends the C string libclamav works on */
    const uint8_t *nul = memchr(pat, 0, n);
    if (nul)
        n = (size_t)(nul - pat);

    if (!cv_posix_ere_ok((const char *)pat, n, NULL, err))
        return false;

    rtree t;
    memset(&t, 0, sizeof(t));
    t.p = pat;
    t.n = n;
    bool ok = false;
    size_t last = 0;
    bitmap dot;
    memset(&dot, 0xff, sizeof(dot));
    if (!vec_push(&t.maps, dot))
        t.fail = true;
    int32_t root = t.fail ? NIL : new_node(&t, N_ROOT);
    int32_t top = root == NIL ? NIL : parse(&t, &last, 0);
    if (t.fail) {
        cv_fail(err, "regular expression too complex");
    } else if (top == NIL) {
        cv_fail(err, "regular expression cannot be indexed (an empty group or class, or "
                     "nothing before '$')");
    } else {
        t.nodes.items[top].parent = root;
        ok = descend(&t, top, 0);
        if (t.fail)
            ok = cv_fail(err, "regular expression too complex");
        else if (!ok)
            cv_fail(err, "regular expression cannot be indexed: %s", t.bad);
    }
    /* Past MAX_STEPS the walk stops and the expression is taken: only
     * expressions with many small classes get there, and clamscan takes
     * those unless a later suffix is bad. */
    vec_free(&t.nodes);
    vec_free(&t.maps);
    vec_free(&t.buf);
    return ok;
}

bool cv_phish_host_ok(const char *host, size_t len, cv_error *err)
{
    /* add_static_pattern indexes "host/" reversed: "/" and the host's last byte */
    const char *nul = memchr(host, 0, len);
    if (nul)
        len = (size_t)(nul - host);
    if (len == 0)
        return cv_fail(err, "empty host pattern");
    uint8_t s[2] = {'/', (uint8_t)host[len - 1]};
    if (!suffix_ok(s, 2))
        return cv_fail(err, "host pattern ends in a byte >= 0x80 (libclamav cannot index it)");
    return true;
}
