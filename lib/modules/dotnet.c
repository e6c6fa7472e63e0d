/*
 * dotnet.c - yara 4.2.3's dotnet module: the CLI header and metadata root
 * of a .NET assembly, its stream headers, #GUID and #US heaps; the #~
 * tables are dotnet_tables.c's. Values equal yara's, quirks included (each
 * is named where it is reproduced), because rules compare them.
 *
 * The PE view comes from lib/formats/pe.h; every read of the metadata goes
 * through dn_fits or the cursor, so no input makes this read outside the
 * file, and every loop is bounded by the file's size or a row limit.
 */
#include <stdio.h>
#include <string.h>

#include "../util/cursor.h"
#include "dotnet_internal.h"
#include "modules.h"

#define NET_METADATA_MAGIC 0x424a5342u /* "BSJB" */
#define NET_METADATA_SIZE 16           /* Magic .. Length, before Version */
#define STREAM_HEADER_SIZE 8           /* Offset, Size, then the name */
#define STREAM_NAME_SIZE 32            /* yara's DOTNET_STREAM_NAME_SIZE */
#define GUID_HEAP_LIMIT 256            /* yara reads at most 16 GUIDs */

uint16_t dn_u16(const dn_view *v, int64_t off)
{
    uint16_t x = 0;
    rd_u16le((bytes){v->data, v->len}, (uint64_t)off, &x);
    return x;
}

uint32_t dn_u32(const dn_view *v, int64_t off)
{
    uint32_t x = 0;
    rd_u32le((bytes){v->data, v->len}, (uint64_t)off, &x);
    return x;
}

uint32_t dn_index(const dn_view *v, int64_t off, unsigned size)
{
    return size == 2 ? dn_u16(v, off) : dn_u32(v, off);
}

dn_blob dn_parse_blob(const dn_view *v, int64_t off)
{
    dn_blob r = {0, 0};
    if (!dn_fits(v, off, 1))
        return r;
    const uint8_t *p = v->data + off;
    if ((p[0] & 0x80) == 0) {
        r.length = p[0];
        r.size = 1;
    } else if ((p[0] & 0xC0) == 0x80) {
        if (!dn_fits(v, off, 2))
            return r;
        r.length = (uint32_t)(p[0] & 0x3F) << 8 | p[1];
        r.size = 2;
    } else if ((uint64_t)off + 4 < v->len && (p[0] & 0xE0) == 0xC0) {
        /* (yara's extra "offset + 4 < end" test makes a 4-byte header that
         * ends exactly at the end of the file unreadable) */
        r.length =
            (uint32_t)(p[0] & 0x1F) << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        r.size = 4;
    } else {
        return r;
    }
    /* yara 4.2.3 drops the last byte of every blob: the flag byte that
     * ends a #US string (ECMA-335 II.24.2.4), but of every other blob too */
    if (r.length > 0)
        r.length--;
    return r;
}

bool dn_string(const dn_view *v, uint32_t index, const uint8_t **s, size_t *len)
{
    /* (yara 4.2.3 does not check that the string starts inside the heap) */
    int64_t start = v->strings.start + index;
    if (start < 0 || (uint64_t)start >= v->len)
        return false;
    /* yara searches for the NUL up to the end of the file but rejects
     * strings longer than 1024 bytes: looking at 1025 bytes is the same */
    size_t avail = v->len - (size_t)start;
    size_t look = avail < 1025 ? avail : 1025;
    const uint8_t *nul = memchr(v->data + start, 0, look);
    if (!nul)
        return false;
    *s = v->data + start;
    *len = (size_t)(nul - *s);
    return true;
}

/* ---- the #GUID and #US heaps ---- */

static void load_guids(mo_ctx *c, mo_obj *root, const dn_view *v)
{
    int64_t off = v->guid.start;
    uint32_t size = v->guid.size < GUID_HEAP_LIMIT ? v->guid.size : GUID_HEAP_LIMIT;
    unsigned i = 0;
    for (; size >= 16 && dn_fits(v, off, 16); i++, size -= 16, off += 16) {
        const uint8_t *g = v->data + off;
        char text[40];
        snprintf(text, sizeof(text), "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 dn_u32(v, off), dn_u16(v, off + 4), dn_u16(v, off + 6), g[8], g[9], g[10], g[11],
                 g[12], g[13], g[14], g[15]);
        mo_setz(c, root, text, "guids[%u]", i);
    }
    mo_seti(c, root, i, "number_of_guids");
}

