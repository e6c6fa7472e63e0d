/*
 * tables.c - turns every string of a program into the literals Vectorscan
 * looks for (mt_form) and the verifiers behind them. Text strings become
 * their exact forms in yara's order (ascii, wide, then per xor key wide and
 * ascii; or the base64 encodings), so a hit is already a whole-form match;
 * regex/hex strings become their lib/re atoms. The result depends only on the
 * program, so deserialize rebuilds it and compares it with the stored copy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"
#include "text.h"

void mt_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

typedef struct build_ctx {
    const ir_program *p;
    matcher *m;
    uint32_t string;
    mt_warn_fn warn;
    void *user;
    char *err;
    size_t errlen;
} build_ctx;

const char *mt_string_name(const ir_program *p, uint32_t i)
{
    uint32_t id = i < p->strings.len ? p->strings.items[i].id : IR_NONE;
    if (id == IR_NONE || id >= p->pool.len || !memchr(p->pool.items + id, 0, p->pool.len - id))
        return "$";
    return p->pool.items + id;
}

/* Appends one literal and its form entry. */
static vigil_status add_form(build_ctx *c, const uint8_t *bytes, size_t len, uint8_t kind,
                             bool caseless, uint8_t prog, uint32_t atom)
{
    matcher *m = c->m;
    if (len == 0)
        return VIGIL_OK;
    if (m->forms.len >= MT_MAX_FORMS || len > MT_MAX_LIT_BYTES - m->lit.len) {
        mt_set_err(c->err, c->errlen, "string %s: too many patterns for the matcher",
                   mt_string_name(c->p, c->string));
        return VIGIL_E_LIMIT;
    }
    if (!vec_reserve(&m->lit, len))
        return VIGIL_E_NOMEM;
    mt_form f = {
        .string = c->string,
        .off = (uint32_t)m->lit.len,
        .len = (uint32_t)len,
        .kind = kind,
        .caseless = caseless,
        .prog = prog,
        .atom = atom,
    };
    if (!vec_push(&m->forms, f))
        return VIGIL_E_NOMEM;
    memcpy(m->lit.items + m->lit.len, bytes, len);
    m->lit.len += len;
    if (len > m->max_lit)
        m->max_lit = (uint32_t)len;
    return VIGIL_OK;
}

static vigil_status text_forms(build_ctx *c, const uint8_t *s, uint32_t n, uint32_t flags,
                               uint8_t xor_min, uint8_t xor_max)
{
    bool ascii = (flags & IR_SF_ASCII) || !(flags & IR_SF_WIDE);
    bool wide = flags & IR_SF_WIDE;
    bool icase = flags & IR_SF_NOCASE;
    size_t wlen = 2 * (size_t)n;
    uint8_t *buf = malloc(wlen);
    if (!buf)
        return VIGIL_E_NOMEM;
    vigil_status st = VIGIL_OK;
    if (!(flags & IR_SF_XOR) || icase) {
        /* yara ignores xor under nocase (its parser forbids the pair). */
        if (ascii)
            st = add_form(c, s, n, MT_FORM_TEXT, icase, 0, 0);
        if (st == VIGIL_OK && wide) {
            mt_widen(s, n, buf);
            st = add_form(c, buf, wlen, MT_FORM_TEXT, icase, 0, 0);
        }
        goto out;
    }
    /* xor: key 0 is the plain form; one literal per key, wide form first. */
    for (unsigned k = xor_min; k <= xor_max && st == VIGIL_OK; k++) {
        if (wide) {
            for (uint32_t i = 0; i < n; i++) {
                buf[2 * i] = (uint8_t)(s[i] ^ k);
                buf[2 * i + 1] = (uint8_t)k;
            }
            st = add_form(c, buf, wlen, MT_FORM_TEXT, false, 0, 0);
        }
        if (st == VIGIL_OK && ascii) {
            for (uint32_t i = 0; i < n; i++)
                buf[i] = (uint8_t)(s[i] ^ k);
            st = add_form(c, buf, n, MT_FORM_TEXT, false, 0, 0);
        }
    }
out:
    free(buf);
    return st;
}

/* yara's node order: plaintext widened first (base64, then base64wide),
 * then the ascii plaintext; shift 1 is skipped for one-byte plaintexts. */
