/*
 * hashdb.c - ClamAV hash signature tables (hashdb.h): the builder, the
 * replay of libclamav's duplicate resolution, the blob writer, and the
 * reader that works on the blob in place. The blob is a header, table
 * descriptors, a string pool, a load-order -> (file, line) run table and
 * per table structure-of-arrays (sizes, digests, names, load order, fence
 * keys), each 8-aligned: a lookup binary-searches the small fence array,
 * then one block of 2^shift sizes or digests, so it touches few pages.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/hashdb.h"
#include "clamav/util.h"
#include "util/vec.h"

#define HDB_MAGIC "VGHASHDB"
#define HDB_VERSION 1u
#define HDB_BOM 0x01020304u
#define HDB_SHIFT 6u             /* 64 entries per fence block: 2 KiB of SHA-256 digests */
#define HDB_MAX_SIZE 0xfffffffeu /* libclamav's largest size (0xffffffff is "invalid") */
#define HDB_MAX_ENTRIES 0xfffffffeu

typedef struct hdb_header {
    char magic[8];
    uint32_t version, bom;
    uint64_t total_len;
    uint32_t ntables, nfiles, nruns, nentries;
    uint64_t pool_off, pool_len, files_off, runs_off, tables_off;
} hdb_header;

typedef struct hdb_desc {
    uint8_t kind, allow, algo, any;
    uint32_t count, shift, nfences;
    uint64_t sizes_off, digests_off, names_off, seqs_off, fences_off;
} hdb_desc;

_Static_assert(sizeof(hdb_header) == 80, "hdb_header layout");
_Static_assert(sizeof(hdb_desc) == 56, "hdb_desc layout");

/* ---- shared helpers ---------------------------------------------------- */

static int algo_index(unsigned algo)
{
    return algo == CV_MD5 ? 0 : algo == CV_SHA1 ? 1 : algo == CV_SHA256 ? 2 : -1;
}

static const uint8_t algo_len[3] = {CV_MD5, CV_SHA1, CV_SHA256};

/* set: 0..2 the kinds, 3 the allow list (whole-file hashes only) */
static int set_of(unsigned kind, bool allow)
{
    if (kind > CV_HASH_IMPORT || (allow && kind != CV_HASH_FILE))
        return -1;
    return allow ? 3 : (int)kind;
}

