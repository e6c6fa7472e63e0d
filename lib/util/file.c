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

vigil_status util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
                            size_t errlen)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return VIGIL_E_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        close(fd);
        return VIGIL_E_IO;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        close(fd);
        return VIGIL_E_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "not a regular file");
        close(fd);
        return VIGIL_E_IO;
    }
    if ((uint64_t)st.st_size > (uint64_t)max) {
        snprintf(err, errlen, "file too large (%llu bytes, limit %zu)",
                 (unsigned long long)st.st_size, max);
        close(fd);
        return VIGIL_E_LIMIT;
    }
    size_t cap = (size_t)st.st_size;
    uint8_t *p = malloc(cap + 1);
    if (!p) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return VIGIL_E_NOMEM;
    }
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, p + got, cap - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "read error: %s", strerror(errno));
            free(p);
            close(fd);
            return VIGIL_E_IO;
        }
        if (n == 0)
            break; /* the file shrank while we read it: scan what was there */
        got += (size_t)n;
    }
    close(fd);
    p[got] = '\0';
    *buf = p;
    *len = got;
    return VIGIL_OK;
}
