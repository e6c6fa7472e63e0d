/*
 * clamscan_db.c - see clamscan_db.h. The databases go to the rules cache
 * (cache.c) as ClamAV operands, which it keys by the content of each file
 * and of each folder's files; the settings that change the result (PUA,
 * --skip-bad-lines, a --cvd-public-key) are the variant. On a hit the cache
 * also re-checks every source the compiler recorded, so an updated
 * daily.cvd means a recompile, never a stale verdict.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cache.h"
#include "clamscan_db.h"
#include "cvdkey.h"
#include "diag.h"

/* The extensions clamscan 1.4.6 treats as databases in a folder (its
 * CLI_DBEXT list); libvigil decides what it can read among them. */
static const char *const db_exts[] = {
    "hdb", "hsb", "hdu", "hsu", "mdb", "msb", "mdu", "msu", "imp", "ndb", "ndu",
    "ldb", "ldu", "cdb", "fp",  "sfp", "ign", "ign2", "ftm", "cvd", "cld", "cud",
    "db",  "cbc", "pdb", "gdb", "wdb", "idb", "crb", "cat", "yar", "yara", "hwp",
    "pwdb", "info", "cfg", "sign",
};

bool cs_db_known_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return false;
    for (size_t i = 0; i < sizeof(db_exts) / sizeof(db_exts[0]); i++) {
        if (strcasecmp(dot + 1, db_exts[i]) == 0)
            return true;
    }
    return false;
}

/* The number of database files in dir, or -1 with errno when the folder
 * cannot be read. */
static long count_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return -1;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] != '.' && cs_db_known_extension(de->d_name) && n < LONG_MAX)
            n++;
    }
    closedir(dp);
    return n;
}

/* Reads --cvd-public-key (cvdkey.c, PEM or decimal, as `vigil sigtool`
 * takes it). False after printing why. */
static bool read_key(const char *path, cvd_key *key)
{
    char why[256];
    if (cvd_key_read(path, key, why, sizeof(why)))
        return true;
    fprintf(stderr, "ERROR: --cvd-public-key %s: %s\n", path, why);
    return false;
}

typedef struct load_ctx {
    diag_sink sink; /* warnings: the cache records and replays them this way */
    size_t errors;
    char container[512]; /* a container refused as a whole (no line), or "" */
} load_ctx;

static bool is_container(const char *path);

/* Errors in clamscan's "LibClamAV Error:" form with vigil's location;
 * warnings (--skip-bad-lines) through diag_print so that a cached database
 * replays them identically. */
static void on_diag(const vigil_diag *d, void *user)
{
    load_ctx *lc = user;
    if (d->severity != VIGIL_SEV_ERROR) {
        diag_print(d, &lc->sink);
        return;
    }
    lc->errors++;
    /* An error about a container itself, not one of its lines: clamscan
     * calls that a failed integrity check, whatever the reason. */
    if (d->line <= 0 && !lc->container[0] && is_container(d->file))
        snprintf(lc->container, sizeof(lc->container), "%s", d->file);
    fflush(stdout);
    if (d->line > 0)
        fprintf(stderr, "LibClamAV Error: %s:%d: %s\n", d->file, d->line, d->message);
    else
        fprintf(stderr, "LibClamAV Error: %s: %s\n", d->file, d->message);
}

/* Whether a container starts as one; clamscan names the two failures apart. */
static bool looks_like_cvd(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char head[11];
    bool ok = fread(head, 1, sizeof(head), f) == sizeof(head) &&
              memcmp(head, "ClamAV-VDB:", sizeof(head)) == 0;
    fclose(f);
    return ok;
}

static bool is_container(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (strcasecmp(dot, ".cvd") == 0 || strcasecmp(dot, ".cld") == 0 ||
                   strcasecmp(dot, ".cud") == 0);
}

/* clamscan's last line for a failed load; container: the container that
 * was refused as a whole, if that is why. */
static void failed(cs_out *out, vigil_status st, const char *container)
{
    if (container && *container && st != VIGIL_E_NOMEM) {
        if (looks_like_cvd(container))
            cs_error(out, "Can't verify database integrity\n");
        else
            cs_error(out, "Broken or not a CVD file\n");
        return;
    }
    switch (st) {
    case VIGIL_E_SYNTAX:
    case VIGIL_E_LIMIT:
        cs_error(out, "Malformed database\n");
        break;
    case VIGIL_E_CORRUPT:
        cs_error(out, "Can't verify database integrity\n");
        break;
    case VIGIL_E_NOMEM:
        cs_error(out, "Can't allocate memory\n");
        break;
    case VIGIL_E_IO:
        cs_error(out, "Can't open file or directory\n");
        break;
    default:
        cs_error(out, "%s\n", vigil_status_str(st));
        break;
    }
}

