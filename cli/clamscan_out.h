/*
 * clamscan_out.h - where `vigil clamscan` writes, with clamscan's routing:
 * per-file results on stdout and in the --log file ("OK" lines on stdout
 * only), "WARNING:"/"ERROR:" lines on stderr (stdout with --stdout) and in
 * the log, "Scanning PATH" with -v, and the SCAN SUMMARY block. With
 * --json the per-file results become one JSON object per line instead.
 * The counters live here so the summary and the exit status agree.
 */
#ifndef VIGIL_CLI_CLAMSCAN_OUT_H
#define VIGIL_CLI_CLAMSCAN_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <vigil.h>

#include "progress.h"

/* clamscan counts data in blocks of this many bytes (CL_COUNT_PRECISION),
 * each file's size divided down on its own. */
#define CS_BLOCK 4096u

typedef struct cs_counts {
    uint64_t sigs;        /* Known viruses */
    uint64_t dirs;        /* Scanned directories */
    uint64_t files;       /* Scanned files */
    uint64_t infected;    /* Infected files */
    uint64_t errors;      /* Total errors (per-file failures) */
    uint64_t not_removed, not_moved;
    uint64_t blocks_scanned, blocks_read;
} cs_counts;

typedef struct cs_out {
    FILE *log;       /* --log, or NULL */
    bool to_stdout;  /* --stdout */
    bool verbose;    /* -v */
    bool json;       /* --json */
    bool bell;       /* --bell */
    bool copy_mode;  /* --copy (the summary's "Not moved" label depends on it) */
    bool fatal;      /* an error that makes the exit status 2 without a count */
    cs_counts n;
    progress *pr;           /* --progress line, erased before every other line; or NULL */
    struct timespec t0;     /* monotonic, for Time */
    time_t start;           /* wall clock, for Start Date */
} cs_out;

/* Opens the log (append, clamscan's separator line first). False after
 * printing why. */
bool cs_out_open(cs_out *o, const char *log_path);
void cs_out_close(cs_out *o);

/* "PATH: TEXT" result lines (Empty file, Excluded, Symbolic link, Access
 * denied, Can't open directory., moved to ...): stdout and log; with
 * --json {"path":..,"status":TEXT}. */
void cs_result(cs_out *o, const char *path, const char *text);
/* "PATH: OK": stdout only, as clamscan's mprintf. */
void cs_ok(cs_out *o, const char *path);
/* "PATH: NAME FOUND" (and the bell); with --json the detection object of
 * `vigil scan --json`. Call from the scan callback. */
void cs_found(cs_out *o, vigil_scanner *s, const char *path, const vigil_rule *rule);
/* "WARNING: ..." / "ERROR: ..." (stderr or --stdout, and log). */
void cs_warning(cs_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cs_error(cs_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line of clamscan's info level without a path status: stdout and log. */
void cs_info(cs_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "Scanning PATH" with -v (stdout and log). */
void cs_verbose(cs_out *o, const char *path);
/* Redraws the --progress line when it is due. */
void cs_progress(cs_out *o);

/* The SCAN SUMMARY block (stdout and log; a JSON object with --json). */
void cs_summary(cs_out *o);
/* 1 when something was found, 2 after errors, else 0 (clamscan's order). */
int cs_exit_code(const cs_out *o);

/* "Engine version" of the summary: vigil's own version, because the
 * engine that decided is vigil's, not libclamav. */
#define CS_ENGINE_VERSION "vigil-" VIGIL_VERSION_STRING

#endif
