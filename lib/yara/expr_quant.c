/*
 * expr_quant.c - the quantified parts of conditions: string sets (`them`,
 * `($a, $b*)`), rule sets (`(rule1, Rule*)`), `<quant> of <set>` with
 * yara 4.2's `in (range)` form, and the two `for` loops with their loop
 * variable slots. Sets become runs in lists[]; every string named by a set
 * counts as referenced by the condition.
 */
#include <string.h>

#include "expr.h"

typedef VEC(uint32_t) u32vec;

static bool add_prefix_strings(yp *y, const token *t, u32vec *set)
{
    /* "$a*" matches ids starting with "$a"; "$*" matches every string */
    const char *pre = y->f->src + t->off;
    size_t n = t->len - 1;
    bool any = false;
    for (size_t i = y->str_first; i < y->p->strings.len; i++) {
        const char *id = ir_str(y->p, y->p->strings.items[i].id);
        if (strncmp(id, pre, n) == 0) {
            if (!vec_push(set, (uint32_t)i))
                return ex_oom(y);
            y->strinfo.items[i - y->str_first].used = true;
            any = true;
        }
    }
    if (!any)
        return yp_error(y, t, "undefined string \"%.*s\"", (int)t->len, pre);
    return true;
}

static bool parse_string_set(yp *y, u32vec *set)
{
    token t = y->tok;
    if (yp_accept(y, KW_THEM)) {
        token star = t;
        bool any = false;
        for (size_t i = y->str_first; i < y->p->strings.len; i++) {
            if (!vec_push(set, (uint32_t)i))
                return ex_oom(y);
            y->strinfo.items[i - y->str_first].used = true;
            any = true;
        }
        if (!any)
            return yp_error(y, &star, "undefined string \"$*\"");
        return true;
    }
    if (!yp_expect(y, TK_LPAREN))
        return false;
    for (;;) {
        t = y->tok;
        if (t.kind == TK_STRID) {
            yp_advance(y);
            uint32_t idx;
            if (t.len == 1)
                return yp_error(y, &t, "undefined string \"$\"");
            if (!ex_resolve_string(y, &t, &idx))
                return false;
            if (!vec_push(set, idx))
                return ex_oom(y);
        } else if (t.kind == TK_STRID_WILD) {
            yp_advance(y);
            if (!add_prefix_strings(y, &t, set))
                return false;
        } else {
            return yp_expect(y, TK_STRID);
        }
        if (!yp_accept(y, TK_COMMA))
            break;
    }
    return yp_expect(y, TK_RPAREN);
}

static bool parse_rule_set(yp *y, u32vec *set)
{
    if (!yp_expect(y, TK_LPAREN))
        return false;
    for (;;) {
        token t = y->tok;
        if (!yp_expect(y, TK_IDENT))
            return false;
        const char *s = y->f->src + t.off;
        if (yp_accept(y, TK_STAR)) {
            bool any = false;
            for (size_t i = 0; i < y->p->rules.len; i++) {
                const ir_rule *r = &y->p->rules.items[i];
                if (r->ns == y->ns && strncmp(ir_str(y->p, r->name), s, t.len) == 0) {
                    if (!vec_push(set, (uint32_t)i))
                        return ex_oom(y);
                    any = true;
                }
            }
            if (!any)
                return yp_error(y, &t, "undefined identifier \"%.*s\"", (int)t.len, s);
            yc_wildcard w = {y->ns, ir_pool_add(y->p, s, t.len)};
            if (w.prefix == IR_NONE || !vec_push(&y->st->wildcards, w))
                return ex_oom(y);
        } else {
            uint32_t r = yc_find_rule(y->st, y->ns, s, t.len);
            if (r == UINT32_MAX)
                return yp_error(y, &t, "undefined identifier \"%.*s\"", (int)t.len, s);
            if (!vec_push(set, r))
                return ex_oom(y);
        }
        if (!yp_accept(y, TK_COMMA))
            break;
    }
    return yp_expect(y, TK_RPAREN);
}

