/*
 * clamav_meta.c - container metadata signatures (.cdb) on the objects a
 * container hands out, as libclamav's cli_matchmeta checks them: before a
 * member is scanned, each .cdb line compares the container's type and size
 * and the member's name, sizes, position and encryption, and a line that
 * holds is a detection of the container.
 *
 * Mail is the first container vigil opens: libclamav calls cli_matchmeta
 * for each part it scans as it writes it (fileblobScan), with the part's
 * file name, its size as both sizes, position 0, not encrypted; the parts
 * its final folder scan finds get no metadata check. Archives will be the
 * next callers.
 *
 * The lines live in the database as rules that never match by themselves
 * (IR_RULE_CLAM_CDB, meta "cdb" = the line, lib/clamav/lower.c); they are
 * parsed again and their name patterns compiled when a database is opened.
 * The name pattern is a POSIX extended regular expression, accepted at
 * load time exactly as libclamav's copy of Henry Spencer's regex library
 * accepts it (lib/clamav/phishre.h cv_posix_ere_ok, "(?i)" included);
 * libc's regcomp and regexec match it (REG_NOSUB, anywhere in the name).
 * Both read the common syntax alike; on odd forms Spencer's reading can
 * differ (`a{,3}` is literal text there), and a pattern libc cannot
 * compile never holds.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clamav/sig.h"
#include "internal.h"
#include "scanner_int.h"

struct api_cdb {
    uint32_t rule;
    cv_cdb line; /* ranges, type, encryption (strings not kept) */
    bool has_re;
    regex_t re;
};

vigil_status api_clam_meta_init(struct vigil_db *db)
{
    const ir_program *p = &db->prog;
    size_t n = 0;
    for (size_t i = 0; i < p->rules.len; i++)
        n += (p->rules.items[i].flags & IR_RULE_CLAM_CDB) != 0;
    if (n == 0)
        return VIGIL_OK;
    db->cdb = calloc(n, sizeof(*db->cdb));
    if (!db->cdb)
        return VIGIL_E_NOMEM;
    cv_arena a;
    cv_arena_init(&a);
    vigil_status st = VIGIL_OK;
    /* libclamav keeps them in a list it prepends to: newest first */
    for (size_t i = p->rules.len; i-- > 0 && st == VIGIL_OK;) {
        const ir_rule *r = &p->rules.items[i];
        size_t len = 0;
        const char *text = (r->flags & IR_RULE_CLAM_CDB) ? api_rule_meta(p, r, "cdb", &len) : NULL;
        if (!text)
            continue;
        struct api_cdb *c = &db->cdb[db->ncdb];
        cv_error err = {{0}};
        if (cv_parse_cdb(text, len, &a, &c->line, &err) != CV_OK)
            continue; /* the loader refused such lines; a damaged database */
        c->rule = (uint32_t)i;
        if (c->line.filename_re.p) {
            /* cli_regcomp: a leading "(?i)" sets REG_ICASE */
            const char *re = c->line.filename_re.p;
            int flags = REG_EXTENDED | REG_NOSUB;
            if (strncmp(re, "(?i)", 4) == 0) {
                re += 4;
                flags |= REG_ICASE;
            }
            int rc = regcomp(&c->re, re, flags);
            if (rc == REG_ESPACE)
                st = VIGIL_E_NOMEM;
            if (rc != 0)
                continue;
            c->has_re = true;
        }
        c->line.name = (cv_str){0};
        c->line.filename_re = (cv_str){0};
        c->line.res1 = c->line.res2 = (cv_str){0};
        db->ncdb++;
    }
    cv_arena_free(&a);
    return st;
}

void api_clam_meta_free(struct vigil_db *db)
{
    for (size_t i = 0; i < db->ncdb; i++)
        if (db->cdb[i].has_re)
            regfree(&db->cdb[i].re);
    free(db->cdb);
    db->cdb = NULL;
    db->ncdb = 0;
}

/* cli_matchmeta's CDBRANGE: one value must be equal, a range holds it
 * (a bound of 0 is open). */
static bool in_range(const cv_range *r, uint64_t v)
{
    if (!r->present)
        return true;
    if (r->min == r->max)
        return v == r->min;
    return !(r->min && r->min > v) && !(r->max && r->max < v);
}

vigil_status api_clam_meta(vigil_scanner *s, const api_clam_member *m, vigil_scan_fn fn,
                           void *user)
{
    const struct vigil_db *db = s->db;
    const char *was_view = s->view;
    char buf[600];
    vigil_status st = VIGIL_OK;
    for (size_t i = 0; i < db->ncdb && st == VIGIL_OK; i++) {
        const struct api_cdb *c = &db->cdb[i];
        const cv_cdb *l = &c->line;
        if (!l->any_container && l->container != m->container_type)
            continue;
        if (l->encrypted != 2 && l->encrypted != (int)m->encrypted)
            continue;
        if (!in_range(&l->csize, m->container_size) || !in_range(&l->fsizec, m->packed_size) ||
            !in_range(&l->fsizer, m->size) || !in_range(&l->filepos, m->position))
            continue;
        if (c->has_re && (!m->name || regexec(&c->re, m->name, 0, NULL, 0) != 0))
            continue;
        char label[400];
        snprintf(label, sizeof(label), "%s (container metadata)", m->label);
        s->view = api_clam_view_name(s, label, buf, sizeof(buf));
        if (fn(s, VIGIL_EV_RULE_MATCHING, &db->rules[c->rule], 0, user) != VIGIL_OK)
            st = VIGIL_E_ABORTED;
    }
    s->view = was_view;
    return st;
}
