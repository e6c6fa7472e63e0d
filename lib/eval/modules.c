/*
 * modules.c - the evaluator's side of YARA modules: member, element and
 * entry reads of a module's value tree, function calls, and iteration for
 * `for any s in pe.sections : (...)`. An object the module never made reads
 * as undefined, like any out-of-range value; a forged database naming a
 * member that is not there gets undefined too (every index is checked here).
 */
#include <string.h>

#include "internal.h"

/* The most arguments a module function takes (yara's is 10). */
#define MAX_ARGS 16

static ev_value undef(void)
{
    return (ev_value){.kind = EV_UNDEF};
}

static ev_value object(const mo_obj *o, const mo_decl *decl, uint8_t type)
{
    return (ev_value){.kind = EV_OBJ, .i = type, .obj = o, .decl = decl};
}

static ev_value from_mo(mo_val v)
{
    switch (v.kind) {
    case MO_VINT:
        return (ev_value){.kind = EV_INT, .i = v.i};
    case MO_VFLOAT:
        return (ev_value){.kind = EV_FLOAT, .f = v.f};
    case MO_VSTRING:
        return (ev_value){.kind = EV_STR, .s = v.s, .len = v.len};
    default:
        return undef();
    }
}

/* A value of declared type `type` held by node o (decl describes o). */
static ev_value typed(const mo_obj *o, const mo_decl *decl, uint8_t type)
{
    switch (type) {
    case MO_INT:
    case MO_FLOAT:
    case MO_STRING:
        return from_mo(mo_value(o));
    case MO_STRUCT:
    case MO_ARRAY:
    case MO_DICT:
        return object(o, decl, type);
    default:
        return undef();
    }
}

static ev_value member(ev_state *st, const ir_node *n)
{
    ev_value a = ev_eval(st, n->a);
    if (a.kind != EV_OBJ || a.i != MO_STRUCT)
        return undef();
    const mo_decl *d = mo_member_decl(a.decl->members, n->aux);
    if (!d || d->type == MO_FUNC)
        return undef();
    if (d->is_const)
        return from_mo(mo_member_value(a.obj, a.decl->members, n->aux));
    return typed(mo_get_member(a.obj, n->aux), d, d->type);
}

static ev_value element(ev_state *st, const ir_node *n)
{
    ev_value a = ev_eval(st, n->a);
    ev_value k = ev_eval(st, n->b);
    if (a.kind != EV_OBJ)
        return undef();
    const mo_obj *e;
    if (a.i == MO_ARRAY && k.kind == EV_INT)
        e = mo_get_element(a.obj, k.i);
    else if (a.i == MO_DICT && k.kind == EV_STR)
        e = mo_get_entry(a.obj, k.s, k.len);
    else
        return undef();
    /* an element that was never set is undefined, structures included */
    return e ? typed(e, a.decl, a.decl->elem) : undef();
}

static int64_t regex_match(const void *regex, const uint8_t *s, size_t len, void *user)
{
    (void)user;
    return re_search_length(regex, s, len);
}

static ev_value call(ev_state *st, const ir_node *n)
{
    ev_value self = ev_eval(st, n->a);
    if (self.kind != EV_OBJ || self.i != MO_STRUCT)
        return undef();
    const mo_decl *d = mo_member_decl(self.decl->members, n->aux);
    const ir_list l = n->v.list;
    if (!d || d->type != MO_FUNC || !d->fn || strlen(d->args) != l.count || l.count > MAX_ARGS)
        return undef();
    mo_val args[MAX_ARGS];
    const void *regex[MAX_ARGS];
    memset(args, 0, sizeof(args));
    memset(regex, 0, sizeof(regex));
    for (uint32_t i = 0; i < l.count; i++) {
        uint32_t an = st->prog->lists.items[l.first + i];
        ev_value v = ev_eval(st, an);
        /* yara does not call a function with an undefined argument */
        switch (d->args[i]) {
        case 'i':
            if (v.kind != EV_INT)
                return undef();
            args[i] = mo_int(v.i);
            break;
        case 'b': /* booleans are integers 0/1 here */
            if (v.kind != EV_INT)
                return undef();
            args[i] = mo_int(v.i != 0);
            break;
        case 'f':
            if (v.kind != EV_FLOAT)
                return undef();
            args[i] = mo_float(v.f);
            break;
        case 's':
            if (v.kind != EV_STR)
                return undef();
            args[i] = mo_string(v.s, v.len);
            break;
        case 'r':
            if (v.kind != EV_REGEX || !st->regex[v.i])
                return undef();
            regex[i] = st->regex[v.i];
            break;
        default:
            return undef();
        }
    }
    /* the module's state: it is loaded, since self came from its tree */
    mo_call c = {.self = self.obj, .args = args, .regex = regex, .regex_match = regex_match,
                 .log = st->in->log, .log_user = st->in->log_user};
    mo_set_call_env(st->in->modules, n->b, &c);
    if (!c.ctx)
        return undef();
    mo_val r = d->fn(&c);
    /* a function's declared result type is what the compiler checked */
    if ((d->ret == 'i' && r.kind != MO_VINT) || (d->ret == 'f' && r.kind != MO_VFLOAT) ||
        (d->ret == 's' && r.kind != MO_VSTRING))
        return undef();
    return from_mo(r);
}

ev_value ev_module_op(ev_state *st, const ir_node *n)
{
    switch (n->op) {
    case IR_OP_MOD_ROOT: {
        const mo_obj *root = mo_set_root(st->in->modules, n->a, NULL);
        /* a module that failed to load (memory) has only undefined values */
        return root ? object(root, mo_obj_decl(root), MO_STRUCT) : undef();
    }
    case IR_OP_MOD_MEMBER:
        return member(st, n);
    case IR_OP_MOD_INDEX:
    case IR_OP_MOD_KEY:
        return element(st, n);
    case IR_OP_MOD_CALL:
        return call(st, n);
    default:
        return undef();
    }
}

void ev_module_each(ev_state *st, ev_value it, ev_each_fn fn, void *user)
{
    if (it.kind != EV_OBJ)
        return;
    uint64_t n = mo_count(it.obj);
    for (uint64_t k = 0; k < n; k++) {
        ev_value a, b = undef();
        if (it.i == MO_ARRAY) {
            /* yara iterates every index below the count: holes are undefined */
            const mo_obj *e = mo_get_element(it.obj, (int64_t)k);
            a = e ? typed(e, it.decl, it.decl->elem) : undef();
        } else if (it.i == MO_DICT) {
            const uint8_t *key;
            size_t key_len;
            const mo_obj *e = mo_entry_at(it.obj, k, &key, &key_len);
            a = (ev_value){.kind = EV_STR, .s = key, .len = key_len};
            b = e ? typed(e, it.decl, it.decl->elem) : undef();
        } else {
            return;
        }
        if (!fn(st, a, b, user))
            return;
    }
}
