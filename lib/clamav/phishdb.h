/*
 * phishdb.h - lines of ClamAV's phishing lists: .pdb and .gdb (domain
 * list: R regex, H host, S hash lines) and .wdb (allow list: X and Y
 * regex, M host, S:W hash lines), checked the way libclamav's
 * load_regex_matcher reads them. vigil does no phishing checks yet: the
 * lines are only checked and counted. Internal to lib/clamav.
 */
#ifndef VIGIL_CLAMAV_PHISHDB_H
#define VIGIL_CLAMAV_PHISHDB_H

#include "clamav/sig.h"

typedef enum cv_phish_list {
    CV_PHISH_DOMAIN, /* .pdb .gdb */
    CV_PHISH_ALLOW,  /* .wdb */
} cv_phish_list;

/* One line without its newline. CV_OK: an entry libclamav loads (a .pdb or
 * .gdb entry counts among clamscan's "Known viruses", a .wdb one does not);
 * CV_SKIP: an empty line or one outside this functionality level (a
 * trailing ":min-max", either side may be empty), not loaded; CV_BAD: the
 * list is refused, err says why. */
cv_status cv_phish_line(const char *line, size_t len, cv_phish_list list, cv_error *err);

#endif