static void load_user_strings(mo_ctx *c, mo_obj *root, const dn_view *v)
{
    int64_t off = v->us.start;
    int64_t end = off + v->us.size;
    if (v->us.size == 0 || !dn_fits(v, off, v->us.size) || v->data[off] != 0)
        return;
    off++;
    mo_obj *arr = mo_member(c, root, "user_strings");
    uint64_t n = 0;
    /* each pass consumes at least the entry's header byte; yara has no
     * cap on the number of strings, vigil's arrays stop at MO_MAX_ELEMS */
    while (off < end && n < MO_MAX_ELEMS) {
        dn_blob b = dn_parse_blob(v, off);
        if (b.size == 0)
            break;
        off += b.size;
        /* The length lacks the string's final flag byte (see dn_parse_blob)
         * and yara does not step over it either: the flag is read as the
         * next entry's header (0x00 or 0x01: an entry with nothing in it).
         * A string running past the end of the file is skipped, its bytes
         * then read as headers. */
        if (b.length > 0 && dn_fits(v, off, b.length)) {
            if (!dn_take(v, b.length))
                break;
            mo_set_string(c, mo_element(c, arr, n), v->data + off, b.length);
            off += b.length;
            n++;
        }
    }
    mo_seti(c, root, (int64_t)n, "number_of_user_strings");
}

/* ---- the metadata root and its stream headers ---- */

static void classify_stream(dn_view *v, const char *name, const dn_stream *s)
{
    /* yara compares prefixes only, so "#~x" is the tables stream too; the
     * first of each kind wins, except #GUID where the last one does */
    if ((strncmp(name, "#~", 2) == 0 || strncmp(name, "#-", 2) == 0) && !v->tilde.present)
        v->tilde = *s;
    else if (strncmp(name, "#GUID", 5) == 0)
        v->guid = *s;
    else if (strncmp(name, "#Strings", 8) == 0 && !v->strings.present)
        v->strings = *s;
    else if (strncmp(name, "#Blob", 5) == 0 && !v->blob.present)
        v->blob = *s;
    else if (strncmp(name, "#US", 3) == 0 && !v->us.present)
        v->us = *s;
}

static void load_streams(mo_ctx *c, mo_obj *root, dn_view *v, int64_t off, unsigned count)
{
    unsigned i = 0;
    for (; i < count; i++) {
        if (!dn_fits(v, off, STREAM_HEADER_SIZE) ||
            !dn_fits(v, off + STREAM_HEADER_SIZE, STREAM_NAME_SIZE))
            break;
        const uint8_t *np = v->data + off + STREAM_HEADER_SIZE;
        const uint8_t *nul = memchr(np, 0, STREAM_NAME_SIZE);
        if (!nul)
            break;
        char name[STREAM_NAME_SIZE + 1];
        size_t nlen = (size_t)(nul - np);
        memcpy(name, np, nlen);
        name[nlen] = '\0';
        dn_stream s = {true, v->metadata_root + dn_u32(v, off), dn_u32(v, off + 4)};
        mo_setz(c, root, name, "streams[%u].name", i);
        mo_seti(c, root, s.start, "streams[%u].offset", i);
        mo_seti(c, root, s.size, "streams[%u].size", i);
        classify_stream(v, name, &s);
        /* names are NUL-terminated and padded to a multiple of 4 (a name
         * of 4 bytes takes 8) */
        off += STREAM_HEADER_SIZE + nlen + 4 - nlen % 4;
    }
    mo_seti(c, root, i, "number_of_streams");
}

/* The CLI header's data directory. yara 4.2.3 reads the slot at its fixed
 * place in the optional header whatever NumberOfRvaAndSizes says (the
 * optional header is known to be in the file), which fmt_pe_directory does
 * not do. */
static void clr_directory(const dn_view *v, uint32_t *rva)
{
    int64_t slot = (int64_t)v->pe.opt_offset + (v->pe.is64 ? 112 : 96) + 8 * FMT_PE_DIR_CLR;
    *rva = dn_u32(v, slot);
}

#define IMAGE_FILE_DLL 0x2000

/* yara's test for a .NET assembly (dotnet_is_dotnet): a CLI header of the
 * right size, a metadata root with its magic and a sane version length;
 * and a 64-bit file must declare the CLI directory, while a 32-bit program
 * (not a DLL) must start with the "jmp [_CorExeMain]" stub (FF 25). */
static bool is_dotnet(dn_view *v)
{
    uint32_t rva;
    clr_directory(v, &rva);
    v->cli = fmt_pe_rva_to_offset(&v->pe, rva);
    if (v->cli < 0 || !dn_fits(v, v->cli, DN_CLI_HEADER_SIZE) ||
        dn_u32(v, v->cli) != DN_CLI_HEADER_SIZE)
        return false;
    int64_t md = fmt_pe_rva_to_offset(&v->pe, dn_u32(v, v->cli + 8));
    if (!dn_fits(v, md, NET_METADATA_SIZE) || dn_u32(v, md) != NET_METADATA_MAGIC)
        return false;
    /* the version string's length: 1..255, a multiple of 4, in the file */
    uint32_t md_len = dn_u32(v, md + 12);
    if (md_len == 0 || md_len > 255 || md_len % 4 != 0 ||
        !dn_fits(v, md + NET_METADATA_SIZE, md_len))
        return false;
    v->metadata_root = md;
    if (v->pe.is64)
        return v->pe.number_of_rva_and_sizes >= FMT_PE_DIR_CLR;
    if (!(v->pe.characteristics & IMAGE_FILE_DLL)) {
        int64_t entry = fmt_pe_rva_to_offset(&v->pe, v->pe.entry_point);
        if (!dn_fits(v, entry, 2) || v->data[entry] != 0xFF || v->data[entry + 1] != 0x25)
            return false;
    }
    return true;
}

