/*
 * tables.c - turns every string of a program into the literals Vectorscan
 * looks for (mt_form) and the verifiers behind them. Text strings become
 * their exact forms in yara's order (ascii, wide, then per xor key wide and
 * ascii; or the base64 encodings), so a hit is already a whole-form match;
 * regex/hex strings become their lib/re atoms. The result depends only on the
 * program; a loaded database keeps the stored tables (serialize.c) and
 * compiles each regex/hex verifier only when a scan first needs it (mt_prog).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clamav/hexprog.h"
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

/* Appends one literal (and its masks, if any) and its form entry. */
static vigil_status add_form_masked(build_ctx *c, const uint8_t *bytes, const uint8_t *mask,
                                    size_t len, uint8_t kind, bool caseless, uint8_t prog,
                                    uint32_t atom)
{
    matcher *m = c->m;
    if (len == 0)
        return VIGIL_OK;
    size_t room = mask ? 2 * len : len;
    if (m->forms.len >= MT_MAX_FORMS || room > MT_MAX_LIT_BYTES - m->lit.len) {
        mt_set_err(c->err, c->errlen, "string %s: too many patterns for the matcher",
                   mt_string_name(c->p, c->string));
        return VIGIL_E_LIMIT;
    }
    if (!vec_reserve(&m->lit, room))
        return VIGIL_E_NOMEM;
    mt_form f = {
        .string = c->string,
        .off = (uint32_t)m->lit.len,
        .len = (uint32_t)len,
        .kind = kind,
        .caseless = caseless,
        .prog = prog,
        .masked = mask != NULL,
        .atom = atom,
    };
    if (!vec_push(&m->forms, f))
        return VIGIL_E_NOMEM;
    mt_str *ms = &m->strs[c->string];
    if (ms->form_count++ == 0)
        ms->form_first = (uint32_t)m->forms.len - 1;
    memcpy(m->lit.items + m->lit.len, bytes, len);
    if (mask)
        memcpy(m->lit.items + m->lit.len + len, mask, len);
    m->lit.len += room;
    if (len > m->max_lit)
        m->max_lit = (uint32_t)len;
    return VIGIL_OK;
}

