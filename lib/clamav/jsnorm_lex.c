/*
 * jsnorm_lex.c - the JavaScript normaliser's tokenizer, as libclamav 1.4.6
 * tokenises: a hand-written scanner that can stop anywhere (end of an HTML
 * chunk) and resume inside a string, number, identifier or comment. Its
 * oddities are libclamav's and are kept: "//" comments end at a space (the
 * HTML normaliser turned newlines into spaces), form feed is not
 * whitespace, escapes are decoded per chunk, "1.5e" keeps its 'e'.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/jsnorm_int.h"
#include "util/hex.h"

bool js_textbuf_putc(js_textbuf *b, char c)
{
    return js_textbuf_append(b, &c, 1);
}

bool js_textbuf_append(js_textbuf *b, const char *s, size_t n)
{
    if (n == 0)
        return true;
    if (b->pos + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->pos + n) {
            if (cap > SIZE_MAX / 2)
                return false;
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d)
            return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->pos, s, n);
    b->pos += n;
    return true;
}

/* ---- character classes (libclamav's ctype / id_ctype tables) ----------- */

enum cls { C_WS, C_SL, C_OP, C_DQ, C_SQ, C_DG, C_ID, C_SPECIAL, C_NA };

static bool letter(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static enum cls char_class(uint8_t c)
{
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\r')
        return C_WS; /* not '\f' */
    if (c == '/')
        return C_SL;
    if (c && strchr("!%&*+-:<=>?^|~", c))
        return C_OP;
    if (c == '"')
        return C_DQ;
    if (c == '\'')
        return C_SQ;
    if (digit(c))
        return C_DG;
    if (letter(c) || c == '$' || c == '_' || c == '\\')
        return C_ID;
    if (c && strchr("[],{}().;", c))
        return C_SPECIAL;
    return C_NA;
}

static int special_token(uint8_t c, const char **text)
{
    static const char *const names[] = {"[", "]", ",", "{", "}", "(", ")", ".", ";"};
    static const int types[] = {JT_BRACKET_OPEN, JT_BRACKET_CLOSE, JT_COMMA,
                                JT_CURLY_OPEN,   JT_CURLY_CLOSE,   JT_PAR_OPEN,
                                JT_PAR_CLOSE,    JT_DOT,           JT_SEMICOLON};
    const char *at = strchr("[],{}().;", c);
    size_t i = (size_t)(at - "[],{}().;");
    *text = names[i];
    return types[i];
}

/* ---- keywords and operators (libclamav's gperf tables) ---------------- */

typedef struct js_word {
    const char *name;
    int type;
} js_word;

static const js_word keywords[] = {
    {"break", JT_BREAK},
    {"case", JT_CASE},
    {"catch", JT_CATCH},
    {"continue", JT_CONTINUE},
    {"default", JT_DEFAULT},
    {"delete", JT_DELETE},
    {"do", JT_DO},
    {"else", JT_ELSE},
    {"finally", JT_FINALLY},
    {"for", JT_FOR},
    {"function", JT_FUNCTION},
    {"if", JT_IF},
    {"in", JT_IN},
    {"instanceof", JT_INSTANCEOF},
    {"new", JT_NEW},
    {"return", JT_RETURN},
    {"switch", JT_SWITCH},
    {"this", JT_THIS},
    {"throw", JT_THROW},
    {"try", JT_TRY},
    {"typeof", JT_TYPEOF},
    {"var", JT_VAR},
    {"void", JT_VOID},
    {"while", JT_WHILE},
    {"with", JT_WITH},
    {"null", JT_NULL},
    {"true", JT_TRUE},
    {"false", JT_FALSE},
    {"abstract", JT_FUTURE_RESERVED_WORD},
    {"boolean", JT_FUTURE_RESERVED_WORD},
    {"byte", JT_FUTURE_RESERVED_WORD},
    {"char", JT_FUTURE_RESERVED_WORD},
    {"class", JT_FUTURE_RESERVED_WORD},
    {"const", JT_FUTURE_RESERVED_WORD},
    {"debugger", JT_FUTURE_RESERVED_WORD},
    {"double", JT_FUTURE_RESERVED_WORD},
    {"enum", JT_FUTURE_RESERVED_WORD},
    {"export", JT_FUTURE_RESERVED_WORD},
    {"extends", JT_FUTURE_RESERVED_WORD},
    {"final", JT_FUTURE_RESERVED_WORD},
    {"float", JT_FUTURE_RESERVED_WORD},
    {"goto", JT_FUTURE_RESERVED_WORD},
    {"implements", JT_FUTURE_RESERVED_WORD},
    {"import", JT_FUTURE_RESERVED_WORD},
    {"int", JT_FUTURE_RESERVED_WORD},
    {"interface", JT_FUTURE_RESERVED_WORD},
    {"long", JT_FUTURE_RESERVED_WORD},
    {"native", JT_FUTURE_RESERVED_WORD},
    {"package", JT_FUTURE_RESERVED_WORD},
    {"private", JT_FUTURE_RESERVED_WORD},
    {"protected", JT_FUTURE_RESERVED_WORD},
    {"public", JT_FUTURE_RESERVED_WORD},
    {"short", JT_FUTURE_RESERVED_WORD},
    {"static", JT_FUTURE_RESERVED_WORD},
    {"super", JT_FUTURE_RESERVED_WORD},
    {"synchronized", JT_FUTURE_RESERVED_WORD},
    {"throws", JT_FUTURE_RESERVED_WORD},
    {"transient", JT_FUTURE_RESERVED_WORD},
    {"volatile", JT_FUTURE_RESERVED_WORD},
};

static const js_word operators[] = {
    {"=", JT_EQUAL},
    {"+", JT_PLUS},
    {"===", JT_TRIPLE_EQUAL},
    {">>>", JT_DOUBLESHIFT_RIGHT},
    {"!==", JT_NOT_DOUBLEEQUAL},
    {"<<", JT_SHIFT_LEFT},
    {"<=", JT_LESSEQUAL},
    {"==", JT_EQUAL_EQUAL},
    {">=", JT_GREATEREQUAL},
    {">>", JT_SHIFT_RIGHT},
    {"||", JT_OR_OR},
    {"--", JT_MINUSMINUS},
    {"!=", JT_NOT_EQUAL},
    {"&&", JT_AND_AND},
    {"++", JT_PLUSPLUS},
    {"*=", JT_ASSIGN_OP},
    {"/=", JT_ASSIGN_OP},
    {"%=", JT_ASSIGN_OP},
    {"+=", JT_ASSIGN_OP},
    {"-=", JT_ASSIGN_OP},
    {"<<=", JT_ASSIGN_OP},
    {">>=", JT_ASSIGN_OP},
    {">>>=", JT_ASSIGN_OP},
    {"&=", JT_ASSIGN_OP},
    {"^=", JT_ASSIGN_OP},
    {"|=", JT_ASSIGN_OP},
    {"&", JT_AND},
    {":", JT_COLON},
    {"/", JT_DIVIDE},
    {"!", JT_EXCLAMATION},
    {">", JT_GREATER},
    {"<", JT_LESS},
    {"-", JT_MINUS},
    {"*", JT_MULTIPLY},
    {"|", JT_OR},
    {"%", JT_PERCENT},
    {"?", JT_QUESTIONMARK},
    {"~", JT_TILDE},
    {"^", JT_XOR},
};

static const js_word *lookup(const js_word *set, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(set[i].name) == len && memcmp(set[i].name, s, len) == 0)
            return &set[i];
    return NULL;
}