static int table_id(int set, int ai, bool any)
{
    return (set * 3 + ai) * 2 + (any ? 1 : 0);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t align8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

/* ---- builder ----------------------------------------------------------- */

typedef struct hb_entry {
    uint8_t digest[32];
    uint32_t size; /* 0: any size */
    uint32_t name; /* pool offset */
    uint32_t seq;  /* load order */
    uint8_t table; /* table_id() */
    uint8_t pad[3];
} hb_entry;

typedef struct hb_run {
    uint32_t first_seq, first_line, file, pad;
} hb_run;

struct cv_hashdb_builder {
    VEC(hb_entry) entries;
    VEC(char) pool;
    uint32_t *intern; /* open addressing: pool offset + 1, 0 empty */
    size_t intern_cap, intern_len;
    VEC(uint32_t) files; /* pool offsets */
    VEC(hb_run) runs;
    uint32_t last_line;
};

cv_hashdb_builder *cv_hashdb_builder_new(void)
{
    return calloc(1, sizeof(cv_hashdb_builder));
}

void cv_hashdb_builder_free(cv_hashdb_builder *b)
{
    if (!b)
        return;
    vec_free(&b->entries);
    vec_free(&b->pool);
    vec_free(&b->files);
    vec_free(&b->runs);
    free(b->intern);
    free(b);
}

size_t cv_hashdb_builder_count(const cv_hashdb_builder *b)
{
    return b->entries.len;
}

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static bool intern_grow(cv_hashdb_builder *b)
{
    size_t ncap = b->intern_cap ? b->intern_cap * 2 : 1024;
    if (ncap > ((size_t)1 << 31))
        return false;
    uint32_t *t = calloc(ncap, sizeof(*t));
    if (!t)
        return false;
    for (size_t i = 0; i < b->intern_cap; i++) {
        uint32_t v = b->intern[i];
        if (!v)
            continue;
        const char *s = b->pool.items + v - 1;
        size_t j = str_hash(s, strlen(s)) & (ncap - 1);
        while (t[j])
            j = (j + 1) & (ncap - 1);
        t[j] = v;
    }
    free(b->intern);
    b->intern = t;
    b->intern_cap = ncap;
    return true;
}

/* Pool offset of s, added once: real databases repeat names. */
static bool intern(cv_hashdb_builder *b, const char *s, uint32_t *off)
{
    size_t n = strlen(s);
    if (b->intern_len * 2 >= b->intern_cap && !intern_grow(b))
        return false;
    size_t mask = b->intern_cap - 1, j = str_hash(s, n) & mask;
    for (; b->intern[j]; j = (j + 1) & mask) {
        const char *p = b->pool.items + b->intern[j] - 1;
        if (strcmp(p, s) == 0) {
            *off = b->intern[j] - 1;
            return true;
        }
    }
    size_t at = b->pool.len;
    if (at + n + 1 >= UINT32_MAX || !vec_reserve(&b->pool, n + 1))
        return false;
    memcpy(b->pool.items + at, s, n + 1);
    b->pool.len += n + 1;
    b->intern[j] = (uint32_t)at + 1;
    b->intern_len++;
    *off = (uint32_t)at;
    return true;
}

/* Index of the file at pool offset off; loaders add file after file, so
 * the last one nearly always matches. */
static bool file_index(cv_hashdb_builder *b, uint32_t off, uint32_t *idx)
{
    if (b->runs.len) {
        uint32_t last = b->runs.items[b->runs.len - 1].file;
        if (b->files.items[last] == off) {
            *idx = last;
            return true;
        }
    }
    for (size_t i = 0; i < b->files.len; i++) {
        if (b->files.items[i] == off) {
            *idx = (uint32_t)i;
            return true;
        }
    }
    if (b->files.len >= UINT32_MAX || !vec_push(&b->files, off))
        return false;
    *idx = (uint32_t)(b->files.len - 1);
    return true;
}

bool cv_hashdb_add(cv_hashdb_builder *b, const cv_hashsig *sig, const char *name, bool allow,
                   const char *source, uint32_t line, cv_error *err)
{
    int set = set_of(sig->kind, allow);
    int ai = algo_index(sig->algo);
    if (set < 0)
        return cv_fail(err, "hash signature: invalid kind %u%s", (unsigned)sig->kind,
                       allow ? " for an allow list" : "");
    if (ai < 0)
        return cv_fail(err, "hash signature: invalid digest length %u", (unsigned)sig->algo);
    if (!sig->any_size && (sig->size == 0 || sig->size > HDB_MAX_SIZE))
        return cv_fail(err, "hash signature: invalid size %u", (unsigned)sig->size);
    if (!name || !source)
        return cv_fail(err, "hash signature: missing name or source");
    if (b->entries.len >= HDB_MAX_ENTRIES)
        return cv_fail(err, "too many hash signatures");
    hb_entry e;
    memset(&e, 0, sizeof(e));
    memcpy(e.digest, sig->digest, sig->algo);
    e.size = sig->any_size ? 0 : sig->size;
    e.seq = (uint32_t)b->entries.len;
    e.table = (uint8_t)table_id(set, ai, sig->any_size);
    uint32_t src, file;
    if (!intern(b, name, &e.name) || !intern(b, source, &src) || !file_index(b, src, &file))
        return cv_fail(err, "hash signatures: out of memory (names)");
    /* A run covers consecutive entries on consecutive lines of one file. */
    bool extend = b->runs.len && b->runs.items[b->runs.len - 1].file == file &&
                  b->last_line != UINT32_MAX && line == b->last_line + 1;
    if (!extend) {
        hb_run r = {e.seq, line, file, 0};
        if (!vec_push(&b->runs, r))
            return cv_fail(err, "hash signatures: out of memory");
    }
    if (!vec_push(&b->entries, e))
        return cv_fail(err, "hash signatures: out of memory");
    b->last_line = line;
    return true;
}

/* ---- clamscan's choice among duplicates -------------------------------- */
/*
 * libclamav keeps one array per (matcher, algorithm, size) in load order,
 * sorts it once with its own quicksort (first element as pivot, elements
 * equal to it go left) and answers with a binary search that stops at the
 * first equal element it probes. Its comparison (hm_cmp) reads the first
 * four digest bytes as a host-order word and orders those descending, then
 * the rest ascending with memcmp. The element found among equal digests
 * therefore depends on the whole bucket; this replays both steps. Checked
 * against clamscan 1.4.6 on random buckets (see the unit tests).
 */

static int clam_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    if (x != y)
        return x < y ? 1 : -1;
    return memcmp(a + 4, b + 4, n - 4);
#else
    return memcmp(a, b, n);
#endif
}

