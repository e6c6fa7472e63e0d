/*
 * lex.c - hand-written scanner for YARA 4.2 source. Like yara's flex lexer,
 * '/' always opens a regular expression (division is '\'), and '{' opens a
 * hex string only where the parser says a string value is expected. Numbers
 * are range-checked here so an overflowing literal is a located error.
 */
#include "lex.h"

#include <stdlib.h>
#include <string.h>

#include "../ir/ir.h"
#include "../util/hex.h"

#define MAX_IDENT 128

void lex_init(lexer *lx, const char *src, size_t len)
{
    memset(lx, 0, sizeof(*lx));
    lx->src = src;
    lx->len = len;
    lx->line = 1;
}

static int peekc(const lexer *lx, size_t ahead)
{
    size_t i = lx->pos + ahead;
    return i < lx->len ? (unsigned char)lx->src[i] : -1;
}

static void advance(lexer *lx)
{
    if (lx->pos < lx->len) {
        if (lx->src[lx->pos] == '\n') {
            lx->line++;
            lx->line_start = lx->pos + 1;
        }
        lx->pos++;
    }
}

static bool is_ident_start(int c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}


/* Skips whitespace and comments; like yara, an unterminated block comment
 * simply runs to the end of the input. */
static void skip_space(lexer *lx)
{
    for (;;) {
        int c = peekc(lx, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            advance(lx);
        } else if (c == '/' && peekc(lx, 1) == '/') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
                advance(lx);
        } else if (c == '/' && peekc(lx, 1) == '*') {
            advance(lx);
            advance(lx);
            for (;;) {
                if (lx->pos >= lx->len)
                    return;
                if (lx->src[lx->pos] == '*' && peekc(lx, 1) == '/') {
                    advance(lx);
                    advance(lx);
                    break;
                }
                advance(lx);
            }
        } else {
            return;
        }
    }
}

static const struct {
    const char *word;
    tk_kind kind;
    int64_t ival;
} keywords[] = {
    {"all", KW_ALL, 0},
    {"and", KW_AND, 0},
    {"any", KW_ANY, 0},
    {"ascii", KW_ASCII, 0},
    {"at", KW_AT, 0},
    {"base64", KW_BASE64, 0},
    {"base64wide", KW_BASE64WIDE, 0},
    {"condition", KW_CONDITION, 0},
    {"contains", KW_CONTAINS, 0},
    {"defined", KW_DEFINED, 0},
    {"endswith", KW_ENDSWITH, 0},
    {"entrypoint", KW_ENTRYPOINT, 0},
    {"false", KW_FALSE, 0},
    {"filesize", KW_FILESIZE, 0},
    {"for", KW_FOR, 0},
    {"fullword", KW_FULLWORD, 0},
    {"global", KW_GLOBAL, 0},
    {"icontains", KW_ICONTAINS, 0},
    {"iendswith", KW_IENDSWITH, 0},
    {"iequals", KW_IEQUALS, 0},
    {"import", KW_IMPORT, 0},
    {"in", KW_IN, 0},
    {"include", KW_INCLUDE, 0},
    {"istartswith", KW_ISTARTSWITH, 0},
    {"matches", KW_MATCHES, 0},
    {"meta", KW_META, 0},
    {"nocase", KW_NOCASE, 0},
    {"none", KW_NONE, 0},
    {"not", KW_NOT, 0},
    {"of", KW_OF, 0},
    {"or", KW_OR, 0},
    {"private", KW_PRIVATE, 0},
    {"rule", KW_RULE, 0},
    {"startswith", KW_STARTSWITH, 0},
    {"strings", KW_STRINGS, 0},
    {"them", KW_THEM, 0},
    {"true", KW_TRUE, 0},
    {"wide", KW_WIDE, 0},
    {"xor", KW_XOR, 0},
    {"int8", KW_INTFN, IR_READ_W1 | IR_READ_SIGNED},
    {"int16", KW_INTFN, IR_READ_W2 | IR_READ_SIGNED},
    {"int32", KW_INTFN, IR_READ_W4 | IR_READ_SIGNED},
    {"int8be", KW_INTFN, IR_READ_W1 | IR_READ_SIGNED | IR_READ_BE},
    {"int16be", KW_INTFN, IR_READ_W2 | IR_READ_SIGNED | IR_READ_BE},
    {"int32be", KW_INTFN, IR_READ_W4 | IR_READ_SIGNED | IR_READ_BE},
    {"uint8", KW_INTFN, IR_READ_W1},
    {"uint16", KW_INTFN, IR_READ_W2},
    {"uint32", KW_INTFN, IR_READ_W4},
    {"uint8be", KW_INTFN, IR_READ_W1 | IR_READ_BE},
    {"uint16be", KW_INTFN, IR_READ_W2 | IR_READ_BE},
    {"uint32be", KW_INTFN, IR_READ_W4 | IR_READ_BE},
};

