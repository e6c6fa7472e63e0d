/*
 * fuzz_clamav_ldb.c - libFuzzer target for .ldb lines: TDB, logical
 * expression, and every subsignature kind (hex, macro, byte compare, PCRE).
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/sig.h"

static cv_ldb l;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 32768)
        return 0;
    cv_arena a;
    cv_arena_init(&a);
    cv_error e;
    cv_lexpr *x;
    uint32_t mx;
    (void)cv_parse_ldb((const char *)data, size, &a, &l, &e);
    (void)cv_parse_lexpr((const char *)data, size, &a, &x, &mx, &e);
    cv_arena_free(&a);
    return 0;
}
