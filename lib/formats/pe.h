/*
 * pe.h - a bounds-checked view of a PE (Windows executable) file: headers,
 * section table, data directories and RVA-to-offset mapping, shared by the
 * YARA pe module, the dotnet module (the CLI header's directory) and the
 * ClamAV front end (entry point, sections).
 *
 * The view copies the header fields it decodes and keeps a pointer to the
 * bytes; everything else is read on demand through lib/util/cursor.h.
 * Acceptance and mapping follow yara 4.2.3's pe_utils.c (which files are
 * PE, how an RVA maps to a file offset, which directories exist) so that
 * values computed from the view equal yara's, quirks included; each quirk is
 * named where it is implemented.
 */
#ifndef VIGIL_FORMATS_PE_H
#define VIGIL_FORMATS_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* yara looks at no more than this many section headers */
#define FMT_PE_MAX_SECTIONS 96
#define FMT_PE_DIRECTORIES 16

/* Data directory indices (IMAGE_DIRECTORY_ENTRY_*). */
enum {
    FMT_PE_DIR_EXPORT = 0,
    FMT_PE_DIR_IMPORT = 1,
    FMT_PE_DIR_RESOURCE = 2,
    FMT_PE_DIR_SECURITY = 4,
    FMT_PE_DIR_DEBUG = 6,
    FMT_PE_DIR_DELAY_IMPORT = 13,
    FMT_PE_DIR_CLR = 14,
};

typedef struct fmt_pe_section {
    uint8_t name[8]; /* NUL-padded, not necessarily NUL-terminated */
    uint32_t virtual_size, virtual_address;
    uint32_t raw_size, raw_offset;
    uint32_t relocations_offset, line_numbers_offset;
    uint16_t relocations, line_numbers;
    uint32_t characteristics;
} fmt_pe_section;

typedef struct fmt_pe {
    const uint8_t *data;
    size_t len;
    uint32_t nt_offset;  /* e_lfanew: the "PE\0\0" signature */
    uint64_t opt_offset; /* the optional header */
    bool is64;           /* PE32+ (optional header magic 0x20b) */

    /* COFF file header */
    uint16_t machine, number_of_sections, size_of_optional_header, characteristics;
    uint32_t timestamp, pointer_to_symbol_table, number_of_symbols;

    /* optional header (PE32 fields widened; base_of_data is PE32 only) */
    uint16_t magic;
    uint8_t linker_major, linker_minor;
    uint32_t size_of_code, size_of_initialized_data, size_of_uninitialized_data;
    uint32_t entry_point; /* AddressOfEntryPoint, an RVA */
    uint32_t base_of_code, base_of_data;
    uint64_t image_base;
    uint32_t section_alignment, file_alignment;
    uint16_t os_major, os_minor, image_major, image_minor, subsystem_major, subsystem_minor;
    uint32_t win32_version_value, size_of_image, size_of_headers, checksum;
    uint16_t subsystem, dll_characteristics;
    uint64_t stack_reserve, stack_commit, heap_reserve, heap_commit;
    uint32_t loader_flags, number_of_rva_and_sizes;

    uint64_t section_table; /* file offset of the first section header */

    /* What fmt_pe_rva_to_offset needs of the section table, decoded once by
     * fmt_pe_parse (modules map thousands of RVAs per file) */
    struct fmt_pe_span {
        uint32_t rva, vsize, offset, raw; /* offset already rounded down */
    } spans[FMT_PE_MAX_SECTIONS];
    unsigned nspans;
    uint32_t lowest_rva;
    bool table_cut; /* a section header runs past the end of the file */
} fmt_pe;

/* Decodes the headers when data is a PE file as yara 4.2.3 accepts one
 * ("MZ", e_lfanew >= 0, "PE\0\0", a whole optional header in the file, any
 * machine type); false otherwise (pe is then unspecified). Never reads out
 * of bounds. */
bool fmt_pe_parse(const uint8_t *data, size_t len, fmt_pe *pe);

/* The number of section headers yara looks at: min(NumberOfSections, 96). */
unsigned fmt_pe_section_count(const fmt_pe *pe);
/* Section header i; false when it lies (even partly) outside the file. */
bool fmt_pe_section_at(const fmt_pe *pe, unsigned i, fmt_pe_section *s);

/* Data directory `entry` (FMT_PE_DIR_*); false when absent. yara 4.2.3
 * takes an entry as present when entry <= NumberOfRvaAndSizes (one more
 * than the count, an off-by-one kept for equal values) and does not look at
 * SizeOfOptionalHeader; the slot itself is always in the file, since the
 * whole optional header is. */
bool fmt_pe_directory(const fmt_pe *pe, unsigned entry, uint32_t *rva, uint32_t *size);

/* The file offset of an RVA, or -1 when it maps to no file byte: the
 * section holding it (highest virtual address wins, raw offsets rounded
 * down to min(FileAlignment, 0x200)), or the headers for RVAs below every
 * section. A section header cut by the end of the file makes every RVA
 * unmapped, as in yara. */
int64_t fmt_pe_rva_to_offset(const fmt_pe *pe, uint64_t rva);

/* The entry point's file offset (-1 when unmapped). */
int64_t fmt_pe_entry_offset(const fmt_pe *pe);

/* The name of function `ordinal` imported by ordinal from dll, for the
 * DLLs whose ordinals the pefile tables name (ws2_32, wsock32, oleaut32);
 * NULL for any other (callers write "ordN"). */
const char *fmt_pe_ordinal_name(const char *dll, uint16_t ordinal);

/* Whether [off, off + n) lies in the file (helpers for readers of the view). */
bool fmt_pe_fits(const fmt_pe *pe, uint64_t off, uint64_t n);

#endif
