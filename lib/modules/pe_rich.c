/*
 * pe_rich.c - the pe module's rich header (the linker's XOR-masked list of
 * tool ids and versions between the DOS stub and the PE header, with
 * rich_signature.version()/toolid()) and the debug directory's PDB path.
 * Searches and sizes follow yara 4.2.3 so the values are the same.
 */
#include <string.h>

#include "../util/cursor.h"
#include "pe_internal.h"

#define RICH_RICH 0x68636952u /* "Rich" */
#define RICH_DANS 0x536e6144u /* "DanS" */

static uint32_t dword(const fmt_pe *pe, uint64_t off)
{
    uint32_t v = 0;
    rd_u32le((bytes){pe->data, pe->len}, off, &v);
    return v;
}

/* Walks back from the PE header in dwords to "Rich" (followed by the XOR
 * key), then on back to the dword that decodes to "DanS". */
void pe_load_rich(mo_ctx *c, mo_obj *root, pe_state *st)
{
    const fmt_pe *pe = &st->pe;
    uint32_t nt = pe->nt_offset;
    if (nt < 4 || nt > pe->len)
        return;
    int64_t p = (int64_t)nt - 4, rich = -1;
    uint32_t key = 0;
    for (; p >= 64; p -= 4) {
        if (dword(pe, (uint64_t)p) == RICH_RICH) {
            key = dword(pe, (uint64_t)p + 4);
            rich = p;
            p -= 4;
            break;
        }
    }
    if (key == 0)
        return;
    int64_t start = -1;
    for (; p >= 64; p -= 4) {
        if ((dword(pe, (uint64_t)p) ^ key) == RICH_DANS) {
            start = p;
            break;
        }
    }
    if (start < 0)
        return;
    uint64_t s = (uint64_t)start;
    uint32_t k1 = dword(pe, s + 4), k2 = dword(pe, s + 8), k3 = dword(pe, s + 12);
    if (k1 != k2 || k2 != k3 || (dword(pe, s) ^ k1) != RICH_DANS)
        return;
    size_t len = (size_t)(rich - start);
    uint8_t *clear = mo_alloc(c, len ? len : 1);
    if (!clear)
        return;
    memcpy(clear, pe->data + s, len);
    for (size_t i = 0; i + 4 <= len; i += 4) {
        uint32_t v = dword(pe, s + i) ^ k1;
        clear[i] = (uint8_t)v;
        clear[i + 1] = (uint8_t)(v >> 8);
        clear[i + 2] = (uint8_t)(v >> 16);
        clear[i + 3] = (uint8_t)(v >> 24);
    }
    mo_seti(c, root, (int64_t)s, "rich_signature.offset");
    mo_seti(c, root, (int64_t)len, "rich_signature.length");
    mo_seti(c, root, k1, "rich_signature.key");
    mo_sets(c, root, pe->data + s, len, "rich_signature.raw_data");
    mo_sets(c, root, clear, len, "rich_signature.clear_data");
    st->rich_clear = clear;
    st->rich_len = len;
}

/* Sum of the counts of the entries matching version and/or toolid (a
 * negative selector matches everything). yara computes the entry count
 * from the length in unsigned arithmetic and overruns its buffer for a
 * header under 16 bytes; such a header counts no entries here. */
static mo_val rich_count(const mo_call *c, int64_t version, int64_t toolid, bool by_version,
                         bool by_toolid)
{
    const pe_state *st = c->priv;
    if (!st || !st->rich_clear)
        return mo_undef();
    size_t n = st->rich_len >= 16 ? (st->rich_len - 16) / 8 : 0;
    int64_t sum = 0;
    bytes b = {st->rich_clear, st->rich_len};
    for (size_t i = 0; i < n; i++) {
        uint32_t id = 0, times = 0;
        rd_u32le(b, 16 + 8 * i, &id);
        rd_u32le(b, 20 + 8 * i, &times);
        bool v_ok = !by_version || (uint64_t)version == (id & 0xffff);
        bool t_ok = !by_toolid || (uint64_t)toolid == (id >> 16);
        if (v_ok && t_ok)
            sum += times;
    }
    return mo_int(sum);
}

mo_val pe_fn_rich_version(mo_call *c)
{
    return rich_count(c, mo_arg_int(c, 0), 0, true, false);
}

mo_val pe_fn_rich_version_toolid(mo_call *c)
{
    return rich_count(c, mo_arg_int(c, 0), mo_arg_int(c, 1), true, true);
}

mo_val pe_fn_rich_toolid(mo_call *c)
{
    return rich_count(c, 0, mo_arg_int(c, 0), false, true);
}

mo_val pe_fn_rich_toolid_version(mo_call *c)
{
    return rich_count(c, mo_arg_int(c, 1), mo_arg_int(c, 0), true, true);
}

/* ---- debug directory: the CodeView record's PDB path ---- */

#define DEBUG_ENTRY_SIZE 28
#define DEBUG_TYPE_CODEVIEW 2
#define MAX_PATH_LEN 260

/* Where a CodeView record of this signature keeps its file name, and the
 * record's size as yara's packed structure (one name byte included) */
static bool codeview_name(uint32_t sig, uint64_t *name_at, uint64_t *size)
{
    switch (sig) {
    case 0x3031424e: /* "NB10" (PDB 2.0) */
        *name_at = 16;
        *size = 17;
        return true;
    case 0x53445352: /* "RSDS" (PDB 7.0) */
        *name_at = 24;
        *size = 25;
        return true;
    case 0x434f544d: /* "MTOC" */
        *name_at = 20;
        *size = 21;
        return true;
    default:
        return false;
    }
}

void pe_load_debug(mo_ctx *c, mo_obj *root, const pe_state *st)
{
    const fmt_pe *pe = &st->pe;
    uint32_t rva, size;
    if (!fmt_pe_directory(pe, FMT_PE_DIR_DEBUG, &rva, &size) || size == 0 ||
        size % DEBUG_ENTRY_SIZE != 0 || rva == 0)
        return;
    int64_t dir = fmt_pe_rva_to_offset(pe, rva);
    if (dir < 0)
        return;
    int64_t path = -1; /* yara keeps the last path found across entries */
    for (uint32_t i = 0; i < size / DEBUG_ENTRY_SIZE; i++) {
        uint64_t e = (uint64_t)dir + (uint64_t)i * DEBUG_ENTRY_SIZE;
        if (!fmt_pe_fits(pe, e, DEBUG_ENTRY_SIZE))
            break;
        if (dword(pe, e + 12) != DEBUG_TYPE_CODEVIEW)
            continue;
        uint32_t raw_rva = dword(pe, e + 20), raw_ptr = dword(pe, e + 24);
        int64_t cv = 0;
        if (raw_rva != 0)
            cv = fmt_pe_rva_to_offset(pe, raw_rva);
        if (cv <= 0 && raw_ptr != 0)
            cv = raw_ptr;
        if (cv <= 0 || !fmt_pe_fits(pe, (uint64_t)cv, 8))
            continue;
        uint64_t name_at, rec;
        if (codeview_name(dword(pe, (uint64_t)cv), &name_at, &rec) &&
            fmt_pe_fits(pe, (uint64_t)cv, rec))
            path = cv + (int64_t)name_at;
        if (path >= 0) {
            size_t n = pe_strnlen(pe, (uint64_t)path, MAX_PATH_LEN);
            if (n > 0 && n < MAX_PATH_LEN) {
                mo_sets(c, root, pe->data + path, n, "pdb_path");
                break;
            }
        }
    }
}
