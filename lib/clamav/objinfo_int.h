/*
 * objinfo_int.h - what objinfo.c (classification, ELF, Mach-O) and the PE
 * files (objinfo_pe.c headers and sections, objinfo_imp.c import string)
 * share. Not part of the objinfo API.
 */
#ifndef VIGIL_CLAMAV_OBJINFO_INT_H
#define VIGIL_CLAMAV_OBJINFO_INT_H

#include "objinfo.h"

/* One PE section as libclamav keeps it (struct cli_exe_section): aligned
 * values, 32-bit arithmetic. */
typedef struct cv_pe_sect {
    uint32_t rva, vsz, raw, rsz;    /* aligned (rsz truncated at EOF) */
    uint32_t urva, uvsz, uraw, ursz; /* as stored (ursz truncated at EOF) */
    bool missing; /* raw data starts past EOF: rsz zeroed, or dropped by cli_scanpe */
} cv_pe_sect;

/* Parses oi->data as cli_peheader does (oi->target is already PE). */
void cv_pe_init(cv_objinfo *oi);

/* Section header i (below the header's NumberOfSections), decoded. */
bool cv_pe_sect_at(const cv_objinfo *oi, uint32_t i, cv_pe_sect *s);

/* cli_rawaddr: the file offset of rva; false where libclamav sets err.
 * *budget is decreased by the sections visited (false once exhausted). */
bool cv_pe_rawaddr(const cv_objinfo *oi, uint32_t rva, uint32_t *off, uint64_t *budget);

/* ELF (objinfo_elf.c) and Mach-O (objinfo_macho.c): header parse into oi
 * (oi->target already set), and section i below oi->nsections. */
void cv_elf_init(cv_objinfo *oi);
bool cv_elf_section(const cv_objinfo *oi, uint32_t i, uint32_t *raw, uint32_t *size);
void cv_macho_init(cv_objinfo *oi);
bool cv_macho_section(const cv_objinfo *oi, uint32_t i, uint32_t *raw, uint32_t *size);


#endif
