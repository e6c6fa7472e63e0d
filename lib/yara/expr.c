/*
 * expr.c - the condition language: a precedence-climbing parser that type
 * checks and lowers straight to IR nodes. yara's grammar has two levels, a
 * boolean "expression" and an arithmetic "primary_expression" (comparisons
 * take primaries and give booleans, so `1 == 1 == 1` is an error); each
 * parsed value carries which level it is, which keeps yara's syntax errors.
 * Integer constants are folded with yara's overflow and division checks.
 * Values used as booleans get an explicit test node (x != 0, s != "") so the
 * evaluator sees only boolean operands under and/or/not. Sets, `of` and
 * loops live in expr_quant.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../re/re.h"
#include "expr.h"

bool ex_oom(yp *y)
{
    return yp_error(y, NULL, "out of memory");
}

uint32_t ex_add_node(yp *y, ir_node *n)
{
    uint32_t i = ir_add_node(y->p, n);
    if (i == IR_NONE)
        ex_oom(y);
    return i;
}

bool ex_mk(yp *y, ex *out, uint16_t op, uint8_t type, uint32_t a, uint32_t b, uint32_t c)
{
    ir_node n;
    memset(&n, 0, sizeof(n));
    n.op = op;
    n.type = type;
    n.a = a;
    n.b = b;
    n.c = c;
    out->node = ex_add_node(y, &n);
    out->type = type;
    return out->node != IR_NONE;
}

bool ex_mk_int(yp *y, ex *out, int64_t v)
{
    ir_node n;
    memset(&n, 0, sizeof(n));
    n.op = IR_OP_INT;
    n.type = IR_T_INT;
    n.a = n.b = n.c = IR_NONE;
    n.v.i = v;
    out->node = ex_add_node(y, &n);
    out->type = IR_T_INT;
    out->is_const = true;
    out->ival = v;
    out->primary = true;
    return out->node != IR_NONE;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case IR_T_INT:
        return "integer";
    case IR_T_FLOAT:
        return "float";
    case IR_T_STRING:
        return "string";
    case IR_T_BOOL:
        return "boolean";
    case IR_T_REGEX:
        return "regexp";
    default:
        return "undefined";
    }
}

bool ex_enter(yp *y)
{
    if (++y->depth > YC_MAX_EXPR_DEPTH)
        return yp_error(y, NULL, "expression nested too deeply");
    return true;
}

/* Readies a value for boolean context. Numbers and strings stay as they are:
 * lib/eval reads their truth as yara does (a float is true when any bit is
 * set, so -0.0 is true), and a loop body adds its raw value to the loop's
 * counter (`for all i in (0..2) : (i)` holds in yara). Only a regexp literal,
 * a non-null pointer in yara, becomes `true`. */
bool ex_to_bool(yp *y, ex *e)
{
    if (e->type == IR_T_BOOL)
        return true;
    if (e->text_lit) {
        const ir_node *n = &y->p->nodes.items[e->node];
        yp_warning(y, &e->at, "using literal string \"%.*s\" in a boolean operation.",
                   (int)n->v.s.len, ir_str(y->p, n->v.s.off));
    }
    if (e->type != IR_T_REGEX)
        return true;
    ir_node z;
    memset(&z, 0, sizeof(z));
    z.a = z.b = z.c = IR_NONE;
    z.op = IR_OP_TRUE;
    z.type = IR_T_BOOL;
    e->node = ex_add_node(y, &z);
    e->type = IR_T_BOOL;
    e->primary = false;
    e->is_const = false;
    e->text_lit = false;
    return e->node != IR_NONE;
}

/* ---- string references ---- */

/* Resolves $a / #a / @a / !a (any sigil) to a string index; IR_NONE for the
 * anonymous form inside for-of. Marks the string as used. */
