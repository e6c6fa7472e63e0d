/*
 * cmd_dump.c - `vigil dump [-m MODULE]... [--format json|yara] FILE...`:
 * what the YARA modules make of files, without any rules: one JSON object
 * per file and line ({"path": ..., "modules": {"pe": {...}, ...}}), or
 * yara -D's text. Helps write rules and compare vigil's modules with yara's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <vigil.h>

#include "cli.h"
#include "moddata.h"
#include "readfile.h"

static void usage(FILE *out)
{
    fputs("Usage: vigil dump [OPTION]... FILE...\n"
          "Prints what the YARA modules make of each file (no rules needed).\n\n"
          "  -m, --module=NAME  this module (repeatable; default: every module but tests)\n"
          "      --format=FMT   json (default: one object per file and line) or yara\n"
          "                     (yara -D's text)\n"
          "  -h, --help         show this help\n\n"
          "Exit status: 0 all files read, 2 otherwise.\n",
          out);
}

/* A dump reads one file whole; beyond this it is refused. */
#define MAX_FILE ((size_t)1 << 32)

static bool dump_file(const char *path, const char **mods, size_t nmods, bool yara_fmt)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (!cli_read_file(path, MAX_FILE, &data, &len)) {
        fprintf(stderr, "vigil: %s: %s\n", path,
                errno ? strerror(errno) : "not a regular file, or larger than 4 GiB");
        return false;
    }
    bool ok = true;
    json_t *all = yara_fmt ? NULL : json_object();
    for (size_t i = 0; i < nmods && ok; i++) {
        if (yara_fmt) {
            ok = vigil_module_dump(mods[i], data, len, moddata_print_yara, stdout) == VIGIL_OK;
            continue;
        }
        moddata_json j = {0};
        ok = all && vigil_module_dump(mods[i], data, len, moddata_json_visit, &j) == VIGIL_OK &&
             !j.failed && json_object_set_new(all, mods[i], j.result) == 0;
        if (!ok)
            json_decref(j.result);
    }
    if (!yara_fmt && ok) {
        json_t *o = json_object();
        ok = o && json_object_set_new(o, "path", json_string(path)) == 0 &&
             json_object_set_new(o, "modules", all) == 0;
        all = NULL;
        char *text = ok ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (text)
            puts(text);
        ok = text != NULL;
        free(text);
        json_decref(o);
    }
    json_decref(all);
    free(data);
    if (!ok)
        fprintf(stderr, "vigil: %s: out of memory\n", path);
    return ok;
}

int cmd_dump(int argc, char **argv)
{
    static const struct option longs[] = {
        {"module", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **mods = calloc((size_t)argc + vigil_module_count() + 1, sizeof(*mods));
    size_t nmods = 0;
    bool yara_fmt = false;
    int c;
    optind = 1;
    if (!mods) {
        fprintf(stderr, "vigil: out of memory\n");
        return 2;
    }
    while ((c = getopt_long(argc, argv, "+m:h", longs, NULL)) != -1) {
        switch (c) {
        case 'm':
            mods[nmods++] = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "yara") == 0 || strcmp(optarg, "json") == 0) {
                yara_fmt = optarg[0] == 'y';
                break;
            }
            fprintf(stderr, "vigil dump: unknown format \"%s\" (json or yara)\n", optarg);
            free(mods);
            return 2;
        case 'h':
            usage(stdout);
            free(mods);
            return 0;
        default:
            fprintf(stderr, "Try `vigil dump --help`.\n");
            free(mods);
            return 2;
        }
    }
    for (size_t i = 0; i < nmods; i++) {
        bool known = false;
        for (size_t k = 0; k < vigil_module_count() && !known; k++)
            known = strcmp(vigil_module_name(k), mods[i]) == 0;
        if (!known) {
            fprintf(stderr, "vigil dump: unknown module \"%s\"\n", mods[i]);
            free(mods);
            return 2;
        }
    }
    if (nmods == 0) {
        for (size_t k = 0; k < vigil_module_count(); k++)
            if (strcmp(vigil_module_name(k), "tests") != 0)
                mods[nmods++] = vigil_module_name(k);
    }
    if (optind >= argc) {
        fprintf(stderr, "vigil dump: no file given\n");
        free(mods);
        return 2;
    }
    bool ok = true;
    for (int i = optind; i < argc; i++)
        ok &= dump_file(argv[i], mods, nmods, yara_fmt);
    free(mods);
    return ok ? 0 : 2;
}