/* `<quant> of <strings> in (lo..hi)` (yara 4.2): ir.h has no range operand
 * on OF_STRINGS, so it lowers exactly to <quant> of ($a in r, $b in r, ...)
 * over one shared range node; `in` is current. */
static bool of_in_range(yp *y, uint32_t quant, const ex *count, const u32vec *set, ex *out)
{
    yp_advance(y);
    ex r = {0};
    if (!ex_parse_range(y, &r))
        return false;
    u32vec items = {0};
    bool ok = true;
    for (size_t i = 0; i < set->len && ok; i++) {
        ex e = {0};
        ok = ex_mk(y, &e, IR_OP_STR_IN, IR_T_BOOL, set->items[i], r.node, IR_NONE) &&
             (vec_push(&items, e.node) || ex_oom(y));
    }
    uint32_t first = ok ? ir_add_list(y->p, items.items, items.len) : IR_NONE;
    uint32_t n = (uint32_t)items.len;
    vec_free(&items);
    if (!ok)
        return false;
    if (first == IR_NONE)
        return ex_oom(y);
    if (!ex_mk(y, out, IR_OP_OF_BOOLS, IR_T_BOOL, IR_NONE, IR_NONE, count ? count->node : IR_NONE))
        return false;
    ir_node *nd = &y->p->nodes.items[out->node];
    nd->aux = quant;
    nd->v.list.first = first;
    nd->v.list.count = n;
    out->primary = false;
    return true;
}

/* <quant> of <set>: quant/count already parsed; `of` is current. */
bool ex_parse_of(yp *y, uint32_t quant, const ex *count, ex *out)
{
    if (quant == IR_Q_PERCENT && count->is_const && (count->ival < 1 || count->ival > 100))
        return yp_error(y, &count->at, "percentage must be between 1 and 100 (inclusive)");
    if (!yp_expect(y, KW_OF))
        return false;
    u32vec set = {0};
    bool rules = y->tok.kind == TK_LPAREN && yp_peek(y).kind == TK_IDENT;
    bool ok = rules ? parse_rule_set(y, &set) : parse_string_set(y, &set);
    if (ok && !rules && quant != IR_Q_PERCENT && y->tok.kind == KW_IN) {
        ok = of_in_range(y, quant, count, &set, out);
        vec_free(&set);
        return ok;
    }
    if (ok) {
        uint32_t first = ir_add_list(y->p, set.items, set.len);
        if (first == IR_NONE) {
            ok = ex_oom(y);
        } else {
            ok = ex_mk(y, out, rules ? IR_OP_OF_RULES : IR_OP_OF_STRINGS, IR_T_BOOL, IR_NONE,
                       IR_NONE, count ? count->node : IR_NONE);
            if (ok) {
                ir_node *n = &y->p->nodes.items[out->node];
                n->aux = quant;
                n->v.list.first = first;
                n->v.list.count = (uint32_t)set.len;
            }
        }
    }
    vec_free(&set);
    out->primary = false;
    return ok;
}

/* all / any / none / <primary>; sets *quant and fills count for EXPR. */
bool ex_parse_quantifier(yp *y, uint32_t *quant, ex *count)
{
    count->node = IR_NONE;
    count->at = y->tok;
    if (yp_accept(y, KW_ALL))
        *quant = IR_Q_ALL;
    else if (yp_accept(y, KW_ANY))
        *quant = IR_Q_ANY;
    else if (yp_accept(y, KW_NONE))
        *quant = IR_Q_NONE;
    else {
        if (!ex_parse_arith(y, 0, count))
            return false;
        if (!count->primary)
            return yp_error(y, &count->at, "syntax error");
        *quant = count->percent ? IR_Q_PERCENT : IR_Q_EXPR;
        if (count->percent)
            yp_advance(y); /* the '%' */
    }
    return true;
}

