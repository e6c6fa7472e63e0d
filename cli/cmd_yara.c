/*
 * cmd_yara.c - `vigil yara`, a drop-in for the yara 4.2.3 command line:
 * same options (parsed by args.c with yara's quirks), same stdout lines byte
 * for byte, same exit codes. It only translates options and formats output;
 * compile errors use vigil's gcc-style diagnostics (diag.c).
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vigil.h>

#include "args.h"
#include "cache.h"
#include "mapscan.h"
#include "moddata.h"
#include "cli.h"
#include "diag.h"
#include "escape.h"
#include "extvars.h"
#include "outbuf.h"
#include "pool.h"
#include "rules.h"
#include "walk.h"

#define MAX_MULTI 32      /* yara's limit on repeated -d/-t/-i/-x */
#define MAX_THREADS 32    /* YR_MAX_THREADS */
#define USAGE "Usage: yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR | PID"

typedef struct yopts {
    const char *tags[MAX_MULTI + 1];
    const char *idents[MAX_MULTI + 1];
    const char *defs[MAX_MULTI + 1];
    const char *modules[MAX_MULTI + 1];
    const char *atom_table[2];
    bool no_follow, recursive, scan_list, show_module_data, show_tags, show_stats,
        show_strings, show_lengths, show_meta, show_ns, show_version, show_help,
        no_warnings, fast, negate, count_only, fail_on_warnings, compiled, no_cache;
    long limit, timeout, stack_size, skip_larger, threads, max_strings, max_chunk;
} yopts;

/* What all scanning threads share. */
typedef struct yshared {
    const yopts *o;
    time_t deadline;   /* of the whole run (-a) */
    atomic_long total; /* rules matched so far in all threads, for -l */
} yshared;

/* One per scanning thread. */
typedef struct yscan {
    const yopts *o;
    yshared *sh;
    vigil_scanner *scanner;
    const char *path;    /* object being scanned, as printed */
    long current;        /* rules matched in this object */
    bool callback_error; /* --fail-on-warnings stopped the scan */
    outbuf *ob;          /* where this object's output goes */
} yscan;

/* The walker's side of a directory or list scan. */
typedef struct ywalk {
    yshared *sh;
    pool *pool;
} ywalk;

