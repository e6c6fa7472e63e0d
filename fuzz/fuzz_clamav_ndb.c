/*
 * fuzz_clamav_ndb.c - libFuzzer target for .ndb lines (offsets and the
 * whole hex pattern syntax), and for the hex parser alone with the ldb
 * subsignature options taken from the first byte.
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    cv_arena a;
    cv_arena_init(&a);
    cv_ndb n;
    cv_hexsig h;
    cv_error e;
    const char *s = (const char *)data + 1;
    (void)cv_parse_ndb(s, size - 1, &a, &n, &e);
    (void)cv_parse_hex(s, size - 1, data[0] & 15, data[0] & 16, &a, &h, &e);
    cv_arena_free(&a);
    return 0;
}
