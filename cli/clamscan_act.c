/*
 * clamscan_act.c - see clamscan_act.h. A destination is created with
 * O_EXCL (copies) or renamed onto only after checking it is free, so a
 * quarantine never loses an earlier file; a move across file systems
 * falls back to copy and unlink, as clamscan's does. Sources are opened
 * with O_NOFOLLOW: the file acted on is the one that was scanned.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clamscan_act.h"

bool cs_action_setup(cs_action *a, const cs_opts *o, cs_out *out)
{
    a->kind = CS_ACT_NONE;
    a->dir = NULL;
    const char *dir = o->move ? o->move : o->copy;
    if (!dir) {
        if (o->remove)
            a->kind = CS_ACT_REMOVE;
        return true;
    }
    a->kind = o->move ? CS_ACT_MOVE : CS_ACT_COPY;
    out->copy_mode = a->kind == CS_ACT_COPY;
    a->dir = realpath(dir, NULL);
    if (!a->dir) {
        cs_info(out, "action_setup: Failed to get realpath of %s\n", dir);
        return false;
    }
    struct stat sb;
    if (stat(a->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cs_error(out, "'%s' doesn't exist or is not a directory\n", a->dir);
        return false;
    }
    if (access(a->dir, W_OK | X_OK) != 0) {
        cs_info(out, "action_setup: Failed to create quarantine lock file in %s: %s\n", a->dir,
                strerror(errno));
        return false;
    }
    return true;
}

void cs_action_free(cs_action *a)
{
    free(a->dir);
    a->dir = NULL;
}

/* "PATH" or "PATH (real path: 'REAL')", as clamscan names the file. */
static void label(char *buf, size_t size, const char *path, const char *real)
{
    if (strcmp(path, real) == 0)
        snprintf(buf, size, "%s", path);
    else
        snprintf(buf, size, "%s (real path: '%s')", path, real);
}

/* A free destination name in the quarantine folder; NULL when all are
 * taken or memory runs out. */
static char *free_dest(const char *dir, const char *real)
{
    const char *base = strrchr(real, '/');
    base = base ? base + 1 : real;
    size_t len = strlen(dir) + 1 + strlen(base) + 5 + 1;
    char *dest = malloc(len);
    if (!dest)
        return NULL;
    for (int n = 0; n <= CS_ACT_MAX_SUFFIX; n++) {
        if (n == 0)
            snprintf(dest, len, "%s/%s", dir, base);
        else
            snprintf(dest, len, "%s/%s.%03d", dir, base, n);
        struct stat sb;
        if (lstat(dest, &sb) != 0 && errno == ENOENT)
            return dest;
    }
    free(dest);
    errno = EEXIST;
    return NULL;
}

/* Copies src to a new file dest (which must not exist) with src's mode
 * and times. False with errno on failure (nothing is left behind). */
static bool copy_file(const char *src, const char *dest)
{
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (in < 0)
        return false;
    struct stat sb;
    if (fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int saved = S_ISREG(sb.st_mode) ? errno : EINVAL;
        close(in);
        errno = saved;
        return false;
    }
    int outfd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (outfd < 0) {
        int saved = errno;
        close(in);
        errno = saved;
        return false;
    }
    char buf[1 << 16];
    bool ok = true;
    for (;;) {
        ssize_t got = read(in, buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            ok = got == 0;
            break;
        }
        for (ssize_t done = 0; ok && done < got;) {
            ssize_t w = write(outfd, buf + done, (size_t)(got - done));
            if (w < 0 && errno == EINTR)
                continue;
            ok = w > 0;
            if (ok)
                done += w;
        }
        if (!ok)
            break;
    }
    int saved = errno;
    if (ok) {
        fchmod(outfd, sb.st_mode & 07777);
        struct timespec times[2] = {sb.st_atim, sb.st_mtim};
        futimens(outfd, times);
    }
    if (close(outfd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    close(in);
    if (!ok) {
        unlink(dest);
        errno = saved;
    }
    return ok;
}

static void do_remove(cs_out *out, const char *path, const char *real)
{
    char name[2 * PATH_MAX + 32];
    label(name, sizeof(name), path, real);
    if (unlink(real) != 0) {
        cs_error(out, "Can't remove file '%s' (real path: '%s')\n", path, real);
        out->n.not_removed++;
        return;
    }
    cs_info(out, "%s: Removed.\n", name);
}

static void do_move(const cs_action *a, cs_out *out, const char *path, const char *real)
{
    bool move = a->kind == CS_ACT_MOVE;
    char name[2 * PATH_MAX + 32];
    label(name, sizeof(name), path, real);
    char *dest = free_dest(a->dir, real);
    if (!dest) {
        cs_error(out, "Can't %s '%s' (real path: '%s') to '%s': %s\n", move ? "move" : "copy",
                 path, real, a->dir, strerror(errno));
        out->n.not_moved++;
        return;
    }
    if (!move || rename(real, dest) != 0) {
        if (!copy_file(real, dest)) {
            cs_error(out, "Can't %s '%s' (real path: '%s') to '%s': %s\n", move ? "move" : "copy",
                     path, real, dest, strerror(errno));
            out->n.not_moved++;
            free(dest);
            return;
        }
        if (move && unlink(real) != 0) {
            cs_error(out, "Can't unlink '%s' (real path: '%s') after copy: %s\n", path, real,
                     strerror(errno));
            out->n.not_moved++;
            free(dest);
            return;
        }
    }
    cs_info(out, "%s: %s to '%s'\n", name, move ? "moved" : "copied", dest);
    free(dest);
}

void cs_action_apply(const cs_action *a, cs_out *out, const char *path)
{
    if (a->kind == CS_ACT_NONE)
        return;
    char *real = realpath(path, NULL);
    if (!real) {
        cs_error(out, "Can't get the real path of '%s': %s\n", path, strerror(errno));
        if (a->kind == CS_ACT_REMOVE)
            out->n.not_removed++;
        else
            out->n.not_moved++;
        return;
    }
    if (a->kind == CS_ACT_REMOVE)
        do_remove(out, path, real);
    else
        do_move(a, out, path, real);
    free(real);
}
