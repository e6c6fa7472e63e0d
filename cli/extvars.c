/*
 * extvars.c - -d VAR=VALUE parsing shared by every subcommand. The typing
 * rules are yara's (cli/common.c: is_float before is_integer before
 * true/false), so a definition means the same thing to `vigil yara`,
 * `vigil scan` and `vigil compile`.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "extvars.h"

static bool is_integer(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return false;
    }
    return true;
}

static bool is_float(const char *s)
{
    bool dot = false;
    if (*s == '-')
        s++;
    if (*s == '.')
        return false;
    for (; *s; s++) {
        if (*s == '.') {
            if (dot)
                return false;
            dot = true;
        } else if (!isdigit((unsigned char)*s)) {
            return false;
        }
    }
    return dot;
}

bool extvar_parse(const char *def, bool yara_int, extvar *out)
{
    memset(out, 0, sizeof(*out));
    const char *eq = strchr(def, '=');
    if (!eq)
        return false;
    out->name = strndup(def, (size_t)(eq - def));
    if (!out->name)
        return false;
    out->def = def;
    out->value = eq + 1;
    const char *v = out->value;
    if (is_float(v)) {
        out->type = EXT_FLOAT;
        out->f = strtod(v, NULL);
    } else if (is_integer(v)) {
        out->type = EXT_INT;
        long long n = strtoll(v, NULL, 10);
        /* yara uses atoi(): glibc's strtol result cut to an int. */
        out->i = yara_int ? (int64_t)(int)(long)strtol(v, NULL, 10) : (int64_t)n;
    } else if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        out->type = EXT_BOOL;
        out->i = strcmp(v, "true") == 0;
    } else {
        out->type = EXT_STRING;
    }
    return true;
}

void extvar_free(extvar *e)
{
    free(e->name);
    e->name = NULL;
}

vigil_status extvar_define_compiler(vigil_compiler *c, const extvar *e)
{
    switch (e->type) {
    case EXT_INT:
        return vigil_compiler_define_int(c, e->name, e->i);
    case EXT_FLOAT:
        return vigil_compiler_define_float(c, e->name, e->f);
    case EXT_BOOL:
        return vigil_compiler_define_bool(c, e->name, e->i != 0);
    case EXT_STRING:
    default:
        return vigil_compiler_define_string(c, e->name, e->value);
    }
}

vigil_status extvar_define_scanner(vigil_scanner *s, const extvar *e, const char **why)
{
    vigil_status st;
    switch (e->type) {
    case EXT_INT:
        st = vigil_scanner_define_int(s, e->name, e->i);
        break;
    case EXT_FLOAT:
        st = vigil_scanner_define_float(s, e->name, e->f);
        break;
    case EXT_BOOL:
        st = vigil_scanner_define_bool(s, e->name, e->i != 0);
        break;
    case EXT_STRING:
    default:
        st = vigil_scanner_define_string(s, e->name, e->value);
        break;
    }
    *why = st == VIGIL_OK ? NULL : vigil_scanner_last_error(s);
    return st;
}
