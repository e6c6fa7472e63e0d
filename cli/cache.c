/*
 * cache.c - the rules cache of cache.h. The key is a SHA-256 over everything
 * that decides a compilation up front (vigil version, settings, each operand
 * with its namespace and the content of every file it names, the -d values);
 * files pulled in by `include` are not known before compiling, so a hit is
 * only used after every source the database records (vigil_db_source_*) is
 * re-hashed and found unchanged. Anything odd is a miss: the cache can make
 * vigil faster, never wrong, and never makes a run fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "diag.h"
#include "readfile.h"
#include "rules.h"
#include "walk.h"

#define KEY_HEX (2 * VIGIL_DIGEST_LEN)
#define SOURCE_MAX ((off_t)64 << 20)     /* the compiler's own limit on a rule file */
#define DIAG_FILE_MAX ((size_t)16 << 20) /* recorded warnings of one entry */
#define DIAG_MAGIC "VIGILDG1"
#define STALE_TMP_SECONDS 3600 /* leftovers of a crashed writer */

struct cache_entry {
    char *dir;  /* $XDG_CACHE_HOME/vigil */
    char *vdb;  /* dir/<key>.vdb */
    char *diag; /* dir/<key>.diag: warnings to replay */
    bool quiet, debug, record_failed;
    uint8_t *rec; /* DIAG_MAGIC then one record per warning (see put_diag) */
    size_t rec_len, rec_cap;
};

/* ---- hashing ---- */

static void put_bytes(EVP_MD_CTX *ctx, const void *p, size_t n)
{
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)((uint64_t)n >> (8 * i));
    EVP_DigestUpdate(ctx, len, sizeof(len));
    EVP_DigestUpdate(ctx, p, n);
}

static void put_str(EVP_MD_CTX *ctx, const char *s)
{
    put_bytes(ctx, s, strlen(s));
}

/* A string that may be absent (no namespace): a tag byte keeps NULL apart
 * from every string. */
static void put_opt(EVP_MD_CTX *ctx, const char *s)
{
    uint8_t tag = s != NULL;
    EVP_DigestUpdate(ctx, &tag, 1);
    if (s)
        put_str(ctx, s);
}

/* Feeds the bytes of the regular file at path to ctx and gives their count.
 * Opened with O_NONBLOCK so a FIFO in a rules folder cannot hang us; false
 * when the file is missing, not regular, over max bytes or unreadable. */
static bool digest_contents(EVP_MD_CTX *ctx, const char *path, uint64_t max, uint64_t *total)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size <= max;
    uint8_t buf[1 << 16];
    *total = 0;
    while (ok) {
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            ok = got == 0;
            break;
        }
        *total += (uint64_t)got;
        ok = EVP_DigestUpdate(ctx, buf, (size_t)got) == 1 && *total <= max;
    }
    close(fd);
    return ok;
}

/* Feeds a regular file's bytes and then its length to ctx (for the key). */
static bool hash_file_into(EVP_MD_CTX *ctx, const char *path, uint64_t max)
{
    uint64_t total;
    if (!digest_contents(ctx, path, max, &total))
        return false;
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(total >> (8 * i));
    EVP_DigestUpdate(ctx, len, sizeof(len));
    return true;
}

