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

/* While a tap is set, diag_print also hands every diagnostic to it, before
 * printing, whatever the sink. The rules cache (cache.c) taps a compilation
 * to record its warnings and replay them when the database later comes from
 * the cache, so the subcommands' compile code needs no change. The CLI
 * compiles on one thread; NULL removes the tap. */
void diag_set_tap(vigil_diag_fn fn, void *user);

#endif