typedef struct replay {
    const hb_entry *e; /* the sorted entries */
    uint32_t *a;       /* entry indexes of one bucket, in libclamav's order */
    size_t n, len;     /* bucket size, digest length */
    uint64_t budget;   /* comparisons left before giving up */
} replay;

static int rp_cmp(replay *r, const uint8_t *x, const uint8_t *y)
{
    if (r->budget)
        r->budget--;
    return clam_cmp(x, y, r->len);
}

static void rp_swap(uint32_t *a, size_t i, size_t j)
{
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* libclamav's hm_sort on [l, r), iteratively: the two halves it recurses
 * into are disjoint, so the order they are done in changes nothing, and
 * doing the smaller first bounds the stack by log2(n). false when the
 * budget runs out (a bucket that would make libclamav's recursion
 * quadratic). */
static bool rp_sort(replay *r)
{
    size_t stack[2 * 64], sp = 0, l = 0, h = r->n;
    for (;;) {
        while (l + 1 < h) {
            if (!r->budget)
                return false;
            const uint8_t *piv = r->e[r->a[l]].digest; /* a[l] stays put until the end */
            size_t l1 = l + 1, r1 = h;
            while (l1 < r1) {
                if (rp_cmp(r, r->e[r->a[l1]].digest, piv) > 0) {
                    r1--;
                    if (l1 == r1)
                        break;
                    rp_swap(r->a, l1, r1);
                } else {
                    l1++;
                }
            }
            l1--;
            if (l1 != l)
                rp_swap(r->a, l1, l);
            /* halves [l, l1) and [r1, h) */
            if (l1 - l < h - r1) {
                stack[sp++] = r1;
                stack[sp++] = h;
                h = l1;
            } else {
                stack[sp++] = l;
                stack[sp++] = l1;
                l = r1;
            }
            if (sp >= sizeof(stack) / sizeof(stack[0]))
                return false;
        }
        if (!sp)
            return true;
        h = stack[--sp];
        l = stack[--sp];
    }
}

/* libclamav's hm_scan: the entry index its binary search stops at. */
static bool rp_find(replay *r, const uint8_t *d, uint32_t *found)
{
    size_t l = 0, h = r->n - 1;
    while (l <= h) {
        size_t c = (l + h) / 2;
        int res = rp_cmp(r, d, r->e[r->a[c]].digest);
        if (res < 0) {
            if (!c)
                break;
            h = c - 1;
        } else if (res > 0) {
            l = c + 1;
        } else {
            *found = r->a[c];
            return true;
        }
    }
    return false;
}

static int by_seq(const void *x, const void *y, void *ctx)
{
    const hb_entry *e = ctx;
    uint32_t a = e[*(const uint32_t *)x].seq, b = e[*(const uint32_t *)y].seq;
    return a < b ? -1 : a > b;
}

/* Bucket [b0, b1) (one table, one size, sorted by digest then load order)
 * holds duplicates: moves clamscan's pick to the front of each run of equal
 * digests. When the replay gives up, the last loaded entry is taken. */
static bool resolve_bucket(hb_entry *e, size_t b0, size_t b1, size_t len)
{
    size_t n = b1 - b0;
    replay r = {e, malloc(n * sizeof(uint32_t)), n, len, 0};
    uint32_t *winners = malloc(n * sizeof(uint32_t));
    if (!r.a || !winners) {
        free(r.a);
        free(winners);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        r.a[i] = (uint32_t)(b0 + i);
    qsort_r(r.a, n, sizeof(uint32_t), by_seq, e);
    unsigned lg = 1;
    while (((size_t)1 << lg) < n)
        lg++;
    r.budget = (uint64_t)n * lg * 32 + 1000000; /* random digests need ~1.4 n lg n */
    bool replayed = rp_sort(&r);
    size_t nw = 0;
    for (size_t g0 = b0; g0 < b1;) {
        size_t g1 = g0 + 1;
        while (g1 < b1 && memcmp(e[g1].digest, e[g0].digest, len) == 0)
            g1++;
        if (g1 - g0 > 1) {
            uint32_t w = (uint32_t)(g1 - 1);
            if (replayed && !rp_find(&r, e[g0].digest, &w))
                w = (uint32_t)(g1 - 1);
            winners[nw++] = w;
        }
        g0 = g1;
    }
    /* rotate each winner to its run's front, the others keep load order */
    size_t k = 0;
    for (size_t g0 = b0; g0 < b1 && k < nw;) {
        size_t g1 = g0 + 1;
        while (g1 < b1 && memcmp(e[g1].digest, e[g0].digest, len) == 0)
            g1++;
        if (g1 - g0 > 1) {
            size_t w = winners[k++];
            hb_entry t = e[w];
            memmove(&e[g0 + 1], &e[g0], (w - g0) * sizeof(hb_entry));
            e[g0] = t;
        }
        g0 = g1;
    }
    free(r.a);
    free(winners);
    return true;
}

/* ---- serialization ----------------------------------------------------- */

static int by_key(const hb_entry *a, const hb_entry *b)
{
    if (a->table != b->table)
        return a->table < b->table ? -1 : 1;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    int c = memcmp(a->digest, b->digest, sizeof(a->digest));
    if (c)
        return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorting 48-byte entries directly is slow for millions of them: sort
 * 16-byte (prefix key, index) pairs instead, the prefix (table, size, three
 * digest bytes) ordered as by_key, which breaks its rare ties. */
typedef struct sort_item {
    uint64_t key;
    uint32_t index, pad;
} sort_item;

static int by_item(const void *x, const void *y, void *ctx)
{
    const sort_item *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    const hb_entry *e = ctx;
    return by_key(&e[a->index], &e[b->index]);
}

static bool sort_entries(hb_entry *e, size_t n)
{
    sort_item *it = malloc((n ? n : 1) * sizeof(*it));
    if (!it)
        return false;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *d = e[i].digest;
        it[i].key = (uint64_t)e[i].table << 56 | (uint64_t)e[i].size << 24 | (uint64_t)d[0] << 16 |
                    (uint64_t)d[1] << 8 | d[2];
        it[i].index = (uint32_t)i;
    }
    qsort_r(it, n, sizeof(*it), by_item, e);
    /* e[j] = old e[it[j].index], in place by following each cycle once */
    for (size_t j = 0; j < n; j++) {
        if (it[j].index == j)
            continue;
        hb_entry tmp = e[j];
        size_t k = j;
        while (it[k].index != j) {
            size_t from = it[k].index;
            e[k] = e[from];
            it[k].index = (uint32_t)k;
            k = from;
        }
        e[k] = tmp;
        it[k].index = (uint32_t)k;
    }
    free(it);
    return true;
}

static size_t digest_len_of(uint8_t table)
{
    return algo_len[(table / 2) % 3];
}

static bool resolve_duplicates(hb_entry *e, size_t n)
{
    for (size_t b0 = 0; b0 < n;) {
        size_t b1 = b0 + 1, len = digest_len_of(e[b0].table);
        bool dup = false;
        while (b1 < n && e[b1].table == e[b0].table && e[b1].size == e[b0].size) {
            if (memcmp(e[b1].digest, e[b1 - 1].digest, len) == 0)
                dup = true;
            b1++;
        }
        if (dup && !resolve_bucket(e, b0, b1, len))
            return false;
        b0 = b1;
    }
    return true;
}

typedef struct layout {
    uint64_t pool_off, files_off, runs_off;
    hdb_desc d[CV_HASHDB_NTABLES];
    size_t first[CV_HASHDB_NTABLES]; /* first entry of each table */
    uint32_t n;
    uint64_t end;
} layout;

static bool add_array(uint64_t *end, uint64_t n, uint64_t elem, uint64_t *off)
{
    *off = *end;
    *end = align8(*end + n * elem);
    return *end < ((uint64_t)1 << 40);
}

static bool plan(const cv_hashdb_builder *b, layout *L)
{
    const hb_entry *e = b->entries.items;
    size_t n = b->entries.len;
    uint64_t end = sizeof(hdb_header) + CV_HASHDB_NTABLES * sizeof(hdb_desc);
    L->pool_off = end;
    end = align8(end + b->pool.len + 1); /* a final NUL even when empty */
    L->files_off = end;
    end = align8(end + (uint64_t)b->files.len * 4);
    L->runs_off = end;
    end = align8(end + (uint64_t)b->runs.len * sizeof(hb_run));
    L->n = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && e[j].table == e[i].table)
            j++;
        hdb_desc *d = &L->d[L->n];
        memset(d, 0, sizeof(*d));
        uint8_t t = e[i].table;
        int set = t / 6;
        d->kind = (uint8_t)(set == 3 ? CV_HASH_FILE : set);
        d->allow = set == 3;
        d->algo = (uint8_t)digest_len_of(t);
        d->any = t & 1;
        d->count = (uint32_t)(j - i);
        d->shift = HDB_SHIFT;
        d->nfences = (uint32_t)(((uint64_t)d->count + (1u << HDB_SHIFT) - 1) >> HDB_SHIFT);
        bool ok = true;
        if (!d->any)
            ok &= add_array(&end, d->count, 4, &d->sizes_off);
        ok &= add_array(&end, d->count, d->algo, &d->digests_off);
        ok &= add_array(&end, d->count, 4, &d->names_off);
        ok &= add_array(&end, d->count, 4, &d->seqs_off);
        ok &= add_array(&end, d->nfences, 4, &d->fences_off);
        if (!ok)
            return false;
        L->first[L->n++] = i;
        i = j;
    }
    L->end = end;
    return true;
}

