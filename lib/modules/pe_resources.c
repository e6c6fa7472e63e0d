/*
 * pe_resources.c - the pe module's resources (the three-level type / name /
 * language tree), the VS_VERSION_INFO string tables found in version
 * resources, and language()/locale(). The walk mirrors yara 4.2.3's,
 * including which values survive from one branch of the tree to the next;
 * a visit budget keeps hostile trees (entries pointing back at their own
 * directories, 65535-wide levels) from taking unbounded time.
 */
#include <stdio.h>
#include <string.h>

#include "../util/cursor.h"
#include "pe_internal.h"

#define DIR_SIZE 16
#define ENTRY_SIZE 8
#define DATA_ENTRY_SIZE 16
/* Entries visited over the whole tree. yara has no such bound; a tree that
 * needs more (2^24 entries) could only come from a file crafted to stall a
 * scanner, and stops being walked here. */
#define MAX_VISITS ((uint64_t)1 << 24)

typedef struct walk {
    mo_ctx *c;
    mo_obj *root;
    pe_state *st;
    const fmt_pe *pe;
    uint64_t base; /* file offset of the resource section's root directory */
    /* yara keeps the three ids in variables shared by the whole walk */
    int32_t type, id, language;
    uint64_t visits;
    uint32_t versions; /* version_info_list entries */
    int64_t *langs;
    uint32_t nlangs, cap;
    bool failed;
} walk;

static uint16_t u16(const fmt_pe *pe, uint64_t off)
{
    uint16_t v = 0;
    rd_u16le((bytes){pe->data, pe->len}, off, &v);
    return v;
}

static uint32_t u32(const fmt_pe *pe, uint64_t off)
{
    uint32_t v = 0;
    rd_u32le((bytes){pe->data, pe->len}, off, &v);
    return v;
}

/* ---- version info ---- */

/* yara's wide_string_fits_in_pe: a 16-bit NUL at an even distance from off
 * before the end of the file */
static bool wide_fits(const fmt_pe *pe, uint64_t off)
{
    if (off >= pe->len)
        return false;
    for (uint64_t i = off; i + 2 <= pe->len; i += 2)
        if (pe->data[i] == 0 && pe->data[i + 1] == 0)
            return true;
    return false;
}

/* Characters of a wide string (callers checked it ends in the file). */
static uint64_t wide_len(const fmt_pe *pe, uint64_t off)
{
    uint64_t n = 0;
    while (pe->data[off + 2 * n] || pe->data[off + 2 * n + 1])
        n++;
    return n;
}

/* yara's strcmp_w(key, ascii) == 0: the wide string equals ascii exactly
 * (callers checked 2 * (strlen(ascii) + 1) bytes fit) */
static bool wide_equals(const fmt_pe *pe, uint64_t off, const char *ascii)
{
    size_t i = 0;
    for (; ascii[i]; i++)
        if (pe->data[off + 2 * i] != (uint8_t)ascii[i] || pe->data[off + 2 * i + 1] != 0)
            return false;
    return pe->data[off + 2 * i] == 0 && pe->data[off + 2 * i + 1] == 0;
}

/* yara's strlcpy_w: the low bytes of the wide characters, up to the first
 * whose low byte is 0, at most n - 1 of them */
static size_t narrow(const fmt_pe *pe, uint64_t off, char *out, size_t n)
{
    size_t k = 0;
    while (k + 1 < n && pe->data[off + 2 * k] != 0) {
        out[k] = (char)pe->data[off + 2 * k];
        k++;
    }
    out[k] = '\0';
    return k;
}

static uint64_t align4(uint64_t at, uint64_t add)
{
    return at + ((add + 3) & ~(uint64_t)3);
}

/* VS_VERSION_INFO: skips VarFileInfo blocks, then reads each StringFileInfo's
 * string tables' key/value pairs. Every block header is Length, ValueLength,
 * Type (16 bits each) and a wide key. */