/* The plain SHA-256 of a file, as the compiler records it. */
static bool sha256_file(const char *path, uint8_t out[VIGIL_DIGEST_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint64_t total;
    unsigned int n = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
              digest_contents(ctx, path, UINT64_MAX, &total) &&
              EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == VIGIL_DIGEST_LEN;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* Hashes one "[NS:]PATH" operand the way rules.c will read it: a folder is
 * its sorted list of rule files, each by name and content. */
static bool hash_operand(EVP_MD_CTX *ctx, const char *operand)
{
    char *ns;
    const char *file;
    if (!rules_split_ns(operand, &ns, &file))
        return false;
    bool ok = strcmp(file, "-") != 0; /* stdin cannot be keyed */
    put_str(ctx, operand);
    put_opt(ctx, ns);
    put_str(ctx, file);
    struct stat sb;
    if (!ok) {
        /* nothing */
    } else if (stat(file, &sb) != 0) {
        put_str(ctx, "missing"); /* a missing folder is a state too (scan's default rules) */
    } else if (S_ISDIR(sb.st_mode)) {
        char **names;
        size_t n;
        ok = rules_list_dir(file, &names, &n) == VIGIL_OK;
        if (ok) {
            put_str(ctx, "folder");
            put_bytes(ctx, &n, sizeof(n));
            for (size_t i = 0; ok && i < n; i++) {
                char *path;
                ok = asprintf(&path, "%s/%s", file, names[i]) >= 0;
                if (ok) {
                    put_str(ctx, names[i]);
                    ok = hash_file_into(ctx, path, SOURCE_MAX);
                    free(path);
                }
            }
            rules_free_names(names, n);
        }
    } else {
        put_str(ctx, "file");
        ok = hash_file_into(ctx, file, SOURCE_MAX);
    }
    free(ns);
    return ok;
}

/* A file's identity as the file system keeps it: device, inode, size, and
 * the modification and status-change times to the nanosecond. Any write
 * changes the status-change time, which no user can set back, so a ClamAV
 * database (hundreds of MB, whose content hashing would cost more than the
 * cached load it validates) is keyed by this instead of its bytes. */
static void put_fingerprint(EVP_MD_CTX *ctx, const struct stat *sb)
{
    uint64_t v[7] = {(uint64_t)sb->st_dev, (uint64_t)sb->st_ino, (uint64_t)sb->st_size,
                     (uint64_t)sb->st_mtim.tv_sec, (uint64_t)sb->st_mtim.tv_nsec,
                     (uint64_t)sb->st_ctim.tv_sec, (uint64_t)sb->st_ctim.tv_nsec};
    put_bytes(ctx, v, sizeof(v));
}

/* Keys one ClamAV database operand: a file by its fingerprint, a folder by
 * every regular file directly inside it (name and fingerprint). The loader reads only the database files among them; keying them
 * all never misses a change. */
static bool hash_clamav_operand(EVP_MD_CTX *ctx, const char *path)
{
    struct stat sb;
    put_str(ctx, path);
    if (stat(path, &sb) != 0)
        return false;
    if (!S_ISDIR(sb.st_mode)) {
        put_str(ctx, "file");
        put_fingerprint(ctx, &sb);
        return S_ISREG(sb.st_mode);
    }
    /* in readdir order, the order the loader reads the folder in (which
     * of two signatures with one hash clamscan names depends on it) */
    size_t n = 0;
    char **names = walk_read_names(path, &n);
    if (!names)
        return false;
    bool ok = true;
    put_str(ctx, "folder");
    for (size_t i = 0; ok && i < n; i++) {
        char *full;
        ok = asprintf(&full, "%s/%s", path, names[i]) >= 0;
        if (!ok)
            break;
        if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
            put_str(ctx, names[i]);
            put_fingerprint(ctx, &sb);
        }
        free(full);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}

static bool compute_key(const cache_request *rq, char hex[KEY_HEX + 1])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    if (ok) {
        put_str(ctx, "vigil rules cache 1");
        put_str(ctx, VIGIL_VERSION_STRING);
        put_str(ctx, rq->variant ? rq->variant : "");
        put_str(ctx, rq->show_warnings ? "warnings" : "no warnings");
        put_bytes(ctx, &rq->noperands, sizeof(rq->noperands));
        for (size_t i = 0; ok && i < rq->noperands; i++)
            ok = hash_operand(ctx, rq->operands[i]);
        put_bytes(ctx, &rq->ndefs, sizeof(rq->ndefs));
        for (size_t i = 0; i < rq->ndefs; i++)
            put_str(ctx, rq->defs[i]);
        if (rq->nclamav) {
            put_str(ctx, "clamav");
            put_bytes(ctx, &rq->nclamav, sizeof(rq->nclamav));
            put_bytes(ctx, &rq->clamav_flags, sizeof(rq->clamav_flags));
            for (size_t i = 0; ok && i < rq->nclamav; i++)
                ok = hash_clamav_operand(ctx, rq->clamav[i]);
        }
    }
    uint8_t md[VIGIL_DIGEST_LEN];
    unsigned int n = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &n) == 1 && n == VIGIL_DIGEST_LEN;
    EVP_MD_CTX_free(ctx);
    for (size_t i = 0; ok && i < VIGIL_DIGEST_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ok;
}

/* ---- where ---- */

/* $XDG_CACHE_HOME/vigil, or ~/.cache/vigil (the spec ignores a relative
 * XDG_CACHE_HOME). NULL when there is no home to put it in. */
static char *cache_dir(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    char *dir = NULL;
    if (xdg && xdg[0] == '/') {
        if (asprintf(&dir, "%s/vigil", xdg) < 0)
            dir = NULL;
    } else {
        const char *home = getenv("HOME");
        if (home && home[0] == '/' && asprintf(&dir, "%s/.cache/vigil", home) < 0)
            dir = NULL;
    }
    return dir;
}

/* mkdir -p with 0700 for what it creates (the cache is per user). On
 * failure errno tells why. */
static bool make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return false;
    /* Errors on the way show up in the last mkdir. */
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0700);
        *s = '/';
    }
    bool ok = mkdir(p, 0700) == 0 || errno == EEXIST;
    struct stat sb;
    if (ok && (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        ok = false;
        errno = ENOTDIR;
    }
    free(p);
    return ok;
}