static vigil_status base64_forms(build_ctx *c, const uint8_t *s, uint32_t n, uint32_t flags,
                                 const uint8_t *alphabet)
{
    bool ascii = (flags & IR_SF_ASCII) || !(flags & IR_SF_WIDE);
    bool wide = flags & IR_SF_WIDE;
    size_t wlen = 2 * (size_t)n;
    uint8_t *wtext = malloc(wlen);
    uint8_t *out = malloc(mt_base64_form_max(wlen));
    vigil_status st = VIGIL_OK;
    if (!wtext || !out) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    mt_widen(s, n, wtext);
    for (int plain_wide = 1; plain_wide >= 0 && st == VIGIL_OK; plain_wide--) {
        if (plain_wide ? !wide : !ascii)
            continue;
        const uint8_t *pt = plain_wide ? wtext : s;
        size_t plen = plain_wide ? wlen : n;
        for (int enc_wide = 0; enc_wide <= 1 && st == VIGIL_OK; enc_wide++) {
            if (!(flags & (enc_wide ? IR_SF_BASE64WIDE : IR_SF_BASE64)))
                continue;
            for (int shift = 0; shift <= 2 && st == VIGIL_OK; shift++) {
                if (shift == 1 && plen == 1)
                    continue;
                size_t len = mt_base64_form(pt, plen, alphabet, shift, enc_wide, out);
                st = add_form(c, out, len, MT_FORM_B64, false, 0, 0);
            }
        }
    }
out:
    free(wtext);
    free(out);
    return st;
}

static vigil_status re_forms(build_ctx *c, mt_str *ms, const ir_string *is)
{
    const char *src = ir_str(c->p, is->src);
    bool ascii = (is->flags & IR_SF_ASCII) || !(is->flags & IR_SF_WIDE);
    bool wide = is->flags & IR_SF_WIDE;
    unsigned base = 0;
    if (is->flags & (IR_SF_NOCASE | IR_SF_REGEX_NOCASE))
        base |= RE_F_NOCASE;
    if ((is->flags & IR_SF_DOTALL) || is->kind == IR_PAT_HEX)
        base |= RE_F_DOTALL; /* yara handles hex strings as dot-all regexps */
    for (uint8_t pi = 0; pi < 2; pi++) {
        if (pi == 0 ? !ascii : !wide)
            continue;
        unsigned fl = base | (pi ? RE_F_WIDE : 0);
        re_error rerr;
        memset(&rerr, 0, sizeof(rerr));
        vigil_status st = is->kind == IR_PAT_HEX
                              ? re_compile_hex(src, is->src_len, fl, &ms->prog[pi], &rerr)
                              : re_compile_regex(src, is->src_len, fl, &ms->prog[pi], &rerr);
        if (st != VIGIL_OK) {
            if (st == VIGIL_E_SYNTAX)
                mt_set_err(c->err, c->errlen, "string %s (line %u): %s",
                           mt_string_name(c->p, c->string), is->line, rerr.message);
            return st;
        }
        size_t na = re_atom_count(ms->prog[pi]);
        bool all_pieces = true; /* a chain with an atom-less piece is swept whole */
        for (size_t k = 0; k < re_piece_count(ms->prog[pi]); k++)
            all_pieces = all_pieces && re_piece_has_atoms(ms->prog[pi], k);
        if (na == 0 || !all_pieces) {
            mt_sweep sw = {c->string, pi};
            if (!vec_push(&c->m->sweeps, sw))
                return VIGIL_E_NOMEM;
            if (c->warn && pi == (ascii ? 0 : 1))
                c->warn(c->string, "string has no atom and slows down scanning", c->user);
            continue;
        }
        bool weak = false;
        for (size_t a = 0; a < na; a++) {
            const re_atom *at = re_atom_get(ms->prog[pi], a);
            if (!at || at->len == 0 || at->len > RE_ATOM_MAX)
                return VIGIL_E_INTERNAL;
            weak |= at->len < 2;
            st = add_form(c, at->bytes, at->len, MT_FORM_ATOM, at->nocase, pi, (uint32_t)a);
            if (st != VIGIL_OK)
                return st;
        }
        if (weak && c->warn && pi == (ascii ? 0 : 1))
            c->warn(c->string, "string may slow down scanning (one-byte atom)", c->user);
    }
    return VIGIL_OK;
}

