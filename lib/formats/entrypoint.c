/*
 * entrypoint.c - yara's entry point offset for PE and ELF (see the header).
 * Layout constants are the PE/COFF and ELF specifications' field offsets;
 * every read goes through the bounds-checked cursor.
 */
#include "entrypoint.h"

#include "../util/cursor.h"

#define PE_DOS_HEADER_SIZE 64
#define PE_FILE_HEADER_SIZE 20
#define PE_OPT_HEADER32_SIZE 224
#define PE_SECTION_SIZE 40
#define PE_MAX_SECTIONS 60 /* yara looks at no more than 60 sections */

static bool pe_entrypoint(bytes b, uint64_t *offset)
{
    uint16_t mz = 0, machine = 0, nsect = 0, optsize = 0;
    uint32_t lfanew = 0, sig = 0, ep = 0;
    if (b.len < PE_DOS_HEADER_SIZE || !rd_u16le(b, 0, &mz) || mz != 0x5A4D ||
        !rd_u32le(b, 0x3c, &lfanew) || (int32_t)lfanew < 0)
        return false;
    uint64_t headers = (uint64_t)lfanew + 4 + PE_FILE_HEADER_SIZE;
    if (b.len < headers)
        return false;
    headers += PE_OPT_HEADER32_SIZE;
    if (!rd_u32le(b, lfanew, &sig) || !rd_u16le(b, lfanew + 4, &machine) || sig != 0x4550 ||
        (machine != 0x14c && machine != 0x8664) || !(b.len > headers))
        return false;
    /* From here the headers are known to be in the buffer. */
    bytes pe = {b.p + lfanew, b.len - lfanew};
    rd_u16le(pe, 4 + 2, &nsect);
    rd_u16le(pe, 4 + 16, &optsize);
    rd_u32le(pe, 4 + PE_FILE_HEADER_SIZE + 16, &ep);
    uint64_t sect = 4 + PE_FILE_HEADER_SIZE + (uint64_t)optsize;
    uint32_t sect_rva = 0, sect_off = 0;
    int n = nsect < PE_MAX_SECTIONS ? nsect : PE_MAX_SECTIONS;
    for (int i = 0; i < n; i++, sect += PE_SECTION_SIZE) {
        uint32_t va = 0, raw = 0;
        if (!(sect + PE_SECTION_SIZE < pe.len)) {
            *offset = 0;
            return true;
        }
        rd_u32le(pe, sect + 12, &va);
        rd_u32le(pe, sect + 20, &raw);
        if (ep >= va && sect_rva <= va) {
            sect_rva = va;
            sect_off = raw;
        }
    }
    *offset = (uint64_t)sect_off + ((uint64_t)ep - sect_rva);
    return true;
}

/* One ELF class's header and table geometry. */
typedef struct elf_geom {
    bool is64;
    uint64_t hdr_size, entry, phoff, shoff, phnum, shnum;
    uint64_t ph_size, ph_off, ph_vaddr, ph_memsz;
    uint64_t sh_size, sh_type, sh_addr, sh_off, sh_sz;
} elf_geom;

static const elf_geom elf32 = {false, 52, 24, 28, 32, 44, 48, 32, 4, 8, 20, 40, 4, 12, 16, 20};
static const elf_geom elf64 = {true, 64, 24, 32, 40, 56, 60, 56, 8, 16, 40, 64, 4, 16, 24, 32};

static uint64_t rd_word(bytes b, const elf_geom *g, uint64_t off)
{
    if (g->is64) {
        uint64_t v = 0;
        rd_u64le(b, off, &v);
        return v;
    }
    uint32_t v = 0;
    rd_u32le(b, off, &v);
    return v;
}

static uint64_t elf_rva_to_offset(bytes b, const elf_geom *g, uint64_t rva)
{
    uint16_t type = 0, phnum = 0, shnum = 0;
    rd_u16le(b, 16, &type);
    rd_u16le(b, g->phnum, &phnum);
    rd_u16le(b, g->shnum, &shnum);
    /* 32-bit sums wrap as they do in yara's 32-bit arithmetic */
    uint64_t mask = g->is64 ? UINT64_MAX : UINT32_MAX;
    if (type == 2) { /* ET_EXEC: program headers */
        uint64_t phoff = rd_word(b, g, g->phoff);
        if (phoff == 0 || phnum == 0 || !in_bounds(b, phoff, (uint64_t)phnum * g->ph_size))
            return 0;
        for (uint64_t i = 0; i < phnum; i++) {
            uint64_t ph = phoff + i * g->ph_size;
            uint64_t va = rd_word(b, g, ph + g->ph_vaddr);
            uint64_t msz = rd_word(b, g, ph + g->ph_memsz);
            if (rva >= va && rva < ((va + msz) & mask))
                return rd_word(b, g, ph + g->ph_off) + (rva - va);
        }
        return 0;
    }
    uint64_t shoff = rd_word(b, g, g->shoff);
    if (shoff == 0 || shnum == 0 || !in_bounds(b, shoff, (uint64_t)shnum * g->sh_size))
        return 0;
    for (uint64_t i = 0; i < shnum; i++) {
        uint64_t sh = shoff + i * g->sh_size;
        uint32_t stype = 0;
        rd_u32le(b, sh + g->sh_type, &stype);
        uint64_t addr = rd_word(b, g, sh + g->sh_addr);
        uint64_t size = rd_word(b, g, sh + g->sh_sz);
        if (stype != 0 && stype != 8 && rva >= addr && rva < ((addr + size) & mask))
            return rd_word(b, g, sh + g->sh_off) + (rva - addr);
    }
    return 0;
}

static bool elf_entrypoint(bytes b, uint64_t *offset)
{
    uint32_t magic = 0;
    uint8_t cls = 0;
    if (b.len < 16 || !rd_u32le(b, 0, &magic) || magic != 0x464C457F || !rd_u8(b, 4, &cls))
        return false;
    const elf_geom *g = cls == 1 ? &elf32 : cls == 2 ? &elf64 : NULL;
    if (!g || b.len < g->hdr_size)
        return false;
    *offset = elf_rva_to_offset(b, g, rd_word(b, g, g->entry));
    return true;
}

bool fmt_entrypoint_offset(const uint8_t *data, size_t len, uint64_t *offset)
{
    bytes b = {data, len};
    return pe_entrypoint(b, offset) || elf_entrypoint(b, offset);
}
