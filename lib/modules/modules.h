/*
 * modules.h - every module vigil provides, for registry.c. Each is defined
 * in its own file of this folder (tests.c, pe.c, ...).
 */
#ifndef VIGIL_MODULES_MODULES_H
#define VIGIL_MODULES_MODULES_H

#include "object.h"

extern const mo_module mo_module_tests;
extern const mo_module mo_module_pe;
extern const mo_module mo_module_elf;
extern const mo_module mo_module_math;
extern const mo_module mo_module_hash;
extern const mo_module mo_module_time;
extern const mo_module mo_module_console;
extern const mo_module mo_module_string;
extern const mo_module mo_module_dotnet;
extern const mo_module mo_module_magic;

#endif
