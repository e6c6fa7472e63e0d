/*
 * clamscan_opts.c - see clamscan_opts.h. getopt_long permutes operands and
 * options as clamscan's parser does ("clamscan DIR -r" recurses); the
 * messages after a refused option are clamscan's two ERROR lines, so
 * scripts that look for them keep working.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vigil.h>

#include "clamscan_opts.h"

enum {
    OPT_NO_SUMMARY = 256,
    OPT_REMOVE,
    OPT_MOVE,
    OPT_COPY,
    OPT_EXCLUDE,
    OPT_INCLUDE,
    OPT_EXCLUDE_DIR,
    OPT_INCLUDE_DIR,
    OPT_DETECT_PUA,
    OPT_MAX_FILESIZE,
    OPT_MAX_SCANSIZE,
    OPT_MAX_FILES,
    OPT_MAX_RECURSION,
    OPT_BELL,
    OPT_STDOUT,
    OPT_JSON,
    OPT_CVD_KEY,
    OPT_SKIP_BAD,
    OPT_NO_CACHE,
    OPT_PROGRESS,
    OPT_SCAN_UNPACKED, /* --scan-archive and the others vigil does not unpack yet */
};

static const struct option longs[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"verbose", no_argument, NULL, 'v'},
    {"database", required_argument, NULL, 'd'},
    {"recursive", optional_argument, NULL, 'r'},
    {"infected", no_argument, NULL, 'i'},
    {"suppress-ok-results", no_argument, NULL, 'o'},
    {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
    {"allmatch", optional_argument, NULL, 'z'},
    {"log", required_argument, NULL, 'l'},
    {"remove", optional_argument, NULL, OPT_REMOVE},
    {"move", required_argument, NULL, OPT_MOVE},
    {"copy", required_argument, NULL, OPT_COPY},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"exclude-dir", required_argument, NULL, OPT_EXCLUDE_DIR},
    {"include-dir", required_argument, NULL, OPT_INCLUDE_DIR},
    {"detect-pua", optional_argument, NULL, OPT_DETECT_PUA},
    {"max-filesize", required_argument, NULL, OPT_MAX_FILESIZE},
    {"max-scansize", required_argument, NULL, OPT_MAX_SCANSIZE},
    {"max-files", required_argument, NULL, OPT_MAX_FILES},
    {"max-recursion", required_argument, NULL, OPT_MAX_RECURSION},
    {"bell", no_argument, NULL, OPT_BELL},
    {"stdout", no_argument, NULL, OPT_STDOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"cvd-public-key", required_argument, NULL, OPT_CVD_KEY},
    {"skip-bad-lines", no_argument, NULL, OPT_SKIP_BAD},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"file-list", required_argument, NULL, 'f'},
    {"scan-archive", optional_argument, NULL, OPT_SCAN_UNPACKED},
    {"scan-ole2", optional_argument, NULL, OPT_SCAN_UNPACKED},
    {"scan-pdf", optional_argument, NULL, OPT_SCAN_UNPACKED},
    {"scan-swf", optional_argument, NULL, OPT_SCAN_UNPACKED},
    {"scan-xmldocs", optional_argument, NULL, OPT_SCAN_UNPACKED},
    {"scan-hwp3", optional_argument, NULL, OPT_SCAN_UNPACKED},
    {"scan-onenote", optional_argument, NULL, OPT_SCAN_UNPACKED},
    {NULL, 0, NULL, 0},
};