static void init_options(yopts *o, arg_opt *t)
{
    memset(o, 0, sizeof(*o));
    o->timeout = 1000000;
    o->stack_size = 16384;
    o->threads = MAX_THREADS;
    o->max_strings = 10000;
    o->max_chunk = 1073741824L;
    const arg_opt table[] = {
        {ARG_STRING, 0, "atom-quality-table", o->atom_table, 1,
         "path to a file with the atom quality table", "FILE", 0},
        {ARG_BOOL, 'C', "compiled-rules", &o->compiled, 1, "load compiled rules", NULL, 0},
        {ARG_BOOL, 'c', "count", &o->count_only, 1, "print only number of matches", NULL, 0},
        {ARG_STRING, 'd', "define", o->defs, MAX_MULTI, "define external variable",
         "VAR=VALUE", 0},
        {ARG_BOOL, 0, "fail-on-warnings", &o->fail_on_warnings, 1, "fail on warnings", NULL,
         0},
        {ARG_BOOL, 'f', "fast-scan", &o->fast, 1, "fast matching mode", NULL, 0},
        {ARG_BOOL, 'h', "help", &o->show_help, 1, "show this help and exit", NULL, 0},
        {ARG_STRING, 'i', "identifier", o->idents, MAX_MULTI,
         "print only rules named IDENTIFIER", "IDENTIFIER", 0},
        {ARG_INT, 0, "max-process-memory-chunk", &o->max_chunk, 1,
         "set maximum chunk size while reading process memory (default=1073741824)",
         "NUMBER", 0},
        {ARG_INT, 'l', "max-rules", &o->limit, 1,
         "abort scanning after matching a NUMBER of rules", "NUMBER", 0},
        {ARG_INT, 0, "max-strings-per-rule", &o->max_strings, 1,
         "set maximum number of strings per rule (default=10000)", "NUMBER", 0},
        {ARG_STRING, 'x', "module-data", o->modules, MAX_MULTI,
         "pass FILE's content as extra data to MODULE", "MODULE=FILE", 0},
        {ARG_BOOL, 'n', "negate", &o->negate, 1, "print only not satisfied rules (negate)",
         NULL, 0},
        {ARG_BOOL, 0, "no-cache", &o->no_cache, 1,
         "always compile the rules (vigil: do not use ~/.cache/vigil)", NULL, 0},
        {ARG_BOOL, 'N', "no-follow-symlinks", &o->no_follow, 1,
         "do not follow symlinks when scanning", NULL, 0},
        {ARG_BOOL, 'w', "no-warnings", &o->no_warnings, 1, "disable warnings", NULL, 0},
        {ARG_BOOL, 'm', "print-meta", &o->show_meta, 1, "print metadata", NULL, 0},
        {ARG_BOOL, 'D', "print-module-data", &o->show_module_data, 1, "print module data",
         NULL, 0},
        {ARG_BOOL, 'e', "print-namespace", &o->show_ns, 1, "print rules' namespace", NULL, 0},
        {ARG_BOOL, 'S', "print-stats", &o->show_stats, 1, "print rules' statistics", NULL, 0},
        {ARG_BOOL, 's', "print-strings", &o->show_strings, 1, "print matching strings", NULL,
         0},
        {ARG_BOOL, 'L', "print-string-length", &o->show_lengths, 1,
         "print length of matched strings", NULL, 0},
        {ARG_BOOL, 'g', "print-tags", &o->show_tags, 1, "print tags", NULL, 0},
        {ARG_BOOL, 'r', "recursive", &o->recursive, 1, "recursively search directories", NULL,
         0},
        {ARG_BOOL, 0, "scan-list", &o->scan_list, 1, "scan files listed in FILE, one per line",
         NULL, 0},
        {ARG_INT, 'z', "skip-larger", &o->skip_larger, 1,
         "skip files larger than the given size when scanning a directory", "NUMBER", 0},
        {ARG_INT, 'k', "stack-size", &o->stack_size, 1, "set maximum stack size (default=16384)",
         "SLOTS", 0},
        {ARG_STRING, 't', "tag", o->tags, MAX_MULTI, "print only rules tagged as TAG", "TAG",
         0},
        {ARG_INT, 'p', "threads", &o->threads, 1,
         "use the specified NUMBER of threads to scan a directory", "NUMBER", 0},
        {ARG_INT, 'a', "timeout", &o->timeout, 1,
         "abort scanning after the given number of SECONDS", "SECONDS", 0},
        {ARG_BOOL, 'v', "version", &o->show_version, 1, "show version information", NULL, 0},
        {ARG_END, 0, NULL, NULL, 0, NULL, NULL, 0},
    };
    memcpy(t, table, sizeof(table));
}

/* ---- output of one rule, exactly as yara's handle_message ---- */

static bool rule_selected(const yopts *o, const vigil_rule *r)
{
    bool show = true;
    if (o->tags[0]) {
        show = false;
        for (int i = 0; !show && o->tags[i]; i++) {
            for (size_t k = 0; k < vigil_rule_tag_count(r); k++) {
                if (strcmp(vigil_rule_tag(r, k), o->tags[i]) == 0) {
                    show = true;
                    break;
                }
            }
        }
    }
    if (o->idents[0]) {
        show = false;
        for (int i = 0; !show && o->idents[i]; i++)
            show = strcmp(o->idents[i], vigil_rule_name(r)) == 0;
    }
    return show;
}

static void print_meta(FILE *out, const vigil_rule *r)
{
    fputc('[', out);
    for (size_t i = 0; i < vigil_rule_meta_count(r); i++) {
        vigil_meta m = vigil_rule_meta(r, i);
        if (i > 0)
            fputc(',', out);
        if (m.type == VIGIL_META_INT) {
            /* yara prints "name =value" for integers (sic). */
            fprintf(out, "%s =%" PRId64, m.name, m.i);
        } else if (m.type == VIGIL_META_BOOL) {
            fprintf(out, "%s=%s", m.name, m.i ? "true" : "false");
        } else {
            fprintf(out, "%s=\"", m.name);
            /* yara stops at the first NUL (it uses strlen). */
            esc_print_meta(out, (const uint8_t *)m.s, m.s ? strlen(m.s) : 0);
            fputc('"', out);
        }
    }
    fputs("] ", out);
}

