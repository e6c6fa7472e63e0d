/*
 * cmd_sigtool.c - `vigil sigtool`: the part of ClamAV's sigtool an analyst
 * needs to look into databases: --info and --unpack for .cvd/.cld/.cud
 * containers, --list-sigs for signature names, and vigil's --count (per
 * type). One action per run; the actions live in sigtool_*.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <vigil.h>

#include "cli.h"
#include "sigtool_ops.h"

static void usage(FILE *out)
{
    fputs("Usage: vigil sigtool ACTION [OPTION]...\n"
          "Inspects ClamAV databases (sigtool 1.4's options).\n\n"
          "Actions (one per run):\n"
          "  -i, --info=FILE          print a .cvd/.cld/.cud header and verify the container\n"
          "  -u, --unpack=FILE        verify a container, then write its files into the\n"
          "                           current folder (or -C DIR); existing files are kept\n"
          "  -l, --list-sigs[=PATH]   names of the signatures of a database file, container\n"
          "                           or folder (default " SIGTOOL_DEFAULT_DBDIR ")\n"
          "      --count=PATH         signatures per type (hdb, ndb, ldb, ...) and in total\n\n"
          "Options:\n"
          "  -C, --directory=DIR      folder --unpack writes into (must exist)\n"
          "      --cvd-public-key=FILE  check container signatures against this RSA key\n"
          "                           (PEM, or decimal modulus and exponent) instead of\n"
          "                           ClamAV's; it signs both the header and .info\n"
          "  -h, --help               show this help\n\n"
          "Exit status: 0 done, 1 the database is malformed or its signature does not\n"
          "verify, 2 usage or input/output error.\n",
          out);
}

typedef enum action { NONE, INFO, UNPACK, LIST, COUNT } action;

static bool set_action(action *a, action want, const char **arg, const char *value)
{
    if (*a != NONE && *a != want) {
        fprintf(stderr, "vigil sigtool: give one of --info, --unpack, --list-sigs, --count\n");
        return false;
    }
    *a = want;
    *arg = value;
    return true;
}

int cmd_sigtool(int argc, char **argv)
{
    enum { OPT_COUNT = 256, OPT_KEY };
    static const struct option longs[] = {
        {"info", required_argument, NULL, 'i'},
        {"unpack", required_argument, NULL, 'u'},
        {"list-sigs", optional_argument, NULL, 'l'},
        {"count", required_argument, NULL, OPT_COUNT},
        {"directory", required_argument, NULL, 'C'},
        {"cvd-public-key", required_argument, NULL, OPT_KEY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    action act = NONE;
    const char *arg = NULL, *dir = ".", *key_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+i:u:l::C:h", longs, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'i':
            ok = set_action(&act, INFO, &arg, optarg);
            break;
        case 'u':
            ok = set_action(&act, UNPACK, &arg, optarg);
            break;
        case 'l':
            ok = set_action(&act, LIST, &arg, optarg);
            break;
        case OPT_COUNT:
            ok = set_action(&act, COUNT, &arg, optarg);
            break;
        case 'C':
            dir = optarg;
            break;
        case OPT_KEY:
            key_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            ok = false;
            break;
        }
        if (!ok) {
            fprintf(stderr, "Try `vigil sigtool --help`.\n");
            return 2;
        }
    }
    /* sigtool only takes -lPATH attached; `-l PATH` is what people type. */
    if (act == LIST && !arg && optind + 1 == argc)
        arg = argv[optind++];
    if (act == NONE || optind < argc) {
        if (act == NONE)
            fprintf(stderr, "vigil sigtool: no action given\n");
        else
            fprintf(stderr, "vigil sigtool: unexpected operand '%s'\n", argv[optind]);
        fprintf(stderr, "Try `vigil sigtool --help`.\n");
        return 2;
    }
    sigtool_key key = {NULL, NULL};
    if (key_path && !sigtool_key_read(key_path, &key))
        return 2;
    int rc = 2;
    switch (act) {
    case INFO:
        rc = sigtool_info(arg, &key);
        break;
    case UNPACK:
        rc = sigtool_unpack(arg, dir, &key);
        break;
    case LIST:
        rc = sigtool_list(arg ? arg : SIGTOOL_DEFAULT_DBDIR, &key);
        break;
    case COUNT:
        rc = sigtool_count(arg, &key);
        break;
    case NONE:
        break;
    }
    sigtool_key_free(&key);
    return rc;
}
