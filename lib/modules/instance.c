/*
 * instance.c - see instance.h.
 */
#include "instance.h"

#include <stdlib.h>

#include "registry.h"

typedef struct mo_inst {
    const mo_module *m;
    mo_ctx *ctx;
    mo_obj *root;
    void *priv;
    bool loaded;      /* load ran for the current object */
    vigil_status st;  /* its result */
} mo_inst;

struct mo_set {
    mo_inst *inst;
    size_t n;
    const uint8_t *data;
    size_t len;
};

vigil_status mo_set_new(const char *const *names, size_t n, mo_set **out, const char **missing)
{
    *out = NULL;
    mo_set *s = calloc(1, sizeof(*s));
    if (!s)
        return VIGIL_E_NOMEM;
    s->inst = calloc(n ? n : 1, sizeof(*s->inst));
    if (!s->inst) {
        free(s);
        return VIGIL_E_NOMEM;
    }
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        s->inst[i].m = mo_find_module(names[i]);
        if (!s->inst[i].m) {
            if (missing)
                *missing = names[i];
            mo_set_free(s);
            return VIGIL_E_VERSION;
        }
        s->inst[i].ctx = mo_ctx_new();
        if (!s->inst[i].ctx) {
            mo_set_free(s);
            return VIGIL_E_NOMEM;
        }
    }
    *out = s;
    return VIGIL_OK;
}

static void unload(mo_inst *in)
{
    if (in->loaded && in->m->unload)
        in->m->unload(in->priv);
    in->priv = NULL;
    in->root = NULL;
    in->loaded = false;
    mo_ctx_reset(in->ctx);
}

void mo_set_free(mo_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        if (s->inst[i].ctx) {
            unload(&s->inst[i]);
            if (s->inst[i].m->fini)
                s->inst[i].m->fini(*mo_instance_slot(s->inst[i].ctx));
        }
        mo_ctx_free(s->inst[i].ctx);
    }
    free(s->inst);
    free(s);
}

size_t mo_set_count(const mo_set *s)
{
    return s ? s->n : 0;
}

const mo_module *mo_set_module(const mo_set *s, uint32_t slot)
{
    return s && slot < s->n ? s->inst[slot].m : NULL;
}

void mo_set_end(mo_set *s)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->inst[i].loaded)
            unload(&s->inst[i]);
    if (s) {
        s->data = NULL;
        s->len = 0;
    }
}

void mo_set_begin(mo_set *s, const uint8_t *data, size_t len)
{
    mo_set_end(s);
    if (s) {
        s->data = data;
        s->len = len;
    }
}

const mo_obj *mo_set_root(mo_set *s, uint32_t slot, vigil_status *st)
{
    if (!s || slot >= s->n)
        return NULL;
    mo_inst *in = &s->inst[slot];
    if (!in->loaded) {
        in->loaded = true;
        in->st = VIGIL_OK;
        in->root = mo_ctx_root(in->ctx, in->m);
        if (!in->root)
            in->st = VIGIL_E_NOMEM;
        else if (in->m->load)
            in->st = in->m->load(in->ctx, in->root, s->data, s->len, &in->priv);
        if (in->st == VIGIL_OK && mo_ctx_failed(in->ctx))
            in->st = VIGIL_E_NOMEM;
    }
    if (st)
        *st = in->st;
    return in->st == VIGIL_OK ? in->root : NULL;
}

void mo_set_call_env(mo_set *s, uint32_t slot, mo_call *call)
{
    if (!s || slot >= s->n)
        return;
    call->priv = s->inst[slot].priv;
    call->ctx = s->inst[slot].ctx;
    call->data = s->data;
    call->len = s->len;
}
