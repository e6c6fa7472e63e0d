/*
 * object.c - module value trees (see object.h): an arena of nodes, built by
 * modules through member/element/entry accessors or yara-style paths, read
 * by the evaluator, walked for yara -D.
 */
#include "object.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mo_obj {
    const mo_decl *decl; /* the member's declaration; for elements, their container's */
    uint8_t type;        /* mo_type of this node (an element's is decl->elem) */
    bool set;            /* leaves: a value was given */
    union {
        int64_t i;
        double f;
        struct {
            const uint8_t *p;
            size_t len;
        } s;
        struct {
            mo_obj **kids; /* one per member of the decl table, NULL until used */
            uint32_t n;
        } st;
        struct {
            mo_obj **items;
            uint64_t n, cap;
        } arr;
        struct {
            mo_obj **vals;
            const uint8_t **keys;
            size_t *key_lens;
            uint64_t n, cap;
        } dict;
    } u;
};

/* ---- arena ---- */

typedef struct block {
    struct block *next;
    size_t size, used;
    max_align_t data[]; /* aligned start */
} block;

/* Member lookups by name (modules set thousands of values through paths
 * such as "import_details[%d].functions[%d].name", and the pe module's top
 * level has hundreds of members): a direct-mapped cache of (table, name) ->
 * index, checked with one strcmp. */
#define NAME_CACHE 512
typedef struct name_slot {
    const mo_decl *table;
    uint64_t hash;
    uint32_t index;
} name_slot;

struct mo_ctx {
    block *blocks; /* newest first; the last one is kept by reset */
    size_t total;  /* bytes handed out since the last reset */
    bool failed;
    void *cache;
    void *instance;              /* mo_instance_slot: kept across objects */
    name_slot names[NAME_CACHE]; /* valid across objects: tables are static */
};

#define BLOCK_SIZE ((size_t)64 << 10)

void *mo_alloc(mo_ctx *c, size_t n)
{
    if (!c || c->failed)
        return NULL;
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n > MO_MAX_ARENA || c->total > MO_MAX_ARENA - n) {
        c->failed = true;
        return NULL;
    }
    block *b = c->blocks;
    if (!b || b->size - b->used < n) {
        size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;
        b = malloc(sizeof(*b) + size);
        if (!b) {
            c->failed = true;
            return NULL;
        }
        b->next = c->blocks;
        b->size = size;
        b->used = 0;
        c->blocks = b;
    }
    void *p = (uint8_t *)b->data + b->used;
    b->used += n;
    c->total += n;
    return p;
}

static void *zalloc(mo_ctx *c, size_t n)
{
    void *p = mo_alloc(c, n);
    if (p)
        memset(p, 0, n);
    return p;
}

bool mo_ctx_failed(const mo_ctx *c)
{
    return c && c->failed;
}

mo_ctx *mo_ctx_new(void)
{
    return calloc(1, sizeof(mo_ctx));
}

