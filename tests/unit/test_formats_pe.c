/*
 * test_formats_pe.c - lib/formats/pe.c: header decoding for PE32 and PE32+,
 * which files are PE (yara 4.2.3's rules), data directories (its
 * off-by-one on NumberOfRvaAndSizes), RVA-to-offset mapping (headers,
 * virtual size, file alignment rounding, a cut section table) and every
 * truncation of a valid file (ASan checks the reads).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/pe.h"
#include "pe_build.h"

static uint8_t file[PB_SIZE + 64];

static void test_headers(void **state)
{
    (void)state;
    for (int is64 = 0; is64 < 2; is64++) {
        size_t n = pe_build(file, is64, 0);
        fmt_pe pe;
        assert_true(fmt_pe_parse(file, n, &pe));
        assert_int_equal(pe.is64, is64);
        assert_int_equal(pe.nt_offset, PB_NT);
        assert_int_equal(pe.machine, is64 ? 0x8664 : 0x14c);
        assert_int_equal(pe.number_of_sections, 2);
        assert_int_equal(pe.entry_point, 0x1010);
        assert_int_equal(pe.image_base, is64 ? 0x180000000ull : 0x10000000);
        assert_int_equal(pe.file_alignment, 0x200);
        assert_int_equal(pe.checksum, 0x1234);
        assert_int_equal(pe.number_of_rva_and_sizes, 16);
        assert_int_equal(fmt_pe_entry_offset(&pe), 0x410);
        assert_int_equal(fmt_pe_section_count(&pe), 2);
        fmt_pe_section s;
        assert_true(fmt_pe_section_at(&pe, 1, &s));
        assert_memory_equal(s.name, ".data\0\0\0", 8);
        assert_int_equal(s.virtual_address, 0x2000);
        assert_int_equal(s.raw_offset, 0x600);
        assert_false(fmt_pe_section_at(&pe, 400, &s));
        uint32_t rva, size;
        assert_true(fmt_pe_directory(&pe, FMT_PE_DIR_DELAY_IMPORT, &rva, &size));
        assert_int_equal(rva, 0x2380);
        assert_int_equal(size, 64);
        assert_false(fmt_pe_directory(&pe, 16, &rva, &size));
    }
}

static void test_not_pe(void **state)
{
    (void)state;
    fmt_pe pe;
    size_t n = pe_build(file, false, 0);
    assert_false(fmt_pe_parse(NULL, 0, &pe));
    assert_false(fmt_pe_parse(file, 63, &pe));
    /* the whole optional header must be in the file */
    assert_false(fmt_pe_parse(file, PB_NT + 24 + 223, &pe));
    assert_true(fmt_pe_parse(file, PB_NT + 24 + 224, &pe));
    uint8_t *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, file, n);
    copy[PB_NT + 1] = 'X';
    assert_false(fmt_pe_parse(copy, n, &pe));
    memcpy(copy, file, n);
    pb32(copy + 0x3c, 0x80000000u); /* negative e_lfanew */
    assert_false(fmt_pe_parse(copy, n, &pe));
    memcpy(copy, file, n);
    pb16(copy + PB_NT + 4, 0x5032); /* yara 4.2.3 takes any machine */
    assert_true(fmt_pe_parse(copy, n, &pe));
    free(copy);
}

static void test_directories(void **state)
{
    (void)state;
    size_t n = pe_build(file, false, 0);
    uint32_t rva, size;
    fmt_pe pe;
    pb32(file + PB_NT + 24 + 92, 1);
    assert_true(fmt_pe_parse(file, n, &pe));
    assert_true(fmt_pe_directory(&pe, FMT_PE_DIR_EXPORT, &rva, &size));
    /* index 1 with a count of 1: there, as in yara 4.2.3 */
    assert_true(fmt_pe_directory(&pe, FMT_PE_DIR_IMPORT, &rva, &size));
    assert_false(fmt_pe_directory(&pe, FMT_PE_DIR_RESOURCE, &rva, &size));
}

static void test_rva_to_offset(void **state)
{
    (void)state;
    size_t n = pe_build(file, false, 0);
    fmt_pe pe;
    assert_true(fmt_pe_parse(file, n, &pe));
    assert_int_equal(fmt_pe_rva_to_offset(&pe, 0x10), 0x10);     /* headers */
    assert_int_equal(fmt_pe_rva_to_offset(&pe, 0x1010), 0x410);  /* .text */
    assert_int_equal(fmt_pe_rva_to_offset(&pe, 0x2fff), 0x15ff); /* .data's end */
    assert_int_equal(fmt_pe_rva_to_offset(&pe, 0x1200), -1);     /* past virtual size */
    assert_int_equal(fmt_pe_rva_to_offset(&pe, 0x3000), -1);
    assert_int_equal(fmt_pe_rva_to_offset(&pe, UINT64_MAX), -1);
    /* raw offsets round down to the file alignment (at most 0x200) */
    pb32(file + PB_NT + 24 + 224 + 20, 0x4ff);
    assert_true(fmt_pe_parse(file, n, &pe));
    assert_int_equal(fmt_pe_rva_to_offset(&pe, 0x1010), 0x410);
    /* a section header cut by the end of the file: nothing maps */
    pb16(file + PB_NT + 6, 40);
    assert_true(fmt_pe_parse(file, n, &pe));
    assert_int_equal(fmt_pe_section_count(&pe), 40);
    assert_int_equal(fmt_pe_rva_to_offset(&pe, 0x10), -1);
    pb16(file + PB_NT + 6, 0xffff);
    assert_true(fmt_pe_parse(file, n, &pe));
    assert_int_equal(fmt_pe_section_count(&pe), FMT_PE_MAX_SECTIONS);
}

static void test_truncations(void **state)
{
    (void)state;
    for (int is64 = 0; is64 < 2; is64++) {
        size_t n = pe_build(file, is64, 0);
        for (size_t cut = 0; cut <= n; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, file, cut);
            fmt_pe pe;
            if (fmt_pe_parse(copy, cut, &pe)) {
                fmt_pe_section s;
                for (unsigned i = 0; i < fmt_pe_section_count(&pe); i++)
                    fmt_pe_section_at(&pe, i, &s);
                for (uint64_t rva = 0; rva < 0x3000; rva += 0x101)
                    assert_true(fmt_pe_rva_to_offset(&pe, rva) < (int64_t)cut);
            }
            free(copy);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),     cmocka_unit_test(test_not_pe),
        cmocka_unit_test(test_directories), cmocka_unit_test(test_rva_to_offset),
        cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