static void parse_version_info(walk *w, uint32_t rva)
{
    const fmt_pe *pe = w->pe;
    int64_t start = fmt_pe_rva_to_offset(pe, rva);
    if (start < 0)
        return;
    uint64_t vi = (uint64_t)start;
    if (!fmt_pe_fits(pe, vi, 6) || !fmt_pe_fits(pe, vi + 6, 32) ||
        !wide_equals(pe, vi + 6, "VS_VERSION_INFO"))
        return;
    vi = align4(vi, 6 + 86);
    while (fmt_pe_fits(pe, vi + 6, 24) && wide_equals(pe, vi + 6, "VarFileInfo") &&
           u16(pe, vi) != 0)
        vi = align4(vi, u16(pe, vi));
    while (fmt_pe_fits(pe, vi + 6, 30) && wide_equals(pe, vi + 6, "StringFileInfo") &&
           u16(pe, vi) != 0) {
        uint64_t table = align4(vi, 6 + 30);
        vi = align4(vi, u16(pe, vi));
        while (fmt_pe_fits(pe, table, 6) && wide_fits(pe, table + 6) && u16(pe, table) != 0 &&
               table < vi) {
            uint64_t str = align4(table, 6 + 2 * (wide_len(pe, table + 6) + 1));
            table = align4(table, u16(pe, table));
            while (fmt_pe_fits(pe, str, 6) && wide_fits(pe, str + 6) && u16(pe, str) != 0 &&
                   str < table) {
                uint64_t value = align4(str, 6 + 2 * (wide_len(pe, str + 6) + 1));
                if (wide_fits(pe, value)) {
                    char key[64], val[256];
                    size_t klen = narrow(pe, str + 6, key, sizeof(key));
                    size_t vlen = narrow(pe, value, val, sizeof(val));
                    /* ValueLength 0: yara drops the value */
                    if (u16(pe, str + 2) == 0)
                        vlen = 0;
                    mo_obj *d = mo_member(w->c, w->root, "version_info");
                    mo_set_string(w->c, mo_entry(w->c, d, key, klen), val, vlen);
                    mo_sets(w->c, w->root, key, klen, "version_info_list[%u].key", w->versions);
                    mo_sets(w->c, w->root, val, vlen, "version_info_list[%u].value", w->versions);
                    w->versions++;
                }
                str = align4(str, u16(pe, str));
            }
        }
    }
}

/* ---- the resource tree ---- */

/* A named entry's string (length-prefixed UTF-16) when it fits, else -1 */
static int64_t entry_string(const walk *w, uint32_t name)
{
    if (!(name & 0x80000000u))
        return -1;
    uint64_t at = w->base + (name & 0x7fffffffu);
    if (!fmt_pe_fits(w->pe, at, 2) || !fmt_pe_fits(w->pe, at, 2 + 2 * (uint64_t)u16(w->pe, at)))
        return -1;
    return (int64_t)at;
}

static bool keep_language(walk *w, int64_t v)
{
    if (w->nlangs == w->cap) {
        uint32_t cap = w->cap ? 2 * w->cap : 64;
        int64_t *p = mo_alloc(w->c, cap * sizeof(*p));
        if (!p)
            return false;
        if (w->nlangs)
            memcpy(p, w->langs, w->nlangs * sizeof(*p));
        w->langs = p;
        w->cap = cap;
    }
    w->langs[w->nlangs++] = v;
    return true;
}

static void set_string_or_id(walk *w, int64_t str, int32_t id, const char *sfield,
                             const char *ifield, uint32_t n)
{
    char path[64];
    if (str >= 0) {
        uint64_t len = 2 * (uint64_t)u16(w->pe, (uint64_t)str);
        if (fmt_pe_fits(w->pe, (uint64_t)str + 2, len)) {
            snprintf(path, sizeof(path), "resources[%u].%s", n, sfield);
            mo_sets(w->c, w->root, w->pe->data + str + 2, (size_t)len, "%s", path);
        }
        return;
    }
    snprintf(path, sizeof(path), "resources[%u].%s", n, ifield);
    mo_seti(w->c, w->root, id, "%s", path);
}

