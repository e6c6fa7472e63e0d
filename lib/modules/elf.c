/*
 * elf.c - yara 4.2.3's "elf" module: header fields, sections, segments, the
 * dynamic section and both symbol tables, with yara's constants, from the
 * bounds-checked reader in lib/formats/elf.h. Which tables yara accepts and
 * how it names things (string tables that must start with NUL, a section
 * name table that may run to the end of the file, symbol tables found by
 * the last SHT_SYMTAB/SHT_DYNSYM section) are reproduced here, quirks
 * included, so conditions and `yara -D` see the same values. Hostile files
 * are bounded by budgets (symbols, name bytes, dynamic-entry walks) that no
 * real binary comes near; past them values are left undefined.
 */
#include <string.h>

#include "../formats/elf.h"
#include "modules.h"

/* yara's YR_UNDEFINED: a value equal to it is stored as "undefined" by
 * yara's set_integer, so it is left unset here too. */
#define YR_UNDEFINED 0xFFFABADAFABADAFFull

/* Budgets for one file (see the header comment). Symbols cost ~0.5 KiB
 * each in the value tree; the largest symbol tables in Debian's /usr (node,
 * libjvm) hold under 200k. */
#define ELF_MAX_SYMBOLS 250000u
#define ELF_MAX_NAME_BYTES ((size_t)32 << 20)
#define ELF_MAX_DYN_STORED 65536u
#define ELF_MAX_DYN_WALK ((uint64_t)1 << 22)

typedef struct load_state {
    mo_ctx *c;
    mo_obj *root;
    const elf_file *e;
    uint64_t symbols_left;
    size_t name_bytes_left;
    uint64_t dyn_walk_left;
} load_state;

static void set_i(mo_ctx *c, mo_obj *o, const char *name, uint64_t v)
{
    if (v != YR_UNDEFINED)
        mo_set_int(mo_member(c, o, name), (int64_t)v);
}

static void set_name(load_state *st, mo_obj *o, const uint8_t *s, size_t len)
{
    if (len > st->name_bytes_left)
        return;
    st->name_bytes_left -= len;
    mo_set_string(st->c, mo_member(st->c, o, "name"), s, len);
}

/* yara passes string indices as C ints: those above INT32_MAX are negative
 * there and name nothing. */
static bool strtab_entry(const elf_file *e, uint64_t tab_off, uint64_t tab_end, uint32_t index,
                         const uint8_t **s, size_t *len)
{
    return index <= INT32_MAX && elf_strtab_entry(e, tab_off, tab_end, index, s, len);
}

/* A symbol table yara will read: found through the section list. */
typedef struct symtab_ref {
    bool found;
    uint64_t off, size, str_off, str_size;
} symtab_ref;

static void load_symbols(load_state *st, const symtab_ref *t, const char *array,
                         const char *count)
{
    const elf_file *e = st->e;
    /* both tables must lie wholly in the file (sizes are the class's width) */
    if (!t->found || !elf_fits(e, t->off, 1, t->size) || !elf_fits(e, t->str_off, 1, t->str_size))
        return;
    uint64_t n = t->size / elf_sym_size(e);
    mo_obj *arr = mo_member(st->c, st->root, array);
    for (uint64_t j = 0; j < n && st->symbols_left > 0; j++, st->symbols_left--) {
        elf_sym s;
        mo_obj *o = mo_element(st->c, arr, j);
        if (!o || !elf_sym_at(e, t->off + j * elf_sym_size(e), &s))
            break;
        const uint8_t *name;
        size_t len;
        if (strtab_entry(e, t->str_off, t->str_off + t->str_size, s.name, &name, &len))
            set_name(st, o, name, len);
        set_i(st->c, o, "bind", s.info >> 4);
        set_i(st->c, o, "type", s.info & 0xf);
        set_i(st->c, o, "shndx", s.shndx);
        set_i(st->c, o, "value", s.value);
        set_i(st->c, o, "size", s.size);
    }
    /* the count is yara's even when the budget stopped storing early */
    set_i(st->c, st->root, count, n);
}

/* For SHT_SYMTAB / SHT_DYNSYM section s: its table and linked string table,
 * when the link names an SHT_STRTAB section header that lies in the file.
 * yara bounds the link by e_shnum read in the host's (little-endian) byte
 * order, so big-endian files see a byte-swapped bound. */