static void lex_word(lexer *lx, token *t)
{
    while (is_ident_char(peekc(lx, 0)))
        advance(lx);
    t->len = lx->pos - t->off;
    const char *w = lx->src + t->off;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
        if (strlen(keywords[i].word) == t->len && memcmp(keywords[i].word, w, t->len) == 0) {
            t->kind = keywords[i].kind;
            t->ival = keywords[i].ival;
            return;
        }
    }
    if (t->len > MAX_IDENT) {
        t->kind = TK_ERROR;
        t->msg = "identifier too long";
        return;
    }
    t->kind = TK_IDENT;
}

/* $name, #name, @name, !name; the sigil alone is the anonymous form. */
static void lex_sigil(lexer *lx, token *t, tk_kind kind)
{
    advance(lx);
    while (is_ident_char(peekc(lx, 0)))
        advance(lx);
    t->kind = kind;
    if (kind == TK_STRID && peekc(lx, 0) == '*') {
        advance(lx);
        t->kind = TK_STRID_WILD;
    }
    t->len = lx->pos - t->off;
    if (t->len > MAX_IDENT) {
        t->kind = TK_ERROR;
        t->msg = "identifier too long";
    }
}

static void lex_number(lexer *lx, token *t)
{
    uint64_t v = 0;
    bool overflow = false;
    int c0 = peekc(lx, 0), c1 = peekc(lx, 1);
    if (c0 == '0' && c1 == 'x' && util_hex_digit(peekc(lx, 2)) >= 0) {
        advance(lx);
        advance(lx);
        while (util_hex_digit(peekc(lx, 0)) >= 0) {
            if (v > (uint64_t)INT64_MAX >> 4)
                overflow = true;
            v = v << 4 | (uint64_t)util_hex_digit(peekc(lx, 0));
            advance(lx);
        }
    } else if (c0 == '0' && c1 == 'o' && peekc(lx, 2) >= '0' && peekc(lx, 2) <= '7') {
        advance(lx);
        advance(lx);
        while (peekc(lx, 0) >= '0' && peekc(lx, 0) <= '7') {
            if (v > (uint64_t)INT64_MAX >> 3)
                overflow = true;
            v = v << 3 | (uint64_t)(peekc(lx, 0) - '0');
            advance(lx);
        }
    } else {
        while (peekc(lx, 0) >= '0' && peekc(lx, 0) <= '9') {
            uint64_t d = (uint64_t)(peekc(lx, 0) - '0');
            if (v > ((uint64_t)INT64_MAX - d) / 10)
                overflow = true;
            v = v * 10 + d;
            advance(lx);
        }
        if (peekc(lx, 0) == '.' && peekc(lx, 1) >= '0' && peekc(lx, 1) <= '9') {
            advance(lx);
            while (peekc(lx, 0) >= '0' && peekc(lx, 0) <= '9')
                advance(lx);
            t->len = lx->pos - t->off;
            char buf[64];
            size_t n = t->len < sizeof(buf) - 1 ? t->len : sizeof(buf) - 1;
            memcpy(buf, lx->src + t->off, n);
            buf[n] = '\0';
            t->kind = TK_FLOAT;
            t->fval = strtod(buf, NULL);
            return;
        }
        uint64_t mul = 1;
        if (peekc(lx, 0) == 'K' && peekc(lx, 1) == 'B')
            mul = 1024;
        else if (peekc(lx, 0) == 'M' && peekc(lx, 1) == 'B')
            mul = 1024 * 1024;
        if (mul > 1) {
            advance(lx);
            advance(lx);
            if (v > (uint64_t)INT64_MAX / mul)
                overflow = true;
            v *= mul;
        }
    }
    t->len = lx->pos - t->off;
    if (overflow) {
        t->kind = TK_ERROR;
        t->msg = "integer overflow";
        return;
    }
    t->kind = TK_INT;
    t->ival = (int64_t)v;
}

