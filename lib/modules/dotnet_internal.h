/*
 * dotnet_internal.h - what the dotnet module's files share: the located
 * metadata (streams, heaps) of one .NET assembly and the bounds-checked
 * readers of its heaps. dotnet.c finds the metadata and its streams;
 * dotnet_tables.c walks the #~ tables.
 *
 * Positions are signed 64-bit file offsets: yara computes them as pointers
 * from values that may lie outside the file (an unmapped RVA is -1), and
 * every read checks the position first, as yara's fits_in_pe does.
 */
#ifndef VIGIL_MODULES_DOTNET_INTERNAL_H
#define VIGIL_MODULES_DOTNET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../formats/pe.h"
#include "object.h"

/* A stream header of the metadata root: where the stream starts (the file
 * offset metadata_root + Offset) and its declared size. */
typedef struct dn_stream {
    bool present;
    int64_t start;
    uint32_t size;
} dn_stream;

typedef struct dn_view {
    fmt_pe pe;
    const uint8_t *data;
    size_t len;
    int64_t cli;           /* the CLI header */
    int64_t metadata_root; /* the metadata root ("BSJB") */
    dn_stream tilde, strings, blob, us, guid;
    /* Bytes of blob and user-string values still allowed for this object:
     * 10000 rows may all name one huge blob, which yara would copy 10000
     * times. Values past the budget are not set (vigil's only departure
     * from yara, and only on such files). */
    size_t *budget;
} dn_view;

/* Total size of the blob and user-string values one object may set. */
#define DN_VALUE_BUDGET ((size_t)64 << 20)

/* Takes n bytes from the budget; false when they are not there. */
static inline bool dn_take(const dn_view *v, size_t n)
{
    if (n > *v->budget)
        return false;
    *v->budget -= n;
    return true;
}

/* The CLI header is 72 bytes; yara checks the whole structure fits. */
#define DN_CLI_HEADER_SIZE 72

/* Whether [off, off + n) lies in the file (yara's fits_in_pe). */
static inline bool dn_fits(const dn_view *v, int64_t off, uint64_t n)
{
    return off >= 0 && n <= v->len && (uint64_t)off <= v->len - n;
}

/* Little-endian reads at a position already checked with dn_fits. */
uint16_t dn_u16(const dn_view *v, int64_t off);
uint32_t dn_u32(const dn_view *v, int64_t off);
/* A 2- or 4-byte index column (size 2 or 4) at a checked position. */
uint32_t dn_index(const dn_view *v, int64_t off, unsigned size);

/* A #Blob or #US entry's header (ECMA-335 II.24.2.4): `size` bytes of
 * compressed length, then `length` bytes. size 0 means unreadable. */
typedef struct dn_blob {
    uint8_t size;
    uint32_t length;
} dn_blob;
dn_blob dn_parse_blob(const dn_view *v, int64_t off);

/* String `index` of the #Strings heap, as yara 4.2.3 reads it: it must
 * start inside the file (not necessarily the heap) and end with a NUL at
 * most 1024 bytes later. False when it does not; else *s and *len (without
 * the NUL). */
bool dn_string(const dn_view *v, uint32_t index, const uint8_t **s, size_t *len);

/* Walks the #~ (or "#-") tables and sets module_name, constants, typelib,
 * modulerefs, field_offsets, assembly, assembly_refs and resources. */
void dn_load_tables(mo_ctx *c, mo_obj *root, const dn_view *v);

#endif
