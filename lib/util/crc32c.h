/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of compiled database files.
 * Chosen over zlib's CRC-32 for speed: x86-64 computes it with one SSE4.2
 * instruction per 8 bytes (a 185 MB database with 2 million ClamAV hashes
 * is checked in ~20 ms instead of ~60), with a table-driven fallback on
 * other processors. Same detection power for the accidental damage it is
 * there for (truncation, flipped bits); it is no defence against tampering,
 * which the structural validation of every table is for.
 */
#ifndef VIGIL_UTIL_CRC32C_H
#define VIGIL_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc (0 to start) over n bytes. */
uint32_t util_crc32c(uint32_t crc, const void *data, size_t n);

/* The same with the table alone, whatever the processor (for tests). */
uint32_t util_crc32c_portable(uint32_t crc, const void *data, size_t n);

#endif
