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
#include <unistd.h>

#include <vigil.h>

#include "cache.h"
#include "mapscan.h"
#include "cli.h"
#include "diag.h"
#include "extvars.h"
#include "pool.h"
#include "progress.h"
#include "report.h"
#include "rules.h"
#include "walk.h"

#ifndef VIGIL_DEFAULT_RULES_DIR
#define VIGIL_DEFAULT_RULES_DIR "/usr/share/vigil/rules"
#endif

#define MAX_LIST 256

typedef struct scan_opts {
    const char *rules[MAX_LIST];
    int nrules;
    const char *defs[MAX_LIST];
    int ndefs;
    const char *dbs[MAX_LIST]; /* --db: one compiled database, or ClamAV databases */
    int ndbs;
    const char *db; /* the compiled database, when dbs[0] is one */
    unsigned clamav_flags;
    bool no_default, no_follow, no_warnings, no_cache, progress;
    long threads; /* 0 = one per online core */
    report rep;
} scan_opts;

/* One per worker thread. */
typedef struct scan_worker {
    const scan_opts *o;
    vigil_scanner *scanner;
    const char *path; /* file being scanned */
    outbuf *ob;       /* its output */
    /* ClamAV signatures reported for this file: clamscan's passes over one
     * file (raw, normalised text ...) may find one again, but the native
     * output names a detection once per file, at its first pass */
    char **seen;
    size_t nseen, capseen;
} scan_worker;

static bool seen_before(scan_worker *w, const char *name)
{
    for (size_t i = 0; i < w->nseen; i++)
        if (strcmp(w->seen[i], name) == 0)
            return true;
    if (w->nseen == w->capseen) {
        size_t cap = w->capseen ? w->capseen * 2 : 8;
        char **n = realloc(w->seen, cap * sizeof(*n));
        if (!n)
            return false;
        w->seen = n;
        w->capseen = cap;
    }
    char *copy = strdup(name);
    if (copy)
        w->seen[w->nseen++] = copy;
    return false;
}

static void seen_reset(scan_worker *w)
{
    for (size_t i = 0; i < w->nseen; i++)
        free(w->seen[i]);
    w->nseen = 0;
}

