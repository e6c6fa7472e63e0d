/*
 * clamscan_scan.c - see clamscan_scan.h. Its own walker rather than
 * walk.c because clamscan's rules differ in kind: folders are filtered
 * and counted (Scanned directories), visited in directory order to a
 * depth of 15, links inside them are a result line ("Symbolic link"),
 * special files are passed over in silence, and a folder that cannot be
 * read is an error line on stdout. Entries are read whole and the folder
 * closed before descending, so a deep tree cannot run out of descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clamscan_scan.h"
#include "walk.h"
#include "mapscan.h"

static vigil_status on_event(vigil_scanner *sc, vigil_event ev, const vigil_rule *r, size_t str,
                             void *user)
{
    (void)str;
    cs_scan *s = user;
    if (ev != VIGIL_EV_RULE_MATCHING)
        return VIGIL_OK;
    const char *ns = vigil_rule_namespace(r);
    if (!ns || strcmp(ns, "clamav") != 0)
        return VIGIL_OK;
    cs_found(s->out, sc, s->path, r);
    s->hits++;
    /* Without -z a file is done at its first detection, as in clamscan. */
    return s->o->allmatch ? VIGIL_OK : VIGIL_E_ABORTED;
}

/* Whether a file of this size is passed over as clean (clamscan: larger
 * than --max-filesize or --max-scansize, 0 meaning no limit). */
static bool over_limit(const cs_opts *o, uint64_t size)
{
    return (o->max_filesize && size > o->max_filesize) ||
           (o->max_scansize && size > o->max_scansize);
}

/* After the scan of one object: OK or the action on a detection. */
static void finish(cs_scan *s, const char *path, bool act)
{
    if (s->hits > 0) {
        s->out->n.infected++;
        if (act)
            cs_action_apply(s->act, s->out, path);
    } else if (!s->o->infected && !s->o->suppress_ok) {
        cs_ok(s->out, path);
    }
    cs_progress(s->out);
}

static void scan_file(cs_scan *s, const char *path, const struct stat *st)
{
    const cs_opts *o = s->o;
    cs_out *out = s->out;
    if (cs_filter_match(&o->exclude, path) ||
        (o->include.n > 0 && !cs_filter_match(&o->include, path))) {
        if (!o->infected)
            cs_result(out, path, "Excluded");
        return;
    }
    if (st->st_size == 0) {
        if (!o->infected)
            cs_result(out, path, "Empty file");
        return;
    }
    /* clamscan checks access before opening: a file it may not read is an
     * error of its own, not a failed scan. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == EACCES || errno == EPERM) {
            if (!o->infected)
                cs_result(out, path, "Access denied");
        } else {
            cs_warning(out, "Can't open file %s: %s\n", path, strerror(errno));
        }
        out->n.errors++;
        return;
    }
    close(fd);
    cs_verbose(out, path);
    uint64_t size = (uint64_t)st->st_size;
    out->n.files++;
    out->n.blocks_read += size / CS_BLOCK;
    s->path = path;
    s->hits = 0;
    if (!over_limit(o, size)) {
        char why[512] = "";
        vigil_status rc = mapscan_file(s->scanner, path, on_event, s, why, sizeof(why));
        if (rc != VIGIL_OK && rc != VIGIL_E_ABORTED) {
            if (!o->infected) {
                char text[600];
                snprintf(text, sizeof(text), "%s ERROR", *why ? why : vigil_status_str(rc));
                cs_result(out, path, text);
            }
            out->n.errors++;
            return;
        }
        out->n.blocks_scanned += size / CS_BLOCK;
    }
    finish(s, path, true);
}

static void scan_dir(cs_scan *s, const char *dir, unsigned depth);

static void visit_entry(cs_scan *s, const char *path, unsigned depth)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return; /* vanished: clamscan says nothing */
    if (S_ISLNK(st.st_mode)) {
        /* --follow-*-symlinks=1 (the default): only links named on the
         * command line are followed. */
        if (!s->o->infected)
            cs_result(s->out, path, "Symbolic link");
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        if (s->o->recursive)
            scan_dir(s, path, depth + 1);
        return;
    }
    if (S_ISREG(st.st_mode))
        scan_file(s, path, &st);
}

