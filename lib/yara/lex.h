/*
 * lex.h - tokenizer for the YARA 4.2 rule language. Tokens are spans of the
 * source (never copies), so a lexer state is a few integers and the parser
 * can peek ahead by copying it. Lexical errors become TK_ERROR tokens with a
 * static message, reported by the parser when it reaches them.
 */
#ifndef VIGIL_YARA_LEX_H
#define VIGIL_YARA_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/vec.h"

typedef enum tk_kind {
    TK_EOF,
    TK_ERROR, /* msg holds the reason */
    TK_IDENT,
    TK_STRID,      /* $a or $ */
    TK_STRID_WILD, /* $a* or $* */
    TK_STRCOUNT,   /* #a or # */
    TK_STROFF,     /* @a or @ */
    TK_STRLEN,     /* !a or ! */
    TK_INT,        /* ival */
    TK_FLOAT,      /* fval */
    TK_TEXT,       /* span includes the quotes; escapes already validated */
    TK_HEX,        /* span is the body between the braces */
    TK_REGEX,      /* span is the body between the slashes; rflags */
    TK_LBRACE,
    TK_RBRACE,
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACK,
    TK_RBRACK,
    TK_COLON,
    TK_COMMA,
    TK_ASSIGN,
    TK_DOTDOT,
    TK_DOT,
    TK_PLUS,
    TK_MINUS,
    TK_STAR,
    TK_BSLASH,
    TK_PERCENT,
    TK_AMP,
    TK_PIPE,
    TK_CARET,
    TK_TILDE,
    TK_SHL,
    TK_SHR,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_EQ,
    TK_NE,
    /* keywords */
    KW_ALL,
    KW_AND,
    KW_ANY,
    KW_ASCII,
    KW_AT,
    KW_BASE64,
    KW_BASE64WIDE,
    KW_CONDITION,
    KW_CONTAINS,
    KW_DEFINED,
    KW_ENDSWITH,
    KW_ENTRYPOINT,
    KW_FALSE,
    KW_FILESIZE,
    KW_FOR,
    KW_FULLWORD,
    KW_GLOBAL,
    KW_ICONTAINS,
    KW_IENDSWITH,
    KW_IEQUALS,
    KW_IMPORT,
    KW_IN,
    KW_INCLUDE,
    KW_ISTARTSWITH,
    KW_MATCHES,
    KW_META,
    KW_NOCASE,
    KW_NONE,
    KW_NOT,
    KW_OF,
    KW_OR,
    KW_PRIVATE,
    KW_RULE,
    KW_STARTSWITH,
    KW_STRINGS,
    KW_THEM,
    KW_TRUE,
    KW_WIDE,
    KW_XOR,
    KW_INTFN, /* int8 ... uint32be: ival holds IR_READ_* bits */
} tk_kind;

typedef struct token {
    tk_kind kind;
    size_t off, len; /* span in the source */
    int line, col;   /* of the first byte, 1-based */
    int64_t ival;
    double fval;
    unsigned rflags; /* regex: IR_SF_REGEX_NOCASE | IR_SF_DOTALL */
    const char *msg; /* TK_ERROR */
} token;

typedef struct lexer {
    const char *src;
    size_t len, pos;
    int line;
    size_t line_start; /* offset of the current line's first byte */
    bool hex_ok;       /* a '{' now starts a hex string (set after "$x =") */
} lexer;

void lex_init(lexer *lx, const char *src, size_t len);

/* Produces the next token. */
token lex_next(lexer *lx);

typedef VEC(char) charbuf;

/* Appends the unescaped bytes of a TK_TEXT token to out; false on OOM. */
bool lex_unescape(const char *src, const token *t, charbuf *out);

/* Name of a token kind for messages ("identifier", ...); NULL for keywords
 * and punctuation, which are best shown as their text. */
const char *lex_kind_name(tk_kind k);

#endif
