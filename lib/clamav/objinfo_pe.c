/*
 * objinfo_pe.c - PE headers as libclamav 1.4's cli_peheader reads them, for
 * ClamAV offsets (EP, Sx, SEx, SL) and .mdb section hashes. This is not
 * yara's view (lib/formats/pe.c): libclamav wants SizeOfOptionalHeader to
 * hold the directories, rounds section values to the alignments (with its
 * FileAlignment fallback to 0x200), truncates raw data at the end of the
 * file, refuses values with the sign bit set, and maps the entry point with
 * its own cli_rawaddr (last section first; an RVA below SizeOfHeaders rounded
 * up to SectionAlignment is its own offset). All arithmetic is libclamav's
 * 32-bit arithmetic; every read is bounds-checked.
 */
#include "objinfo_int.h"

#include "../util/cursor.h"

#define FILE_HDR 24  /* "PE\0\0" + COFF header */
#define OPT32 96     /* optional header without directories (PE32) */
#define OPT64 112    /* and PE32+ */
#define SECT_HDR 40
#define MAX_DIRS 16
#define NO_BUDGET UINT64_MAX

/* libclamav's PEALIGN (down) and PESALIGN (up); a zero alignment keeps the
 * value, and rounding up wraps at 2^32 as libclamav's unsigned math does. */
static uint32_t align_down(uint32_t o, uint32_t a)
{
    return a ? o / a * a : o;
}

static uint32_t align_up(uint32_t o, uint32_t a)
{
    return a ? (o / a + (o % a != 0)) * a : o;
}

bool cv_pe_sect_at(const cv_objinfo *oi, uint32_t i, cv_pe_sect *s)
{
    bytes b = {oi->data, oi->len};
    uint64_t h = oi->u.pe.table + (uint64_t)i * SECT_HDR;
    if (!in_bounds(b, h, SECT_HDR))
        return false;
    uint32_t salign = oi->u.pe.salign, falign = oi->u.pe.falign;
    *s = (cv_pe_sect){
        .uvsz = le32_or0(b, h + 8),
        .urva = le32_or0(b, h + 12),
        .ursz = le32_or0(b, h + 16),
        .uraw = le32_or0(b, h + 20),
    };
    s->rva = align_down(s->urva, salign);
    s->vsz = align_up(s->uvsz, salign);
    s->raw = align_down(s->uraw, falign);
    s->rsz = align_up(s->ursz, falign);
    if (s->rsz) {
        uint64_t fsize = oi->len;
        if (s->raw >= fsize || s->uraw >= fsize) {
            s->missing = true;
            s->rsz = s->ursz = 0;
        } else {
            /* truncated raw data: libclamav keeps what the file holds */
            if ((uint64_t)s->raw + s->rsz > fsize)
                s->rsz = (uint32_t)(fsize - s->raw);
            if ((uint64_t)s->uraw + s->ursz > fsize)
                s->ursz = (uint32_t)(fsize - s->uraw);
        }
    }
    if (!s->vsz && s->rsz)
        s->vsz = align_up(s->ursz, salign);
    return true;
}

/* libclamav fails the whole parse on these ("PE values with sign bit set"). */
static bool sign_bit_set(const cv_pe_sect *s)
{
    return s->urva >> 31 || s->uvsz >> 31 || (s->rsz && s->uraw >> 31) || s->ursz >> 31;
}

bool cv_pe_rawaddr(const cv_objinfo *oi, uint32_t rva, uint32_t *off, uint64_t *budget)
{
    if (rva < oi->u.pe.hdr_size) { /* in the headers: mapped as is */
        if (rva >= oi->len)
            return false;
        *off = rva;
        return true;
    }
    /* the last matching section wins, as in cli_rawaddr */
    for (uint32_t i = oi->u.pe.nsec; i-- > 0;) {
        cv_pe_sect s;
        if (*budget == 0)
            return false;
        --*budget;
        if (!cv_pe_sect_at(oi, i, &s))
            return false;
        if (s.rsz && s.rva <= rva && s.rsz > rva - s.rva) {
            *off = rva - s.rva + s.raw;
            return true;
        }
    }
    return false;
}

/* The optional header, directories and section table, as cli_peheader
 * checks them; false where it returns an error. */
