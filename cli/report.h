/*
 * report.h - what `vigil scan` tells people: one line per detection (or one
 * NDJSON object with --json), errors and warnings as "vigil: PATH: reason",
 * and a closing summary. Counting lives here too, so the exit status and
 * the summary can never disagree.
 */
#ifndef VIGIL_CLI_REPORT_H
#define VIGIL_CLI_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <vigil.h>

#include "outbuf.h"

/* Settings are read by every worker; counts are kept per file in the
 * outbuf and summed by the output writer into `n`. */
typedef struct report {
    bool json;
    bool strings; /* -s: matched strings under each detection */
    bool quiet;   /* no summary, no warnings */
    ob_counts n;
    struct timespec start;
} report;

void report_start(report *r);
/* Called from the scan callback (match data is valid only there). */
void report_detection(const report *r, outbuf *ob, vigil_scanner *s, const char *path,
                      const vigil_rule *rule);
void report_error(const report *r, outbuf *ob, const char *path, const char *why);
void report_warning(const report *r, outbuf *ob, const char *path, const char *why);
/* Final summary: stderr line (with the scan rate), and a JSON object on
 * stdout with --json. */
void report_finish(report *r);
/* 0 clean, 1 something found, 2 errors and nothing found. */
int report_exit_code(const report *r);

#endif
