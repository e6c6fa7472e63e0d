/*
 * test_modules_dotnet.c - lib/modules/dotnet*.c and magic.c. A tiny .NET
 * assembly is built here byte by byte (PE headers, one section holding the
 * CLI header, metadata root, the five streams and ten tables, one embedded
 * resource); the tests read back every field yara 4.2.3 gives for it, then
 * break it in the ways hostile files do (truncation at every length,
 * absurd row counts, heap indexes and blob lengths out of range, wrong
 * header sizes) and check the values that must survive or vanish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "modules/dotnet_internal.h"
#include "modules/modules.h"
#include "modules/object.h"

/* ---- building the assembly ---- */

#define SECTION_OFF 0x200
#define SECTION_RVA 0x2000
#define IMAGE_MAX 4096

typedef struct image {
    uint8_t b[IMAGE_MAX];
    size_t len;
    /* where things are, for the malformed variants */
    size_t cli, md, nstreams, tilde, counts, tables, strings, blob, us, guid, res;
    size_t module_row, constant_row, assemblyref_row, manifest_row;
} image;

static void p8(image *im, size_t off, uint8_t v)
{
    assert_true(off < IMAGE_MAX);
    im->b[off] = v;
    if (off + 1 > im->len)
        im->len = off + 1;
}

static void p16(image *im, size_t off, uint16_t v)
{
    p8(im, off, (uint8_t)v);
    p8(im, off + 1, (uint8_t)(v >> 8));
}

static void p32(image *im, size_t off, uint32_t v)
{
    p16(im, off, (uint16_t)v);
    p16(im, off + 2, (uint16_t)(v >> 16));
}

static void pbytes(image *im, size_t off, const void *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p8(im, off + i, ((const uint8_t *)s)[i]);
}

static uint32_t rva(size_t off)
{
    return (uint32_t)(off - SECTION_OFF + SECTION_RVA);
}

/* #Strings: offsets of each name */
enum {
    S_MODULE = 1,                  /* "tiny.dll" */
    S_GUIDATTR = S_MODULE + 9,     /* "GuidAttribute" */
    S_NAMESPACE = S_GUIDATTR + 14, /* "System" */
    S_CTOR = S_NAMESPACE + 7,      /* ".ctor" */
    S_KERNEL = S_CTOR + 6,         /* "kernel32.dll" */
    S_ASSEMBLY = S_KERNEL + 13,    /* "tiny" */
    S_MSCORLIB = S_ASSEMBLY + 5,   /* "mscorlib" */
    S_RES = S_MSCORLIB + 9,        /* "res.bin" */
    S_CULTURE = S_RES + 8,         /* "en" */
    S_END = S_CULTURE + 3,
};
static const char STRINGS[] = "\0tiny.dll\0GuidAttribute\0System\0.ctor\0kernel32.dll\0tiny\0"
                              "mscorlib\0res.bin\0en";

#define TYPELIB "0b0ee5f6-5ce3-4a2e-b0d1-6cb0ab0d1e55"

