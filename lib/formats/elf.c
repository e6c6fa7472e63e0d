/*
 * elf.c - the ELF reader of elf.h. Field offsets are the System V ABI's
 * (gABI) for each class; one table per class keeps the 32- and 64-bit paths
 * the same code. Every multi-byte read goes through rd(), which checks the
 * bounds and applies the file's byte order.
 */
#include "elf.h"

/* Byte offsets and widths (4 or 8) of the fields that differ by class. */
typedef struct elf_layout {
    uint8_t word; /* size of addresses, offsets and xwords */
    uint8_t ehdr, shdr, phdr, sym, dyn;
    /* file header */
    uint8_t e_entry, e_phoff, e_shoff, e_flags, e_ehsize;
    /* section header: name and type come first in both classes */
    uint8_t sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize;
    /* program header: type first in both classes */
    uint8_t p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
    /* symbol: name first in both classes */
    uint8_t st_info, st_other, st_shndx, st_value, st_size;
} elf_layout;

static const elf_layout layout32 = {
    .word = 4, .ehdr = 52, .shdr = 40, .phdr = 32, .sym = 16, .dyn = 8,
    .e_entry = 24, .e_phoff = 28, .e_shoff = 32, .e_flags = 36, .e_ehsize = 40,
    .sh_flags = 8, .sh_addr = 12, .sh_offset = 16, .sh_size = 20, .sh_link = 24, .sh_info = 28,
    .sh_addralign = 32, .sh_entsize = 36,
    .p_offset = 4, .p_vaddr = 8, .p_paddr = 12, .p_filesz = 16, .p_memsz = 20, .p_flags = 24,
    .p_align = 28,
    .st_value = 4, .st_size = 8, .st_info = 12, .st_other = 13, .st_shndx = 14,
};

static const elf_layout layout64 = {
    .word = 8, .ehdr = 64, .shdr = 64, .phdr = 56, .sym = 24, .dyn = 16,
    .e_entry = 24, .e_phoff = 32, .e_shoff = 40, .e_flags = 48, .e_ehsize = 52,
    .sh_flags = 8, .sh_addr = 16, .sh_offset = 24, .sh_size = 32, .sh_link = 40, .sh_info = 44,
    .sh_addralign = 48, .sh_entsize = 56,
    .p_flags = 4, .p_offset = 8, .p_vaddr = 16, .p_paddr = 24, .p_filesz = 32, .p_memsz = 40,
    .p_align = 48,
    .st_info = 4, .st_other = 5, .st_shndx = 6, .st_value = 8, .st_size = 16,
};

static const elf_layout *lay(const elf_file *e)
{
    return e->is64 ? &layout64 : &layout32;
}

/* An n-byte unsigned field (n = 1, 2, 4 or 8) at off, in the file's byte
 * order; false when it does not fit. */
static bool rd(const elf_file *e, uint64_t off, unsigned n, uint64_t *v)
{
    if (!in_bounds(e->b, off, n))
        return false;
    const uint8_t *p = e->b.p + off;
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = e->big_endian ? i : n - 1 - i;
        x = x << 8 | p[k];
    }
    *v = x;
    return true;
}

/* Reads of fields already known to be in bounds (the caller checked the
 * whole structure), so the result of rd() needs no check. */
static uint64_t get(const elf_file *e, uint64_t off, unsigned n)
{
    uint64_t v = 0;
    (void)rd(e, off, n, &v);
    return v;
}

bool elf_parse(const uint8_t *data, size_t len, elf_file *e)
{
    bytes b = {data, len};
    uint32_t magic = 0;
    uint8_t cls = 0, order = 0;
    if (!rd_u32le(b, 0, &magic) || magic != 0x464C457F || !rd_u8(b, 4, &cls) ||
        !rd_u8(b, 5, &order))
        return false;
    if ((cls != ELF_CLASS32 && cls != ELF_CLASS64) ||
        (order != ELF_DATA_LSB && order != ELF_DATA_MSB))
        return false;
    elf_file f = {.b = b, .is64 = cls == ELF_CLASS64, .big_endian = order == ELF_DATA_MSB};
    const elf_layout *l = lay(&f);
    if (len < l->ehdr)
        return false;
    f.type = (uint16_t)get(&f, 16, 2);
    f.machine = (uint16_t)get(&f, 18, 2);
    f.version = (uint32_t)get(&f, 20, 4);
    f.entry = get(&f, l->e_entry, l->word);
    f.phoff = get(&f, l->e_phoff, l->word);
    f.shoff = get(&f, l->e_shoff, l->word);
    f.flags = (uint32_t)get(&f, l->e_flags, 4);
    f.ehsize = (uint16_t)get(&f, l->e_ehsize, 2);
    f.phentsize = (uint16_t)get(&f, l->e_ehsize + 2u, 2);
    f.phnum = (uint16_t)get(&f, l->e_ehsize + 4u, 2);
    f.shentsize = (uint16_t)get(&f, l->e_ehsize + 6u, 2);
    f.shnum = (uint16_t)get(&f, l->e_ehsize + 8u, 2);
    f.shstrndx = (uint16_t)get(&f, l->e_ehsize + 10u, 2);
    *e = f;
    return true;
}

uint64_t elf_ehdr_size(const elf_file *e)
{
    return lay(e)->ehdr;
}

uint64_t elf_shdr_size(const elf_file *e)
{
    return lay(e)->shdr;
}

uint64_t elf_phdr_size(const elf_file *e)
{
    return lay(e)->phdr;
}

uint64_t elf_sym_size(const elf_file *e)
{
    return lay(e)->sym;
}

uint64_t elf_dyn_size(const elf_file *e)
{
    return lay(e)->dyn;
}

