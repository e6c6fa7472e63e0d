/*
 * string.c - the "string" module of yara 4.3 and later: to_int(s),
 * to_int(s, base) and length(s). yara 4.2.3, vigil's reference, has no such
 * module, so this one follows the YARA documentation and 4.3's behaviour:
 * to_int parses like C's strtoll (leading white space, a sign, a 0x or 0
 * prefix with base 0) and is undefined unless the whole string (up to its
 * first NUL, as yara reads it) is one number that fits in 64 bits; base is 0
 * or 2..36. length counts every byte, NULs included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"

static mo_val parse(mo_call *c, int64_t base)
{
    if (!(base == 0 || (base >= 2 && base <= 36)))
        return mo_undef();
    size_t len;
    const uint8_t *s = mo_arg_string(c, 0, &len);
    const uint8_t *nul = memchr(s, 0, len);
    if (nul)
        len = (size_t)(nul - s);
    /* strtoll needs a terminated copy */
    char *z = mo_alloc(c->ctx, len + 1);
    if (!z)
        return mo_undef();
    memcpy(z, s, len);
    z[len] = '\0';
    char *end = z;
    errno = 0;
    long long v = strtoll(z, &end, (int)base);
    if (errno != 0 || end == z || *end != '\0')
        return mo_undef();
    return mo_int((int64_t)v);
}

static mo_val to_int(mo_call *c)
{
    return parse(c, 0);
}

static mo_val to_int_base(mo_call *c)
{
    return parse(c, mo_arg_int(c, 1));
}

static mo_val length(mo_call *c)
{
    size_t len;
    (void)mo_arg_string(c, 0, &len);
    return mo_int((int64_t)len);
}

static const mo_decl members[] = {
    MO_FUNCTION("to_int", "s", 'i', to_int),
    MO_FUNCTION("to_int", "si", 'i', to_int_base),
    MO_FUNCTION("length", "s", 'i', length),
    MO_END,
};

const mo_module mo_module_string = {
    .name = "string",
    .members = members,
};