static void build(image *im)
{
    memset(im, 0, sizeof(*im));
    /* DOS header, PE signature, COFF header: i386 DLL, one section */
    pbytes(im, 0, "MZ", 2);
    p32(im, 0x3c, 0x40);
    pbytes(im, 0x40, "PE\0\0", 4);
    p16(im, 0x44, 0x14c);
    p16(im, 0x46, 1);
    p16(im, 0x54, 224);
    p16(im, 0x56, 0x2102);
    /* optional header (PE32) */
    size_t opt = 0x58;
    p16(im, opt, 0x10b);
    p32(im, opt + 28, 0x400000); /* ImageBase */
    p32(im, opt + 32, 0x2000);   /* SectionAlignment */
    p32(im, opt + 36, 0x200);    /* FileAlignment */
    p32(im, opt + 56, 0x4000);   /* SizeOfImage */
    p32(im, opt + 60, 0x200);    /* SizeOfHeaders */
    p32(im, opt + 92, 16);       /* NumberOfRvaAndSizes */
    size_t dirs = opt + 96;
    /* section table */
    size_t sec = opt + 224;
    pbytes(im, sec, ".text", 5);
    p32(im, sec + 8, 0x1000);
    p32(im, sec + 12, SECTION_RVA);
    p32(im, sec + 16, 0x1000);
    p32(im, sec + 20, SECTION_OFF);

    /* CLI header */
    im->cli = SECTION_OFF;
    p32(im, dirs + 14 * 8, rva(im->cli));
    p32(im, dirs + 14 * 8 + 4, 72);
    p32(im, im->cli, 72);
    p16(im, im->cli + 4, 2);
    p16(im, im->cli + 6, 5);
    p32(im, im->cli + 16, 1);

    /* metadata root: magic, versions, version string, flags, 5 streams */
    im->md = im->cli + 0x50;
    p32(im, im->md, 0x424a5342);
    p16(im, im->md + 4, 1);
    p16(im, im->md + 6, 1);
    p32(im, im->md + 12, 12);
    pbytes(im, im->md + 16, "v4.0.30319", 10);
    im->nstreams = im->md + 16 + 12 + 2;
    p16(im, im->nstreams, 5);
    static const char *names[] = {"#~", "#Strings", "#US", "#GUID", "#Blob"};
    size_t hdr = im->nstreams + 2, hdrs[5];
    for (int i = 0; i < 5; i++) {
        hdrs[i] = hdr;
        size_t n = strlen(names[i]);
        pbytes(im, hdr + 8, names[i], n);
        hdr += 8 + n + 4 - n % 4;
    }
    size_t data = (hdr + 3) & ~(size_t)3;

    /* #~: header, row counts, tables */
    im->tilde = data;
    p8(im, im->tilde + 4, 2);
    static const unsigned tables[] = {0x00, 0x01, 0x0A, 0x0B, 0x0C, 0x1A, 0x1D, 0x20, 0x23, 0x28};
    uint64_t valid = 0;
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        valid |= (uint64_t)1 << tables[i];
    p32(im, im->tilde + 8, (uint32_t)valid);
    p32(im, im->tilde + 12, (uint32_t)(valid >> 32));
    im->counts = im->tilde + 24;
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        p32(im, im->counts + 4 * i, 1);
    size_t t = im->counts + 4 * (sizeof(tables) / sizeof(tables[0]));
    im->tables = t;
    /* Module: Generation, Name, Mvid, EncId, EncBaseId */
    im->module_row = t;
    p16(im, t + 2, S_MODULE);
    p16(im, t + 4, 1);
    t += 10;
    /* TypeRef: ResolutionScope, Name, Namespace */
    p16(im, t + 2, S_GUIDATTR);
    p16(im, t + 4, S_NAMESPACE);
    t += 6;
    /* MemberRef: Class (TypeRef 1), Name, Signature */
    p16(im, t, 1 << 3 | 1);
    p16(im, t + 2, S_CTOR);
    t += 6;
    /* Constant: Type (string), Parent, Value (blob 1) */
    im->constant_row = t;
    p8(im, t, 0x0E);
    p16(im, t + 4, 1);
    t += 6;
    /* CustomAttribute: Parent (Assembly 1), Type (MemberRef 1), Value (blob 6) */
    p16(im, t, 1 << 5 | 0x0E);
    p16(im, t + 2, 1 << 3 | 3);
    p16(im, t + 4, 6);
    t += 6;
    /* ModuleRef */
    p16(im, t, S_KERNEL);
    t += 2;
    /* FieldRVA: RVA, Field */
    p32(im, t, rva(im->cli + 4));
    p16(im, t + 4, 1);
    t += 6;
    /* Assembly: HashAlgId, version 1.2.3.4, Flags, PublicKey, Name, Culture */
    p16(im, t + 4, 1);
    p16(im, t + 6, 2);
    p16(im, t + 8, 3);
    p16(im, t + 10, 4);
    p16(im, t + 18, S_ASSEMBLY);
    p16(im, t + 20, S_CULTURE);
    t += 22;
    /* AssemblyRef: version 4.0.0.0, Flags, PublicKeyOrToken (blob 48), Name */
    im->assemblyref_row = t;
    p16(im, t, 4);
    p16(im, t + 8, 0);
    p16(im, t + 12, 48);
    p16(im, t + 14, S_MSCORLIB);
    t += 20;
    /* ManifestResource: Offset 0, Flags, Name, Implementation 0 */
    im->manifest_row = t;
    p32(im, t + 4, 1);
    p16(im, t + 8, S_RES);
    t += 12;
    uint32_t tilde_size = (uint32_t)(((t - im->tilde) + 3) & ~(size_t)3);

    /* #Strings */
    im->strings = im->tilde + tilde_size;
    pbytes(im, im->strings, STRINGS, sizeof(STRINGS));
    uint32_t strings_size = (S_END + 3) & ~3u;

    /* #US: the empty entry, "hello" in UTF-16 with its flag byte */
    im->us = im->strings + strings_size;
    p8(im, im->us + 1, 11);
    pbytes(im, im->us + 2, "h\0e\0l\0l\0o\0\0", 11);
    uint32_t us_size = 16;

    /* #GUID */
    im->guid = im->us + us_size;
    for (int i = 0; i < 16; i++)
        p8(im, im->guid + (size_t)i, (uint8_t)(0x10 + i));

    /* #Blob: 0; constant at 1; GuidAttribute value at 6; key token at 48 */
    im->blob = im->guid + 16;
    p8(im, im->blob + 1, 4);
    pbytes(im, im->blob + 2, "h\0i\0", 4);
    p8(im, im->blob + 6, 41);
    p16(im, im->blob + 7, 1);
    p8(im, im->blob + 9, 36);
    pbytes(im, im->blob + 10, TYPELIB, 36);
    p8(im, im->blob + 48, 8);
    pbytes(im, im->blob + 49, "\xb7\x7a\x5c\x56\x19\x34\xe0\x89", 8);
    uint32_t blob_size = 60;

    size_t sizes[5] = {tilde_size, strings_size, us_size, 16, blob_size};
    size_t starts[5] = {im->tilde, im->strings, im->us, im->guid, im->blob};
    for (int i = 0; i < 5; i++) {
        p32(im, hdrs[i], (uint32_t)(starts[i] - im->md));
        p32(im, hdrs[i] + 4, (uint32_t)sizes[i]);
    }
    size_t md_end = im->blob + blob_size;
    p32(im, im->cli + 8, rva(im->md));
    p32(im, im->cli + 12, (uint32_t)(md_end - im->md));

    /* CLI resources: one, a 32-bit length then the bytes */
    im->res = md_end;
    p32(im, im->cli + 24, rva(im->res));
    p32(im, im->cli + 28, 12);
    p32(im, im->res, 8);
    pbytes(im, im->res + 4, "resource", 8);
    im->len = im->res + 12 < 0x600 ? 0x600 : im->res + 12;
}

