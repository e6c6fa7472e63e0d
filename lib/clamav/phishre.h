/*
 * phishre.h - whether libclamav's phishing lists (regex_list.c) take a
 * regular expression or a host pattern. clamscan refuses the whole .pdb,
 * .gdb or .wdb when one does not compile with its own POSIX regex engine
 * (Spencer's, REG_EXTENDED) or when one of the suffixes it indexes the
 * expression by is too short for its Aho-Corasick trie. Internal to
 * lib/clamav.
 */
#ifndef VIGIL_CLAMAV_PHISHRE_H
#define VIGIL_CLAMAV_PHISHRE_H

#include "clamav/sig.h"

/* libclamav's FILEBUFF: a regex list line must be shorter than this minus 3
 * ("Overlong regex line"). */
#define CV_PHISH_LINE_MAX 8192

/* Whether libclamav's cli_regcomp (Spencer's regex code, REG_EXTENDED)
 * compiles re: a leading "(?i)" only sets REG_ICASE (*icase, may be NULL).
 * Also the check of .cdb file name patterns. */
bool cv_posix_ere_ok(const char *re, size_t len, bool *icase, cv_error *err);

/* A regular expression of an R (.pdb/.gdb) or X/Y (.wdb) line: the text
 * after the line's first ':' (functionality levels already cut), without
 * the "/" clamscan appends. len < CV_PHISH_LINE_MAX. */
bool cv_phish_regex_ok(const char *re, size_t len, cv_error *err);

/* A host pattern of an H (.pdb/.gdb) or M (.wdb) line, as above. */
bool cv_phish_host_ok(const char *host, size_t len, cv_error *err);

#endif
