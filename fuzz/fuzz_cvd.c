/*
 * fuzz_cvd.c - libFuzzer target for .cvd/.cld/.cud containers: header,
 * signature decoding, gzip/tar body with a small inflate cap, tar members
 * and .info parsing and checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/cvd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cv_cvd_header h;
    cv_error e;
    (void)cv_cvd_verify(data, size, false, NULL, &h, &e);
    uint8_t *tar = NULL;
    size_t tl = 0;
    if (!cv_cvd_body(data, size, 4u << 20, &tar, &tl, &e)) {
        /* the input itself as a tar archive and as a .info file */
        tar = malloc(size ? size : 1);
        if (!tar)
            return 0;
        if (size)
            memcpy(tar, data, size);
        tl = size;
    }
    cv_arena a;
    cv_arena_init(&a);
    cv_info info;
    bool have = cv_info_parse(tar, tl, NULL, &a, &info, &e);
    size_t off = 0;
    cv_tar_member m;
    int n = 0;
    while (n++ < 10000 && cv_tar_next(tar, tl, &off, &m, &e) == CV_OK) {
        if (have)
            (void)cv_info_check(&info, &m, &e);
    }
    cv_arena_free(&a);
    free(tar);
    return 0;
}
