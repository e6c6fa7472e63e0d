/*
 * mapscan.h - scanning a file through a memory mapping, safely. Mapping
 * saves the copy a read() makes (a third of a scan's time on large
 * binaries), but a file that shrinks while mapped raises SIGBUS; the CLI
 * owns signals, so it catches that here and reports the file instead of
 * dying.
 */
#ifndef VIGIL_CLI_MAPSCAN_H
#define VIGIL_CLI_MAPSCAN_H

#include <stddef.h>

#include "vigil.h"

/* Files smaller than this are read (the mapping costs more than the copy). */
#define MAPSCAN_MIN_BYTES ((size_t)256 << 10)

/* Scans the file at path with s, mapping it when it is a large regular file.
 * On failure, why receives the reason. A file that shrinks during the scan
 * gives VIGIL_E_IO ("file shrank while being scanned") and s is reset. */
vigil_status mapscan_file(vigil_scanner *s, const char *path, vigil_scan_fn fn, void *user,
                          char *why, size_t whylen);

#endif
