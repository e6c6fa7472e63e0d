/*
 * cmd_scan.c - `vigil scan`, the command designed for people: bundled
 * default rules plus any given, recursive by default, one line per
 * detection (or NDJSON), a summary, and exit 0 clean / 1 found / 2 error.
 * Anything odd in the tree is reported and skipped; the scan always goes on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vigil.h>

#include "cli.h"
#include "diag.h"
#include "extvars.h"
#include "report.h"
#include "rules.h"
#include "walk.h"

#ifndef VIGIL_DEFAULT_RULES_DIR
#define VIGIL_DEFAULT_RULES_DIR "/usr/share/vigil/rules"
#endif

#define MAX_LIST 256
/* Files are scanned whole for now (see docs/vigil.1, LIMITS). */
#define SCAN_FILE_MAX ((uint64_t)4 << 30)

typedef struct scan_opts {
    const char *rules[MAX_LIST];
    int nrules;
    const char *defs[MAX_LIST];
    int ndefs;
    const char *db;
    bool no_default, no_follow, no_warnings;
    report rep;
} scan_opts;

typedef struct scan_ctx {
    scan_opts *o;
    vigil_scanner *scanner;
    const char *path;
} scan_ctx;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigil scan [OPTION]... PATH...\n"
            "Scans files and folders (recursively) with the bundled rules and any given.\n\n"
            "  --rules=FILE|DIR      add [NS:]FILE, or every .yar/.yara in DIR (repeatable)\n"
            "  --no-default-rules    do not load the bundled rules\n"
            "                        (from $VIGIL_RULES_DIR, else %s)\n"
            "  --db=FILE             use a database made by `vigil compile` instead of rules\n"
            "  -d, --define=VAR=VALUE  define an external variable (repeatable)\n"
            "  -s, --strings         show the matching strings under each detection\n"
            "      --json            one JSON object per line (detections, errors, summary)\n"
            "  -N, --no-follow-symlinks  do not follow symbolic links inside folders\n"
            "  -w, --no-warnings     do not print rule warnings\n"
            "  -q, --quiet           no summary and no skip warnings on stderr\n"
            "  -h, --help            show this help\n\n"
            "Exit status: 0 nothing found, 1 something found, 2 errors and nothing found.\n",
            VIGIL_DEFAULT_RULES_DIR);
}

static bool push(const char **list, int *n, const char *v, const char *what)
{
    if (*n >= MAX_LIST) {
        fprintf(stderr, "vigil scan: too many %s options (at most %d)\n", what, MAX_LIST);
        return false;
    }
    list[(*n)++] = v;
    return true;
}

/* Returns the index of the first operand, or -1 (exit 2), or -2 (help shown). */
static int parse(int argc, char **argv, scan_opts *o)
{
    enum { OPT_RULES = 256, OPT_NO_DEFAULT, OPT_DB, OPT_JSON };
    static const struct option longs[] = {
        {"rules", required_argument, NULL, OPT_RULES},
        {"no-default-rules", no_argument, NULL, OPT_NO_DEFAULT},
        {"db", required_argument, NULL, OPT_DB},
        {"define", required_argument, NULL, 'd'},
        {"strings", no_argument, NULL, 's'},
        {"json", no_argument, NULL, OPT_JSON},
        {"no-follow-symlinks", no_argument, NULL, 'N'},
        {"no-warnings", no_argument, NULL, 'w'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+d:sNwqh", longs, NULL)) != -1) {
        switch (c) {
        case OPT_RULES:
            if (!push(o->rules, &o->nrules, optarg, "--rules"))
                return -1;
            break;
        case OPT_NO_DEFAULT:
            o->no_default = true;
            break;
        case OPT_DB:
            o->db = optarg;
            break;
        case 'd':
            if (!push(o->defs, &o->ndefs, optarg, "-d"))
                return -1;
            break;
        case 's':
            o->rep.strings = true;
            break;
        case OPT_JSON:
            o->rep.json = true;
            break;
        case 'N':
            o->no_follow = true;
            break;
        case 'w':
            o->no_warnings = true;
            break;
        case 'q':
            o->rep.quiet = true;
            break;
        case 'h':
            usage(stdout);
            return -2;
        default:
            fprintf(stderr, "Try `vigil scan --help`.\n");
            return -1;
        }
    }
    return optind;
}

static const char *default_rules_dir(void)
{
    const char *env = getenv("VIGIL_RULES_DIR");
    return env && *env ? env : VIGIL_DEFAULT_RULES_DIR;
}

/* Builds the database from default + given rules, or loads --db. */
static bool load_rules(scan_opts *o, extvar *vars, int nvars, vigil_db **db)
{
    if (o->db) {
        if (o->nrules > 0) {
            fprintf(stderr, "vigil scan: --db cannot be combined with --rules\n");
            return false;
        }
        char err[256] = "";
        vigil_status st = vigil_db_load(o->db, db, err, sizeof(err));
        if (st != VIGIL_OK)
            fprintf(stderr, "vigil: %s: %s\n", o->db, *err ? err : vigil_status_str(st));
        return st == VIGIL_OK;
    }
    vigil_compiler *c = NULL;
    diag_sink sink = {.out = stderr, .show_warnings = !o->no_warnings};
    bool ok = false;
    int sources = 0;
    if (vigil_compiler_new(&c) != VIGIL_OK) {
        fprintf(stderr, "vigil: out of memory\n");
        return false;
    }
    vigil_compiler_set_warnings(c, !o->no_warnings);
    vigil_compiler_set_diag_callback(c, diag_print, &sink);
    for (int i = 0; i < nvars; i++) {
        if (extvar_define_compiler(c, &vars[i]) != VIGIL_OK) {
            fprintf(stderr, "vigil: -d %s: %s\n", vars[i].def, vigil_compiler_last_error(c));
            goto out;
        }
    }
    bool failed = false;
    if (!o->no_default) {
        const char *dir = default_rules_dir();
        struct stat st;
        errno = 0;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            failed |= rules_add_path(c, dir, NULL) != VIGIL_OK;
            sources++;
        } else if (o->nrules == 0) {
            fprintf(stderr, "vigil: default rules folder %s: %s\n", dir,
                    errno ? strerror(errno) : "not a folder");
            goto out;
        }
    }
    for (int i = 0; i < o->nrules; i++) {
        char *ns;
        const char *file;
        if (!rules_split_ns(o->rules[i], &ns, &file)) {
            fprintf(stderr, "vigil: out of memory\n");
            goto out;
        }
        failed |= rules_add_path(c, file, ns) != VIGIL_OK;
        free(ns);
        sources++;
    }
    if (sources == 0) {
        fprintf(stderr, "vigil scan: no rules (use --rules, --db, or drop --no-default-rules)\n");
        goto out;
    }
    if (failed || sink.errors > 0) {
        fprintf(stderr, "vigil: rules have %zu error(s); nothing scanned\n", sink.errors);
        goto out;
    }
    vigil_status st = vigil_compiler_build(c, db);
    if (st != VIGIL_OK) {
        fprintf(stderr, "vigil: %s\n", vigil_compiler_last_error(c));
        goto out;
    }
    if (vigil_db_rule_count(*db) == 0) {
        fprintf(stderr, "vigil scan: no rules loaded (the rules folders hold no rules)\n");
        vigil_db_free(*db);
        *db = NULL;
        goto out;
    }
    ok = true;
out:
    vigil_compiler_free(c);
    return ok;
}

