/*
 * parser.h - state shared by the pieces of the YARA front end: the
 * per-compiler state (rule and namespace tables), the per-source parser
 * (current file, token, diagnostics) and the per-rule context the condition
 * parser needs (strings, loop variables). Internal to lib/yara.
 */
#ifndef VIGIL_YARA_PARSER_H
#define VIGIL_YARA_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ir/ir.h"
#include "../modules/object.h"
#include "lex.h"
#include "map.h"
#include "yara.h"

#define YC_MAX_STRINGS_PER_RULE 10000
#define YC_MAX_LOOP_DEPTH 4 /* yara's YR_MAX_LOOP_NESTING */
#define YC_MAX_EXPR_DEPTH 200
#define YC_MAX_INCLUDE_DEPTH 16
#define YC_MAX_ERRORS_PER_SOURCE 1000
#define YC_MAX_INCLUDES_PER_SOURCE 1024 /* a diamond of includes must not explode */

/* A `Prefix*` rule set already used: later rules of the namespace may not
 * match it (yara: they would silently join a set that was already built). */
typedef struct yc_wildcard {
    uint32_t ns;
    uint32_t prefix; /* pool offset */
} yc_wildcard;

/* A module imported into a namespace (yara's imports are per namespace). */
typedef struct yc_import {
    uint32_t ns;
    uint32_t slot; /* index into p->modules */
} yc_import;

struct yc_state {
    ir_program *p;
    yc_map rules; /* key: namespace index + rule name */
    VEC(yc_wildcard) wildcards;
    VEC(yc_import) imports;
};

/* One file being parsed (the top source or an included file). */
typedef struct yp_file {
    const char *name; /* label for diagnostics */
    const char *path; /* file the text came from, or NULL */
    const char *src;
    size_t len;
    lexer lx;
    int seek_line;   /* diagnostics: a known line start, so finding the text */
    size_t seek_pos; /* of line N is not a scan from the top every time */
    struct yp_file *parent;
} yp_file;

typedef struct yp_loopvar {
    size_t off, len; /* name span in the file that declared it */
    const char *src;
    uint8_t type;    /* IR_T_*: integers for ranges; module iterables give any */
    /* IR_T_OBJECT: a module structure (an element of the iterated array) */
    const mo_decl *omembers;
    uint32_t oslot;
} yp_loopvar;

typedef struct yp_strinfo {
    bool used; /* referenced by the condition */
    int line, col;
} yp_strinfo;

typedef struct yp {
    yc_state *st;
    ir_program *p;
    const yc_options *opt;
    yp_file *f;
    token tok;   /* current token */
    token prev;  /* last consumed token */
    uint32_t ns; /* namespace index */
    size_t errors, warnings;
    int include_depth;
    int includes; /* files included so far by this source */

    /* the rule being parsed */
    bool in_rule;
    uint32_t rule; /* index in p->rules */
    char rule_name[132];
    uint32_t str_first;      /* index of the rule's first string */
    VEC(yp_strinfo) strinfo; /* per string of the rule */
    yc_map strs;             /* string id -> global string index (anonymous ones excluded) */
    yp_loopvar loops[YC_MAX_LOOP_DEPTH];
    int nloops;
    bool in_for_of;
    int depth; /* expression recursion depth */
} yp;

/* Diagnostics at a token (tok may be NULL = current token). Return false so
 * callers can `return yp_error(...)`. */
bool yp_error(yp *y, const token *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void yp_warning(yp *y, const token *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Error at an explicit location of the current file. */
bool yp_error_at(yp *y, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void yp_warning_at(yp *y, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void yp_advance(yp *y);
bool yp_accept(yp *y, tk_kind k);
bool yp_expect(yp *y, tk_kind k); /* reports a syntax error when absent */
token yp_peek(yp *y);             /* the token after the current one */

/* Rule lookup in namespace ns; UINT32_MAX when absent. */
uint32_t yc_find_rule(yc_state *st, uint32_t ns, const char *name, size_t len);

/* A named string of the current rule by id ("$a"); UINT32_MAX when absent. */
uint32_t yp_find_string(yp *y, const char *name, size_t len);

/* Parses `condition:`'s boolean expression; stores the root node. */
bool yp_condition(yp *y, uint32_t *root);

/* Parses one rule starting at its modifiers / `rule` keyword. */
bool yp_rule(yp *y);

#endif
