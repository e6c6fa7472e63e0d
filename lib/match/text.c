/*
 * text.c - yara 4.2's text-string rules (see text.h). The comparisons
 * follow libyara/scan.c's order exactly because that order decides what is
 * recorded when two forms match at one offset (e.g. "A\x00" ascii wide over
 * "A\0\0\0" is an ascii match of length 2). Case folding and "alphanumeric"
 * are ASCII-only, as yara's tables are in the C locale.
 */
#include "text.h"

#include "../ir/ir.h"

const uint8_t mt_base64_std[64] = {
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
    'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'a', 'b', 'c', 'd', 'e', 'f',
    'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v',
    'w', 'x', 'y', 'z', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '/',
};

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool alnum(uint8_t c)
{
    uint8_t l = lower(c);
    return (c >= '0' && c <= '9') || (l >= 'a' && l <= 'z');
}

void mt_widen(const uint8_t *in, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = in[i];
        out[2 * i + 1] = 0;
    }
}

size_t mt_base64_form_max(size_t n)
{
    /* 2 shift bytes, 4 characters per 3 bytes rounded up, widened */
    return 2 * (4 * ((n + 2 + 2) / 3));
}

size_t mt_base64_form(const uint8_t *plain, size_t n, const uint8_t *alphabet, int shift, bool wide,
                      uint8_t *out)
{
    size_t total = (size_t)shift + n;
    size_t pad = total % 3 ? 3 - total % 3 : 0;
    size_t leading = shift ? (size_t)shift + 1 : 0;
    size_t trailing = pad ? pad + 1 : 0;
    size_t enc_len = 4 * ((total + 2) / 3);
    if (enc_len <= leading + trailing)
        return 0;
    /* Encode group by group, keeping only characters in [leading, enc_len -
     * trailing); the shift bytes are 'A' as in yara (their value only touches
     * the characters that are cut off). */
    size_t keep_end = enc_len - trailing;
    size_t o = 0;
    for (size_t g = 0; g < total; g += 3) {
        uint8_t b[3] = {0, 0, 0};
        for (size_t k = 0; k < 3 && g + k < total; k++) {
            size_t i = g + k;
            b[k] = i < (size_t)shift ? 'A' : plain[i - (size_t)shift];
        }
        uint8_t c[4] = {
            alphabet[b[0] >> 2],
            alphabet[((b[0] & 0x03) << 4) | (b[1] >> 4)],
            alphabet[((b[1] & 0x0f) << 2) | (b[2] >> 6)],
            alphabet[b[2] & 0x3f],
        };
        for (size_t k = 0; k < 4; k++) {
            size_t pos = (g / 3) * 4 + k;
            if (pos < leading || pos >= keep_end)
                continue;
            if (wide) {
                out[o++] = c[k];
                out[o++] = 0;
            } else {
                out[o++] = c[k];
            }
        }
    }
    return o;
}

static uint32_t cmp_ascii(const uint8_t *d, size_t avail, const uint8_t *s, uint32_t n, bool icase)
{
    if (avail < n)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        if (icase ? lower(d[i]) != lower(s[i]) : d[i] != s[i])
            return 0;
    }
    return n;
}

static uint32_t cmp_wide(const uint8_t *d, size_t avail, const uint8_t *s, uint32_t n, bool icase)
{
    if (avail / 2 < n)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = d[2 * i];
        if ((icase ? lower(c) != lower(s[i]) : c != s[i]) || d[2 * i + 1] != 0)
            return 0;
    }
    return 2 * n;
}

static uint32_t cmp_xor_ascii(const uint8_t *d, size_t avail, const uint8_t *s, uint32_t n)
{
    if (avail < n)
        return 0;
    uint8_t k = d[0] ^ s[0];
    for (uint32_t i = 0; i < n; i++) {
        if (d[i] != (uint8_t)(s[i] ^ k))
            return 0;
    }
    return n;
}

static uint32_t cmp_xor_wide(const uint8_t *d, size_t avail, const uint8_t *s, uint32_t n)
{
    if (avail / 2 < n)
        return 0;
    uint8_t k = d[0] ^ s[0];
    for (uint32_t i = 0; i < n; i++) {
        if (d[2 * i] != (uint8_t)(s[i] ^ k) || (uint8_t)(d[2 * i + 1] ^ k) != 0)
            return 0;
    }
    return 2 * n;
}

uint32_t mt_text_verify(const uint8_t *s, uint32_t slen, uint32_t flags, const uint8_t *data,
                        size_t dlen, size_t x, uint8_t *key)
{
    *key = 0;
    if (x >= dlen || slen == 0)
        return 0;
    const uint8_t *d = data + x;
    size_t avail = dlen - x;
    bool ascii = (flags & IR_SF_ASCII) || !(flags & IR_SF_WIDE);
    bool wide = flags & IR_SF_WIDE;
    bool icase = flags & IR_SF_NOCASE;
    uint32_t n = 0;
    if (ascii)
        n = cmp_ascii(d, avail, s, slen, icase);
    if (!n && wide)
        n = cmp_wide(d, avail, s, slen, icase);
    if (n || icase || !(flags & IR_SF_XOR))
        return n;
    /* yara tries the xor'ed wide form, then the xor'ed ascii one, whatever
     * the ascii flag says; only the atoms limit which forms can be found. */
    if (wide)
        n = cmp_xor_wide(d, avail, s, slen);
    if (!n)
        n = cmp_xor_ascii(d, avail, s, slen);
    if (n)
        *key = d[0] ^ s[0];
    return n;
}

bool mt_fullword_ok(const uint8_t *data, size_t dlen, size_t x, size_t mlen, bool wide)
{
    size_t end = x + mlen;
    if (wide) {
        if (x >= 2 && data[x - 1] == 0 && alnum(data[x - 2]))
            return false;
        if (end + 1 < dlen && data[end + 1] == 0 && alnum(data[end]))
            return false;
        return true;
    }
    if (x >= 1 && alnum(data[x - 1]))
        return false;
    if (end < dlen && alnum(data[end]))
        return false;
    return true;
}
