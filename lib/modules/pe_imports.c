/*
 * pe_imports.c - the pe module's imports (standard and delay-load), exports,
 * imphash() and the imports()/exports()/exports_index() overloads. Counts,
 * limits and the odd numbering of import_details follow yara 4.2.3, whose
 * values these must equal.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../util/cursor.h"
#include "pe_internal.h"

#define IMPORT_DESCRIPTOR_SIZE 20
#define DELAY_DESCRIPTOR_SIZE 32
#define EXPORT_DIRECTORY_SIZE 40
/* Delay-load thunks read per file: yara has no bound (the file's size is
 * one); this keeps memory proportional to something sane. */
#define MAX_DELAYED_FUNCS ((uint64_t)1 << 20)

static uint32_t u32(const fmt_pe *pe, uint64_t off)
{
    uint32_t v = 0;
    rd_u32le((bytes){pe->data, pe->len}, off, &v);
    return v;
}

/* A growing arena array (the old copy stays in the arena). */
static bool grow(mo_ctx *c, void **items, uint32_t n, uint32_t *cap, size_t elem)
{
    if (n < *cap)
        return true;
    uint32_t ncap = *cap ? 2 * *cap : 16;
    void *p = mo_alloc(c, (size_t)ncap * elem);
    if (!p)
        return false;
    if (n)
        memcpy(p, *items, (size_t)n * elem);
    *items = p;
    *cap = ncap;
    return true;
}

static bool add_func(mo_ctx *c, pe_dll *dll, uint32_t *cap, const char *name, uint16_t ordinal,
                     bool has_ordinal)
{
    if (!name || !grow(c, (void **)&dll->funcs, dll->nfuncs, cap, sizeof(pe_func)))
        return false;
    dll->funcs[dll->nfuncs++] = (pe_func){name, ordinal, has_ordinal};
    return true;
}

/* yara's pe_valid_dll_name: a NUL-terminated name in the file, no control
 * characters and none of "*<>?| */
static bool valid_dll_name(const fmt_pe *pe, int64_t off)
{
    if (off < 0 || (uint64_t)off >= pe->len)
        return false;
    size_t room = pe->len - (size_t)off, l = 0;
    const uint8_t *s = pe->data + off;
    while (l < room && s[l] != 0) {
        uint8_t ch = s[l];
        if (ch < ' ' || ch == '"' || ch == '*' || ch == '<' || ch == '>' || ch == '?' || ch == '|')
            return false;
        l++;
    }
    return l > 0 && l < room;
}

/* One descriptor's thunks; counts every thunk in *nfuncs (yara's
 * number_of_imported_functions), keeps those with a name or ordinal. */
static bool parse_thunks(mo_ctx *c, const fmt_pe *pe, uint64_t desc, const char *dll_name,
                         pe_dll *dll, uint32_t *nfuncs)
{
    int64_t off = fmt_pe_rva_to_offset(pe, u32(pe, desc));
    /* some linkers leave OriginalFirstThunk zero: use FirstThunk */
    if (off <= 0)
        off = fmt_pe_rva_to_offset(pe, u32(pe, desc + 16));
    if (off < 0)
        return true;
    uint64_t step = pe->is64 ? 8 : 4;
    uint64_t flag = pe->is64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
    uint32_t cap = 0;
    bytes b = {pe->data, pe->len};
    for (uint64_t t = (uint64_t)off; *nfuncs < PE_MAX_IMPORTS; t += step) {
        uint64_t v = 0;
        uint32_t v32 = 0;
        if (pe->is64 ? !rd_u64le(b, t, &v) : !rd_u32le(b, t, &v32))
            break;
        if (!pe->is64)
            v = v32;
        if (v == 0)
            break;
        if (!(v & flag)) {
            int64_t at = fmt_pe_rva_to_offset(pe, v);
            /* IMAGE_IMPORT_BY_NAME: a 16-bit hint, then the name (3 bytes
             * at least, as yara's packed structure) */
            if (at >= 0 && fmt_pe_fits(pe, (uint64_t)at, 3) &&
                !add_func(c, dll, &cap, pe_strndup(c, pe, at + 2, PE_MAX_IMPORT_NAME), 0, false))
                return false;
        } else {
            uint16_t ord = (uint16_t)(v & 0xffff);
            if (!add_func(c, dll, &cap, pe_ordinal_name(c, dll_name, ord), ord, true))
                return false;
        }
        (*nfuncs)++;
    }
    return true;
}

