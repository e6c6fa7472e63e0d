/*
 * diag.h - prints compiler diagnostics gcc-style for every subcommand:
 * "file:line:col: error: message", the source line, and a caret under the
 * column, so editors and people read vigil's errors like a compiler's.
 */
#ifndef VIGIL_CLI_DIAG_H
#define VIGIL_CLI_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include <vigil.h>

typedef struct diag_sink {
    FILE *out;
    bool show_warnings; /* false: warnings are counted, not printed (-w) */
    size_t errors;
    size_t warnings;
} diag_sink;

/* A vigil_diag_fn; `user` is a diag_sink. */
void diag_print(const vigil_diag *d, void *user);

#endif
