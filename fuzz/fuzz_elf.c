/*
 * fuzz_elf.c - libFuzzer target for the ELF reader (lib/formats/elf.h) and
 * yara's elf module built on it: the input is read as an ELF file, every
 * section, segment, symbol and string the tables name is visited, and the
 * module fills and walks its value tree. Malformed tables must give
 * undefined values, never an out-of-bounds read, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>

#include "formats/elf.h"
#include "modules/object.h"
#include "modules/registry.h"

static void walk_reader(const uint8_t *data, size_t size)
{
    elf_file e;
    if (!elf_parse(data, size, &e))
        return;
    uint64_t off;
    (void)elf_vaddr_to_offset(&e, e.entry, &off);
    elf_shdr names = {0};
    (void)elf_section(&e, e.shstrndx, &names);
    for (uint64_t i = 0; i < e.shnum; i++) {
        elf_shdr s;
        if (!elf_section(&e, i, &s))
            break;
        const uint8_t *str;
        size_t len;
        (void)elf_strtab_entry(&e, names.offset, names.offset + names.size, s.name, &str, &len);
        /* a bounded look at symbol tables (the module reads them in full) */
        for (uint64_t j = 0; j < 64 && (s.type == ELF_SHT_SYMTAB || s.type == ELF_SHT_DYNSYM);
             j++) {
            elf_sym sym;
            if (!elf_sym_at(&e, s.offset + j * elf_sym_size(&e), &sym))
                break;
        }
    }
    for (uint64_t i = 0; i < e.phnum; i++) {
        elf_phdr p;
        elf_dyn d;
        if (!elf_segment(&e, i, &p))
            break;
        (void)elf_dyn_at(&e, p.offset, &d);
    }
}

static void count_items(const mo_item *it, void *user)
{
    (void)it;
    ++*(size_t *)user;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk_reader(data, size);
    const mo_module *m = mo_find_module("elf");
    mo_ctx *c = mo_ctx_new();
    if (!m || !c) {
        mo_ctx_free(c);
        return 0;
    }
    mo_obj *root = mo_ctx_root(c, m);
    void *priv = NULL;
    if (root && m->load(c, root, data, size, &priv) == VIGIL_OK) {
        size_t n = 0;
        mo_visit(m, root, count_items, &n);
    }
    if (m->unload)
        m->unload(priv);
    mo_ctx_free(c);
    return 0;
}
