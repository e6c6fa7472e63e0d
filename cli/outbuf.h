/*
 * outbuf.h - the output of one scanned file, collected by the thread that
 * scans it and written later by the one output writer (cli/pool.c), so
 * lines of different files never interleave. stdout and stderr text are
 * kept in one byte stream of tagged chunks: replaying it puts every byte
 * on the right stream in the order it was produced, as direct printing
 * with fflush(stdout) before each stderr write would.
 */
#ifndef VIGIL_CLI_OUTBUF_H
#define VIGIL_CLI_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the output of a file counts for the summary and the progress line. */
typedef struct ob_counts {
    uint64_t files, bytes, detections, errors, skipped;
} ob_counts;

typedef struct ob_mark {
    size_t start; /* offset of the chunk in the data */
    int stream;   /* 1 stdout, 2 stderr */
} ob_mark;

/* A finished piece of output, owned by whoever holds it. */
typedef struct ob_block {
    char *data;
    size_t len;
    ob_mark *marks;
    size_t nmarks;
    ob_counts n;
} ob_block;

typedef struct outbuf outbuf;
/* Called by ob_check when the buffer has grown past OB_SPILL_AT bytes: it
 * must take the output so far (ob_take) and see it written. */
typedef void (*ob_spill_fn)(outbuf *ob, void *ctx);

struct outbuf {
    FILE *mem; /* open_memstream over data/len, NULL until first written */
    char *data;
    size_t len;
    ob_mark *marks;
    size_t nmarks, cap;
    int cur;     /* stream of the open chunk, 0 none */
    ob_counts n; /* counts of this output, handed on with it */
    ob_spill_fn spill;
    void *spill_ctx;
};

/* One file's output past this is written before the file is done (still
 * contiguous: the writer takes nothing else meanwhile), so -s over a file
 * with millions of matches cannot exhaust memory. */
#define OB_SPILL_AT ((size_t)1 << 20)

void ob_init(outbuf *ob, ob_spill_fn spill, void *ctx);
/* Streams to print to; valid until the next ob_* call on ob. When memory
 * runs out they are the real stdout/stderr (output may then interleave). */
FILE *ob_out(outbuf *ob);
FILE *ob_err(outbuf *ob);
/* Spills when the buffer is large; call between lines of long outputs. */
void ob_check(outbuf *ob);
/* Moves the output so far (and its counts) into b; ob is empty again. */
void ob_take(outbuf *ob, ob_block *b);
/* Releases what ob holds (unwritten output is lost). */
void ob_free(outbuf *ob);

/* Writes b to the real stdout/stderr in order; stdout is flushed before
 * each stderr chunk. Does not free b. */
void ob_block_write(const ob_block *b);
void ob_block_free(ob_block *b);
bool ob_block_empty(const ob_block *b);

/* Adds b's counts to the totals. */
void ob_counts_add(ob_counts *total, const ob_counts *d);

/* A spill function for single-threaded use: writes the output at once. */
void ob_spill_direct(outbuf *ob, void *ctx);
/* Writes what ob holds at once, keeping its counts (single-threaded use). */
void ob_flush_direct(outbuf *ob);

#endif
