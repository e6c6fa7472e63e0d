/*
 * cmd_clamscan.c - `vigil clamscan`, a drop-in for clamscan 1.4.6: the
 * same options, result lines, summary and exit status, with ClamAV
 * databases compiled by libvigil (and cached, so the second run maps the
 * database instead of parsing it). One thread, like clamscan, so the lines
 * come in clamscan's order. The parts live in clamscan_*.c: options,
 * output, databases, quarantine actions, and the walk.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vigil.h>

#include "clamscan_act.h"
#include "clamscan_db.h"
#include "clamscan_opts.h"
#include "clamscan_out.h"
#include "clamscan_scan.h"
#include "cli.h"
#include "progress.h"

int cmd_clamscan(int argc, char **argv)
{
    cs_opts o;
    int first = cs_opts_parse(argc, argv, &o);
    if (first < 0) {
        cs_opts_free(&o);
        return first == -2 ? 0 : 2;
    }
    cs_out out = {.to_stdout = o.to_stdout, .verbose = o.verbose, .json = o.json,
                  .bell = o.bell};
    cs_action act = {.kind = CS_ACT_NONE};
    vigil_db *db = NULL;
    vigil_scanner *scanner = NULL;
    progress pr;
    int rc = 2;
    if (!cs_out_open(&out, o.log))
        goto out;
    if (!cs_action_setup(&act, &o, &out))
        goto out;
    if (!cs_db_load(&o, &out, &db)) {
        /* clamscan still prints its (empty) summary after a failed load. */
        if (!o.no_summary)
            cs_summary(&out);
        goto out;
    }
    if (vigil_scanner_new(db, &scanner) != VIGIL_OK) {
        cs_error(&out, "Can't allocate memory\n");
        goto out;
    }
    /* clamscan --allmatch prints a body signature once per match */
    if (o.allmatch)
        vigil_scanner_set_flags(scanner, VIGIL_SCAN_EVERY_MATCH);
    if (o.progress) {
        progress_init(&pr, true);
        out.pr = &pr;
    }
    cs_scan s = {.o = &o, .out = &out, .act = &act, .scanner = scanner};
    bool list_failed = false;
    if (o.file_list) {
        if (first < argc)
            cs_warning(&out, "Only scanning files from --file-list (files passed at cmdline are "
                             "ignored)\n");
        if (!cs_scan_file_list(&s, o.file_list)) {
            /* clamscan: stderr only, then the summary, exit status 54 */
            fflush(stdout);
            fprintf(stderr, "ERROR: --file-list: Can't open file %s\n", o.file_list);
            list_failed = true;
        }
    } else if (first >= argc) {
        /* No operand: clamscan scans the working folder, by its full path. */
        char cwd[4096];
        if (!getcwd(cwd, sizeof(cwd))) {
            cs_error(&out, "Can't get absolute pathname of current working directory\n");
            out.fatal = true;
        } else {
            cs_scan_operand(&s, cwd);
        }
    }
    for (int i = first; i < argc && !o.file_list; i++)
        cs_scan_operand(&s, argv[i]);
    if (out.pr)
        progress_erase(out.pr);
    out.pr = NULL;
    if (!o.no_summary)
        cs_summary(&out);
    rc = list_failed ? 54 : cs_exit_code(&out);
out:
    fflush(stdout);
    vigil_scanner_free(scanner);
    vigil_db_free(db);
    cs_action_free(&act);
    cs_out_close(&out);
    cs_opts_free(&o);
    return rc;
}
