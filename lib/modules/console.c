/*
 * console.c - yara 4.2.3's "console" module: log() of a string, integer or
 * float with an optional message, and hex() of an integer. Each call makes
 * one message in yara's exact text (bytes outside printable ASCII escaped
 * as \xNN; a message prefix read up to its first NUL; integers as %lli,
 * floats as %f, hex as 0x%llx) and hands it to call->log without a line
 * end; the front end prints it as it likes (yara: one line on stdout). Every
 * call is true.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "modules.h"

static void emit(mo_call *c, const char *msg, size_t len)
{
    if (c->log && msg)
        c->log((const uint8_t *)msg, len, c->log_user);
}

/* The message argument i as yara reads it: a C string. */
static size_t c_len(const uint8_t *s, size_t len)
{
    const uint8_t *nul = memchr(s, 0, len);
    return nul ? (size_t)(nul - s) : len;
}

/* prefix (up to its NUL) followed by s with non-printable bytes escaped */
static mo_val log_escaped(mo_call *c, const uint8_t *prefix, size_t plen, const uint8_t *s,
                          size_t len)
{
    plen = c_len(prefix, plen);
    char *msg = mo_alloc(c->ctx, plen + 4 * len + 1);
    if (!msg)
        return mo_int(1);
    memcpy(msg, prefix, plen);
    size_t n = plen;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f)
            msg[n++] = (char)s[i];
        else
            n += (size_t)snprintf(msg + n, 5, "\\x%02x", s[i]);
    }
    emit(c, msg, n);
    return mo_int(1);
}

/* prefix (up to its NUL) followed by printf's rendering of the rest */
static mo_val log_format(mo_call *c, const uint8_t *prefix, size_t plen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static mo_val log_format(mo_call *c, const uint8_t *prefix, size_t plen, const char *fmt, ...)
{
    plen = c_len(prefix, plen);
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        return mo_int(1);
    char *msg = mo_alloc(c->ctx, plen + (size_t)k + 1);
    if (!msg)
        return mo_int(1);
    memcpy(msg, prefix, plen);
    va_start(ap, fmt);
    vsnprintf(msg + plen, (size_t)k + 1, fmt, ap);
    va_end(ap);
    emit(c, msg, plen + (size_t)k);
    return mo_int(1);
}

static const uint8_t no_prefix[1] = {0};

static mo_val log_string(mo_call *c)
{
    size_t len;
    const uint8_t *s = mo_arg_string(c, 0, &len);
    return log_escaped(c, no_prefix, 0, s, len);
}

static mo_val log_string_msg(mo_call *c)
{
    size_t mlen, len;
    const uint8_t *m = mo_arg_string(c, 0, &mlen);
    const uint8_t *s = mo_arg_string(c, 1, &len);
    return log_escaped(c, m, mlen, s, len);
}

static mo_val log_integer(mo_call *c)
{
    return log_format(c, no_prefix, 0, "%" PRId64, mo_arg_int(c, 0));
}

static mo_val log_integer_msg(mo_call *c)
{
    size_t mlen;
    const uint8_t *m = mo_arg_string(c, 0, &mlen);
    return log_format(c, m, mlen, "%" PRId64, mo_arg_int(c, 1));
}

static mo_val log_float(mo_call *c)
{
    return log_format(c, no_prefix, 0, "%f", mo_arg_float(c, 0));
}

static mo_val log_float_msg(mo_call *c)
{
    size_t mlen;
    const uint8_t *m = mo_arg_string(c, 0, &mlen);
    return log_format(c, m, mlen, "%f", mo_arg_float(c, 1));
}

static mo_val hex_integer(mo_call *c)
{
    return log_format(c, no_prefix, 0, "0x%" PRIx64, (uint64_t)mo_arg_int(c, 0));
}

static mo_val hex_integer_msg(mo_call *c)
{
    size_t mlen;
    const uint8_t *m = mo_arg_string(c, 0, &mlen);
    return log_format(c, m, mlen, "0x%" PRIx64, (uint64_t)mo_arg_int(c, 1));
}

static const mo_decl members[] = {
    MO_FUNCTION_EFFECT("log", "s", 'i', log_string),
    MO_FUNCTION_EFFECT("log", "ss", 'i', log_string_msg),
    MO_FUNCTION_EFFECT("log", "i", 'i', log_integer),
    MO_FUNCTION_EFFECT("log", "si", 'i', log_integer_msg),
    MO_FUNCTION_EFFECT("log", "f", 'i', log_float),
    MO_FUNCTION_EFFECT("log", "sf", 'i', log_float_msg),
    MO_FUNCTION_EFFECT("hex", "i", 'i', hex_integer),
    MO_FUNCTION_EFFECT("hex", "si", 'i', hex_integer_msg),
    MO_END,
};

const mo_module mo_module_console = {
    .name = "console",
    .members = members,
};