/* Checks the -d paths as clamscan does before loading and keeps the ones
 * to compile in use[]. */
static bool check_paths(const char *const *paths, size_t np, cs_out *out, const char **use,
                        size_t *nuse)
{
    *nuse = 0;
    for (size_t i = 0; i < np; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0) {
            fflush(stdout);
            fprintf(stderr, "LibClamAV Error: cl_load(): %s: %s\n", strerror(errno), paths[i]);
            cs_error(out, "Can't get file status\n");
            return false;
        }
        if (S_ISDIR(sb.st_mode)) {
            long n = count_dir(paths[i]);
            if (n <= 0) {
                fflush(stdout);
                if (n == 0)
                    fprintf(stderr,
                            "LibClamAV Error: cli_loaddbdir: No supported database files found "
                            "in %s\n",
                            paths[i]);
                else
                    fprintf(stderr, "LibClamAV Error: cli_loaddbdir: Can't open directory %s\n",
                            paths[i]);
                cs_error(out, "Can't open file or directory\n");
                return false;
            }
        } else if (!cs_db_known_extension(paths[i])) {
            fflush(stdout);
            fprintf(stderr, "LibClamAV Warning: cli_load: unknown extension - skipping %s\n",
                    paths[i]);
            continue;
        }
        use[(*nuse)++] = paths[i];
    }
    return true;
}

bool cs_db_load(const cs_opts *o, cs_out *out, vigil_db **db)
{
    static const char *const default_db[] = {VIGIL_CLAMAV_DB_DIR};
    const char *const *paths = o->ndb ? o->db : default_db;
    size_t np = o->ndb ? o->ndb : 1;
    cvd_key key = {NULL, NULL};
    char *keytext = NULL;
    const char *use[CS_MAX_LIST];
    size_t nuse = 0;
    vigil_compiler *c = NULL;
    cache_entry *ce = NULL;
    bool ok = false;
    *db = NULL;

    if (o->cvd_key_file && !read_key(o->cvd_key_file, &key)) {
        out->fatal = true;
        return false;
    }
    if (!check_paths(paths, np, out, use, &nuse))
        goto out;
    unsigned flags = (o->detect_pua ? VIGIL_CLAMAV_PUA : 0u) |
                     (o->skip_bad ? VIGIL_CLAMAV_SKIP_BAD : 0u);
    if (asprintf(&keytext, "clamscan key=%s,%s", key.n ? key.n : "", key.e ? key.e : "") < 0) {
        keytext = NULL;
        cs_error(out, "Can't allocate memory\n");
        goto out;
    }
    load_ctx lc = {.sink = {.out = stderr, .show_warnings = true}};
    cache_request rq = {.clamav = use, .nclamav = nuse, .clamav_flags = flags,
                        .variant = keytext, .show_warnings = true, .disabled = o->no_cache,
                        .quiet = !o->verbose};
    if (cache_begin(&rq, db, &ce)) {
        ok = true;
        goto out;
    }
    vigil_status st = vigil_compiler_new(&c);
    if (st != VIGIL_OK) {
        failed(out, st, NULL);
        goto out;
    }
    vigil_compiler_set_diag_callback(c, on_diag, &lc);
    if (key.n) {
        st = vigil_compiler_set_cvd_key(c, key.n, key.e);
        if (st != VIGIL_OK) {
            fflush(stdout);
            fprintf(stderr, "LibClamAV Error: --cvd-public-key %s: %s\n", o->cvd_key_file,
                    vigil_compiler_last_error(c));
            failed(out, st, NULL);
            goto out;
        }
    }
    for (size_t i = 0; i < nuse; i++) {
        size_t before = lc.errors;
        st = vigil_compiler_add_clamav(c, use[i], flags);
        if (st != VIGIL_OK) {
            if (lc.errors == before) {
                fflush(stdout);
                const char *why = vigil_compiler_last_error(c);
                fprintf(stderr, "LibClamAV Error: Can't load %s: %s\n", use[i],
                        why && *why ? why : vigil_status_str(st));
            }
            failed(out, st, lc.container);
            goto out;
        }
    }
    size_t before = lc.errors;
    st = vigil_compiler_build(c, db);
    if (st != VIGIL_OK) {
        fflush(stdout);
        if (lc.errors == before)
            fprintf(stderr, "LibClamAV Error: %s\n", vigil_compiler_last_error(c));
        failed(out, st, lc.container);
        goto out;
    }
    ok = true;
out:
    cache_end(ce, ok ? *db : NULL);
    vigil_compiler_free(c);
    free(keytext);
    cvd_key_free(&key);
    if (ok)
        out->n.sigs = vigil_db_clamav_signature_count(*db);
    else
        out->fatal = true;
    return ok;
}
