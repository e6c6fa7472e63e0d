/*
 * strops.c - the byte-string operators of conditions (==, <, contains,
 * icontains, startswith, ..., iequals) with yara 4.2's exact quirks: strings
 * order as signed chars, and the case-insensitive forms fold ASCII A-Z only.
 * Kept apart from eval.c because they are pure functions worth testing alone.
 */
#include "internal.h"

#include <string.h>

static uint8_t fold(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool same(const uint8_t *a, const uint8_t *b, size_t n, bool nocase)
{
    if (!nocase)
        return n == 0 || memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++) {
        if (fold(a[i]) != fold(b[i]))
            return false;
    }
    return true;
}

int ev_str_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t i = 0;
    while (i < alen && i < blen && a[i] == b[i])
        i++;
    if (i == alen && i == blen)
        return 0;
    if (i == alen)
        return -1;
    if (i == blen)
        return 1;
    /* yara compares through `char`, which is signed on the platforms it
     * ships for: "\x80" < "a" holds there. */
    return (int8_t)a[i] < (int8_t)b[i] ? -1 : 1;
}

bool ev_str_contains(const uint8_t *h, size_t hlen, const uint8_t *n, size_t nlen, bool nocase)
{
    if (nlen == 0)
        return true;
    if (nlen > hlen)
        return false;
    if (!nocase)
        return memmem(h, hlen, n, nlen) != NULL;
    for (size_t i = 0; i + nlen <= hlen; i++) {
        if (same(h + i, n, nlen, true))
            return true;
    }
    return false;
}

bool ev_str_startswith(const uint8_t *h, size_t hlen, const uint8_t *n, size_t nlen, bool nocase)
{
    return nlen <= hlen && same(h, n, nlen, nocase);
}

bool ev_str_endswith(const uint8_t *h, size_t hlen, const uint8_t *n, size_t nlen, bool nocase)
{
    if (nlen == 0)
        return true;
    return nlen <= hlen && same(h + (hlen - nlen), n, nlen, nocase);
}

bool ev_str_iequals(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && same(a, b, alen, true);
}
