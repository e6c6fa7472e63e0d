/*
 * test_formats_elf.c - the ELF reader (lib/formats/elf.h) and the elf
 * module over small ELF files built here in all four class/byte-order
 * combinations: header fields, sections and their names, symbols, dynamic
 * entries, virtual address to offset, yara's string-table rules, and every
 * truncated prefix read without going out of bounds (ASan build). Module
 * values were checked with yara 4.2.3 -D on the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/elf.h"
#include "modules/object.h"
#include "modules/registry.h"

typedef struct builder {
    uint8_t b[2048];
    size_t len;
    bool is64, be;
} builder;

static void put(builder *w, size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned shift = 8 * (w->be ? n - 1 - i : i);
        w->b[off + i] = (uint8_t)(v >> shift);
    }
}

static size_t word(const builder *w)
{
    return w->is64 ? 8 : 4;
}

static size_t append(builder *w, const void *p, size_t n)
{
    w->len = (w->len + 7) & ~(size_t)7;
    size_t off = w->len;
    memcpy(w->b + off, p, n);
    w->len += n;
    return off;
}

static size_t reserve(builder *w, size_t n)
{
    uint8_t zero[512] = {0};
    return append(w, zero, n);
}

static const char shstr[] = "\0.text\0.dynstr\0.dynsym\0.strtab\0.symtab\0.dynamic\0.shstrtab";
static const char dynstr[] = "\0libc.so.6\0puts\0main";
static const char strtab[] = "\0a.c\0local_fn\0global_var";

static void sym(builder *w, size_t off, uint32_t name, uint64_t value, uint64_t size,
                uint8_t info, uint16_t shndx)
{
    put(w, off, name, 4);
    if (w->is64) {
        w->b[off + 4] = info;
        put(w, off + 6, shndx, 2);
        put(w, off + 8, value, 8);
        put(w, off + 16, size, 8);
    } else {
        put(w, off + 4, value, 4);
        put(w, off + 8, size, 4);
        w->b[off + 12] = info;
        put(w, off + 14, shndx, 2);
    }
}

static void shdr(builder *w, size_t off, uint32_t name, uint32_t type, uint64_t flags,
                 uint64_t addr, uint64_t offset, uint64_t size, uint32_t link)
{
    size_t ws = word(w);
    put(w, off, name, 4);
    put(w, off + 4, type, 4);
    put(w, off + 8, flags, (unsigned)ws);
    put(w, off + 8 + ws, addr, (unsigned)ws);
    put(w, off + 8 + 2 * ws, offset, (unsigned)ws);
    put(w, off + 8 + 3 * ws, size, (unsigned)ws);
    put(w, off + 8 + 4 * ws, link, 4);
}

/* An ELF file like a small shared object: 8 sections (with .symtab and
 * .dynsym), 2 segments (LOAD and DYNAMIC), entry 0x1010 in .text. */