/* `lo..hi)` or `e1, e2, ...)` after the `(` of a for loop's iterator. */
static bool parse_int_iterator(yp *y, uint32_t *out)
{
    ex first = {0};
    if (!ex_parse_arith(y, 0, &first))
        return false;
    if (yp_accept(y, TK_DOTDOT)) {
        ex hi = {0};
        if (!ex_parse_arith(y, 0, &hi))
            return false;
        if (!hi.primary || hi.type != IR_T_INT)
            return yp_error(y, &hi.at, "wrong type for range's upper bound");
        if (!first.primary || first.type != IR_T_INT)
            return yp_error(y, &first.at, "wrong type for range's lower bound");
        ex r = {0};
        if (!ex_mk(y, &r, IR_OP_RANGE, IR_T_INT, first.node, hi.node, IR_NONE))
            return false;
        *out = r.node;
    } else {
        u32vec items = {0};
        ex e = first;
        bool ok = true;
        for (;;) {
            if (!e.primary || e.type != IR_T_INT) {
                ok = yp_error(y, &e.at, "wrong type for enumeration item");
                break;
            }
            if (!vec_push(&items, e.node)) {
                ok = ex_oom(y);
                break;
            }
            if (!yp_accept(y, TK_COMMA))
                break;
            memset(&e, 0, sizeof(e));
            if (!ex_parse_arith(y, 0, &e)) {
                ok = false;
                break;
            }
        }
        uint32_t lf = ok ? ir_add_list(y->p, items.items, items.len) : IR_NONE;
        uint32_t ln = (uint32_t)items.len;
        vec_free(&items);
        if (!ok)
            return false;
        if (lf == IR_NONE)
            return ex_oom(y);
        ex en = {0};
        if (!ex_mk(y, &en, IR_OP_ENUM, IR_T_INT, IR_NONE, IR_NONE, IR_NONE))
            return false;
        y->p->nodes.items[en.node].v.list.first = lf;
        y->p->nodes.items[en.node].v.list.count = ln;
        *out = en.node;
    }
    return yp_expect(y, TK_RPAREN);
}