/* yara numbers the functions of all DLLs in one sequence (the index does
 * not restart per DLL) and sets number_of_functions to the running total */
static void set_import_details(mo_ctx *c, mo_obj *root, const pe_dll *dlls, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t d = 0; d < n; d++) {
        for (uint32_t f = 0; f < dlls[d].nfuncs; f++, k++) {
            const pe_func *fn = &dlls[d].funcs[f];
            mo_setz(c, root, fn->name, "import_details[%u].functions[%u].name", d, k);
            if (fn->has_ordinal)
                mo_seti(c, root, fn->ordinal, "import_details[%u].functions[%u].ordinal", d, k);
        }
        mo_setz(c, root, dlls[d].name, "import_details[%u].library_name", d);
        mo_seti(c, root, k, "import_details[%u].number_of_functions", d);
    }
}

vigil_status pe_load_imports(mo_ctx *c, mo_obj *root, pe_state *st)
{
    const fmt_pe *pe = &st->pe;
    uint32_t ndesc = 0, nfuncs = 0, cap = 0;
    mo_seti(c, root, 0, "number_of_imports");
    mo_seti(c, root, 0, "number_of_imported_functions");
    uint32_t rva, size;
    if (!fmt_pe_directory(pe, FMT_PE_DIR_IMPORT, &rva, &size) || rva == 0)
        return VIGIL_OK;
    int64_t off = fmt_pe_rva_to_offset(pe, rva);
    if (off < 0)
        return VIGIL_OK;
    for (uint64_t d = (uint64_t)off; fmt_pe_fits(pe, d, IMPORT_DESCRIPTOR_SIZE) &&
                                     u32(pe, d + 12) != 0 && ndesc < PE_MAX_IMPORTS;
         d += IMPORT_DESCRIPTOR_SIZE) {
        int64_t name = fmt_pe_rva_to_offset(pe, u32(pe, d + 12));
        if (name >= 0) {
            /* an invalid name skips the descriptor without counting it */
            if (!valid_dll_name(pe, name))
                continue;
            pe_dll dll = {.name = (const char *)pe->data + name};
            if (!parse_thunks(c, pe, d, dll.name, &dll, &nfuncs))
                return VIGIL_E_NOMEM;
            if (dll.nfuncs) {
                if (!grow(c, (void **)&st->imports, st->nimports, &cap, sizeof(pe_dll)))
                    return VIGIL_E_NOMEM;
                st->imports[st->nimports++] = dll;
            }
        }
        ndesc++;
    }
    mo_seti(c, root, ndesc, "number_of_imports");
    mo_seti(c, root, nfuncs, "number_of_imported_functions");
    set_import_details(c, root, st->imports, st->nimports);
    return VIGIL_OK;
}

/* ---- delay-load imports ---- */

/* Visual C++ 6.0 wrote virtual addresses where later linkers write RVAs */
static uint64_t normalize(uint64_t image_base, uint64_t va)
{
    return va != 0 && va > image_base ? va - image_base : va;
}

/* A thunk-sized pointer at an RVA; false when it is outside the file. */
static bool read_pointer(const fmt_pe *pe, uint64_t rva, uint64_t *v)
{
    int64_t off = fmt_pe_rva_to_offset(pe, rva);
    bytes b = {pe->data, pe->len};
    uint32_t v32 = 0;
    if (off < 0)
        return false;
    if (pe->is64)
        return rd_u64le(b, (uint64_t)off, v);
    if (!rd_u32le(b, (uint64_t)off, &v32))
        return false;
    *v = v32;
    return true;
}

static bool parse_delayed_funcs(mo_ctx *c, const fmt_pe *pe, pe_dll *dll, uint32_t attributes,
                                uint64_t name_rva, uint64_t func_rva, uint64_t *nfuncs)
{
    uint64_t step = pe->is64 ? 8 : 4;
    uint64_t flag = pe->is64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
    uint32_t cap = 0;
    while (*nfuncs < MAX_DELAYED_FUNCS) {
        uint64_t name_addr, func_addr;
        if (!read_pointer(pe, name_rva, &name_addr) || !read_pointer(pe, func_rva, &func_addr) ||
            name_addr == 0 || func_addr == 0)
            break;
        bool ok;
        if (!(name_addr & flag)) {
            if (!attributes)
                name_addr = normalize(pe->image_base, name_addr);
            /* an unmapped name gives "" in yara */
            int64_t at = fmt_pe_rva_to_offset(pe, name_addr + 2);
            ok = add_func(c, dll, &cap, pe_strndup(c, pe, at, PE_MAX_IMPORT_NAME), 0, false);
        } else {
            uint16_t ord = (uint16_t)(name_addr & 0xffff);
            ok = add_func(c, dll, &cap, pe_ordinal_name(c, dll->name, ord), ord, true);
        }
        if (!ok)
            return false;
        (*nfuncs)++;
        name_rva += step;
        func_rva += step;
    }
    return true;
}

