/*
 * elf.h - a bounds-checked reader of ELF files (32/64-bit, little and big
 * endian): the file header, section and program headers, symbols, dynamic
 * entries and string-table entries, each read on demand by index or offset
 * from the untrusted bytes. Nothing is allocated and nothing is trusted: every
 * read says whether it fit in the file, so callers decide what a truncated or
 * absurd table means (yara's elf module, ClamAV's entry point and section
 * checks). Callers bound their own loops; counts in the header are at most
 * 65535 and symbol/dynamic walks are bounded by the file size.
 */
#ifndef VIGIL_FORMATS_ELF_H
#define VIGIL_FORMATS_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/cursor.h"

/* e_ident[EI_CLASS] and e_ident[EI_DATA] values */
#define ELF_CLASS32 1
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1
#define ELF_DATA_MSB 2

#define ELF_ET_EXEC 2
#define ELF_SHT_NULL 0
#define ELF_SHT_SYMTAB 2
#define ELF_SHT_STRTAB 3
#define ELF_SHT_NOBITS 8
#define ELF_SHT_DYNSYM 11
#define ELF_PT_DYNAMIC 2
#define ELF_DT_NULL 0
#define ELF_SHN_LORESERVE 0xff00
#define ELF_PN_XNUM 0xffff

/* The file header, widened to 64 bits for both classes. */
typedef struct elf_file {
    bytes b; /* the whole file */
    bool is64;
    bool big_endian;
    uint16_t type, machine;
    uint32_t version, flags;
    uint64_t entry, phoff, shoff;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} elf_file;

typedef struct elf_shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
} elf_shdr;

typedef struct elf_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
} elf_phdr;

typedef struct elf_sym {
    uint32_t name;
    uint8_t info, other;
    uint16_t shndx;
    uint64_t value, size;
} elf_sym;

typedef struct elf_dyn {
    uint64_t tag; /* d_tag as stored, zero-extended in ELF32 (as yara reads it) */
    uint64_t val;
} elf_dyn;

/* Parses the file header: false unless data starts with \x7fELF, a known
 * class and byte order, and holds the whole header for that class. */
bool elf_parse(const uint8_t *data, size_t len, elf_file *e);

/* The on-disk sizes of the structures for e's class (the specification's,
 * whatever e_shentsize and e_phentsize claim). */
uint64_t elf_ehdr_size(const elf_file *e);
uint64_t elf_shdr_size(const elf_file *e);
uint64_t elf_phdr_size(const elf_file *e);
uint64_t elf_sym_size(const elf_file *e);
uint64_t elf_dyn_size(const elf_file *e);

/* Whether count entries of entsize bytes starting at off lie in the file
 * (overflow-safe). */
bool elf_fits(const elf_file *e, uint64_t off, uint64_t count, uint64_t entsize);

/* Structures at a file offset; false when they do not fit. */
bool elf_shdr_at(const elf_file *e, uint64_t off, elf_shdr *s);
bool elf_phdr_at(const elf_file *e, uint64_t off, elf_phdr *p);
bool elf_sym_at(const elf_file *e, uint64_t off, elf_sym *s);
bool elf_dyn_at(const elf_file *e, uint64_t off, elf_dyn *d);

/* Section i / segment i of the header's tables (shoff + i * spec size). */
bool elf_section(const elf_file *e, uint64_t i, elf_shdr *s);
bool elf_segment(const elf_file *e, uint64_t i, elf_phdr *p);

/* The NUL-terminated string at index of a string table occupying
 * [tab_off, tab_end) of the file (tab_end is clamped to the file). As yara
 * and binutils expect, the table's first byte must be NUL, and a string
 * running into tab_end is rejected. *s points into the file; *len excludes
 * the NUL. */
bool elf_strtab_entry(const elf_file *e, uint64_t tab_off, uint64_t tab_end, uint64_t index,
                      const uint8_t **s, size_t *len);

/* The file offset of virtual address va, as yara 4.2 computes it: through the
 * program headers for ET_EXEC files, else through the sections (not NULL or
 * NOBITS); the first region containing va wins. Address sums wrap at the
 * class's width (32-bit files wrap at 2^32). False when no table fits the
 * file or no region contains va. */
bool elf_vaddr_to_offset(const elf_file *e, uint64_t va, uint64_t *off);

#endif