/* Validates a "..." literal; the span keeps the quotes. */
static void lex_text(lexer *lx, token *t)
{
    advance(lx);
    for (;;) {
        int c = peekc(lx, 0);
        if (c < 0 || c == '\n') {
            t->kind = TK_ERROR;
            t->msg = "unterminated string";
            break;
        }
        if (c == '"') {
            advance(lx);
            t->kind = TK_TEXT;
            break;
        }
        if (c == '\\') {
            int e = peekc(lx, 1);
            if (e == '"' || e == '\\' || e == 't' || e == 'n' || e == 'r') {
                advance(lx);
                advance(lx);
                continue;
            }
            if (e == 'x' && util_hex_digit(peekc(lx, 2)) >= 0 && util_hex_digit(peekc(lx, 3)) >= 0) {
                for (int i = 0; i < 4; i++)
                    advance(lx);
                continue;
            }
            t->kind = TK_ERROR;
            t->msg = "illegal escape sequence";
            /* skip the rest of the literal so the parser resumes after it */
            while (peekc(lx, 0) >= 0 && peekc(lx, 0) != '\n' && peekc(lx, 0) != '"')
                advance(lx);
            if (peekc(lx, 0) == '"')
                advance(lx);
            break;
        }
        advance(lx);
    }
    t->len = lx->pos - t->off;
}

bool lex_unescape(const char *src, const token *t, charbuf *out)
{
    const char *s = src + t->off + 1;
    size_t n = t->len >= 2 ? t->len - 2 : 0;
    if (!vec_reserve(out, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[++i];
            if (e == 't')
                c = '\t';
            else if (e == 'n')
                c = '\n';
            else if (e == 'r')
                c = '\r';
            else if (e == 'x' && i + 2 < n) {
                c = (char)(util_hex_digit((unsigned char)s[i + 1]) << 4 | util_hex_digit((unsigned char)s[i + 2]));
                i += 2;
            } else
                c = e;
        }
        out->items[out->len++] = c;
    }
    return true;
}

/* Regex body up to the closing unescaped '/', then the i/s flags. */
static void lex_regex(lexer *lx, token *t)
{
    advance(lx);
    size_t body = lx->pos;
    for (;;) {
        int c = peekc(lx, 0);
        if (c < 0 || c == '\n') {
            t->kind = TK_ERROR;
            t->msg = "unterminated regular expression";
            t->len = lx->pos - t->off;
            return;
        }
        if (c == '\\' && peekc(lx, 1) >= 0 && peekc(lx, 1) != '\n') {
            advance(lx);
            advance(lx);
            continue;
        }
        if (c == '/')
            break;
        advance(lx);
    }
    size_t end = lx->pos;
    advance(lx);
    unsigned fl = 0;
    while (peekc(lx, 0) == 'i' || peekc(lx, 0) == 's') {
        fl |= peekc(lx, 0) == 'i' ? IR_SF_REGEX_NOCASE : IR_SF_DOTALL;
        advance(lx);
    }
    if (end == body) {
        t->kind = TK_ERROR;
        t->msg = "empty regular expression";
        t->len = lx->pos - t->off;
        return;
    }
    t->kind = TK_REGEX;
    t->off = body;
    t->len = end - body;
    t->rflags = fl;
}

