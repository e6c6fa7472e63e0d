/*
 * objinfo.c - the target type of a scanned object from its first bytes (the
 * file type magic of libclamav 1.4's built-in table: only the type decides
 * which target-specific signatures apply), then the format's header parse
 * (objinfo_pe.c, objinfo_elf.c, objinfo_macho.c) and the accessors the
 * evaluator and scanner call.
 */
#include <string.h>

#include "objinfo_int.h"

/* libclamav's "Universal Binary" magic: cafebabe followed by a big-endian
 * architecture count below 32 (Java class files have larger versions). */
static bool universal_binary(const uint8_t *d, size_t len)
{
    return len >= 8 && memcmp(d, "\xca\xfe\xba\xbe\0\0\0", 7) == 0 && d[7] < 0x20;
}

static bool macho_magic(const uint8_t *d, size_t len)
{
    static const char magics[4][4] = {
        {'\xce', '\xfa', '\xed', '\xfe'}, {'\xcf', '\xfa', '\xed', '\xfe'},
        {'\xfe', '\xed', '\xfa', '\xce'}, {'\xfe', '\xed', '\xfa', '\xcf'},
    };
    for (int i = 0; len >= 4 && i < 4; i++)
        if (memcmp(d, magics[i], 4) == 0)
            return true;
    return false;
}

void cv_objinfo_init(cv_objinfo *oi, const uint8_t *data, size_t len)
{
    *oi = (cv_objinfo){.data = data, .len = data ? len : 0};
    if (!data)
        return;
    if (len >= 2 && data[0] == 'M' && data[1] == 'Z') {
        oi->target = CV_TARGET_PE;
        cv_pe_init(oi);
    } else if (len >= 4 && memcmp(data, "\x7f" "ELF", 4) == 0) {
        oi->target = CV_TARGET_ELF;
        cv_elf_init(oi);
    } else if (macho_magic(data, len) || universal_binary(data, len)) {
        oi->target = CV_TARGET_MACHO;
        cv_macho_init(oi);
    }
    oi->targets = 1u << oi->target;
}

uint32_t cv_objinfo_target(const cv_objinfo *oi)
{
    return oi->target;
}

bool cv_objinfo_valid(const cv_objinfo *oi)
{
    return oi->target != CV_TARGET_NONE && oi->valid;
}

bool cv_objinfo_eof_usable(const cv_objinfo *oi)
{
    return oi->target == CV_TARGET_NONE || oi->valid;
}

bool cv_objinfo_entry(const cv_objinfo *oi, uint64_t *file_offset)
{
    *file_offset = 0;
    if (!cv_objinfo_valid(oi))
        return false;
    *file_offset = oi->ep;
    return true;
}

uint32_t cv_objinfo_section_count(const cv_objinfo *oi)
{
    return cv_objinfo_valid(oi) ? oi->nsections : 0;
}

bool cv_objinfo_section(const cv_objinfo *oi, uint32_t i, uint64_t *raw_offset,
                        uint64_t *raw_size)
{
    uint32_t raw = 0, size = 0;
    bool ok = false;
    *raw_offset = *raw_size = 0;
    if (i >= cv_objinfo_section_count(oi))
        return false;
    if (oi->target == CV_TARGET_PE) {
        cv_pe_sect s;
        ok = cv_pe_sect_at(oi, i, &s);
        raw = s.raw;
        size = s.rsz;
    } else if (oi->target == CV_TARGET_ELF) {
        ok = cv_elf_section(oi, i, &raw, &size);
    } else if (oi->target == CV_TARGET_MACHO) {
        ok = cv_macho_section(oi, i, &raw, &size);
    }
    if (ok) {
        *raw_offset = raw;
        *raw_size = size;
    }
    return ok;
}
