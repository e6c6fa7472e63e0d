/*
 * jsnorm_int.h - shared by the JavaScript normaliser's tokenizer
 * (jsnorm_lex.c) and parser (jsnorm.c): token kinds in libclamav's order,
 * tokens, and the tokenizer's resumable state (a token may continue in the
 * next HTML chunk). Internal to lib/clamav.
 */
#ifndef VIGIL_CLAMAV_JSNORM_INT_H
#define VIGIL_CLAMAV_JSNORM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum js_tok {
    JT_FUTURE_RESERVED_WORD = 1,
    JT_ERROR,
    JT_IDENTIFIER_NAME,
    JT_TRUE,
    JT_FALSE,
    JT_NULL,
    JT_BRACKET_OPEN,
    JT_BRACKET_CLOSE,
    JT_COMMA,
    JT_CURLY_OPEN,
    JT_CURLY_CLOSE,
    JT_PAR_OPEN,
    JT_PAR_CLOSE,
    JT_DOT,
    JT_SEMICOLON,
    JT_COLON,
    JT_NEW,
    JT_NUMERIC_INT,
    JT_NUMERIC_FLOAT,
    JT_STRING,
    JT_REGEXP,
    JT_THIS,
    JT_PLUSPLUS,
    JT_MINUSMINUS,
    JT_DELETE,
    JT_VOID,
    JT_TYPEOF,
    JT_MINUS,
    JT_TILDE,
    JT_EXCLAMATION,
    JT_MULTIPLY,
    JT_DIVIDE,
    JT_PERCENT,
    JT_PLUS,
    JT_SHIFT_LEFT,
    JT_SHIFT_RIGHT,
    JT_DOUBLESHIFT_RIGHT,
    JT_LESS,
    JT_GREATER,
    JT_LESSEQUAL,
    JT_GREATEREQUAL,
    JT_INSTANCEOF,
    JT_IN,
    JT_EQUAL_EQUAL,
    JT_NOT_EQUAL,
    JT_TRIPLE_EQUAL,
    JT_NOT_DOUBLEEQUAL,
    JT_AND,
    JT_XOR,
    JT_OR,
    JT_AND_AND,
    JT_OR_OR,
    JT_QUESTIONMARK,
    JT_EQUAL,
    JT_ASSIGN_OP,
    JT_VAR,
    JT_IF,
    JT_ELSE,
    JT_DO,
    JT_WHILE,
    JT_FOR,
    JT_CONTINUE,
    JT_BREAK,
    JT_RETURN,
    JT_WITH,
    JT_SWITCH,
    JT_CASE,
    JT_DEFAULT,
    JT_THROW,
    JT_TRY,
    JT_CATCH,
    JT_FINALLY,
    JT_FUNCTION,
    JT_UNNORM_IDENTIFIER
};

/* What a token carries (libclamav's vtype). JV_NAME is an identifier: an
 * owned copy here, a const string (not a "string") for libclamav. */
enum js_val { JV_NONE, JV_CSTR, JV_STR, JV_NAME, JV_SCOPE, JV_DOUBLE, JV_LONG };

struct js_scope;

typedef struct js_token {
    int type;
    int vtype;
    union {
        const char *cstr;       /* static text: keyword, operator, or a name */
        char *str;              /* owned (JV_STR, JV_NAME) */
        struct js_scope *scope; /* JT_FUNCTION: its scope; NULL marks an end */
        double d;
        long l;
    } v;
} js_token;

/* The token's text when it has one (cstring or owned string). */
static inline const char *js_text(const js_token *t)
{
    return (t->vtype == JV_CSTR || t->vtype == JV_STR || t->vtype == JV_NAME) ? t->v.cstr : NULL;
}

typedef struct js_textbuf {
    char *data;
    size_t pos, cap;
} js_textbuf;

bool js_textbuf_putc(js_textbuf *b, char c);
bool js_textbuf_append(js_textbuf *b, const char *s, size_t n);

enum js_lex_state {
    LX_INITIAL,
    LX_ML_COMMENT,
    LX_SL_COMMENT,
    LX_NUMBER,
    LX_DQ_STRING,
    LX_SQ_STRING,
    LX_IDENTIFIER,
    LX_DUMMY
};

typedef struct js_lex {
    js_textbuf buf;
    char *yytext; /* a finished string literal, owned by the token after */
    size_t yylen;
    const uint8_t *in;
    size_t insize, pos, lastpos;
    int state, last_state;
    bool oom;
} js_lex;

void js_lex_input(js_lex *lx, const uint8_t *in, size_t len);
/* Next token (0: end of this input). Identifier text is in lx->buf (its
 * length is lx->buf.pos - 1); a string literal's text moves to tok->v.str. */
int js_lex_next(js_lex *lx, js_token *tok);
void js_lex_free(js_lex *lx);

/* libclamav's cli_unescape: %xx and %uxxxx (as UTF-8), NUL made 1. */
char *js_unescape(const char *s);

#endif
