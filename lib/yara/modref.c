/*
 * modref.c - YARA module references in conditions: `import`, and chains
 * such as pe.sections[0].name, pe.version_info["CompanyName"],
 * pe.exports("x"), checked against the module's declarations (lib/modules)
 * and lowered to IR_OP_MOD_* nodes. Constants (pe.MACHINE_I386) become
 * literals. Messages follow yara's.
 */
#include <stdio.h>
#include <string.h>

#include "../modules/registry.h"
#include "expr.h"

#define MAX_CALL_ARGS 16

bool ym_import(yp *y, const token *at, const char *name)
{
    if (!mo_find_module(name))
        return yp_error(y, at, "unknown module \"%s\"", name);
    ir_program *p = y->p;
    uint32_t slot = IR_NONE;
    for (uint32_t i = 0; i < p->modules.len && slot == IR_NONE; i++)
        if (strcmp(ir_str(p, p->modules.items[i]), name) == 0)
            slot = i;
    if (slot == IR_NONE) {
        uint32_t off = ir_pool_str(p, name);
        if (off == IR_NONE || !vec_push(&p->modules, off))
            return ex_oom(y);
        slot = (uint32_t)p->modules.len - 1;
    }
    for (size_t i = 0; i < y->st->imports.len; i++)
        if (y->st->imports.items[i].ns == y->ns && y->st->imports.items[i].slot == slot)
            return true;
    yc_import im = {y->ns, slot};
    return vec_push(&y->st->imports, im) || ex_oom(y);
}

/* The slot of the module named s, when imported into this namespace. */
static bool imported(yp *y, const char *s, size_t len, uint32_t *slot)
{
    for (size_t i = 0; i < y->st->imports.len; i++) {
        const yc_import *im = &y->st->imports.items[i];
        const char *name = ir_str(y->p, y->p->modules.items[im->slot]);
        if (im->ns == y->ns && strlen(name) == len && memcmp(name, s, len) == 0) {
            *slot = im->slot;
            return true;
        }
    }
    return false;
}

static uint8_t ir_type_of(uint8_t mo_type)
{
    switch (mo_type) {
    case MO_INT:
        return IR_T_INT;
    case MO_FLOAT:
        return IR_T_FLOAT;
    case MO_STRING:
        return IR_T_STRING;
    default:
        return IR_T_OBJECT;
    }
}

/* out becomes a value of declared type `type` made by node op(a, b, aux);
 * for structures, arrays and dictionaries `d` describes it. */
static bool typed_node(yp *y, ex *out, uint16_t op, uint8_t type, const mo_decl *d, uint32_t a,
                       uint32_t b, uint32_t aux, uint32_t slot)
{
    uint8_t t = ir_type_of(type);
    if (!ex_mk(y, out, op, t, a, b, IR_NONE))
        return false;
    y->p->nodes.items[out->node].aux = aux;
    out->primary = true;
    out->is_const = false;
    out->otype = t == IR_T_OBJECT ? type : 0;
    out->omembers = type == MO_STRUCT ? d->members : NULL;
    out->ocont = type == MO_ARRAY || type == MO_DICT ? d : NULL;
    out->oslot = slot;
    return true;
}

static bool constant(yp *y, ex *out, const mo_decl *d)
{
    if (d->type == MO_INT)
        return ex_mk_int(y, out, d->const_i);
    ir_node n;
    memset(&n, 0, sizeof(n));
    n.a = n.b = n.c = IR_NONE;
    if (d->type == MO_FLOAT) {
        n.op = IR_OP_FLOAT;
        n.type = IR_T_FLOAT;
        n.v.f = d->const_f;
    } else {
        const char *s = d->const_s ? d->const_s : "";
        n.op = IR_OP_STRING;
        n.type = IR_T_STRING;
        n.v.s.off = ir_pool_str(y->p, s);
        n.v.s.len = (uint32_t)strlen(s);
        if (n.v.s.off == IR_NONE)
            return ex_oom(y);
    }
    out->node = ex_add_node(y, &n);
    out->type = n.type;
    out->primary = true;
    return out->node != IR_NONE;
}

static char arg_code(uint8_t type)
{
    switch (type) {
    case IR_T_BOOL:
        return 'b'; /* math.to_number(true) */
    case IR_T_INT:
        return 'i';
    case IR_T_FLOAT:
        return 'f';
    case IR_T_STRING:
        return 's';
    case IR_T_REGEX:
        return 'r';
    default:
        return '?';
    }
}

/* `name(args)` on structure `self` (current token: the left parenthesis). */
static bool parse_call(yp *y, ex *self, const token *name, ex *out)
{
    yp_advance(y);
    uint32_t args[MAX_CALL_ARGS];
    char sig[MAX_CALL_ARGS + 1];
    size_t n = 0;
    if (y->tok.kind != TK_RPAREN) {
        for (;;) {
            ex a = {0};
            if (!ex_parse_bool(y, &a) || !ym_want_value(y, &a))
                return false;
            if (n == MAX_CALL_ARGS)
                return yp_error(y, &a.at, "too many arguments");
            args[n] = a.node;
            sig[n++] = arg_code(a.type);
            if (!yp_accept(y, TK_COMMA))
                break;
        }
    }
    sig[n] = '\0';
    if (!yp_expect(y, TK_RPAREN))
        return false;
    char fname[128];
    snprintf(fname, sizeof(fname), "%.*s", (int)name->len, y->f->src + name->off);
    int k = mo_find_member(self->omembers, fname, sig);
    if (k < 0)
        return yp_error(y, name, "wrong arguments for function \"%s\"", fname);
    const mo_decl *d = &self->omembers[k];
    uint32_t list = ir_add_list(y->p, args, n);
    if (list == IR_NONE)
        return ex_oom(y);
    uint8_t rt = d->ret == 'i' ? MO_INT : d->ret == 'f' ? MO_FLOAT : MO_STRING;
    uint32_t slot = self->oslot;
    if (!typed_node(y, out, IR_OP_MOD_CALL, rt, NULL, self->node, slot, (uint32_t)k, slot))
        return false;
    y->p->nodes.items[out->node].v.list.first = list;
    y->p->nodes.items[out->node].v.list.count = (uint32_t)n;
    y->p->nodes.items[out->node].pad = d->effects;
    out->oname = y->f->src + name->off;
    out->oname_len = name->len;
    return true;
}

