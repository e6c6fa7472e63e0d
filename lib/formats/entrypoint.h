/*
 * entrypoint.h - the file offset of a PE or ELF entry point, computed as
 * yara 4.2 computes its (deprecated) `entrypoint` variable, quirks included,
 * so that rules using it give yara's verdicts.
 */
#ifndef VIGIL_FORMATS_ENTRYPOINT_H
#define VIGIL_FORMATS_ENTRYPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns false when the data is neither a PE (i386/AMD64) nor an ELF file:
 * `entrypoint` is then undefined. */
bool fmt_entrypoint_offset(const uint8_t *data, size_t len, uint64_t *offset);

#endif
