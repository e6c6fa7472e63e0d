/*
 * clammail.c - runs vigil's copy of libclamav's mail parser
 * (lib/clamav/mail*.c) on one file and writes the parts it extracts the way
 * libclamav fills its mail-tmp folder, for byte-for-byte comparison with
 * `clamscan --leave-temps` (tests/diff/clam_mail_diff.py). A test tool only.
 *
 *   clammail FILE OUTDIR
 * writes OUTDIR/NNNN (one file per part, in libclamav's creation order;
 * libclamav names them clamav-<random>.tmp) and prints one line per part:
 * "NNNN KIND LEN NAME". OUTDIR must exist. Exit 0, or 2 on an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/mail.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *d = malloc(cap);
    while (d) {
        n += fread(d + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *g = realloc(d, cap * 2);
        if (!g) {
            free(d);
            d = NULL;
            break;
        }
        d = g;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return d;
}

int main(int argc, char **argv)
{
    static const char *const kinds[] = {"attachment", "textportion", "textpart", "rfc822",
                                        "bounce"};
    if (argc != 3) {
        fprintf(stderr, "usage: clammail FILE OUTDIR\n");
        return 2;
    }
    size_t len = 0;
    unsigned char *in = slurp(argv[1], &len);
    if (!in) {
        fprintf(stderr, "clammail: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    cv_mail_out out;
    cv_mail_status st = cv_mail_parts(in, len, NULL, &out);
    free(in);
    if (st != CV_MAIL_OK) {
        fprintf(stderr, "clammail: parse failed (%d)\n", (int)st);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < out.n_parts; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%04zu", argv[2], i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(out.parts[i].data, 1, out.parts[i].len, f) != out.parts[i].len) {
            fprintf(stderr, "clammail: %s: write failed\n", path);
            rc = 2;
        }
        if (f)
            fclose(f);
        printf("%04zu %s %zu %s\n", i, kinds[out.parts[i].kind], out.parts[i].len,
               out.parts[i].name);
    }
    cv_mail_out_free(&out);
    return rc;
}