/* ---- escapes ------------------------------------------------------------ */

static int hex2int(uint8_t c)
{
    return util_hex_digit(c);
}

/* libclamav's "(h < 0 ? 0 : h)" for all digits but the last, whose -1
 * then sets every bit. */
static int hex_lenient(uint8_t c)
{
    int h = hex2int(c);
    return h < 0 ? 0 : h;
}

/* UTF-8 of a 16-bit unit; NUL becomes 0x01. */
static size_t utf8(uint16_t u, char *dst)
{
    if (!u) {
        dst[0] = 1;
        return 1;
    }
    if (u < 0x80) {
        dst[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        dst[0] = (char)(0xc0 | (u >> 6));
        dst[1] = (char)(0x80 | (u & 0x3f));
        return 2;
    }
    dst[0] = (char)(0xe0 | (u >> 12));
    dst[1] = (char)(0x80 | ((u >> 6) & 0x3f));
    dst[2] = (char)(0x80 | (u & 0x3f));
    return 3;
}

/* cli_textbuffer_append_normalize: JavaScript escapes inside a string. */
static bool append_normalize(js_textbuf *b, const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = (char)s[i];
        if (c == '\\' && i + 1 < len) {
            i++;
            switch (s[i]) {
            case '0': c = 0; break;
            case 'b': c = 8; break;
            case 't': c = 9; break;
            case 'n': c = 10; break;
            case 'v': c = 11; break;
            case 'f': c = 12; break;
            case 'r': c = 13; break;
            case 'x':
                if (i + 2 < len)
                    c = (char)((hex_lenient(s[i + 1]) << 4) | hex2int(s[i + 2]));
                i += 2;
                break;
            case 'u':
                if (i + 4 < len) {
                    uint16_t u = (uint16_t)((hex_lenient(s[i + 1]) << 12) |
                                            (hex_lenient(s[i + 2]) << 8) |
                                            (hex_lenient(s[i + 3]) << 4) | hex2int(s[i + 4]));
                    char tmp[3];
                    if (!js_textbuf_append(b, tmp, utf8(u, tmp)))
                        return false;
                    i += 4;
                    continue;
                }
                break;
            default: c = (char)s[i]; break;
            }
        }
        if (!c)
            c = 1;
        if (!js_textbuf_putc(b, c))
            return false;
    }
    return true;
}

