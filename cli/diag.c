/*
 * diag.c - gcc-style rendering of vigil_diag. The caret line copies the tabs
 * of the source line before the column so the caret stays under the right
 * character whatever the terminal's tab width.
 */
#include <string.h>

#include "diag.h"

/* Longest source excerpt echoed; a minified one-line rule file must not
 * flood the terminal. */
#define DIAG_LINE_MAX 400

static void print_caret(FILE *out, const char *line, int col)
{
    size_t len = strlen(line);
    size_t shown = len < DIAG_LINE_MAX ? len : DIAG_LINE_MAX;
    fprintf(out, "%.*s%s\n", (int)shown, line, shown < len ? " ..." : "");
    if (col < 1 || (size_t)(col - 1) > shown)
        return;
    for (size_t i = 0; i + 1 < (size_t)col; i++)
        fputc(line[i] == '\t' ? '\t' : ' ', out);
    fputs("^\n", out);
}

static vigil_diag_fn tap_fn;
static void *tap_user;

void diag_set_tap(vigil_diag_fn fn, void *user)
{
    tap_fn = fn;
    tap_user = user;
}

void diag_print(const vigil_diag *d, void *user)
{
    diag_sink *sink = user;
    if (tap_fn)
        tap_fn(d, tap_user);
    bool is_error = d->severity == VIGIL_SEV_ERROR;
    if (is_error)
        sink->errors++;
    else
        sink->warnings++;
    if (!is_error && !sink->show_warnings)
        return;
    const char *kind = is_error ? "error" : "warning";
    FILE *out = sink->out;
    if (d->line > 0 && d->col > 0)
        fprintf(out, "%s:%d:%d: %s: ", d->file, d->line, d->col, kind);
    else if (d->line > 0)
        fprintf(out, "%s:%d: %s: ", d->file, d->line, kind);
    else
        fprintf(out, "%s: %s: ", d->file, kind);
    if (d->rule)
        fprintf(out, "rule \"%s\": ", d->rule);
    fprintf(out, "%s\n", d->message);
    if (d->source_line && d->line > 0)
        print_caret(out, d->source_line, d->col);
}