/* The walker's side: it only queues files and reports what it skips. */
typedef struct walk_ctx {
    const scan_opts *o;
    pool *pool;
} walk_ctx;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigil scan [OPTION]... PATH...\n"
            "Scans files and folders (recursively) with the bundled rules and any given.\n\n"
            "  --rules=FILE|DIR      add [NS:]FILE, or every .yar/.yara in DIR (repeatable)\n"
            "  --no-default-rules    do not load the bundled rules\n"
            "                        (from $VIGIL_RULES_DIR, else %s)\n"
            "  --no-cache            always compile the rules (no $XDG_CACHE_HOME/vigil)\n"
            "  --db=PATH             a database made by `vigil compile`, used instead of\n"
            "                        rules; or a ClamAV database file or folder (.cvd .hdb\n"
            "                        .ndb .ldb ..., e.g. /var/lib/clamav), used with the\n"
            "                        rules (repeatable)\n"
            "      --detect-pua      also load ClamAV's PUA signatures (.?du)\n"
            "  -d, --define=VAR=VALUE  define an external variable (repeatable)\n"
            "  -s, --strings         show the matching strings under each detection\n"
            "      --json            one JSON object per line (detections, errors, summary)\n"
            "  -N, --no-follow-symlinks  do not follow symbolic links inside folders\n"
            "  -p, --threads=N       scan with N threads (default: one per online core)\n"
            "      --progress        show the progress line even when stderr is not a\n"
            "                        terminal, or with --quiet or --json\n"
            "  -w, --no-warnings     do not print rule warnings\n"
            "  -q, --quiet           no summary, no skip warnings, no progress line\n"
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
    enum { OPT_RULES = 256, OPT_NO_DEFAULT, OPT_DB, OPT_JSON, OPT_NO_CACHE, OPT_PROGRESS,
           OPT_PUA };
    static const struct option longs[] = {
        {"rules", required_argument, NULL, OPT_RULES},
        {"no-default-rules", no_argument, NULL, OPT_NO_DEFAULT},
        {"db", required_argument, NULL, OPT_DB},
        {"detect-pua", no_argument, NULL, OPT_PUA},
        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
        {"define", required_argument, NULL, 'd'},
        {"strings", no_argument, NULL, 's'},
        {"json", no_argument, NULL, OPT_JSON},
        {"no-follow-symlinks", no_argument, NULL, 'N'},
        {"threads", required_argument, NULL, 'p'},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"no-warnings", no_argument, NULL, 'w'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+d:sNp:wqh", longs, NULL)) != -1) {
        switch (c) {
        case OPT_RULES:
            if (!push(o->rules, &o->nrules, optarg, "--rules"))
                return -1;
            break;
        case OPT_NO_DEFAULT:
            o->no_default = true;
            break;
        case OPT_DB:
            if (!push(o->dbs, &o->ndbs, optarg, "--db"))
                return -1;
            break;
        case OPT_PUA:
            o->clamav_flags |= VIGIL_CLAMAV_PUA;
            break;
        case OPT_NO_CACHE:
            o->no_cache = true;
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
        case 'p': {
            char *end = NULL;
            errno = 0;
            o->threads = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end != '\0' || o->threads < 1 ||
                o->threads > POOL_MAX_WORKERS) {
                fprintf(stderr, "vigil scan: -p %s: expected a number of threads from 1 to %d\n",
                        optarg, POOL_MAX_WORKERS);
                return -1;
            }
            break;
        }
        case OPT_PROGRESS:
            o->progress = true;
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

/* Whether path is a database written by `vigil compile` (by its magic). */
static bool is_compiled_db(const char *path)
{
    char magic[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool yes = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
               memcmp(magic, "VIGILDB\x1a", 8) == 0;
    fclose(f);
    return yes;
}

/* Builds the database from default + given rules and ClamAV databases, or
 * loads a compiled --db. */
static bool load_rules(scan_opts *o, extvar *vars, int nvars, vigil_db **db)
{
    if (o->ndbs == 1 && is_compiled_db(o->dbs[0]))
        o->db = o->dbs[0];
    for (int i = 0; !o->db && i < o->ndbs; i++) {
        if (is_compiled_db(o->dbs[i])) {
            fprintf(stderr, "vigil scan: %s is a compiled database: it cannot be combined "
                            "with other --db\n", o->dbs[i]);
            return false;
        }
    }
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
    const char *ops[MAX_LIST + 1];
    size_t nops = 0;
    if (!o->no_default)
        ops[nops++] = default_rules_dir();
    for (int i = 0; i < o->nrules; i++)
        ops[nops++] = o->rules[i];
    cache_request rq = {.operands = ops, .noperands = nops, .defs = o->defs,
                        .ndefs = (size_t)o->ndefs, .variant = "scan",
                        .clamav = o->dbs, .nclamav = (size_t)o->ndbs,
                        .clamav_flags = o->clamav_flags,
                        .show_warnings = !o->no_warnings, .disabled = o->no_cache,
                        .quiet = o->rep.quiet};
    cache_entry *ce;
    if (cache_begin(&rq, db, &ce))
        return true;
    if (vigil_compiler_new(&c) != VIGIL_OK) {
        cache_end(ce, NULL);
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
        } else if (o->nrules == 0 && o->ndbs == 0) {
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
    for (int i = 0; i < o->ndbs; i++) {
        vigil_status cst = vigil_compiler_add_clamav(c, o->dbs[i], o->clamav_flags);
        failed |= cst != VIGIL_OK;
        if (cst != VIGIL_OK && cst != VIGIL_E_SYNTAX && cst != VIGIL_E_IO)
            fprintf(stderr, "vigil: %s\n", vigil_compiler_last_error(c));
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
    if (vigil_db_rule_count(*db) == 0 && vigil_db_clamav_signature_count(*db) == 0) {
        fprintf(stderr, "vigil scan: no rules loaded (the rules folders hold no rules)\n");
        vigil_db_free(*db);
        *db = NULL;
        goto out;
    }
    ok = true;
out:
    cache_end(ce, ok ? *db : NULL);
    vigil_compiler_free(c);
    return ok;
}

static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *r, size_t str,
                             void *user)
{
    scan_worker *w = user;
    if (ev == VIGIL_EV_RULE_MATCHING) {
        const char *ns = vigil_rule_namespace(r);
        if (ns && strcmp(ns, "clamav") == 0 && seen_before(w, vigil_rule_name(r)))
            return VIGIL_OK;
        report_detection(&w->o->rep, w->ob, s, w->path, r);
    } else if (ev == VIGIL_EV_TOO_MANY_MATCHES && !w->o->no_warnings && !w->o->rep.quiet) {
        fprintf(ob_err(w->ob),
                "vigil: %s: warning: rule %s: too many matches for %s, results may be "
                "incomplete\n",
                w->path, vigil_rule_name(r), vigil_rule_string_id(r, str));
    }
    return VIGIL_OK;
}

/* A pool_scan_fn: runs on a worker thread. */
static void scan_one(void *ctx, const char *path, const struct stat *st, outbuf *ob)
{
    scan_worker *w = ctx;
    const report *rep = &w->o->rep;
    w->path = path;
    w->ob = ob;
    seen_reset(w);
    char why[512];
    vigil_status s = mapscan_file(w->scanner, path, on_event, w, why, sizeof(why));
    if (s != VIGIL_OK) {
        report_error(rep, ob, path, *why ? why : vigil_status_str(s));
        return;
    }
    ob->n.files++;
    ob->n.bytes += (uint64_t)st->st_size;
}

static bool on_file(const char *path, const struct stat *st, void *user)
{
    walk_ctx *ctx = user;
    pool_file(ctx->pool, path, st);
    return true;
}

static void on_skip(const char *path, const struct stat *st, const char *reason,
                    walk_skip_kind kind, void *user)
{
    (void)st;
    walk_ctx *ctx = user;
    outbuf ob;
    ob_init(&ob, NULL, NULL);
    if (kind == WALK_SKIP_ERROR)
        report_error(&ctx->o->rep, &ob, path, reason);
    else
        report_warning(&ctx->o->rep, &ob, path, reason);
    pool_message(ctx->pool, &ob);
}

static long default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > POOL_MAX_WORKERS ? POOL_MAX_WORKERS : n;
}

/* Makes one scanner per worker; false after printing why. */
static bool make_scanners(const scan_opts *o, const vigil_db *db, const extvar *vars, int nvars,
                          scan_worker *w, int n)
{
    for (int k = 0; k < n; k++) {
        w[k].o = o;
        if (vigil_scanner_new(db, &w[k].scanner) != VIGIL_OK) {
            fprintf(stderr, "vigil: out of memory\n");
            return false;
        }
        if (!o->db)
            continue;
        for (int i = 0; i < nvars; i++) {
            const char *why;
            if (extvar_define_scanner(w[k].scanner, &vars[i], &why) != VIGIL_OK) {
                fprintf(stderr, "vigil: -d %s: %s\n", vars[i].def, why ? why : "rejected");
                return false;
            }
        }
    }
    return true;
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
    int nworkers = (int)(o.threads > 0 ? o.threads : default_threads());
    scan_worker *workers = calloc((size_t)nworkers, sizeof(*workers));
    void **ctxs = calloc((size_t)nworkers, sizeof(*ctxs));
    if (!workers || !ctxs) {
        fprintf(stderr, "vigil: out of memory\n");
        goto out;
    }
    for (int i = 0; i < o.ndefs; i++) {
        if (!extvar_parse(o.defs[i], false, &vars[nvars])) {
            fprintf(stderr, "vigil scan: -d %s: expected VAR=VALUE\n", o.defs[i]);
            goto out;
        }
        nvars++;
    }
    if (!load_rules(&o, vars, nvars, &db))
        goto out;
    if (!make_scanners(&o, db, vars, nvars, workers, nworkers))
        goto out;
    for (int i = 0; i < nworkers; i++)
        ctxs[i] = &workers[i];

    progress pr;
    progress_init(&pr, o.progress || (isatty(STDERR_FILENO) && !o.rep.quiet && !o.rep.json));
    pool_cfg pc = {.workers = nworkers, .worker_ctx = ctxs, .scan = scan_one, .progress = &pr};
    walk_ctx wc = {.o = &o};
    if (!pool_start(&pc, &wc.pool)) {
        fprintf(stderr, "vigil: could not start %d scanning threads\n", nworkers);
        goto out;
    }
    report_start(&o.rep);
    walk_opts wo = {.recursive = true, .follow_symlinks = !o.no_follow, .sorted = true};
    walk_cb cb = {.file = on_file, .skip = on_skip, .user = &wc};
    for (int i = first; i < argc; i++)
        walk_path(argv[i], &wo, &cb);
    pool_finish(wc.pool, &o.rep.n);
    report_finish(&o.rep);
    rc = report_exit_code(&o.rep);
out:
    for (int i = 0; workers && i < nworkers; i++) {
        vigil_scanner_free(workers[i].scanner);
        seen_reset(&workers[i]);
        free(workers[i].seen);
    }
    free(workers);
    free(ctxs);
    for (int i = 0; i < nvars; i++)
        extvar_free(&vars[i]);
    vigil_db_free(db);
    return rc;
}