bool cv_hashdb_serialize(cv_hashdb_builder *b, uint8_t **out, size_t *len, cv_error *err)
{
    *out = NULL;
    *len = 0;
    hb_entry *e = b->entries.items;
    size_t n = b->entries.len;
    if (!sort_entries(e, n) || !resolve_duplicates(e, n))
        return cv_fail(err, "hash signatures: out of memory (sorting)");
    layout L;
    if (!plan(b, &L) || L.end > SIZE_MAX)
        return cv_fail(err, "hash signatures: database too large");
    uint8_t *p = calloc(1, (size_t)L.end);
    if (!p)
        return cv_fail(err, "hash signatures: out of memory (%llu bytes)",
                       (unsigned long long)L.end);
    hdb_header h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, HDB_MAGIC, 8);
    h.version = HDB_VERSION;
    h.bom = HDB_BOM;
    h.total_len = L.end;
    h.ntables = L.n;
    h.nfiles = (uint32_t)b->files.len;
    h.nruns = (uint32_t)b->runs.len;
    h.nentries = (uint32_t)n;
    h.tables_off = sizeof(hdb_header);
    h.pool_off = L.pool_off;
    h.pool_len = b->pool.len + 1;
    h.files_off = L.files_off;
    h.runs_off = L.runs_off;
    memcpy(p, &h, sizeof(h));
    memcpy(p + h.tables_off, L.d, L.n * sizeof(hdb_desc));
    if (b->pool.len)
        memcpy(p + h.pool_off, b->pool.items, b->pool.len);
    if (b->files.len)
        memcpy(p + h.files_off, b->files.items, b->files.len * 4);
    if (b->runs.len)
        memcpy(p + h.runs_off, b->runs.items, b->runs.len * sizeof(hb_run));
    for (uint32_t t = 0; t < L.n; t++) {
        const hdb_desc *d = &L.d[t];
        const hb_entry *te = e + L.first[t];
        uint32_t *sizes = (uint32_t *)(p + d->sizes_off);
        uint32_t *names = (uint32_t *)(p + d->names_off);
        uint32_t *seqs = (uint32_t *)(p + d->seqs_off);
        uint32_t *fences = (uint32_t *)(p + d->fences_off);
        uint8_t *dig = p + d->digests_off;
        for (uint32_t i = 0; i < d->count; i++) {
            if (!d->any)
                sizes[i] = te[i].size;
            memcpy(dig + (size_t)i * d->algo, te[i].digest, d->algo);
            names[i] = te[i].name;
            seqs[i] = te[i].seq;
        }
        for (uint32_t f = 0; f < d->nfences; f++) {
            const hb_entry *k = &te[(size_t)f << d->shift];
            fences[f] = d->any ? be32(k->digest) : k->size;
        }
    }
    *out = p;
    *len = (size_t)L.end;
    return true;
}