/* ---- reading values back ---- */

typedef struct loaded {
    mo_ctx *ctx;
    mo_obj *root;
    void *priv;
} loaded;

static loaded load_module(const mo_module *m, const uint8_t *data, size_t len)
{
    loaded l = {mo_ctx_new(), NULL, NULL};
    assert_non_null(l.ctx);
    l.root = mo_ctx_root(l.ctx, m);
    assert_non_null(l.root);
    if (m->load) /* magic has no per-object data, only functions */
        assert_int_equal(m->load(l.ctx, l.root, data, len, &l.priv), VIGIL_OK);
    return l;
}

static void unload_module(const mo_module *m, loaded *l)
{
    if (m->unload)
        m->unload(l->priv);
    if (m->fini)
        m->fini(*mo_instance_slot(l->ctx));
    mo_ctx_free(l->ctx);
}

/* The value at a path such as "assembly_refs[0].version.major". */
static mo_val get(const mo_obj *root, const char *path)
{
    const mo_obj *o = root;
    const mo_decl *members = mo_module_dotnet.members;
    char name[64];
    const char *p = path;
    while (*p) {
        size_t n = strcspn(p, ".[");
        assert_true(n < sizeof(name));
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        int k = mo_find_member(members, name, NULL);
        assert_true(k >= 0);
        if (*p == '\0')
            return mo_member_value(o, members, (uint32_t)k);
        o = mo_get_member(o, (uint32_t)k);
        members = mo_member_decl(members, (uint32_t)k)->members;
        if (*p == '[') {
            char *after;
            long i = strtol(p + 1, &after, 10);
            assert_true(*after == ']');
            p = after + 1;
            o = mo_get_element(o, i);
            if (*p == '\0')
                return mo_value(o);
        }
        if (*p == '.')
            p++;
    }
    return mo_value(o);
}

