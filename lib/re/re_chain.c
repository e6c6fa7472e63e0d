/*
 * re_chain.c - yara 4.2's bookkeeping for chained strings (re.h, re_chain):
 * the unconfirmed matches of every piece but the tail, as doubly linked lists
 * sorted by offset, pruned and confirmed exactly as scan.c's
 * _yr_scan_verify_chained_string_match does, since which matches yara records
 * (and with which length) depends on that order of events. The nodes live in
 * one pool that is kept across scans, so a warm scan allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "re_int.h"

#define NIL UINT32_MAX

typedef struct pend {
    uint64_t off;
    uint32_t len;
    uint32_t chain_len; /* yara's chain_length: pieces confirmed after this one */
    uint32_t prev, next;
    bool reported;      /* keep-heads mode: a confirmed head already reported */
} pend;

typedef struct plist {
    uint32_t head, tail, count;
    uint32_t gap_min, gap_max; /* allowed distance from piece k-1's end to this piece */
    bool disabled;
} plist;

struct re_chain {
    bool keep_heads; /* re_chain_keep_heads */
    bool completed;  /* the last tail match fed completed a chain */
    uint32_t n; /* pieces */
    plist *l;
    pend *pool;
    uint32_t used, cap, free_head;
};

vigil_status re_chain_new(const re_prog *p, re_chain **out)
{
    *out = NULL;
    size_t n = re_piece_count(p);
    if (n < 2 || n > RX_MAX_PIECES)
        return VIGIL_E_ARG;
    re_chain *c = calloc(1, sizeof(*c));
    if (!c)
        return VIGIL_E_NOMEM;
    c->l = calloc(n, sizeof(plist));
    if (!c->l) {
        free(c);
        return VIGIL_E_NOMEM;
    }
    c->n = (uint32_t)n;
    for (size_t k = 0; k < n; k++)
        re_piece_gap(p, k, &c->l[k].gap_min, &c->l[k].gap_max);
    re_chain_reset(c);
    *out = c;
    return VIGIL_OK;
}

void re_chain_free(re_chain *c)
{
    if (!c)
        return;
    free(c->l);
    free(c->pool);
    free(c);
}

void re_chain_keep_heads(re_chain *c)
{
    c->keep_heads = true;
}

bool re_chain_completed(const re_chain *c)
{
    return c && c->completed;
}

void re_chain_reset(re_chain *c)
{
    if (!c)
        return;
    for (uint32_t k = 0; k < c->n; k++) {
        c->l[k].head = c->l[k].tail = NIL;
        c->l[k].count = 0;
        c->l[k].disabled = false;
    }
    c->used = 0;
    c->free_head = NIL;
}

bool re_chain_disabled(const re_chain *c, uint32_t piece)
{
    return c && piece < c->n && c->l[piece].disabled;
}

static uint32_t node_new(re_chain *c)
{
    if (c->free_head != NIL) {
        uint32_t i = c->free_head;
        c->free_head = c->pool[i].next;
        return i;
    }
    if (c->used == c->cap) {
        /* at most (pieces - 1) full lists: far below UINT32_MAX */
        uint32_t ncap = c->cap ? c->cap * 2 : 64;
        pend *np = realloc(c->pool, (size_t)ncap * sizeof(pend));
        if (!np)
            return NIL;
        c->pool = np;
        c->cap = ncap;
    }
    return c->used++;
}

static void unlink_node(re_chain *c, plist *l, uint32_t i)
{
    pend *m = &c->pool[i];
    if (m->prev != NIL)
        c->pool[m->prev].next = m->next;
    else
        l->head = m->next;
    if (m->next != NIL)
        c->pool[m->next].prev = m->prev;
    else
        l->tail = m->prev;
    l->count--;
    m->next = c->free_head;
    c->free_head = i;
}

/* Does a match of piece k-1 ending at `end` reach a piece-k match at off? */
static bool in_gap(const plist *l, uint64_t end, uint64_t off)
{
    return end + l->gap_max >= off && end + l->gap_min <= off;
}

/* yara's _yr_scan_update_match_chain_length; depth is bounded by the piece
 * count (RX_MAX_PIECES). */
