/*
 * walk.h - the directory walker behind `vigil scan` and `vigil yara`. It
 * hands regular files to a callback and reports everything it will not scan
 * (FIFOs, sockets, devices, loops, vanished entries) to another, so a hostile
 * tree can neither hang nor crash a scan.
 */
#ifndef VIGIL_CLI_WALK_H
#define VIGIL_CLI_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct walk_opts {
    bool recursive;       /* descend into subdirectories (the top path always is) */
    bool follow_symlinks; /* false: symlinks are skipped and reported */
    bool sorted;          /* entries in byte order; false keeps readdir order (yara) */
    bool yara_compat;     /* yara 4.2.3's dir rules: silently skip what it skips */
    uint64_t skip_larger; /* files of this size or more are skipped; 0 = none */
} walk_opts;

/* Return true to go on, false to stop the walk. */
typedef bool (*walk_file_fn)(const char *path, const struct stat *st, void *user);
typedef enum walk_skip_kind {
    WALK_SKIP_WARNING, /* not a file to scan (FIFO, socket, device, loop, symlink with -N) */
    WALK_SKIP_ERROR,   /* could not be examined (vanished, permission denied) */
    WALK_SKIP_LARGE,   /* at least opts.skip_larger bytes; st is set */
} walk_skip_kind;

/* A path that is not scanned and why; st is NULL unless it was stat'ed. */
typedef void (*walk_skip_fn)(const char *path, const struct stat *st, const char *reason,
                             walk_skip_kind kind, void *user);

typedef struct walk_cb {
    walk_file_fn file;
    walk_skip_fn skip;
    void *user;
} walk_cb;

/* Walks one command-line path (file or directory). Returns false when a
 * callback stopped the walk. */
bool walk_path(const char *path, const walk_opts *o, const walk_cb *cb);

/* Every entry name of dir but "." and "..", in directory (readdir) order,
 * as a NULL-terminated array of malloc'ed strings (free each, then the
 * array); NULL with errno set on failure. */
char **walk_read_names(const char *dir, size_t *count);

/* Directory nesting deeper than this is reported, not followed. */
#define WALK_MAX_DEPTH 256

#endif