static vigil_status add_form(build_ctx *c, const uint8_t *bytes, size_t len, uint8_t kind,
                             bool caseless, uint8_t prog, uint32_t atom)
{
    return add_form_masked(c, bytes, NULL, len, kind, caseless, prog, atom);
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

/* The lib/re flags of program pi (0 ascii, 1 wide) of a regex/hex string. */
static unsigned prog_flags(const ir_string *is, uint8_t pi)
{
    bool ascii = (is->flags & IR_SF_ASCII) || !(is->flags & IR_SF_WIDE);
    bool wide = is->flags & IR_SF_WIDE;
    unsigned fl = pi ? RE_F_WIDE : 0;
    if (is->flags & (IR_SF_NOCASE | IR_SF_REGEX_NOCASE))
        fl |= RE_F_NOCASE;
    if ((is->flags & IR_SF_DOTALL) || is->kind == IR_PAT_HEX)
        fl |= RE_F_DOTALL; /* yara handles hex strings as dot-all regexps */
    /* a string with one program may be found through its own literal runs */
    if (!(ascii && wide))
        fl |= RE_F_ANCHOR;
    return fl;
}

/* A ClamAV pattern's options for program pi: libclamav adds the wide form
 * (pi 1) and the plain one (pi 0) of a ::wa subsignature as two patterns. */
static unsigned clam_flags(const ir_string *is, uint8_t pi)
{
    unsigned keep = IR_SF_NOCASE | IR_SF_FULLWORD | IR_SF_ASCII | IR_SF_WIDE;
    unsigned fl = is->flags & keep;
    return pi ? fl & ~(unsigned)IR_SF_ASCII : fl & ~(unsigned)IR_SF_WIDE;
}

static vigil_status compile_prog(const ir_program *p, uint32_t si, uint8_t pi, re_prog **out,
                                 char *err, size_t errlen)
{
    const ir_string *is = &p->strings.items[si];
    const char *src = p->pool.items + is->src;
    unsigned fl = prog_flags(is, pi);
    re_error rerr;
    memset(&rerr, 0, sizeof(rerr));
    vigil_status st;
    if (is->kind == IR_PAT_CLAMAV)
        st = cv_compile_pattern(src, is->src_len, clam_flags(is, pi), out, &rerr);
    else if (is->kind == IR_PAT_HEX)
        st = re_compile_hex(src, is->src_len, fl, out, &rerr);
    else
        st = re_compile_regex(src, is->src_len, fl, out, &rerr);
    if (st == VIGIL_E_SYNTAX || (st == VIGIL_E_LIMIT && is->kind == IR_PAT_CLAMAV))
        mt_set_err(err, errlen, "string %s (line %u): %s", mt_string_name(p, si), is->line,
                   rerr.message);
    return st;
}

/* The stored forms of program pi are exactly its atoms, in order (or none
 * when it is swept): tables from a build that chose other atoms must not
 * steer verification. */
static bool forms_agree(const matcher *m, const mt_str *ms, uint8_t pi, const re_prog *prog)
{
    size_t na = re_atom_count(prog), k = 0;
    bool swept = na == 0;
    for (size_t i = 0; i < re_piece_count(prog); i++)
        swept = swept || !re_piece_has_atoms(prog, i);
    for (uint32_t i = 0; i < ms->form_count; i++) {
        const mt_form *f = &m->forms.items[ms->form_first + i];
        if (f->kind != MT_FORM_ATOM || f->prog != pi)
            continue;
        const re_atom *a = re_atom_get(prog, k);
        if (swept || !a || f->atom != k || f->len != a->len || f->caseless != a->nocase ||
            f->masked != a->masked || memcmp(m->lit.items + f->off, a->bytes, a->len) != 0 ||
            (a->masked && memcmp(m->lit.items + f->off + f->len, a->mask, a->len) != 0))
            return false;
        k++;
    }
    return k == (swept ? 0 : na);
}

const re_prog *mt_prog(const matcher *m, uint32_t si, uint8_t pi, vigil_status *st)
{
    mt_str *ms = &m->strs[si];
    re_prog *have = atomic_load_explicit(&ms->prog[pi], memory_order_acquire);
    if (have || !(ms->info & (pi ? MT_INFO_WIDE : MT_INFO_ASCII)))
        return have;
    re_prog *mine = NULL;
    vigil_status rc = compile_prog(m->p, si, pi, &mine, NULL, 0);
    if (rc != VIGIL_OK) {
        /* the rules compiled when the matcher was built: only memory can fail */
        *st = rc == VIGIL_E_NOMEM ? rc : VIGIL_E_CORRUPT;
        return NULL;
    }
    /* what the stored tables say of the program must hold */
    if ((re_piece_count(mine) > 1) != ((ms->info & MT_INFO_CHAINED) != 0) ||
        !forms_agree(m, ms, pi, mine)) {
        re_free(mine);
        *st = VIGIL_E_CORRUPT;
        return NULL;
    }
    /* another thread may have been faster: keep its program */
    if (!atomic_compare_exchange_strong_explicit(&ms->prog[pi], &have, mine, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        re_free(mine);
        return have;
    }
    return mine;
}

static vigil_status re_forms(build_ctx *c, mt_str *ms, const ir_string *is)
{
    bool ascii = (is->flags & IR_SF_ASCII) || !(is->flags & IR_SF_WIDE);
    for (uint8_t pi = 0; pi < 2; pi++) {
        if (!(ms->info & (pi ? MT_INFO_WIDE : MT_INFO_ASCII)))
            continue;
        re_prog *prog = NULL;
        vigil_status st = compile_prog(c->p, c->string, pi, &prog, c->err, c->errlen);
        if (st != VIGIL_OK)
            return st;
        atomic_store_explicit(&ms->prog[pi], prog, memory_order_relaxed);
        if (re_piece_count(prog) > 1)
            ms->info |= MT_INFO_CHAINED;
        size_t na = re_atom_count(prog);
        bool all_pieces = true; /* a chain with an atom-less piece is swept whole */
        for (size_t k = 0; k < re_piece_count(prog); k++)
            all_pieces = all_pieces && re_piece_has_atoms(prog, k);
        /* diagnostics follow yara's atoms, whatever the matcher looks for */
        size_t yna;
        bool yweak, yall;
        re_yara_atoms(prog, &yna, &yweak, &yall);
        bool warn_here = c->warn && pi == (ascii ? 0 : 1);
        if (warn_here && (yna == 0 || !yall))
            c->warn(c->string, "string has no atom and slows down scanning", c->user);
        else if (warn_here && yweak)
            c->warn(c->string, "string may slow down scanning (one-byte atom)", c->user);
        if (na == 0 || !all_pieces) {
            mt_sweep sw = {c->string, pi};
            if (!vec_push(&c->m->sweeps, sw))
                return VIGIL_E_NOMEM;
            continue;
        }
        for (size_t a = 0; a < na; a++) {
            const re_atom *at = re_atom_get(prog, a);
            if (!at || at->len == 0 || at->len > RE_ATOM_MAX)
                return VIGIL_E_INTERNAL;
            st = add_form_masked(c, at->bytes, at->masked ? at->mask : NULL, at->len,
                                 MT_FORM_ATOM, at->nocase, pi, (uint32_t)a);
            if (st != VIGIL_OK)
                return st;
        }
    }
    return VIGIL_OK;
}

vigil_status mt_strings_init(const ir_program *p, matcher *m, char *err, size_t errlen)
{
    if (p->strings.len > UINT32_MAX - 1)
        return VIGIL_E_LIMIT;
    m->p = p;
    m->nstrings = (uint32_t)p->strings.len;
    m->strs = calloc(m->nstrings ? m->nstrings : 1, sizeof(*m->strs));
    if (!m->strs)
        return VIGIL_E_NOMEM;
    for (uint32_t i = 0; i < m->nstrings; i++) {
        const ir_string *is = &p->strings.items[i];
        mt_str *ms = &m->strs[i];
        atomic_init(&ms->prog[0], NULL);
        atomic_init(&ms->prog[1], NULL);
        ms->kind = is->kind;
        ms->flags = is->flags;
        if (is->src == IR_NONE || is->src >= p->pool.len || is->src_len > p->pool.len - is->src) {
            mt_set_err(err, errlen, "string %s: pattern outside the string pool",
                       mt_string_name(p, i));
            return VIGIL_E_CORRUPT;
        }
        if (is->kind == IR_PAT_HEX || is->kind == IR_PAT_REGEX || is->kind == IR_PAT_CLAMAV) {
            bool ascii = (is->flags & IR_SF_ASCII) || !(is->flags & IR_SF_WIDE);
            ms->info = (uint8_t)((ascii ? MT_INFO_ASCII : 0) |
                                 ((is->flags & IR_SF_WIDE) ? MT_INFO_WIDE : 0));
            /* ::f is libclamav's (W) edges, inside the program: the scan's
             * yara fullword test must not apply on top */
            if (is->kind == IR_PAT_CLAMAV)
                ms->flags &= ~(uint32_t)IR_SF_FULLWORD;
            continue;
        }
        if (is->kind != IR_PAT_TEXT) {
            mt_set_err(err, errlen, "string %s: unknown pattern kind %u", mt_string_name(p, i),
                       is->kind);
            return VIGIL_E_CORRUPT;
        }
        if (is->src_len == 0) {
            mt_set_err(err, errlen, "string %s (line %u): empty string", mt_string_name(p, i),
                       is->line);
            return VIGIL_E_SYNTAX;
        }
        ms->text = (const uint8_t *)p->pool.items + is->src;
        ms->text_len = is->src_len;
        /* yara: an atom is at most 4 bytes; a literal whose longest form
         * fits is never compared again after its atom is found. */
        ms->fits = ((is->flags & IR_SF_WIDE) ? 2 * (uint64_t)is->src_len : is->src_len) <= 4;
        if ((is->flags & (IR_SF_BASE64 | IR_SF_BASE64WIDE)) && is->alphabet != IR_NONE &&
            (is->alphabet >= p->pool.len || p->pool.len - is->alphabet < 64)) {
            mt_set_err(err, errlen, "string %s: base64 alphabet outside the pool",
                       mt_string_name(p, i));
            return VIGIL_E_CORRUPT;
        }
        if (!(is->flags & (IR_SF_BASE64 | IR_SF_BASE64WIDE)) && is->xor_min > is->xor_max) {
            mt_set_err(err, errlen, "string %s: bad xor range", mt_string_name(p, i));
            return VIGIL_E_SYNTAX;
        }
    }
    return VIGIL_OK;
}

vigil_status mt_tables_build(const ir_program *p, mt_warn_fn warn, void *user, matcher *m,
                             char *err, size_t errlen)
{
    vigil_status st = mt_strings_init(p, m, err, errlen);
    if (st != VIGIL_OK)
        return st;
    build_ctx c = {.p = p, .m = m, .warn = warn, .user = user, .err = err, .errlen = errlen};
    for (uint32_t i = 0; i < m->nstrings && st == VIGIL_OK; i++) {
        const ir_string *is = &p->strings.items[i];
        mt_str *ms = &m->strs[i];
        c.string = i;
        if (is->kind != IR_PAT_TEXT) {
            st = re_forms(&c, ms, is);
        } else if (is->flags & (IR_SF_BASE64 | IR_SF_BASE64WIDE)) {
            const uint8_t *alpha = is->alphabet == IR_NONE
                                       ? mt_base64_std
                                       : (const uint8_t *)p->pool.items + is->alphabet;
            st = base64_forms(&c, ms->text, ms->text_len, is->flags, alpha);
        } else {
            st = text_forms(&c, ms->text, ms->text_len, is->flags, is->xor_min, is->xor_max);
        }
    }
    return st;
}

void mt_tables_free(matcher *m)
{
    if (m->strs) {
        for (uint32_t i = 0; i < m->nstrings; i++) {
            re_free(atomic_load_explicit(&m->strs[i].prog[0], memory_order_relaxed));
            re_free(atomic_load_explicit(&m->strs[i].prog[1], memory_order_relaxed));
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