/* ---- reading ----------------------------------------------------------- */

static bool array_ok(uint64_t len, uint64_t off, uint64_t n, uint64_t elem)
{
    if (off % 8 || off > len)
        return false;
    uint64_t bytes;
    if (__builtin_mul_overflow(n, elem, &bytes))
        return false;
    return bytes <= len - off;
}

bool cv_hashdb_open(const void *bytes, size_t len, cv_hashdb_view *v, cv_error *err)
{
    memset(v, 0, sizeof(*v));
    memset(v->slot, -1, sizeof(v->slot));
    const uint8_t *p = bytes;
    hdb_header h;
    if ((uintptr_t)p % 8)
        return cv_fail(err, "hash tables: misaligned blob");
    if (len < sizeof(h))
        return cv_fail(err, "hash tables: truncated header");
    memcpy(&h, p, sizeof(h));
    if (memcmp(h.magic, HDB_MAGIC, 8) != 0 || h.bom != HDB_BOM)
        return cv_fail(err, "hash tables: bad magic or byte order");
    if (h.version != HDB_VERSION)
        return cv_fail(err, "hash tables: version %u, expected %u", h.version, HDB_VERSION);
    if (h.total_len != len)
        return cv_fail(err, "hash tables: length %llu, blob is %zu bytes",
                       (unsigned long long)h.total_len, len);
    if (h.ntables > CV_HASHDB_NTABLES || !array_ok(len, h.tables_off, h.ntables, sizeof(hdb_desc)))
        return cv_fail(err, "hash tables: bad table directory");
    if (h.pool_len == 0 || !array_ok(len, h.pool_off, h.pool_len, 1) ||
        p[h.pool_off + h.pool_len - 1] != 0)
        return cv_fail(err, "hash tables: bad string pool");
    if (!array_ok(len, h.files_off, h.nfiles, 4) || !array_ok(len, h.runs_off, h.nruns, 16))
        return cv_fail(err, "hash tables: bad source tables");
    if (h.nentries && !h.nruns)
        return cv_fail(err, "hash tables: entries without sources");
    v->base = p;
    v->len = len;
    v->pool = (const char *)p + h.pool_off;
    v->pool_len = h.pool_len;
    v->files = (const uint32_t *)(p + h.files_off);
    v->runs = (const uint32_t *)(p + h.runs_off);
    v->nfiles = h.nfiles;
    v->nruns = h.nruns;
    v->nentries = h.nentries;
    uint64_t total = 0;
    for (uint32_t t = 0; t < h.ntables; t++) {
        hdb_desc d;
        memcpy(&d, p + h.tables_off + (uint64_t)t * sizeof(d), sizeof(d));
        int set = set_of(d.kind, d.allow == 1), ai = algo_index(d.algo);
        if (set < 0 || ai < 0 || d.allow > 1 || d.any > 1 || d.count == 0 || d.shift > 31)
            return cv_fail(err, "hash tables: table %u: bad kind, algorithm or count", t);
        int id = table_id(set, ai, d.any);
        if (v->slot[id] >= 0)
            return cv_fail(err, "hash tables: table %u: duplicate", t);
        uint64_t nf = ((uint64_t)d.count + ((uint64_t)1 << d.shift) - 1) >> d.shift;
        if (d.nfences != nf || (!d.any && !array_ok(len, d.sizes_off, d.count, 4)) ||
            !array_ok(len, d.digests_off, d.count, d.algo) ||
            !array_ok(len, d.names_off, d.count, 4) || !array_ok(len, d.seqs_off, d.count, 4) ||
            !array_ok(len, d.fences_off, d.nfences, 4))
            return cv_fail(err, "hash tables: table %u: arrays out of bounds", t);
        cv_hashdb_table *T = &v->tables[t];
        T->kind = d.kind;
        T->allow = d.allow;
        T->algo = d.algo;
        T->any_size = d.any;
        T->count = d.count;
        T->shift = d.shift;
        T->nfences = d.nfences;
        T->sizes = d.any ? NULL : (const uint32_t *)(p + d.sizes_off);
        T->digests = p + d.digests_off;
        T->names = (const uint32_t *)(p + d.names_off);
        T->seqs = (const uint32_t *)(p + d.seqs_off);
        T->fences = (const uint32_t *)(p + d.fences_off);
        v->slot[id] = (int8_t)t;
        total += d.count;
    }
    if (total != h.nentries)
        return cv_fail(err, "hash tables: %llu entries in tables, header says %u",
                       (unsigned long long)total, h.nentries);
    v->ntables = h.ntables;
    return true;
}

