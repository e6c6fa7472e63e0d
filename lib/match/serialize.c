/*
 * serialize.c - the matcher as bytes for lib/db: a small header, the form
 * tables, and Vectorscan's own serialized database. The tables are a pure
 * function of the program, so deserialize rebuilds them from p and insists
 * the stored copy is byte-identical: a database written for other rules (or
 * damaged) is rejected before its pattern ids can index anything.
 */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define MT_SER_MAGIC "VGMT"
#define MT_SER_VERSION 1u
#define MT_SER_HEADER 20u /* magic, version, tables_len (u32), db_len (u64) */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
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
    mt_bytes mine = {0};
    vigil_status st;
    if (!m)
        return VIGIL_E_NOMEM;
    st = mt_tables_build(p, NULL, NULL, m, err, errlen);
    if (st != VIGIL_OK)
        goto out;
    if (!mt_tables_encode(m, &mine)) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    if (mine.len != tables_len || (tables_len && memcmp(mine.items, tables, tables_len) != 0)) {
        mt_set_err(err, errlen, "matcher data does not belong to these rules");
        st = VIGIL_E_CORRUPT;
        goto out;
    }
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
    vec_free(&mine);
    if (st != VIGIL_OK) {
        matcher_free(m);
        return st;
    }
    *out = m;
    return VIGIL_OK;
}