bool ex_resolve_string(yp *y, const token *t, uint32_t *idx)
{
    const char *s = y->f->src + t->off;
    if (t->len == 1) {
        if (!y->in_for_of)
            return yp_error(y, t, "wrong use of anonymous string");
        *idx = IR_NONE;
        return true;
    }
    char name[160];
    snprintf(name, sizeof(name), "$%.*s", (int)(t->len - 1), s + 1);
    size_t n = strlen(name);
    uint32_t found = yp_find_string(y, name, n);
    if (found == UINT32_MAX)
        return yp_error(y, t, "undefined string \"%s\"", name);
    y->strinfo.items[found - y->str_first].used = true;
    *idx = found;
    return true;
}

/* ( lo .. hi ) with integer bounds; the '(' is current. */
bool ex_parse_range(yp *y, ex *out)
{
    out->at = y->tok;
    if (!yp_expect(y, TK_LPAREN))
        return false;
    ex lo = {0}, hi = {0};
    if (!ex_parse_arith(y, 0, &lo))
        return false;
    if (!yp_expect(y, TK_DOTDOT))
        return false;
    if (!ex_parse_arith(y, 0, &hi))
        return false;
    /* yara checks the upper bound first */
    if (!hi.primary || hi.type != IR_T_INT)
        return yp_error(y, &hi.at, "wrong type for range's upper bound");
    if (!lo.primary || lo.type != IR_T_INT)
        return yp_error(y, &lo.at, "wrong type for range's lower bound");
    if (!yp_expect(y, TK_RPAREN))
        return false;
    out->primary = false;
    return ex_mk(y, out, IR_OP_RANGE, IR_T_INT, lo.node, hi.node, IR_NONE);
}

bool ex_want_type(yp *y, const ex *e, uint8_t type, const char *op)
{
    if (e->primary && e->type == type)
        return true;
    if (!e->primary)
        return yp_error(y, &e->at, "syntax error");
    return yp_error(y, &e->at, "wrong type \"%s\" for %s operator", type_name(e->type), op);
}

/* $a, $a at e, $a in (range) */
static bool parse_string_found(yp *y, ex *out)
{
    token t = y->tok;
    out->at = t;
    yp_advance(y);
    uint32_t idx;
    if (!ex_resolve_string(y, &t, &idx))
        return false;
    out->primary = false;
    if (yp_accept(y, KW_AT)) {
        ex e = {0};
        if (!ex_parse_arith(y, 0, &e) || !ex_want_type(y, &e, IR_T_INT, "at"))
            return false;
        return ex_mk(y, out, IR_OP_STR_AT, IR_T_BOOL, idx, e.node, IR_NONE);
    }
    if (y->tok.kind == KW_IN) {
        yp_advance(y);
        ex r = {0};
        if (!ex_parse_range(y, &r))
            return false;
        return ex_mk(y, out, IR_OP_STR_IN, IR_T_BOOL, idx, r.node, IR_NONE);
    }
    return ex_mk(y, out, IR_OP_STR_FOUND, IR_T_BOOL, idx, IR_NONE, IR_NONE);
}

/* ---- sets ---- */

/* ---- primaries ---- */

static bool parse_identifier(yp *y, ex *out)
{
    token t = y->tok;
    yp_advance(y);
    const char *s = y->f->src + t.off;
    out->primary = true;
    for (int i = y->nloops - 1; i >= 0; i--) {
        const yp_loopvar *lv = &y->loops[i];
        if (lv->len == t.len && memcmp(lv->src + lv->off, s, t.len) == 0) {
            if (!ex_mk(y, out, IR_OP_VAR, lv->type, (uint32_t)i, IR_NONE, IR_NONE))
                return false;
            if (lv->type != IR_T_OBJECT)
                return true;
            /* an element of a module array of structures */
            out->otype = MO_STRUCT;
            out->omembers = lv->omembers;
            out->oslot = lv->oslot;
            out->oname = s;
            out->oname_len = t.len;
            return ym_parse_chain(y, out) && ym_want_value(y, out);
        }
    }
    for (size_t i = 0; i < y->p->externals.len; i++) {
        const ir_external *e = &y->p->externals.items[i];
        const char *en = ir_str(y->p, e->name);
        if (strlen(en) == t.len && memcmp(en, s, t.len) == 0)
            /* yara types boolean externals as integers: `xb == 1` and `xb + 1`
             * compile, and lib/eval reads a bool as 0/1 */
            return ex_mk(y, out, IR_OP_EXTERNAL,
                         (uint8_t)(e->type == IR_T_BOOL ? IR_T_INT : e->type), (uint32_t)i,
                         IR_NONE, IR_NONE);
    }
    bool module = false;
    if (ym_parse_module_ref(y, &t, out, &module))
        return ym_want_value(y, out);
    if (module)
        return false;
    uint32_t r = yc_find_rule(y->st, y->ns, s, t.len);
    if (r != UINT32_MAX)
        return ex_mk(y, out, IR_OP_RULE, IR_T_BOOL, r, IR_NONE, IR_NONE);
    return yp_error(y, &t, "undefined identifier \"%.*s\"", (int)t.len, s);
}

