/*
 * clamhtml.c - runs vigil's copy of libclamav's HTML normaliser
 * (lib/clamav/htmlnorm.c) on one file and writes its outputs the way
 * libclamav lays out its html-tmp folder, for byte-for-byte comparison with
 * `clamscan --leave-temps` (tests/diff/clam_html_diff.py). A test tool only.
 *
 *   clamhtml FILE OUTDIR
 * writes OUTDIR/nocomment.html, OUTDIR/notags.html, OUTDIR/javascript (when
 * libclamav would), OUTDIR/rfc2397/NNNN (one per data: URI, in document
 * order; libclamav names them at random), and for inspection
 * OUTDIR/scripts/NNNN and OUTDIR/styles/NNNN (each script block's raw text
 * as the JS normaliser receives it, each style block's CSS). OUTDIR must
 * exist. Exit 0, or 2 on an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clamav/htmlnorm.h"

static int write_file(const char *dir, const char *name, const cv_html_buf *b)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "clamhtml: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = b->len ? fwrite(b->data, 1, b->len, f) : 0;
    int rc = (n == b->len && fclose(f) == 0) ? 0 : -1;
    if (rc)
        fprintf(stderr, "clamhtml: %s: write failed\n", path);
    return rc;
}

static int make_dir(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (mkdir(path, 0700) && errno != EEXIST) {
        fprintf(stderr, "clamhtml: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

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
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(d);
        return NULL;
    }
    *len = n;
    return d;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: clamhtml FILE OUTDIR\n");
        return 2;
    }
    size_t len = 0;
    unsigned char *in = slurp(argv[1], &len);
    if (!in) {
        fprintf(stderr, "clamhtml: %s: cannot read\n", argv[1]);
        return 2;
    }
    cv_html_out out;
    cv_html_status st = cv_html_normalise(in, len, NULL, &out);
    free(in);
    if (st != CV_HTML_OK) {
        fprintf(stderr, "clamhtml: normalisation failed (%d)\n", (int)st);
        return 2;
    }
    const char *dir = argv[2];
    int rc = write_file(dir, "nocomment.html", &out.nocomment);
    rc |= write_file(dir, "notags.html", &out.notags);
    if (out.javascript.exists)
        rc |= write_file(dir, "javascript", &out.javascript);
    if (out.n_rfc2397) {
        rc |= make_dir(dir, "rfc2397");
        for (size_t i = 0; i < out.n_rfc2397 && !rc; i++) {
            char name[64];
            snprintf(name, sizeof(name), "rfc2397/%04zu", i);
            rc |= write_file(dir, name, &out.rfc2397[i]);
        }
    }
    if (out.n_scripts) {
        rc |= make_dir(dir, "scripts");
        for (size_t i = 0; i < out.n_scripts && !rc; i++) {
            char name[64];
            snprintf(name, sizeof(name), "scripts/%04zu", i);
            rc |= write_file(dir, name, &out.scripts[i].text);
        }
    }
    if (out.n_styles) {
        rc |= make_dir(dir, "styles");
        for (size_t i = 0; i < out.n_styles && !rc; i++) {
            char name[64];
            snprintf(name, sizeof(name), "styles/%04zu", i);
            rc |= write_file(dir, name, &out.styles[i].text);
        }
    }
    cv_html_out_free(&out);
    return rc ? 2 : 0;
}