vigil_status pe_load_delayed_imports(mo_ctx *c, mo_obj *root, pe_state *st)
{
    const fmt_pe *pe = &st->pe;
    uint64_t ndlls = 0, nfuncs = 0;
    uint32_t cap = 0;
    mo_seti(c, root, 0, "number_of_delayed_imports");
    mo_seti(c, root, 0, "number_of_delayed_imported_functions");
    uint32_t rva, size;
    if (!fmt_pe_directory(pe, FMT_PE_DIR_DELAY_IMPORT, &rva, &size) || rva == 0)
        return VIGIL_OK;
    int64_t off = fmt_pe_rva_to_offset(pe, rva);
    if (off < 0)
        return VIGIL_OK;
    for (uint64_t d = (uint64_t)off; fmt_pe_fits(pe, d, DELAY_DESCRIPTOR_SIZE);
         d += DELAY_DESCRIPTOR_SIZE) {
        uint32_t f[8];
        bool all_zero = true;
        for (int k = 0; k < 8; k++) {
            f[k] = u32(pe, d + 4 * (uint64_t)k);
            all_zero = all_zero && f[k] == 0;
        }
        if (all_zero)
            break;
        /* Attributes, DllName, ModuleHandle, IAT, INT, BoundIAT, UnloadIAT,
         * TimeDateStamp */
        uint32_t attributes = f[0];
        if (attributes > 1)
            break;
        if (!pe->is64 && !attributes)
            for (int k = 1; k < 7; k++)
                f[k] = (uint32_t)normalize(pe->image_base, f[k]);
        uint32_t name_rva = f[1], iat = f[3], int_rva = f[4];
        if (int_rva >= pe->size_of_image || iat >= pe->size_of_image || name_rva < 64 ||
            int_rva < 64)
            break;
        int64_t name = fmt_pe_rva_to_offset(pe, name_rva);
        if (!valid_dll_name(pe, name))
            continue;
        pe_dll dll = {.name = (const char *)pe->data + name};
        if (!parse_delayed_funcs(c, pe, &dll, attributes, int_rva, iat, &nfuncs) ||
            !grow(c, (void **)&st->delayed, st->ndelayed, &cap, sizeof(pe_dll)))
            return VIGIL_E_NOMEM;
        st->delayed[st->ndelayed++] = dll;
        ndlls++;
    }
    mo_seti(c, root, (int64_t)ndlls, "number_of_delayed_imports");
    mo_seti(c, root, (int64_t)nfuncs, "number_of_delayed_imported_functions");
    return VIGIL_OK;
}

/* ---- exports ---- */