/* @a[i] / !a[i] / #a [in range] */
static bool parse_string_number(yp *y, ex *out)
{
    token t = y->tok;
    yp_advance(y);
    uint32_t idx;
    if (!ex_resolve_string(y, &t, &idx))
        return false;
    out->primary = true;
    if (t.kind == TK_STRCOUNT) {
        uint32_t range = IR_NONE;
        if (y->tok.kind == KW_IN) {
            yp_advance(y);
            ex r = {0};
            if (!ex_parse_range(y, &r))
                return false;
            range = r.node;
        }
        return ex_mk(y, out, IR_OP_STR_COUNT, IR_T_INT, idx, range, IR_NONE);
    }
    ex i = {0};
    if (yp_accept(y, TK_LBRACK)) {
        if (!ex_parse_arith(y, 0, &i))
            return false;
        if (!i.primary)
            return yp_error(y, &i.at, "syntax error");
        if (!yp_expect(y, TK_RBRACK))
            return false;
    } else if (!ex_mk_int(y, &i, 1)) {
        return false;
    }
    out->is_const = false;
    return ex_mk(y, out, t.kind == TK_STROFF ? IR_OP_STR_OFFSET : IR_OP_STR_LENGTH, IR_T_INT, idx,
                 i.node, IR_NONE);
}

static bool parse_regex_literal(yp *y, ex *out)
{
    token t = y->tok;
    yp_advance(y);
    re_prog *prog = NULL;
    re_error err;
    memset(&err, 0, sizeof(err));
    unsigned fl = ((t.rflags & IR_SF_REGEX_NOCASE) ? RE_F_NOCASE : 0) |
                  ((t.rflags & IR_SF_DOTALL) ? RE_F_DOTALL : 0);
    vigil_status st = re_compile_regex(y->f->src + t.off, t.len, fl, &prog, &err);
    re_free(prog);
    if (st == VIGIL_E_NOMEM)
        return ex_oom(y);
    if (st != VIGIL_OK)
        return yp_error(y, &t, "invalid regular expression: %s", err.message);
    uint32_t off = ir_pool_add(y->p, y->f->src + t.off, t.len);
    if (off == IR_NONE)
        return ex_oom(y);
    if (!ex_mk(y, out, IR_OP_REGEX, IR_T_REGEX, IR_NONE, IR_NONE, IR_NONE))
        return false;
    ir_node *n = &y->p->nodes.items[out->node];
    n->aux = t.rflags;
    n->v.s.off = off;
    n->v.s.len = (uint32_t)t.len;
    out->primary = true;
    return true;
}

