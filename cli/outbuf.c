/*
 * outbuf.c - per-file output collected in memory (see outbuf.h). A glibc
 * memstream holds the bytes; a small array of marks records where output
 * switches between stdout and stderr. Out of memory, printing falls back to
 * the real streams: lines may then interleave, but nothing is lost.
 */
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"

void ob_init(outbuf *ob, ob_spill_fn spill, void *ctx)
{
    memset(ob, 0, sizeof(*ob));
    ob->spill = spill;
    ob->spill_ctx = ctx;
}

static FILE *real(int stream)
{
    return stream == 2 ? stderr : stdout;
}

static FILE *stream_for(outbuf *ob, int stream)
{
    if (!ob->mem) {
        ob->data = NULL;
        ob->len = 0;
        ob->mem = open_memstream(&ob->data, &ob->len);
        if (!ob->mem)
            return real(stream);
        ob->cur = 0;
    }
    if (ob->cur == stream)
        return ob->mem;
    if (ob->nmarks == ob->cap) {
        size_t cap = ob->cap ? ob->cap * 2 : 8;
        ob_mark *m = cap < ((size_t)1 << 28) ? realloc(ob->marks, cap * sizeof(*m)) : NULL;
        if (!m) {
            /* Keep order: what is buffered goes out first. */
            ob_flush_direct(ob);
            return real(stream);
        }
        ob->marks = m;
        ob->cap = cap;
    }
    fflush(ob->mem); /* makes ob->len the current size */
    ob->marks[ob->nmarks].start = ob->len;
    ob->marks[ob->nmarks].stream = stream;
    ob->nmarks++;
    ob->cur = stream;
    return ob->mem;
}

FILE *ob_out(outbuf *ob)
{
    return stream_for(ob, 1);
}

FILE *ob_err(outbuf *ob)
{
    return stream_for(ob, 2);
}

void ob_check(outbuf *ob)
{
    if (!ob->mem || !ob->spill)
        return;
    long pos = ftell(ob->mem);
    if (pos > 0 && (size_t)pos >= OB_SPILL_AT)
        ob->spill(ob, ob->spill_ctx);
}

void ob_take(outbuf *ob, ob_block *b)
{
    memset(b, 0, sizeof(*b));
    if (ob->mem) {
        fclose(ob->mem);
        b->data = ob->data;
        b->len = ob->len;
        b->marks = ob->marks;
        b->nmarks = ob->nmarks;
        ob->mem = NULL;
        ob->data = NULL;
        ob->len = 0;
        ob->marks = NULL;
        ob->nmarks = ob->cap = 0;
        ob->cur = 0;
    }
    b->n = ob->n;
    memset(&ob->n, 0, sizeof(ob->n));
}

void ob_free(outbuf *ob)
{
    ob_block b;
    ob_take(ob, &b);
    ob_block_free(&b);
}

void ob_block_write(const ob_block *b)
{
    for (size_t i = 0; i < b->nmarks; i++) {
        size_t end = i + 1 < b->nmarks ? b->marks[i + 1].start : b->len;
        size_t start = b->marks[i].start;
        if (end <= start || end > b->len)
            continue;
        if (b->marks[i].stream == 2)
            fflush(stdout);
        fwrite(b->data + start, 1, end - start, real(b->marks[i].stream));
    }
}

void ob_block_free(ob_block *b)
{
    free(b->data);
    free(b->marks);
    memset(b, 0, sizeof(*b));
}

bool ob_block_empty(const ob_block *b)
{
    return b->len == 0;
}

void ob_counts_add(ob_counts *t, const ob_counts *d)
{
    t->files += d->files;
    t->bytes += d->bytes;
    t->detections += d->detections;
    t->errors += d->errors;
    t->skipped += d->skipped;
}

void ob_spill_direct(outbuf *ob, void *ctx)
{
    (void)ctx;
    ob_flush_direct(ob);
}

void ob_flush_direct(outbuf *ob)
{
    ob_block b;
    ob_take(ob, &b);
    ob->n = b.n; /* the counts stay with the file, for its final block */
    ob_block_write(&b);
    ob_block_free(&b);
}
