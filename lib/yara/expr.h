/*
 * expr.h - what the two halves of the condition parser share: the parsed
 * value (`ex`) and the node-building and type-checking helpers of expr.c,
 * used by expr_quant.c for string/rule sets, `of` and `for` loops.
 * Internal to lib/yara.
 */
#ifndef VIGIL_YARA_EXPR_H
#define VIGIL_YARA_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "../modules/object.h"
#include "parser.h"

/* One parsed (sub)expression, already lowered to a node. */
typedef struct ex {
    uint32_t node;
    uint8_t type;  /* IR_T_* */
    bool primary;  /* may be an operand of arithmetic and comparisons */
    bool is_const; /* integer constant, value in ival */
    bool text_lit; /* a "..." literal */
    bool percent;  /* primary stopped before "% of" */
    int64_t ival;
    token at; /* first token, for diagnostics */
    /* IR_T_OBJECT (a module structure, array or dictionary): what it is */
    uint8_t otype;            /* MO_STRUCT, MO_ARRAY or MO_DICT */
    const mo_decl *omembers;  /* MO_STRUCT: its member table */
    const mo_decl *ocont;     /* MO_ARRAY/MO_DICT: its declaration (elem, members) */
    uint32_t oslot;           /* the module it belongs to (index into p->modules) */
    const char *oname;        /* its name in the source, for messages */
    size_t oname_len;
} ex;

/* expr.c */
bool ex_oom(yp *y);
/* Counts one level of nesting (false, with an error, past the limit); the
 * caller decrements y->depth when leaving. */
bool ex_enter(yp *y);
uint32_t ex_add_node(yp *y, ir_node *n);
bool ex_mk(yp *y, ex *out, uint16_t op, uint8_t type, uint32_t a, uint32_t b, uint32_t c);
bool ex_mk_int(yp *y, ex *out, int64_t v);
bool ex_to_bool(yp *y, ex *e);
bool ex_resolve_string(yp *y, const token *t, uint32_t *idx);
bool ex_parse_range(yp *y, ex *out);
bool ex_want_type(yp *y, const ex *e, uint8_t type, const char *op);
bool ex_parse_bool(yp *y, ex *out);
bool ex_parse_arith(yp *y, int min_prec, ex *out);

/* modref.c: module references. */
/* After `import "name"` (name unescaped): checks the module exists and makes
 * it visible to the rules of the current namespace. */
bool ym_import(yp *y, const token *at, const char *name);
/* An identifier naming a module imported into the current namespace:
 * parses it with its `.member`, `[index]` and `(arguments)` chain. false
 * with *found false when it names no module. */
bool ym_parse_module_ref(yp *y, const token *t, ex *out, bool *found);
/* Continues a chain from an object value already in out (a loop variable). */
bool ym_parse_chain(yp *y, ex *out);
/* A module array or dictionary after `in` of a for loop. */
bool ym_parse_iterable(yp *y, ex *out);
/* Refuses an object where a value is needed ("wrong usage of identifier"). */
bool ym_want_value(yp *y, const ex *e);

/* expr_quant.c: `of` is current; count is NULL for all/any/none. */
bool ex_parse_of(yp *y, uint32_t quant, const ex *count, ex *out);
/* all / any / none / <primary> [%]: sets *quant, and count for the others. */
bool ex_parse_quantifier(yp *y, uint32_t *quant, ex *count);
/* for <quant> of <strings> : (...) and for <quant> <var> in <iter> : (...) */
bool ex_parse_for(yp *y, ex *out);

#endif
