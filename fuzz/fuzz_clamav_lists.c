/*
 * fuzz_clamav_lists.c - libFuzzer target for the list databases: .ign/.ign2,
 * .cdb and .ftm lines, and the detection-name helper.
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    const char *s = (const char *)data;
    cv_arena a;
    cv_arena_init(&a);
    cv_error e;
    cv_ign g;
    cv_cdb c;
    cv_ftm f;
    char name[128];
    (void)cv_parse_ign(s, size, &a, &g, &e);
    (void)cv_parse_cdb(s, size, &a, &c, &e);
    (void)cv_parse_ftm(s, size, &a, &f, &e);
    (void)cv_detection_name(s, size, size & 1, name, sizeof(name));
    cv_arena_free(&a);
    return 0;
}