static const cv_hashdb_table *table_of(const cv_hashdb_view *v, int set, int ai, bool any)
{
    if (set < 0 || ai < 0)
        return NULL;
    int s = v->slot[table_id(set, ai, any)];
    return s >= 0 ? &v->tables[s] : NULL;
}

/* Entries [*lo, *hi) that can hold fence key `key`: every entry with that
 * key lies there when the table is sorted; a damaged table only misses. */
static void fence_range(const cv_hashdb_table *t, uint32_t key, uint32_t *lo, uint32_t *hi)
{
    uint32_t a = 0, b = t->nfences;
    while (a < b) { /* first fence >= key */
        uint32_t m = a + (b - a) / 2;
        if (t->fences[m] < key)
            a = m + 1;
        else
            b = m;
    }
    uint32_t c = a, d = t->nfences;
    while (c < d) { /* first fence > key */
        uint32_t m = c + (d - c) / 2;
        if (t->fences[m] <= key)
            c = m + 1;
        else
            d = m;
    }
    uint64_t start = a ? (uint64_t)(a - 1) << t->shift : 0;
    uint64_t end = (uint64_t)c << t->shift;
    if (end > t->count)
        end = t->count;
    *lo = (uint32_t)(start < end ? start : end);
    *hi = (uint32_t)end;
}

