/*
 * pool.c - walker -> bounded path queue -> workers -> writer (see pool.h).
 * Two locks, never held together: one for the path queue, one for the
 * writer's list of finished blocks. A worker whose file outgrows its buffer
 * hands the writer partial blocks; the writer then takes only that worker's
 * blocks until its file is done, so a file's lines stay contiguous while
 * memory stays bounded.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

typedef struct job {
    char *path;
    bool has_st;
    bool is_msg;
    struct stat st;
    ob_block msg;
} job;

typedef struct wblock {
    struct wblock *next;
    ob_block b;
    int worker;   /* who queued it; -1 the walker itself (no workers) */
    bool partial; /* more of the same file follows */
} wblock;

typedef struct worker {
    pool *p;
    int id;
    void *ctx;
    outbuf ob;
    bool spilled;     /* this file already sent a partial block */
    unsigned pending; /* partial blocks queued, not yet written (wlock) */
    pthread_t th;
} worker;

struct pool {
    pool_cfg cfg;

    pthread_mutex_t qlock;
    pthread_cond_t q_nonempty, q_nonfull;
    job q[POOL_QUEUE];
    size_t qhead, qcount;
    bool qclosed;

    pthread_mutex_t wlock;
    pthread_cond_t w_ready;   /* the writer waits for blocks */
    pthread_cond_t w_space;   /* workers wait for room in the list */
    pthread_cond_t w_written; /* a spilling worker waits for its block to be out */
    wblock *whead, *wtail;
    size_t wcount, wcap;
    bool wclosed;
    int owner; /* worker whose file is being written in parts, or -1 */

    ob_counts total; /* the writer's */
    worker *workers;
    int nstarted;
    pthread_t writer;
};

/* ---- the writer's list ---- */

static void push_block(pool *p, int wid, ob_block *b, bool partial, bool bypass)
{
    if (ob_block_empty(b) && !partial && !bypass) {
        /* Nothing to print (most files): count it without waking the
         * writer, which would cost a thread switch per file. The end of a
         * file written in parts (bypass) must reach the writer even when
         * empty: it releases the writer for other files. */
        pthread_mutex_lock(&p->wlock);
        ob_counts_add(&p->total, &b->n);
        pthread_mutex_unlock(&p->wlock);
        ob_block_free(b);
        return;
    }
    wblock *wb = malloc(sizeof(*wb));
    if (!wb) {
        /* Out of memory: print here; only the order may suffer. */
        ob_block_write(b);
        pthread_mutex_lock(&p->wlock);
        ob_counts_add(&p->total, &b->n);
        pthread_mutex_unlock(&p->wlock);
        ob_block_free(b);
        return;
    }
    wb->next = NULL;
    wb->b = *b;
    wb->worker = wid;
    wb->partial = partial;
    memset(b, 0, sizeof(*b));
    pthread_mutex_lock(&p->wlock);
    /* A file already being written in parts must not wait behind others:
     * the writer takes nothing else until it is complete. */
    while (!bypass && p->wcount >= p->wcap)
        pthread_cond_wait(&p->w_space, &p->wlock);
    if (p->wtail)
        p->wtail->next = wb;
    else
        p->whead = wb;
    p->wtail = wb;
    p->wcount++;
    pthread_cond_signal(&p->w_ready);
    if (partial) {
        worker *w = &p->workers[wid];
        w->pending++;
        while (w->pending > 0)
            pthread_cond_wait(&p->w_written, &p->wlock);
    }
    pthread_mutex_unlock(&p->wlock);
}

/* Unlinks the next block to write: the list head, or the next part of the
 * file being written in parts. Called with wlock held. */
static wblock *pick(pool *p)
{
    wblock *prev = NULL;
    for (wblock *b = p->whead; b; prev = b, b = b->next) {
        if (p->owner >= 0 && b->worker != p->owner)
            continue;
        if (prev)
            prev->next = b->next;
        else
            p->whead = b->next;
        if (p->wtail == b)
            p->wtail = prev;
        p->wcount--;
        pthread_cond_signal(&p->w_space);
        return b;
    }
    return NULL;
}

