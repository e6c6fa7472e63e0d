/*
 * registry.h - the YARA modules vigil has (`import "pe"`), found by name.
 * A static table: adding a module is one line in registry.c.
 */
#ifndef VIGIL_MODULES_REGISTRY_H
#define VIGIL_MODULES_REGISTRY_H

#include <stddef.h>

#include "object.h"

/* The module called name, or NULL. */
const mo_module *mo_find_module(const char *name);
size_t mo_module_count(void);
/* Module number i (0 <= i < mo_module_count()), in a fixed order. */
const mo_module *mo_module_at(size_t i);

#endif