static void assert_int_at(const mo_obj *root, const char *path, int64_t v)
{
    mo_val x = get(root, path);
    if (x.kind != MO_VINT || x.i != v)
        fail_msg("%s: expected %lld, got kind %d value %lld", path, (long long)v, (int)x.kind,
                 (long long)x.i);
}

static void assert_str_at(const mo_obj *root, const char *path, const void *s, size_t len)
{
    mo_val x = get(root, path);
    if (x.kind != MO_VSTRING || x.len != len || memcmp(x.s, s, len) != 0)
        fail_msg("%s: expected a %zu-byte string, got kind %d length %zu", path, len, (int)x.kind,
                 x.len);
}

#define assert_cstr_at(root, path, s) assert_str_at((root), (path), (s), strlen(s))

static void assert_undef_at(const mo_obj *root, const char *path)
{
    mo_val x = get(root, path);
    if (x.kind != MO_UNDEF)
        fail_msg("%s: expected undefined, got kind %d", path, (int)x.kind);
}

/* ---- the tests ---- */

static void test_tiny_assembly(void **state)
{
    (void)state;
    image im;
    build(&im);
    loaded l = load_module(&mo_module_dotnet, im.b, im.len);
    const mo_obj *r = l.root;
    assert_int_at(r, "is_dotnet", 1);
    assert_cstr_at(r, "version", "v4.0.30319");
    assert_cstr_at(r, "module_name", "tiny.dll");
    assert_int_at(r, "number_of_streams", 5);
    assert_cstr_at(r, "streams[0].name", "#~");
    assert_int_at(r, "streams[0].offset", (int64_t)im.tilde);
    assert_cstr_at(r, "streams[4].name", "#Blob");
    assert_int_at(r, "streams[4].size", 60);
    assert_int_at(r, "number_of_guids", 1);
    assert_cstr_at(r, "guids[0]", "13121110-1514-1716-1819-1a1b1c1d1e1f");
    /* the flag byte of a user string is not part of it */
    assert_int_at(r, "number_of_user_strings", 1);
    assert_str_at(r, "user_strings[0]", "h\0e\0l\0l\0o\0", 10);
    /* yara 4.2.3 drops the last byte of every blob */
    assert_int_at(r, "number_of_constants", 1);
    assert_str_at(r, "constants[0]", "h\0i", 3);
    assert_cstr_at(r, "typelib", TYPELIB);
    assert_int_at(r, "number_of_modulerefs", 1);
    assert_cstr_at(r, "modulerefs[0]", "kernel32.dll");
    assert_int_at(r, "number_of_field_offsets", 1);
    assert_int_at(r, "field_offsets[0]", (int64_t)im.cli + 4);
    assert_int_at(r, "assembly.version.major", 1);
    assert_int_at(r, "assembly.version.minor", 2);
    assert_int_at(r, "assembly.version.build_number", 3);
    assert_int_at(r, "assembly.version.revision_number", 4);
    assert_cstr_at(r, "assembly.name", "tiny");
    assert_cstr_at(r, "assembly.culture", "en");
    assert_int_at(r, "number_of_assembly_refs", 1);
    assert_int_at(r, "assembly_refs[0].version.major", 4);
    assert_cstr_at(r, "assembly_refs[0].name", "mscorlib");
    assert_str_at(r, "assembly_refs[0].public_key_or_token", "\xb7\x7a\x5c\x56\x19\x34\xe0", 7);
    assert_int_at(r, "number_of_resources", 1);
    assert_int_at(r, "resources[0].offset", (int64_t)im.res + 4);
    assert_int_at(r, "resources[0].length", 8);
    assert_cstr_at(r, "resources[0].name", "res.bin");
    unload_module(&mo_module_dotnet, &l);
}

