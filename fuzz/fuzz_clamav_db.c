/*
 * fuzz_clamav_db.c - libFuzzer target for .db lines (lib/clamav/olddb.h):
 * split at '=', then parsed as the .ndb line Name:0:*:HexSig.
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/olddb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    cv_arena a;
    cv_arena_init(&a);
    cv_error e;
    cv_str name, hex;
    cv_ndb s;
    if (cv_db_split((const char *)data, size, &name, &hex, &e) == CV_OK)
        (void)cv_parse_db(name, hex, &a, &s, &e);
    cv_arena_free(&a);
    return 0;
}