static bool parse_atom(yp *y, ex *out)
{
    token t = y->tok;
    out->at = t;
    switch (t.kind) {
    case TK_INT:
        yp_advance(y);
        return ex_mk_int(y, out, t.ival);
    case TK_FLOAT: {
        yp_advance(y);
        ir_node n;
        memset(&n, 0, sizeof(n));
        n.op = IR_OP_FLOAT;
        n.type = IR_T_FLOAT;
        n.a = n.b = n.c = IR_NONE;
        n.v.f = t.fval;
        out->node = ex_add_node(y, &n);
        out->type = IR_T_FLOAT;
        out->primary = true;
        return out->node != IR_NONE;
    }
    case TK_TEXT: {
        yp_advance(y);
        charbuf b = {0};
        if (!lex_unescape(y->f->src, &t, &b)) {
            vec_free(&b);
            return ex_oom(y);
        }
        uint32_t off = ir_pool_add(y->p, b.items, b.len);
        uint32_t len = (uint32_t)b.len;
        vec_free(&b);
        if (off == IR_NONE)
            return ex_oom(y);
        if (!ex_mk(y, out, IR_OP_STRING, IR_T_STRING, IR_NONE, IR_NONE, IR_NONE))
            return false;
        y->p->nodes.items[out->node].v.s.off = off;
        y->p->nodes.items[out->node].v.s.len = len;
        out->primary = true;
        out->text_lit = true;
        return true;
    }
    case TK_REGEX:
        return parse_regex_literal(y, out);
    case KW_FILESIZE:
    case KW_ENTRYPOINT:
        if (t.kind == KW_ENTRYPOINT)
            yp_warning(y, &t,
                       "Using deprecated \"entrypoint\" keyword. Use the \"entry_point\" "
                       "function from PE module instead.");
        yp_advance(y);
        out->primary = true;
        return ex_mk(y, out, t.kind == KW_FILESIZE ? IR_OP_FILESIZE : IR_OP_ENTRYPOINT, IR_T_INT,
                     IR_NONE, IR_NONE, IR_NONE);
    case KW_INTFN: {
        yp_advance(y);
        if (!yp_expect(y, TK_LPAREN))
            return false;
        ex a = {0};
        if (!ex_parse_arith(y, 0, &a) || !ex_want_type(y, &a, IR_T_INT, "intXXXX or uintXXXX"))
            return false;
        if (!yp_expect(y, TK_RPAREN))
            return false;
        out->primary = true;
        if (!ex_mk(y, out, IR_OP_READ_INT, IR_T_INT, a.node, IR_NONE, IR_NONE))
            return false;
        y->p->nodes.items[out->node].aux = (uint32_t)t.ival;
        return true;
    }
    case TK_STRCOUNT:
    case TK_STROFF:
    case TK_STRLEN:
        return parse_string_number(y, out);
    case TK_IDENT:
        return parse_identifier(y, out);
    case TK_LPAREN: {
        yp_advance(y);
        if (!ex_parse_bool(y, out) || !yp_expect(y, TK_RPAREN))
            return false;
        out->at = t;
        out->percent = false;
        return true;
    }
    default:
        return yp_expect(y, TK_INT);
    }
}

static bool parse_unary(yp *y, ex *out);

static bool parse_unary_inner(yp *y, ex *out)
{
    token t = y->tok;
    if (t.kind != TK_MINUS && t.kind != TK_TILDE)
        return parse_atom(y, out);
    yp_advance(y);
    ex a = {0};
    if (!parse_unary(y, &a))
        return false;
    if (!a.primary)
        return yp_error(y, &a.at, "syntax error");
    out->at = t;
    out->primary = true;
    if (t.kind == TK_MINUS) {
        if (a.type != IR_T_INT && a.type != IR_T_FLOAT)
            return yp_error(y, &t, "wrong type \"%s\" for - operator", type_name(a.type));
        if (a.is_const) /* wraps like yara's folding: -INT64_MIN stays INT64_MIN */
            return ex_mk_int(y, out, (int64_t)(0 - (uint64_t)a.ival));
        return ex_mk(y, out, IR_OP_NEG, a.type, a.node, IR_NONE, IR_NONE);
    }
    if (a.type != IR_T_INT)
        return yp_error(y, &t, "wrong type \"%s\" for ~ operator", type_name(a.type));
    if (a.is_const)
        return ex_mk_int(y, out, ~a.ival);
    return ex_mk(y, out, IR_OP_BNOT, IR_T_INT, a.node, IR_NONE, IR_NONE);
}

/* Every nesting path of the grammar (parentheses, unary operators, indexes,
 * function arguments, ranges, loop bodies) passes here or through parse_not,
 * so this counter bounds the parser's recursion. */
