/*
 * fuzz_clamav_objinfo.c - libFuzzer target for ClamAV's view of executables
 * (lib/clamav/objinfo.h): the input is classified and parsed as PE, ELF or
 * Mach-O, every section and hashed section is visited, the import string
 * is built and the version-information (VI) offsets are collected. Hostile
 * headers must give "no such offset", never an out-of-bounds read, a leak
 * or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "clamav/objinfo.h"

static void sink(void *arg, const uint8_t *p, size_t n)
{
    (void)p;
    *(size_t *)arg += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cv_objinfo oi;
    cv_objinfo_init(&oi, data, size);
    uint64_t a, b;
    uint32_t sz;
    (void)cv_objinfo_entry(&oi, &a);
    (void)cv_objinfo_eof_usable(&oi);
    uint32_t n = cv_objinfo_section_count(&oi);
    for (uint32_t i = 0; i < n && i < 4096; i++)
        (void)cv_objinfo_section(&oi, i, &a, &b);
    n = cv_objinfo_hashed_section_count(&oi);
    for (uint32_t i = 0; i < n && i < 4096; i++)
        (void)cv_objinfo_hashed_section(&oi, i, &a, &sz);
    size_t total = 0;
    (void)cv_objinfo_import_string(&oi, sink, &total, &sz);
    uint32_t *keys;
    size_t nkeys;
    if (cv_objinfo_version_keys(&oi, &keys, &nkeys)) {
        for (size_t i = 0; i < nkeys; i++)
            if (keys[i] >= size || !cv_version_key_in(keys, nkeys, keys[i]))
                abort(); /* a key lies inside the file and is found */
        free(keys);
    }
    return 0;
}
