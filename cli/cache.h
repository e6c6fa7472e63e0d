/*
 * cache.h - the transparent cache of compiled rules (DESIGN.md §2): rules
 * named on the command line are compiled once and later loaded from
 * $XDG_CACHE_HOME/vigil/<key>.vdb (default ~/.cache/vigil). It lives in the
 * CLI because the library writes only where it is told (DESIGN.md §4).
 *
 * A subcommand wraps its existing compile step, unchanged:
 *     cache_entry *ce;
 *     if (cache_begin(&rq, db, &ce)) return true;   // hit: *db is loaded
 *     ... compile as before (diag_print sees every diagnostic) ...
 *     cache_end(ce, ok ? *db : NULL);                // stores a success
 */
#ifndef VIGIL_CLI_CACHE_H
#define VIGIL_CLI_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <vigil.h>

typedef struct cache_request {
    const char *const *operands; /* "[NS:]PATH" as given, PATH a file or a folder */
    size_t noperands;
    const char *const *defs; /* "VAR=VALUE" of -d, in order */
    size_t ndefs;
    const char *const *clamav; /* ClamAV databases (files or folders), in order */
    size_t nclamav;
    unsigned clamav_flags; /* VIGIL_CLAMAV_* they are loaded with */
    const char *variant; /* compile settings that change the result ("yara -w ...") */
    bool show_warnings;  /* warnings are printed (replayed from the entry on a hit) */
    bool disabled;       /* --no-cache: compile, read and write nothing */
    bool quiet;          /* no "recompiling" / write-failure lines on stderr */
} cache_request;

typedef struct cache_entry cache_entry;

/* Looks the sources up. On a hit whose recorded sources (includes too) are
 * unchanged, *db is the loaded database, recorded warnings have been
 * printed, *ce is NULL and the result is true. Otherwise *db is untouched,
 * the result is false and *ce (possibly NULL when nothing can be cached, e.g.
 * rules from stdin) must be passed to cache_end after compiling. A stale or
 * refused entry is reported in one line on stderr unless quiet. */
bool cache_begin(const cache_request *rq, vigil_db **db, cache_entry **ce);

/* Ends a miss: with db (a successful build) the entry is written atomically
 * and old entries pruned; a write failure is a one-line warning. With NULL
 * nothing is written. Frees ce (NULL is a no-op). */
void cache_end(cache_entry *ce, const vigil_db *db);

/* Entries kept; older ones (by last use) are deleted after a write. */
#define CACHE_MAX_ENTRIES 16

#endif
