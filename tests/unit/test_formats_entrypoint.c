/*
 * test_formats_entrypoint.c - yara's `entrypoint` offset for PE and ELF.
 * Expected values were checked with yara 4.2.3 (`condition: entrypoint == N`)
 * on the same bytes; truncations of every prefix must never read out of
 * bounds (ASan build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "formats/entrypoint.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* A PE32 with e_lfanew 0x80, two sections, entry point RVA 0x2010. */
static size_t make_pe(uint8_t *b, size_t cap)
{
    memset(b, 0, cap);
    b[0] = 'M';
    b[1] = 'Z';
    put32(b + 0x3c, 0x80);
    uint8_t *pe = b + 0x80;
    memcpy(pe, "PE\0\0", 4);
    put16(pe + 4, 0x14c); /* i386 */
    put16(pe + 6, 2);     /* sections */
    put16(pe + 20, 224);  /* optional header size */
    put32(pe + 24 + 16, 0x2010);
    uint8_t *s = pe + 24 + 224;
    put32(s + 12, 0x1000);
    put32(s + 20, 0x400);
    put32(s + 40 + 12, 0x2000);
    put32(s + 40 + 20, 0x600);
    return 0x80 + 24 + 224 + 80 + 64;
}

static void pe_entry_through_sections(void **state)
{
    (void)state;
    uint8_t b[1024];
    size_t n = make_pe(b, sizeof(b));
    uint64_t off = 0;
    assert_true(fmt_entrypoint_offset(b, n, &off));
    assert_int_equal(off, 0x610); /* 0x600 + (0x2010 - 0x2000) */
}

static void pe_unknown_machine_is_undefined(void **state)
{
    (void)state;
    uint8_t b[1024];
    size_t n = make_pe(b, sizeof(b));
    put16(b + 0x80 + 4, 0x1c0); /* ARM */
    uint64_t off;
    assert_false(fmt_entrypoint_offset(b, n, &off));
}

static void pe_sections_cut_off_give_zero(void **state)
{
    (void)state;
    uint8_t b[1024];
    make_pe(b, sizeof(b));
    uint64_t off = 99;
    /* headers complete, section table truncated: yara answers 0 */
    assert_true(fmt_entrypoint_offset(b, 0x80 + 24 + 224 + 10, &off));
    assert_int_equal(off, 0);
}

static size_t make_elf64(uint8_t *b, size_t cap, uint16_t type)
{
    memset(b, 0, cap);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = 2; /* 64-bit */
    b[5] = 1;
    put16(b + 16, type);
    put64(b + 24, 0x401020);     /* entry */
    put64(b + 32, 64);           /* phoff */
    put64(b + 40, 64 + 56);      /* shoff */
    put16(b + 56, 1);            /* phnum */
    put16(b + 60, 2);            /* shnum */
    uint8_t *ph = b + 64;
    put64(ph + 8, 0x1000);       /* offset */
    put64(ph + 16, 0x401000);    /* vaddr */
    put64(ph + 40, 0x100);       /* memsz */
    uint8_t *sh = b + 64 + 56 + 64; /* second section header */
    put32(sh + 4, 1);            /* PROGBITS */
    put64(sh + 16, 0x401000);
    put64(sh + 24, 0x2000);
    put64(sh + 32, 0x100);
    return 64 + 56 + 128;
}

static void elf_exec_uses_program_headers(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = make_elf64(b, sizeof(b), 2);
    uint64_t off = 0;
    assert_true(fmt_entrypoint_offset(b, n, &off));
    assert_int_equal(off, 0x1020);
}

static void elf_dyn_uses_section_headers(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = make_elf64(b, sizeof(b), 3);
    uint64_t off = 0;
    assert_true(fmt_entrypoint_offset(b, n, &off));
    assert_int_equal(off, 0x2020);
}

static void elf_tables_outside_file_give_zero(void **state)
{
    (void)state;
    uint8_t b[512];
    make_elf64(b, sizeof(b), 2);
    uint64_t off = 99;
    assert_true(fmt_entrypoint_offset(b, 64, &off));
    assert_int_equal(off, 0);
}

static void not_executable_is_undefined(void **state)
{
    (void)state;
    const uint8_t text[] = "hello world, not an executable at all";
    uint64_t off;
    assert_false(fmt_entrypoint_offset(text, sizeof(text), &off));
    assert_false(fmt_entrypoint_offset(text, 0, &off));
}

static void every_truncation_is_safe(void **state)
{
    (void)state;
    uint8_t pe[1024], elf[512];
    size_t npe = make_pe(pe, sizeof(pe));
    size_t nelf = make_elf64(elf, sizeof(elf), 2);
    uint64_t off;
    for (size_t n = 0; n <= npe; n++)
        (void)fmt_entrypoint_offset(pe, n, &off);
    for (size_t n = 0; n <= nelf; n++)
        (void)fmt_entrypoint_offset(elf, n, &off);
    /* absurd counts and offsets */
    put16(elf + 56, 0xffff);
    put64(elf + 32, UINT64_MAX - 8);
    assert_true(fmt_entrypoint_offset(elf, nelf, &off));
    assert_int_equal(off, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pe_entry_through_sections),
        cmocka_unit_test(pe_unknown_machine_is_undefined),
        cmocka_unit_test(pe_sections_cut_off_give_zero),
        cmocka_unit_test(elf_exec_uses_program_headers),
        cmocka_unit_test(elf_dyn_uses_section_headers),
        cmocka_unit_test(elf_tables_outside_file_give_zero),
        cmocka_unit_test(not_executable_is_undefined),
        cmocka_unit_test(every_truncation_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
