/*
 * fuzz_clamav_hashdb.c - libFuzzer target for the ClamAV hash tables blob
 * (lib/clamav/hashdb.h), which a compiled database maps from disk: whatever
 * cv_hashdb_open accepts is then read through every query - each entry's
 * accessors, lookups of its own digest and of digests taken from the input,
 * and the size queries - so any read past the blob is caught by ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/hashdb.h"

#define MAX_ENTRIES 4096 /* entries visited per input, to keep runs fast */

static bool count_hit(void *user, cv_hashdb_ref ref, bool primary)
{
    (void)ref;
    (void)primary;
    return ++*(size_t *)user < 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ((size_t)1 << 20))
        return 0;
    /* the blob lives 8-aligned in a database; malloc gives that */
    uint8_t *p = malloc(size ? size : 1);
    if (!p)
        return 0;
    memcpy(p, data, size);
    cv_hashdb_view v;
    cv_error err;
    if (cv_hashdb_open(p, size, &v, &err)) {
        size_t visited = 0, hits = 0;
        for (uint32_t t = 0; t < v.ntables && visited < MAX_ENTRIES; t++) {
            for (uint32_t i = 0; i < v.tables[t].count && visited < MAX_ENTRIES; i++, visited++) {
                cv_hashdb_ref ref = {t, i};
                cv_hashdb_entry e;
                if (!cv_hashdb_entry_get(&v, ref, &e))
                    continue;
                hits += strlen(e.name) + strlen(e.source);
                uint8_t d[32];
                memcpy(d, e.digest, e.algo);
                size_t n = 0;
                (void)cv_hashdb_lookup(&v, e.kind, e.allow, e.algo, e.size, d, count_hit, &n);
            }
        }
        static const cv_hash_algo algos[3] = {CV_MD5, CV_SHA1, CV_SHA256};
        uint8_t d[32] = {0};
        memcpy(d, data + size - (size < 32 ? size : 32), size < 32 ? size : 32);
        for (int kind = 0; kind < 3; kind++) {
            for (int allow = 0; allow < 2; allow++) {
                uint64_t sz = size > 8 ? data[size / 2] * 257u + data[size / 3] : 1;
                (void)cv_hashdb_wants(&v, (cv_hash_kind)kind, allow, sz);
                (void)cv_hashdb_algos(&v, (cv_hash_kind)kind, allow);
                (void)cv_hashdb_count(&v, (cv_hash_kind)kind, allow);
                for (int a = 0; a < 3; a++) {
                    size_t n = 0;
                    (void)cv_hashdb_lookup(&v, (cv_hash_kind)kind, allow, algos[a], sz, d,
                                           count_hit, &n);
                }
            }
        }
        (void)hits;
    }
    free(p);
    return 0;
}
