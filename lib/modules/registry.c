/*
 * registry.c - see registry.h.
 */
#include "registry.h"

#include <string.h>

#include "modules.h"

static const mo_module *const MODULES[] = {
    &mo_module_tests,
    &mo_module_pe,
    &mo_module_elf,
    &mo_module_math,
    &mo_module_hash,
    &mo_module_time,
    &mo_module_console,
    &mo_module_string,
    &mo_module_dotnet,
    &mo_module_magic,
};

size_t mo_module_count(void)
{
    return sizeof(MODULES) / sizeof(MODULES[0]);
}

const mo_module *mo_module_at(size_t i)
{
    return i < mo_module_count() ? MODULES[i] : NULL;
}

const mo_module *mo_find_module(const char *name)
{
    for (size_t i = 0; name && i < mo_module_count(); i++)
        if (strcmp(MODULES[i]->name, name) == 0)
            return MODULES[i];
    return NULL;
}