static void build(builder *w, bool is64, bool be, uint16_t type)
{
    memset(w, 0, sizeof(*w));
    w->is64 = is64;
    w->be = be;
    size_t ws = word(w), eh = is64 ? 64 : 52, shs = is64 ? 64 : 40, phs = is64 ? 56 : 32;
    size_t syms = is64 ? 24 : 16;
    w->len = eh;
    uint8_t nops[64];
    memset(nops, 0x90, sizeof(nops));
    size_t text = append(w, nops, sizeof(nops));
    size_t dstr = append(w, dynstr, sizeof(dynstr));
    size_t dsym = reserve(w, 3 * syms);
    sym(w, dsym + syms, 11, 0, 0, 0x12, 0);
    sym(w, dsym + 2 * syms, 16, 0x1010, 20, 0x12, 1);
    size_t str = append(w, strtab, sizeof(strtab));
    size_t stab = reserve(w, 3 * syms);
    sym(w, stab + syms, 1, 0, 0, 0x04, 0xfff1);
    sym(w, stab + 2 * syms, 5, 0x1020, 8, 0x02, 1);
    size_t dyn = reserve(w, 3 * 2 * ws);
    put(w, dyn, 1, (unsigned)ws);
    put(w, dyn + ws, 1, (unsigned)ws);
    put(w, dyn + 2 * ws, 0x6ffffef5, (unsigned)ws);
    put(w, dyn + 3 * ws, 7, (unsigned)ws);
    size_t names = append(w, shstr, sizeof(shstr));
    size_t sh = reserve(w, 8 * shs);
    shdr(w, sh + 1 * shs, 1, 1, 6, 0x1000, text, 64, 0);
    shdr(w, sh + 2 * shs, 7, 3, 2, 0x2000, dstr, sizeof(dynstr), 0);
    shdr(w, sh + 3 * shs, 15, 11, 2, 0x3000, dsym, 3 * syms, 2);
    shdr(w, sh + 4 * shs, 23, 3, 0, 0, str, sizeof(strtab), 0);
    shdr(w, sh + 5 * shs, 31, 2, 0, 0, stab, 3 * syms, 4);
    shdr(w, sh + 6 * shs, 39, 6, 3, 0x4000, dyn, 3 * 2 * ws, 2);
    shdr(w, sh + 7 * shs, 48, 3, 0, 0, names, sizeof(shstr), 0);
    size_t ph = reserve(w, 2 * phs);
    /* LOAD maps the file from offset 0 at text's address minus its offset */
    uint64_t base = 0x1000 - text;
    put(w, ph, 1, 4);
    put(w, ph + phs, 2, 4);
    if (is64) {
        put(w, ph + 4, 5, 4);
        put(w, ph + 16, base, 8);
        put(w, ph + 40, 0x2000, 8);
        put(w, ph + phs + 8, dyn, 8);
        put(w, ph + phs + 32, 3 * 2 * ws, 8);
    } else {
        put(w, ph + 24, 5, 4);
        put(w, ph + 8, base, 4);
        put(w, ph + 20, 0x2000, 4);
        put(w, ph + phs + 4, dyn, 4);
        put(w, ph + phs + 16, 3 * 2 * ws, 4);
    }
    memcpy(w->b, "\x7f" "ELF", 4);
    w->b[4] = is64 ? 2 : 1;
    w->b[5] = be ? 2 : 1;
    w->b[6] = 1;
    put(w, 16, type, 2);
    put(w, 18, is64 ? 62 : 3, 2);
    put(w, 20, 1, 4);
    put(w, 24, 0x1010, (unsigned)ws);
    put(w, 24 + ws, ph, (unsigned)ws);
    put(w, 24 + 2 * ws, sh, (unsigned)ws);
    size_t h = 24 + 3 * ws + 4;
    put(w, h, eh, 2);
    put(w, h + 2, phs, 2);
    put(w, h + 4, 2, 2);
    put(w, h + 6, shs, 2);
    put(w, h + 8, 8, 2);
    put(w, h + 10, 7, 2);
}

static void reader_all_layouts(void **state)
{
    (void)state;
    for (int k = 0; k < 4; k++) {
        builder w;
        build(&w, k & 1, k & 2, 3);
        elf_file e;
        assert_true(elf_parse(w.b, w.len, &e));
        assert_int_equal(e.is64, k & 1);
        assert_int_equal(e.big_endian, (k & 2) != 0);
        assert_int_equal(e.type, 3);
        assert_int_equal(e.machine, k & 1 ? 62 : 3);
        assert_int_equal(e.shnum, 8);
        assert_int_equal(e.phnum, 2);
        assert_int_equal(e.shstrndx, 7);
        elf_shdr s, names;
        assert_true(elf_section(&e, 3, &s));
        assert_int_equal(s.type, ELF_SHT_DYNSYM);
        assert_int_equal(s.link, 2);
        assert_int_equal(s.addr, 0x3000);
        assert_true(elf_section(&e, 7, &names));
        const uint8_t *name;
        size_t len;
        assert_true(elf_strtab_entry(&e, names.offset, names.offset + names.size, s.name, &name,
                                     &len));
        assert_int_equal(len, 7);
        assert_memory_equal(name, ".dynsym", 7);
        elf_sym sy;
        assert_true(elf_sym_at(&e, s.offset + 2 * elf_sym_size(&e), &sy));
        assert_int_equal(sy.name, 16);
        assert_int_equal(sy.value, 0x1010);
        assert_int_equal(sy.size, 20);
        assert_int_equal(sy.info, 0x12);
        assert_int_equal(sy.shndx, 1);
        elf_phdr p;
        assert_true(elf_segment(&e, 1, &p));
        assert_int_equal(p.type, ELF_PT_DYNAMIC);
        elf_dyn d;
        assert_true(elf_dyn_at(&e, p.offset + elf_dyn_size(&e), &d));
        assert_int_equal(d.tag, 0x6ffffef5);
        assert_int_equal(d.val, 7);
        assert_false(elf_section(&e, 100, &s));
        /* ET_DYN: through .text's section header */
        uint64_t off;
        assert_true(elf_vaddr_to_offset(&e, 0x1010, &off));
        assert_int_equal(off, (k & 1 ? 64 : 56) + 16);
        assert_false(elf_vaddr_to_offset(&e, 0x9000, &off));
    }
}