/* Hex string body: everything up to the matching '}', comments allowed. */
static void lex_hex(lexer *lx, token *t)
{
    advance(lx);
    size_t body = lx->pos;
    for (;;) {
        int c = peekc(lx, 0);
        if (c < 0) {
            t->kind = TK_ERROR;
            t->msg = "unterminated hex string";
            t->len = lx->pos - t->off;
            return;
        }
        if (c == '/' && peekc(lx, 1) == '/') {
            while (peekc(lx, 0) >= 0 && peekc(lx, 0) != '\n')
                advance(lx);
            continue;
        }
        if (c == '/' && peekc(lx, 1) == '*') {
            advance(lx);
            advance(lx);
            while (peekc(lx, 0) >= 0 && !(peekc(lx, 0) == '*' && peekc(lx, 1) == '/'))
                advance(lx);
            advance(lx);
            advance(lx);
            continue;
        }
        if (c == '}')
            break;
        advance(lx);
    }
    t->kind = TK_HEX;
    t->off = body;
    t->len = lx->pos - body;
    advance(lx);
}

token lex_next(lexer *lx)
{
    token t;
    memset(&t, 0, sizeof(t));
    skip_space(lx);
    bool hex_ok = lx->hex_ok;
    lx->hex_ok = false;
    t.off = lx->pos;
    t.line = lx->line;
    t.col = (int)(lx->pos - lx->line_start) + 1;
    int c = peekc(lx, 0);
    if (c < 0) {
        t.kind = TK_EOF;
        return t;
    }
    if (is_ident_start(c)) {
        lex_word(lx, &t);
        return t;
    }
    if (c >= '0' && c <= '9') {
        lex_number(lx, &t);
        return t;
    }
    switch (c) {
    case '$':
        lex_sigil(lx, &t, TK_STRID);
        return t;
    case '#':
        lex_sigil(lx, &t, TK_STRCOUNT);
        return t;
    case '@':
        lex_sigil(lx, &t, TK_STROFF);
        return t;
    case '!':
        if (peekc(lx, 1) == '=') {
            advance(lx);
            advance(lx);
            t.kind = TK_NE;
            t.len = 2;
            return t;
        }
        lex_sigil(lx, &t, TK_STRLEN);
        return t;
    case '"':
        lex_text(lx, &t);
        return t;
    case '/':
        lex_regex(lx, &t);
        return t;
    case '{':
        if (hex_ok) {
            lex_hex(lx, &t);
            return t;
        }
        break;
    default:
        break;
    }
    static const struct {
        const char *s;
        tk_kind k;
    } ops[] = {
        {"..", TK_DOTDOT}, {"<<", TK_SHL},   {">>", TK_SHR},   {"<=", TK_LE},    {">=", TK_GE},
        {"==", TK_EQ},     {"{", TK_LBRACE}, {"}", TK_RBRACE}, {"(", TK_LPAREN}, {")", TK_RPAREN},
        {"[", TK_LBRACK},  {"]", TK_RBRACK}, {":", TK_COLON},  {",", TK_COMMA},  {"=", TK_ASSIGN},
        {".", TK_DOT},     {"+", TK_PLUS},   {"-", TK_MINUS},  {"*", TK_STAR},   {"\\", TK_BSLASH},
        {"%", TK_PERCENT}, {"&", TK_AMP},    {"|", TK_PIPE},   {"^", TK_CARET},  {"~", TK_TILDE},
        {"<", TK_LT},      {">", TK_GT},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t n = strlen(ops[i].s);
        if (lx->len - lx->pos >= n && memcmp(lx->src + lx->pos, ops[i].s, n) == 0) {
            for (size_t k = 0; k < n; k++)
                advance(lx);
            t.kind = ops[i].k;
            t.len = n;
            return t;
        }
    }
    advance(lx);
    t.kind = TK_ERROR;
    t.msg = "syntax error";
    t.len = 1;
    return t;
}

const char *lex_kind_name(tk_kind k)
{
    switch (k) {
    case TK_EOF:
        return "end of file";
    case TK_IDENT:
        return "identifier";
    case TK_STRID:
    case TK_STRID_WILD:
        return "string identifier";
    case TK_STRCOUNT:
        return "string count";
    case TK_STROFF:
        return "string offset";
    case TK_STRLEN:
        return "string length";
    case TK_INT:
        return "integer number";
    case TK_FLOAT:
        return "floating point number";
    case TK_TEXT:
        return "text string";
    case TK_HEX:
        return "hex string";
    case TK_REGEX:
        return "regular expression";
    default:
        return NULL; /* keywords and punctuation: the text speaks for itself */
    }
}
