/*
 * args.c - yara-compatible option parsing (see args.h for the rules it
 * keeps). Written from the behaviour of yara's parser, which scripts depend
 * on: e.g. "-s -s" is an error, and "--define x=1" (no '=') is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"

static bool is_long(const char *a)
{
    return a[0] == '-' && a[1] == '-' && a[2] != '\0';
}

static bool is_short(const char *a)
{
    return a[0] == '-' && a[1] != '-' && a[1] != '\0';
}

static arg_opt *find_short(arg_opt *o, char c)
{
    for (; o->type != ARG_END; o++) {
        if (o->short_name != 0 && o->short_name == c)
            return o;
    }
    return NULL;
}

static arg_opt *find_long(arg_opt *o, const char *arg)
{
    arg += 2;
    for (; o->type != ARG_END; o++) {
        if (!o->long_name)
            continue;
        size_t l = strlen(o->long_name);
        if (strncmp(arg, o->long_name, l) == 0 && (arg[l] == '\0' || arg[l] == '='))
            return o;
    }
    return NULL;
}

typedef enum { E_OK, E_UNKNOWN, E_TOO_MANY, E_NEED_INT, E_NEED_STRING } arg_err;

static arg_err set_value(arg_opt *o, const char *val, bool *used)
{
    *used = false;
    if (o->count == o->max_count)
        return E_TOO_MANY;
    switch (o->type) {
    case ARG_BOOL:
        *(bool *)o->value = !*(bool *)o->value;
        break;
    case ARG_INT: {
        if (!val)
            return E_NEED_INT;
        char *end = NULL;
        long v = strtol(val, &end, 0);
        if (*end != '\0')
            return E_NEED_INT;
        *(long *)o->value = v;
        *used = true;
        break;
    }
    case ARG_STRING:
        if (!val)
            return E_NEED_STRING;
        ((const char **)o->value)[o->count] = val;
        *used = true;
        break;
    case ARG_END:
    default:
        return E_UNKNOWN;
    }
    o->count++;
    return E_OK;
}

static void print_error(arg_err e, const char *arg)
{
    switch (e) {
    case E_UNKNOWN:
        fprintf(stderr, "unknown option `%s`\n", arg);
        break;
    case E_TOO_MANY:
        fprintf(stderr, "too many `%s` options\n", arg);
        break;
    case E_NEED_INT:
        fprintf(stderr, "option `%s` requires an integer argument\n", arg);
        break;
    case E_NEED_STRING:
        fprintf(stderr, "option `%s` requires a string argument\n", arg);
        break;
    case E_OK:
    default:
        break;
    }
}

int args_parse(arg_opt *opts, int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        arg_err e = E_OK;
        bool used;
        if (is_long(arg)) {
            arg_opt *o = find_long(opts, arg);
            if (!o) {
                e = E_UNKNOWN;
            } else {
                const char *eq = strchr(arg, '=');
                e = set_value(o, eq ? eq + 1 : NULL, &used);
            }
        } else if (is_short(arg)) {
            for (int j = 1; arg[j] != '\0' && e == E_OK; j++) {
                arg_opt *o = find_short(opts, arg[j]);
                if (!o) {
                    e = E_UNKNOWN;
                } else if (arg[j + 1] == '\0') {
                    /* Only the last letter of a cluster can take the next word. */
                    e = set_value(o, i + 1 < argc ? argv[i + 1] : NULL, &used);
                    if (e == E_OK && used)
                        i++;
                } else {
                    e = set_value(o, NULL, &used);
                }
            }
        } else {
            argv[n++] = argv[i];
        }
        if (e != E_OK) {
            print_error(e, arg);
            return -1;
        }
    }
    return n;
}

void args_usage(FILE *out, const arg_opt *o, int align)
{
    for (; o->type != ARG_END; o++) {
        char buf[128];
        int len = snprintf(buf, sizeof(buf), "  ");
        if (o->short_name)
            len += snprintf(buf + len, sizeof(buf) - (size_t)len, "-%c", o->short_name);
        else
            len += snprintf(buf + len, sizeof(buf) - (size_t)len, "     ");
        if (o->short_name && o->long_name)
            len += snprintf(buf + len, sizeof(buf) - (size_t)len, ",  ");
        if (o->long_name)
            len += snprintf(buf + len, sizeof(buf) - (size_t)len, "--%s", o->long_name);
        if (o->type == ARG_INT || o->type == ARG_STRING)
            snprintf(buf + len, sizeof(buf) - (size_t)len, "%s%s", o->long_name ? "=" : " ",
                     o->type_help);
        fprintf(out, "%-*s%s\n", align, buf, o->help);
    }
}