static void exec_through_segments(void **state)
{
    (void)state;
    builder w;
    build(&w, false, true, ELF_ET_EXEC);
    elf_file e;
    assert_true(elf_parse(w.b, w.len, &e));
    uint64_t off;
    assert_true(elf_vaddr_to_offset(&e, 0x1010, &off));
    assert_int_equal(off, 56 + 16);
    /* a 32-bit segment whose end wraps past 2^32 contains nothing */
    size_t ph = (size_t)e.phoff;
    put(&w, ph + 8, 0xfffff000, 4);
    put(&w, ph + 20, 0x2000, 4);
    assert_true(elf_parse(w.b, w.len, &e));
    assert_false(elf_vaddr_to_offset(&e, 0xfffff010, &off));
}

static void string_tables(void **state)
{
    (void)state;
    builder w;
    build(&w, true, false, 3);
    elf_file e;
    assert_true(elf_parse(w.b, w.len, &e));
    elf_shdr names;
    assert_true(elf_section(&e, 7, &names));
    const uint8_t *s;
    size_t len;
    uint64_t end = names.offset + names.size;
    /* index 0 is the empty name; past the table is nothing */
    assert_true(elf_strtab_entry(&e, names.offset, end, 0, &s, &len));
    assert_int_equal(len, 0);
    assert_false(elf_strtab_entry(&e, names.offset, end, names.size, &s, &len));
    /* a table not starting with NUL is rejected, as yara does */
    assert_false(elf_strtab_entry(&e, names.offset + 1, end, 0, &s, &len));
    /* a string running into the table's end is rejected */
    assert_false(elf_strtab_entry(&e, names.offset, end - 1, 48, &s, &len));
    assert_true(elf_strtab_entry(&e, names.offset, end, 48, &s, &len));
    assert_int_equal(len, 9);
    /* the end is clamped to the file */
    assert_false(elf_strtab_entry(&e, w.len, UINT64_MAX, 0, &s, &len));
    assert_false(elf_fits(&e, 8, UINT64_MAX, 2));
}

static void rejects_non_elf(void **state)
{
    (void)state;
    builder w;
    build(&w, true, false, 3);
    elf_file e;
    assert_false(elf_parse(w.b, 63, &e)); /* header cut */
    w.b[4] = 3;                            /* unknown class */
    assert_false(elf_parse(w.b, w.len, &e));
    w.b[4] = 2;
    w.b[5] = 0; /* unknown byte order */
    assert_false(elf_parse(w.b, w.len, &e));
    assert_false(elf_parse((const uint8_t *)"MZ", 2, &e));
}

/* ---- the module ---- */

typedef struct module_run {
    mo_ctx *ctx;
    mo_obj *root;
} module_run;

static module_run load_elf(const uint8_t *p, size_t n)
{
    const mo_module *m = mo_find_module("elf");
    assert_non_null(m);
    module_run r = {mo_ctx_new(), NULL};
    r.root = mo_ctx_root(r.ctx, m);
    void *priv = NULL;
    assert_int_equal(m->load(r.ctx, r.root, p, n, &priv), VIGIL_OK);
    if (m->unload)
        m->unload(priv);
    return r;
}

static const mo_obj *member(const mo_obj *o, const char *name)
{
    int k = mo_find_member(mo_obj_decl(o)->members, name, NULL);
    return k < 0 ? NULL : mo_get_member(o, (uint32_t)k);
}

static int64_t ival(const mo_obj *o, const char *name)
{
    mo_val v = mo_value(member(o, name));
    if (v.kind != MO_VINT)
        fail_msg("%s is not a defined integer", name);
    return v.i;
}

static bool undefined(const mo_obj *o, const char *name)
{
    return mo_value(member(o, name)).kind == MO_UNDEF;
}

static void sval(const mo_obj *o, const char *name, const char *want)
{
    mo_val v = mo_value(member(o, name));
    assert_int_equal(v.kind, MO_VSTRING);
    assert_int_equal(v.len, strlen(want));
    assert_memory_equal(v.s, want, v.len);
}