char *js_unescape(const char *str)
{
    size_t len = strlen(str), i = 0;
    char *r = malloc(len + 1);
    if (!r)
        return NULL;
    const uint8_t *s = (const uint8_t *)str;
    for (size_t k = 0; k < len; k++) {
        uint8_t c = s[k];
        if (c == '%') {
            if (k + 5 >= len || s[k + 1] != 'u' || hex2int(s[k + 2]) < 0 ||
                hex2int(s[k + 3]) < 0 || hex2int(s[k + 4]) < 0 || hex2int(s[k + 5]) < 0) {
                if (k + 2 < len && hex2int(s[k + 1]) >= 0 && hex2int(s[k + 2]) >= 0) {
                    c = (uint8_t)((hex2int(s[k + 1]) << 4) | hex2int(s[k + 2]));
                    k += 2;
                }
            } else {
                uint16_t u = (uint16_t)((hex2int(s[k + 2]) << 12) | (hex2int(s[k + 3]) << 8) |
                                        (hex2int(s[k + 4]) << 4) | hex2int(s[k + 5]));
                i += utf8(u, r + i); /* at most 3 bytes for 6 read */
                k += 5;
                continue;
            }
        }
        if (!c)
            c = 1;
        r[i++] = (char)c;
    }
    r[i] = 0;
    return r;
}

/* ---- scanner ------------------------------------------------------------ */

void js_lex_input(js_lex *lx, const uint8_t *in, size_t len)
{
    lx->in = in;
    lx->insize = len;
    lx->pos = 0;
    lx->lastpos = SIZE_MAX;
    lx->last_state = LX_DUMMY;
}

void js_lex_free(js_lex *lx)
{
    free(lx->buf.data);
    memset(lx, 0, sizeof(*lx));
}

static bool putc_buf(js_lex *lx, char c)
{
    if (!js_textbuf_putc(&lx->buf, c)) {
        lx->oom = true;
        return false;
    }
    return true;
}

static int parse_string(js_lex *lx, js_token *tok, uint8_t q, int resume)
{
    const uint8_t *start = lx->in + lx->pos, *stop = lx->in + lx->insize, *end = start;
    for (;;) {
        end = memchr(end, q, (size_t)(stop - end));
        if (end && end > start && end[-1] == '\\') {
            ++end; /* an escaped quote, or a quote after "\\\\" */
            continue;
        }
        break;
    }
    size_t len = end ? (size_t)(end - start) : lx->insize - lx->pos;
    if (!append_normalize(&lx->buf, start, len)) {
        lx->oom = true;
        return 0;
    }
    if (!end) {
        lx->pos += len;
        lx->state = resume; /* the string goes on in the next chunk */
        return 0;
    }
    lx->pos += len + 1;
    if (!putc_buf(lx, 0))
        return 0;
    tok->vtype = JV_STR;
    tok->v.str = lx->buf.data;
    lx->yytext = lx->buf.data;
    lx->yylen = lx->buf.pos - 1;
    memset(&lx->buf, 0, sizeof(lx->buf));
    lx->state = LX_INITIAL;
    return JT_STRING;
}

/* glibc's atoi: strtol saturating, then cut to int. */
static long atoi_glibc(const char *s)
{
    long v = strtol(s, NULL, 10);
    return (long)(int32_t)(uint32_t)(unsigned long)v;
}

static int parse_number(js_lex *lx, js_token *tok)
{
    bool is_float = false;
    while (lx->pos < lx->insize) {
        uint8_t c = lx->in[lx->pos++];
        if (digit(c)) {
            if (!putc_buf(lx, (char)c))
                return 0;
            continue;
        }
        if (c == '.' && !is_float) {
            is_float = true;
            if (!putc_buf(lx, '.'))
                return 0;
            continue;
        }
        if ((c == 'e' || c == 'E') && is_float) {
            if (!putc_buf(lx, (char)c))
                return 0;
            if (lx->pos < lx->insize) {
                c = lx->in[lx->pos++];
                if (c == '+' || c == '-' || digit(c)) {
                    if (!putc_buf(lx, (char)c))
                        return 0;
                    continue;
                }
            }
        }
        lx->pos--;
        if (!putc_buf(lx, 0))
            return 0;
        lx->state = LX_INITIAL;
        if (is_float) {
            tok->vtype = JV_DOUBLE;
            tok->v.d = strtod(lx->buf.data, NULL);
            return JT_NUMERIC_FLOAT;
        }
        tok->vtype = JV_LONG;
        tok->v.l = atoi_glibc(lx->buf.data);
        return JT_NUMERIC_INT;
    }
    lx->state = LX_NUMBER;
    return 0;
}