static void usage(void)
{
    printf("Usage: vigil clamscan [OPTION]... [FILE|DIRECTORY|-]...\n"
           "Scans like clamscan %s, with ClamAV databases compiled by vigil.\n\n"
           "  -h, --help                 show this help\n"
           "  -V, --version              print the version\n"
           "  -v, --verbose              say which file is being scanned\n"
           "  -d, --database=FILE/DIR    load a database file, or every database file of DIR\n"
           "                             (repeatable; default /var/lib/clamav)\n"
           "  -f, --file-list=FILE       scan the paths listed in FILE, one per line\n"
           "                             (instead of those on the command line)\n"
           "  -r, --recursive[=yes/no]   scan subdirectories\n"
           "  -i, --infected             only print infected files\n"
           "  -o, --suppress-ok-results  do not print OK files\n"
           "      --no-summary           no summary at the end\n"
           "  -z, --allmatch[=yes/no]    report every signature that matches a file\n"
           "  -l, --log=FILE             also append the report to FILE\n"
           "      --remove[=yes/no]      remove infected files\n"
           "      --move=DIRECTORY       move infected files into DIRECTORY\n"
           "      --copy=DIRECTORY       copy infected files into DIRECTORY\n"
           "      --exclude=REGEX        do not scan files whose path matches REGEX\n"
           "      --include=REGEX        only scan files whose path matches REGEX\n"
           "      --exclude-dir=REGEX    do not scan folders whose path matches REGEX\n"
           "      --include-dir=REGEX    only scan folders whose path matches REGEX\n"
           "      --detect-pua[=yes/no]  also load PUA databases (.hdu .ndu .ldu ...)\n"
           "      --max-filesize=#n      larger files are not scanned and count as clean\n"
           "                             (default 100M; K and M suffixes; 0: no limit)\n"
           "      --max-scansize=#n      the same for the data scanned (default 400M)\n"
           "      --max-files=#n         accepted; applies to containers (not scanned yet)\n"
           "      --max-recursion=#n     accepted; applies to containers (not scanned yet)\n"
           "      --scan-archive[=yes/no], --scan-ole2, --scan-pdf, --scan-swf,\n"
           "      --scan-xmldocs, --scan-hwp3, --scan-onenote\n"
           "                             accepted; these containers are not opened yet\n"
           "      --bell                 ring the terminal bell on a detection\n"
           "      --stdout               write warnings and errors to stdout too\n"
           "  -                          scan standard input\n\n"
           "vigil's own options:\n"
           "      --json                 one JSON object per line (results and summary)\n"
           "      --cvd-public-key=FILE  check .cvd signatures against this key (a file with\n"
           "                             the decimal modulus and exponent) instead of ClamAV's\n"
           "      --skip-bad-lines       leave malformed signature lines out (a warning)\n"
           "                             instead of refusing the database\n"
           "      --no-cache             always compile the databases ($XDG_CACHE_HOME/vigil)\n"
           "      --progress             a progress line on stderr\n\n"
           "Exit status: 0 no virus found, 1 virus(es) found, 2 an error occurred.\n",
           CS_CLAMSCAN_COMPAT);
}

/* clamscan's message for a value it cannot parse, naming the option as
 * its parser does: "--recursive (-r)" when there is a short form. */
static void bad_format(int c, int idx)
{
    const char *name = NULL;
    for (size_t i = 0; longs[i].name; i++) {
        if ((idx >= 0 && (size_t)idx == i) || (idx < 0 && longs[i].val == c)) {
            name = longs[i].name;
            c = longs[i].val;
            break;
        }
    }
    if (c < 256)
        fprintf(stderr, "ERROR: Incorrect argument format for option --%s (-%c)\n",
                name ? name : "?", c);
    else
        fprintf(stderr, "ERROR: Incorrect argument format for option --%s\n", name ? name : "?");
}

/* "[=yes/no]": absent means yes. */
static bool parse_bool(const char *arg, bool *out)
{
    static const char *const yes[] = {"yes", "true", "1"};
    static const char *const no[] = {"no", "false", "0"};
    if (!arg) {
        *out = true;
        return true;
    }
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(arg, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(arg, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* "#n": decimal digits with an optional K or M (binary units). */
static bool parse_size(const char *arg, uint64_t *out)
{
    if (!arg || arg[0] < '0' || arg[0] > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno != 0)
        return false;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K') {
        mul = 1024;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mul = (uint64_t)1 << 20;
        end++;
    }
    if (*end != '\0' || __builtin_mul_overflow((uint64_t)v, mul, out))
        return false;
    return true;
}

static bool add_filter(cs_filter *f, const char *pattern)
{
    if (f->n >= CS_MAX_LIST) {
        fprintf(stderr, "ERROR: too many values for a filter option (at most %d)\n", CS_MAX_LIST);
        return false;
    }
    size_t len = strlen(pattern);
    f->slash[f->n] = len > 0 && pattern[len - 1] == '/';
    f->ok[f->n] = regcomp(&f->re[f->n], pattern, REG_EXTENDED | REG_NOSUB) == 0;
    f->n++;
    return true;
}

static void free_filter(cs_filter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->ok[i])
            regfree(&f->re[i]);
    }
    f->n = 0;
}

bool cs_filter_match(const cs_filter *f, const char *path)
{
    /* clamscan matches against at most 512 bytes of the path, with a '/'
     * appended when the pattern ends in one (so "dir/" names a folder). */
    char buf[514];
    for (size_t i = 0; i < f->n; i++) {
        if (!f->ok[i])
            continue;
        snprintf(buf, sizeof(buf), "%.512s%s", path, f->slash[i] ? "/" : "");
        if (regexec(&f->re[i], buf, 0, NULL, 0) == 0)
            return true;
    }
    return false;
}

