/*
 * cursor.h - bounds-checked little/big-endian reads from untrusted bytes.
 * Every read names its absolute offset and fails (returns false) instead of
 * reading past the end; callers never index raw buffers directly.
 */
#ifndef VIGIL_UTIL_CURSOR_H
#define VIGIL_UTIL_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bytes {
    const uint8_t *p;
    size_t len;
} bytes;

static inline bool in_bounds(bytes b, uint64_t off, uint64_t n)
{
    return off <= b.len && n <= b.len - off;
}

static inline bool rd_u8(bytes b, uint64_t off, uint8_t *v)
{
    if (!in_bounds(b, off, 1))
        return false;
    *v = b.p[off];
    return true;
}

static inline bool rd_u16le(bytes b, uint64_t off, uint16_t *v)
{
    if (!in_bounds(b, off, 2))
        return false;
    *v = (uint16_t)(b.p[off] | b.p[off + 1] << 8);
    return true;
}

static inline bool rd_u32le(bytes b, uint64_t off, uint32_t *v)
{
    if (!in_bounds(b, off, 4))
        return false;
    *v = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8 | (uint32_t)b.p[off + 2] << 16 |
         (uint32_t)b.p[off + 3] << 24;
    return true;
}

static inline bool rd_u64le(bytes b, uint64_t off, uint64_t *v)
{
    uint32_t lo, hi;
    if (!rd_u32le(b, off, &lo) || !rd_u32le(b, off + 4, &hi))
        return false;
    *v = (uint64_t)hi << 32 | lo;
    return true;
}

/* The value at off, or 0 past the end: for formats whose readers treat a
 * field cut off by the end of the data as zero. */
static inline uint16_t le16_or0(bytes b, uint64_t off)
{
    uint16_t v = 0;
    rd_u16le(b, off, &v);
    return v;
}

static inline uint32_t le32_or0(bytes b, uint64_t off)
{
    uint32_t v = 0;
    rd_u32le(b, off, &v);
    return v;
}

#endif
