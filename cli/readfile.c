/*
 * readfile.c - see readfile.h.
 */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

bool cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    bool ok = fstat(fd, &sb) == 0;
    if (ok && (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max)) {
        errno = 0;
        ok = false;
    }
    size_t n = ok ? (size_t)sb.st_size : 0, got = 0;
    *buf = ok ? malloc(n + 1) : NULL;
    ok = ok && *buf;
    while (ok && got < n) {
        ssize_t r = read(fd, *buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            errno = 0; /* the file shrank */
        ok = r > 0;
        if (ok)
            got += (size_t)r;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    if (!ok) {
        free(*buf);
        *buf = NULL;
        return false;
    }
    *len = n;
    return true;
}