/* `.name` or `.name(args)` on the structure in out. */
static bool parse_member(yp *y, ex *out)
{
    yp_advance(y); /* the dot */
    token name = y->tok;
    if (!yp_expect(y, TK_IDENT))
        return false;
    if (out->otype != MO_STRUCT)
        return yp_error(y, &name, "\"%.*s\" is not a structure", (int)out->oname_len, out->oname);
    char fname[128];
    snprintf(fname, sizeof(fname), "%.*s", (int)name.len, y->f->src + name.off);
    int k = mo_find_member(out->omembers, fname, NULL);
    if (k < 0 || name.len >= sizeof(fname))
        return yp_error(y, &name, "invalid field name \"%.*s\"", (int)name.len,
                        y->f->src + name.off);
    const mo_decl *d = &out->omembers[k];
    ex self = *out;
    ex r = {0};
    r.at = out->at;
    if (d->type == MO_FUNC) {
        if (y->tok.kind != TK_LPAREN)
            return yp_error(y, &name, "wrong usage of identifier \"%s\"", fname);
        if (!parse_call(y, &self, &name, &r))
            return false;
    } else if (d->is_const) {
        if (!constant(y, &r, d))
            return false;
    } else if (!typed_node(y, &r, IR_OP_MOD_MEMBER, d->type, d, self.node, IR_NONE, (uint32_t)k,
                           self.oslot)) {
        return false;
    }
    r.at = out->at;
    r.oname = y->f->src + name.off;
    r.oname_len = name.len;
    *out = r;
    return true;
}

/* `[index]` on the array or dictionary in out. */
static bool parse_index(yp *y, ex *out)
{
    token open = y->tok;
    yp_advance(y);
    if (out->otype != MO_ARRAY && out->otype != MO_DICT)
        return yp_error(y, &open, "\"%.*s\" is not an array or dictionary", (int)out->oname_len,
                        out->oname);
    ex k = {0};
    if (!ex_parse_arith(y, 0, &k) || !ym_want_value(y, &k))
        return false;
    if (out->otype == MO_ARRAY && k.type != IR_T_INT)
        return yp_error(y, &k.at, "array indexes must be of integer type");
    if (out->otype == MO_DICT && k.type != IR_T_STRING)
        return yp_error(y, &k.at, "dictionary keys must be of string type");
    if (!yp_expect(y, TK_RBRACK))
        return false;
    const mo_decl *c = out->ocont;
    ex r = {0};
    uint16_t op = out->otype == MO_ARRAY ? IR_OP_MOD_INDEX : IR_OP_MOD_KEY;
    if (!typed_node(y, &r, op, c->elem, c, out->node, k.node, 0, out->oslot))
        return false;
    r.at = out->at;
    r.oname = out->oname;
    r.oname_len = out->oname_len;
    *out = r;
    return true;
}

bool ym_parse_chain(yp *y, ex *out)
{
    while (y->tok.kind == TK_DOT || y->tok.kind == TK_LBRACK) {
        if (!ex_enter(y))
            return false;
        bool ok = y->tok.kind == TK_DOT ? parse_member(y, out) : parse_index(y, out);
        y->depth--;
        if (!ok)
            return false;
    }
    return true;
}

bool ym_parse_module_ref(yp *y, const token *t, ex *out, bool *found)
{
    uint32_t slot;
    *found = imported(y, y->f->src + t->off, t->len, &slot);
    if (!*found)
        return false;
    const mo_module *m = mo_find_module(ir_str(y->p, y->p->modules.items[slot]));
    if (!m) /* ym_import only records modules that exist */
        return yp_error(y, t, "internal error: module table out of step");
    if (!ex_mk(y, out, IR_OP_MOD_ROOT, IR_T_OBJECT, slot, IR_NONE, IR_NONE))
        return false;
    out->at = *t;
    out->primary = true;
    out->otype = MO_STRUCT;
    out->omembers = m->members;
    out->oslot = slot;
    out->oname = y->f->src + t->off;
    out->oname_len = t->len;
    return ym_parse_chain(y, out);
}

bool ym_want_value(yp *y, const ex *e)
{
    if (e->type != IR_T_OBJECT)
        return true;
    return yp_error(y, &e->at, "wrong usage of identifier \"%.*s\"", (int)e->oname_len, e->oname);
}

bool ym_parse_iterable(yp *y, ex *out)
{
    token t = y->tok;
    if (!yp_expect(y, TK_IDENT))
        return false;
    bool found = false;
    if (!ym_parse_module_ref(y, &t, out, &found)) {
        if (!found)
            return yp_error(y, &t, "undefined identifier \"%.*s\"", (int)t.len,
                            y->f->src + t.off);
        return false;
    }
    if (out->type != IR_T_OBJECT || out->otype == MO_STRUCT)
        return yp_error(y, &t, "identifier \"%.*s\" is not iterable", (int)out->oname_len,
                        out->oname);
    return true;
}
