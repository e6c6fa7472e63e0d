/*
 * icondb.c - .idb lines (icondb.h). The hash packs, after a two-digit
 * icon size (16, 24 or 32), six groups of three samples (colour and grey:
 * a 3-digit average and 2-digit x, y; bright, dark, edge, no-edge: 2-digit
 * average, x, y) and four 2-digit spreads; libclamav bounds each value,
 * and those bounds are what decides whether clamscan loads the file.
 */
#include "clamav/icondb.h"

#include <stdlib.h>
#include <string.h>

#include "clamav/util.h"

#define MAX_GROUPS 256

cv_status cv_idb_split(const char *line, size_t len, cv_idb *out, cv_error *err)
{
    memset(out, 0, sizeof(*out));
    /* a C string to libclamav */
    const char *nul = memchr(line, 0, len);
    if (nul)
        len = (size_t)(nul - line);
    cv_fields f;
    cv_split(line, len, ':', &f);
    if (f.n != 4)
        return cv_bad(err, "expected Name:Group1:Group2:IconHash, got %zu fields", f.n);
    if (f.f[3].len != CV_IDB_HASH_LEN)
        return cv_bad(err, "icon hash has %zu characters, not %d", f.f[3].len, CV_IDB_HASH_LEN);
    out->name = f.f[0];
    out->group[0] = f.f[1];
    out->group[1] = f.f[2];
    out->hash = f.f[3].p;
    return CV_OK;
}

/* Three samples of an average (avg_digits wide, at most avg_max) and an
 * x, y position (2 digits each, at most size - size/8). */
static bool samples(const uint8_t *h, size_t *pos, unsigned avg_digits, unsigned avg_max,
                    unsigned size)
{
    for (int i = 0; i < 3; i++) {
        unsigned avg = 0;
        for (unsigned k = 0; k < avg_digits; k++)
            avg = avg << 4 | h[(*pos)++];
        unsigned x = (unsigned)(h[*pos] << 4 | h[*pos + 1]);
        unsigned y = (unsigned)(h[*pos + 2] << 4 | h[*pos + 3]);
        *pos += 4;
        if (avg > avg_max || x > size - size / 8 || y > size - size / 8)
            return false;
    }
    return true;
}

cv_status cv_idb_check_hash(const cv_idb *l, cv_error *err)
{
    uint8_t h[CV_IDB_HASH_LEN];
    for (size_t i = 0; i < CV_IDB_HASH_LEN; i++) {
        int v = cv_hexval(l->hash[i]);
        if (v < 0)
            return cv_bad(err, "icon hash is not hexadecimal");
        h[i] = (uint8_t)v;
    }
    unsigned size = (unsigned)(h[0] << 4 | h[1]);
    if (size != 16 && size != 24 && size != 32)
        return cv_bad(err, "icon size %u is not 16, 24 or 32", size);
    size_t pos = 2;
    static const struct {
        const char *what;
        unsigned digits, max;
    } parts[] = {{"colour", 3, 4072}, {"grey", 3, 4072}, {"bright", 2, 255},
                 {"dark", 2, 255},    {"edge", 2, 255},  {"no-edge", 2, 255}};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (!samples(h, &pos, parts[i].digits, parts[i].max, size))
            return cv_bad(err, "icon hash: %s data out of range", parts[i].what);
    unsigned r = (unsigned)(h[pos] << 4 | h[pos + 1]), g = (unsigned)(h[pos + 2] << 4 | h[pos + 3]);
    unsigned b = (unsigned)(h[pos + 4] << 4 | h[pos + 5]);
    unsigned colours = (unsigned)(h[pos + 6] << 4 | h[pos + 7]);
    if (r + g + b > 103 || colours > 100)
        return cv_bad(err, "icon hash: spread data out of range");
    return CV_OK;
}

static cv_status add_name(cv_idb_groups *g, int k, cv_str name, bool *oom, cv_error *err)
{
    for (size_t i = 0; i < g->n[k]; i++)
        if (strlen(g->names[k][i]) == name.len && memcmp(g->names[k][i], name.p, name.len) == 0)
            return CV_OK;
    char **grown = realloc(g->names[k], (g->n[k] + 1) * sizeof(char *));
    if (!grown) {
        *oom = true;
        return CV_BAD;
    }
    g->names[k] = grown;
    grown[g->n[k]] = malloc(name.len + 1);
    if (!grown[g->n[k]]) {
        *oom = true;
        return CV_BAD;
    }
    memcpy(grown[g->n[k]], name.p, name.len);
    grown[g->n[k]][name.len] = '\0';
    g->n[k]++;
    (void)err;
    return CV_OK;
}

cv_status cv_idb_groups_add(cv_idb_groups *g, const cv_idb *l, bool *oom, cv_error *err)
{
    *oom = false;
    for (int k = 0; k < 2; k++)
        if (add_name(g, k, l->group[k], oom, err) != CV_OK)
            return CV_BAD;
    if (g->n[0] > MAX_GROUPS || g->n[1] > MAX_GROUPS)
        return cv_bad(err, "more than %d icon group names in one database", MAX_GROUPS);
    return CV_OK;
}

void cv_idb_groups_free(cv_idb_groups *g)
{
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < g->n[k]; i++)
            free(g->names[k][i]);
        free(g->names[k]);
        g->names[k] = NULL;
        g->n[k] = 0;
    }
}
