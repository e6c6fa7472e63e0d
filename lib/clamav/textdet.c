/*
 * textdet.c - the text/binary classification libclamav applies to an object
 * no magic matched (textdet.c, cli_texttype, itself after file(1)'s
 * ascmagic). Written from its observable rules, checked against clamscan
 * 1.4.6 by tests/diff/clam_text_diff.py; text.h lists the odd cases.
 */
#include "clamav/text.h"

/* Bytes ascmagic calls "plain ASCII text": printable ASCII plus BEL BS HT LF
 * FF CR ESC. VT and DEL are not among them. Bytes from 0x80 up are the
 * ISO-8859 and extended-ASCII classes, which the ASCII test accepts too. */
static bool plain_text(uint8_t c)
{
    if (c >= 0x20)
        return c != 0x7f;
    return (c >= 0x07 && c <= 0x0d && c != 0x0b) || c == 0x1b;
}

/* libclamav's ASCII test fails only on a byte below 0x80 that is not plain
 * text (NUL, most controls, DEL). */
static bool is_ascii(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] < 0x80 && !plain_text(buf[i]))
            return false;
    return true;
}

/*
 * UTF-16 as libclamav guesses it: a BOM picks the byte order, no BOM means
 * big endian. The units from offset 2 are examined (the first two bytes even
 * without a BOM); an odd last byte is not. U+FFFE rejects either way. Without
 * a BOM any unit below 0x80 that is not plain text rejects; with one,
 * libclamav counts them and rejects when the count reaches len / 2, which
 * cannot happen (at most len / 2 - 1 units follow the BOM), so it is left out.
 * Returns CV_TEXT_UTF16LE, CV_TEXT_UTF16BE or CV_TEXT_BINARY.
 */
static uint32_t utf16_type(const uint8_t *buf, size_t len)
{
    if (len < 2)
        return CV_TEXT_BINARY;
    bool le = buf[0] == 0xff && buf[1] == 0xfe;
    bool bom = le || (buf[0] == 0xfe && buf[1] == 0xff);
    for (size_t i = 2; i + 1 < len; i += 2) {
        unsigned c = le ? (unsigned)buf[i] | (unsigned)buf[i + 1] << 8
                        : (unsigned)buf[i] << 8 | (unsigned)buf[i + 1];
        if (c == 0xfffe)
            return CV_TEXT_BINARY;
        if (!bom && c < 0x80 && !plain_text((uint8_t)c))
            return CV_TEXT_BINARY;
    }
    return le ? CV_TEXT_UTF16LE : CV_TEXT_UTF16BE;
}

/*
 * libclamav tries ASCII, then UTF-8, then UTF-16. Its UTF-8 test rejects any
 * byte below 0x80 that is not plain text wherever it stands (a continuation
 * byte is 0x80-0xbf, a cut sequence only happens at the end), so it can only
 * pass when the ASCII test, which accepts every byte from 0x80 up, already
 * did: CL_TYPE_TEXT_UTF8 is never the result, and valid UTF-8 text is ASCII.
 */
uint32_t cv_text_type(const uint8_t *buf, size_t len)
{
    if (len > CV_TEXT_DETECT_LEN)
        len = CV_TEXT_DETECT_LEN;
    if (len == 0 || is_ascii(buf, len))
        return CV_TEXT_ASCII;
    return utf16_type(buf, len);
}

const char *cv_text_type_name(uint32_t type)
{
    switch (type) {
    case CV_TEXT_ASCII:
        return "CL_TYPE_TEXT_ASCII";
    case CV_TEXT_UTF8:
        return "CL_TYPE_TEXT_UTF8";
    case CV_TEXT_UTF16LE:
        return "CL_TYPE_TEXT_UTF16LE";
    case CV_TEXT_UTF16BE:
        return "CL_TYPE_TEXT_UTF16BE";
    case CV_TEXT_BINARY:
        return "CL_TYPE_BINARY_DATA";
    default:
        return NULL;
    }
}
