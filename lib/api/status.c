/*
 * status.c - names of status codes and the shared error-message helper of
 * the public API.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

const char *vigil_status_str(vigil_status st)
{
    switch (st) {
    case VIGIL_OK: return "success";
    case VIGIL_E_NOMEM: return "out of memory";
    case VIGIL_E_SYNTAX: return "syntax error in rules";
    case VIGIL_E_IO: return "input/output error";
    case VIGIL_E_LIMIT: return "limit exceeded";
    case VIGIL_E_CORRUPT: return "corrupted database";
    case VIGIL_E_VERSION: return "database from another vigil version";
    case VIGIL_E_ARG: return "invalid argument";
    case VIGIL_E_TIMEOUT: return "scan timed out";
    case VIGIL_E_INTERNAL: return "internal error";
    case VIGIL_E_ABORTED: return "aborted by callback";
    }
    return "unknown status";
}

void api_set_error(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}
