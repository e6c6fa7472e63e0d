/*
 * hex.h - the value of a hexadecimal or base64 digit, for every parser of
 * rule and signature text (YARA hex strings and escapes, ClamAV
 * signatures) and of encoded content (HTML data, CSS images).
 */
#ifndef VIGIL_UTIL_HEX_H
#define VIGIL_UTIL_HEX_H

/* 0..15, or -1 when c is not a hexadecimal digit. */
static inline int util_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* 0..63 in the standard alphabet (RFC 4648: A-Z a-z 0-9 + /), or -1. */
static inline int util_base64_digit(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

#endif