static bool parse_headers(cv_objinfo *oi, uint32_t *vep)
{
    bytes b = {oi->data, oi->len};
    uint16_t magic = 0, nsec = 0, optsize = 0, optmagic = 0;
    uint32_t lfanew = 0, sig = 0;
    if (!rd_u16le(b, 0, &magic) || (magic != 0x5a4d && magic != 0x4d5a))
        return false;
    if (!rd_u32le(b, 0x3c, &lfanew) || lfanew == 0)
        return false;
    if (!in_bounds(b, lfanew, FILE_HDR) || !rd_u32le(b, lfanew, &sig) || sig != 0x4550)
        return false;
    rd_u16le(b, (uint64_t)lfanew + 6, &nsec);
    rd_u16le(b, (uint64_t)lfanew + 20, &optsize);
    if (nsec == 0 || optsize < OPT32)
        return false;
    uint64_t opt = (uint64_t)lfanew + FILE_HDR;
    if (!in_bounds(b, opt, OPT32))
        return false;
    rd_u16le(b, opt, &optmagic);
    uint32_t stored = OPT32;
    bool plus = optmagic == 0x20b;
    if (plus) {
        if (optsize < OPT64 || !in_bounds(b, opt, OPT64))
            return false;
        stored = OPT64;
    }
    uint32_t ndirs = le32_or0(b, opt + (plus ? 108 : 92));
    if (ndirs > MAX_DIRS)
        ndirs = MAX_DIRS;
    if (optsize < stored + 8 * ndirs || !in_bounds(b, opt + stored, 8 * ndirs))
        return false;
    oi->u.pe.pe32plus = plus;
    oi->u.pe.salign = le32_or0(b, opt + 32);
    oi->u.pe.falign = le32_or0(b, opt + 36);
    oi->u.pe.hdr_size = align_up(le32_or0(b, opt + 60), oi->u.pe.salign);
    if (ndirs >= 2) {
        oi->u.pe.imp_rva = le32_or0(b, opt + stored + 8);
        oi->u.pe.imp_size = le32_or0(b, opt + stored + 12);
    }
    *vep = le32_or0(b, opt + 16);
    oi->u.pe.table = opt + optsize;
    oi->u.pe.nsec = nsec;
    if (!in_bounds(b, oi->u.pe.table, (uint64_t)nsec * SECT_HDR))
        return false;
    /* FileAlignment fallback: a section whose raw pointer is a multiple of
     * 0x200 but not of FileAlignment makes libclamav use 0x200 */
    for (uint32_t i = 0; oi->u.pe.falign != 0x200 && i < nsec; i++) {
        uint64_t h = oi->u.pe.table + (uint64_t)i * SECT_HDR;
        uint32_t rsz = le32_or0(b, h + 16), raw = le32_or0(b, h + 20);
        if (oi->u.pe.falign && rsz && raw % oi->u.pe.falign && raw % 0x200 == 0)
            oi->u.pe.falign = 0x200;
    }
    return true;
}

void cv_pe_init(cv_objinfo *oi)
{
    uint32_t vep = 0;
    if (!parse_headers(oi, &vep))
        return;
    /* Both of libclamav's views in one pass: cli_targetinfo keeps sections
     * past the end of the file (raw size 0) and checks their values;
     * cli_scanpe (.mdb, .imp) drops them unchecked and fails when none is
     * left. The entry point maps the same way in both. */
    bool any_bad = false, kept_bad = false, kept_any = false;
    for (uint32_t i = 0; i < oi->u.pe.nsec; i++) {
        cv_pe_sect s;
        if (!cv_pe_sect_at(oi, i, &s))
            return; /* cannot happen: parse_headers checked the table */
        bool bad = sign_bit_set(&s);
        any_bad |= bad;
        if (!s.missing) {
            kept_any = true;
            kept_bad |= bad;
        }
    }
    uint64_t budget = NO_BUDGET;
    uint32_t ep = 0;
    if ((any_bad && (kept_bad || !kept_any)) || !cv_pe_rawaddr(oi, vep, &ep, &budget))
        return;
    oi->u.pe.scan_valid = kept_any && !kept_bad;
    if (!any_bad) {
        oi->valid = true;
        oi->ep = ep;
        oi->nsections = oi->u.pe.nsec;
    }
}

uint32_t cv_objinfo_hashed_section_count(const cv_objinfo *oi)
{
    return oi->target == CV_TARGET_PE && oi->u.pe.scan_valid ? oi->u.pe.nsec : 0;
}

#define MAX_HASHED (1024u * 1024u * 1024u) /* libclamav's CLI_MAX_ALLOCATION */

bool cv_objinfo_hashed_section(const cv_objinfo *oi, uint32_t i, uint64_t *offset,
                               uint32_t *size)
{
    cv_pe_sect s;
    if (i >= cv_objinfo_hashed_section_count(oi) || !cv_pe_sect_at(oi, i, &s))
        return false;
    if (s.missing || s.rsz == 0 || s.rsz > MAX_HASHED)
        return false;
    *offset = s.raw;
    *size = s.rsz;
    return true;
}