static void test_not_dotnet(void **state)
{
    (void)state;
    /* not a PE: nothing at all */
    static const uint8_t text[] = "just some text, not a PE file at all";
    loaded l = load_module(&mo_module_dotnet, text, sizeof(text));
    assert_undef_at(l.root, "is_dotnet");
    unload_module(&mo_module_dotnet, &l);

    /* a PE whose CLI header has the wrong size: is_dotnet 0 and no more */
    image im;
    build(&im);
    p32(&im, im.cli, 80);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "is_dotnet", 0);
    assert_undef_at(l.root, "version");
    assert_undef_at(l.root, "number_of_streams");
    unload_module(&mo_module_dotnet, &l);

    /* a 32-bit program (not a DLL) must start with jmp [_CorExeMain] */
    build(&im);
    p16(&im, 0x56, 0x0102);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "is_dotnet", 0);
    unload_module(&mo_module_dotnet, &l);
    p32(&im, 0x58 + 16, rva(im.res + 4));
    p16(&im, im.res + 4, 0x25FF);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "is_dotnet", 1);
    unload_module(&mo_module_dotnet, &l);

    /* NumberOfRvaAndSizes does not hide the directory from yara 4.2.3 */
    build(&im);
    p32(&im, 0x58 + 92, 0);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "is_dotnet", 1);
    unload_module(&mo_module_dotnet, &l);
}

/* Every truncation of the file loads without error, and fields read from
 * bytes that are gone are never set. */
static void test_truncated(void **state)
{
    (void)state;
    image im;
    build(&im);
    for (size_t len = 0; len <= im.len; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, im.b, len);
        loaded l = load_module(&mo_module_dotnet, copy, len);
        if (len < im.res + 4) {
            mo_val n = get(l.root, "number_of_resources");
            assert_true(n.kind == MO_UNDEF || n.i == 0);
        }
        if (len <= im.us + 12)
            assert_undef_at(l.root, "user_strings[0]");
        unload_module(&mo_module_dotnet, &l);
        free(copy);
    }
}

static uint32_t dn_low_valid(const image *im)
{
    const uint8_t *p = im->b + im->tilde + 8;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_row_limits(void **state)
{
    (void)state;
    image im;
    /* more than 10000 rows: yara gives up at that table */
    build(&im);
    p32(&im, im.counts + 4 * 3, 10001); /* Constant */
    loaded l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_cstr_at(l.root, "module_name", "tiny.dll");
    assert_undef_at(l.root, "number_of_constants");
    assert_undef_at(l.root, "assembly.name");
    unload_module(&mo_module_dotnet, &l);

    /* 10000 rows is allowed: the walk reads what is in the file and stops */
    build(&im);
    p32(&im, im.counts + 4 * 8, 10000); /* AssemblyRef */
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "number_of_constants", 1);
    mo_val n = get(l.root, "number_of_assembly_refs");
    assert_true(n.kind == MO_VINT && n.i >= 1 && n.i < 10000);
    unload_module(&mo_module_dotnet, &l);

    /* a table yara does not know (ParamPtr, 7) stops the walk there */
    build(&im);
    p32(&im, im.tilde + 8, dn_low_valid(&im) | 1u << 7);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "is_dotnet", 1);
    assert_undef_at(l.root, "number_of_constants");
    assert_undef_at(l.root, "number_of_resources");
    unload_module(&mo_module_dotnet, &l);

    /* every row count at its maximum and every heap index 4 bytes wide */
    build(&im);
    p8(&im, im.tilde + 6, 0x07);
    for (int i = 0; i < 10; i++)
        p32(&im, im.counts + 4 * (size_t)i, 0xFFFFFFFF);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_undef_at(l.root, "module_name");
    assert_int_at(l.root, "is_dotnet", 1);
    unload_module(&mo_module_dotnet, &l);
}

