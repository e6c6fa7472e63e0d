/*
 * file.h - reading whole files safely. Reading (not mapping) means a file
 * that shrinks or vanishes while we hold it cannot raise SIGBUS; the reader
 * returns what was there, and names the reason when it fails.
 */
#ifndef VIGIL_UTIL_FILE_H
#define VIGIL_UTIL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

/* Reads the regular file at path into a malloc'ed buffer (NUL-terminated,
 * *len excludes the NUL). Refuses non-regular files and files larger than
 * max bytes (VIGIL_E_LIMIT). On failure a reason is written to err. */
vigil_status util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
                            size_t errlen);

/* A read buffer reused across files: it grows to the largest file read and
 * is given back when a file larger than UTIL_KEEP_BYTES was read, so a
 * scanner's memory follows its working set, not its largest file ever.
 * Reusing it avoids a fresh mapping, page faults and zero-fill per file,
 * which otherwise serialise threads in the kernel. */
#define UTIL_KEEP_BYTES ((size_t)64 << 20)
typedef struct util_readbuf {
    uint8_t *p;
    size_t cap;
} util_readbuf;

/* Like util_read_file, into rb (the data stays valid until the next call or
 * util_readbuf_release). */
vigil_status util_read_file_into(const char *path, size_t max, util_readbuf *rb, size_t *len,
                                 char *err, size_t errlen);
/* Frees the buffer when it grew past UTIL_KEEP_BYTES (force: always). */
void util_readbuf_release(util_readbuf *rb, bool force);

#endif
