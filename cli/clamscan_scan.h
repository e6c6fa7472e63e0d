/*
 * clamscan_scan.h - the paths of one `vigil clamscan` run, treated as
 * clamscan 1.4.6 treats them: command-line operands (symbolic links
 * followed, "-" for stdin), folders in directory order with --exclude-dir
 * and --include-dir, links inside folders reported and not followed,
 * --exclude/--include, empty files, size limits, and each file scanned
 * until its first detection (every detection with -z).
 */
#ifndef VIGIL_CLI_CLAMSCAN_SCAN_H
#define VIGIL_CLI_CLAMSCAN_SCAN_H

#include <stdbool.h>

#include <vigil.h>

#include "clamscan_act.h"
#include "clamscan_opts.h"
#include "clamscan_out.h"

typedef struct cs_scan {
    const cs_opts *o;
    cs_out *out;
    const cs_action *act;
    vigil_scanner *scanner;
    /* the file being scanned, for the callback */
    const char *path;
    unsigned hits;
} cs_scan;

/* One command-line operand. */
void cs_scan_operand(cs_scan *s, const char *operand);

/* Every path listed in the file `list` (-f), as operands. False when the
 * list cannot be opened. */
bool cs_scan_file_list(cs_scan *s, const char *list);

/* Standard input, for the operand "-". */
void cs_scan_stdin(cs_scan *s);

#endif
