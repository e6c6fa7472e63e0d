/*
 * modules.c - the public face of lib/modules: which modules exist, and the
 * data one of them makes of some bytes (vigil dump, yara -D).
 */
#include "../modules/registry.h"
#include "internal.h"

size_t vigil_module_count(void)
{
    return mo_module_count();
}

const char *vigil_module_name(size_t i)
{
    const mo_module *m = mo_module_at(i);
    return m ? m->name : NULL;
}

size_t vigil_db_module_count(const vigil_db *db)
{
    return db ? db->prog.modules.len : 0;
}

const char *vigil_db_module_name(const vigil_db *db, size_t i)
{
    if (!db || i >= db->prog.modules.len)
        return NULL;
    return ir_str(&db->prog, db->prog.modules.items[i]);
}

typedef struct visit_ctx {
    vigil_module_visit_fn fn;
    void *user;
} visit_ctx;

static vigil_value_kind kind_of(uint8_t type)
{
    switch (type) {
    case MO_INT:
        return VIGIL_VALUE_INT;
    case MO_FLOAT:
        return VIGIL_VALUE_FLOAT;
    case MO_STRING:
        return VIGIL_VALUE_STRING;
    default:
        return VIGIL_VALUE_UNDEFINED;
    }
}

static void on_item(const mo_item *it, void *user)
{
    const visit_ctx *v = user;
    vigil_module_node n = {
        .depth = it->depth,
        .name = it->name,
        .is_element = it->is_element,
        .index = it->index,
        .key = it->key,
        .key_len = it->key_len,
    };
    if (it->ev == MO_EV_LEAVE) {
        n.kind = VIGIL_NODE_END;
    } else if (it->ev == MO_EV_LEAF) {
        n.kind = VIGIL_NODE_VALUE;
        n.declared_kind = (uint8_t)kind_of(it->type);
        n.value_kind = it->v.kind == MO_UNDEF ? VIGIL_VALUE_UNDEFINED : kind_of(it->type);
        n.i = it->v.i;
        n.f = it->v.f;
        n.s = it->v.s;
        n.s_len = it->v.len;
    } else {
        n.kind = it->type == MO_ARRAY  ? VIGIL_NODE_ARRAY
                 : it->type == MO_DICT ? VIGIL_NODE_DICT
                                       : VIGIL_NODE_STRUCT;
    }
    v->fn(&n, v->user);
}

vigil_status api_module_visit(const mo_module *m, const mo_obj *root, vigil_module_visit_fn fn,
                              void *user)
{
    visit_ctx v = {fn, user};
    mo_visit(m, root, on_item, &v);
    return VIGIL_OK;
}

vigil_status vigil_module_dump(const char *name, const uint8_t *data, size_t len,
                               vigil_module_visit_fn fn, void *user)
{
    const mo_module *m = mo_find_module(name);
    if (!m || !fn || (!data && len))
        return VIGIL_E_ARG;
    mo_ctx *c = mo_ctx_new();
    if (!c)
        return VIGIL_E_NOMEM;
    mo_obj *root = mo_ctx_root(c, m);
    void *priv = NULL;
    vigil_status st = root ? VIGIL_OK : VIGIL_E_NOMEM;
    if (st == VIGIL_OK && m->load)
        st = m->load(c, root, data, len, &priv);
    if (st == VIGIL_OK)
        st = api_module_visit(m, root, fn, user);
    if (m->unload)
        m->unload(priv);
    if (m->fini)
        m->fini(*mo_instance_slot(c));
    mo_ctx_free(c);
    return st;
}
