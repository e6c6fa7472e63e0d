/*
 * fuzz_clamav_text.c - libFuzzer target for lib/clamav/text.h: the typing,
 * the whole-object normaliser with a fuzzed maxpatlen and output room, and
 * the memory path's buffers, checked against properties libclamav's
 * normaliser has (output never longer than input, only lower-case printable
 * bytes and single spaces, the buffers' offsets adding up).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/text.h"

static uint8_t membuf[CV_TEXT_MEMBUF_LEN(65535)];

static void check_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] >= 0x80 || (p[i] >= 'A' && p[i] <= 'Z'))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > (1u << 20))
        return 0;
    uint32_t maxpatlen = ((uint32_t)data[0] << 8 | data[1]) % 70;
    uint8_t capsel = data[2];
    data += 3;
    size -= 3;

    uint32_t t = cv_text_type(data, size);
    if (cv_text_type_name(t) == NULL || t == CV_TEXT_UTF8)
        abort();
    if (size > CV_TEXT_DETECT_LEN && cv_text_type(data, CV_TEXT_DETECT_LEN) != t)
        abort();

    uint8_t *out = malloc(size ? size : 1);
    if (!out)
        return 0;
    size_t n = cv_text_normalise(data, size, maxpatlen, out, size);
    if (n > size)
        abort();
    check_text(out, n);
    /* one piece (all inputs under SCANBUFF): equal to a single run, with no
     * two spaces in a row */
    if (size <= CV_TEXT_MEMBUF_LEN(maxpatlen)) {
        for (size_t i = 1; i < n; i++)
            if (out[i] == ' ' && out[i - 1] == ' ')
                abort();
    }
    /* less room: a prefix of the same text */
    size_t cap = size ? capsel % (size + 1) : 0;
    uint8_t *part = malloc(cap ? cap : 1);
    if (part) {
        size_t m = cv_text_normalise(data, size, maxpatlen, part, cap);
        if (m > cap || m > n || memcmp(part, out, m) != 0 || (m < cap && m != n))
            abort();
        free(part);
    }

    /* memory path: buffers at increasing offsets, each within the buffer,
     * and (nothing carried) together the same bytes as one run would give
     * when no buffer was flushed early */
    cv_textnorm_iter it;
    if (!cv_textnorm_iter_init(&it, data, size, maxpatlen, membuf, sizeof(membuf)))
        abort();
    const uint8_t *chunk;
    size_t clen;
    uint64_t off;
    uint64_t expect = 0;
    size_t chunks = 0;
    while (cv_textnorm_iter_next(&it, &chunk, &clen, &off)) {
        if (off != expect || clen > CV_TEXT_MEMBUF_LEN(maxpatlen) || chunk != membuf)
            abort();
        check_text(chunk, clen);
        expect += clen;
        if (++chunks > size / CV_TEXT_PAGE + 2)
            abort();
    }
    if (chunks == 0)
        abort();
    if (chunks == 1 && size <= CV_TEXT_MEMBUF_LEN(maxpatlen) && expect != n)
        abort();
    free(out);
    return 0;
}
