/*
 * map.c - the hash set behind rule and string lookups (see map.h). Linear
 * probing over a power-of-two table kept at most half full; lookups compare
 * the stored hash before calling back, so collisions cost little.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY UINT32_MAX

uint32_t yc_hash(const void *bytes, size_t len, uint32_t seed)
{
    /* FNV-1a: short keys, no adversary able to see our table */
    uint32_t h = 2166136261u ^ seed;
    const unsigned char *p = bytes;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

uint32_t yc_map_find(const yc_map *m, uint32_t hash, const void *key, yc_map_eq eq, void *ctx)
{
    if (!m->cap)
        return EMPTY;
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        if (m->vals[i] == EMPTY)
            return EMPTY;
        if (m->hashes[i] == hash && eq(m->vals[i], key, ctx))
            return m->vals[i];
    }
}

static bool grow(yc_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    if (ncap > ((size_t)1 << 28))
        return false;
    uint32_t *v = malloc(ncap * sizeof(*v));
    uint32_t *h = malloc(ncap * sizeof(*h));
    if (!v || !h) {
        free(v);
        free(h);
        return false;
    }
    memset(v, 0xff, ncap * sizeof(*v));
    for (size_t i = 0; i < m->cap; i++) {
        if (m->vals[i] == EMPTY)
            continue;
        size_t j = m->hashes[i] & (ncap - 1);
        while (v[j] != EMPTY)
            j = (j + 1) & (ncap - 1);
        v[j] = m->vals[i];
        h[j] = m->hashes[i];
    }
    free(m->vals);
    free(m->hashes);
    m->vals = v;
    m->hashes = h;
    m->cap = ncap;
    return true;
}

bool yc_map_add(yc_map *m, uint32_t hash, uint32_t val)
{
    if ((m->len + 1) * 2 > m->cap && !grow(m))
        return false;
    size_t mask = m->cap - 1;
    size_t i = hash & mask;
    while (m->vals[i] != EMPTY)
        i = (i + 1) & mask;
    m->vals[i] = val;
    m->hashes[i] = hash;
    m->len++;
    return true;
}

void yc_map_clear(yc_map *m)
{
    if (m->cap)
        memset(m->vals, 0xff, m->cap * sizeof(*m->vals));
    m->len = 0;
}

void yc_map_free(yc_map *m)
{
    free(m->vals);
    free(m->hashes);
    memset(m, 0, sizeof(*m));
}