static bool parse_unary(yp *y, ex *out)
{
    if (!ex_enter(y))
        return false;
    bool ok = parse_unary_inner(y, out);
    y->depth--;
    return ok;
}

static int binop_prec(tk_kind k)
{
    switch (k) {
    case TK_PIPE:
        return 1;
    case TK_CARET:
        return 2;
    case TK_AMP:
        return 3;
    case TK_SHL:
    case TK_SHR:
        return 4;
    case TK_PLUS:
    case TK_MINUS:
        return 5;
    case TK_STAR:
    case TK_BSLASH:
    case TK_PERCENT:
        return 6;
    default:
        return 0;
    }
}

static const char *binop_text(tk_kind k)
{
    switch (k) {
    case TK_PIPE:
        return "|";
    case TK_CARET:
        return "^";
    case TK_AMP:
        return "&";
    case TK_SHL:
        return "<<";
    case TK_SHR:
        return ">>";
    case TK_PLUS:
        return "+";
    case TK_MINUS:
        return "-";
    case TK_STAR:
        return "*";
    case TK_BSLASH:
        return "\\";
    default:
        return "%";
    }
}

/* Folds an integer operation of two constants; false on a reported error. */
static bool fold(yp *y, const token *at, tk_kind k, int64_t a, int64_t b, int64_t *r)
{
    bool of = false;
    switch (k) {
    case TK_PLUS:
        of = __builtin_add_overflow(a, b, r);
        break;
    case TK_MINUS:
        of = __builtin_sub_overflow(a, b, r);
        break;
    case TK_STAR:
        of = __builtin_mul_overflow(a, b, r);
        break;
    case TK_BSLASH:
    case TK_PERCENT:
        if (a == INT64_MIN && b == -1)
            of = true;
        else
            *r = k == TK_BSLASH ? a / b : a % b;
        break;
    case TK_AMP:
        *r = a & b;
        break;
    case TK_PIPE:
        *r = a | b;
        break;
    case TK_CARET:
        *r = a ^ b;
        break;
    case TK_SHL:
    case TK_SHR:
        if (b < 0)
            return yp_error(y, at, "negative shift amount");
        if (b >= 64)
            *r = 0;
        else if (k == TK_SHL)
            *r = (int64_t)((uint64_t)a << b);
        else
            *r = a >> b;
        break;
    default:
        return false;
    }
    if (of)
        return yp_error(y, at, "integer overflow in \"%" PRId64 " %s %" PRId64 "\"", a,
                        binop_text(k), b);
    return true;
}

static bool combine(yp *y, const token *opt, ex *l, ex *r, ex *out)
{
    tk_kind k = opt->kind;
    const char *op = binop_text(k);
    bool arith = k == TK_PLUS || k == TK_MINUS || k == TK_STAR || k == TK_BSLASH;
    bool lnum = l->type == IR_T_INT || l->type == IR_T_FLOAT;
    bool rnum = r->type == IR_T_INT || r->type == IR_T_FLOAT;
    if (arith) {
        if (l->type == IR_T_STRING && r->type == IR_T_STRING)
            return yp_error(y, opt, "strings don't support \"%s\" operation", op);
        if (!lnum || !rnum)
            return yp_error(y, opt, "type mismatch");
    } else {
        if (l->type != IR_T_INT)
            return yp_error(y, &l->at, "wrong type \"%s\" for %s operator", type_name(l->type), op);
        if (r->type != IR_T_INT)
            return yp_error(y, &r->at, "wrong type \"%s\" for %s operator", type_name(r->type), op);
    }
    /* only an integer division by a constant 0 is refused; 1.0 \ 0 is inf */
    if ((k == TK_BSLASH || k == TK_PERCENT) && l->type == IR_T_INT && r->is_const && r->ival == 0)
        return yp_error(y, &r->at, "division by zero");
    ex res = {0};
    res.at = l->at;
    res.primary = true;
    if (l->is_const && r->is_const) {
        int64_t v = 0;
        if (!fold(y, opt, k, l->ival, r->ival, &v))
            return false;
        if (!ex_mk_int(y, &res, v))
            return false;
        res.at = l->at;
        *out = res;
        return true;
    }
    static const struct {
        tk_kind k;
        uint16_t op;
    } ops[] = {
        {TK_PLUS, IR_OP_ADD},   {TK_MINUS, IR_OP_SUB},   {TK_STAR, IR_OP_MUL},
        {TK_BSLASH, IR_OP_DIV}, {TK_PERCENT, IR_OP_MOD}, {TK_AMP, IR_OP_BAND},
        {TK_PIPE, IR_OP_BOR},   {TK_CARET, IR_OP_BXOR},  {TK_SHL, IR_OP_SHL},
        {TK_SHR, IR_OP_SHR},
    };
    uint16_t irop = IR_OP_ADD;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (ops[i].k == k)
            irop = ops[i].op;
    }
    uint8_t type =
        (arith && (l->type == IR_T_FLOAT || r->type == IR_T_FLOAT)) ? IR_T_FLOAT : IR_T_INT;
    if (!ex_mk(y, &res, irop, type, l->node, r->node, IR_NONE))
        return false;
    *out = res;
    return true;
}