static void find_symtab(const elf_file *e, const elf_shdr *s, symtab_ref *t)
{
    uint16_t raw_shnum = 0;
    (void)rd_u16le(e->b, e->is64 ? 60 : 48, &raw_shnum);
    elf_shdr str;
    if (s->link >= raw_shnum || !elf_section(e, s->link, &str) || str.type != ELF_SHT_STRTAB)
        return;
    t->found = true;
    t->off = s->offset;
    t->size = s->size;
    t->str_off = str.offset;
    t->str_size = str.size;
}

static void load_sections(load_state *st)
{
    const elf_file *e = st->e;
    if (e->shnum >= ELF_SHN_LORESERVE || e->shstrndx >= e->shnum || e->shoff >= e->b.len ||
        !elf_fits(e, e->shoff, e->shnum, elf_shdr_size(e)))
        return;
    /* yara takes the section-name table's offset alone and lets names run
     * to the end of the file; an offset of 0 means no names */
    elf_shdr names;
    uint64_t names_off = 0;
    if (elf_section(e, e->shstrndx, &names) && names.offset < e->b.len)
        names_off = names.offset;
    symtab_ref symtab = {0}, dynsym = {0};
    mo_obj *arr = mo_member(st->c, st->root, "sections");
    for (uint64_t i = 0; i < e->shnum; i++) {
        elf_shdr s;
        mo_obj *o = mo_element(st->c, arr, i);
        if (!o || !elf_section(e, i, &s))
            break;
        set_i(st->c, o, "type", s.type);
        set_i(st->c, o, "flags", s.flags);
        set_i(st->c, o, "address", s.addr);
        set_i(st->c, o, "size", s.size);
        set_i(st->c, o, "offset", s.offset);
        const uint8_t *name;
        size_t len;
        if (names_off > 0 && s.name < e->b.len &&
            strtab_entry(e, names_off, e->b.len, s.name, &name, &len))
            set_name(st, o, name, len);
        if (s.type == ELF_SHT_SYMTAB)
            find_symtab(e, &s, &symtab);
        else if (s.type == ELF_SHT_DYNSYM)
            find_symtab(e, &s, &dynsym);
    }
    load_symbols(st, &symtab, "symtab", "symtab_entries");
    load_symbols(st, &dynsym, "dynsym", "dynsym_entries");
}

/* The entries of a PT_DYNAMIC segment, up to and including DT_NULL or the
 * end of the file. Each such segment restarts at dynamic[0], as in yara. */
static void load_dynamic(load_state *st, const elf_phdr *p)
{
    const elf_file *e = st->e;
    mo_obj *arr = mo_member(st->c, st->root, "dynamic");
    uint64_t j = 0, off = p->offset;
    elf_dyn d;
    while (elf_dyn_at(e, off, &d)) {
        if (st->dyn_walk_left == 0)
            return; /* hostile: many PT_DYNAMIC segments without DT_NULL */
        st->dyn_walk_left--;
        if (j < ELF_MAX_DYN_STORED) {
            mo_obj *o = mo_element(st->c, arr, j);
            set_i(st->c, o, "type", d.tag);
            set_i(st->c, o, "val", d.val);
        }
        j++;
        off += elf_dyn_size(e);
        if (d.tag == ELF_DT_NULL)
            break;
    }
    set_i(st->c, st->root, "dynamic_section_entries", j);
}

static void load_segments(load_state *st)
{
    const elf_file *e = st->e;
    if (e->phnum == 0 || e->phnum >= ELF_PN_XNUM || e->phoff >= e->b.len ||
        !elf_fits(e, e->phoff, e->phnum, elf_phdr_size(e)))
        return;
    mo_obj *arr = mo_member(st->c, st->root, "segments");
    for (uint64_t i = 0; i < e->phnum; i++) {
        elf_phdr p;
        mo_obj *o = mo_element(st->c, arr, i);
        if (!o || !elf_segment(e, i, &p))
            break;
        set_i(st->c, o, "type", p.type);
        set_i(st->c, o, "flags", p.flags);
        set_i(st->c, o, "offset", p.offset);
        set_i(st->c, o, "virtual_address", p.vaddr);
        set_i(st->c, o, "physical_address", p.paddr);
        set_i(st->c, o, "file_size", p.filesz);
        set_i(st->c, o, "memory_size", p.memsz);
        set_i(st->c, o, "alignment", p.align);
        if (p.type == ELF_PT_DYNAMIC)
            load_dynamic(st, &p);
    }
}

