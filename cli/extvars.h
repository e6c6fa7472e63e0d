/*
 * extvars.h - "-d VAR=VALUE" external variable definitions, with yara's type
 * inference (float if it has one dot and digits, integer if only digits,
 * true/false, else string), applied to a compiler or to a scanner.
 */
#ifndef VIGIL_CLI_EXTVARS_H
#define VIGIL_CLI_EXTVARS_H

#include <stdbool.h>
#include <stdint.h>

#include <vigil.h>

typedef enum extvar_type { EXT_INT, EXT_FLOAT, EXT_BOOL, EXT_STRING } extvar_type;

typedef struct extvar {
    const char *def;  /* the VAR=VALUE argument as given */
    char *name;       /* owned copy of VAR */
    const char *value; /* points into def */
    extvar_type type;
    int64_t i;
    double f;
} extvar;

/* Splits and types one definition. yara_int: integers are truncated to a C
 * int the way yara's atoi() does (for `vigil yara`); otherwise 64-bit.
 * Returns false (and leaves *out cleared) when there is no '='. */
bool extvar_parse(const char *def, bool yara_int, extvar *out);
void extvar_free(extvar *e);

/* On failure, *why is the library's message (or a static text). */
vigil_status extvar_define_compiler(vigil_compiler *c, const extvar *e);
vigil_status extvar_define_scanner(vigil_scanner *s, const extvar *e, const char **why);

#endif