static void collect(walk *w, uint64_t data_entry, int64_t type_s, int64_t name_s, int64_t lang_s)
{
    /* yara collects entries 0 to 65536 */
    uint32_t n = w->nlangs;
    if (n > PE_MAX_RESOURCES)
        return;
    uint32_t rva = u32(w->pe, data_entry), size = u32(w->pe, data_entry + 4);
    mo_seti(w->c, w->root, rva, "resources[%u].rva", n);
    int64_t off = fmt_pe_rva_to_offset(w->pe, rva);
    if (off >= 0)
        mo_seti(w->c, w->root, off, "resources[%u].offset", n);
    mo_seti(w->c, w->root, size, "resources[%u].length", n);
    set_string_or_id(w, type_s, w->type, "type_string", "type", n);
    set_string_or_id(w, name_s, w->id, "name_string", "id", n);
    set_string_or_id(w, lang_s, w->language, "language_string", "language", n);
    if (w->type == 16)
        parse_version_info(w, rva);
    if (!keep_language(w, lang_s >= 0 ? PE_UNDEFINED : w->language))
        w->failed = true;
}

/* One directory at `level` (0 type, 1 name, 2 language); false when the walk
 * must stop (yara's RESOURCE_ITERATOR_ABORTED, or the visit budget). */
static bool walk_dir(walk *w, uint64_t dir, int level, int64_t type_s, int64_t name_s,
                     int64_t lang_s)
{
    const fmt_pe *pe = w->pe;
    uint16_t named = u16(pe, dir + 12), ids = u16(pe, dir + 14);
    if (u32(pe, dir) != 0 || named > 32768 || ids > 32768)
        return true;
    uint32_t total = (uint32_t)named + ids;
    for (uint32_t i = 0; i < total; i++) {
        uint64_t e = dir + DIR_SIZE + (uint64_t)i * ENTRY_SIZE;
        if (!fmt_pe_fits(pe, e, ENTRY_SIZE) || ++w->visits > MAX_VISITS || w->failed)
            return false;
        uint32_t name = u32(pe, e), target = u32(pe, e + 4);
        switch (level) {
        case 0:
            w->type = (int32_t)name;
            type_s = entry_string(w, name);
            break;
        case 1:
            w->id = (int32_t)name;
            name_s = entry_string(w, name);
            break;
        default:
            w->language = (int32_t)name;
            lang_s = entry_string(w, name);
            break;
        }
        uint64_t at = w->base + (target & 0x7fffffffu);
        if ((target & 0x80000000u) && level < 2) {
            if (!fmt_pe_fits(pe, at, DIR_SIZE) ||
                !walk_dir(w, at, level + 1, type_s, name_s, lang_s))
                return false;
        } else {
            if (!fmt_pe_fits(pe, at, DATA_ENTRY_SIZE))
                return false;
            collect(w, at, type_s, name_s, lang_s);
        }
    }
    return true;
}

vigil_status pe_load_resources(mo_ctx *c, mo_obj *root, pe_state *st)
{
    const fmt_pe *pe = &st->pe;
    walk w = {.c = c, .root = root, .st = st, .pe = pe, .type = -1, .id = -1, .language = -1};
    uint32_t rva, size;
    if (fmt_pe_directory(pe, FMT_PE_DIR_RESOURCE, &rva, &size) && rva != 0) {
        int64_t off = fmt_pe_rva_to_offset(pe, rva);
        if (off >= 0 && fmt_pe_fits(pe, (uint64_t)off, DIR_SIZE)) {
            w.base = (uint64_t)off;
            mo_seti(c, root, u32(pe, w.base + 4), "resource_timestamp");
            mo_seti(c, root, u16(pe, w.base + 8), "resource_version.major");
            mo_seti(c, root, u16(pe, w.base + 10), "resource_version.minor");
            walk_dir(&w, w.base, 0, -1, -1, -1);
        }
    }
    if (w.failed)
        return VIGIL_E_NOMEM;
    st->languages = w.langs;
    st->nresources = w.nlangs;
    mo_seti(c, root, w.nlangs, "number_of_resources");
    mo_seti(c, root, w.versions, "number_of_version_infos");
    return VIGIL_OK;
}

/* ---- language() and locale() ---- */

static mo_val any_language(const mo_call *c, uint64_t mask)
{
    const pe_state *st = c->priv;
    if (!st)
        return mo_undef();
    uint64_t want = (uint64_t)mo_arg_int(c, 0);
    for (uint32_t i = 0; i < st->nresources; i++)
        if (((uint64_t)st->languages[i] & mask) == want)
            return mo_int(1);
    return mo_int(0);
}

mo_val pe_fn_locale(mo_call *c)
{
    return any_language(c, 0xffff);
}

mo_val pe_fn_language(mo_call *c)
{
    return any_language(c, 0xff);
}