static void update_chain_len(re_chain *c, uint32_t k, uint32_t mi, uint32_t chain_len)
{
    pend *m = &c->pool[mi];
    if (m->chain_len == chain_len)
        return;
    m->chain_len = chain_len;
    if (k == 0)
        return;
    uint64_t off = m->off;
    for (uint32_t j = c->l[k - 1].head; j != NIL; j = c->pool[j].next)
        if (in_gap(&c->l[k], c->pool[j].off + c->pool[j].len, off))
            update_chain_len(c, k - 1, j, chain_len + 1);
}

/* yara's _yr_scan_add_match_to_list without replacement: sorted by offset,
 * the first match at an offset stays, and the cap is checked first. */
static re_chain_status add_pending(re_chain *c, uint32_t k, uint64_t off, uint32_t len)
{
    plist *l = &c->l[k];
    if (l->count >= RE_CHAIN_MAX_PENDING) {
        l->disabled = true;
        return RE_CHAIN_TOO_MANY;
    }
    uint32_t at = l->tail;
    while (at != NIL && c->pool[at].off > off)
        at = c->pool[at].prev;
    if (at != NIL && c->pool[at].off == off)
        return RE_CHAIN_OK;
    uint32_t i = node_new(c);
    if (i == NIL)
        return RE_CHAIN_NOMEM;
    pend *m = &c->pool[i];
    m->off = off;
    m->len = len;
    m->chain_len = 0;
    m->reported = false;
    m->prev = at;
    m->next = at != NIL ? c->pool[at].next : l->head;
    if (at != NIL)
        c->pool[at].next = i;
    else
        l->head = i;
    if (m->next != NIL)
        c->pool[m->next].prev = i;
    else
        l->tail = i;
    l->count++;
    return RE_CHAIN_OK;
}

re_chain_status re_chain_feed(re_chain *c, uint32_t piece, uint64_t start, uint32_t length,
                              re_match_fn fn, void *user)
{
    if (c)
        c->completed = false;
    if (!c || piece >= c->n || c->l[piece].disabled)
        return RE_CHAIN_OK;
    uint32_t k = piece;
    if (k > 0) {
        /* Is some pending match of the previous piece within the gap? On the
         * way, drop those too far behind even the lowest offset this piece
         * can still use: its own oldest pending match, or this one. */
        plist *prev = &c->l[k - 1];
        uint64_t lowest = c->l[k].head != NIL ? c->pool[c->l[k].head].off : start;
        bool found = false;
        for (uint32_t j = prev->head; j != NIL && !found;) {
            uint32_t nx = c->pool[j].next;
            uint64_t end = c->pool[j].off + c->pool[j].len;
            if (end + c->l[k].gap_max < lowest)
                unlink_node(c, prev, j);
            else
                found = in_gap(&c->l[k], end, start);
            j = nx;
        }
        if (!found)
            return RE_CHAIN_OK;
    }
    if (k + 1 < c->n)
        return add_pending(c, k, start, length);

    /* The tail: mark every chain reaching it, then confirm the heads whose
     * chain is complete (a confirmed head leaves the list for good, or in
     * keep-heads mode stays, reported once, for later tails to reach). */
    c->completed = true;
    for (uint32_t j = c->l[k - 1].head; j != NIL; j = c->pool[j].next)
        if (in_gap(&c->l[k], c->pool[j].off + c->pool[j].len, start))
            update_chain_len(c, k - 1, j, 1);
    plist *heads = &c->l[0];
    for (uint32_t h = heads->head; h != NIL;) {
        uint32_t nx = c->pool[h].next;
        if (c->pool[h].chain_len == c->n - 1 && !c->pool[h].reported) {
            uint64_t off = c->pool[h].off;
            if (c->keep_heads)
                c->pool[h].reported = true;
            else
                unlink_node(c, heads, h);
            uint64_t total = start - off + length;
            if (start >= off && total <= UINT32_MAX && !fn(off, (uint32_t)total, user))
                return RE_CHAIN_STOP;
        }
        h = nx;
    }
    return RE_CHAIN_OK;
}
