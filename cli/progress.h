/*
 * progress.h - the status line of `vigil scan` on a terminal: files, bytes,
 * rate, detections and errors so far, redrawn in place on stderr. Only the
 * output writer (cli/pool.c) touches it, so it is erased before every other
 * line and needs no locking of its own.
 */
#ifndef VIGIL_CLI_PROGRESS_H
#define VIGIL_CLI_PROGRESS_H

#include <stdbool.h>
#include <time.h>

#include "outbuf.h"

/* Redraws are at most this far apart while the scan runs (~4 per second). */
#define PROGRESS_INTERVAL_MS 250

typedef struct progress {
    bool on;
    bool shown; /* the line is on the screen now */
    struct timespec start, last;
} progress;

void progress_init(progress *p, bool on);
/* Whether a redraw is due (the line is on and the interval has passed). */
bool progress_due(const progress *p);
/* Redraws when the last draw is at least PROGRESS_INTERVAL_MS old. */
void progress_tick(progress *p, const ob_counts *n);
/* Clears the line if it is shown (before other output, and at the end). */
void progress_erase(progress *p);

/* Seconds since t, on the monotonic clock. */
double progress_since(const struct timespec *t);
/* "12.3 MB/s" style rate of `bytes` over `secs`, into buf. */
void progress_rate(char *buf, size_t size, double bytes, double secs);

#endif