/* ---- recorded warnings ---- */

static bool rec_put(cache_entry *ce, const void *p, size_t n)
{
    if (ce->rec_len + n > DIAG_FILE_MAX)
        return false;
    if (ce->rec_len + n > ce->rec_cap) {
        size_t cap = ce->rec_cap ? ce->rec_cap : 4096;
        while (cap < ce->rec_len + n)
            cap *= 2;
        uint8_t *grown = realloc(ce->rec, cap);
        if (!grown)
            return false;
        ce->rec = grown;
        ce->rec_cap = cap;
    }
    memcpy(ce->rec + ce->rec_len, p, n);
    ce->rec_len += n;
    return true;
}

static bool rec_u32(cache_entry *ce, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return rec_put(ce, b, 4);
}

static bool rec_str(cache_entry *ce, const char *s)
{
    if (!s)
        return rec_u32(ce, UINT32_MAX);
    size_t n = strlen(s);
    return n < UINT32_MAX && rec_u32(ce, (uint32_t)n) && rec_put(ce, s, n + 1);
}

/* The diag tap: keeps each warning (severity, line, col, file, message,
 * source line, rule) to replay it on later hits. */
static void record_diag(const vigil_diag *d, void *user)
{
    cache_entry *ce = user;
    if (d->severity != VIGIL_SEV_WARNING || ce->record_failed)
        return;
    uint8_t sev = 1;
    bool ok = rec_put(ce, &sev, 1) && rec_u32(ce, (uint32_t)d->line) &&
              rec_u32(ce, (uint32_t)d->col) && rec_str(ce, d->file) && rec_str(ce, d->message) &&
              rec_str(ce, d->source_line) && rec_str(ce, d->rule);
    if (!ok)
        ce->record_failed = true;
}

typedef struct rd {
    const uint8_t *p;
    size_t len, off;
} rd;

static bool rd_u32(rd *r, uint32_t *v)
{
    if (r->len - r->off < 4)
        return false;
    const uint8_t *b = r->p + r->off;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    r->off += 4;
    return true;
}

static bool rd_str(rd *r, const char **s)
{
    uint32_t n;
    if (!rd_u32(r, &n))
        return false;
    if (n == UINT32_MAX) {
        *s = NULL;
        return true;
    }
    if (r->len - r->off < (size_t)n + 1 || r->p[r->off + n] != '\0' ||
        memchr(r->p + r->off, '\0', n) != NULL)
        return false;
    *s = (const char *)r->p + r->off;
    r->off += (size_t)n + 1;
    return true;
}

/* Checks the whole recording, then prints it: a damaged file replays nothing
 * (the caller rebuilds) rather than half its warnings. */
