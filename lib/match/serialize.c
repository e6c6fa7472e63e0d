/*
 * serialize.c - the matcher as bytes for lib/db: a small header, the form
 * tables, and Vectorscan's own serialized database. Loading must be cheap
 * (a big rule set in tens of milliseconds), so the stored tables are used as
 * they are and the regex/hex verifiers compiled only when first needed; a
 * digest of the strings' definitions rejects tables written for other rules,
 * and every stored index is range-checked before it can index anything.
 */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define MT_SER_MAGIC "VGMT"
#define MT_SER_VERSION 3u /* 3: word-wise digests */
#define MT_SER_HEADER 20u
#define MT_TABLES_FIXED 40u /* counts and max_lit, checksum, digest, atoms version */ /* magic, version, tables_len (u32), db_len (u64) */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool put_u32(mt_bytes *out, uint32_t v)
{
    if (!vec_reserve(out, 4))
        return false;
    put32(out->items + out->len, v);
    out->len += 4;
    return true;
}

/* FNV-1a (word-wise) over what the tables depend on: each string's kind, flags, xor
 * range, pattern and base64 alphabet. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    /* 8 bytes per step: databases load often and their tables are large;
     * each step (xor, multiply by an odd constant) is still a bijection */
    const uint8_t *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
    }
    for (; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t strings_digest(const matcher *m)
{
    const ir_program *p = m->p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < m->nstrings; i++) {
        const ir_string *is = &p->strings.items[i];
        uint32_t head[4] = {is->kind, is->flags, is->src_len,
                            (uint32_t)is->xor_min | (uint32_t)is->xor_max << 8};
        h = fnv(h, head, sizeof(head));
        h = fnv(h, p->pool.items + is->src, is->src_len); /* checked by mt_strings_init */
        if (is->alphabet != IR_NONE && is->kind == IR_PAT_TEXT &&
            (is->flags & (IR_SF_BASE64 | IR_SF_BASE64WIDE)))
            h = fnv(h, p->pool.items + is->alphabet, 64);
    }
    return h;
}

/* FNV-1a of the tables but their checksum field: a single changed byte
 * always changes it (each step is a bijection), so damage is caught here
 * even where the stored indices would still be in range. */
static uint64_t tables_sum(const uint8_t *b, size_t len)
{
    uint64_t h = fnv(0xcbf29ce484222325ull, b, 20);
    return fnv(h, b + 28, len - 28);
}