vigil_status pe_load_exports(mo_ctx *c, mo_obj *root, pe_state *st)
{
    const fmt_pe *pe = &st->pe;
    mo_seti(c, root, 0, "number_of_exports");
    uint32_t rva, dir_size;
    if (!fmt_pe_directory(pe, FMT_PE_DIR_EXPORT, &rva, &dir_size) || rva == 0)
        return VIGIL_OK;
    int64_t start = fmt_pe_rva_to_offset(pe, rva);
    if (start < 0 || !fmt_pe_fits(pe, (uint64_t)start, EXPORT_DIRECTORY_SIZE))
        return VIGIL_OK;
    uint64_t e = (uint64_t)start;
    uint32_t nfuncs = u32(pe, e + 20), nnames = u32(pe, e + 24), base = u32(pe, e + 16);
    uint32_t n = nfuncs < PE_MAX_EXPORTS ? nfuncs : PE_MAX_EXPORTS;
    mo_seti(c, root, u32(pe, e + 4), "export_timestamp");
    int64_t off = fmt_pe_rva_to_offset(pe, u32(pe, e + 12));
    if (off > 0)
        mo_sets(c, root, pe->data + off, pe_strnlen(pe, (uint64_t)off, SIZE_MAX), "dll_name");
    /* yara checks the function table's size against the room after the
     * name (unsigned arithmetic, so an unmapped name gives len + 1) */
    if ((uint64_t)n * 4 > (uint64_t)pe->len - (uint64_t)off)
        return VIGIL_OK;
    uint64_t names = 0;
    if (nnames > 0) {
        off = fmt_pe_rva_to_offset(pe, u32(pe, e + 32));
        if (off < 0 || (uint64_t)nnames * 4 > (uint64_t)pe->len - (uint64_t)off)
            return VIGIL_OK;
        names = (uint64_t)off;
    }
    int64_t ords = fmt_pe_rva_to_offset(pe, u32(pe, e + 36));
    if (ords < 0 || !fmt_pe_fits(pe, (uint64_t)ords, 2 * (uint64_t)n))
        return VIGIL_OK;
    int64_t addrs = fmt_pe_rva_to_offset(pe, u32(pe, e + 28));
    if (addrs < 0 || !fmt_pe_fits(pe, (uint64_t)addrs, 4 * (uint64_t)n))
        return VIGIL_OK;
    uint32_t named = nnames < n ? nnames : n;
    /* the name of function i is that of the first name slot j < named whose
     * ordinal slot holds i */
    int32_t *name_of = mo_alloc(c, (n ? n : 1) * sizeof(int32_t));
    st->exports = mo_alloc(c, (n ? n : 1) * sizeof(pe_export));
    if (!name_of || !st->exports)
        return VIGIL_E_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        name_of[i] = -1;
    if (names) {
        for (uint32_t j = 0; j < named; j++) {
            uint16_t o = (uint16_t)(pe->data[ords + 2 * j] | pe->data[ords + 2 * j + 1] << 8);
            if (o < n && name_of[o] < 0)
                name_of[o] = (int32_t)j;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        pe_export *x = &st->exports[i];
        *x = (pe_export){.ordinal = (uint32_t)(base + i)};
        mo_seti(c, root, x->ordinal, "export_details[%u].ordinal", i);
        int64_t fo = fmt_pe_rva_to_offset(pe, u32(pe, (uint64_t)addrs + 4 * (uint64_t)i));
        /* an address inside the export directory is a forwarder string */
        if (fo > start && (uint64_t)fo < (uint64_t)start + dir_size)
            mo_sets(c, root, pe->data + fo, pe_strnlen(pe, (uint64_t)fo, PE_MAX_EXPORT_NAME),
                    "export_details[%u].forward_name", i);
        else
            mo_seti(c, root, fo, "export_details[%u].offset", i);
        if (name_of[i] >= 0) {
            int64_t no = fmt_pe_rva_to_offset(pe, u32(pe, names + 4 * (uint64_t)name_of[i]));
            if (no > 0) {
                x->name = pe->data + no;
                x->name_len = pe_strnlen(pe, (uint64_t)no, PE_MAX_EXPORT_NAME);
                mo_sets(c, root, x->name, x->name_len, "export_details[%u].name", i);
            }
        }
    }
    st->nexports = n;
    mo_seti(c, root, n, "number_of_exports");
    return VIGIL_OK;
}

/* ---- functions ---- */

static const pe_state *state(const mo_call *c)
{
    return c->priv;
}

/* A string argument as yara's C string: up to its first NUL. */
static const char *cstr_arg(const mo_call *c, unsigned i, size_t *len)
{
    const uint8_t *s = mo_arg_string(c, i, len);
    const uint8_t *nul = memchr(s, 0, *len);
    if (nul)
        *len = (size_t)(nul - s);
    return (const char *)s;
}

static bool same_nocase(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

static int64_t count_dll(const pe_dll *d, uint32_t n, const char *name, size_t len)
{
    int64_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (same_nocase(name, len, d[i].name))
            k += d[i].nfuncs;
    return k;
}

static bool has_func(const pe_dll *d, uint32_t n, const char *dll, size_t dlen, const char *fn,
                     size_t flen)
{
    for (uint32_t i = 0; i < n; i++)
        if (same_nocase(dll, dlen, d[i].name))
            for (uint32_t k = 0; k < d[i].nfuncs; k++)
                if (same_nocase(fn, flen, d[i].funcs[k].name))
                    return true;
    return false;
}

static bool has_ordinal(const pe_dll *d, uint32_t n, const char *dll, size_t dlen, int64_t ord)
{
    for (uint32_t i = 0; i < n; i++)
        if (same_nocase(dll, dlen, d[i].name))
            for (uint32_t k = 0; k < d[i].nfuncs; k++)
                if (d[i].funcs[k].has_ordinal && (uint64_t)d[i].funcs[k].ordinal == (uint64_t)ord)
                    return true;
    return false;
}

/* yara counts a regex hit only when the match is not empty (length > 0),
 * unlike exports(), where any match counts */
static int64_t count_regex(const mo_call *c, const pe_dll *d, uint32_t n, unsigned dll_re,
                           unsigned fn_re)
{
    int64_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (mo_arg_regex_match_length(c, dll_re, (const uint8_t *)d[i].name, strlen(d[i].name)) <=
            0)
            continue;
        for (uint32_t f = 0; f < d[i].nfuncs; f++) {
            const char *name = d[i].funcs[f].name;
            if (mo_arg_regex_match_length(c, fn_re, (const uint8_t *)name, strlen(name)) > 0)
                k++;
        }
    }
    return k;
}

#define IMPORT_STANDARD 1
#define IMPORT_DELAYED 2

mo_val pe_fn_imports_ss(mo_call *c)
{
    const pe_state *st = state(c);
    size_t dl, fl;
    if (!st)
        return mo_undef();
    const char *dll = cstr_arg(c, 0, &dl), *fn = cstr_arg(c, 1, &fl);
    return mo_int(has_func(st->imports, st->nimports, dll, dl, fn, fl));
}

mo_val pe_fn_imports_iss(mo_call *c)
{
    const pe_state *st = state(c);
    size_t dl, fl;
    if (!st)
        return mo_undef();
    int64_t flags = mo_arg_int(c, 0);
    const char *dll = cstr_arg(c, 1, &dl), *fn = cstr_arg(c, 2, &fl);
    if ((flags & IMPORT_STANDARD) && has_func(st->imports, st->nimports, dll, dl, fn, fl))
        return mo_int(1);
    if ((flags & IMPORT_DELAYED) && has_func(st->delayed, st->ndelayed, dll, dl, fn, fl))
        return mo_int(1);
    return mo_int(0);
}

mo_val pe_fn_imports_si(mo_call *c)
{
    const pe_state *st = state(c);
    size_t dl;
    if (!st)
        return mo_undef();
    const char *dll = cstr_arg(c, 0, &dl);
    return mo_int(has_ordinal(st->imports, st->nimports, dll, dl, mo_arg_int(c, 1)));
}

mo_val pe_fn_imports_isi(mo_call *c)
{
    const pe_state *st = state(c);
    size_t dl;
    if (!st)
        return mo_undef();
    int64_t flags = mo_arg_int(c, 0), ord = mo_arg_int(c, 2);
    const char *dll = cstr_arg(c, 1, &dl);
    if ((flags & IMPORT_STANDARD) && has_ordinal(st->imports, st->nimports, dll, dl, ord))
        return mo_int(1);
    if ((flags & IMPORT_DELAYED) && has_ordinal(st->delayed, st->ndelayed, dll, dl, ord))
        return mo_int(1);
    return mo_int(0);
}

mo_val pe_fn_imports_s(mo_call *c)
{
    const pe_state *st = state(c);
    size_t dl;
    if (!st)
        return mo_undef();
    const char *dll = cstr_arg(c, 0, &dl);
    return mo_int(count_dll(st->imports, st->nimports, dll, dl));
}

mo_val pe_fn_imports_is(mo_call *c)
{
    const pe_state *st = state(c);
    size_t dl;
    if (!st)
        return mo_undef();
    int64_t flags = mo_arg_int(c, 0), k = 0;
    const char *dll = cstr_arg(c, 1, &dl);
    if (flags & IMPORT_STANDARD)
        k += count_dll(st->imports, st->nimports, dll, dl);
    if (flags & IMPORT_DELAYED)
        k += count_dll(st->delayed, st->ndelayed, dll, dl);
    return mo_int(k);
}

mo_val pe_fn_imports_rr(mo_call *c)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    return mo_int(count_regex(c, st->imports, st->nimports, 0, 1));
}

