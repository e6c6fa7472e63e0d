/*
 * yara.h - the YARA rule language front end: lexer, parser and semantic
 * checks, lowering rules straight into an ir_program (lib/ir). One yc_state
 * lives as long as a vigil_compiler, so that later sources can refer to rules
 * of earlier ones in the same namespace, as with yara's compiler.
 */
#ifndef VIGIL_YARA_H
#define VIGIL_YARA_H

#include <stdbool.h>
#include <stddef.h>

#include "../ir/ir.h"
#include "vigil.h"

typedef struct yc_state yc_state;

/* p is the program being built; externals must already be in p->externals. */
vigil_status yc_new(ir_program *p, yc_state **out);
void yc_free(yc_state *st);

typedef struct yc_options {
    vigil_diag_fn diag; /* may be NULL */
    void *diag_user;
    bool warnings;      /* report warnings (errors are always reported) */
    int max_include_depth; /* 0 = default (16) */
    /* Called with each file an `include` read, after reading and before
     * parsing it, so the compiler can record every file a database came from
     * (its cache is checked against them). May be NULL. Returning false
     * (out of memory) makes the include an error. */
    bool (*on_include)(void *user, const char *path, const uint8_t *data, size_t len);
    void *include_user;
} yc_options;

/* Parses one source and appends its rules to the program. `name` labels
 * diagnostics ("rules.yar"); `path`, when not NULL, is the file the source
 * was read from and anchors relative `include`s (include cycles are errors).
 * Every error of the source is reported, not only the first; on any error
 * the rules of this source are not added and VIGIL_E_SYNTAX is returned.
 * *errors and *warnings (if not NULL) are incremented per diagnostic. */
vigil_status yc_add_source(yc_state *st, const char *src, size_t len, const char *ns,
                           const char *name, const char *path, const yc_options *opt,
                           size_t *errors, size_t *warnings);

#endif
