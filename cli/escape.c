/*
 * escape.c - yara 4.2.3's three renderings of bytes on stdout (matched text,
 * matched hex bytes, meta strings). Each differs on purpose, and scripts parse
 * them, so they are reproduced exactly rather than unified.
 */
#include "escape.h"

static void print_escaped(FILE *out, const uint8_t *data, size_t len, const char *fmt)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] >= 32 && data[i] <= 126)
            fputc(data[i], out);
        else
            fprintf(out, fmt, data[i]);
    }
}

void esc_print_string(FILE *out, const uint8_t *data, size_t len)
{
    print_escaped(out, data, len, "\\x%02X");
}

void esc_print_module_string(FILE *out, const uint8_t *data, size_t len)
{
    print_escaped(out, data, len, "\\x%02x");
}

void esc_print_hex(FILE *out, const uint8_t *data, size_t len)
{
    size_t n = len < 64 ? len : 64;
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%02X", i == 0 ? "" : " ", data[i]);
    if (len > 64)
        fputs(" ...", out);
}

/* Letters of the C escapes for control bytes 0..31; 0 = use octal. */
static char c_escape(uint8_t b)
{
    switch (b) {
    case 7:
        return 'a';
    case 8:
        return 'b';
    case 9:
        return 't';
    case 10:
        return 'n';
    case 11:
        return 'v';
    case 12:
        return 'f';
    case 13:
        return 'r';
    default:
        return 0;
    }
}

void esc_print_meta(FILE *out, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (b == '"' || b == '\'' || b == '\\')
            fprintf(out, "\\%c", b);
        else if (b >= 127)
            fprintf(out, "\\%03o", b);
        else if (b >= 32)
            fputc(b, out);
        else if (c_escape(b))
            fprintf(out, "\\%c", c_escape(b));
        else
            fprintf(out, "\\%03o", b);
    }
}
