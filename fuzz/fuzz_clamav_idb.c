/*
 * fuzz_clamav_idb.c - libFuzzer target for .idb lines (lib/clamav/icondb.h):
 * the input is a file of lines, checked one by one with the file's group
 * names kept as the loader keeps them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "clamav/icondb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    const char *s = (const char *)data;
    cv_idb_groups g;
    memset(&g, 0, sizeof(g));
    size_t pos = 0;
    while (pos <= size) {
        const char *nl = memchr(s + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - s) : size;
        cv_error e;
        cv_idb d;
        bool oom;
        if (cv_idb_split(s + pos, end - pos, &d, &e) == CV_OK && cv_idb_check_hash(&d, &e) == CV_OK)
            (void)cv_idb_groups_add(&g, &d, &oom, &e);
        pos = end + 1;
    }
    cv_idb_groups_free(&g);
    return 0;
}
