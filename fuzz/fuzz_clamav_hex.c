/*
 * fuzz_clamav_hex.c - libFuzzer target for ClamAV hex patterns as lib/re
 * programs (lib/clamav/hexprog.c, lib/re/re_build.c). Input: one byte of
 * modifiers (bits: ::i ::w ::a ::f), the pattern text up to the first '\n',
 * then the data. A pattern that compiles is verified at every offset of the
 * data, piece by piece with a chain when it has several, and - for an
 * unchained program - also through its atoms, which must find the same
 * starts (the matcher relies on that).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/hexprog.h"
#include "ir/ir.h"
#include "re/re.h"

#define MAX_STARTS 512

typedef struct acc {
    uint64_t v[MAX_STARTS];
    size_t n;
    re_chain *ch;
    uint32_t piece;
} acc;

static bool add(uint64_t s, uint32_t l, void *u)
{
    acc *a = u;
    (void)l;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] == s)
            return true;
    if (a->n < MAX_STARTS)
        a->v[a->n++] = s;
    return true;
}

static bool feed(uint64_t s, uint32_t l, void *u)
{
    acc *a = u;
    (void)re_chain_feed(a->ch, a->piece, s, l, add, a);
    return true;
}

static bool has(const acc *a, uint64_t s)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] == s)
            return true;
    return false;
}

static void run(const re_prog *p, const uint8_t *d, size_t len)
{
    static acc sweep, atoms;
    memset(&sweep, 0, sizeof(sweep));
    memset(&atoms, 0, sizeof(atoms));
    size_t np = re_piece_count(p);
    if (np > 1 && re_chain_new(p, &sweep.ch) != VIGIL_OK)
        return;
    for (size_t pos = 0; pos <= len; pos++)
        for (uint32_t k = 0; k < np; k++) {
            sweep.piece = k;
            re_verify(p, NULL, k, RE_NO_ATOM, d, len, pos, np > 1 ? feed : add, &sweep);
        }
    re_chain_free(sweep.ch);
    if (np != 1)
        return;
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < re_atom_count(p); k++) {
            const re_atom *a = re_atom_get(p, k);
            bool at = i + a->len <= len;
            for (size_t j = 0; at && j < a->len; j++) {
                uint8_t b = d[i + j], x = a->bytes[j];
                if (a->masked)
                    at = (b & a->mask[j]) == x;
                else if (a->nocase && ((b | 0x20) >= 'a' && (b | 0x20) <= 'z'))
                    at = (b | 0x20) == (x | 0x20);
                else
                    at = b == x;
            }
            if (at)
                re_verify_atom(p, (uint32_t)k, d, len, i, add, &atoms);
        }
    if (sweep.n < MAX_STARTS && atoms.n < MAX_STARTS) {
        if (sweep.n != atoms.n)
            abort();
        for (size_t i = 0; i < sweep.n; i++)
            if (!has(&atoms, sweep.v[i]))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 8192)
        return 0;
    static const unsigned bits[] = {IR_SF_NOCASE, IR_SF_WIDE, IR_SF_ASCII, IR_SF_FULLWORD};
    unsigned fl = 0;
    for (int i = 0; i < 4; i++)
        if (data[0] >> i & 1)
            fl |= bits[i];
    const char *src = (const char *)data + 1;
    const uint8_t *nl = memchr(data + 1, '\n', size - 1);
    size_t plen = nl ? (size_t)(nl - (data + 1)) : size - 1;
    const uint8_t *d = nl ? nl + 1 : data + size;
    size_t dlen = (size_t)(data + size - d);
    if (dlen > 2048)
        dlen = 2048;
    re_prog *p = NULL;
    re_error e;
    if (cv_compile_pattern(src, plen, fl, &p, &e) == VIGIL_OK)
        run(p, d, dlen);
    re_free(p);
    return 0;
}