static void wait_ready(pool *p)
{
    if (!p->cfg.progress || !p->cfg.progress->on) {
        pthread_cond_wait(&p->w_ready, &p->wlock);
        return;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += (long)PROGRESS_INTERVAL_MS * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&p->w_ready, &p->wlock, &t);
}

/* Redraws the progress line when due; stdout goes out first so the line
 * never lands in the middle of text. Called with wlock held. */
static void tick(pool *p, progress *pr)
{
    if (!pr || !progress_due(pr))
        return;
    ob_counts snap = p->total;
    pthread_mutex_unlock(&p->wlock);
    fflush(stdout);
    progress_tick(pr, &snap);
    pthread_mutex_lock(&p->wlock);
}

static void *writer_main(void *arg)
{
    pool *p = arg;
    progress *pr = p->cfg.progress && p->cfg.progress->on ? p->cfg.progress : NULL;
    pthread_mutex_lock(&p->wlock);
    for (;;) {
        wblock *b = pick(p);
        if (!b) {
            if (p->wclosed) {
                if (!p->whead)
                    break;
                p->owner = -1; /* cannot happen: every file ends with a final block */
                continue;
            }
            wait_ready(p);
            tick(p, pr);
            continue;
        }
        pthread_mutex_unlock(&p->wlock);
        if (!ob_block_empty(&b->b)) {
            if (pr)
                progress_erase(pr);
            ob_block_write(&b->b);
        }
        pthread_mutex_lock(&p->wlock);
        ob_counts_add(&p->total, &b->b.n);
        ob_block_free(&b->b);
        if (b->partial) {
            p->owner = b->worker;
            p->workers[b->worker].pending--;
            pthread_cond_broadcast(&p->w_written);
        } else if (p->owner == b->worker) {
            p->owner = -1;
        }
        free(b);
        tick(p, pr);
    }
    pthread_mutex_unlock(&p->wlock);
    fflush(stdout);
    if (pr)
        progress_erase(pr);
    return NULL;
}

/* ---- workers ---- */

static void spill(outbuf *ob, void *ctx)
{
    worker *w = ctx;
    ob_block b;
    ob_take(ob, &b);
    ob->n = b.n; /* counts go with the file's last block */
    memset(&b.n, 0, sizeof(b.n));
    bool bypass = w->spilled;
    w->spilled = true;
    push_block(w->p, w->id, &b, true, bypass);
}

static bool next_job(pool *p, job *j)
{
    pthread_mutex_lock(&p->qlock);
    while (p->qcount == 0 && !p->qclosed)
        pthread_cond_wait(&p->q_nonempty, &p->qlock);
    bool got = p->qcount > 0;
    if (got) {
        *j = p->q[p->qhead];
        p->qhead = (p->qhead + 1) % POOL_QUEUE;
        p->qcount--;
        pthread_cond_signal(&p->q_nonfull);
    }
    pthread_mutex_unlock(&p->qlock);
    return got;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pool *p = w->p;
    job j;
    while (next_job(p, &j)) {
        if (j.is_msg) {
            push_block(p, w->id, &j.msg, false, false);
            continue;
        }
        w->spilled = false;
        p->cfg.scan(w->ctx, j.path, j.has_st ? &j.st : NULL, &w->ob);
        free(j.path);
        ob_block b;
        ob_take(&w->ob, &b);
        push_block(p, w->id, &b, false, w->spilled);
    }
    return NULL;
}

/* ---- the walker's side ---- */

static void put_job(pool *p, job *j)
{
    pthread_mutex_lock(&p->qlock);
    while (p->qcount == POOL_QUEUE)
        pthread_cond_wait(&p->q_nonfull, &p->qlock);
    p->q[(p->qhead + p->qcount) % POOL_QUEUE] = *j;
    p->qcount++;
    pthread_cond_signal(&p->q_nonempty);
    pthread_mutex_unlock(&p->qlock);
}