static void print_strings(const yscan *y, const vigil_rule *r)
{
    const yopts *o = y->o;
    for (size_t i = 0; i < vigil_rule_string_count(r); i++) {
        if (vigil_rule_string_is_private(r, i))
            continue;
        const char *id = vigil_rule_string_id(r, i);
        bool hex = cli_string_is_hex(r, i);
        size_t n = vigil_scanner_match_count(y->scanner, r, i);
        for (size_t k = 0; k < n; k++) {
            vigil_match m = vigil_scanner_match(y->scanner, r, i, k);
            FILE *out = ob_out(y->ob);
            if (o->show_lengths)
                fprintf(out, "0x%" PRIx64 ":%" PRIu32 ":%s", m.offset, m.data_len, id); /* yara -L: the printed length, at most 512 */
            else
                fprintf(out, "0x%" PRIx64 ":%s", m.offset, id);
            if (o->show_strings) {
                fputs(": ", out);
                if (hex)
                    esc_print_hex(out, m.data, m.data_len);
                else
                    esc_print_string(out, m.data, m.data_len);
            }
            fputc('\n', out);
            ob_check(y->ob);
        }
    }
}

static vigil_status on_rule(yscan *y, vigil_event ev, const vigil_rule *r)
{
    const yopts *o = y->o;
    bool matching = ev == VIGIL_EV_RULE_MATCHING;
    bool show = rule_selected(o, r) && (matching != o->negate);
    if (show && !o->count_only) {
        FILE *out = ob_out(y->ob);
        if (o->show_ns)
            fprintf(out, "%s:", vigil_rule_namespace(r));
        fprintf(out, "%s ", vigil_rule_name(r));
        if (o->show_tags) {
            fputc('[', out);
            for (size_t i = 0; i < vigil_rule_tag_count(r); i++)
                fprintf(out, "%s%s", i ? "," : "", vigil_rule_tag(r, i));
            fputs("] ", out);
        }
        if (o->show_meta)
            print_meta(out, r);
        fprintf(out, "%s\n", y->path);
        ob_check(y->ob);
        if (o->show_strings || o->show_lengths)
            print_strings(y, r);
    }
    if (matching) {
        y->current++;
        atomic_fetch_add(&y->sh->total, 1);
    }
    /* As yara: once the limit is reached every further message stops the
     * scan, in every thread, which is why not-matching rules are always
     * reported to us. */
    if (o->limit != 0 && atomic_load(&y->sh->total) >= o->limit)
        return VIGIL_E_ABORTED;
    return VIGIL_OK;
}

/* console.log: yara prints each message on its own line on stdout; here in
 * the file's output block, so threads never interleave it. */
static void print_log(const char *msg, size_t len, void *user)
{
    yscan *y = user;
    FILE *out = ob_out(y->ob);
    fwrite(msg, 1, len, out);
    fputc('\n', out);
    ob_check(y->ob);
}

static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *r, size_t str,
                             void *user)
{
    yscan *y = user;
    if (ev == VIGIL_EV_MODULE_DATA) {
        /* yara -D: the module's block, whatever the rules say */
        vigil_scanner_visit_module(s, str, moddata_print_yara, ob_out(y->ob));
        ob_check(y->ob);
        return VIGIL_OK;
    }
    if (ev != VIGIL_EV_TOO_MANY_MATCHES)
        return on_rule(y, ev, r);
    if (y->o->no_warnings)
        return VIGIL_OK;
    fprintf(ob_err(y->ob),
            "warning: rule \"%s\": too many matches for %s, results for this rule may be "
            "incorrect\n",
            vigil_rule_name(r), vigil_rule_string_id(r, str));
    if (y->o->fail_on_warnings) {
        y->callback_error = true;
        return VIGIL_E_ABORTED;
    }
    return VIGIL_OK;
}

/* Scans one file; false after printing "error scanning ...". In directory
 * mode -c prints "PATH: N" even for a failed file, as yara's threads do. */