bool ex_parse_for(yp *y, ex *out)
{
    out->at = y->tok;
    out->primary = false;
    yp_advance(y); /* for */
    uint32_t quant;
    ex count = {0};
    if (!ex_parse_quantifier(y, &quant, &count))
        return false;
    if (quant == IR_Q_PERCENT)
        return yp_error(y, &count.at, "syntax error");
    uint32_t cnode = quant == IR_Q_EXPR ? count.node : IR_NONE;

    if (y->tok.kind == KW_OF) {
        yp_advance(y);
        if (y->in_for_of)
            return yp_error(y, &out->at,
                            "'for <quantifier> of <string set>' loops can't be nested");
        u32vec set = {0};
        if (!parse_string_set(y, &set)) {
            vec_free(&set);
            return false;
        }
        uint32_t first = ir_add_list(y->p, set.items, set.len);
        uint32_t n = (uint32_t)set.len;
        vec_free(&set);
        if (first == IR_NONE)
            return ex_oom(y);
        if (!yp_expect(y, TK_COLON) || !yp_expect(y, TK_LPAREN))
            return false;
        y->in_for_of = true;
        ex body = {0};
        bool ok = ex_parse_bool(y, &body) && ex_to_bool(y, &body);
        y->in_for_of = false;
        if (!ok || !yp_expect(y, TK_RPAREN))
            return false;
        if (!ex_mk(y, out, IR_OP_FOR_OF, IR_T_BOOL, body.node, IR_NONE, cnode))
            return false;
        ir_node *nd = &y->p->nodes.items[out->node];
        nd->aux = quant;
        nd->v.list.first = first;
        nd->v.list.count = n;
        return true;
    }

    /* for <quant> <vars> in <iterator> : ( body ) */
    token vars[YC_MAX_LOOP_DEPTH + 1];
    int nvars = 0;
    for (;;) {
        token v = y->tok;
        if (!yp_expect(y, TK_IDENT))
            return false;
        if (nvars < YC_MAX_LOOP_DEPTH + 1)
            vars[nvars] = v;
        nvars++;
        if (!yp_accept(y, TK_COMMA))
            break;
    }
    if (!yp_expect(y, KW_IN))
        return false;
    token it = y->tok;
    yp_loopvar lv[2];
    memset(lv, 0, sizeof(lv));
    uint32_t iter = IR_NONE;
    if (it.kind == TK_IDENT) {
        /* a module array (its elements) or dictionary (keys and values) */
        ex obj = {0};
        if (!ym_parse_iterable(y, &obj))
            return false;
        int want = obj.otype == MO_DICT ? 2 : 1;
        if (nvars != want)
            return yp_error(y, &it,
                            obj.otype == MO_DICT
                                ? "iterator for \"%.*s\" yields a key,value pair item on each "
                                  "iteration"
                                : "iterator for \"%.*s\" yields a single item on each "
                                  "iteration, but the loop expects %d",
                            (int)obj.oname_len, obj.oname, nvars);
        const mo_decl *c = obj.ocont;
        yp_loopvar *val = &lv[want - 1];
        lv[0].type = IR_T_STRING; /* a dictionary's key */
        val->type = c->elem == MO_INT     ? IR_T_INT
                    : c->elem == MO_FLOAT  ? IR_T_FLOAT
                    : c->elem == MO_STRING ? IR_T_STRING
                                           : IR_T_OBJECT;
        val->omembers = c->members;
        val->oslot = obj.oslot;
        iter = obj.node;
    } else {
        if (!yp_expect(y, TK_LPAREN) || !parse_int_iterator(y, &iter))
            return false;
        if (nvars != 1)
            return yp_error(y, &it,
                            "iterator yields an integer on each iteration , but the loop "
                            "expects %d",
                            nvars);
        lv[0].type = IR_T_INT;
    }
    for (int v = 0; v < nvars; v++) {
        const char *vname = y->f->src + vars[v].off;
        for (int i = 0; i < y->nloops + v; i++) {
            const yp_loopvar *o = i < y->nloops ? &y->loops[i] : &lv[i - y->nloops];
            const char *oname = i < y->nloops ? o->src + o->off : y->f->src + vars[i - y->nloops].off;
            size_t olen = i < y->nloops ? o->len : vars[i - y->nloops].len;
            if (olen == vars[v].len && memcmp(oname, vname, olen) == 0)
                return yp_error(y, &vars[v], "duplicated loop identifier \"%.*s\"",
                                (int)vars[v].len, vname);
        }
    }
    if (y->nloops + nvars > YC_MAX_LOOP_DEPTH)
        return yp_error(y, &out->at, "loop nesting limit exceeded");
    if (!yp_expect(y, TK_COLON) || !yp_expect(y, TK_LPAREN))
        return false;
    uint32_t slot = (uint32_t)y->nloops;
    for (int v = 0; v < nvars; v++) {
        lv[v].off = vars[v].off;
        lv[v].len = vars[v].len;
        lv[v].src = y->f->src;
        y->loops[y->nloops++] = lv[v];
    }
    if (y->p->max_loop_vars < slot + (uint32_t)nvars)
        y->p->max_loop_vars = slot + (uint32_t)nvars;
    ex body = {0};
    bool ok = ex_parse_bool(y, &body) && ex_to_bool(y, &body);
    y->nloops -= nvars;
    if (!ok || !yp_expect(y, TK_RPAREN))
        return false;
    if (!ex_mk(y, out, IR_OP_FOR_IN, IR_T_BOOL, iter, slot, cnode))
        return false;
    ir_node *nd = &y->p->nodes.items[out->node];
    nd->aux = quant;
    nd->v.body = body.node;
    nd->pad = (uint8_t)nvars;
    return true;
}
