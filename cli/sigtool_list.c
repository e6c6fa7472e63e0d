/*
 * sigtool_list.c - `vigil sigtool --list-sigs` and `--count`: the
 * signatures of a database file, container or folder as libvigil loads
 * them (vigil_compiler_add_clamav, then vigil_db_visit_clamav), so the
 * listing shows what a scan would use. sigtool reads the lines itself;
 * the names printed are the same, in load order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil.h>

#include "diag.h"
#include "sigtool_ops.h"

/* Loads path the way sigtool sees a database: PUA files too, and a bad
 * line is left out with a warning rather than refusing the file (sigtool
 * lists without parsing signatures). */
static int load(const char *path, const sigtool_key *key, vigil_db **db)
{
    vigil_compiler *c = NULL;
    diag_sink sink = {.out = stderr, .show_warnings = true};
    *db = NULL;
    if (vigil_compiler_new(&c) != VIGIL_OK) {
        fprintf(stderr, "vigil sigtool: out of memory\n");
        return 2;
    }
    vigil_compiler_set_diag_callback(c, diag_print, &sink);
    vigil_status st = VIGIL_OK;
    if (key->n)
        st = vigil_compiler_set_cvd_key(c, key->n, key->e);
    if (st == VIGIL_OK)
        st = vigil_compiler_add_clamav(c, path, VIGIL_CLAMAV_PUA | VIGIL_CLAMAV_SKIP_BAD);
    if (st == VIGIL_OK)
        st = vigil_compiler_build(c, db);
    if (st != VIGIL_OK) {
        const char *why = vigil_compiler_last_error(c);
        if (why && *why) /* the library's message names the path */
            fprintf(stderr, "vigil sigtool: %s\n", why);
        else
            fprintf(stderr, "vigil sigtool: %s: %s\n", path, vigil_status_str(st));
    }
    vigil_compiler_free(c);
    if (st == VIGIL_OK)
        return 0;
    return st == VIGIL_E_IO || st == VIGIL_E_ARG || st == VIGIL_E_NOMEM ? 2 : 1;
}

/* The kinds sigtool's listdb prints; allow and ignore lists are not
 * signatures to it. */
static bool listed_kind(const char *type)
{
    static const char *const kinds[] = {"hdb", "hdu", "hsb", "hsu", "mdb", "mdu", "msb",
                                        "msu", "ndb", "ndu", "ldb", "ldu", "cdb", "imp"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (type && strcmp(type, kinds[i]) == 0)
            return true;
    return false;
}

static void print_name(const vigil_signature_info *sig, void *user)
{
    (void)user;
    if (!listed_kind(sig->type) || !sig->name)
        return;
    /* clamscan marks signatures from loose files ".UNOFFICIAL"; sigtool
     * prints the name as written in the file. */
    static const char mark[] = ".UNOFFICIAL";
    size_t n = strlen(sig->name), m = sizeof(mark) - 1;
    if (n > m && strcmp(sig->name + n - m, mark) == 0)
        n -= m;
    printf("%.*s\n", (int)n, sig->name);
}

int sigtool_list(const char *path, const sigtool_key *key)
{
    vigil_db *db;
    int rc = load(path, key, &db);
    if (rc != 0)
        return rc;
    vigil_status st = vigil_db_visit_clamav(db, print_name, NULL);
    vigil_db_free(db);
    if (st != VIGIL_OK) {
        fprintf(stderr, "vigil sigtool: %s: %s\n", path, vigil_status_str(st));
        return 2;
    }
    return 0;
}

/* Signatures per type, in a small growing table (a database has a dozen
 * types at most). */
typedef struct type_count {
    char type[16];
    size_t n;
} type_count;

typedef struct counts {
    type_count *v;
    size_t n, cap;
    bool nomem;
} counts;

static void count_one(const vigil_signature_info *sig, void *user)
{
    counts *c = user;
    const char *type = sig->type ? sig->type : "?";
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].type, type) == 0) {
            c->v[i].n++;
            return;
        }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        type_count *nv = realloc(c->v, nc * sizeof(*nv));
        if (!nv) {
            c->nomem = true;
            return;
        }
        c->v = nv;
        c->cap = nc;
    }
    snprintf(c->v[c->n].type, sizeof(c->v[c->n].type), "%s", type);
    c->v[c->n].n = 1;
    c->n++;
}

static int by_type(const void *a, const void *b)
{
    return strcmp(((const type_count *)a)->type, ((const type_count *)b)->type);
}

int sigtool_count(const char *path, const sigtool_key *key)
{
    vigil_db *db;
    int rc = load(path, key, &db);
    if (rc != 0)
        return rc;
    counts c = {0};
    vigil_status st = vigil_db_visit_clamav(db, count_one, &c);
    vigil_db_free(db);
    if (st != VIGIL_OK || c.nomem) {
        fprintf(stderr, "vigil sigtool: %s: %s\n", path,
                c.nomem ? "out of memory" : vigil_status_str(st));
        free(c.v);
        return 2;
    }
    if (c.n)
        qsort(c.v, c.n, sizeof(*c.v), by_type);
    size_t total = 0;
    for (size_t i = 0; i < c.n; i++) {
        printf("%-6s %zu\n", c.v[i].type, c.v[i].n);
        total += c.v[i].n;
    }
    printf("%-6s %zu\n", "total", total);
    free(c.v);
    return 0;
}
