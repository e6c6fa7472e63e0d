/*
 * icondb.h - lines of ClamAV's icon signature databases (.idb):
 * Name:GroupName1:GroupName2:IconHash, the hash being 124 hex digits of
 * icon metrics (size, colour, grey, bright, dark, edge and spread data),
 * checked as libclamav's cli_loadidb does. vigil does no icon matching
 * yet: lines are only checked and counted (each one counts among
 * clamscan's "Known viruses"). Internal to lib/clamav.
 */
#ifndef VIGIL_CLAMAV_ICONDB_H
#define VIGIL_CLAMAV_ICONDB_H

#include "clamav/sig.h"

#define CV_IDB_HASH_LEN 124

typedef struct cv_idb {
    cv_str name, group[2]; /* views into the line */
    const char *hash;      /* CV_IDB_HASH_LEN digits */
} cv_idb;

/* The fields (four, the hash 124 characters long): checked before the
 * ignore lists are, as libclamav does; CV_BAD or CV_OK. */
cv_status cv_idb_split(const char *line, size_t len, cv_idb *out, cv_error *err);

/* The metrics in the hash, checked after the ignore lists: CV_BAD or CV_OK. */
cv_status cv_idb_check_hash(const cv_idb *l, cv_error *err);

/* The distinct group names of one file, per field: libclamav refuses a
 * file with more than 256 in either. */
typedef struct cv_idb_groups {
    char **names[2];
    size_t n[2];
} cv_idb_groups;

/* Adds a loaded line's groups; CV_BAD (err) past 256 names in a field,
 * VIGIL-style false return on out of memory via *oom. */
cv_status cv_idb_groups_add(cv_idb_groups *g, const cv_idb *l, bool *oom, cv_error *err);
void cv_idb_groups_free(cv_idb_groups *g);

#endif
