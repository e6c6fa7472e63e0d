/*
 * matcher.c - builds the one Vectorscan database of a program and owns the
 * matcher's life cycle. Literals go through the pure-literal API; if any
 * literal starts with a NUL byte (which Vectorscan 5.4's literal API
 * rejects) or is a masked window (re.h), every form is given to the regex
 * API instead (\xNN escapes, classes, .{n}), so that there is still one
 * database and one pass over the data.
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

typedef VEC(char) text;

static bool put_hex(text *t, uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    char e[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
    if (!vec_reserve(t, 4))
        return false;
    memcpy(t->items + t->len, e, 4);
    t->len += 4;
    return true;
}

static bool put_str(text *t, const char *s)
{
    size_t n = strlen(s);
    if (!vec_reserve(t, n))
        return false;
    memcpy(t->items + t->len, s, n);
    t->len += n;
    return true;
}

/* One byte test as a regex piece: \xNN, or a class of the bytes d with
 * (d & mask) == val. (Runs of mask 0 are written by the caller as .{n}.) */
static bool put_test(text *t, uint8_t val, uint8_t mask)
{
    if (mask == 0xFF)
        return put_hex(t, val);
    bool ok = put_str(t, "[");
    for (int b = 0; b < 256 && ok;) {
        if ((b & mask) != val) {
            b++;
            continue;
        }
        int e = b;
        while (e + 1 < 256 && ((e + 1) & mask) == val)
            e++;
        ok = put_hex(t, (uint8_t)b);
        if (ok && e > b)
            ok = put_str(t, "-") && put_hex(t, (uint8_t)e);
        b = e + 1;
    }
    return ok && put_str(t, "]");
}

/* The form as a Vectorscan regex (compiled with HS_FLAG_DOTALL), appended
 * to t with its terminating NUL. */
static bool form_regex(const matcher *m, const mt_form *f, text *t)
{
    const uint8_t *v = m->lit.items + f->off;
    const uint8_t *mk = f->masked ? v + f->len : NULL;
    bool ok = true;
    for (uint32_t k = 0; k < f->len && ok;) {
        uint8_t mask = mk ? mk[k] : 0xFF;
        if (mask == 0) {
            uint32_t e = k;
            while (e < f->len && mk[e] == 0)
                e++;
            char rep[24];
            snprintf(rep, sizeof(rep), e - k > 1 ? ".{%u}" : ".", (unsigned)(e - k));
            ok = put_str(t, rep);
            k = e;
            continue;
        }
        /* caseless forms test letters with mask 0xDF: \xNN under
         * HS_FLAG_CASELESS says the same */
        if (f->caseless && mask == 0xDF)
            mask = 0xFF;
        ok = put_test(t, v[k], mask);
        k++;
    }
    return ok && vec_push(t, '\0');
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
        need_regex |= m->lit.items[m->forms.items[i].off] == 0 || m->forms.items[i].masked;

    vigil_status st = VIGIL_OK;
    const char **exprs = calloc(n, sizeof(*exprs));
    unsigned *flags = calloc(n, sizeof(*flags));
    unsigned *ids = calloc(n, sizeof(*ids));
    size_t *lens = calloc(n, sizeof(*lens));
    size_t *at = calloc(n, sizeof(*at));
    text esc = {0};
    if (!exprs || !flags || !ids || !lens || !at) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    if (need_regex) {
        for (size_t i = 0; i < n && st == VIGIL_OK; i++) {
            at[i] = esc.len;
            if (!form_regex(m, &m->forms.items[i], &esc))
                st = VIGIL_E_NOMEM;
        }
        if (st != VIGIL_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const mt_form *f = &m->forms.items[i];
        if (need_regex) {
            exprs[i] = esc.items + at[i];
            flags[i] = HS_FLAG_DOTALL;
        } else {
            exprs[i] = (const char *)m->lit.items + f->off;
            lens[i] = f->len;
            flags[i] = 0;
        }
        if (f->caseless)
            flags[i] |= HS_FLAG_CASELESS;
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
    free(at);
    vec_free(&esc);
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
