/*
 * objinfo_elf.c - ELF headers as libclamav 1.4's cli_elfheader reads them:
 * the entry point through the program headers only (the first segment of any
 * type whose memory range holds e_entry; 0 when e_entry or e_phnum is 0),
 * every section header counted (the null section is S0, NOBITS sections keep
 * their size), at most 128 program and 256 section headers, exact entry
 * sizes, and every header readable. Table offsets advance in the class's
 * width, as libclamav's do; values end up 32-bit. The field decoding is
 * lib/formats/elf's.
 */
#include "../formats/elf.h"
#include "objinfo_int.h"

#define MAX_PHDRS 128
#define MAX_SHDRS 256

/* Offset of entry i of a table at off, wrapping in the class's width. */
static uint64_t entry_at(const elf_file *e, uint64_t off, uint64_t i, uint64_t size)
{
    uint64_t at = off + i * size;
    return e->is64 ? at : (uint32_t)at;
}

/* cli_elf_ph32/64: false where libclamav fails; *ep the file offset. */
static bool entry_point(const elf_file *e, uint32_t *ep)
{
    *ep = 0;
    if (e->phnum > MAX_PHDRS)
        return false;
    if (e->phnum == 0 || e->entry == 0)
        return true;
    if (e->phentsize != elf_phdr_size(e))
        return false;
    elf_phdr ph[MAX_PHDRS];
    for (uint32_t i = 0; i < e->phnum; i++) {
        if (!elf_phdr_at(e, entry_at(e, e->phoff, i, elf_phdr_size(e)), &ph[i]))
            return false;
    }
    uint64_t mask = e->is64 ? UINT64_MAX : UINT32_MAX;
    for (uint32_t i = 0; i < e->phnum; i++) {
        if (ph[i].vaddr <= e->entry && ((ph[i].vaddr + ph[i].memsz) & mask) > e->entry) {
            *ep = (uint32_t)(e->entry - ph[i].vaddr + ph[i].offset);
            return true;
        }
    }
    return false;
}

static bool read_section(const cv_objinfo *oi, const elf_file *e, uint32_t i, elf_shdr *s)
{
    return elf_shdr_at(e, entry_at(e, oi->u.elf.shoff, i, elf_shdr_size(e)), s);
}

void cv_elf_init(cv_objinfo *oi)
{
    elf_file e;
    uint32_t ep = 0;
    if (!elf_parse(oi->data, oi->len, &e) || !entry_point(&e, &ep))
        return;
    if (e.shnum > MAX_SHDRS || e.shentsize != elf_shdr_size(&e))
        return;
    oi->u.elf.shoff = e.shoff;
    oi->u.elf.is64 = e.is64;
    oi->u.elf.big_endian = e.big_endian;
    for (uint32_t i = 0; i < e.shnum; i++) {
        elf_shdr s;
        if (!read_section(oi, &e, i, &s))
            return;
    }
    oi->valid = true;
    oi->ep = ep;
    oi->nsections = e.shnum;
}

bool cv_elf_section(const cv_objinfo *oi, uint32_t i, uint32_t *raw, uint32_t *size)
{
    elf_file e;
    elf_shdr s;
    if (!elf_parse(oi->data, oi->len, &e) || !read_section(oi, &e, i, &s))
        return false;
    *raw = (uint32_t)s.offset;
    *size = (uint32_t)s.size;
    return true;
}
