/*
 * test_util_crc32c.c - CRC-32C of compiled databases: the standard check
 * value (RFC 3720's "123456789" -> 0xE3069283), continuation over pieces,
 * and the instruction path against the table path on odd lengths and
 * alignments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/crc32c.h"

static void test_check_value(void **state)
{
    (void)state;
    assert_int_equal(util_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(util_crc32c_portable(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(util_crc32c(0, "", 0), 0);
    /* 32 bytes of zeros (RFC 3720 B.4) */
    static const uint8_t zeros[32];
    assert_int_equal(util_crc32c(0, zeros, sizeof(zeros)), 0x8A9136AAu);
}

static void test_pieces_and_paths(void **state)
{
    (void)state;
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (size_t off = 0; off < 9; off++) {
        for (size_t n = 0; n + off <= sizeof(buf); n += 37) {
            uint32_t whole = util_crc32c(0, buf + off, n);
            assert_int_equal(whole, util_crc32c_portable(0, buf + off, n));
            size_t half = n / 3;
            uint32_t c = util_crc32c(0, buf + off, half);
            assert_int_equal(util_crc32c(c, buf + off + half, n - half), whole);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_pieces_and_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
