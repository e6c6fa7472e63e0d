/*
 * fuzz_clamav_crb.c - libFuzzer target for .crb lines (lib/clamav/crbdb.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/crbdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    cv_error e;
    (void)cv_crb_line((const char *)data, size, &e);
    return 0;
}
