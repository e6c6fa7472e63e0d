/*
 * arena.c - the bump allocator behind every parsed ClamAV signature: a
 * database's parse results are freed at once, and a hostile database cannot
 * make the parser allocate without bound (a hard cap, like curl's dynbuf).
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/sig.h"

struct cv_chunk {
    struct cv_chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

#define CV_CHUNK 65536
#define CV_DEFAULT_CAP ((size_t)256 << 20)

void cv_arena_init(cv_arena *a)
{
    memset(a, 0, sizeof(*a));
}

void cv_arena_free(cv_arena *a)
{
    struct cv_chunk *c = a->head;
    while (c) {
        struct cv_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *cv_alloc(cv_arena *a, size_t n)
{
    size_t need;
    if (__builtin_add_overflow(n, 15, &need))
        return NULL;
    need &= ~(size_t)15;
    if (need == 0)
        need = 16;
    struct cv_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t sz = need > CV_CHUNK ? need : CV_CHUNK;
        size_t cap = a->cap ? a->cap : CV_DEFAULT_CAP;
        if (sz > cap || a->total > cap - sz)
            return NULL;
        c = malloc(sizeof(*c) + sz);
        if (!c)
            return NULL;
        c->used = 0;
        c->size = sz;
        c->next = a->head;
        a->head = c;
        a->total += sz;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, need);
    return p;
}

char *cv_strndup(cv_arena *a, const char *s, size_t n)
{
    size_t sz;
    if (__builtin_add_overflow(n, 1, &sz))
        return NULL;
    char *p = cv_alloc(a, sz);
    if (p && n)
        memcpy(p, s, n);
    return p;
}
