/*
 * pe.c - the PE view (see pe.h): header decoding and RVA mapping. Field
 * offsets are the PE/COFF specification's; acceptance rules and the RVA
 * mapping are yara 4.2.3's, because the values built on them must be
 * yara's. Every read goes through the bounds-checked cursor.
 */
#include "pe.h"

#include "../util/cursor.h"

#define DOS_HEADER_SIZE 64
#define FILE_HEADER_SIZE 20
#define OPT_HEADER32_SIZE 224
#define OPT_HEADER64_SIZE 240
#define SECTION_HEADER_SIZE 40
#define DATA_DIRECTORY_SIZE 8

bool fmt_pe_fits(const fmt_pe *pe, uint64_t off, uint64_t n)
{
    return in_bounds((bytes){pe->data, pe->len}, off, n);
}

static uint64_t u64(bytes b, uint64_t off)
{
    uint64_t v = 0;
    rd_u64le(b, off, &v);
    return v;
}

/* The optional header's fields; the whole header is known to be in b. */
static void read_optional(bytes b, fmt_pe *pe)
{
    uint64_t o = pe->opt_offset;
    uint8_t v8 = 0;
    pe->magic = le16_or0(b, o);
    rd_u8(b, o + 2, &v8);
    pe->linker_major = v8;
    rd_u8(b, o + 3, &v8);
    pe->linker_minor = v8;
    pe->size_of_code = le32_or0(b, o + 4);
    pe->size_of_initialized_data = le32_or0(b, o + 8);
    pe->size_of_uninitialized_data = le32_or0(b, o + 12);
    pe->entry_point = le32_or0(b, o + 16);
    pe->base_of_code = le32_or0(b, o + 20);
    pe->section_alignment = le32_or0(b, o + 32);
    pe->file_alignment = le32_or0(b, o + 36);
    pe->os_major = le16_or0(b, o + 40);
    pe->os_minor = le16_or0(b, o + 42);
    pe->image_major = le16_or0(b, o + 44);
    pe->image_minor = le16_or0(b, o + 46);
    pe->subsystem_major = le16_or0(b, o + 48);
    pe->subsystem_minor = le16_or0(b, o + 50);
    pe->win32_version_value = le32_or0(b, o + 52);
    pe->size_of_image = le32_or0(b, o + 56);
    pe->size_of_headers = le32_or0(b, o + 60);
    pe->checksum = le32_or0(b, o + 64);
    pe->subsystem = le16_or0(b, o + 68);
    pe->dll_characteristics = le16_or0(b, o + 70);
    if (pe->is64) {
        pe->image_base = u64(b, o + 24);
        pe->stack_reserve = u64(b, o + 72);
        pe->stack_commit = u64(b, o + 80);
        pe->heap_reserve = u64(b, o + 88);
        pe->heap_commit = u64(b, o + 96);
        pe->loader_flags = le32_or0(b, o + 104);
        pe->number_of_rva_and_sizes = le32_or0(b, o + 108);
    } else {
        pe->base_of_data = le32_or0(b, o + 24);
        pe->image_base = le32_or0(b, o + 28);
        pe->stack_reserve = le32_or0(b, o + 72);
        pe->stack_commit = le32_or0(b, o + 76);
        pe->heap_reserve = le32_or0(b, o + 80);
        pe->heap_commit = le32_or0(b, o + 84);
        pe->loader_flags = le32_or0(b, o + 88);
        pe->number_of_rva_and_sizes = le32_or0(b, o + 92);
    }
}

static void index_sections(fmt_pe *pe);

bool fmt_pe_parse(const uint8_t *data, size_t len, fmt_pe *pe)
{
    bytes b = {data, len};
    uint16_t mz = 0;
    uint32_t lfanew = 0, sig = 0;
    if (!data || len < DOS_HEADER_SIZE || !rd_u16le(b, 0, &mz) || mz != 0x5A4D ||
        !rd_u32le(b, 0x3c, &lfanew) || (int32_t)lfanew < 0)
        return false;
    uint64_t headers = (uint64_t)lfanew + 4 + FILE_HEADER_SIZE;
    if (len < headers || !rd_u32le(b, lfanew, &sig) || sig != 0x4550)
        return false;
    if (len < headers + OPT_HEADER32_SIZE)
        return false;
    *pe = (fmt_pe){.data = data, .len = len, .nt_offset = lfanew, .opt_offset = headers};
    pe->is64 = le16_or0(b, headers) == 0x20b;
    if (len < headers + (pe->is64 ? OPT_HEADER64_SIZE : OPT_HEADER32_SIZE))
        return false;
    /* any machine type: yara 4.2.3 checks none (later versions do) */
    pe->machine = le16_or0(b, lfanew + 4);
    pe->number_of_sections = le16_or0(b, lfanew + 6);
    pe->timestamp = le32_or0(b, lfanew + 8);
    pe->pointer_to_symbol_table = le32_or0(b, lfanew + 12);
    pe->number_of_symbols = le32_or0(b, lfanew + 16);
    pe->size_of_optional_header = le16_or0(b, lfanew + 20);
    pe->characteristics = le16_or0(b, lfanew + 22);
    read_optional(b, pe);
    pe->section_table = headers + pe->size_of_optional_header;
    index_sections(pe);
    return true;
}

