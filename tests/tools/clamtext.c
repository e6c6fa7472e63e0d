/*
 * clamtext.c - test tool for tests/diff/clam_text_diff.py: vigil's view of
 * one file through lib/clamav/text.h, in the form clamscan's debug output
 * and saved temporary file give it. A test tool only: it trusts its
 * arguments and reads the whole file into memory.
 *
 *   clamtext [--mem] [--maxpatlen N] FILE
 *
 * stdout: the libclamav type name and a newline; then "norm\n" and the
 * normalised bytes ("file" path, or with --mem the concatenated scan buffers
 * of the memory path, as clamscan --leave-temps saves them), or "nonorm\n"
 * when clamscan would not normalise (binary, or longer than
 * CV_TEXT_MAX_NORMALISE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/text.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16;
    size_t n = 0;
    unsigned char *p = malloc(cap);
    while (p) {
        n += fread(p + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *q = realloc(p, cap * 2);
        if (!q) {
            free(p);
            p = NULL;
            break;
        }
        p = q;
        cap *= 2;
    }
    if (p && ferror(f)) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = n;
    return p;
}

int main(int argc, char **argv)
{
    int mem = 0;
    unsigned long maxpatlen = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mem") == 0)
            mem = 1;
        else if (strcmp(argv[i], "--maxpatlen") == 0 && i + 1 < argc)
            maxpatlen = strtoul(argv[++i], NULL, 10);
        else
            path = argv[i];
    }
    if (!path || maxpatlen > 65535) {
        fprintf(stderr, "usage: clamtext [--mem] [--maxpatlen N<=65535] FILE\n");
        return 2;
    }
    size_t len = 0;
    unsigned char *in = slurp(path, &len);
    if (!in) {
        fprintf(stderr, "clamtext: cannot read %s\n", path);
        return 1;
    }
    uint32_t type = cv_text_type(in, len);
    printf("%s\n", cv_text_type_name(type));
    if (type == CV_TEXT_BINARY || len > CV_TEXT_MAX_NORMALISE) {
        printf("nonorm\n");
        free(in);
        return 0;
    }
    printf("norm\n");
    int rc = 0;
    if (mem) {
        unsigned char *buf = malloc(CV_TEXT_MEMBUF_LEN(maxpatlen));
        cv_textnorm_iter it;
        if (!buf || !cv_textnorm_iter_init(&it, in, len, (uint32_t)maxpatlen, buf,
                                           CV_TEXT_MEMBUF_LEN(maxpatlen))) {
            rc = 1;
        } else {
            const uint8_t *chunk;
            size_t n;
            uint64_t off;
            while (cv_textnorm_iter_next(&it, &chunk, &n, &off))
                fwrite(chunk, 1, n, stdout);
        }
        free(buf);
    } else {
        unsigned char *out = malloc(len ? len : 1);
        if (!out)
            rc = 1;
        else
            fwrite(out, 1, cv_text_normalise(in, len, (uint32_t)maxpatlen, out, len), stdout);
        free(out);
    }
    free(in);
    return rc;
}