void pool_file(pool *p, const char *path, const struct stat *st)
{
    if (p->cfg.workers == 0)
        return;
    job j;
    memset(&j, 0, sizeof(j));
    j.path = strdup(path);
    if (!j.path) {
        outbuf ob;
        ob_init(&ob, NULL, NULL);
        fprintf(ob_err(&ob), "vigil: %s: out of memory, not scanned\n", path);
        ob.n.errors++;
        pool_message(p, &ob);
        return;
    }
    if (st) {
        j.has_st = true;
        j.st = *st;
    }
    put_job(p, &j);
}

void pool_message(pool *p, outbuf *ob)
{
    job j;
    memset(&j, 0, sizeof(j));
    j.is_msg = true;
    ob_take(ob, &j.msg);
    if (p->cfg.workers == 0)
        push_block(p, -1, &j.msg, false, false);
    else
        put_job(p, &j);
}

/* ---- start and finish ---- */

static void stop_workers(pool *p)
{
    pthread_mutex_lock(&p->qlock);
    p->qclosed = true;
    pthread_cond_broadcast(&p->q_nonempty);
    pthread_mutex_unlock(&p->qlock);
    for (int i = 0; i < p->nstarted; i++)
        pthread_join(p->workers[i].th, NULL);
}

static void destroy(pool *p)
{
    for (int i = 0; p->workers && i < p->cfg.workers; i++)
        ob_free(&p->workers[i].ob);
    pthread_mutex_destroy(&p->qlock);
    pthread_cond_destroy(&p->q_nonempty);
    pthread_cond_destroy(&p->q_nonfull);
    pthread_mutex_destroy(&p->wlock);
    pthread_cond_destroy(&p->w_ready);
    pthread_cond_destroy(&p->w_space);
    pthread_cond_destroy(&p->w_written);
    free(p->workers);
    free(p);
}

bool pool_start(const pool_cfg *cfg, pool **out)
{
    *out = NULL;
    if (cfg->workers < 0 || cfg->workers > POOL_MAX_WORKERS)
        return false;
    pool *p = calloc(1, sizeof(*p));
    if (!p)
        return false;
    p->cfg = *cfg;
    p->owner = -1;
    p->wcap = 2 * (size_t)cfg->workers + 4;
    p->workers = calloc((size_t)cfg->workers + 1, sizeof(*p->workers));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->qlock, NULL);
    pthread_cond_init(&p->q_nonempty, NULL);
    pthread_cond_init(&p->q_nonfull, NULL);
    pthread_mutex_init(&p->wlock, NULL);
    pthread_cond_init(&p->w_ready, &ca);
    pthread_cond_init(&p->w_space, NULL);
    pthread_cond_init(&p->w_written, NULL);
    pthread_condattr_destroy(&ca);
    if (!p->workers) {
        destroy(p);
        return false;
    }
    for (int i = 0; i < cfg->workers; i++) {
        worker *w = &p->workers[i];
        w->p = p;
        w->id = i;
        w->ctx = cfg->worker_ctx[i];
        ob_init(&w->ob, spill, w);
    }
    if (pthread_create(&p->writer, NULL, writer_main, p) != 0) {
        destroy(p);
        return false;
    }
    for (int i = 0; i < cfg->workers; i++) {
        if (pthread_create(&p->workers[i].th, NULL, worker_main, &p->workers[i]) != 0)
            break;
        p->nstarted++;
    }
    *out = p;
    if (p->nstarted < cfg->workers) {
        ob_counts ignored;
        pool_finish(p, &ignored);
        *out = NULL;
        return false;
    }
    return true;
}

void pool_finish(pool *p, ob_counts *total)
{
    stop_workers(p);
    pthread_mutex_lock(&p->wlock);
    p->wclosed = true;
    pthread_cond_signal(&p->w_ready);
    pthread_mutex_unlock(&p->wlock);
    pthread_join(p->writer, NULL);
    *total = p->total;
    destroy(p);
}