unsigned fmt_pe_section_count(const fmt_pe *pe)
{
    return pe->number_of_sections < FMT_PE_MAX_SECTIONS ? pe->number_of_sections
                                                        : FMT_PE_MAX_SECTIONS;
}

bool fmt_pe_section_at(const fmt_pe *pe, unsigned i, fmt_pe_section *s)
{
    bytes b = {pe->data, pe->len};
    uint64_t o = pe->section_table + (uint64_t)i * SECTION_HEADER_SIZE;
    if (!in_bounds(b, o, SECTION_HEADER_SIZE))
        return false;
    for (unsigned k = 0; k < 8; k++)
        s->name[k] = pe->data[o + k];
    s->virtual_size = le32_or0(b, o + 8);
    s->virtual_address = le32_or0(b, o + 12);
    s->raw_size = le32_or0(b, o + 16);
    s->raw_offset = le32_or0(b, o + 20);
    s->relocations_offset = le32_or0(b, o + 24);
    s->line_numbers_offset = le32_or0(b, o + 28);
    s->relocations = le16_or0(b, o + 32);
    s->line_numbers = le16_or0(b, o + 34);
    s->characteristics = le32_or0(b, o + 36);
    return true;
}

bool fmt_pe_directory(const fmt_pe *pe, unsigned entry, uint32_t *rva, uint32_t *size)
{
    if (entry >= FMT_PE_DIRECTORIES || entry > pe->number_of_rva_and_sizes)
        return false;
    uint64_t at = pe->opt_offset + (pe->is64 ? 112 : 96) + (uint64_t)entry * DATA_DIRECTORY_SIZE;
    bytes b = {pe->data, pe->len};
    *rva = le32_or0(b, at);
    *size = le32_or0(b, at + 4);
    return true;
}

/* Decodes what RVA mapping needs of each section header (yara rounds raw
 * offsets down to min(FileAlignment, 0x200)). */
static void index_sections(fmt_pe *pe)
{
    unsigned n = fmt_pe_section_count(pe);
    uint32_t align = pe->file_alignment < 0x200 ? pe->file_alignment : 0x200;
    pe->lowest_rva = 0xffffffff;
    pe->nspans = 0;
    pe->table_cut = false;
    for (unsigned i = 0; i < n; i++) {
        fmt_pe_section s;
        if (!fmt_pe_section_at(pe, i, &s)) {
            pe->table_cut = true;
            return;
        }
        if (pe->lowest_rva > s.virtual_address)
            pe->lowest_rva = s.virtual_address;
        uint32_t off = s.raw_offset;
        if (align)
            off -= off % align;
        pe->spans[pe->nspans++] =
            (struct fmt_pe_span){s.virtual_address, s.virtual_size, off, s.raw_size};
    }
}

int64_t fmt_pe_rva_to_offset(const fmt_pe *pe, uint64_t rva)
{
    /* yara gives up on the whole table when a header is cut off */
    if (pe->table_cut)
        return -1;
    uint32_t sect_rva = 0, sect_off = 0, sect_raw = 0;
    for (unsigned i = 0; i < pe->nspans; i++) {
        const struct fmt_pe_span *s = &pe->spans[i];
        if (rva >= s->rva && rva - s->rva < s->vsize && sect_rva <= s->rva) {
            sect_rva = s->rva;
            sect_off = s->offset;
            sect_raw = s->raw;
        }
    }
    /* headers: everything below the first section maps straight */
    if (rva < pe->lowest_rva) {
        sect_rva = 0;
        sect_off = 0;
        sect_raw = (uint32_t)pe->len;
    }
    if (rva - sect_rva >= sect_raw)
        return -1;
    uint64_t off = sect_off + (rva - sect_rva);
    /* (yara computes this in int64_t; the sum is below 2^33) */
    if (off >= pe->len)
        return -1;
    return (int64_t)off;
}

int64_t fmt_pe_entry_offset(const fmt_pe *pe)
{
    return fmt_pe_rva_to_offset(pe, pe->entry_point);
}
