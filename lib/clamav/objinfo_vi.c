/*
 * objinfo_vi.c - the PE version-information offsets a VI subsignature
 * offset accepts: libclamav 1.4's cli_peheader (CLI_PEHEADER_OPT_EXTRACT_VINFO,
 * run by cli_targetinfo) collects, for each string of each string table of
 * the StringFileInfo of each RT_VERSION resource, the file offset of the
 * string's key (the string's start + 6) into a hash set; the matcher then
 * accepts a VI match only where it starts at one of them.
 *
 * The walk is libclamav's, quirks included, because the set must be its:
 *   - findres(RT_VERSION, any name): only the first type entry with id 16
 *     and a subdirectory is followed; the name and language counts are
 *     16-bit sums that wrap; an unreadable or unmapped entry or directory
 *     below the type level ends the whole walk; at most 16 leaves are kept;
 *   - each leaf's data must lie whole inside the file, else it is skipped;
 *   - VS_VERSION_INFO must be longer than 92 bytes, its value 0x34 bytes
 *     with the fixed-info magic; one VarFileInfo may come before the first
 *     StringFileInfo, which is the only one read; a string table's length
 *     is taken as stored, a string's rounded up to 4, and a string that
 *     does not fit its table ends the StringFileInfo;
 *   - a key with no NUL in its string, or reaching the string's end, is
 *     skipped; otherwise the key offset counts whatever the value holds.
 * Lengths are 16-bit, so a resource yields at most 65535 / 20 keys.
 * Divergence: the resource directory walk stops after 2^26 entries and
 * section lookups (libclamav would go on for hours on a hostile tree).
 */
#include <stdlib.h>
#include <string.h>

#include "../util/cursor.h"
#include "objinfo_int.h"

#define RT_VERSION 0x10u
#define MAX_LEAVES 16u      /* libclamav's vinfo_list */
#define WORK_CAP (1u << 26) /* vigil's bound on directory entries and section lookups */
#define VS_HEAD 92u         /* header(6) + "VS_VERSION_INFO"(0x20) + pad(2) + fixed info(0x34) */
#define SFI_HEAD 36u        /* header(6) + "StringFileInfo"(0x1e) */
#define ST_HEAD 24u         /* header(6) + 8-digit language key(0x10) + pad(2) */

static const uint8_t KEY_VS[0x20] = "V\0S\0_\0V\0E\0R\0S\0I\0O\0N\0_\0I\0N\0F\0O\0\0";
static const uint8_t KEY_VFI[0x18] = "V\0a\0r\0F\0i\0l\0e\0I\0n\0f\0o\0\0";
static const uint8_t KEY_SFI[0x1e] = "S\0t\0r\0i\0n\0g\0F\0i\0l\0e\0I\0n\0f\0o\0\0";

typedef struct vi_walk {
    const cv_objinfo *oi;
    bytes b;
    uint64_t budget;
    uint32_t leaves[MAX_LEAVES];
    uint32_t nleaves;
    uint32_t *keys;
    size_t n, cap;
    bool nomem;
} vi_walk;

/* The resource directory (data directory 2) as cli_peheader keeps it: none
 * when NumberOfRvaAndSizes is below 3 or its size is 0. The header offsets
 * were checked by cv_pe_init. */
static bool resource_dir(const cv_objinfo *oi, uint32_t *rva)
{
    bytes b = {oi->data, oi->len};
    uint32_t lfanew = le32_or0(b, 0x3c);
    uint64_t opt = (uint64_t)lfanew + 24;
    bool plus = oi->u.pe.pe32plus;
    uint32_t ndirs = le32_or0(b, opt + (plus ? 108 : 92));
    uint64_t dirs = opt + (plus ? 112 : 96);
    if (ndirs < 3 || !in_bounds(b, dirs + 16, 8))
        return false;
    *rva = le32_or0(b, dirs + 16);
    return le32_or0(b, dirs + 20) != 0;
}

/* cli_rawaddr of rva, then `need` bytes there (fmap_need_off_once). */
static bool map(vi_walk *w, uint32_t rva, uint32_t need, uint32_t *off)
{
    return cv_pe_rawaddr(w->oi, rva, off, &w->budget) && in_bounds(w->b, *off, need);
}

static bool spend(vi_walk *w)
{
    if (w->budget == 0)
        return false;
    w->budget--;
    return true;
}

/* findres(RT_VERSION, 0xffffffff): the RVAs of the leaves' data entries. */
static void find_leaves(vi_walk *w, uint32_t res_rva)
{
    bytes b = w->b;
    uint32_t dir, sub;
    if (!map(w, res_rva, 16, &dir))
        return;
    /* an id is looked for: the named type entries are skipped */
    uint64_t e = (uint64_t)dir + 16 + (uint64_t)le16_or0(b, dir + 12) * 8;
    uint16_t ntypes = le16_or0(b, dir + 14);
    for (; ntypes > 0; ntypes--, e += 8) {
        if (!spend(w) || !in_bounds(b, e, 8))
            return;
        uint32_t type = le32_or0(b, e), offs = le32_or0(b, e + 4);
        if (type != RT_VERSION || !(offs >> 31))
            continue;
        if (!map(w, res_rva + (offs & 0x7fffffffu), 16, &sub))
            return;
        /* any name: named and id entries alike (a 16-bit sum) */
        uint16_t nnames = (uint16_t)(le16_or0(b, sub + 12) + le16_or0(b, sub + 14));
        for (uint64_t ne = (uint64_t)sub + 16; nnames > 0; nnames--, ne += 8) {
            if (!spend(w) || !in_bounds(b, ne, 8))
                return;
            uint32_t noffs = le32_or0(b, ne + 4);
            if (!(noffs >> 31))
                continue;
            uint32_t ldir;
            if (!map(w, res_rva + (noffs & 0x7fffffffu), 16, &ldir))
                return;
            uint16_t nlangs = (uint16_t)(le16_or0(b, ldir + 12) + le16_or0(b, ldir + 14));
            for (uint64_t le = (uint64_t)ldir + 16; nlangs > 0; nlangs--, le += 8) {
                if (!spend(w) || !in_bounds(b, le, 8))
                    return;
                uint32_t loffs = le32_or0(b, le + 4);
                if (loffs >> 31)
                    continue; /* a subdirectory where a leaf belongs */
                w->leaves[w->nleaves++] = res_rva + loffs;
                if (w->nleaves == MAX_LEAVES)
                    return;
            }
        }
        return; /* only the first RT_VERSION entry */
    }
}

