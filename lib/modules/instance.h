/*
 * instance.h - the modules a program imports, as a scanner uses them: one
 * arena and one value tree per module, loaded lazily (the first time a
 * condition or the front end asks for it) and at most once per object.
 */
#ifndef VIGIL_MODULES_INSTANCE_H
#define VIGIL_MODULES_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "object.h"

typedef struct mo_set mo_set;

/* Resolves each name to a module; VIGIL_E_VERSION (with the name in
 * *missing) when this build lacks one (a database from another vigil). */
vigil_status mo_set_new(const char *const *names, size_t n, mo_set **out, const char **missing);
void mo_set_free(mo_set *s);
size_t mo_set_count(const mo_set *s);
const mo_module *mo_set_module(const mo_set *s, uint32_t slot);

/* A new object: every module is unloaded (its values forgotten). data must
 * stay valid until the next mo_set_begin or mo_set_end. */
void mo_set_begin(mo_set *s, const uint8_t *data, size_t len);
/* Releases what the modules kept of the last object. */
void mo_set_end(mo_set *s);

/* The module's root structure for the current object, loading it first if
 * needed; NULL when slot is out of range or loading failed (out of memory:
 * its values are then all undefined, and *st, if not NULL, says why). */
const mo_obj *mo_set_root(mo_set *s, uint32_t slot, vigil_status *st);

/* What a function call needs besides its arguments: the module's state and
 * arena for the current object (after mo_set_root). */
void mo_set_call_env(mo_set *s, uint32_t slot, mo_call *call);

#endif
