/*
 * objinfo.h - what libclamav knows about a scanned object that signatures
 * refer to: its target type (PE, ELF, Mach-O), entry point and sections
 * (offsets EP+n, Sx+n, SEx, SL+n; EntryPoint and NumberOfSections of logical
 * signatures' target blocks), the PE sections .mdb/.msb hash and the import
 * string .imp hashes. libclamav 1.4's semantics, quirks included (checked
 * against clamscan 1.4.6, see tests/unit/test_clamav_objinfo.c):
 *
 * - The target follows the file type alone: "MZ" at 0 is PE (1), "\x7fELF"
 *   is ELF (6), a Mach-O magic or a universal binary (cafebabe with fewer
 *   than 32 architectures) is Mach-O (9).
 * - The headers are then parsed as libclamav's cli_peheader, cli_elfheader
 *   and cli_machoheader do. When that fails (cv_objinfo_valid false), the
 *   object has no entry point and no sections, and clamscan also drops every
 *   EOF-n offset for it, even in target-0 signatures.
 * - Offsets and sizes are 32-bit as libclamav stores them (64-bit ELF and
 *   Mach-O values are truncated).
 *
 * Nothing is allocated; the struct is filled from the headers once per
 * object and keeps a pointer to the bytes, which must outlive it.
 */
#ifndef VIGIL_CLAMAV_OBJINFO_H
#define VIGIL_CLAMAV_OBJINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CV_TARGET_NONE = 0, CV_TARGET_PE = 1, CV_TARGET_ELF = 6, CV_TARGET_MACHO = 9 };

/* How many enclosing objects' types an object keeps (.ldb Intermediates
 * lists up to 16). */
#define CV_MAX_UP 16

typedef struct cv_objinfo {
    const uint8_t *data;
    size_t len;
    uint32_t target;    /* CV_TARGET_*: the executable format parsed */
    uint32_t targets;   /* bit t: target-t signatures apply in the current pass
                         * (ftype.h decides; cv_objinfo_init sets target's) */
    uint32_t depth;     /* layers libclamav counts above the pass (0: the file) */
    /* CL_TYPE_* codes of the objects this one was extracted from, nearest
     * (its container) first, CL_TYPE_ANY past the file: what .ldb Container
     * and Intermediates compare. A mail's parts have the mail's type first;
     * normalised views keep their object's list (libclamav skips normalised
     * layers: cli_recursion_stack_get_type). The scanner fills it. */
    uint16_t up[CV_MAX_UP];
    /* A normalised layer (libclamav's LAYER_ATTRIBUTES_NORMALIZED: the files
     * its HTML normaliser writes) stands in for its parent in that list:
     * objects inside it see outer_type, its parent's type, as their
     * container. */
    bool normalized;
    uint16_t outer_type;
    bool valid;         /* libclamav parsed the headers (cli_targetinfo status 1) */
    uint32_t ep;        /* entry point file offset, when valid */
    uint32_t nsections; /* section count, when valid */
    bool has_imghash;   /* the scanner computed the image's fuzzy hash: */
    uint64_t imghash;   /* lib/clamav/imghash.h, first byte most significant */
    /* Format state for the accessors (objinfo_pe.c, objinfo.c). */
    union {
        struct {
            uint64_t table;         /* file offset of the section headers */
            uint32_t nsec;          /* NumberOfSections */
            uint32_t salign, falign; /* falign after libclamav's fallback to 0x200 */
            uint32_t hdr_size;      /* SizeOfHeaders rounded up to salign */
            uint32_t imp_rva, imp_size; /* data directory 1 (0 when absent) */
            bool pe32plus;
            bool scan_valid; /* cli_scanpe's own parse (drops sections past EOF) */
        } pe;
        struct {
            uint64_t shoff;
            bool is64, big_endian;
        } elf;
        struct {
            uint32_t ncmds;
            bool m64, big_endian;
        } macho;
    } u;
} cv_objinfo;

/* Classifies data (headers only; once per scanned object). */
void cv_objinfo_init(cv_objinfo *oi, const uint8_t *data, size_t len);

