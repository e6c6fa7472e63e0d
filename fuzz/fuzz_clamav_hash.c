/*
 * fuzz_clamav_hash.c - libFuzzer target for the hash signature lines
 * (.hdb/.hsb, .mdb/.msb, .imp): the first byte picks the kind, the rest is
 * one line.
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    cv_arena a;
    cv_arena_init(&a);
    cv_hashsig h;
    cv_error e;
    (void)cv_parse_hash((const char *)data + 1, size - 1, (cv_hash_kind)(data[0] % 3), &a, &h, &e);
    cv_arena_free(&a);
    return 0;
}
