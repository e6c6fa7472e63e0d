/*
 * olddb.h - ClamAV's oldest signature format (.db): Name=HexSignature,
 * which libclamav's cli_loaddb reads as the .ndb line
 * Name:0:*:HexSignature (any file type, any offset). Lines are parsed
 * into the .ndb structure so that they are checked, lowered and counted
 * as .ndb signatures are. Internal to lib/clamav.
 */
#ifndef VIGIL_CLAMAV_OLDDB_H
#define VIGIL_CLAMAV_OLDDB_H

#include "clamav/sig.h"

/* The name (before the first '=', what ignore lists match) and the rest;
 * CV_BAD when the line has no '=' (an empty line neither). */
cv_status cv_db_split(const char *line, size_t len, cv_str *name, cv_str *hex, cv_error *err);

/* The signature of a split line: CV_SKIP for "Name==..." (libclamav
 * leaves those out), CV_BAD for an empty name or a pattern .ndb would
 * refuse in target 0. */
cv_status cv_parse_db(cv_str name, cv_str hex, cv_arena *a, cv_ndb *out, cv_error *err);

#endif