bool elf_fits(const elf_file *e, uint64_t off, uint64_t count, uint64_t entsize)
{
    uint64_t n;
    if (__builtin_mul_overflow(count, entsize, &n))
        return false;
    return in_bounds(e->b, off, n);
}

bool elf_shdr_at(const elf_file *e, uint64_t off, elf_shdr *s)
{
    const elf_layout *l = lay(e);
    if (!in_bounds(e->b, off, l->shdr))
        return false;
    s->name = (uint32_t)get(e, off, 4);
    s->type = (uint32_t)get(e, off + 4, 4);
    s->flags = get(e, off + l->sh_flags, l->word);
    s->addr = get(e, off + l->sh_addr, l->word);
    s->offset = get(e, off + l->sh_offset, l->word);
    s->size = get(e, off + l->sh_size, l->word);
    s->link = (uint32_t)get(e, off + l->sh_link, 4);
    s->info = (uint32_t)get(e, off + l->sh_info, 4);
    s->addralign = get(e, off + l->sh_addralign, l->word);
    s->entsize = get(e, off + l->sh_entsize, l->word);
    return true;
}

bool elf_phdr_at(const elf_file *e, uint64_t off, elf_phdr *p)
{
    const elf_layout *l = lay(e);
    if (!in_bounds(e->b, off, l->phdr))
        return false;
    p->type = (uint32_t)get(e, off, 4);
    p->flags = (uint32_t)get(e, off + l->p_flags, 4);
    p->offset = get(e, off + l->p_offset, l->word);
    p->vaddr = get(e, off + l->p_vaddr, l->word);
    p->paddr = get(e, off + l->p_paddr, l->word);
    p->filesz = get(e, off + l->p_filesz, l->word);
    p->memsz = get(e, off + l->p_memsz, l->word);
    p->align = get(e, off + l->p_align, l->word);
    return true;
}

bool elf_sym_at(const elf_file *e, uint64_t off, elf_sym *s)
{
    const elf_layout *l = lay(e);
    if (!in_bounds(e->b, off, l->sym))
        return false;
    s->name = (uint32_t)get(e, off, 4);
    s->info = (uint8_t)get(e, off + l->st_info, 1);
    s->other = (uint8_t)get(e, off + l->st_other, 1);
    s->shndx = (uint16_t)get(e, off + l->st_shndx, 2);
    s->value = get(e, off + l->st_value, l->word);
    s->size = get(e, off + l->st_size, l->word);
    return true;
}

bool elf_dyn_at(const elf_file *e, uint64_t off, elf_dyn *d)
{
    const elf_layout *l = lay(e);
    if (!in_bounds(e->b, off, l->dyn))
        return false;
    d->tag = get(e, off, l->word);
    d->val = get(e, off + l->word, l->word);
    return true;
}

bool elf_section(const elf_file *e, uint64_t i, elf_shdr *s)
{
    uint64_t off;
    if (__builtin_mul_overflow(i, (uint64_t)lay(e)->shdr, &off) ||
        __builtin_add_overflow(off, e->shoff, &off))
        return false;
    return elf_shdr_at(e, off, s);
}

bool elf_segment(const elf_file *e, uint64_t i, elf_phdr *p)
{
    uint64_t off;
    if (__builtin_mul_overflow(i, (uint64_t)lay(e)->phdr, &off) ||
        __builtin_add_overflow(off, e->phoff, &off))
        return false;
    return elf_phdr_at(e, off, p);
}

bool elf_strtab_entry(const elf_file *e, uint64_t tab_off, uint64_t tab_end, uint64_t index,
                      const uint8_t **s, size_t *len)
{
    if (tab_end > e->b.len)
        tab_end = e->b.len;
    if (tab_off >= tab_end || e->b.p[tab_off] != 0)
        return false;
    if (index >= tab_end - tab_off)
        return false;
    const uint8_t *start = e->b.p + tab_off + index;
    size_t room = (size_t)(tab_end - tab_off - index);
    for (size_t n = 0; n < room; n++) {
        if (start[n] == 0) {
            *s = start;
            *len = n;
            return true;
        }
    }
    return false; /* runs into the end of the table */
}

/* A region [start, start + size) contains va, with the sum wrapping at the
 * class's width as yara's uint32_t/uint64_t arithmetic does. */
static bool contains(const elf_file *e, uint64_t start, uint64_t size, uint64_t va)
{
    uint64_t end = start + size;
    if (!e->is64)
        end &= UINT32_MAX;
    return va >= start && va < end;
}

bool elf_vaddr_to_offset(const elf_file *e, uint64_t va, uint64_t *off)
{
    if (e->type == ELF_ET_EXEC) {
        if (e->phoff == 0 || e->phnum == 0 || !elf_fits(e, e->phoff, e->phnum, lay(e)->phdr))
            return false;
        for (uint64_t i = 0; i < e->phnum; i++) {
            elf_phdr p;
            if (elf_segment(e, i, &p) && contains(e, p.vaddr, p.memsz, va)) {
                *off = p.offset + (va - p.vaddr);
                return true;
            }
        }
        return false;
    }
    if (e->shoff == 0 || e->shnum == 0 || !elf_fits(e, e->shoff, e->shnum, lay(e)->shdr))
        return false;
    for (uint64_t i = 0; i < e->shnum; i++) {
        elf_shdr s;
        if (elf_section(e, i, &s) && s.type != ELF_SHT_NULL && s.type != ELF_SHT_NOBITS &&
            contains(e, s.addr, s.size, va)) {
            *off = s.offset + (va - s.addr);
            return true;
        }
    }
    return false;
}
