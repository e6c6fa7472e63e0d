/*
 * regression.c - replays fuzz corpora without libFuzzer: linked with one
 * fuzz target's LLVMFuzzerTestOneInput, it feeds it every file named on the
 * command line and every regular file of every folder named there (one
 * level). A crash, sanitizer report or abort in the target fails the test, so
 * each seed and each saved crasher stays a regression test in the normal build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as under libFuzzer: weak, so targets without it link. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Inputs larger than this are refused: corpora hold small files, and a
 * stray huge file should fail loudly rather than exhaust memory. */
#define REPLAY_MAX_INPUT ((size_t)64 << 20)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > REPLAY_MAX_INPUT) {
        fprintf(stderr, "%s: unreadable or larger than %zu bytes\n", path, REPLAY_MAX_INPUT);
        fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    /* malloc(0) may return NULL; the target still gets a valid pointer. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        fclose(f);
        return -1;
    }
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    if (got != size) {
        fprintf(stderr, "%s: short read\n", path);
        free(buf);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    return 0;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs a folder's regular files in name order, so a failure reproduces the
 * same way on every machine. Returns the number of files run, or -1. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    size_t cap = 0;
    long rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **tmp = realloc(names, ncap * sizeof(*names));
            if (!tmp) {
                rc = -1;
                break;
            }
            names = tmp;
            cap = ncap;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = -1;
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (rc == 0 && n > 0)
        qsort(names, n, sizeof(*names), path_cmp);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc >= 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(names[i]) != 0)
                rc = -1;
            else
                rc++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        long r = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
        if (r < 0)
            return 1;
        total += r;
    }
    printf("%s: %ld inputs replayed\n", argv[0], total);
    return 0;
}