mo_val pe_fn_imports_irr(mo_call *c)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    int64_t flags = mo_arg_int(c, 0), k = 0;
    if (flags & IMPORT_STANDARD)
        k += count_regex(c, st->imports, st->nimports, 1, 2);
    if (flags & IMPORT_DELAYED)
        k += count_regex(c, st->delayed, st->ndelayed, 1, 2);
    return mo_int(k);
}

/* exports() and exports_index() share their searches; `index` selects
 * between yara's answers: 1/0, or the index/undefined */
static mo_val export_answer(int64_t found, bool index)
{
    if (index)
        return found >= 0 ? mo_int(found) : mo_undef();
    return mo_int(found >= 0);
}

static mo_val exports_by_name(mo_call *c, bool index)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    size_t len;
    const uint8_t *want = mo_arg_string(c, 0, &len);
    for (uint32_t i = 0; i < st->nexports; i++) {
        const pe_export *x = &st->exports[i];
        if (x->name && x->name_len == len &&
            strncasecmp((const char *)x->name, (const char *)want, len) == 0)
            return export_answer(i, index);
    }
    return export_answer(-1, index);
}

static mo_val exports_by_regex(mo_call *c, bool index)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    for (uint32_t i = 0; i < st->nexports; i++) {
        const pe_export *x = &st->exports[i];
        /* yara matches the name as a C string */
        if (x->name &&
            mo_arg_regex_match(c, 0, x->name, strnlen((const char *)x->name, x->name_len)))
            return export_answer(i, index);
    }
    return export_answer(-1, index);
}