static vigil_status load(mo_ctx *c, mo_obj *root, const uint8_t *data, size_t len, void **priv)
{
    (void)priv;
    elf_file e;
    /* yara wants more bytes than the header alone */
    if (!elf_parse(data, len, &e) || len <= elf_ehdr_size(&e))
        return VIGIL_OK;
    load_state st = {
        .c = c,
        .root = root,
        .e = &e,
        .symbols_left = ELF_MAX_SYMBOLS,
        .name_bytes_left = ELF_MAX_NAME_BYTES,
        .dyn_walk_left = ELF_MAX_DYN_WALK,
    };
    set_i(c, root, "type", e.type);
    set_i(c, root, "machine", e.machine);
    set_i(c, root, "sh_offset", e.shoff);
    set_i(c, root, "sh_entry_size", e.shentsize);
    set_i(c, root, "number_of_sections", e.shnum);
    set_i(c, root, "ph_offset", e.phoff);
    set_i(c, root, "ph_entry_size", e.phentsize);
    set_i(c, root, "number_of_segments", e.phnum);
    /* yara gives the entry point as a file offset (not for entry 0) */
    uint64_t ep;
    if (e.entry != 0 && elf_vaddr_to_offset(&e, e.entry, &ep))
        set_i(c, root, "entry_point", ep);
    load_sections(&st);
    load_segments(&st);
    return mo_ctx_failed(c) ? VIGIL_E_NOMEM : VIGIL_OK;
}

static const mo_decl section_members[] = {
    MO_INTEGER("type"), MO_INTEGER("flags"), MO_INTEGER("address"),
    MO_STRING_("name"), MO_INTEGER("size"),  MO_INTEGER("offset"),
    MO_END,
};

static const mo_decl segment_members[] = {
    MO_INTEGER("type"),
    MO_INTEGER("flags"),
    MO_INTEGER("offset"),
    MO_INTEGER("virtual_address"),
    MO_INTEGER("physical_address"),
    MO_INTEGER("file_size"),
    MO_INTEGER("memory_size"),
    MO_INTEGER("alignment"),
    MO_END,
};

static const mo_decl dynamic_members[] = {MO_INTEGER("type"), MO_INTEGER("val"), MO_END};

static const mo_decl symbol_members[] = {
    MO_STRING_("name"), MO_INTEGER("value"), MO_INTEGER("size"),
    MO_INTEGER("type"), MO_INTEGER("bind"),  MO_INTEGER("shndx"),
    MO_END,
};