static bool id_char(uint8_t c)
{
    return letter(c) || digit(c) || c == '$' || c == '_';
}

static int parse_id(js_lex *lx, js_token *tok)
{
    lx->state = LX_INITIAL;
    while (lx->pos < lx->insize) {
        uint8_t c = lx->in[lx->pos++];
        if (id_char(c)) {
            if (!putc_buf(lx, (char)c))
                return 0;
            continue;
        }
        if (c == '\\') {
            /* "\u" keeps the backslash and drops the 'u' */
            if (lx->pos < lx->insize && lx->in[lx->pos++] == 'u') {
                if (!putc_buf(lx, (char)c))
                    return 0;
                continue;
            }
            if (lx->pos == lx->insize)
                lx->pos++;
        }
        lx->state = LX_INITIAL;
        if (!putc_buf(lx, 0))
            return 0;
        lx->pos--;
        const js_word *kw = lookup(keywords, sizeof(keywords) / sizeof(keywords[0]),
                                   lx->buf.data, lx->buf.pos - 1);
        tok->vtype = JV_CSTR;
        if (kw) {
            tok->v.cstr = kw->name;
            return kw->type;
        }
        tok->v.cstr = NULL;
        return JT_IDENTIFIER_NAME;
    }
    lx->state = LX_IDENTIFIER;
    return 0;
}

static int parse_operator(js_lex *lx, js_token *tok)
{
    size_t len = lx->insize - lx->pos < 5 ? lx->insize - lx->pos : 5;
    for (; len; len--) {
        const js_word *op = lookup(operators, sizeof(operators) / sizeof(operators[0]),
                                   (const char *)lx->in + lx->pos, len);
        if (op) {
            tok->vtype = JV_CSTR;
            tok->v.cstr = op->name;
            lx->pos += len;
            return op->type;
        }
    }
    lx->pos++;
    tok->vtype = JV_CSTR;
    tok->v.cstr = NULL;
    return JT_ERROR;
}

int js_lex_next(js_lex *lx, js_token *tok)
{
    lx->yytext = NULL;
    lx->yylen = 0;
    if (lx->pos == lx->lastpos && lx->last_state == lx->state)
        lx->pos++; /* libclamav's "infloop detected, skipping character" */
    lx->lastpos = lx->pos;
    lx->last_state = lx->state;
    while (lx->pos < lx->insize && !lx->oom) {
        switch (lx->state) {
        case LX_INITIAL: {
            lx->buf.pos = 0;
            uint8_t c = lx->in[lx->pos++];
            switch (char_class(c)) {
            case C_WS:
            case C_NA:
                continue;
            case C_SL:
                if (lx->pos < lx->insize) {
                    uint8_t la = lx->in[lx->pos];
                    if (la == '*' || la == '/') {
                        lx->state = la == '*' ? LX_ML_COMMENT : LX_SL_COMMENT;
                        lx->pos++;
                        continue;
                    }
                }
                lx->pos--;
                return parse_operator(lx, tok);
            case C_OP:
                lx->pos--;
                return parse_operator(lx, tok);
            case C_DQ:
                return parse_string(lx, tok, '"', LX_DQ_STRING);
            case C_SQ:
                return parse_string(lx, tok, '\'', LX_SQ_STRING);
            case C_DG:
                lx->pos--;
                return parse_number(lx, tok);
            case C_ID:
                lx->pos--;
                return parse_id(lx, tok);
            case C_SPECIAL:
                tok->vtype = JV_CSTR;
                return special_token(c, &tok->v.cstr);
            }
            break;
        }
        case LX_DQ_STRING:
            return parse_string(lx, tok, '"', LX_DQ_STRING);
        case LX_SQ_STRING:
            return parse_string(lx, tok, '\'', LX_SQ_STRING);
        case LX_IDENTIFIER:
            return parse_id(lx, tok);
        case LX_NUMBER:
            return parse_number(lx, tok);
        case LX_ML_COMMENT:
            while (lx->pos + 1 < lx->insize) {
                if (lx->in[lx->pos] == '*' && lx->in[lx->pos + 1] == '/') {
                    lx->state = LX_INITIAL;
                    lx->pos++;
                    break;
                }
                lx->pos++;
            }
            lx->pos++;
            break;
        case LX_SL_COMMENT:
            while (lx->pos < lx->insize && lx->in[lx->pos] != '\n' && lx->in[lx->pos] != ' ')
                lx->pos++;
            lx->state = LX_INITIAL;
            break;
        default:
            lx->state = LX_INITIAL;
            break;
        }
    }
    return 0;
}