static void module_values(void **state)
{
    (void)state;
    for (int k = 0; k < 4; k++) {
        builder w;
        build(&w, k & 1, k & 2, 3);
        module_run r = load_elf(w.b, w.len);
        assert_int_equal(ival(r.root, "type"), 3);
        assert_int_equal(ival(r.root, "number_of_sections"), 8);
        assert_int_equal(ival(r.root, "number_of_segments"), 2);
        assert_int_equal(ival(r.root, "entry_point"), (k & 1 ? 64 : 56) + 16);
        const mo_obj *secs = member(r.root, "sections");
        assert_int_equal(mo_count(secs), 8);
        sval(mo_get_element(secs, 5), "name", ".symtab");
        sval(mo_get_element(secs, 0), "name", "");
        assert_int_equal(ival(mo_get_element(secs, 3), "address"), 0x3000);
        /* the dynamic section: entries up to and including DT_NULL */
        assert_int_equal(ival(r.root, "dynamic_section_entries"), 3);
        const mo_obj *dyn = member(r.root, "dynamic");
        assert_int_equal(ival(mo_get_element(dyn, 1), "type"), 0x6ffffef5);
        assert_int_equal(ival(mo_get_element(dyn, 2), "type"), 0);
        assert_int_equal(ival(r.root, "dynsym_entries"), 3);
        const mo_obj *ds = member(r.root, "dynsym");
        sval(mo_get_element(ds, 2), "name", "main");
        assert_int_equal(ival(mo_get_element(ds, 2), "bind"), 1);
        assert_int_equal(ival(mo_get_element(ds, 2), "type"), 2);
        assert_int_equal(ival(mo_get_element(ds, 2), "value"), 0x1010);
        const mo_obj *st = member(r.root, "symtab");
        assert_int_equal(ival(r.root, "symtab_entries"), 3);
        sval(mo_get_element(st, 1), "name", "a.c");
        assert_int_equal(ival(mo_get_element(st, 1), "shndx"), 0xfff1);
        mo_ctx_free(r.ctx);
    }
}

/* yara's conditions for filling values, reproduced. */
static void module_quirks(void **state)
{
    (void)state;
    builder w;
    build(&w, true, false, 3);
    /* yara wants more than the header: exactly 64 bytes give nothing */
    module_run r = load_elf(w.b, 64);
    assert_true(undefined(r.root, "type"));
    mo_ctx_free(r.ctx);
    /* entry 0 is left undefined */
    put(&w, 24, 0, 8);
    r = load_elf(w.b, w.len);
    assert_true(undefined(r.root, "entry_point"));
    assert_int_equal(ival(r.root, "type"), 3);
    mo_ctx_free(r.ctx);
    /* a section-name table at offset 0 names nothing */
    build(&w, true, false, 3);
    elf_file e;
    assert_true(elf_parse(w.b, w.len, &e));
    put(&w, e.shoff + 7 * 64 + 24, 0, 8);
    r = load_elf(w.b, w.len);
    assert_true(undefined(mo_get_element(member(r.root, "sections"), 1), "name"));
    mo_ctx_free(r.ctx);
    /* too many sections for yara: no sections, no symbols */
    build(&w, false, true, 3);
    put(&w, 48, 0xff00, 2);
    r = load_elf(w.b, w.len);
    assert_int_equal(mo_count(member(r.root, "sections")), 0);
    assert_true(undefined(r.root, "symtab_entries"));
    mo_ctx_free(r.ctx);
}

/* Every prefix of every layout loads without reading out of bounds. */
static void truncations(void **state)
{
    (void)state;
    for (int k = 0; k < 8; k++) {
        builder w;
        build(&w, k & 1, k & 2, k & 4 ? ELF_ET_EXEC : 3);
        for (size_t n = 0; n <= w.len; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            memcpy(copy, w.b, n);
            elf_file e;
            if (elf_parse(copy, n, &e)) {
                uint64_t off;
                (void)elf_vaddr_to_offset(&e, e.entry, &off);
            }
            module_run r = load_elf(copy, n);
            mo_ctx_free(r.ctx);
            free(copy);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_all_layouts), cmocka_unit_test(exec_through_segments),
        cmocka_unit_test(string_tables),      cmocka_unit_test(rejects_non_elf),
        cmocka_unit_test(module_values),      cmocka_unit_test(module_quirks),
        cmocka_unit_test(truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
