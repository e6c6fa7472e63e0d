/*
 * matcher.c - builds the one Vectorscan database of a program and owns the
 * matcher's life cycle. Literals go through the pure-literal API; if any
 * literal starts with a NUL byte (which Vectorscan 5.4's literal API
 * rejects), every literal is given to the regex API as \xNN escapes instead,
 * so that there is still one database and one pass over the data.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

static vigil_status hs_status(hs_error_t rc)
{
    return rc == HS_NOMEM ? VIGIL_E_NOMEM : VIGIL_E_INTERNAL;
}

static vigil_status compile_db(matcher *m, char *err, size_t errlen)
{
    size_t n = m->forms.len;
    if (n == 0)
        return VIGIL_OK;
    if (n > UINT_MAX)
        return VIGIL_E_LIMIT;
    bool need_regex = false;
    for (size_t i = 0; i < n; i++)
        need_regex |= m->lit.items[m->forms.items[i].off] == 0;

    vigil_status st = VIGIL_OK;
    const char **exprs = calloc(n, sizeof(*exprs));
    unsigned *flags = calloc(n, sizeof(*flags));
    unsigned *ids = calloc(n, sizeof(*ids));
    size_t *lens = calloc(n, sizeof(*lens));
    char *esc = NULL;
    if (!exprs || !flags || !ids || !lens) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    if (need_regex) {
        /* 4 characters per byte plus a NUL per pattern; lit.len <= 1 GiB */
        size_t total = 4 * m->lit.len + n;
        esc = malloc(total);
        if (!esc) {
            st = VIGIL_E_NOMEM;
            goto out;
        }
        char *w = esc;
        for (size_t i = 0; i < n; i++) {
            const mt_form *f = &m->forms.items[i];
            exprs[i] = w;
            for (uint32_t k = 0; k < f->len; k++) {
                static const char hex[] = "0123456789abcdef";
                uint8_t b = m->lit.items[f->off + k];
                *w++ = '\\';
                *w++ = 'x';
                *w++ = hex[b >> 4];
                *w++ = hex[b & 15];
            }
            *w++ = '\0';
        }
    }
    for (size_t i = 0; i < n; i++) {
        const mt_form *f = &m->forms.items[i];
        if (!need_regex) {
            exprs[i] = (const char *)m->lit.items + f->off;
            lens[i] = f->len;
        }
        flags[i] = f->caseless ? HS_FLAG_CASELESS : 0;
        ids[i] = (unsigned)i;
    }
    hs_compile_error_t *ce = NULL;
    hs_error_t rc;
    if (need_regex)
        rc = hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &m->db, &ce);
    else
        rc = hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &m->db,
                                  &ce);
    if (rc != HS_SUCCESS) {
        int which = ce ? ce->expression : -1;
        const char *msg = ce && ce->message ? ce->message : "unknown error";
        if (which >= 0 && (size_t)which < n) {
            mt_set_err(err, errlen, "Vectorscan rejected a pattern of string %s: %s",
                       mt_string_name(m->p, m->forms.items[which].string), msg);
        } else {
            mt_set_err(err, errlen, "Vectorscan compile failed: %s", msg);
        }
        st = rc == HS_COMPILER_ERROR ? VIGIL_E_INTERNAL : hs_status(rc);
        m->db = NULL;
    }
    if (ce)
        hs_free_compile_error(ce);
out:
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
    free(esc);
    return st;
}

vigil_status matcher_build(const ir_program *p, mt_warn_fn warn, void *user, matcher **out,
                           char *err, size_t errlen)
{
    if (!p || !out)
        return VIGIL_E_ARG;
    *out = NULL;
    matcher *m = calloc(1, sizeof(*m));
    if (!m)
        return VIGIL_E_NOMEM;
    vigil_status st = mt_tables_build(p, warn, user, m, err, errlen);
    if (st == VIGIL_OK)
        st = compile_db(m, err, errlen);
    if (st != VIGIL_OK) {
        matcher_free(m);
        return st;
    }
    *out = m;
    return VIGIL_OK;
}

void matcher_free(matcher *m)
{
    if (!m)
        return;
    mt_tables_free(m);
    free(m);
}
