/*
 * map.h - open-addressing hash set of uint32 values (rule, string or
 * namespace indices). The map stores only values; callers hash the key and
 * say, through a callback, whether a stored value has that key, so keys can
 * live in the ir_program's pool without being copied or pinned.
 */
#ifndef VIGIL_YARA_MAP_H
#define VIGIL_YARA_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yc_map {
    uint32_t *vals; /* UINT32_MAX = empty slot */
    uint32_t *hashes;
    size_t cap, len; /* cap is 0 or a power of two */
} yc_map;

typedef bool (*yc_map_eq)(uint32_t val, const void *key, void *ctx);

uint32_t yc_hash(const void *bytes, size_t len, uint32_t seed);

/* Returns the stored value whose key equals `key`, or UINT32_MAX. */
uint32_t yc_map_find(const yc_map *m, uint32_t hash, const void *key, yc_map_eq eq, void *ctx);
/* Adds a value (the caller checked it is not present); false on OOM. */
bool yc_map_add(yc_map *m, uint32_t hash, uint32_t val);
void yc_map_clear(yc_map *m);
void yc_map_free(yc_map *m);

#endif