bool mt_tables_encode(const matcher *m, mt_bytes *out)
{
    uint64_t dg = strings_digest(m);
    size_t base = out->len;
    bool ok = put_u32(out, m->nstrings) && put_u32(out, (uint32_t)m->forms.len) &&
              put_u32(out, (uint32_t)m->lit.len) && put_u32(out, (uint32_t)m->sweeps.len) &&
              put_u32(out, m->max_lit) && put_u32(out, 0) && put_u32(out, 0) &&
              put_u32(out, (uint32_t)dg) && put_u32(out, (uint32_t)(dg >> 32)) &&
              put_u32(out, RE_ATOMS_VERSION);
    for (uint32_t i = 0; ok && i < m->nstrings; i++)
        ok = put_u32(out, m->strs[i].info);
    for (size_t i = 0; ok && i < m->forms.len; i++) {
        const mt_form *f = &m->forms.items[i];
        uint32_t packed = (uint32_t)f->kind | (uint32_t)f->caseless << 8 | (uint32_t)f->prog << 16 |
                          (uint32_t)f->masked << 24;
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
    if (ok) {
        uint64_t sum = tables_sum(out->items + base, out->len - base);
        put32(out->items + base + 20, (uint32_t)sum);
        put32(out->items + base + 24, (uint32_t)(sum >> 32));
    }
    return ok;
}

/* Checks one stored form against the strings it claims to belong to. */
static bool form_ok(const matcher *m, const mt_form *f)
{
    if (f->string >= m->nstrings || f->len == 0 || f->caseless > 1 || f->masked > 1)
        return false;
    uint64_t room = f->masked ? 2 * (uint64_t)f->len : f->len;
    if (f->off > m->lit.len || room > m->lit.len - f->off)
        return false;
    const mt_str *ms = &m->strs[f->string];
    switch (f->kind) {
    case MT_FORM_TEXT:
    case MT_FORM_B64:
        return ms->kind == IR_PAT_TEXT && !f->masked && f->prog == 0;
    case MT_FORM_ATOM:
        return ms->kind != IR_PAT_TEXT && f->prog < 2 && f->len <= RE_ATOM_MAX &&
               (ms->info & (f->prog ? MT_INFO_WIDE : MT_INFO_ASCII));
    default:
        return false;
    }
}

vigil_status mt_tables_decode(matcher *m, const uint8_t *b, size_t len, char *err, size_t errlen)
{
    if (len < MT_TABLES_FIXED)
        goto short_data;
    uint32_t nstrings = get32(b), nforms = get32(b + 4), nlit = get32(b + 8);
    uint32_t nsweeps = get32(b + 12), max_lit = get32(b + 16);
    uint64_t sum = (uint64_t)get32(b + 20) | (uint64_t)get32(b + 24) << 32;
    uint64_t dg = (uint64_t)get32(b + 28) | (uint64_t)get32(b + 32) << 32;
    if (sum != tables_sum(b, len)) {
        mt_set_err(err, errlen, "matcher data: tables are damaged");
        return VIGIL_E_CORRUPT;
    }
    if (get32(b + 36) != RE_ATOMS_VERSION) {
        mt_set_err(err, errlen, "matcher data: atoms of another vigil build");
        return VIGIL_E_VERSION;
    }
    if (nstrings != m->nstrings || dg != strings_digest(m)) {
        mt_set_err(err, errlen, "matcher data does not belong to these rules");
        return VIGIL_E_CORRUPT;
    }
    uint64_t need = MT_TABLES_FIXED + 4 * (uint64_t)nstrings + 20 * (uint64_t)nforms +
                    8 * (uint64_t)nsweeps + nlit;
    if (need != len || nforms > MT_MAX_FORMS || nlit > MT_MAX_LIT_BYTES)
        goto short_data;
    const uint8_t *r = b + MT_TABLES_FIXED;
    for (uint32_t i = 0; i < nstrings; i++, r += 4) {
        uint32_t info = get32(r);
        mt_str *ms = &m->strs[i];
        /* which programs a string has follows from its flags */
        if ((info & ~(uint32_t)MT_INFO_CHAINED) != ms->info ||
            (ms->kind == IR_PAT_TEXT && info != 0))
            goto bad;
        ms->info = (uint8_t)info;
    }
    if (!vec_reserve(&m->forms, nforms) || !vec_reserve(&m->sweeps, nsweeps) ||
        !vec_reserve(&m->lit, nlit))
        return VIGIL_E_NOMEM;
    if (nlit)
        memcpy(m->lit.items, b + len - nlit, nlit);
    m->lit.len = nlit;
    uint32_t longest = 0;
    for (uint32_t i = 0; i < nforms; i++, r += 20) {
        uint32_t packed = get32(r + 12);
        mt_form f = {
            .string = get32(r),
            .off = get32(r + 4),
            .len = get32(r + 8),
            .kind = (uint8_t)packed,
            .caseless = (uint8_t)(packed >> 8),
            .prog = (uint8_t)(packed >> 16),
            .masked = (uint8_t)(packed >> 24),
            .atom = get32(r + 16),
        };
        if (!form_ok(m, &f) || (i > 0 && f.string < m->forms.items[i - 1].string))
            goto bad; /* forms come string by string (mt_prog checks them so) */
        mt_str *ms = &m->strs[f.string];
        if (ms->form_count++ == 0)
            ms->form_first = i;
        if (f.len > longest)
            longest = f.len;
        m->forms.items[m->forms.len++] = f;
    }
    for (uint32_t i = 0; i < nsweeps; i++, r += 8) {
        mt_sweep sw = {get32(r), get32(r + 4)};
        if (sw.string >= nstrings || sw.prog > 1 ||
            !(m->strs[sw.string].info & (sw.prog ? MT_INFO_WIDE : MT_INFO_ASCII)))
            goto bad;
        m->sweeps.items[m->sweeps.len++] = sw;
    }
    /* the chunked scan overlaps by max_lit: it must cover every form */
    if (max_lit != longest)
        goto bad;
    m->max_lit = max_lit;
    return VIGIL_OK;
short_data:
    mt_set_err(err, errlen, "matcher data: tables are truncated");
    return VIGIL_E_CORRUPT;
bad:
    mt_set_err(err, errlen, "matcher data: tables are damaged");
    return VIGIL_E_CORRUPT;
}

vigil_status matcher_serialize(const matcher *m, uint8_t **bytes, size_t *len)
{
    if (!m || !bytes || !len)
        return VIGIL_E_ARG;
    *bytes = NULL;
    *len = 0;
    mt_bytes out = {0};
    char *db = NULL;
    size_t db_len = 0;
    vigil_status st = VIGIL_OK;
    if (m->db) {
        hs_error_t rc = hs_serialize_database(m->db, &db, &db_len);
        if (rc != HS_SUCCESS)
            return rc == HS_NOMEM ? VIGIL_E_NOMEM : VIGIL_E_INTERNAL;
    }
    if (!vec_reserve(&out, MT_SER_HEADER)) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    out.len = MT_SER_HEADER;
    if (!mt_tables_encode(m, &out)) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    size_t tables_len = out.len - MT_SER_HEADER;
    if (tables_len > UINT32_MAX) {
        st = VIGIL_E_LIMIT;
        goto out;
    }
    memcpy(out.items, MT_SER_MAGIC, 4);
    put32(out.items + 4, MT_SER_VERSION);
    put32(out.items + 8, (uint32_t)tables_len);
    put32(out.items + 12, (uint32_t)db_len);
    put32(out.items + 16, (uint32_t)((uint64_t)db_len >> 32));
    if (db_len) {
        if (!vec_reserve(&out, db_len)) {
            st = VIGIL_E_NOMEM;
            goto out;
        }
        memcpy(out.items + out.len, db, db_len);
        out.len += db_len;
    }
    *bytes = out.items;
    *len = out.len;
    out.items = NULL;
out:
    free(db);
    vec_free(&out);
    return st;
}

vigil_status matcher_deserialize(const ir_program *p, const uint8_t *bytes, size_t len,
                                 matcher **out, char *err, size_t errlen)
{
    if (!p || !out || (!bytes && len))
        return VIGIL_E_ARG;
    *out = NULL;
    if (len < MT_SER_HEADER || memcmp(bytes, MT_SER_MAGIC, 4) != 0) {
        mt_set_err(err, errlen, "matcher data: bad header");
        return VIGIL_E_CORRUPT;
    }
    if (get32(bytes + 4) != MT_SER_VERSION) {
        mt_set_err(err, errlen, "matcher data: version %u, expected %u", get32(bytes + 4),
                   MT_SER_VERSION);
        return VIGIL_E_VERSION;
    }
    uint64_t tables_len = get32(bytes + 8);
    uint64_t db_len = (uint64_t)get32(bytes + 12) | (uint64_t)get32(bytes + 16) << 32;
    uint64_t body = len - MT_SER_HEADER;
    if (tables_len > body || db_len != body - tables_len) {
        mt_set_err(err, errlen, "matcher data: section lengths do not add up");
        return VIGIL_E_CORRUPT;
    }
    const uint8_t *tables = bytes + MT_SER_HEADER;
    const uint8_t *dbb = tables + tables_len;

    matcher *m = calloc(1, sizeof(*m));
    vigil_status st;
    if (!m)
        return VIGIL_E_NOMEM;
    st = mt_strings_init(p, m, err, errlen);
    if (st == VIGIL_OK)
        st = mt_tables_decode(m, tables, (size_t)tables_len, err, errlen);
    if (st != VIGIL_OK)
        goto out;
    if ((m->forms.len == 0) != (db_len == 0)) {
        mt_set_err(err, errlen, "matcher data: database presence does not match the rules");
        st = VIGIL_E_CORRUPT;
        goto out;
    }
    if (db_len) {
        hs_error_t rc = hs_deserialize_database((const char *)dbb, (size_t)db_len, &m->db);
        if (rc != HS_SUCCESS) {
            m->db = NULL;
            if (rc == HS_DB_VERSION_ERROR || rc == HS_DB_PLATFORM_ERROR) {
                mt_set_err(err, errlen, "Vectorscan database from another version or CPU");
                st = VIGIL_E_VERSION;
            } else if (rc == HS_NOMEM) {
                st = VIGIL_E_NOMEM;
            } else {
                mt_set_err(err, errlen, "Vectorscan database is damaged (error %d)", (int)rc);
                st = VIGIL_E_CORRUPT;
            }
            goto out;
        }
        char *info = NULL;
        if (hs_database_info(m->db, &info) != HS_SUCCESS || !info || !strstr(info, "BLOCK")) {
            free(info);
            mt_set_err(err, errlen, "Vectorscan database is not a block-mode database");
            st = VIGIL_E_CORRUPT;
            goto out;
        }
        free(info);
    }
out:
    if (st != VIGIL_OK) {
        matcher_free(m);
        return st;
    }
    *out = m;
    return VIGIL_OK;
}
