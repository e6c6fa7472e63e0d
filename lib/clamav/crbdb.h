/*
 * crbdb.h - lines of ClamAV's certificate trust and block rules (.crb):
 * Name;Trusted;Subject;Serial;Pubkey;Exponent;CodeSign;TimeSign;CertSign;
 * NotBefore;Comment[;MinFL[;MaxFL]], checked as libclamav's cli_loadcrt
 * does. vigil does no Authenticode checks yet: lines are only checked
 * (clamscan does not count them among its "Known viruses"). Internal to
 * lib/clamav.
 */
#ifndef VIGIL_CLAMAV_CRBDB_H
#define VIGIL_CLAMAV_CRBDB_H

#include "clamav/sig.h"

/* One non-empty line without its newline. CV_OK: a rule libclamav loads;
 * CV_SKIP: outside this functionality level; CV_BAD: the database is
 * refused, err says why. */
cv_status cv_crb_line(const char *line, size_t len, cv_error *err);

#endif