/* yara's dotnet_parse_com: version, streams, then the heaps and tables it
 * found. */
static void load_metadata(mo_ctx *c, mo_obj *root, dn_view *v)
{
    if (!is_dotnet(v)) {
        mo_seti(c, root, 0, "is_dotnet");
        return;
    }
    mo_seti(c, root, 1, "is_dotnet");
    int64_t md = v->metadata_root;
    uint32_t md_len = dn_u32(v, md + 12);
    const uint8_t *ver = v->data + md + NET_METADATA_SIZE;
    const uint8_t *nul = memchr(ver, 0, md_len);
    if (nul)
        mo_sets(c, root, ver, (size_t)(nul - ver), "version");
    /* then Flags (2 bytes) and the number of streams (2 bytes, of which
     * yara reads only the low byte) */
    int64_t off = md + NET_METADATA_SIZE + md_len + 2;
    if (!dn_fits(v, off, 2))
        return;
    unsigned count = v->data[off];
    load_streams(c, root, v, off + 2, count);
    if (v->guid.present)
        load_guids(c, root, v);
    if (v->tilde.present && v->strings.present && v->blob.present)
        dn_load_tables(c, root, v);
    if (v->us.present)
        load_user_strings(c, root, v);
}

static vigil_status load(mo_ctx *c, mo_obj *root, const uint8_t *data, size_t len, void **priv)
{
    (void)priv;
    dn_view v;
    memset(&v, 0, sizeof(v));
    size_t budget = DN_VALUE_BUDGET;
    v.budget = &budget;
    if (fmt_pe_parse(data, len, &v.pe)) {
        v.data = data;
        v.len = len;
        load_metadata(c, root, &v);
    }
    return mo_ctx_failed(c) ? VIGIL_E_NOMEM : VIGIL_OK;
}

static const mo_decl stream_members[] = {
    MO_STRING_("name"),
    MO_INTEGER("offset"),
    MO_INTEGER("size"),
    MO_END,
};

static const mo_decl resource_members[] = {
    MO_INTEGER("offset"),
    MO_INTEGER("length"),
    MO_STRING_("name"),
    MO_END,
};

static const mo_decl version_members[] = {
    MO_INTEGER("major"),
    MO_INTEGER("minor"),
    MO_INTEGER("build_number"),
    MO_INTEGER("revision_number"),
    MO_END,
};

static const mo_decl assembly_ref_members[] = {
    MO_STRUCT_("version", version_members),
    MO_STRING_("public_key_or_token"),
    MO_STRING_("name"),
    MO_END,
};

static const mo_decl assembly_members[] = {
    MO_STRUCT_("version", version_members),
    MO_STRING_("name"),
    MO_STRING_("culture"),
    MO_END,
};

/* yara 4.2.3's declaration order */
static const mo_decl members[] = {
    MO_INTEGER("is_dotnet"),
    MO_STRING_("version"),
    MO_STRING_("module_name"),
    MO_STRUCT_ARRAY("streams", stream_members),
    MO_INTEGER("number_of_streams"),
    MO_ARRAY_OF("guids", MO_STRING),
    MO_INTEGER("number_of_guids"),
    MO_STRUCT_ARRAY("resources", resource_members),
    MO_INTEGER("number_of_resources"),
    MO_STRUCT_ARRAY("assembly_refs", assembly_ref_members),
    MO_INTEGER("number_of_assembly_refs"),
    MO_STRUCT_("assembly", assembly_members),
    MO_ARRAY_OF("modulerefs", MO_STRING),
    MO_INTEGER("number_of_modulerefs"),
    MO_ARRAY_OF("user_strings", MO_STRING),
    MO_INTEGER("number_of_user_strings"),
    MO_STRING_("typelib"),
    MO_ARRAY_OF("constants", MO_STRING),
    MO_INTEGER("number_of_constants"),
    MO_ARRAY_OF("field_offsets", MO_INT),
    MO_INTEGER("number_of_field_offsets"),
    MO_END,
};

const mo_module mo_module_dotnet = {
    .name = "dotnet",
    .members = members,
    .load = load,
};