static bool replay_diags(const uint8_t *buf, size_t len, bool show_warnings)
{
    diag_sink sink = {.out = stderr, .show_warnings = show_warnings};
    for (int pass = 0; pass < 2; pass++) {
        rd r = {buf, len, strlen(DIAG_MAGIC)};
        if (len < r.off || memcmp(buf, DIAG_MAGIC, r.off) != 0)
            return false;
        while (r.off < r.len) {
            vigil_diag d = {.severity = VIGIL_SEV_WARNING};
            uint32_t line, col;
            if (r.p[r.off++] != 1 || !rd_u32(&r, &line) || !rd_u32(&r, &col) ||
                !rd_str(&r, &d.file) || !rd_str(&r, &d.message) || !rd_str(&r, &d.source_line) ||
                !rd_str(&r, &d.rule) || !d.file || !d.message)
                return false;
            d.line = (int)line;
            d.col = (int)col;
            if (pass == 1)
                diag_print(&d, &sink);
        }
    }
    return true;
}

/* ---- lookup ---- */

static void entry_free(cache_entry *ce)
{
    if (!ce)
        return;
    free(ce->dir);
    free(ce->vdb);
    free(ce->diag);
    free(ce->rec);
    free(ce);
}

/* Returns NULL when the db still is what its sources compile to, else why not
 * (into why). */
/* Whether path is a ClamAV database operand or a file directly inside one:
 * the key holds its fingerprint already (hash_clamav_operand). */
static bool keyed_by_fingerprint(const cache_request *rq, const char *path)
{
    for (size_t i = 0; i < rq->nclamav; i++) {
        const char *op = rq->clamav[i];
        size_t n = strlen(op);
        if (strcmp(path, op) == 0 ||
            (strncmp(path, op, n) == 0 && path[n] == '/' && !strchr(path + n + 1, '/')))
            return true;
    }
    return false;
}

static const char *stale_source(const cache_request *rq, const vigil_db *db, char *why,
                                size_t whylen)
{
    for (size_t i = 0; i < vigil_db_source_count(db); i++) {
        const char *path = vigil_db_source_path(db, i);
        if (keyed_by_fingerprint(rq, path))
            continue;
        uint8_t now[VIGIL_DIGEST_LEN];
        if (!sha256_file(path, now)) {
            snprintf(why, whylen, "%s is gone or unreadable", path);
            return why;
        }
        if (memcmp(now, vigil_db_source_digest(db, i), VIGIL_DIGEST_LEN) != 0) {
            snprintf(why, whylen, "%s changed", path);
            return why;
        }
    }
    return NULL;
}

static bool try_hit(const cache_request *rq, cache_entry *ce, vigil_db **db)
{
    if (access(ce->vdb, F_OK) != 0) {
        if (ce->debug)
            fprintf(stderr, "vigil: cache: miss %s\n", ce->vdb);
        return false;
    }
    char err[512] = "";
    vigil_db *got = NULL;
    uint8_t *diags = NULL;
    size_t diags_len = 0;
    const char *why = NULL;
    char whybuf[600];
    bool refused = false;
    if (!cli_read_file(ce->diag, DIAG_FILE_MAX, &diags, &diags_len)) {
        why = "its warnings file is missing";
    } else {
        vigil_status st = vigil_db_load(ce->vdb, &got, err, sizeof(err));
        if (st != VIGIL_OK) {
            /* The loader's message names the file already. */
            snprintf(whybuf, sizeof(whybuf), "%s", *err ? err : vigil_status_str(st));
            why = whybuf;
            refused = true;
        } else {
            why = stale_source(rq, got, whybuf, sizeof(whybuf));
        }
    }
    if (!why && !replay_diags(diags, diags_len, rq->show_warnings))
        why = "its warnings file is damaged";
    free(diags);
    if (why) {
        vigil_db_free(got);
        if (!rq->quiet && refused)
            fprintf(stderr, "vigil: cached rules refused: %s; recompiling\n", why);
        else if (!rq->quiet)
            fprintf(stderr, "vigil: cached rules %s: %s; recompiling\n", ce->vdb, why);
        return false;
    }
    /* Last use is what pruning keeps. */
    utimensat(AT_FDCWD, ce->vdb, NULL, 0);
    if (ce->debug)
        fprintf(stderr, "vigil: cache: hit %s\n", ce->vdb);
    *db = got;
    return true;
}