static bool scan_one(yscan *y, const char *path, bool dir_mode)
{
    y->path = path;
    y->current = 0;
    y->callback_error = false;
    time_t now = time(NULL);
    if (dir_mode && now >= y->sh->deadline)
        return false;
    long left = (long)(y->sh->deadline - now);
    vigil_scanner_set_timeout(y->scanner, dir_mode ? (unsigned)left : (unsigned)y->o->timeout);
    vigil_status st;
    struct stat sb;
    char mwhy[512] = "";
    if (!dir_mode && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
        /* yara maps a named device or FIFO by its stat size, which is 0: it
         * scans it as an empty file and never reads from it. */
        st = vigil_scanner_scan_mem(y->scanner, NULL, 0, on_event, y);
    } else {
        st = mapscan_file(y->scanner, path, on_event, y, mwhy, sizeof(mwhy));
    }
    if (st == VIGIL_E_ABORTED && !y->callback_error)
        st = VIGIL_OK;
    if (dir_mode && y->o->count_only)
        fprintf(ob_out(y->ob), "%s: %ld\n", path, y->current);
    if (st != VIGIL_OK) {
        const char *why = y->callback_error    ? "callback error (--fail-on-warnings)"
                          : st == VIGIL_E_TIMEOUT ? "scanning timed out"
                          : *mwhy                 ? mwhy
                                                  : vigil_scanner_last_error(y->scanner);
        fprintf(ob_err(y->ob), "error scanning %s: %s\n", path,
                why && *why ? why : vigil_status_str(st));
        return false;
    }
    if (!dir_mode && y->o->count_only)
        fprintf(ob_out(y->ob), "%ld\n", y->current);
    return true;
}

/* ---- directory and scan-list walking ---- */

/* A pool_scan_fn: one file of a directory or list, on a worker thread. */
static void pool_scan(void *ctx, const char *path, const struct stat *st, outbuf *ob)
{
    (void)st;
    yscan *y = ctx;
    y->ob = ob;
    scan_one(y, path, true);
}

static bool walk_file(const char *path, const struct stat *st, void *user)
{
    ywalk *w = user;
    if (time(NULL) >= w->sh->deadline)
        return false;
    pool_file(w->pool, path, st);
    return true;
}

