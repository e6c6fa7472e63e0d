/*
 * fuzz_re.c - libFuzzer target for lib/re: the input is compiled both as a
 * regex and as a hex string (with flags from its first byte), and each
 * program that compiles is searched and verified at every atom occurrence in
 * a fixed buffer, so parser, emitter, atom choice and thread machine all see
 * hostile input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "re/re.h"

static const uint8_t buf[] = "xxabcabc\x00\x01\x02 hello w\0o\0r\0l\0d\0 foo_bar 1234\n"
                             "Start......End ABCD \xff\xfe\x41\x42\x43";

static bool sink(uint64_t s, uint32_t l, void *u)
{
    (void)s;
    (void)l;
    return ++*(int *)u < 10000;
}

static void run(re_prog *p)
{
    int n = 0;
    uint32_t mn, mx;
    (void)re_search(p, buf, sizeof(buf) - 1);
    re_length_bounds(p, &mn, &mx);
    size_t na = re_atom_count(p);
    for (size_t i = 0; i + 1 < sizeof(buf); i++) {
        if (na == 0) {
            re_verify_atom(p, RE_NO_ATOM, buf, sizeof(buf) - 1, i, sink, &n);
            continue;
        }
        for (size_t k = 0; k < na; k++) {
            const re_atom *a = re_atom_get(p, k);
            if (i + a->len <= sizeof(buf) - 1 && memcmp(buf + i, a->bytes, a->len) == 0)
                re_verify_atom(p, (uint32_t)k, buf, sizeof(buf) - 1, i, sink, &n);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    unsigned flags = data[0] & (RE_F_NOCASE | RE_F_DOTALL | RE_F_WIDE);
    const char *src = (const char *)data + 1;
    re_prog *p = NULL;
    re_error e;
    if (re_compile_regex(src, size - 1, flags, &p, &e) == VIGIL_OK)
        run(p);
    re_free(p);
    p = NULL;
    if (re_compile_hex(src, size - 1, flags, &p, &e) == VIGIL_OK)
        run(p);
    re_free(p);
    return 0;
}