bool cache_begin(const cache_request *rq, vigil_db **db, cache_entry **out)
{
    *out = NULL;
    if (rq->disabled)
        return false;
    bool debug = getenv("VIGIL_CACHE_DEBUG") && *getenv("VIGIL_CACHE_DEBUG");
    char key[KEY_HEX + 1];
    if (!compute_key(rq, key)) {
        /* Unreadable or stdin operands: the compiler reports them, if need be. */
        if (debug)
            fprintf(stderr, "vigil: cache: sources cannot be cached\n");
        return false;
    }
    cache_entry *ce = calloc(1, sizeof(*ce));
    if (!ce)
        return false;
    ce->quiet = rq->quiet;
    ce->debug = debug;
    ce->dir = cache_dir();
    if (!ce->dir || asprintf(&ce->vdb, "%s/%s.vdb", ce->dir, key) < 0 ||
        asprintf(&ce->diag, "%s/%s.diag", ce->dir, key) < 0 ||
        !rec_put(ce, DIAG_MAGIC, strlen(DIAG_MAGIC))) {
        entry_free(ce);
        return false;
    }
    if (try_hit(rq, ce, db)) {
        entry_free(ce);
        return true;
    }
    diag_set_tap(record_diag, ce);
    *out = ce;
    return false;
}

/* ---- store ---- */

typedef struct aged {
    char *name;
    struct timespec mtime;
} aged;

static int older_first(const void *a, const void *b)
{
    const aged *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool is_entry_name(const char *name)
{
    if (strlen(name) != KEY_HEX + 4 || strcmp(name + KEY_HEX, ".vdb") != 0)
        return false;
    for (size_t i = 0; i < KEY_HEX; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return true;
}

/* Keeps the CACHE_MAX_ENTRIES most recently used entries; also removes
 * temporary files a killed writer left behind. Best effort. */
static void prune(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dp = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!dp) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    aged *list = NULL;
    size_t n = 0, cap = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        struct stat sb;
        if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (strstr(de->d_name, ".tmp.") && now.tv_sec - sb.st_mtim.tv_sec > STALE_TMP_SECONDS) {
            unlinkat(dfd, de->d_name, 0);
            continue;
        }
        if (!is_entry_name(de->d_name))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            aged *grown = ncap < 100000 ? realloc(list, ncap * sizeof(*list)) : NULL;
            if (!grown)
                break;
            list = grown;
            cap = ncap;
        }
        list[n].name = strdup(de->d_name);
        if (!list[n].name)
            break;
        list[n].mtime = sb.st_mtim;
        n++;
    }
    if (n > CACHE_MAX_ENTRIES) {
        qsort(list, n, sizeof(*list), older_first);
        for (size_t i = 0; i < n - CACHE_MAX_ENTRIES; i++) {
            char diag[KEY_HEX + 8];
            snprintf(diag, sizeof(diag), "%.*s.diag", KEY_HEX, list[i].name);
            unlinkat(dfd, list[i].name, 0);
            unlinkat(dfd, diag, 0);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(list[i].name);
    free(list);
    closedir(dp);
}

static bool write_file_atomic(const char *path, const uint8_t *data, size_t len)
{
    char *tmp;
    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
        return false;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    for (size_t done = 0; ok && done < len;) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok)
            done += (size_t)w;
    }
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        errno = saved;
    }
    free(tmp);
    return ok;
}

void cache_end(cache_entry *ce, const vigil_db *db)
{
    if (!ce)
        return;
    diag_set_tap(NULL, NULL);
    if (db && !ce->record_failed) {
        const char *why = NULL;
        char whybuf[256];
        errno = 0;
        if (!make_dirs(ce->dir) || !write_file_atomic(ce->diag, ce->rec, ce->rec_len)) {
            why = strerror(errno ? errno : EIO);
        } else {
            vigil_status st = vigil_db_save(db, ce->vdb);
            if (st != VIGIL_OK) {
                snprintf(whybuf, sizeof(whybuf), "%s", vigil_status_str(st));
                why = whybuf;
                unlink(ce->diag);
            }
        }
        if (why && !ce->quiet)
            fprintf(stderr, "vigil: warning: could not write the rules cache in %s: %s\n", ce->dir,
                    why);
        if (!why) {
            if (ce->debug)
                fprintf(stderr, "vigil: cache: stored %s\n", ce->vdb);
            prune(ce->dir);
        }
    }
    entry_free(ce);
}