static void add_key(vi_walk *w, uint64_t off)
{
    if (w->nomem)
        return;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        uint32_t *k = realloc(w->keys, cap * sizeof(*k));
        if (!k) {
            w->nomem = true;
            return;
        }
        w->keys = k;
        w->cap = cap;
    }
    w->keys[w->n++] = (uint32_t)off; /* libclamav keeps 32-bit offsets */
}

/* The strings of one string table [p, p + len): false when one does not
 * fit (libclamav then abandons the StringFileInfo). */
static bool strings(vi_walk *w, uint64_t p, uint32_t len)
{
    bytes b = w->b;
    while (len > 6) {
        uint32_t s = ((le32_or0(b, p) & 0xffffu) + 3) & ~3u;
        if (s > len || s <= 16)
            return false;
        /* the key: UTF-16 up to its NUL, then aligned to 4 */
        uint32_t k = 6;
        for (; k + 1 < s; k += 2) {
            if (b.p[p + k] == 0 && b.p[p + k + 1] == 0) {
                k += 2;
                break;
            }
        }
        k = (k + 3) & ~3u;
        if (k < s && s - k > 2)
            add_key(w, p + 6);
        p += s;
        len -= s;
    }
    return true;
}

/* One version resource whose VS_VERSION_INFO starts at p, res bytes long
 * (all inside the file). */
static void version_info(vi_walk *w, uint64_t p, uint32_t res)
{
    bytes b = w->b;
    if (res <= 4)
        return;
    uint32_t head = le32_or0(b, p);
    uint32_t vlen = head & 0xffffu;
    if (vlen > res || vlen <= VS_HEAD || head >> 16 != 0x34 ||
        memcmp(b.p + p + 6, KEY_VS, sizeof(KEY_VS)) != 0 || le32_or0(b, p + 0x28) != 0xfeef04bdu)
        return;
    p += VS_HEAD;
    vlen -= VS_HEAD;
    bool varfileinfo = false;
    while (vlen > 6) {
        uint32_t sfi = le32_or0(b, p) & 0xffffu;
        if (sfi > vlen)
            return;
        if (!varfileinfo && sfi > 6 + sizeof(KEY_VFI) &&
            memcmp(b.p + p + 6, KEY_VFI, sizeof(KEY_VFI)) == 0) {
            /* one VarFileInfo may come first */
            p += sfi;
            vlen -= sfi;
            varfileinfo = true;
            continue;
        }
        if (sfi <= SFI_HEAD || memcmp(b.p + p + 6, KEY_SFI, sizeof(KEY_SFI)) != 0)
            return;
        p += SFI_HEAD;
        sfi -= SFI_HEAD;
        while (sfi > 6) {
            uint32_t st = le32_or0(b, p) & 0xffffu;
            if (st > sfi || st <= ST_HEAD)
                return;
            if (!strings(w, p + ST_HEAD, st - ST_HEAD))
                return;
            p += st;
            sfi -= st;
        }
        return; /* only the first StringFileInfo */
    }
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

bool cv_objinfo_version_keys(const cv_objinfo *oi, uint32_t **keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    uint32_t res_rva;
    if (oi->target != CV_TARGET_PE || !oi->valid || !resource_dir(oi, &res_rva))
        return true;
    vi_walk w = {.oi = oi, .b = {oi->data, oi->len}, .budget = WORK_CAP};
    find_leaves(&w, res_rva);
    for (uint32_t i = 0; i < w.nleaves; i++) {
        uint32_t entry, data;
        uint64_t budget = WORK_CAP; /* one lookup each: never exhausted */
        if (!cv_pe_rawaddr(oi, w.leaves[i], &entry, &budget) || !in_bounds(w.b, entry, 16))
            continue;
        uint32_t size = le32_or0(w.b, (uint64_t)entry + 4);
        budget = WORK_CAP;
        if (!cv_pe_rawaddr(oi, le32_or0(w.b, entry), &data, &budget) || !in_bounds(w.b, data, size))
            continue;
        version_info(&w, data, size);
    }
    if (w.nomem) {
        free(w.keys);
        return false;
    }
    if (w.n > 1) {
        qsort(w.keys, w.n, sizeof(*w.keys), by_value);
        size_t u = 1;
        for (size_t i = 1; i < w.n; i++)
            if (w.keys[i] != w.keys[u - 1])
                w.keys[u++] = w.keys[i];
        w.n = u;
    }
    *keys = w.keys;
    *n = w.n;
    return true;
}

bool cv_version_key_in(const uint32_t *keys, size_t n, uint64_t offset)
{
    if (offset > UINT32_MAX)
        return false;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && keys[lo] == offset;
}
