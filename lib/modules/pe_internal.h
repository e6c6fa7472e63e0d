/*
 * pe_internal.h - what the files of yara's pe module (pe.c, pe_imports.c,
 * pe_resources.c, pe_rich.c, pe_signatures.c) share: the parsed state kept
 * for the module's functions, and each topic's load and function entry
 * points. Parsing is done on the lib/formats/pe.h view; the state lives in
 * the object's arena, so nothing needs freeing.
 */
#ifndef VIGIL_MODULES_PE_INTERNAL_H
#define VIGIL_MODULES_PE_INTERNAL_H

#include "../formats/pe.h"
#include "object.h"

/* yara's YR_UNDEFINED: what yara's functions read from an unset integer
 * (pe.language() masks it like any value). */
#define PE_UNDEFINED ((int64_t)0xFFFABADAFABADAFFULL)

/* yara's limits (pe.c): imports, exports, resources, signatures */
#define PE_MAX_IMPORTS 16384
#define PE_MAX_EXPORTS 8192
#define PE_MAX_EXPORT_NAME 512
#define PE_MAX_IMPORT_NAME 512
#define PE_MAX_RESOURCES 65536
#define PE_MAX_CERTS 16

typedef struct pe_func {
    const char *name; /* NUL-terminated, in the arena */
    uint16_t ordinal;
    bool has_ordinal;
} pe_func;

typedef struct pe_dll {
    const char *name;
    pe_func *funcs;
    uint32_t nfuncs;
} pe_dll;

typedef struct pe_export {
    const uint8_t *name; /* NULL when the export has no name */
    size_t name_len;
    int64_t ordinal;
} pe_export;

typedef struct pe_state {
    fmt_pe pe;
    pe_dll *imports; /* standard imports that have functions */
    uint32_t nimports;
    pe_dll *delayed; /* delay-load imports */
    uint32_t ndelayed;
    pe_export *exports;
    uint32_t nexports;
    const uint8_t *rich_clear; /* the decoded rich header, NULL if none */
    size_t rich_len;
    int64_t *languages; /* resources[i].language, PE_UNDEFINED when unset */
    uint32_t nresources;
    const char *imphash; /* computed on first use */
} pe_state;

/* ---- per topic: fill the tree (and the state) ---- */
vigil_status pe_load_imports(mo_ctx *c, mo_obj *root, pe_state *st);
vigil_status pe_load_delayed_imports(mo_ctx *c, mo_obj *root, pe_state *st);
vigil_status pe_load_exports(mo_ctx *c, mo_obj *root, pe_state *st);
vigil_status pe_load_resources(mo_ctx *c, mo_obj *root, pe_state *st);
void pe_load_rich(mo_ctx *c, mo_obj *root, pe_state *st);
void pe_load_debug(mo_ctx *c, mo_obj *root, const pe_state *st);
void pe_load_signatures(mo_ctx *c, mo_obj *root, const pe_state *st);

/* The name yara gives an import by ordinal from dll ("ordN" when unknown);
 * NUL-terminated, in the arena (NULL when out of memory). */
const char *pe_ordinal_name(mo_ctx *c, const char *dll, uint16_t ordinal);

/* A NUL-terminated copy of at most max bytes at off (fewer when the file
 * or a NUL ends it), in the arena. */
const char *pe_strndup(mo_ctx *c, const fmt_pe *pe, int64_t off, size_t max);
/* strnlen over the file from off (0 if off is outside). */
size_t pe_strnlen(const fmt_pe *pe, uint64_t off, size_t max);

/* ---- functions (mo_fn) ---- */
mo_val pe_fn_imphash(mo_call *c);
mo_val pe_fn_exports_name(mo_call *c);
mo_val pe_fn_exports_regex(mo_call *c);
mo_val pe_fn_exports_ordinal(mo_call *c);
mo_val pe_fn_exports_index_name(mo_call *c);
mo_val pe_fn_exports_index_ordinal(mo_call *c);
mo_val pe_fn_exports_index_regex(mo_call *c);
mo_val pe_fn_imports_ss(mo_call *c);
mo_val pe_fn_imports_si(mo_call *c);
mo_val pe_fn_imports_s(mo_call *c);
mo_val pe_fn_imports_rr(mo_call *c);
mo_val pe_fn_imports_iss(mo_call *c);
mo_val pe_fn_imports_isi(mo_call *c);
mo_val pe_fn_imports_is(mo_call *c);
mo_val pe_fn_imports_irr(mo_call *c);
mo_val pe_fn_locale(mo_call *c);
mo_val pe_fn_language(mo_call *c);
mo_val pe_fn_rich_version(mo_call *c);
mo_val pe_fn_rich_version_toolid(mo_call *c);
mo_val pe_fn_rich_toolid(mo_call *c);
mo_val pe_fn_rich_toolid_version(mo_call *c);
mo_val pe_fn_valid_on(mo_call *c);

#endif