static void scan_dir(cs_scan *s, const char *dir, unsigned depth)
{
    const cs_opts *o = s->o;
    if (cs_filter_match(&o->exclude_dir, dir) ||
        (o->include_dir.n > 0 && !cs_filter_match(&o->include_dir, dir))) {
        if (!o->infected)
            cs_result(s->out, dir, "Excluded");
        return;
    }
    if (depth > CS_MAX_DIR_DEPTH)
        return;
    size_t n = 0;
    char **names = walk_read_names(dir, &n);
    if (!names) {
        if (!o->infected)
            cs_result(s->out, dir, "Can't open directory.");
        s->out->n.errors++;
        return;
    }
    s->out->n.dirs++;
    size_t dlen = strlen(dir);
    bool root = strcmp(dir, "/") == 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = dlen + 1 + strlen(names[i]) + 1;
        char *child = malloc(len);
        if (child) {
            snprintf(child, len, "%s/%s", root ? "" : dir, names[i]);
            visit_entry(s, child, depth);
            free(child);
        } else {
            cs_error(s->out, "Can't allocate memory\n");
            s->out->n.errors++;
        }
        free(names[i]);
    }
    free(names);
}

void cs_scan_operand(cs_scan *s, const char *operand)
{
    if (strcmp(operand, "-") == 0) {
        cs_scan_stdin(s);
        return;
    }
    /* clamscan drops trailing slashes: "dir///" scans as "dir". */
    char *path = strdup(operand);
    if (!path) {
        cs_error(s->out, "Can't allocate memory\n");
        s->out->fatal = true;
        return;
    }
    for (size_t len = strlen(path); len > 1 && path[len - 1] == '/'; len--)
        path[len - 1] = '\0';
    struct stat st;
    if (lstat(path, &st) != 0) {
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        cs_warning(s->out, "%s: Can't access file\n", path);
        s->out->fatal = true;
        free(path);
        return;
    }
    /* A link named on the command line is followed; a dangling one is
     * passed over in silence, as clamscan does. */
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) {
        free(path);
        return;
    }
    if (S_ISREG(st.st_mode)) {
        scan_file(s, path, &st);
    } else if (S_ISDIR(st.st_mode)) {
        scan_dir(s, path, 1);
    } else {
        cs_warning(s->out, "%s: Not supported file type\n", path);
        s->out->fatal = true;
    }
    free(path);
}

bool cs_scan_file_list(cs_scan *s, const char *list)
{
    FILE *f = fopen(list, "r");
    if (!f)
        return false;
    /* clamscan's filelist(): fgets of at most 1023 bytes (a longer line is
     * read as several paths), trailing CR/LF dropped but never the first
     * byte (an empty line names "\n"), a NUL byte ends the list */
    char line[1025];
    while (fgets(line, 1024, f)) {
        size_t len = strlen(line);
        if (len == 0)
            break;
        for (len--; len && (line[len] == '\n' || line[len] == '\r'); len--)
            line[len] = '\0';
        cs_scan_operand(s, line);
    }
    fclose(f);
    return true;
}

void cs_scan_stdin(cs_scan *s)
{
    const cs_opts *o = s->o;
    uint64_t limit = 0; /* bytes worth keeping: beyond a limit nothing is scanned */
    if (o->max_filesize)
        limit = o->max_filesize;
    if (o->max_scansize && (!limit || o->max_scansize < limit))
        limit = o->max_scansize;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    uint64_t total = 0;
    uint8_t chunk[1 << 16];
    for (;;) {
        ssize_t got = read(STDIN_FILENO, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            cs_error(s->out, "Can't read from standard input: %s\n", strerror(errno));
            s->out->fatal = true;
            free(buf);
            return;
        }
        if (got == 0)
            break;
        total += (uint64_t)got;
        if (limit && total > limit)
            continue; /* counted, not kept */
        if (len + (size_t)got > cap) {
            size_t ncap = cap ? cap : sizeof(chunk);
            while (ncap < len + (size_t)got && ncap < SIZE_MAX / 2)
                ncap *= 2;
            uint8_t *grown = realloc(buf, ncap);
            if (!grown) {
                cs_error(s->out, "Can't allocate memory\n");
                s->out->fatal = true;
                free(buf);
                return;
            }
            buf = grown;
            cap = ncap;
        }
        memcpy(buf + len, chunk, (size_t)got);
        len += (size_t)got;
    }
    const char *path = "stdin";
    s->out->n.files++;
    s->out->n.blocks_read += total / CS_BLOCK;
    s->path = path;
    s->hits = 0;
    if (!over_limit(o, total)) {
        static const uint8_t none[1];
        vigil_status rc =
            vigil_scanner_scan_mem(s->scanner, buf ? buf : none, len, on_event, s);
        if (rc != VIGIL_OK && rc != VIGIL_E_ABORTED) {
            if (!o->infected) {
                char text[600];
                snprintf(text, sizeof(text), "%s ERROR", vigil_scanner_last_error(s->scanner));
                cs_result(s->out, path, text);
            }
            s->out->n.errors++;
            free(buf);
            return;
        }
        s->out->n.blocks_scanned += total / CS_BLOCK;
    }
    free(buf);
    finish(s, path, false);
}
