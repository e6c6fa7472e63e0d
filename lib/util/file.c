/*
 * file.c - whole-file reads with clear reasons for every refusal (see file.h).
 * O_NONBLOCK on open keeps a FIFO that slipped past the caller's checks from
 * blocking us; fstat then refuses it as not a regular file.
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens path for reading and checks it is a regular file within max bytes. */
static int open_regular(const char *path, size_t max, size_t *size, vigil_status *st, char *err,
                        size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        *st = VIGIL_E_IO;
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        *st = VIGIL_E_IO;
    } else if (S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "is a directory");
        *st = VIGIL_E_IO;
    } else if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "not a regular file");
        *st = VIGIL_E_IO;
    } else if ((uint64_t)sb.st_size > (uint64_t)max) {
        snprintf(err, errlen, "file too large (%llu bytes, limit %zu)",
                 (unsigned long long)sb.st_size, max);
        *st = VIGIL_E_LIMIT;
    } else {
        *size = (size_t)sb.st_size;
        *st = VIGIL_OK;
        return fd;
    }
    close(fd);
    return -1;
}

/* Reads up to want bytes; a file that shrank while being read yields what
 * was there. */
static vigil_status read_fd(int fd, uint8_t *p, size_t want, size_t *got, char *err,
                            size_t errlen)
{
    size_t n = 0;
    while (n < want) {
        ssize_t r = read(fd, p + n, want - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "read error: %s", strerror(errno));
            return VIGIL_E_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *got = n;
    return VIGIL_OK;
}

vigil_status util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
                            size_t errlen)
{
    *buf = NULL;
    *len = 0;
    vigil_status st;
    size_t size;
    int fd = open_regular(path, max, &size, &st, err, errlen);
    if (fd < 0)
        return st;
    uint8_t *p = malloc(size + 1);
    if (!p) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return VIGIL_E_NOMEM;
    }
    size_t got;
    st = read_fd(fd, p, size, &got, err, errlen);
    close(fd);
    if (st != VIGIL_OK) {
        free(p);
        return st;
    }
    p[got] = '\0';
    *buf = p;
    *len = got;
    return VIGIL_OK;
}

vigil_status util_read_file_into(const char *path, size_t max, util_readbuf *rb, size_t *len,
                                 char *err, size_t errlen)
{
    *len = 0;
    vigil_status st;
    size_t size;
    int fd = open_regular(path, max, &size, &st, err, errlen);
    if (fd < 0)
        return st;
    if (size + 1 > rb->cap) {
        free(rb->p);
        rb->cap = 0;
        rb->p = malloc(size + 1);
        if (!rb->p) {
            close(fd);
            snprintf(err, errlen, "out of memory");
            return VIGIL_E_NOMEM;
        }
        rb->cap = size + 1;
    }
    size_t got;
    st = read_fd(fd, rb->p, size, &got, err, errlen);
    close(fd);
    if (st != VIGIL_OK)
        return st;
    rb->p[got] = '\0';
    *len = got;
    return VIGIL_OK;
}

void util_readbuf_release(util_readbuf *rb, bool force)
{
    if (force || rb->cap > UTIL_KEEP_BYTES) {
        free(rb->p);
        rb->p = NULL;
        rb->cap = 0;
    }
}