void cs_opts_free(cs_opts *o)
{
    free_filter(&o->exclude);
    free_filter(&o->include);
    free_filter(&o->exclude_dir);
    free_filter(&o->include_dir);
}

static bool size_opt(int c, int idx, const char *arg, uint64_t *out)
{
    if (parse_size(arg, out))
        return true;
    bad_format(c, idx);
    return false;
}

static bool bool_opt(int c, int idx, const char *arg, bool *out)
{
    if (parse_bool(arg, out))
        return true;
    bad_format(c, idx);
    return false;
}

/* One option; false when it is refused (message printed). */
static bool apply(cs_opts *o, int c, int idx, const char *arg)
{
    switch (c) {
    case 'v':
        o->verbose = true;
        return true;
    case 'd':
        if (o->ndb >= CS_MAX_LIST) {
            fprintf(stderr, "ERROR: too many --database options (at most %d)\n", CS_MAX_LIST);
            return false;
        }
        o->db[o->ndb++] = arg;
        return true;
    case 'r':
        return bool_opt(c, idx, arg, &o->recursive);
    case 'i':
        o->infected = true;
        return true;
    case 'o':
        o->suppress_ok = true;
        return true;
    case OPT_NO_SUMMARY:
        o->no_summary = true;
        return true;
    case 'z':
        return bool_opt(c, idx, arg, &o->allmatch);
    case 'l':
        o->log = arg;
        return true;
    case OPT_REMOVE:
        return bool_opt(c, idx, arg, &o->remove);
    case OPT_MOVE:
        o->move = arg;
        return true;
    case OPT_COPY:
        o->copy = arg;
        return true;
    case OPT_EXCLUDE:
        return add_filter(&o->exclude, arg);
    case OPT_INCLUDE:
        return add_filter(&o->include, arg);
    case OPT_EXCLUDE_DIR:
        return add_filter(&o->exclude_dir, arg);
    case OPT_INCLUDE_DIR:
        return add_filter(&o->include_dir, arg);
    case OPT_DETECT_PUA:
        return bool_opt(c, idx, arg, &o->detect_pua);
    case OPT_MAX_FILESIZE:
        return size_opt(c, idx, arg, &o->max_filesize);
    case OPT_MAX_SCANSIZE:
        return size_opt(c, idx, arg, &o->max_scansize);
    case OPT_MAX_FILES:
        return size_opt(c, idx, arg, &o->max_files);
    case OPT_MAX_RECURSION:
        return size_opt(c, idx, arg, &o->max_recursion);
    case OPT_BELL:
        o->bell = true;
        return true;
    case OPT_STDOUT:
        o->to_stdout = true;
        return true;
    case OPT_JSON:
        o->json = true;
        return true;
    case OPT_CVD_KEY:
        o->cvd_key_file = arg;
        return true;
    case OPT_SKIP_BAD:
        o->skip_bad = true;
        return true;
    case OPT_NO_CACHE:
        o->no_cache = true;
        return true;
    case OPT_PROGRESS:
        o->progress = true;
        return true;
    case 'f':
        o->file_list = arg;
        return true;
    case OPT_SCAN_UNPACKED: {
        bool unused;
        return bool_opt(c, idx, arg, &unused);
    }
    default:
        return false;
    }
}

int cs_opts_parse(int argc, char **argv, cs_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_filesize = CS_DEFAULT_MAX_FILESIZE;
    o->max_scansize = CS_DEFAULT_MAX_SCANSIZE;
    optind = 1;
    opterr = 1;
    int c, idx;
    while ((idx = -1, c = getopt_long(argc, argv, "hVvd:f:rizol:", longs, &idx)) != -1) {
        if (c == 'h') {
            usage();
            return -2;
        }
        if (c == 'V') {
            printf("vigil %s (clamscan %s compatible)\n", VIGIL_VERSION_STRING,
                   CS_CLAMSCAN_COMPAT);
            return -2;
        }
        if (c == '?' || c == ':') {
            /* getopt has named the option; clamscan's two lines follow. */
            bool missing = optopt >= 256 || (optopt > 0 && strchr("dfl", optopt) != NULL);
            fprintf(stderr, "ERROR: %s\n", missing ? "Incomplete option passed (missing argument)"
                                                   : "Unknown option passed");
            fprintf(stderr, "ERROR: Can't parse command line options\n");
            return -1;
        }
        if (!apply(o, c, idx, optarg)) {
            fprintf(stderr, "ERROR: Can't parse command line options\n");
            return -1;
        }
    }
    if (o->move && o->copy) {
        /* clamscan lets --move win; say nothing, as it does. */
        o->copy = NULL;
    }
    return optind;
}