/* [*lo, *hi) narrowed to the entries of size `size`. */
static void size_range(const cv_hashdb_table *t, uint32_t size, uint32_t *lo, uint32_t *hi)
{
    fence_range(t, size, lo, hi);
    uint32_t a = *lo, b = *hi;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (t->sizes[m] < size)
            a = m + 1;
        else
            b = m;
    }
    uint32_t c = a, d = *hi;
    while (c < d) {
        uint32_t m = c + (d - c) / 2;
        if (t->sizes[m] <= size)
            c = m + 1;
        else
            d = m;
    }
    *lo = a;
    *hi = c;
}

static bool sized(uint64_t size)
{
    return size >= 1 && size <= HDB_MAX_SIZE;
}

unsigned cv_hashdb_wants(const cv_hashdb_view *v, cv_hash_kind kind, bool allow, uint64_t size)
{
    int set = set_of(kind, allow);
    unsigned bits = 0;
    for (int ai = 0; ai < 3; ai++) {
        const cv_hashdb_table *any = table_of(v, set, ai, true);
        const cv_hashdb_table *t = table_of(v, set, ai, false);
        bool want = any != NULL;
        if (!want && t && sized(size)) {
            uint32_t lo, hi;
            size_range(t, (uint32_t)size, &lo, &hi);
            want = lo < hi;
        }
        if (want)
            bits |= 1u << ai;
    }
    return bits;
}