static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *r, size_t str,
                             void *user)
{
    scan_ctx *ctx = user;
    if (ev == VIGIL_EV_RULE_MATCHING) {
        report_detection(&ctx->o->rep, s, ctx->path, r);
    } else if (ev == VIGIL_EV_TOO_MANY_MATCHES && !ctx->o->no_warnings && !ctx->o->rep.quiet) {
        char why[512];
        snprintf(why, sizeof(why), "rule %s: too many matches for %s, results may be incomplete",
                 vigil_rule_name(r), vigil_rule_string_id(r, str));
        fflush(stdout);
        fprintf(stderr, "vigil: %s: warning: %s\n", ctx->path, why);
    }
    return VIGIL_OK;
}

static bool on_file(const char *path, const struct stat *st, void *user)
{
    scan_ctx *ctx = user;
    report *rep = &ctx->o->rep;
    if ((uint64_t)st->st_size > SCAN_FILE_MAX) {
        report_warning(rep, path, "larger than 4 GiB, not scanned");
        return true;
    }
    ctx->path = path;
    vigil_status s = vigil_scanner_scan_file(ctx->scanner, path, on_event, ctx);
    if (s != VIGIL_OK) {
        const char *why = vigil_scanner_last_error(ctx->scanner);
        report_error(rep, path, why && *why ? why : vigil_status_str(s));
        return true;
    }
    rep->files++;
    rep->bytes += (uint64_t)st->st_size;
    return true;
}

static void on_skip(const char *path, const struct stat *st, const char *reason,
                    walk_skip_kind kind, void *user)
{
    (void)st;
    scan_ctx *ctx = user;
    if (kind == WALK_SKIP_ERROR)
        report_error(&ctx->o->rep, path, reason);
    else
        report_warning(&ctx->o->rep, path, reason);
}

int cmd_scan(int argc, char **argv)
{
    scan_opts o;
    memset(&o, 0, sizeof(o));
    int first = parse(argc, argv, &o);
    if (first == -2)
        return 0;
    if (first < 0)
        return 2;
    if (first >= argc) {
        fprintf(stderr, "vigil scan: no PATH given (try `vigil scan --help`)\n");
        return 2;
    }
    extvar vars[MAX_LIST];
    int nvars = 0;
    vigil_db *db = NULL;
    int rc = 2;
    for (int i = 0; i < o.ndefs; i++) {
        if (!extvar_parse(o.defs[i], false, &vars[nvars])) {
            fprintf(stderr, "vigil scan: -d %s: expected VAR=VALUE\n", o.defs[i]);
            goto out;
        }
        nvars++;
    }
    if (!load_rules(&o, vars, nvars, &db))
        goto out;
    scan_ctx ctx = {.o = &o};
    if (vigil_scanner_new(db, &ctx.scanner) != VIGIL_OK) {
        fprintf(stderr, "vigil: out of memory\n");
        goto out;
    }
    if (o.db) {
        for (int i = 0; i < nvars; i++) {
            const char *why;
            if (extvar_define_scanner(ctx.scanner, &vars[i], &why) != VIGIL_OK) {
                fprintf(stderr, "vigil: -d %s: %s\n", vars[i].def, why ? why : "rejected");
                vigil_scanner_free(ctx.scanner);
                goto out;
            }
        }
    }
    report_start(&o.rep);
    walk_opts wo = {.recursive = true, .follow_symlinks = !o.no_follow, .sorted = true};
    walk_cb cb = {.file = on_file, .skip = on_skip, .user = &ctx};
    for (int i = first; i < argc; i++)
        walk_path(argv[i], &wo, &cb);
    vigil_scanner_free(ctx.scanner);
    report_finish(&o.rep);
    rc = report_exit_code(&o.rep);
out:
    for (int i = 0; i < nvars; i++)
        extvar_free(&vars[i]);
    vigil_db_free(db);
    return rc;
}
