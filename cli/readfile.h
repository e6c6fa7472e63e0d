/*
 * readfile.h - a whole small regular file into memory, for the CLI's own
 * files (cache recordings) and `vigil dump`. Never blocks on a FIFO or a
 * device: anything but a regular file is refused.
 */
#ifndef VIGIL_CLI_READFILE_H
#define VIGIL_CLI_READFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* *buf (malloc'ed, one spare byte) and *len on success; false when the file
 * is missing or unreadable (errno says why), not regular or larger than max
 * (errno 0). */
bool cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
