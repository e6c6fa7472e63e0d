/*
 * pool.h - parallel scanning for the CLI (docs/DESIGN.md §5): the caller's
 * thread walks directories and feeds a bounded queue of paths; N workers,
 * each with its own state (its own vigil_scanner), scan them and collect
 * each file's output in an outbuf; one writer thread prints the finished
 * blocks, so every file's lines stay together, and keeps the totals and the
 * progress line. With one worker, output order is exactly the walk order.
 */
#ifndef VIGIL_CLI_POOL_H
#define VIGIL_CLI_POOL_H

#include <stdbool.h>
#include <sys/stat.h>

#include "outbuf.h"
#include "progress.h"

/* Most workers the CLI runs. */
#define POOL_MAX_WORKERS 256
/* Paths waiting for a worker; the walker blocks when this many are queued. */
#define POOL_QUEUE 64

/* Scans one file on a worker thread, printing only through ob. st is NULL
 * when the path was not stat'ed (yara's --scan-list entries). */
typedef void (*pool_scan_fn)(void *worker_ctx, const char *path, const struct stat *st, outbuf *ob);

typedef struct pool_cfg {
    int workers;             /* 0: files are dropped unscanned (yara -p 0 does so) */
    void *const *worker_ctx; /* one per worker, passed to scan */
    pool_scan_fn scan;
    progress *progress; /* drawn by the writer; NULL for none */
} pool_cfg;

typedef struct pool pool;

/* Starts the workers and the writer. False (nothing started) when threads
 * or memory are not available. */
bool pool_start(const pool_cfg *cfg, pool **out);
/* Queues a file for scanning; blocks while the queue is full. */
void pool_file(pool *p, const char *path, const struct stat *st);
/* Queues output made by the walker (skipped paths); it stays in order with
 * the files around it when there is one worker. Takes ob's content. */
void pool_message(pool *p, outbuf *ob);
/* Waits until everything queued is scanned and written, stops the threads,
 * clears the progress line, and stores the totals of all output. */
void pool_finish(pool *p, ob_counts *total);

#endif
