/*
 * magic.c - yara 4.2.3's magic module: magic.type() and magic.mime_type(),
 * libmagic's description and MIME type of the scanned object, computed on
 * first use and cached for the object as yara does.
 *
 * yara keeps one libmagic handle per scanning thread; vigil keeps one per
 * scanner (its module instance slot, no global state), opened by the first
 * call that needs it and closed by fini. Scanners whose rules never call
 * these functions never open it.
 */
#include <magic.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"

typedef struct magic_state {
    magic_t cookie; /* NULL until a function needs it */
    bool failed;    /* opening or loading the database failed: stay undefined */
} magic_state;

/* The answers for the current object, in the arena (the cache slot). */
typedef struct magic_cache {
    bool type_done, mime_done;
    const uint8_t *type, *mime; /* NULL: libmagic had no answer */
    size_t type_len, mime_len;
} magic_cache;

static magic_t cookie(mo_call *call)
{
    void **slot = mo_instance_slot(call->ctx);
    if (!*slot)
        *slot = calloc(1, sizeof(magic_state));
    magic_state *st = *slot;
    if (!st || st->failed)
        return NULL;
    if (!st->cookie) {
        st->cookie = magic_open(0);
        if (st->cookie && magic_load(st->cookie, NULL) != 0) {
            magic_close(st->cookie);
            st->cookie = NULL;
        }
        st->failed = st->cookie == NULL;
    }
    return st->cookie;
}

static magic_cache *cache(mo_call *call)
{
    void **slot = mo_cache_slot(call->ctx);
    if (!*slot) {
        magic_cache *mc = mo_alloc(call->ctx, sizeof(*mc));
        if (mc)
            memset(mc, 0, sizeof(*mc));
        *slot = mc;
    }
    return *slot;
}

/* libmagic's answer with `flags` (0: description, MAGIC_MIME_TYPE), copied
 * into the arena; NULL when there is none. */
static const uint8_t *ask(mo_call *call, int flags, size_t *len)
{
    /* yara has no data to give libmagic for an empty object: undefined */
    if (call->len == 0 || !call->data)
        return NULL;
    magic_t m = cookie(call);
    if (!m || magic_setflags(m, flags) != 0)
        return NULL;
    const char *r = magic_buffer(m, call->data, call->len);
    if (!r)
        return NULL;
    *len = strlen(r);
    uint8_t *copy = mo_alloc(call->ctx, *len + 1);
    if (copy)
        memcpy(copy, r, *len + 1);
    return copy;
}

static mo_val type(mo_call *call)
{
    magic_cache *mc = cache(call);
    if (!mc)
        return mo_undef();
    if (!mc->type_done) {
        mc->type = ask(call, MAGIC_NONE, &mc->type_len);
        mc->type_done = true;
    }
    return mc->type ? mo_string(mc->type, mc->type_len) : mo_undef();
}

static mo_val mime_type(mo_call *call)
{
    magic_cache *mc = cache(call);
    if (!mc)
        return mo_undef();
    if (!mc->mime_done) {
        mc->mime = ask(call, MAGIC_MIME_TYPE, &mc->mime_len);
        mc->mime_done = true;
    }
    return mc->mime ? mo_string(mc->mime, mc->mime_len) : mo_undef();
}

static void fini(void *instance)
{
    magic_state *st = instance;
    if (st && st->cookie)
        magic_close(st->cookie);
    free(st);
}

/* yara 4.2.3's declaration order */
static const mo_decl members[] = {
    MO_FUNCTION("mime_type", "", 's', mime_type),
    MO_FUNCTION("type", "", 's', type),
    MO_END,
};

const mo_module mo_module_magic = {
    .name = "magic",
    .members = members,
    .fini = fini,
};
