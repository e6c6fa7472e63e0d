/*
 * dotnet_tables.c - the #~ stream of a .NET assembly (ECMA-335 II.24.2.6,
 * II.22): the row counts, then each present table in order, stepping over
 * those yara ignores and reading those it reports (Module, Constant,
 * CustomAttribute, ModuleRef, FieldRVA, Assembly, AssemblyRef,
 * ManifestResource).
 *
 * Column widths depend on row counts and heap sizes, so tables have no fixed
 * layout: each row size is computed as yara 4.2.3 computes it (its
 * mistakes included, named where they are kept), since a different width
 * moves every later table and changes the values rules see. yara stops at
 * the first table with more than 10000 rows or of an unknown kind; so does
 * this walk, which bounds it by 44 tables x 10000 rows.
 */
#include <string.h>

#include "dotnet_internal.h"

#define TILDE_HEADER_SIZE 24 /* Reserved, versions, HeapSizes, Valid, Sorted */
#define MAX_ROWS 10000       /* yara gives up on a table with more rows */
#define TYPELIB_MAX 255

/* Table numbers (bit positions in Valid). */
enum {
    T_MODULE = 0x00,
    T_TYPEREF = 0x01,
    T_TYPEDEF = 0x02,
    T_FIELDPTR = 0x03,
    T_FIELD = 0x04,
    T_METHODDEFPTR = 0x05,
    T_METHODDEF = 0x06,
    T_PARAM = 0x08,
    T_INTERFACEIMPL = 0x09,
    T_MEMBERREF = 0x0A,
    T_CONSTANT = 0x0B,
    T_CUSTOMATTRIBUTE = 0x0C,
    T_FIELDMARSHAL = 0x0D,
    T_DECLSECURITY = 0x0E,
    T_CLASSLAYOUT = 0x0F,
    T_FIELDLAYOUT = 0x10,
    T_STANDALONESIG = 0x11,
    T_EVENTMAP = 0x12,
    T_EVENTPTR = 0x13,
    T_EVENT = 0x14,
    T_PROPERTYMAP = 0x15,
    T_PROPERTYPTR = 0x16,
    T_PROPERTY = 0x17,
    T_METHODSEMANTICS = 0x18,
    T_METHODIMPL = 0x19,
    T_MODULEREF = 0x1A,
    T_TYPESPEC = 0x1B,
    T_IMPLMAP = 0x1C,
    T_FIELDRVA = 0x1D,
    T_ENCLOG = 0x1E,
    T_ENCMAP = 0x1F,
    T_ASSEMBLY = 0x20,
    T_ASSEMBLYPROCESSOR = 0x21,
    T_ASSEMBLYOS = 0x22,
    T_ASSEMBLYREF = 0x23,
    T_ASSEMBLYREFPROCESSOR = 0x24,
    T_ASSEMBLYREFOS = 0x25,
    T_FILE = 0x26,
    T_EXPORTEDTYPE = 0x27,
    T_MANIFESTRESOURCE = 0x28,
    T_NESTEDCLASS = 0x29,
    T_GENERICPARAM = 0x2A,
    T_METHODSPEC = 0x2B,
    T_GENERICPARAMCONSTRAINT = 0x2C,
};

/* Tables whose row count yara records in its first pass (the others count
 * as 0 in coded-index widths). */
#define BIT(t) ((uint64_t)1 << (t))
static const uint64_t COUNTED =
    BIT(T_MODULE) | BIT(T_MODULEREF) | BIT(T_ASSEMBLYREF) | BIT(T_ASSEMBLYREFPROCESSOR) |
    BIT(T_TYPEREF) | BIT(T_METHODDEF) | BIT(T_MEMBERREF) | BIT(T_TYPEDEF) | BIT(T_TYPESPEC) |
    BIT(T_FIELD) | BIT(T_PARAM) | BIT(T_PROPERTY) | BIT(T_INTERFACEIMPL) | BIT(T_EVENT) |
    BIT(T_STANDALONESIG) | BIT(T_ASSEMBLY) | BIT(T_FILE) | BIT(T_EXPORTEDTYPE) |
    BIT(T_MANIFESTRESOURCE) | BIT(T_GENERICPARAM) | BIT(T_GENERICPARAMCONSTRAINT) |
    BIT(T_METHODSPEC);

