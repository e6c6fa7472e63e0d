/*
 * pe_ordinals.c - the name yara gives a function imported by ordinal: the
 * shared table's (lib/formats/pe_ordinals.c), else "ordN".
 */
#include <stdio.h>
#include <string.h>

#include "../formats/pe.h"
#include "pe_internal.h"

const char *pe_ordinal_name(mo_ctx *c, const char *dll, uint16_t ordinal)
{
    const char *name = fmt_pe_ordinal_name(dll, ordinal);
    char buf[16];
    if (!name) {
        snprintf(buf, sizeof(buf), "ord%u", (unsigned)ordinal);
        name = buf;
    }
    size_t n = strlen(name);
    char *s = mo_alloc(c, n + 1);
    if (s)
        memcpy(s, name, n + 1);
    return s;
}
