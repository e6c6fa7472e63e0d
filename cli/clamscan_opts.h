/*
 * clamscan_opts.h - the command line of `vigil clamscan`, parsed with
 * clamscan 1.4.6's rules and messages (yes/no booleans, "#n" sizes with
 * K/M suffixes, "ERROR: Incorrect argument format for option ..."), plus
 * vigil's own options. Only the parsing lives here; cmd_clamscan.c acts.
 */
#ifndef VIGIL_CLI_CLAMSCAN_OPTS_H
#define VIGIL_CLI_CLAMSCAN_OPTS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most values one repeatable option takes. */
#define CS_MAX_LIST 256

/* clamscan's defaults (1.4.6: files above 100 MB are not scanned and count
 * as clean; 400 MB per container). */
#define CS_DEFAULT_MAX_FILESIZE ((uint64_t)100 << 20)
#define CS_DEFAULT_MAX_SCANSIZE ((uint64_t)400 << 20)
/* clamscan's --max-dir-recursion default: directories nested deeper than
 * this below a command-line folder (which is level 1) are passed over. */
#define CS_MAX_DIR_DEPTH 15

/* --exclude and friends: POSIX extended expressions as clamscan compiles
 * them. A pattern that does not compile matches nothing (clamscan's
 * match_regex fails quietly), so ok[i] marks the usable ones. */
typedef struct cs_filter {
    regex_t re[CS_MAX_LIST];
    bool ok[CS_MAX_LIST];
    bool slash[CS_MAX_LIST]; /* pattern ends in '/': match against "PATH/" */
    size_t n;
} cs_filter;

typedef struct cs_opts {
    const char *db[CS_MAX_LIST]; /* -d, in order; none: the default folder */
    size_t ndb;
    const char *log, *move, *copy, *cvd_key_file;
    const char *file_list; /* -f: paths to scan, one per line */
    bool recursive, infected, suppress_ok, no_summary, allmatch, remove, detect_pua, bell;
    bool to_stdout, verbose, json, skip_bad, no_cache, progress;
    cs_filter exclude, include, exclude_dir, include_dir;
    uint64_t max_filesize, max_scansize, max_files, max_recursion; /* 0 = no limit */
} cs_opts;

/* Parses argv (argv[0] = "clamscan"). Returns the index of the first
 * operand; -1 after printing clamscan's messages for a bad command line
 * (exit 2); -2 when --help or --version was handled (exit 0). */
int cs_opts_parse(int argc, char **argv, cs_opts *o);
void cs_opts_free(cs_opts *o);

/* Whether any expression of f matches path (clamscan's match_regex). */
bool cs_filter_match(const cs_filter *f, const char *path);

/* The clamscan release whose command line `vigil clamscan` reproduces. */
#define CS_CLAMSCAN_COMPAT "1.4.6"

#endif