typedef struct walk {
    mo_ctx *c;
    mo_obj *root;
    const dn_view *v;
    uint32_t rows[64];        /* first-pass row counts (0 when not recorded) */
    unsigned str, guid, blob; /* heap index widths */
    int64_t resource_base;    /* file offset of the CLI resources, or -1 */
    /* TypeRef and MemberRef, for following custom attributes */
    bool have_typeref, have_memberref;
    int64_t typeref, memberref;
    uint32_t typeref_size, memberref_size;
} walk;

/* A simple index into table t: 4 bytes when it has more than 0xFFFF rows. */
static unsigned idx(const walk *w, unsigned t)
{
    return w->rows[t] > 0xFFFF ? 4 : 2;
}

/* A coded index over `n` tables with `bits` tag bits: 4 bytes when the
 * biggest of them has more rows than the remaining bits can number. */
static unsigned coded(const walk *w, unsigned bits, const uint8_t *tables, unsigned n)
{
    uint32_t most = 0;
    for (unsigned i = 0; i < n; i++)
        if (w->rows[tables[i]] > most)
            most = w->rows[tables[i]];
    return most > (0xFFFFu >> bits) ? 4 : 2;
}

#define CODED(w, bits, ...)                                                                        \
    coded((w), (bits), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static bool string_at(const walk *w, int64_t off, const uint8_t **s, size_t *len)
{
    return dn_string(w->v, dn_index(w->v, off, w->str), s, len);
}

/* ---- the tables yara reports ---- */

static void module_row(walk *w, int64_t t)
{
    const uint8_t *s;
    size_t len;
    if (string_at(w, t + 2, &s, &len))
        mo_sets(w->c, w->root, s, len, "module_name");
}

/* String constants, in the order of the Constant table. */
static void constants(walk *w, int64_t t, uint32_t n)
{
    const dn_view *v = w->v;
    unsigned parent = CODED(w, 2, T_PARAM, T_FIELD, T_PROPERTY);
    uint32_t row_size = 2 + parent + w->blob;
    mo_obj *arr = mo_member(w->c, w->root, "constants");
    uint32_t count = 0;
    int64_t row = t;
    for (uint32_t i = 0; i < n; i++, row += row_size) {
        if (!dn_fits(v, row, row_size))
            break;
        /* yara reads Type with its padding byte as one 16-bit value */
        if (dn_u16(v, row) != 0x0E) /* ELEMENT_TYPE_STRING */
            continue;
        int64_t at = v->blob.start + dn_index(v, row + 2 + parent, w->blob);
        dn_blob b = dn_parse_blob(v, at);
        if (b.size == 0)
            continue;
        at += b.size;
        /* (yara's test: a blob ending at the very end of the file is skipped) */
        if (at + (int64_t)b.length >= (int64_t)v->len)
            continue;
        if (!dn_take(v, b.length))
            break;
        mo_set_string(w->c, mo_element(w->c, arr, count), v->data + at, b.length);
        count++;
    }
    mo_seti(w->c, w->root, count, "number_of_constants");
}

/*
 * The typelib: a GuidAttribute on the assembly. A row qualifies when its
 * Parent is the Assembly table, its Type a MemberRef whose Class is a
 * TypeRef named "GuidAttribute" (or whose name cannot be read: yara lets
 * that through), and its value a blob holding prolog 0x0001 and a string.
 */
static void custom_attributes(walk *w, int64_t t, uint32_t n)
{
    const dn_view *v = w->v;
    unsigned parent =
        CODED(w, 5, T_METHODDEF, T_FIELD, T_TYPEREF, T_TYPEDEF, T_PARAM, T_INTERFACEIMPL,
              T_MEMBERREF, T_MODULE, T_PROPERTY, T_EVENT, T_STANDALONESIG, T_MODULEREF, T_TYPESPEC,
              T_ASSEMBLY, T_ASSEMBLYREF, T_FILE, T_EXPORTEDTYPE, T_MANIFESTRESOURCE, T_GENERICPARAM,
              T_GENERICPARAMCONSTRAINT, T_METHODSPEC);
    unsigned type = CODED(w, 3, T_METHODDEF, T_MEMBERREF);
    uint32_t row_size = parent + type + w->blob;
    if (!w->have_typeref || !w->have_memberref)
        return;
    /* yara sizes MemberRef's Class column as a simple index into MemberRef
     * (not as the MemberRefParent coded index) */
    unsigned class_size = idx(w, T_MEMBERREF);
    unsigned scope = CODED(w, 2, T_MODULE, T_MODULEREF, T_ASSEMBLYREF, T_TYPEREF);
    int64_t row = t;
    for (uint32_t i = 0; i < n; i++, row += row_size) {
        if (!dn_fits(v, row, row_size))
            break;
        if ((dn_index(v, row, parent) & 0x1F) != 0x0E)
            continue;
        uint32_t ty = dn_index(v, row + parent, type);
        if ((ty & 0x07) != 0x03)
            continue;
        uint32_t mi = ty >> 3;
        if (mi > 0)
            mi--;
        int64_t mref = w->memberref + (int64_t)w->memberref_size * mi;
        /* yara stops at the first reference out of the file */
        if (!dn_fits(v, mref, w->memberref_size))
            break;
        uint32_t cls = dn_index(v, mref, class_size);
        if ((cls & 0x07) != 0x01)
            continue;
        uint32_t ti = cls >> 3;
        if (ti > 0)
            ti--;
        int64_t tref = w->typeref + (int64_t)w->typeref_size * ti;
        if (!dn_fits(v, tref, w->typeref_size))
            break;
        const uint8_t *name;
        size_t name_len;
        if (string_at(w, tref + scope, &name, &name_len) &&
            (name_len < 13 || memcmp(name, "GuidAttribute", 13) != 0))
            continue;
        uint32_t bi = dn_index(v, row + parent + type, w->blob);
        int64_t at = v->blob.start + bi;
        if (bi == 0 || at >= (int64_t)v->len)
            continue;
        dn_blob b = dn_parse_blob(v, at);
        if (b.size == 0)
            continue;
        at += b.size;
        if (b.length < 3 || at + (int64_t)b.length >= (int64_t)v->len)
            continue;
        if (dn_u16(v, at) != 0x0001)
            continue;
        uint8_t str_len = v->data[at + 2];
        at += 3;
        /* (at < len follows from length >= 3; checked again for the reader) */
        if (at + str_len > (int64_t)v->len || at >= (int64_t)v->len)
            continue;
        /* yara copies str_len bytes into a C string: it ends at a NUL; a
         * first byte of 0xFF (a null string) gives "" */
        size_t tl = 0;
        if (v->data[at] != 0xFF)
            while (tl < str_len && v->data[at + tl] != 0)
                tl++;
        mo_sets(w->c, w->root, v->data + at, tl, "typelib");
    }
}

static void module_refs(walk *w, int64_t t, uint32_t n)
{
    const dn_view *v = w->v;
    mo_obj *arr = mo_member(w->c, w->root, "modulerefs");
    uint32_t count = 0;
    int64_t row = t;
    for (uint32_t i = 0; i < n; i++, row += w->str) {
        /* (yara checks 4 bytes even when the row is 2) */
        if (!dn_fits(v, row, 4))
            break;
        const uint8_t *s;
        size_t len;
        if (string_at(w, row, &s, &len)) {
            mo_set_string(w->c, mo_element(w->c, arr, count), s, len);
            count++;
        }
    }
    mo_seti(w->c, w->root, count, "number_of_modulerefs");
}

static void field_rvas(walk *w, int64_t t, uint32_t n)
{
    const dn_view *v = w->v;
    uint32_t row_size = 4 + idx(w, T_FIELD);
    mo_obj *arr = mo_member(w->c, w->root, "field_offsets");
    uint32_t count = 0;
    int64_t row = t;
    for (uint32_t i = 0; i < n; i++, row += row_size) {
        /* (yara checks 8 bytes, the row's size with a 4-byte Field) */
        if (!dn_fits(v, row, 8))
            break;
        int64_t off = fmt_pe_rva_to_offset(&v->pe, dn_u32(v, row));
        if (off >= 0) {
            mo_set_int(mo_element(w->c, arr, count), off);
            count++;
        }
    }
    mo_seti(w->c, w->root, count, "number_of_field_offsets");
}

/* Only the first row: an assembly has one. False when it is not in the
 * file (yara then does not step over the table). */
static bool assembly(walk *w, int64_t t, uint32_t row_size)
{
    const dn_view *v = w->v;
    if (!dn_fits(v, t, row_size))
        return false;
    mo_seti(w->c, w->root, dn_u16(v, t + 4), "assembly.version.major");
    mo_seti(w->c, w->root, dn_u16(v, t + 6), "assembly.version.minor");
    mo_seti(w->c, w->root, dn_u16(v, t + 8), "assembly.version.build_number");
    mo_seti(w->c, w->root, dn_u16(v, t + 10), "assembly.version.revision_number");
    const uint8_t *s;
    size_t len;
    int64_t name = t + 16 + w->blob;
    if (string_at(w, name, &s, &len))
        mo_sets(w->c, w->root, s, len, "assembly.name");
    if (string_at(w, name + w->str, &s, &len) && len > 0)
        mo_sets(w->c, w->root, s, len, "assembly.culture");
    return true;
}

static void assembly_refs(walk *w, int64_t t, uint32_t n, uint32_t row_size)
{
    const dn_view *v = w->v;
    uint32_t i = 0;
    int64_t row = t;
    for (; i < n; i++, row += row_size) {
        if (!dn_fits(v, row, row_size))
            break;
        mo_seti(w->c, w->root, dn_u16(v, row), "assembly_refs[%u].version.major", i);
        mo_seti(w->c, w->root, dn_u16(v, row + 2), "assembly_refs[%u].version.minor", i);
        mo_seti(w->c, w->root, dn_u16(v, row + 4), "assembly_refs[%u].version.build_number", i);
        mo_seti(w->c, w->root, dn_u16(v, row + 6), "assembly_refs[%u].version.revision_number", i);
        int64_t at = v->blob.start + dn_index(v, row + 12, w->blob);
        dn_blob b = dn_parse_blob(v, at);
        at += b.size;
        /* an unreadable key skips the name too (but the row still counts) */
        if (b.size == 0 || !dn_fits(v, at, b.length))
            continue;
        if (b.length > 0 && dn_take(v, b.length))
            mo_sets(w->c, w->root, v->data + at, b.length, "assembly_refs[%u].public_key_or_token",
                    i);
        const uint8_t *s;
        size_t len;
        if (string_at(w, row + 12 + w->blob, &s, &len))
            mo_sets(w->c, w->root, s, len, "assembly_refs[%u].name", i);
    }
    mo_seti(w->c, w->root, i, "number_of_assembly_refs");
}

/* Resources embedded in this file (Implementation 0): each is a 32-bit
 * length then the bytes, at an offset from the CLI header's Resources. */
static void resources(walk *w, int64_t t, uint32_t n)
{
    const dn_view *v = w->v;
    unsigned impl = CODED(w, 2, T_FILE, T_ASSEMBLYREF);
    uint32_t row_size = 8 + w->str + impl;
    uint32_t count = 0;
    int64_t row = t;
    for (uint32_t i = 0; i < n; i++, row += row_size) {
        if (!dn_fits(v, row, row_size))
            break;
        if (dn_index(v, row + 8 + w->str, impl) != 0)
            continue;
        int64_t at = w->resource_base + dn_u32(v, row);
        if (!dn_fits(v, at, 4))
            continue;
        uint32_t size = dn_u32(v, at);
        if (!dn_fits(v, at, size))
            continue;
        mo_seti(w->c, w->root, at + 4, "resources[%u].offset", count);
        mo_seti(w->c, w->root, size, "resources[%u].length", count);
        const uint8_t *s;
        size_t len;
        if (string_at(w, row + 8, &s, &len))
            mo_sets(w->c, w->root, s, len, "resources[%u].name", count);
        count++;
    }
    mo_seti(w->c, w->root, count, "number_of_resources");
}

/* ---- the walk ---- */

/* The size of one row of table `t` as yara computes it; 0 for tables it
 * does not know (the walk stops there). */
static uint32_t row_size(const walk *w, unsigned t)
{
    unsigned s = w->str, b = w->blob, g = w->guid;
    switch (t) {
    case T_MODULE:
        return 2 + s + 3 * g;
    case T_TYPEREF:
        return CODED(w, 2, T_MODULE, T_MODULEREF, T_ASSEMBLYREF, T_TYPEREF) + 2 * s;
    case T_TYPEDEF:
        return 4 + 2 * s + CODED(w, 2, T_TYPEDEF, T_TYPEREF, T_TYPESPEC) + idx(w, T_FIELD) +
               idx(w, T_METHODDEF);
    case T_FIELDPTR:
        return idx(w, T_FIELD);
    case T_FIELD:
        return 2 + s + b;
    case T_METHODDEFPTR:
        return idx(w, T_METHODDEF);
    case T_METHODDEF:
        return 8 + s + b + idx(w, T_PARAM);
    case T_PARAM:
        return 4 + s;
    case T_INTERFACEIMPL:
        return idx(w, T_TYPEDEF) + CODED(w, 2, T_TYPEDEF, T_TYPEREF, T_TYPESPEC);
    case T_MEMBERREF:
        return CODED(w, 3, T_METHODDEF, T_MODULEREF, T_TYPEREF, T_TYPESPEC) + s + b;
    case T_CONSTANT:
        return 2 + CODED(w, 2, T_PARAM, T_FIELD, T_PROPERTY) + b;
    case T_CUSTOMATTRIBUTE:
        return CODED(w, 5, T_METHODDEF, T_FIELD, T_TYPEREF, T_TYPEDEF, T_PARAM, T_INTERFACEIMPL,
                     T_MEMBERREF, T_MODULE, T_PROPERTY, T_EVENT, T_STANDALONESIG, T_MODULEREF,
                     T_TYPESPEC, T_ASSEMBLY, T_ASSEMBLYREF, T_FILE, T_EXPORTEDTYPE,
                     T_MANIFESTRESOURCE, T_GENERICPARAM, T_GENERICPARAMCONSTRAINT, T_METHODSPEC) +
               CODED(w, 3, T_METHODDEF, T_MEMBERREF) + b;
    case T_FIELDMARSHAL:
        return CODED(w, 1, T_FIELD, T_PARAM) + b;
    case T_DECLSECURITY:
        return 2 + CODED(w, 2, T_TYPEDEF, T_METHODDEF, T_ASSEMBLY) + b;
    case T_CLASSLAYOUT:
        return 6 + idx(w, T_TYPEDEF);
    case T_FIELDLAYOUT:
        return 4 + idx(w, T_FIELD);
    case T_STANDALONESIG:
        return b;
    case T_EVENTMAP:
        return idx(w, T_TYPEDEF) + idx(w, T_EVENT);
    case T_EVENTPTR:
        return idx(w, T_EVENT);
    case T_EVENT:
        return 2 + s + CODED(w, 2, T_TYPEDEF, T_TYPEREF, T_TYPESPEC);
    case T_PROPERTYMAP:
        return idx(w, T_TYPEDEF) + idx(w, T_PROPERTY);
    case T_PROPERTYPTR:
        return idx(w, T_PROPERTY);
    case T_PROPERTY:
        return 2 + s + b;
    case T_METHODSEMANTICS:
        return 2 + idx(w, T_METHODDEF) + CODED(w, 1, T_EVENT, T_PROPERTY);
    case T_METHODIMPL:
        return idx(w, T_TYPEDEF) + 2 * CODED(w, 1, T_METHODDEF, T_MEMBERREF);
    case T_MODULEREF:
        return s;
    case T_TYPESPEC:
        return b;
    case T_IMPLMAP:
        return 2 + CODED(w, 1, T_FIELD, T_METHODDEF) + s + idx(w, T_MODULEREF);
    case T_FIELDRVA:
        return 4 + idx(w, T_FIELD);
    case T_ENCLOG:
        return 8;
    case T_ENCMAP:
        return 4;
    case T_ASSEMBLY:
        return 16 + b + 2 * s;
    case T_ASSEMBLYPROCESSOR:
        return 4;
    case T_ASSEMBLYOS:
        return 12;
    case T_ASSEMBLYREF:
        return 12 + 2 * b + 2 * s;
    case T_ASSEMBLYREFPROCESSOR:
        /* (yara's: an index into AssemblyRefProcessor, not AssemblyRef) */
        return 4 + idx(w, T_ASSEMBLYREFPROCESSOR);
    case T_ASSEMBLYREFOS:
        return 12 + idx(w, T_ASSEMBLYREF);
    case T_FILE:
        return 4 + s + b;
    case T_EXPORTEDTYPE:
        return 8 + 2 * s + CODED(w, 2, T_FILE, T_ASSEMBLYREF, T_EXPORTEDTYPE);
    case T_MANIFESTRESOURCE:
        return 8 + s + CODED(w, 2, T_FILE, T_ASSEMBLYREF);
    case T_NESTEDCLASS:
        return 2 * idx(w, T_TYPEDEF);
    case T_GENERICPARAM:
        return 4 + CODED(w, 1, T_TYPEDEF, T_METHODDEF) + s;
    case T_METHODSPEC:
        return CODED(w, 1, T_METHODDEF, T_MEMBERREF) + b;
    case T_GENERICPARAMCONSTRAINT:
        return idx(w, T_GENERICPARAM) + CODED(w, 2, T_TYPEDEF, T_TYPEREF, T_TYPESPEC);
    default:
        /* ParamPtr (7) and everything from 0x2D up */
        return 0;
    }
}

void dn_load_tables(mo_ctx *c, mo_obj *root, const dn_view *v)
{
    int64_t hdr = v->tilde.start;
    if (!dn_fits(v, hdr, TILDE_HEADER_SIZE))
        return;
    walk w;
    memset(&w, 0, sizeof(w));
    w.c = c;
    w.root = root;
    w.v = v;
    uint8_t heaps = v->data[hdr + 6];
    w.str = heaps & 0x01 ? 4 : 2;
    w.guid = heaps & 0x02 ? 4 : 2;
    w.blob = heaps & 0x04 ? 4 : 2;
    uint64_t valid = (uint64_t)dn_u32(v, hdr + 8) | (uint64_t)dn_u32(v, hdr + 12) << 32;

    /* first pass: the row counts that column widths depend on */
    int64_t counts = hdr + TILDE_HEADER_SIZE;
    unsigned k = 0;
    for (unsigned t = 0; t < 64; t++) {
        if (!(valid >> t & 1))
            continue;
        if ((COUNTED >> t & 1) && dn_fits(v, counts + 4 * (int64_t)k, 4))
            w.rows[t] = dn_u32(v, counts + 4 * (int64_t)k);
        k++;
    }
    w.resource_base = fmt_pe_rva_to_offset(&v->pe, dn_u32(v, v->cli + 24));

    /* second pass: the tables, which follow the counts back to back */
    int64_t table = counts + 4 * (int64_t)k;
    k = 0;
    for (unsigned t = 0; t < 64; t++) {
        if (!(valid >> t & 1))
            continue;
        if (!dn_fits(v, counts + 4 * (int64_t)k, 4))
            return;
        uint32_t n = dn_u32(v, counts + 4 * (int64_t)k);
        if (n > MAX_ROWS)
            return;
        uint32_t size = row_size(&w, t);
        if (size == 0)
            return;
        switch (t) {
        case T_MODULE:
            /* (yara wants 18 bytes, the row with every column 4 bytes wide,
             * and otherwise leaves the table unread and not stepped over) */
            if (!dn_fits(v, table, 18)) {
                k++;
                continue;
            }
            module_row(&w, table);
            break;
        case T_TYPEREF:
            w.have_typeref = true;
            w.typeref = table;
            w.typeref_size = size;
            break;
        case T_MEMBERREF:
            w.have_memberref = true;
            w.memberref = table;
            w.memberref_size = size;
            break;
        case T_CONSTANT:
            constants(&w, table, n);
            break;
        case T_CUSTOMATTRIBUTE:
            custom_attributes(&w, table, n);
            break;
        case T_MODULEREF:
            module_refs(&w, table, n);
            break;
        case T_FIELDRVA:
            field_rvas(&w, table, n);
            break;
        case T_ASSEMBLY:
            if (!assembly(&w, table, size)) {
                k++;
                continue;
            }
            break;
        case T_ASSEMBLYREF:
            assembly_refs(&w, table, n, size);
            break;
        case T_MANIFESTRESOURCE:
            resources(&w, table, n);
            break;
        default:
            break;
        }
        table += (int64_t)size * n;
        k++;
    }
}