void mo_ctx_free(mo_ctx *c)
{
    if (!c)
        return;
    for (block *b = c->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(c);
}

void mo_ctx_reset(mo_ctx *c)
{
    if (!c)
        return;
    block *b = c->blocks;
    while (b && b->next) {
        block *next = b->next;
        free(b);
        b = next;
    }
    /* the oldest block is a plain BLOCK_SIZE one unless the first allocation
     * was bigger; keep it either way */
    c->blocks = b;
    if (b)
        b->used = 0;
    c->total = 0;
    c->failed = false;
    c->cache = NULL;
}

void **mo_cache_slot(mo_ctx *c)
{
    return &c->cache;
}

void **mo_instance_slot(mo_ctx *c)
{
    return &c->instance;
}

/* ---- building ---- */

static size_t member_count(const mo_decl *m)
{
    size_t n = 0;
    while (m && m[n].name)
        n++;
    return n;
}

static mo_obj *new_node(mo_ctx *c, const mo_decl *decl, uint8_t type)
{
    mo_obj *o = zalloc(c, sizeof(*o));
    if (!o)
        return NULL;
    o->decl = decl;
    o->type = type;
    if (type == MO_STRUCT) {
        size_t n = member_count(decl->members);
        o->u.st.kids = zalloc(c, (n ? n : 1) * sizeof(mo_obj *));
        if (!o->u.st.kids)
            return NULL;
        o->u.st.n = (uint32_t)n;
    }
    return o;
}

mo_obj *mo_ctx_root(mo_ctx *c, const mo_module *m)
{
    /* the root's decl is a one-off structure entry naming the module */
    mo_decl *d = zalloc(c, sizeof(*d));
    if (!d)
        return NULL;
    d->name = m->name;
    d->type = MO_STRUCT;
    d->members = m->members;
    return new_node(c, d, MO_STRUCT);
}

/* Index of the data member `name` (not a function) of table m with n
 * members, or -1. */
static int64_t member_index(mo_ctx *c, const mo_decl *m, uint32_t n, const char *name)
{
    uint64_t h = 1469598103934665603u;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211u;
    name_slot *slot = &c->names[(h ^ (uintptr_t)m ^ ((uintptr_t)m >> 12)) % NAME_CACHE];
    if (slot->table == m && slot->hash == h && slot->index < n &&
        strcmp(m[slot->index].name, name) == 0)
        return slot->index;
    for (uint32_t k = 0; k < n; k++) {
        if (m[k].type == MO_FUNC || strcmp(m[k].name, name) != 0)
            continue;
        *slot = (name_slot){m, h, k};
        return k;
    }
    return -1;
}

mo_obj *mo_member(mo_ctx *c, mo_obj *o, const char *name)
{
    if (!c || !o || o->type != MO_STRUCT || !name)
        return NULL;
    const mo_decl *m = o->decl->members;
    int64_t k = member_index(c, m, o->u.st.n, name);
    if (k < 0 || m[k].is_const)
        return NULL; /* no such member; constants are values of the declaration */
    if (!o->u.st.kids[k])
        o->u.st.kids[k] = new_node(c, &m[k], m[k].type);
    return o->u.st.kids[k];
}

/* Grows a pointer table held in the arena to at least `need` slots. */
static bool grow(mo_ctx *c, void **items, uint64_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint64_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    void *p = zalloc(c, (size_t)ncap * elem);
    if (!p)
        return false;
    if (*items)
        memcpy(p, *items, (size_t)*cap * elem);
    *items = p;
    *cap = ncap;
    return true;
}

mo_obj *mo_element(mo_ctx *c, mo_obj *o, uint64_t i)
{
    if (!o || o->type != MO_ARRAY || i >= MO_MAX_ELEMS)
        return NULL;
    if (!grow(c, (void **)&o->u.arr.items, &o->u.arr.cap, i + 1, sizeof(mo_obj *)))
        return NULL;
    if (!o->u.arr.items[i])
        o->u.arr.items[i] = new_node(c, o->decl, o->decl->elem);
    if (o->u.arr.items[i] && i >= o->u.arr.n)
        o->u.arr.n = i + 1;
    return o->u.arr.items[i];
}

static int64_t find_key(const mo_obj *o, const void *key, size_t len)
{
    for (uint64_t k = 0; k < o->u.dict.n; k++)
        if (o->u.dict.key_lens[k] == len && memcmp(o->u.dict.keys[k], key, len) == 0)
            return (int64_t)k;
    return -1;
}

mo_obj *mo_entry(mo_ctx *c, mo_obj *o, const void *key, size_t key_len)
{
    if (!o || o->type != MO_DICT || (!key && key_len))
        return NULL;
    int64_t k = find_key(o, key, key_len);
    if (k >= 0)
        return o->u.dict.vals[k];
    uint64_t n = o->u.dict.n;
    if (n >= MO_MAX_ELEMS)
        return NULL;
    uint64_t cap = o->u.dict.cap, cap2 = cap, cap3 = cap;
    if (!grow(c, (void **)&o->u.dict.vals, &cap, n + 1, sizeof(mo_obj *)) ||
        !grow(c, (void **)&o->u.dict.keys, &cap2, n + 1, sizeof(uint8_t *)) ||
        !grow(c, (void **)&o->u.dict.key_lens, &cap3, n + 1, sizeof(size_t)))
        return NULL;
    o->u.dict.cap = cap;
    uint8_t *kc = mo_alloc(c, key_len ? key_len : 1);
    mo_obj *v = new_node(c, o->decl, o->decl->elem);
    if (!kc || !v)
        return NULL;
    if (key_len)
        memcpy(kc, key, key_len);
    o->u.dict.keys[n] = kc;
    o->u.dict.key_lens[n] = key_len;
    o->u.dict.vals[n] = v;
    o->u.dict.n = n + 1;
    return v;
}

void mo_set_int(mo_obj *o, int64_t v)
{
    if (o && o->type == MO_INT) {
        o->u.i = v;
        o->set = true;
    }
}

void mo_set_float(mo_obj *o, double v)
{
    if (o && o->type == MO_FLOAT) {
        o->u.f = v;
        o->set = true;
    }
}

void mo_set_string(mo_ctx *c, mo_obj *o, const void *s, size_t len)
{
    if (!o || o->type != MO_STRING || (!s && len))
        return;
    uint8_t *p = mo_alloc(c, len + 1);
    if (!p)
        return;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    o->u.s.p = p;
    o->u.s.len = len;
    o->set = true;
}

/* Walks a formatted path ("a.b[3].c", "d[key]") from root, creating nodes. */
static mo_obj *walk_path(mo_ctx *c, mo_obj *root, const char *fmt, va_list ap)
{
    char small[512];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof(small), fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *path = small;
    if ((size_t)n >= sizeof(small)) {
        path = mo_alloc(c, (size_t)n + 1);
        if (!path)
            return NULL;
        vsnprintf(path, (size_t)n + 1, fmt, ap);
    }
    mo_obj *o = root;
    const char *p = path;
    while (o && *p) {
        const char *e = p;
        while (*e && *e != '.' && *e != '[')
            e++;
        if (e > p) {
            char name[128];
            size_t len = (size_t)(e - p);
            if (len >= sizeof(name))
                return NULL;
            memcpy(name, p, len);
            name[len] = '\0';
            o = mo_member(c, o, name);
        }
        p = e;
        while (o && *p == '[') {
            const char *close = strchr(p + 1, ']');
            if (!close)
                return NULL;
            if (o->type == MO_ARRAY) {
                char *end;
                unsigned long long i = strtoull(p + 1, &end, 10);
                o = end == close ? mo_element(c, o, i) : NULL;
            } else {
                /* yara's paths take a key bare or quoted: [%s], ["bar"] */
                const char *k = p + 1;
                size_t klen = (size_t)(close - k);
                if (klen >= 2 && k[0] == '"' && k[klen - 1] == '"') {
                    k++;
                    klen -= 2;
                }
                o = mo_entry(c, o, k, klen);
            }
            p = close + 1;
        }
        if (*p == '.')
            p++;
        else if (*p && *p != '[')
            return NULL;
    }
    return o;
}

#define SET_VIA_PATH(call)                      \
    do {                                        \
        va_list ap;                             \
        va_start(ap, fmt);                      \
        mo_obj *o = walk_path(c, root, fmt, ap); \
        va_end(ap);                             \
        assert(o || mo_ctx_failed(c));          \
        call;                                   \
    } while (0)

void mo_seti(mo_ctx *c, mo_obj *root, int64_t v, const char *fmt, ...)
{
    SET_VIA_PATH(mo_set_int(o, v));
}

void mo_setf(mo_ctx *c, mo_obj *root, double v, const char *fmt, ...)
{
    SET_VIA_PATH(mo_set_float(o, v));
}

void mo_sets(mo_ctx *c, mo_obj *root, const void *s, size_t len, const char *fmt, ...)
{
    SET_VIA_PATH(mo_set_string(c, o, s, len));
}

void mo_setz(mo_ctx *c, mo_obj *root, const char *s, const char *fmt, ...)
{
    SET_VIA_PATH(mo_set_string(c, o, s, s ? strlen(s) : 0));
}

/* ---- reading ---- */

const mo_decl *mo_obj_decl(const mo_obj *o)
{
    return o ? o->decl : NULL;
}

const mo_obj *mo_get_member(const mo_obj *o, uint32_t k)
{
    if (!o || o->type != MO_STRUCT || k >= o->u.st.n)
        return NULL;
    return o->u.st.kids[k];
}

const mo_obj *mo_get_element(const mo_obj *o, int64_t i)
{
    if (!o || o->type != MO_ARRAY || i < 0 || (uint64_t)i >= o->u.arr.n)
        return NULL;
    return o->u.arr.items[i];
}

const mo_obj *mo_get_entry(const mo_obj *o, const void *key, size_t key_len)
{
    if (!o || o->type != MO_DICT)
        return NULL;
    int64_t k = find_key(o, key, key_len);
    return k < 0 ? NULL : o->u.dict.vals[k];
}

uint64_t mo_count(const mo_obj *o)
{
    if (!o)
        return 0;
    if (o->type == MO_ARRAY)
        return o->u.arr.n;
    if (o->type == MO_DICT)
        return o->u.dict.n;
    return 0;
}

const mo_obj *mo_entry_at(const mo_obj *o, uint64_t k, const uint8_t **key, size_t *key_len)
{
    if (!o || o->type != MO_DICT || k >= o->u.dict.n)
        return NULL;
    if (key)
        *key = o->u.dict.keys[k];
    if (key_len)
        *key_len = o->u.dict.key_lens[k];
    return o->u.dict.vals[k];
}

static mo_val const_value(const mo_decl *d)
{
    switch (d->type) {
    case MO_INT:
        return mo_int(d->const_i);
    case MO_FLOAT:
        return mo_float(d->const_f);
    case MO_STRING:
        return mo_string((const uint8_t *)d->const_s, d->const_s ? strlen(d->const_s) : 0);
    default:
        return mo_undef();
    }
}

mo_val mo_value(const mo_obj *o)
{
    if (!o || !o->set)
        return mo_undef();
    switch (o->type) {
    case MO_INT:
        return mo_int(o->u.i);
    case MO_FLOAT:
        return mo_float(o->u.f);
    case MO_STRING:
        return mo_string(o->u.s.p, o->u.s.len);
    default:
        return mo_undef();
    }
}

const mo_decl *mo_member_decl(const mo_decl *members, uint32_t k)
{
    return k < member_count(members) ? &members[k] : NULL;
}

mo_val mo_member_value(const mo_obj *o, const mo_decl *members, uint32_t k)
{
    const mo_decl *d = mo_member_decl(members, k);
    if (!d)
        return mo_undef();
    if (d->is_const)
        return const_value(d);
    return mo_value(mo_get_member(o, k));
}

int mo_find_member(const mo_decl *members, const char *name, const char *args)
{
    for (int k = 0; members && members[k].name; k++) {
        if (strcmp(members[k].name, name) != 0)
            continue;
        if (!args || (members[k].type == MO_FUNC && strcmp(members[k].args, args) == 0))
            return k;
    }
    return -1;
}

/* ---- function arguments ---- */

int64_t mo_arg_int(const mo_call *c, unsigned i)
{
    return c->args[i].i;
}

double mo_arg_float(const mo_call *c, unsigned i)
{
    return c->args[i].f;
}

const uint8_t *mo_arg_string(const mo_call *c, unsigned i, size_t *len)
{
    *len = c->args[i].len;
    return c->args[i].s;
}

int64_t mo_arg_regex_match_length(const mo_call *c, unsigned i, const uint8_t *s, size_t len)
{
    if (!c->regex || !c->regex[i] || !c->regex_match)
        return -1;
    const uint8_t *nul = s ? memchr(s, 0, len) : NULL;
    if (nul)
        len = (size_t)(nul - s);
    return c->regex_match(c->regex[i], s, len, c->regex_user);
}

bool mo_arg_regex_match(const mo_call *c, unsigned i, const uint8_t *s, size_t len)
{
    return mo_arg_regex_match_length(c, i, s, len) >= 0;
}

/* ---- walking ---- */

typedef struct walker {
    mo_visit_fn fn;
    void *user;
} walker;

static void visit_node(const walker *w, const mo_obj *o, const mo_decl *d, uint8_t type,
                       mo_item it, bool in_element);

/* yara builds a declared structure by prepending members and an element by
 * copying its prototype (prepending again), hence the two orders; an element
 * of an array inside an element is copied once more, which reverses again:
 * each array or dictionary level flips the order. */
static void visit_members(const walker *w, const mo_obj *o, const mo_decl *members,
                          unsigned depth, bool in_element)
{
    int n = (int)member_count(members);
    for (int j = 0; j < n; j++) {
        int k = in_element ? j : n - 1 - j;
        const mo_decl *d = &members[k];
        if (d->type == MO_FUNC)
            continue;
        mo_item it = {.depth = depth, .name = d->name};
        visit_node(w, mo_get_member(o, (uint32_t)k), d, d->type, it, in_element);
    }
}

static void visit_node(const walker *w, const mo_obj *o, const mo_decl *d, uint8_t type,
                       mo_item it, bool in_element)
{
    it.type = type;
    switch (type) {
    case MO_INT:
    case MO_FLOAT:
    case MO_STRING:
        it.ev = MO_EV_LEAF;
        it.v = d->is_const && !it.is_element ? const_value(d) : mo_value(o);
        w->fn(&it, w->user);
        return;
    case MO_STRUCT:
        it.ev = MO_EV_ENTER;
        w->fn(&it, w->user);
        visit_members(w, o, d->members, it.depth + 1, in_element);
        break;
    case MO_ARRAY:
        it.ev = MO_EV_ENTER;
        w->fn(&it, w->user);
        for (uint64_t i = 0; i < mo_count(o); i++) {
            const mo_obj *e = mo_get_element(o, (int64_t)i);
            if (!e)
                continue;
            mo_item el = {.depth = it.depth + 1, .is_element = true, .index = (int64_t)i};
            visit_node(w, e, d, d->elem, el, !in_element);
        }
        break;
    case MO_DICT:
        it.ev = MO_EV_ENTER;
        w->fn(&it, w->user);
        for (uint64_t k = 0; k < mo_count(o); k++) {
            mo_item el = {.depth = it.depth + 1, .is_element = true};
            const mo_obj *e = mo_entry_at(o, k, &el.key, &el.key_len);
            visit_node(w, e, d, d->elem, el, !in_element);
        }
        break;
    default:
        return;
    }
    it.ev = MO_EV_LEAVE;
    w->fn(&it, w->user);
}

void mo_visit(const mo_module *m, const mo_obj *root, mo_visit_fn fn, void *user)
{
    walker w = {fn, user};
    mo_decl top = {.name = m->name, .type = MO_STRUCT, .members = m->members};
    mo_item it = {.depth = 0, .name = m->name};
    visit_node(&w, root, &top, MO_STRUCT, it, false);
}
