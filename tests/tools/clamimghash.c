/*
 * clamimghash - prints ClamAV's image fuzzy hash of each file the way
 * `sigtool --fuzzy-img` does ("FILE: 16 hex digits"), or why there is none
 * ("FILE: none", "unsupported", "limit", "nomem"), for
 * tests/diff/clam_imghash_diff.py.
 */
#include <stdio.h>
#include <stdlib.h>

#include "clamav/imghash.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    static const char *const why[] = {"ok", "none", "unsupported", "limit", "nomem"};
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        unsigned char *data = slurp(argv[i], &len);
        uint8_t h[8];
        if (!data) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            rc = 2;
            continue;
        }
        cv_imghash_status st = cv_image_fuzzy_hash_ex(data, len, h);
        if (st == CV_IMGHASH_OK)
            printf("%s: %02x%02x%02x%02x%02x%02x%02x%02x\n", argv[i], h[0], h[1], h[2], h[3], h[4],
                   h[5], h[6], h[7]);
        else
            printf("%s: %s\n", argv[i], why[st]);
        free(data);
    }
    return rc;
}