/* ClamAV target type: 1 PE, 6 ELF, 9 Mach-O, 0 none of them. */
uint32_t cv_objinfo_target(const cv_objinfo *oi);

/* Whether the headers parsed (target != 0 and libclamav's cli_targetinfo
 * succeeded). When target != 0 and this is false, clamscan computes no
 * EP, Sx, SEx, SL and no EOF-n offset, and .ldb EntryPoint/NumberOfSections
 * are false. */
bool cv_objinfo_valid(const cv_objinfo *oi);

/* Whether EOF-n offsets exist for this object: false exactly for the
 * objects of a target whose headers did not parse. */
bool cv_objinfo_eof_usable(const cv_objinfo *oi);

/* The entry point's file offset as EP+n uses it (and .ldb EntryPoint). */
bool cv_objinfo_entry(const cv_objinfo *oi, uint64_t *file_offset);

/* The section count (.ldb NumberOfSections; Sx is 0-based below it, SL is
 * the last one). 0 when the headers did not parse. */
uint32_t cv_objinfo_section_count(const cv_objinfo *oi);

/* Section i's raw offset and size as Sx+n (start) and SEx (start, start +
 * size) use them: PE offsets aligned down to FileAlignment and sizes up,
 * truncated at the end of the file (0 for a section starting past it);
 * ELF sh_offset/sh_size (NOBITS and the null section included); Mach-O
 * section offset and size rounded up to the section's alignment. */
bool cv_objinfo_section(const cv_objinfo *oi, uint32_t i, uint64_t *raw_offset,
                        uint64_t *raw_size);

/* .mdb/.msb: the PE sections clamscan hashes. Call for i below
 * cv_objinfo_hashed_section_count(); true when section header i is hashed,
 * with the hashed bytes [offset, offset + size) of the object and size the
 * value .mdb lines compare. PE32 and PE32+; sections with no raw data, past
 * the end of the file or over 1 GiB are not hashed. */
uint32_t cv_objinfo_hashed_section_count(const cv_objinfo *oi);
bool cv_objinfo_hashed_section(const cv_objinfo *oi, uint32_t i, uint64_t *offset,
                               uint32_t *size);

/* .imp: libclamav's import string of a PE32 file (not PE32+, which clamscan
 * does not hash): "dll.function" entries lower-cased, comma-separated, in
 * descriptor and thunk order; the dll's .dll/.ocx/.sys extension dropped,
 * imports by ordinal named as libclamav names them ("ordN" when unknown).
 * The string goes to sink in pieces (each call one entry, its comma
 * included); *size is its length, the size .imp lines compare. False when
 * clamscan computes no import hash for the object (no import directory, a
 * name with characters other than [A-Za-z0-9_.], an unmapped descriptor,
 * ...), or past vigil's work cap on hostile tables (2^26 section lookups). */
typedef void (*cv_import_sink)(void *arg, const uint8_t *piece, size_t n);
bool cv_objinfo_import_string(const cv_objinfo *oi, cv_import_sink sink, void *arg,
                              uint32_t *size);

/* The MD5 of that string (an OpenSSL digest context is made per call). */
bool cv_objinfo_import_hash(const cv_objinfo *oi, uint8_t md5[16], uint32_t *size);

/* VI offsets (objinfo_vi.c): the file offsets of the keys of the PE's
 * version-information strings (StringFileInfo of the RT_VERSION resources),
 * as libclamav's cli_peheader collects them; a VI subsignature matches only
 * where a match starts at one of them. Empty unless the object is a PE whose
 * headers parsed (cv_objinfo_valid) with a resource directory. *keys is
 * sorted and without duplicates (at most 16 * 3276 entries), NULL when
 * empty; free() it. False only when out of memory. */
bool cv_objinfo_version_keys(const cv_objinfo *oi, uint32_t **keys, size_t *n);

/* Whether offset is one of those keys (binary search). */
bool cv_version_key_in(const uint32_t *keys, size_t n, uint64_t offset);

#endif