vigil_status mt_tables_build(const ir_program *p, mt_warn_fn warn, void *user, matcher *m,
                             char *err, size_t errlen)
{
    if (p->strings.len > UINT32_MAX - 1)
        return VIGIL_E_LIMIT;
    m->p = p;
    m->nstrings = (uint32_t)p->strings.len;
    m->strs = calloc(m->nstrings ? m->nstrings : 1, sizeof(*m->strs));
    if (!m->strs)
        return VIGIL_E_NOMEM;
    build_ctx c = {.p = p, .m = m, .warn = warn, .user = user, .err = err, .errlen = errlen};
    for (uint32_t i = 0; i < m->nstrings; i++) {
        const ir_string *is = &p->strings.items[i];
        mt_str *ms = &m->strs[i];
        c.string = i;
        ms->kind = is->kind;
        ms->flags = is->flags;
        if (is->src == IR_NONE || is->src >= p->pool.len || is->src_len > p->pool.len - is->src) {
            mt_set_err(err, errlen, "string %s: pattern outside the string pool",
                       mt_string_name(p, i));
            return VIGIL_E_CORRUPT;
        }
        vigil_status st;
        if (is->kind == IR_PAT_TEXT) {
            const uint8_t *s = (const uint8_t *)p->pool.items + is->src;
            if (is->src_len == 0) {
                mt_set_err(err, errlen, "string %s (line %u): empty string", mt_string_name(p, i),
                           is->line);
                return VIGIL_E_SYNTAX;
            }
            ms->text = s;
            ms->text_len = is->src_len;
            /* yara: an atom is at most 4 bytes; a literal whose longest form
             * fits is never compared again after its atom is found. */
            ms->fits = ((is->flags & IR_SF_WIDE) ? 2 * (uint64_t)is->src_len : is->src_len) <= 4;
            if (is->flags & (IR_SF_BASE64 | IR_SF_BASE64WIDE)) {
                const uint8_t *alpha = mt_base64_std;
                if (is->alphabet != IR_NONE) {
                    if (is->alphabet >= p->pool.len || p->pool.len - is->alphabet < 64) {
                        mt_set_err(err, errlen, "string %s: base64 alphabet outside the pool",
                                   mt_string_name(p, i));
                        return VIGIL_E_CORRUPT;
                    }
                    alpha = (const uint8_t *)p->pool.items + is->alphabet;
                }
                st = base64_forms(&c, s, is->src_len, is->flags, alpha);
            } else {
                uint8_t lo = is->xor_min, hi = is->xor_max;
                if (lo > hi) {
                    mt_set_err(err, errlen, "string %s: bad xor range", mt_string_name(p, i));
                    return VIGIL_E_SYNTAX;
                }
                st = text_forms(&c, s, is->src_len, is->flags, lo, hi);
            }
        } else if (is->kind == IR_PAT_HEX || is->kind == IR_PAT_REGEX) {
            st = re_forms(&c, ms, is);
        } else {
            mt_set_err(err, errlen, "string %s: unknown pattern kind %u", mt_string_name(p, i),
                       is->kind);
            return VIGIL_E_CORRUPT;
        }
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

void mt_tables_free(matcher *m)
{
    if (m->strs) {
        for (uint32_t i = 0; i < m->nstrings; i++) {
            re_free(m->strs[i].prog[0]);
            re_free(m->strs[i].prog[1]);
        }
    }
    free(m->strs);
    m->strs = NULL;
    vec_free(&m->forms);
    vec_free(&m->lit);
    vec_free(&m->sweeps);
    if (m->db)
        hs_free_database(m->db);
    m->db = NULL;
}

static bool put_u32(mt_bytes *out, uint32_t v)
{
    if (!vec_reserve(out, 4))
        return false;
    for (int i = 0; i < 4; i++)
        out->items[out->len++] = (uint8_t)(v >> (8 * i));
    return true;
}

bool mt_tables_encode(const matcher *m, mt_bytes *out)
{
    bool ok = put_u32(out, m->nstrings) && put_u32(out, (uint32_t)m->forms.len) &&
              put_u32(out, (uint32_t)m->lit.len) && put_u32(out, (uint32_t)m->sweeps.len) &&
              put_u32(out, m->max_lit);
    for (size_t i = 0; ok && i < m->forms.len; i++) {
        const mt_form *f = &m->forms.items[i];
        uint32_t packed = (uint32_t)f->kind | (uint32_t)f->caseless << 8 | (uint32_t)f->prog << 16;
        ok = put_u32(out, f->string) && put_u32(out, f->off) && put_u32(out, f->len) &&
             put_u32(out, packed) && put_u32(out, f->atom);
    }
    for (size_t i = 0; ok && i < m->sweeps.len; i++)
        ok = put_u32(out, m->sweeps.items[i].string) && put_u32(out, m->sweeps.items[i].prog);
    if (ok && m->lit.len) {
        ok = vec_reserve(out, m->lit.len);
        if (ok) {
            memcpy(out->items + out->len, m->lit.items, m->lit.len);
            out->len += m->lit.len;
        }
    }
    return ok;
}
