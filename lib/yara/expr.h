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
} ex;

/* expr.c */
bool ex_oom(yp *y);
uint32_t ex_add_node(yp *y, ir_node *n);
bool ex_mk(yp *y, ex *out, uint16_t op, uint8_t type, uint32_t a, uint32_t b, uint32_t c);
bool ex_mk_int(yp *y, ex *out, int64_t v);
bool ex_to_bool(yp *y, ex *e);
bool ex_resolve_string(yp *y, const token *t, uint32_t *idx);
bool ex_parse_range(yp *y, ex *out);
bool ex_want_type(yp *y, const ex *e, uint8_t type, const char *op);
bool ex_parse_bool(yp *y, ex *out);
bool ex_parse_arith(yp *y, int min_prec, ex *out);

/* expr_quant.c: `of` is current; count is NULL for all/any/none. */
bool ex_parse_of(yp *y, uint32_t quant, const ex *count, ex *out);
/* all / any / none / <primary> [%]: sets *quant, and count for the others. */
bool ex_parse_quantifier(yp *y, uint32_t *quant, ex *count);
/* for <quant> of <strings> : (...) and for <quant> <var> in <iter> : (...) */
bool ex_parse_for(yp *y, ex *out);

#endif
