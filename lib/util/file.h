/*
 * file.h - reading whole files safely. Reading (not mapping) means a file
 * that shrinks or vanishes while we hold it cannot raise SIGBUS; the reader
 * returns what was there, and names the reason when it fails.
 */
#ifndef VIGIL_UTIL_FILE_H
#define VIGIL_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

/* Reads the regular file at path into a malloc'ed buffer (NUL-terminated,
 * *len excludes the NUL). Refuses non-regular files and files larger than
 * max bytes (VIGIL_E_LIMIT). On failure a reason is written to err. */
vigil_status util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
                            size_t errlen);

#endif
