/*
 * cmd_check.c - `vigil check [-w] RULES...`: compiles every given file (or
 * folder) only to report its errors and warnings, all of them in one run,
 * so editors and CI can lint rule sets. Nothing is written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <vigil.h>

#include "cli.h"
#include "diag.h"
#include "rules.h"

static void usage(FILE *out)
{
    fputs("Usage: vigil check [OPTION]... [NS:]RULES...\n"
          "Reports errors and warnings in rule files (or folders of .yar/.yara files).\n\n"
          "  -w, --no-warnings  report errors only\n"
          "  -h, --help         show this help\n\n"
          "Exit status: 0 no errors, 1 errors, 2 usage error.\n",
          out);
}

int cmd_check(int argc, char **argv)
{
    static const struct option longs[] = {
        {"no-warnings", no_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool no_warnings = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+wh", longs, NULL)) != -1) {
        switch (c) {
        case 'w':
            no_warnings = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try `vigil check --help`.\n");
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "vigil check: no rules given\n");
        return 2;
    }
    /* One compiler for all operands, exactly as `vigil compile` would see
     * them (duplicate rule names across files are errors there too); each
     * file is still compiled in full so every error is reported. */
    vigil_compiler *comp = NULL;
    diag_sink sink = {.out = stderr, .show_warnings = !no_warnings};
    if (vigil_compiler_new(&comp) != VIGIL_OK) {
        fprintf(stderr, "vigil: out of memory\n");
        return 2;
    }
    vigil_compiler_set_warnings(comp, !no_warnings);
    vigil_compiler_set_diag_callback(comp, diag_print, &sink);
    bool failed = false;
    for (int i = optind; i < argc; i++) {
        char *ns;
        const char *file;
        if (!rules_split_ns(argv[i], &ns, &file)) {
            vigil_compiler_free(comp);
            fprintf(stderr, "vigil: out of memory\n");
            return 2;
        }
        failed |= rules_add_path(comp, file, ns) != VIGIL_OK;
        free(ns);
    }
    vigil_compiler_free(comp);
    size_t errors = sink.errors;
    size_t warnings = no_warnings ? 0 : sink.warnings;
    if (errors || warnings)
        fprintf(stderr, "%zu error(s), %zu warning(s)\n", errors, warnings);
    return failed || errors > 0 ? 1 : 0;
}
