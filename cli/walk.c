/*
 * walk.c - directory walking with explicit guards: lstat before anything,
 * special files reported and never opened, directory loops caught by the
 * (device, inode) chain of ancestors, nesting capped, entries read whole and
 * the directory closed before descending so deep trees cannot run out of fds.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "walk.h"

typedef struct walker {
    const walk_opts *o;
    const walk_cb *cb;
    dev_t dev[WALK_MAX_DEPTH];
    ino_t ino[WALK_MAX_DEPTH];
    int depth;
} walker;

static void skip(walker *w, const char *path, const struct stat *st, const char *reason,
                 walk_skip_kind kind)
{
    /* yara 4.2.3 passes over what it cannot scan in a directory silently,
     * except files above -z; `vigil yara` keeps its stderr the same. */
    if (w->o->yara_compat && kind != WALK_SKIP_LARGE)
        return;
    if (w->cb->skip)
        w->cb->skip(path, st, reason, kind, w->cb->user);
}

static const char *special_reason(mode_t m)
{
    if (S_ISFIFO(m))
        return "is a FIFO, not scanned";
    if (S_ISSOCK(m))
        return "is a socket, not scanned";
    if (S_ISCHR(m))
        return "is a character device, not scanned";
    if (S_ISBLK(m))
        return "is a block device, not scanned";
    return "is not a regular file, not scanned";
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool visit(walker *w, const char *path, bool top);

char **walk_read_names(const char *dir, size_t *count)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return NULL;
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof(*names));
    struct dirent *de;
    while (names && (de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n + 1 >= cap) {
            char **grown = NULL;
            if (cap < ((size_t)1 << 40))
                grown = realloc(names, cap * 2 * sizeof(*names));
            if (!grown)
                goto nomem;
            names = grown;
            cap *= 2;
        }
        names[n] = strdup(de->d_name);
        if (!names[n])
            goto nomem;
        n++;
    }
    closedir(dp);
    if (!names) {
        errno = ENOMEM;
        return NULL;
    }
    names[n] = NULL;
    *count = n;
    return names;
nomem:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(dp);
    errno = ENOMEM;
    return NULL;
}

static bool walk_dir(walker *w, const char *dir, const struct stat *st)
{
    for (int i = 0; i < w->depth; i++) {
        if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino) {
            skip(w, dir, st, "directory loop (already being scanned), not followed",
                 WALK_SKIP_WARNING);
            return true;
        }
    }
    if (w->depth >= WALK_MAX_DEPTH) {
        skip(w, dir, st, "directories nested too deep, not scanned", WALK_SKIP_WARNING);
        return true;
    }
    size_t n = 0;
    char **names = walk_read_names(dir, &n);
    if (!names) {
        skip(w, dir, st, strerror(errno), WALK_SKIP_ERROR);
        return true;
    }
    if (w->o->sorted)
        qsort(names, n, sizeof(*names), cmp_names);
    w->dev[w->depth] = st->st_dev;
    w->ino[w->depth] = st->st_ino;
    w->depth++;

    /* yara joins with "/" even after a trailing slash ("d//f"); so does
     * yara mode, for identical output. */
    size_t dlen = strlen(dir);
    bool slash = w->o->yara_compat || dlen == 0 || dir[dlen - 1] != '/';
    bool go_on = true;
    for (size_t i = 0; i < n; i++) {
        if (go_on) {
            size_t len = dlen + (slash ? 1 : 0) + strlen(names[i]) + 1;
            char *child = malloc(len);
            if (!child) {
                skip(w, dir, st, strerror(ENOMEM), WALK_SKIP_ERROR);
                go_on = false;
            } else {
                snprintf(child, len, "%s%s%s", dir, slash ? "/" : "", names[i]);
                go_on = visit(w, child, false);
                free(child);
            }
        }
        free(names[i]);
    }
    free(names);
    w->depth--;
    return go_on;
}

static bool visit(walker *w, const char *path, bool top)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        skip(w, path, NULL, errno == ENOENT && !top ? "vanished before it could be scanned"
                                                    : strerror(errno),
             WALK_SKIP_ERROR);
        return true;
    }
    if (S_ISLNK(st.st_mode)) {
        /* A path the user typed is followed even with -N, as yara does. */
        if (!top && !w->o->follow_symlinks) {
            skip(w, path, &st, "symbolic link, not followed (-N)", WALK_SKIP_WARNING);
            return true;
        }
        if (w->o->yara_compat) {
            char buf[2];
            ssize_t len = readlink(path, buf, sizeof(buf));
            if (len == 1 && buf[0] == '.')
                return true;
        }
        if (stat(path, &st) != 0) {
            skip(w, path, NULL,
                 errno == ELOOP    ? "symbolic link loop"
                 : errno == ENOENT ? "dangling symbolic link"
                                   : strerror(errno),
                 errno == ENOENT || errno == ELOOP ? WALK_SKIP_WARNING : WALK_SKIP_ERROR);
            return true;
        }
    }
    if (S_ISREG(st.st_mode)) {
        if (w->o->skip_larger > 0 && (uint64_t)st.st_size >= w->o->skip_larger && !top) {
            skip(w, path, &st, "larger than the size limit, not scanned", WALK_SKIP_LARGE);
            return true;
        }
        return w->cb->file(path, &st, w->cb->user);
    }
    if (S_ISDIR(st.st_mode)) {
        if (!top && !w->o->recursive)
            return true;
        return walk_dir(w, path, &st);
    }
    skip(w, path, &st, special_reason(st.st_mode), WALK_SKIP_WARNING);
    return true;
}

bool walk_path(const char *path, const walk_opts *o, const walk_cb *cb)
{
    walker w = {.o = o, .cb = cb, .depth = 0};
    return visit(&w, path, true);
}