static void walk_skip(const char *path, const struct stat *st, const char *reason,
                      walk_skip_kind kind, void *user)
{
    ywalk *w = user;
    (void)reason;
    if (kind == WALK_SKIP_LARGE && st) {
        outbuf ob;
        ob_init(&ob, NULL, NULL);
        fprintf(ob_err(&ob),
                "skipping %s (%" PRId64 " bytes) because it's larger than %ld bytes.\n", path,
                (int64_t)st->st_size, w->sh->o->skip_larger);
        pool_message(w->pool, &ob);
    }
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void scan_dir(ywalk *w, const char *dir)
{
    const yopts *o = w->sh->o;
    walk_opts wo = {.recursive = o->recursive,
                    .follow_symlinks = !o->no_follow,
                    .sorted = false,
                    .yara_compat = true,
                    .skip_larger = o->skip_larger > 0 ? (uint64_t)o->skip_larger : 0};
    walk_cb cb = {.file = walk_file, .skip = walk_skip, .user = w};
    walk_path(dir, &wo, &cb);
}

static bool scan_list(ywalk *w, const char *list)
{
    FILE *f = fopen(list, "r");
    if (!f) {
        fprintf(stderr, "error: could not open file \"%s\".\n", list);
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (time(NULL) < w->sh->deadline && (n = getline(&line, &cap, f)) != -1) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (is_directory(line))
            scan_dir(w, line);
        else
            pool_file(w->pool, line, NULL);
    }
    free(line);
    fclose(f);
    return true;
}

/* Scans a directory or a --scan-list with a pool of -p threads, as yara
 * does; yara's -p 0 starts no thread and so scans nothing. Returns the exit
 * status. */
static int scan_many(yshared *sh, yscan *ys, int n, const char *target, bool list)
{
    void *ctxs[MAX_THREADS];
    for (int i = 0; i < n; i++)
        ctxs[i] = &ys[i];
    pool_cfg pc = {.workers = n, .worker_ctx = ctxs, .scan = pool_scan, .progress = NULL};
    ywalk w = {.sh = sh};
    if (!pool_start(&pc, &w.pool)) {
        fprintf(stderr, "error: could not create thread\n");
        return 1;
    }
    int rc = 0;
    if (list)
        rc = scan_list(&w, target) ? 0 : 1;
    else
        scan_dir(&w, target);
    ob_counts ignored;
    pool_finish(w.pool, &ignored);
    return rc;
}

/* ---- rules ---- */

/* Checks -x MODULE=FILE arguments the way yara does; vigil has no module
 * data input yet, so the files are only checked for readability. */
static bool check_module_data(const yopts *o)
{
    for (int i = 0; o->modules[i]; i++) {
        const char *eq = strchr(o->modules[i], '=');
        if (!eq) {
            fprintf(stderr, "error: wrong syntax for `-x` option.\n");
            return false;
        }
        FILE *f = fopen(eq + 1, "rb");
        if (!f) {
            fprintf(stderr, "error: could not open file \"%s\".\n", eq + 1);
            return false;
        }
        fclose(f);
    }
    return true;
}

/* Parses every -d; yara stops at the first malformed one but goes on. */
static int parse_defs(const yopts *o, extvar *vars)
{
    int n = 0;
    for (int i = 0; o->defs[i]; i++) {
        if (!extvar_parse(o->defs[i], true, &vars[n])) {
            fprintf(stderr, "error: wrong syntax for `-d` option.\n");
            break;
        }
        for (int k = 0; k < n; k++) {
            if (strcmp(vars[k].name, vars[n].name) == 0) {
                fprintf(stderr, "error: external variable \"%s\" defined twice\n",
                        vars[n].name);
                extvar_free(&vars[n]);
                return -1;
            }
        }
        n++;
    }
    return n;
}

static bool compile_sources(const yopts *o, int nfiles, char **files, const extvar *vars,
                            int nvars, vigil_db **db)
{
    vigil_compiler *c = NULL;
    diag_sink sink = {.out = stderr, .show_warnings = !o->no_warnings};
    bool ok = false;
    char variant[64];
    snprintf(variant, sizeof(variant), "yara fail-on-warnings=%d max-strings=%ld",
             o->fail_on_warnings, o->max_strings);
    cache_request rq = {.operands = (const char *const *)files, .noperands = (size_t)nfiles,
                        .defs = o->defs, .ndefs = (size_t)nvars, .variant = variant,
                        .show_warnings = !o->no_warnings, .disabled = o->no_cache};
    cache_entry *ce;
    if (cache_begin(&rq, db, &ce))
        return true;
    if (vigil_compiler_new(&c) != VIGIL_OK) {
        cache_end(ce, NULL);
        fprintf(stderr, "error: not enough memory\n");
        return false;
    }
    vigil_compiler_set_warnings(c, !o->no_warnings);
    vigil_compiler_set_diag_callback(c, diag_print, &sink);
    for (int i = 0; i < nvars; i++) {
        if (extvar_define_compiler(c, &vars[i]) != VIGIL_OK) {
            fprintf(stderr, "error: %s\n", vigil_compiler_last_error(c));
            goto out;
        }
    }
    for (int i = 0; i < nfiles; i++) {
        char *ns;
        const char *file;
        if (!rules_split_ns(files[i], &ns, &file)) {
            fprintf(stderr, "error: not enough memory\n");
            goto out;
        }
        vigil_status st = rules_add_file(c, file, ns);
        free(ns);
        /* yara stops at the first file with errors. */
        if (st != VIGIL_OK || sink.errors > 0)
            goto out;
    }
    if (o->fail_on_warnings && !o->no_warnings && sink.warnings > 0)
        goto out;
    vigil_status st = vigil_compiler_build(c, db);
    if (st != VIGIL_OK) {
        fprintf(stderr, "error: %s\n", vigil_compiler_last_error(c));
        goto out;
    }
    ok = true;
out:
    cache_end(ce, ok ? *db : NULL);
    vigil_compiler_free(c);
    return ok;
}

static bool load_compiled(const char *path, vigil_db **db)
{
    char err[256] = "";
    vigil_status st = vigil_db_load(path, db, err, sizeof(err));
    if (st != VIGIL_OK) {
        fprintf(stderr, "error: %s: %s\n", path, *err ? err : vigil_status_str(st));
        return false;
    }
    return true;
}

/* One scanner per thread, each with -d values (-C) and the scan flags;
 * false after printing why. */
static bool make_scanners(const yopts *o, const vigil_db *db, const extvar *vars, int nvars,
                          yscan *ys, int n)
{
    for (int k = 0; k < n; k++) {
        if (vigil_scanner_new(db, &ys[k].scanner) != VIGIL_OK) {
            fprintf(stderr, "error: not enough memory\n");
            return false;
        }
        if (o->compiled) {
            for (int i = 0; i < nvars; i++) {
                const char *why;
                if (extvar_define_scanner(ys[k].scanner, &vars[i], &why) != VIGIL_OK) {
                    fprintf(stderr, "error: %s\n",
                            why && *why ? why : "invalid external variable");
                    return false;
                }
            }
        }
        /* Not-matching rules are always reported: yara's -l check runs on
         * them too, and -n needs them. */
        vigil_scanner_set_flags(ys[k].scanner,
                                VIGIL_SCAN_REPORT_NOT_MATCHING | (o->fast ? VIGIL_SCAN_FAST : 0u) |
                                    (o->show_module_data ? VIGIL_SCAN_MODULE_DATA : 0u));
        vigil_scanner_set_log_callback(ys[k].scanner, print_log, &ys[k]);
    }
    return true;
}

static void print_help(arg_opt *table)
{
    printf("vigil yara: YARA %s compatible command line (vigil %s).\n%s\n\n"
           "Mandatory arguments to long options are mandatory for short options too.\n\n",
           VIGIL_YARA_COMPAT, VIGIL_VERSION_STRING, USAGE);
    args_usage(stdout, table, 43);
    printf("\n-S, -k, -D, -x, --atom-quality-table and --max-process-memory-chunk are "
           "accepted\nfor compatibility and have no effect; process scanning (PID) is not "
           "supported.\n");
}

int cmd_yara(int argc, char **argv)
{
    yopts o;
    arg_opt table[40];
    extvar vars[MAX_MULTI + 1];
    int nvars = 0;
    vigil_db *db = NULL;
    int rc = 1;

    init_options(&o, table);
    argc = args_parse(table, argc, argv);
    if (argc < 0)
        return 1;
    if (o.show_version) {
        printf("%s (vigil %s)\n", VIGIL_YARA_COMPAT, VIGIL_VERSION_STRING);
        return 0;
    }
    if (o.show_help) {
        print_help(table);
        return 0;
    }
    if (o.timeout < 0)
        o.timeout = 0;
    if (o.threads > MAX_THREADS) {
        fprintf(stderr, "maximum number of threads is %d\n", MAX_THREADS);
        return 1;
    }
    if (argc < 2) {
        fprintf(stderr, "yara: wrong number of arguments\n%s\n\nTry `--help` for more options\n",
                USAGE);
        return 1;
    }
    if (!check_module_data(&o))
        return 1;
    nvars = parse_defs(&o, vars);
    if (nvars < 0) {
        nvars = 0;
        goto out;
    }
    if (o.compiled) {
        if (argc != 2) {
            fprintf(stderr, "error: can't accept multiple rules files if one of them is in "
                            "compiled form.\n");
            goto out;
        }
        if (!load_compiled(argv[0], &db))
            goto out;
    } else if (!compile_sources(&o, argc - 1, argv, vars, nvars, &db)) {
        goto out;
    }

    const char *target = argv[argc - 1];
    bool is_dir = is_directory(target);
    if (o.scan_list && is_dir) {
        fprintf(stderr, "error: cannot use a directory as scan list.\n");
        goto out;
    }
    bool many = o.scan_list || is_dir;
    int nscan = many ? (o.threads > 0 ? (int)o.threads : 0) : 1;
    yshared sh = {.o = &o, .deadline = time(NULL) + o.timeout};
    atomic_init(&sh.total, 0);
    yscan ys[MAX_THREADS];
    memset(ys, 0, sizeof(ys));
    for (int k = 0; k < nscan; k++) {
        ys[k].o = &o;
        ys[k].sh = &sh;
    }
    if (!make_scanners(&o, db, vars, nvars, ys, nscan))
        goto free_scanners;
    if (many) {
        rc = scan_many(&sh, ys, nscan, target, o.scan_list);
    } else {
        outbuf ob;
        ob_init(&ob, ob_spill_direct, NULL);
        ys[0].ob = &ob;
        rc = scan_one(&ys[0], target, false) ? 0 : 1;
        ob_flush_direct(&ob);
        ob_free(&ob);
    }
free_scanners:
    for (int k = 0; k < nscan; k++)
        vigil_scanner_free(ys[k].scanner);
out:
    for (int i = 0; i < nvars; i++)
        extvar_free(&vars[i]);
    vigil_db_free(db);
    fflush(stdout);
    return rc;
}