unsigned cv_hashdb_algos(const cv_hashdb_view *v, cv_hash_kind kind, bool allow)
{
    int set = set_of(kind, allow);
    unsigned bits = 0;
    for (int ai = 0; ai < 3; ai++) {
        if (table_of(v, set, ai, true) || table_of(v, set, ai, false))
            bits |= 1u << ai;
    }
    return bits;
}

/* Reports the run of entries equal to digest within [lo, hi). */
static size_t report(const cv_hashdb_view *v, const cv_hashdb_table *t, uint32_t lo, uint32_t hi,
                     const uint8_t *digest, cv_hashdb_fn fn, void *user, bool *stop)
{
    size_t len = t->algo, n = 0;
    uint32_t a = lo, b = hi;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (memcmp(t->digests + (size_t)m * len, digest, len) < 0)
            a = m + 1;
        else
            b = m;
    }
    cv_hashdb_ref ref = {(uint32_t)(t - v->tables), 0};
    for (uint32_t i = a; i < hi && !*stop; i++) {
        if (memcmp(t->digests + (size_t)i * len, digest, len) != 0)
            break;
        ref.index = i;
        n++;
        if (!fn(user, ref, i == a))
            *stop = true;
    }
    return n;
}

size_t cv_hashdb_lookup(const cv_hashdb_view *v, cv_hash_kind kind, bool allow, cv_hash_algo algo,
                        uint64_t size, const uint8_t *digest, cv_hashdb_fn fn, void *user)
{
    int set = set_of(kind, allow), ai = algo_index(algo);
    size_t n = 0;
    bool stop = false;
    const cv_hashdb_table *t = table_of(v, set, ai, false);
    if (t && sized(size)) {
        uint32_t lo, hi;
        size_range(t, (uint32_t)size, &lo, &hi);
        n += report(v, t, lo, hi, digest, fn, user, &stop);
    }
    t = table_of(v, set, ai, true);
    if (t && !stop) {
        uint32_t lo, hi;
        fence_range(t, be32(digest), &lo, &hi);
        n += report(v, t, lo, hi, digest, fn, user, &stop);
    }
    return n;
}

static const char *pool_str(const cv_hashdb_view *v, uint32_t off)
{
    return off < v->pool_len ? v->pool + off : NULL;
}

bool cv_hashdb_entry_get(const cv_hashdb_view *v, cv_hashdb_ref ref, cv_hashdb_entry *out)
{
    memset(out, 0, sizeof(*out));
    if (ref.table >= v->ntables || ref.index >= v->tables[ref.table].count)
        return false;
    const cv_hashdb_table *t = &v->tables[ref.table];
    uint32_t seq = t->seqs[ref.index];
    /* the last run starting at or before seq */
    uint32_t a = 0, b = v->nruns;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (v->runs[4 * (size_t)m] <= seq)
            a = m + 1;
        else
            b = m;
    }
    if (!a)
        return false;
    const uint32_t *run = &v->runs[4 * (size_t)(a - 1)];
    if (run[2] >= v->nfiles)
        return false;
    out->kind = (cv_hash_kind)t->kind;
    out->algo = (cv_hash_algo)t->algo;
    out->allow = t->allow;
    out->any_size = t->any_size;
    out->size = t->any_size ? 0 : t->sizes[ref.index];
    out->digest = t->digests + (size_t)ref.index * t->algo;
    out->name = pool_str(v, t->names[ref.index]);
    out->source = pool_str(v, v->files[run[2]]);
    out->line = run[1] + (seq - run[0]);
    return out->name && out->source;
}

size_t cv_hashdb_count(const cv_hashdb_view *v, cv_hash_kind kind, bool allow)
{
    int set = set_of(kind, allow);
    size_t n = 0;
    for (int ai = 0; ai < 3; ai++) {
        for (int any = 0; any < 2; any++) {
            const cv_hashdb_table *t = table_of(v, set, ai, any);
            n += t ? t->count : 0;
        }
    }
    return n;
}