static void test_bad_indexes(void **state)
{
    (void)state;
    image im;
    /* string indexes past the end of the file: names stay undefined */
    build(&im);
    p16(&im, im.module_row + 2, 0xFFFF);
    p16(&im, im.assemblyref_row + 14, 0xFFFF);
    p16(&im, im.manifest_row + 8, 0xFFFF);
    loaded l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_undef_at(l.root, "module_name");
    assert_undef_at(l.root, "assembly_refs[0].name");
    assert_int_at(l.root, "number_of_resources", 1);
    assert_undef_at(l.root, "resources[0].name");
    unload_module(&mo_module_dotnet, &l);

    /* a string with no NUL within 1024 bytes is not read */
    build(&im);
    static image big;
    big = im;
    memset(big.b + big.len, 'A', sizeof(big.b) - big.len);
    big.len = sizeof(big.b);
    p16(&big, big.module_row + 2, (uint16_t)(im.len - im.strings));
    l = load_module(&mo_module_dotnet, big.b, big.len);
    assert_undef_at(l.root, "module_name");
    unload_module(&mo_module_dotnet, &l);

    /* blobs whose length runs past the end of the file */
    build(&im);
    p8(&im, im.blob + 1, 0xBF);  /* constant: 2-byte length 0x3F.. */
    p8(&im, im.blob + 48, 0xDF); /* key token: 4-byte length */
    p8(&im, im.us + 1, 0x7F);    /* user string longer than the file */
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "number_of_constants", 0);
    assert_undef_at(l.root, "assembly_refs[0].public_key_or_token");
    assert_undef_at(l.root, "assembly_refs[0].name");
    assert_int_at(l.root, "number_of_assembly_refs", 1);
    unload_module(&mo_module_dotnet, &l);

    /* a resource whose length runs past the end of the file is skipped */
    build(&im);
    p32(&im, im.res, 0x7FFFFFFF);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "number_of_resources", 0);
    unload_module(&mo_module_dotnet, &l);

    /* stream headers: an absurd count stops at the first unreadable one;
     * offsets past the end leave the heaps unread */
    build(&im);
    p16(&im, im.nstreams, 0xFF);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    mo_val n = get(l.root, "number_of_streams");
    assert_true(n.kind == MO_VINT && n.i >= 5 && n.i < 0xFF);
    unload_module(&mo_module_dotnet, &l);
    build(&im);
    for (size_t h = im.nstreams + 2; h < im.tilde; h += 4)
        if (im.b[h + 8] == '#')
            p32(&im, h, 0xFFFFFFF0);
    l = load_module(&mo_module_dotnet, im.b, im.len);
    assert_int_at(l.root, "number_of_streams", 5);
    assert_int_at(l.root, "number_of_guids", 0);
    assert_undef_at(l.root, "module_name");
    assert_undef_at(l.root, "number_of_user_strings");
    unload_module(&mo_module_dotnet, &l);
}

/* 10000 constants naming one 8000-byte blob: yara copies it 10000 times;
 * vigil stops at its value budget, with a count that matches the array. */