/* Arithmetic by precedence climbing. Stops before "% of" (a percentage). */
bool ex_parse_arith(yp *y, int min_prec, ex *out)
{
    if (!parse_unary(y, out))
        return false;
    for (;;) {
        int prec = binop_prec(y->tok.kind);
        if (!prec || prec < min_prec || !out->primary)
            return true;
        if (y->tok.kind == TK_PERCENT && yp_peek(y).kind == KW_OF) {
            out->percent = true;
            return true;
        }
        token opt = y->tok;
        yp_advance(y);
        ex r = {0};
        if (!ex_parse_arith(y, prec + 1, &r))
            return false;
        if (!r.primary)
            return yp_error(y, &r.at, "syntax error");
        if (r.percent)
            return yp_error(y, &y->tok, "syntax error");
        if (!combine(y, &opt, out, &r, out))
            return false;
    }
}

/* ---- boolean level ---- */

static int relop(tk_kind k, const char **name)
{
    static const struct {
        tk_kind k;
        int op;
        const char *name;
    } t[] = {
        {TK_LT, IR_OP_LT, "<"},
        {TK_LE, IR_OP_LE, "<="},
        {TK_GT, IR_OP_GT, ">"},
        {TK_GE, IR_OP_GE, ">="},
        {TK_EQ, IR_OP_EQ, "=="},
        {TK_NE, IR_OP_NE, "!="},
        {KW_CONTAINS, IR_OP_CONTAINS, "contains"},
        {KW_ICONTAINS, IR_OP_ICONTAINS, "icontains"},
        {KW_STARTSWITH, IR_OP_STARTSWITH, "startswith"},
        {KW_ISTARTSWITH, IR_OP_ISTARTSWITH, "istartswith"},
        {KW_ENDSWITH, IR_OP_ENDSWITH, "endswith"},
        {KW_IENDSWITH, IR_OP_IENDSWITH, "iendswith"},
        {KW_IEQUALS, IR_OP_IEQUALS, "iequals"},
        {KW_MATCHES, IR_OP_MATCHES, "matches"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i].k == k) {
            *name = t[i].name;
            return t[i].op;
        }
    }
    return -1;
}

