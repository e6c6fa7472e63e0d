/*
 * cmd_compile.c - `vigil compile [-d VAR=VALUE] [-w] -o OUT [NS:]RULES...`:
 * compiles rule files (or folders of them) into one database file that
 * `vigil scan --db` and `vigil yara -C` map instead of parsing again.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil.h>

#include "cli.h"
#include "diag.h"
#include "extvars.h"
#include "rules.h"

#define MAX_DEFS 256

static void usage(FILE *out)
{
    fputs("Usage: vigil compile [OPTION]... -o OUT [NS:]RULES...\n"
          "Compiles rule files (or folders of .yar/.yara files) into a database.\n\n"
          "  -o, --output=OUT        database file to write (required)\n"
          "  -d, --define=VAR=VALUE  define an external variable (repeatable)\n"
          "  -w, --no-warnings       do not print warnings\n"
          "      --fail-on-warnings  treat warnings as errors\n"
          "  -h, --help              show this help\n\n"
          "Exit status: 0 written, 1 errors in the rules, 2 other failure.\n",
          out);
}

int cmd_compile(int argc, char **argv)
{
    enum { OPT_FAIL_WARN = 256 };
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"define", required_argument, NULL, 'd'},
        {"no-warnings", no_argument, NULL, 'w'},
        {"fail-on-warnings", no_argument, NULL, OPT_FAIL_WARN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL;
    const char *defs[MAX_DEFS];
    int ndefs = 0;
    bool no_warnings = false, fail_on_warnings = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:d:wh", longs, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_path = optarg;
            break;
        case 'd':
            if (ndefs >= MAX_DEFS) {
                fprintf(stderr, "vigil compile: too many -d options\n");
                return 2;
            }
            defs[ndefs++] = optarg;
            break;
        case 'w':
            no_warnings = true;
            break;
        case OPT_FAIL_WARN:
            fail_on_warnings = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try `vigil compile --help`.\n");
            return 2;
        }
    }
    if (!out_path || optind >= argc) {
        fprintf(stderr, "vigil compile: %s\n", out_path ? "no rules given" : "-o OUT is required");
        return 2;
    }

    extvar vars[MAX_DEFS];
    int nvars = 0;
    vigil_compiler *comp = NULL;
    vigil_db *db = NULL;
    diag_sink sink = {.out = stderr, .show_warnings = !no_warnings};
    int rc = 2;
    if (vigil_compiler_new(&comp) != VIGIL_OK) {
        fprintf(stderr, "vigil: out of memory\n");
        return 2;
    }
    vigil_compiler_set_warnings(comp, !no_warnings);
    vigil_compiler_set_diag_callback(comp, diag_print, &sink);
    for (int i = 0; i < ndefs; i++) {
        if (!extvar_parse(defs[i], false, &vars[nvars])) {
            fprintf(stderr, "vigil compile: -d %s: expected VAR=VALUE\n", defs[i]);
            goto out;
        }
        nvars++;
        if (extvar_define_compiler(comp, &vars[nvars - 1]) != VIGIL_OK) {
            fprintf(stderr, "vigil compile: -d %s: %s\n", defs[i],
                    vigil_compiler_last_error(comp));
            goto out;
        }
    }
    bool failed = false;
    for (int i = optind; i < argc; i++) {
        char *ns;
        const char *file;
        if (!rules_split_ns(argv[i], &ns, &file)) {
            fprintf(stderr, "vigil: out of memory\n");
            goto out;
        }
        failed |= rules_add_path(comp, file, ns) != VIGIL_OK;
        free(ns);
    }
    if (failed || sink.errors > 0 || (fail_on_warnings && sink.warnings > 0)) {
        rc = 1;
        goto out;
    }
    vigil_status st = vigil_compiler_build(comp, &db);
    if (st != VIGIL_OK) {
        fprintf(stderr, "vigil compile: %s\n", vigil_compiler_last_error(comp));
        rc = st == VIGIL_E_SYNTAX ? 1 : 2;
        goto out;
    }
    st = vigil_db_save(db, out_path);
    if (st != VIGIL_OK) {
        fprintf(stderr, "vigil compile: %s: %s\n", out_path, vigil_status_str(st));
        goto out;
    }
    rc = 0;
out:
    for (int i = 0; i < nvars; i++)
        extvar_free(&vars[i]);
    vigil_db_free(db);
    vigil_compiler_free(comp);
    return rc;
}