static void test_value_budget(void **state)
{
    (void)state;
    image im;
    build(&im);
    size_t rows = 10000, blob_at = im.constant_row + rows * 6 + 16, blob_len = 8001;
    size_t len = blob_at + 2 + blob_len + 16;
    uint8_t *b = calloc(1, len);
    assert_non_null(b);
    memcpy(b, im.b, im.len);
    b[im.counts + 12] = (uint8_t)rows;
    b[im.counts + 13] = (uint8_t)(rows >> 8);
    memset(b + im.constant_row, 0, rows * 6);
    for (size_t r = 0; r < rows; r++) {
        b[im.constant_row + 6 * r] = 0x0E;
        b[im.constant_row + 6 * r + 4] = 1;
    }
    /* the #Blob stream moves past the rows: index 1 holds the big blob */
    size_t h = im.nstreams + 2;
    while (memcmp(b + h + 8, "#Blob", 5) != 0)
        h += 8 + ((strlen((const char *)b + h + 8) + 4) & ~(size_t)3);
    uint32_t rel = (uint32_t)(blob_at - im.md), size = (uint32_t)(blob_len + 3);
    memcpy(b + h, &rel, 4);
    memcpy(b + h + 4, &size, 4);
    b[blob_at + 1] = (uint8_t)(0x80 | blob_len >> 8);
    b[blob_at + 2] = (uint8_t)blob_len;
    memset(b + blob_at + 3, 'x', blob_len);
    /* the section must cover the file for the RVAs to map */
    uint32_t raw = (uint32_t)(len - SECTION_OFF);
    memcpy(b + 0x58 + 224 + 8, &raw, 4);
    memcpy(b + 0x58 + 224 + 16, &raw, 4);
    loaded l = load_module(&mo_module_dotnet, b, len);
    mo_val n = get(l.root, "number_of_constants");
    assert_int_equal(n.kind, MO_VINT);
    assert_int_equal(n.i, DN_VALUE_BUDGET / (blob_len - 1));
    assert_str_at(l.root, "constants[0]", b + blob_at + 3, blob_len - 1);
    assert_undef_at(l.root, "constants[9999]");
    unload_module(&mo_module_dotnet, &l);
    free(b);
}

static void test_magic(void **state)
{
    (void)state;
    image im;
    build(&im);
    loaded l = load_module(&mo_module_magic, im.b, im.len);
    int k = mo_find_member(mo_module_magic.members, "type", "");
    int km = mo_find_member(mo_module_magic.members, "mime_type", "");
    assert_true(k >= 0 && km >= 0);
    mo_call call;
    memset(&call, 0, sizeof(call));
    call.self = l.root;
    call.priv = l.priv;
    call.data = im.b;
    call.len = im.len;
    call.ctx = l.ctx;
    mo_val t = mo_module_magic.members[k].fn(&call);
    assert_int_equal(t.kind, MO_VSTRING);
    assert_true(t.len >= 4 && memcmp(t.s, "PE32", 4) == 0);
    /* cached: the same bytes the second time */
    mo_val t2 = mo_module_magic.members[k].fn(&call);
    assert_ptr_equal(t.s, t2.s);
    mo_val m = mo_module_magic.members[km].fn(&call);
    assert_int_equal(m.kind, MO_VSTRING);
    /* (the exact answer is the installed libmagic's) */
    assert_true(m.len > 12 && memcmp(m.s, "application/", 12) == 0);
    unload_module(&mo_module_magic, &l);

    /* an empty object has no type in yara */
    l = load_module(&mo_module_magic, im.b, 0);
    call.priv = l.priv;
    call.ctx = l.ctx;
    call.len = 0;
    assert_int_equal(mo_module_magic.members[k].fn(&call).kind, MO_UNDEF);
    unload_module(&mo_module_magic, &l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_assembly), cmocka_unit_test(test_not_dotnet),
        cmocka_unit_test(test_truncated),     cmocka_unit_test(test_row_limits),
        cmocka_unit_test(test_bad_indexes),   cmocka_unit_test(test_value_budget),
        cmocka_unit_test(test_magic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