static bool parse_rel(yp *y, ex *out)
{
    memset(out, 0, sizeof(*out));
    out->at = y->tok;
    switch (y->tok.kind) {
    case KW_TRUE:
    case KW_FALSE: {
        tk_kind k = y->tok.kind;
        yp_advance(y);
        return ex_mk(y, out, k == KW_TRUE ? IR_OP_TRUE : IR_OP_FALSE, IR_T_BOOL, IR_NONE, IR_NONE,
                     IR_NONE);
    }
    case TK_STRID:
        return parse_string_found(y, out);
    case KW_FOR:
        return ex_parse_for(y, out);
    case KW_ALL:
    case KW_ANY:
    case KW_NONE: {
        uint32_t q;
        ex count = {0};
        if (!ex_parse_quantifier(y, &q, &count))
            return false;
        return ex_parse_of(y, q, NULL, out);
    }
    default:
        break;
    }
    ex l = {0};
    if (!ex_parse_arith(y, 0, &l))
        return false;
    if (l.percent) {
        yp_advance(y); /* '%' */
        return ex_parse_of(y, IR_Q_PERCENT, &l, out);
    }
    if (y->tok.kind == KW_OF && l.primary)
        return ex_parse_of(y, IR_Q_EXPR, &l, out);
    const char *name;
    int op = relop(y->tok.kind, &name);
    if (op < 0 || !l.primary) {
        *out = l;
        return true;
    }
    token opt = y->tok;
    yp_advance(y);
    out->primary = false;
    if (op == IR_OP_MATCHES) {
        if (!ex_want_type(y, &l, IR_T_STRING, name))
            return false;
        if (y->tok.kind != TK_REGEX)
            return yp_expect(y, TK_REGEX);
        ex r = {0};
        if (!parse_regex_literal(y, &r))
            return false;
        return ex_mk(y, out, IR_OP_MATCHES, IR_T_BOOL, l.node, r.node, IR_NONE);
    }
    ex r = {0};
    if (!ex_parse_arith(y, 0, &r))
        return false;
    if (!r.primary || r.percent)
        return yp_error(y, &r.at, "syntax error");
    if (op >= IR_OP_CONTAINS) {
        if (!ex_want_type(y, &l, IR_T_STRING, name) || !ex_want_type(y, &r, IR_T_STRING, name))
            return false;
    } else {
        bool ln = l.type == IR_T_INT || l.type == IR_T_FLOAT;
        bool rn = r.type == IR_T_INT || r.type == IR_T_FLOAT;
        if (!((ln && rn) || (l.type == IR_T_STRING && r.type == IR_T_STRING)))
            return yp_error(y, &opt, "type mismatch");
    }
    return ex_mk(y, out, (uint16_t)op, IR_T_BOOL, l.node, r.node, IR_NONE);
}

static bool parse_not(yp *y, ex *out)
{
    token t = y->tok;
    if (t.kind != KW_NOT && t.kind != KW_DEFINED)
        return parse_rel(y, out);
    yp_advance(y);
    if (!ex_enter(y))
        return false;
    ex a = {0};
    bool ok = parse_not(y, &a) && ex_to_bool(y, &a);
    y->depth--;
    if (!ok)
        return false;
    memset(out, 0, sizeof(*out));
    out->at = t;
    return ex_mk(y, out, t.kind == KW_NOT ? IR_OP_NOT : IR_OP_DEFINED, IR_T_BOOL, a.node, IR_NONE,
                 IR_NONE);
}

static bool parse_and(yp *y, ex *out)
{
    if (!parse_not(y, out))
        return false;
    while (y->tok.kind == KW_AND) {
        yp_advance(y);
        ex r = {0};
        if (!parse_not(y, &r) || !ex_to_bool(y, out) || !ex_to_bool(y, &r))
            return false;
        token at = out->at;
        if (!ex_mk(y, out, IR_OP_AND, IR_T_BOOL, out->node, r.node, IR_NONE))
            return false;
        out->at = at;
        out->primary = false;
    }
    return true;
}

bool ex_parse_bool(yp *y, ex *out)
{
    if (!parse_and(y, out))
        return false;
    while (y->tok.kind == KW_OR) {
        yp_advance(y);
        ex r = {0};
        if (!parse_and(y, &r) || !ex_to_bool(y, out) || !ex_to_bool(y, &r))
            return false;
        token at = out->at;
        if (!ex_mk(y, out, IR_OP_OR, IR_T_BOOL, out->node, r.node, IR_NONE))
            return false;
        out->at = at;
        out->primary = false;
    }
    return true;
}

bool yp_condition(yp *y, uint32_t *root)
{
    ex e = {0};
    if (!ex_parse_bool(y, &e) || !ex_to_bool(y, &e))
        return false;
    *root = e.node;
    return true;
}
