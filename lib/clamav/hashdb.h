/*
 * hashdb.h - ClamAV hash signatures (.hdb .hsb .hdu .hsu, .mdb .msb .mdu
 * .msu, .imp, and the .fp .sfp allow lists) as compact sorted tables: a
 * builder the loader feeds parsed lines to, one serialized blob that a
 * compiled database stores as a section, and a view that validates the blob
 * in O(tables) and answers lookups on the (possibly mmap'ed) bytes in place.
 *
 * A "set" is what libclamav keeps in one hash matcher: (kind, allow) - file
 * hashes, section hashes, import hashes, allow-listed file hashes. Within a
 * set there is one table per (algorithm, sized / any size); a sized table is
 * sorted by (size, digest), an any-size table by digest.
 *
 * Duplicates: when several entries of a set share algorithm, size (or "*")
 * and digest, clamscan 1.4 reports exactly one of them, picked by libclamav's
 * in-place quicksort of that size's bucket (in load order) followed by its
 * binary search; which one depends on the whole bucket and the load order.
 * The builder replays that and stores clamscan's pick first: the first entry
 * a lookup reports for a table (primary = true) is the name clamscan prints,
 * the others are loaded duplicates clamscan never names.
 */
#ifndef VIGIL_CLAMAV_HASHDB_H
#define VIGIL_CLAMAV_HASHDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clamav/sig.h"

/* ---- building --------------------------------------------------------- */

typedef struct cv_hashdb_builder cv_hashdb_builder;

cv_hashdb_builder *cv_hashdb_builder_new(void);
void cv_hashdb_builder_free(cv_hashdb_builder *b); /* NULL is a no-op */

/* Adds one signature, in clamscan's load order (the order decides which of
 * several identical hashes clamscan names). name: the final detection name
 * (e.g. "Eicar-Test-Signature" or "X.UNOFFICIAL"); allow: the line came
 * from .fp/.sfp; source/line: where it was read (e.g. "daily.cvd:daily.hdb",
 * 1-based line), kept for explanations. sig->name is not used. Strings are
 * copied. false with err->msg on a malformed entry or when out of memory or
 * past the limits (2^32 - 2 entries, 4 GiB of names). */
bool cv_hashdb_add(cv_hashdb_builder *b, const cv_hashsig *sig, const char *name, bool allow,
                   const char *source, uint32_t line, cv_error *err);

size_t cv_hashdb_builder_count(const cv_hashdb_builder *b);

/* The blob: malloc'd, *len a multiple of 8, freed by the caller with free().
 * Host byte order and struct layout (a compiled database is per
 * architecture; the blob carries a byte-order mark). May be called again
 * after more additions. */
bool cv_hashdb_serialize(cv_hashdb_builder *b, uint8_t **out, size_t *len, cv_error *err);

/* ---- reading ---------------------------------------------------------- */

#define CV_HASHDB_NSETS 4    /* (kind, allow): file, section, import, allowed file */
#define CV_HASHDB_NTABLES 24 /* per set: 3 algorithms x (sized, any size) */

/* One table as validated by cv_hashdb_open; pointers into the blob. */
typedef struct cv_hashdb_table {
    uint8_t kind;  /* cv_hash_kind */
    bool allow;    /* .fp / .sfp */
    uint8_t algo;  /* cv_hash_algo: digest length 16, 20 or 32 */
    bool any_size; /* size "*": sorted by digest, no sizes array */
    uint32_t count;
    uint32_t shift; /* one fence key per 2^shift entries */
    uint32_t nfences;
    const uint32_t *sizes;  /* count, NULL when any_size */
    const uint8_t *digests; /* count * algo */
    const uint32_t *names;  /* count pool offsets */
    const uint32_t *seqs;   /* count load-order numbers (source lookup) */
    const uint32_t *fences; /* sized: sizes[i << shift]; any: big-endian digest[0..3] */
} cv_hashdb_table;

/* Filled by cv_hashdb_open; no allocation, nothing to free. The fields are
 * for hashdb.c: use the functions below. */
typedef struct cv_hashdb_view {
    const uint8_t *base;
    size_t len;
    const char *pool;
    uint64_t pool_len;
    const uint32_t *files; /* nfiles pool offsets */
    const uint32_t *runs;  /* nruns x {first_seq, first_line, file, 0} */
    uint32_t nfiles, nruns, nentries, ntables;
    cv_hashdb_table tables[CV_HASHDB_NTABLES];
    int8_t slot[CV_HASHDB_NTABLES]; /* table id -> index in tables[], -1 if absent */
} cv_hashdb_view;

/* Checks the header, every table's counts, offsets and alignment against
 * len (bytes must be 8-aligned, as db sections and malloc give), without
 * copying and without visiting entries: a damaged entry (unsorted digests,
 * a name or source reference out of range) can make lookups miss or
 * cv_hashdb_entry fail, never read out of bounds. */
bool cv_hashdb_open(const void *bytes, size_t len, cv_hashdb_view *v, cv_error *err);

/* Which digests of an object of this size some entry of set (kind, allow)
 * could match: CV_HASHDB_WANT_* bits. Sizes 0 and >= 2^32 - 1 only meet
 * any-size entries. */
enum { CV_HASHDB_WANT_MD5 = 1, CV_HASHDB_WANT_SHA1 = 2, CV_HASHDB_WANT_SHA256 = 4 };
unsigned cv_hashdb_wants(const cv_hashdb_view *v, cv_hash_kind kind, bool allow, uint64_t size);
/* Bits of the algorithms the set has at all (any size). */
unsigned cv_hashdb_algos(const cv_hashdb_view *v, cv_hash_kind kind, bool allow);

/* An entry: its table's index in v->tables and its index in that table. */
typedef struct cv_hashdb_ref {
    uint32_t table;
    uint32_t index;
} cv_hashdb_ref;

/* Called for each match; primary: the first match of its table, the one
 * clamscan reports. Return false to stop. */
typedef bool (*cv_hashdb_fn)(void *user, cv_hashdb_ref ref, bool primary);

/* Every entry of set (kind, allow) for algorithm algo whose digest equals
 * digest (algo bytes) and whose size is size or "*": the sized table's
 * matches first, then the any-size table's. Returns how many were reported. */
size_t cv_hashdb_lookup(const cv_hashdb_view *v, cv_hash_kind kind, bool allow, cv_hash_algo algo,
                        uint64_t size, const uint8_t *digest, cv_hashdb_fn fn, void *user);

typedef struct cv_hashdb_entry {
    cv_hash_kind kind;
    cv_hash_algo algo;
    bool allow;
    bool any_size;
    uint32_t size; /* 0 when any_size */
    const uint8_t *digest;
    const char *name;   /* detection name */
    const char *source; /* database file as given to cv_hashdb_add */
    uint32_t line;
} cv_hashdb_entry;

/* false when ref is out of range or the entry's references are damaged. */
bool cv_hashdb_entry_get(const cv_hashdb_view *v, cv_hashdb_ref ref, cv_hashdb_entry *out);

/* Entries of set (kind, allow), all algorithms and sizes (sigtool counts). */
size_t cv_hashdb_count(const cv_hashdb_view *v, cv_hash_kind kind, bool allow);

#endif
