/*
 * time.c - yara's "time" module: now(), the current time in seconds since
 * the Unix epoch, read when a condition calls it.
 */
#include <time.h>

#include "modules.h"

static mo_val now(mo_call *c)
{
    (void)c;
    return mo_int((int64_t)time(NULL));
}

static const mo_decl members[] = {
    MO_FUNCTION("now", "", 'i', now),
    MO_END,
};

const mo_module mo_module_time = {
    .name = "time",
    .members = members,
};
