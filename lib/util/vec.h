/*
 * vec.h - a growable array of any element type, the one container the
 * compile-time code uses. Growth is capped (VEC_MAX_BYTES) so that hostile
 * input cannot make it allocate without bound; push fails instead.
 */
#ifndef VIGIL_UTIL_VEC_H
#define VIGIL_UTIL_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define VEC_MAX_BYTES ((size_t)1 << 31)

#define VEC(T)            \
    struct {              \
        T *items;         \
        size_t len, cap;  \
    }

/* Ensures room for `extra` more elements of size `elem`. */
static inline bool vec_reserve_(void **items, size_t *cap, size_t len, size_t extra, size_t elem)
{
    size_t need;
    if (__builtin_add_overflow(len, extra, &need))
        return false;
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (__builtin_mul_overflow(ncap, 2, &ncap))
            return false;
    }
    size_t bytes;
    if (__builtin_mul_overflow(ncap, elem, &bytes) || bytes > VEC_MAX_BYTES)
        return false;
    void *p = realloc(*items, bytes);
    if (!p)
        return false;
    *items = p;
    *cap = ncap;
    return true;
}

#define vec_reserve(v, extra) \
    vec_reserve_((void **)&(v)->items, &(v)->cap, (v)->len, (extra), sizeof(*(v)->items))

/* Appends x; evaluates to false when out of memory. */
#define vec_push(v, x) (vec_reserve((v), 1) ? ((v)->items[(v)->len++] = (x), true) : false)

#define vec_free(v)              \
    do {                         \
        free((v)->items);        \
        (v)->items = NULL;       \
        (v)->len = (v)->cap = 0; \
    } while (0)

#endif