/* yara 4.2.3's declaration order (yara -D prints it reversed). */
static const mo_decl members[] = {
    MO_CONST_INT("ET_NONE", 0),
    MO_CONST_INT("ET_REL", 1),
    MO_CONST_INT("ET_EXEC", 2),
    MO_CONST_INT("ET_DYN", 3),
    MO_CONST_INT("ET_CORE", 4),

    MO_CONST_INT("EM_NONE", 0),
    MO_CONST_INT("EM_M32", 1),
    MO_CONST_INT("EM_SPARC", 2),
    MO_CONST_INT("EM_386", 3),
    MO_CONST_INT("EM_68K", 4),
    MO_CONST_INT("EM_88K", 5),
    MO_CONST_INT("EM_860", 7),
    MO_CONST_INT("EM_MIPS", 8),
    MO_CONST_INT("EM_MIPS_RS3_LE", 10),
    MO_CONST_INT("EM_PPC", 20),
    MO_CONST_INT("EM_PPC64", 21),
    MO_CONST_INT("EM_ARM", 40),
    MO_CONST_INT("EM_X86_64", 62),
    MO_CONST_INT("EM_AARCH64", 183),

    MO_CONST_INT("SHT_NULL", 0),
    MO_CONST_INT("SHT_PROGBITS", 1),
    MO_CONST_INT("SHT_SYMTAB", 2),
    MO_CONST_INT("SHT_STRTAB", 3),
    MO_CONST_INT("SHT_RELA", 4),
    MO_CONST_INT("SHT_HASH", 5),
    MO_CONST_INT("SHT_DYNAMIC", 6),
    MO_CONST_INT("SHT_NOTE", 7),
    MO_CONST_INT("SHT_NOBITS", 8),
    MO_CONST_INT("SHT_REL", 9),
    MO_CONST_INT("SHT_SHLIB", 10),
    MO_CONST_INT("SHT_DYNSYM", 11),

    MO_CONST_INT("SHF_WRITE", 1),
    MO_CONST_INT("SHF_ALLOC", 2),
    MO_CONST_INT("SHF_EXECINSTR", 4),

    MO_INTEGER("type"),
    MO_INTEGER("machine"),
    MO_INTEGER("entry_point"),

    MO_INTEGER("number_of_sections"),
    MO_INTEGER("sh_offset"),
    MO_INTEGER("sh_entry_size"),

    MO_INTEGER("number_of_segments"),
    MO_INTEGER("ph_offset"),
    MO_INTEGER("ph_entry_size"),

    MO_STRUCT_ARRAY("sections", section_members),

    MO_CONST_INT("PT_NULL", 0),
    MO_CONST_INT("PT_LOAD", 1),
    MO_CONST_INT("PT_DYNAMIC", 2),
    MO_CONST_INT("PT_INTERP", 3),
    MO_CONST_INT("PT_NOTE", 4),
    MO_CONST_INT("PT_SHLIB", 5),
    MO_CONST_INT("PT_PHDR", 6),
    MO_CONST_INT("PT_TLS", 7),
    MO_CONST_INT("PT_GNU_EH_FRAME", 0x6474e550),
    MO_CONST_INT("PT_GNU_STACK", 0x6474e551),

    MO_CONST_INT("DT_NULL", 0),
    MO_CONST_INT("DT_NEEDED", 1),
    MO_CONST_INT("DT_PLTRELSZ", 2),
    MO_CONST_INT("DT_PLTGOT", 3),
    MO_CONST_INT("DT_HASH", 4),
    MO_CONST_INT("DT_STRTAB", 5),
    MO_CONST_INT("DT_SYMTAB", 6),
    MO_CONST_INT("DT_RELA", 7),
    MO_CONST_INT("DT_RELASZ", 8),
    MO_CONST_INT("DT_RELAENT", 9),
    MO_CONST_INT("DT_STRSZ", 10),
    MO_CONST_INT("DT_SYMENT", 11),
    MO_CONST_INT("DT_INIT", 12),
    MO_CONST_INT("DT_FINI", 13),
    MO_CONST_INT("DT_SONAME", 14),
    MO_CONST_INT("DT_RPATH", 15),
    MO_CONST_INT("DT_SYMBOLIC", 16),
    MO_CONST_INT("DT_REL", 17),
    MO_CONST_INT("DT_RELSZ", 18),
    MO_CONST_INT("DT_RELENT", 19),
    MO_CONST_INT("DT_PLTREL", 20),
    MO_CONST_INT("DT_DEBUG", 21),
    MO_CONST_INT("DT_TEXTREL", 22),
    MO_CONST_INT("DT_JMPREL", 23),
    MO_CONST_INT("DT_BIND_NOW", 24),
    MO_CONST_INT("DT_INIT_ARRAY", 25),
    MO_CONST_INT("DT_FINI_ARRAY", 26),
    MO_CONST_INT("DT_INIT_ARRAYSZ", 27),
    MO_CONST_INT("DT_FINI_ARRAYSZ", 28),
    MO_CONST_INT("DT_RUNPATH", 29),
    MO_CONST_INT("DT_FLAGS", 30),
    MO_CONST_INT("DT_ENCODING", 32),

    MO_CONST_INT("STT_NOTYPE", 0),
    MO_CONST_INT("STT_OBJECT", 1),
    MO_CONST_INT("STT_FUNC", 2),
    MO_CONST_INT("STT_SECTION", 3),
    MO_CONST_INT("STT_FILE", 4),
    MO_CONST_INT("STT_COMMON", 5),
    MO_CONST_INT("STT_TLS", 6),

    MO_CONST_INT("STB_LOCAL", 0),
    MO_CONST_INT("STB_GLOBAL", 1),
    MO_CONST_INT("STB_WEAK", 2),

    MO_CONST_INT("PF_X", 1),
    MO_CONST_INT("PF_W", 2),
    MO_CONST_INT("PF_R", 4),

    MO_STRUCT_ARRAY("segments", segment_members),

    MO_INTEGER("dynamic_section_entries"),
    MO_STRUCT_ARRAY("dynamic", dynamic_members),

    MO_INTEGER("symtab_entries"),
    MO_STRUCT_ARRAY("symtab", symbol_members),

    MO_INTEGER("dynsym_entries"),
    MO_STRUCT_ARRAY("dynsym", symbol_members),
    MO_END,
};

const mo_module mo_module_elf = {
    .name = "elf",
    .members = members,
    .load = load,
};