/* yara rejects ordinals above the number of exports, whatever the base */
static mo_val exports_by_ordinal(mo_call *c, bool index)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    int64_t ord = mo_arg_int(c, 0);
    if (st->nexports == 0 || ord == 0 || ord > (int64_t)st->nexports)
        return export_answer(-1, index);
    for (uint32_t i = 0; i < st->nexports; i++)
        if (st->exports[i].ordinal == ord)
            return export_answer(i, index);
    return export_answer(-1, index);
}

mo_val pe_fn_exports_name(mo_call *c)
{
    return exports_by_name(c, false);
}

mo_val pe_fn_exports_regex(mo_call *c)
{
    return exports_by_regex(c, false);
}

mo_val pe_fn_exports_ordinal(mo_call *c)
{
    return exports_by_ordinal(c, false);
}

mo_val pe_fn_exports_index_name(mo_call *c)
{
    return exports_by_name(c, true);
}

mo_val pe_fn_exports_index_ordinal(mo_call *c)
{
    return exports_by_ordinal(c, true);
}

mo_val pe_fn_exports_index_regex(mo_call *c)
{
    return exports_by_regex(c, true);
}

/* ---- imphash ---- */

/* MD5 of "dll.function" pairs of the standard imports, comma-separated and
 * lower-cased, the DLL name without a .dll/.ocx/.sys extension (Mandiant's
 * definition, as yara computes it). Computed once per object. */
mo_val pe_fn_imphash(mo_call *c)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    if (st->imphash)
        return mo_string((const uint8_t *)st->imphash, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    bool ok = md && EVP_DigestInit_ex(md, EVP_md5(), NULL) == 1;
    bool first = true;
    for (uint32_t i = 0; ok && i < st->nimports; i++) {
        const char *name = st->imports[i].name;
        size_t nlen = strlen(name);
        const char *dot = strchr(name, '.');
        if (dot && (strncasecmp(dot, ".ocx", 4) == 0 || strncasecmp(dot, ".sys", 4) == 0 ||
                    strncasecmp(dot, ".dll", 4) == 0))
            nlen = (size_t)(dot - name);
        for (uint32_t f = 0; ok && f < st->imports[i].nfuncs; f++) {
            const char *fn = st->imports[i].funcs[f].name;
            char buf[4];
            size_t flen = strlen(fn);
            /* hashed piece by piece: [","] dll "." function, lower case */
            const char *parts[4] = {first ? "" : ",", name, ".", fn};
            size_t lens[4] = {first ? 0 : 1, nlen, 1, flen};
            for (int p = 0; ok && p < 4; p++) {
                for (size_t k = 0; ok && k < lens[p]; k += sizeof(buf)) {
                    size_t m = lens[p] - k < sizeof(buf) ? lens[p] - k : sizeof(buf);
                    for (size_t q = 0; q < m; q++)
                        buf[q] = (char)tolower((unsigned char)parts[p][k + q]);
                    ok = EVP_DigestUpdate(md, buf, m) == 1;
                }
            }
            first = false;
        }
    }
    ok = ok && EVP_DigestFinal_ex(md, digest, &dlen) == 1 && dlen == 16;
    EVP_MD_CTX_free(md);
    char *hex = ok ? mo_alloc(c->ctx, 33) : NULL;
    if (!hex)
        return mo_undef();
    for (unsigned k = 0; k < 16; k++)
        snprintf(hex + 2 * k, 3, "%02x", digest[k]);
    ((pe_state *)c->priv)->imphash = hex;
    return mo_string((const uint8_t *)hex, 32);
}
