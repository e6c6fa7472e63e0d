/*
 * test_modules_pe.c - the pe module on PE32 and PE32+ files the test builds
 * (pe_build.h): field values in yara -D's form, every function through an
 * mo_call, Authenticode signatures made here with OpenSSL, and hostile
 * variants (every truncation, corrupted headers) that must load without
 * error or overrun. Expected values are yara 4.2.3's on the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "modules/object.h"
#include "modules/registry.h"
#include "pe_build.h"

/* ---- loading and printing ---- */

typedef struct loaded {
    const mo_module *m;
    mo_ctx *c;
    mo_obj *root;
    void *priv;
    const uint8_t *data;
    size_t len;
} loaded;

static loaded load(const uint8_t *data, size_t len)
{
    loaded l = {.m = mo_find_module("pe"), .data = data, .len = len};
    assert_non_null(l.m);
    l.c = mo_ctx_new();
    assert_non_null(l.c);
    l.root = mo_ctx_root(l.c, l.m);
    assert_int_equal(l.m->load(l.c, l.root, data, len, &l.priv), VIGIL_OK);
    return l;
}

static void unload(loaded *l)
{
    if (l->m->unload)
        l->m->unload(l->priv);
    mo_ctx_free(l->c);
}

/* "path = value" lines, one per leaf, like tests/diff/module_dump_diff.py */
typedef struct dump {
    char *text;
    size_t len, cap;
    char path[16][64];
} dump;

static void append(dump *d, const char *s, size_t n)
{
    if (d->len + n + 1 > d->cap) {
        d->cap = (d->len + n + 1) * 2;
        d->text = realloc(d->text, d->cap);
        assert_non_null(d->text);
    }
    memcpy(d->text + d->len, s, n);
    d->len += n;
    d->text[d->len] = '\0';
}

static void on_item(const mo_item *it, void *user)
{
    dump *d = user;
    if (it->ev == MO_EV_LEAVE || it->depth >= 16)
        return;
    char *p = d->path[it->depth];
    if (it->is_element && it->key)
        snprintf(p, 64, "[%.*s]", (int)it->key_len, (const char *)it->key);
    else if (it->is_element)
        snprintf(p, 64, "[%lld]", (long long)it->index);
    else
        snprintf(p, 64, "%s%s", it->depth ? "." : "", it->name);
    if (it->ev != MO_EV_LEAF)
        return;
    char line[512];
    int n = 0;
    for (unsigned k = 0; k <= it->depth; k++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "%s", d->path[k]);
    if (it->v.kind == MO_VINT)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " = %lld\n", (long long)it->v.i);
    else if (it->v.kind == MO_VSTRING)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " = \"%.*s\"\n", (int)it->v.len,
                      (const char *)it->v.s);
    else
        n += snprintf(line + n, sizeof(line) - (size_t)n, " = UNDEFINED\n");
    append(d, line, (size_t)n);
}

static char *dump_of(const loaded *l)
{
    dump d = {0};
    append(&d, "", 0);
    mo_visit(l->m, l->root, on_item, &d);
    return d.text;
}

static void has_line(const char *text, const char *line)
{
    char want[512];
    snprintf(want, sizeof(want), "%s\n", line);
    if (!strstr(text, want))
        fail_msg("missing line: %s", line);
}

/* ---- calling functions ---- */

/* A regex here is a C string: "^x" matches a prefix, anything else a
 * substring (enough to drive the module's regex overloads); the result is
 * the match's length, or -1. */
static int64_t fake_regex(const void *re, const uint8_t *s, size_t len, void *user)
{
    (void)user;
    const char *pat = re;
    char buf[600];
    snprintf(buf, sizeof(buf), "%.*s", (int)len, (const char *)s);
    if (pat[0] == '^')
        return strncmp(buf, pat + 1, strlen(pat + 1)) == 0 ? (int64_t)strlen(pat + 1) : -1;
    return strstr(buf, pat) ? (int64_t)strlen(pat) : -1;
}

/* Calls self's function `name` with argument types `types` ('i' int64,
 * 's' string, 'r' regex) taken from the variadic list. */
static mo_val call_on(loaded *l, const mo_obj *self, const char *name, const char *types, ...)
{
    const mo_decl *decl = mo_obj_decl(self);
    int k = mo_find_member(decl->members, name, types);
    assert_true(k >= 0);
    mo_val args[4] = {{0}};
    const void *regex[4] = {0};
    va_list ap;
    va_start(ap, types);
    for (unsigned i = 0; types[i]; i++) {
        if (types[i] == 'i') {
            args[i] = mo_int(va_arg(ap, int64_t));
        } else {
            const char *s = va_arg(ap, const char *);
            args[i] = mo_string((const uint8_t *)s, strlen(s));
            if (types[i] == 'r')
                regex[i] = s;
        }
    }
    va_end(ap);
    mo_call call = {
        .self = self,
        .priv = l->priv,
        .data = l->data,
        .len = l->len,
        .args = args,
        .regex = regex,
        .regex_match = fake_regex,
        .ctx = l->c,
    };
    return decl->members[k].fn(&call);
}

#define CALL(l, name, types, ...) call_on(l, (l)->root, name, types, __VA_ARGS__)
#define CALL0(l, name) call_on(l, (l)->root, name, "")

static void is_int(mo_val v, int64_t want)
{
    assert_int_equal(v.kind, MO_VINT);
    assert_int_equal(v.i, want);
}

static void is_undef(mo_val v)
{
    assert_int_equal(v.kind, MO_UNDEF);
}

static const mo_obj *member(const mo_obj *o, const char *name)
{
    int k = mo_find_member(mo_obj_decl(o)->members, name, NULL);
    assert_true(k >= 0);
    return mo_get_member(o, (uint32_t)k);
}

/* ---- the built file ---- */

static uint8_t file[PB_SIZE + 0x4000];

static void test_values(void **state)
{
    (void)state;
    for (int is64 = 0; is64 < 2; is64++) {
        size_t n = pe_build(file, is64, 16);
        loaded l = load(file, n);
        char *t = dump_of(&l);
        has_line(t, "pe.is_pe = 1");
        has_line(t, is64 ? "pe.machine = 34404" : "pe.machine = 332");
        has_line(t, is64 ? "pe.opthdr_magic = 523" : "pe.opthdr_magic = 267");
        has_line(t, is64 ? "pe.base_of_data = UNDEFINED" : "pe.base_of_data = 8192");
        has_line(t, is64 ? "pe.image_base = 6442450944" : "pe.image_base = 268435456");
        has_line(t, "pe.entry_point = 1040");
        has_line(t, "pe.entry_point_raw = 4112");
        has_line(t, "pe.characteristics = 8450");
        has_line(t, "pe.number_of_sections = 2");
        has_line(t, "pe.sections[1].name = \".data\"");
        has_line(t, "pe.sections[1].raw_data_offset = 1536");
        has_line(t, "pe.data_directories[13].virtual_address = 9088");
        has_line(t, "pe.overlay.offset = 5632");
        has_line(t, "pe.overlay.size = 16");
        has_line(t, "pe.rich_signature.offset = 128");
        has_line(t, "pe.rich_signature.length = 32");
        has_line(t, "pe.rich_signature.key = 1515852340");
        has_line(t, "pe.pdb_path = \"C:\\build\\test.pdb\"");
        has_line(t, "pe.number_of_imports = 2");
        has_line(t, "pe.number_of_imported_functions = 4");
        has_line(t, "pe.import_details[0].library_name = \"KERNEL32.dll\"");
        has_line(t, "pe.import_details[0].functions[1].name = \"Sleep\"");
        has_line(t, "pe.import_details[0].functions[1].ordinal = UNDEFINED");
        /* yara's numbering of functions runs on across DLLs */
        has_line(t, "pe.import_details[1].functions[3].name = \"WSAStartup\"");
        has_line(t, "pe.import_details[1].functions[3].ordinal = 115");
        has_line(t, "pe.import_details[1].number_of_functions = 4");
        has_line(t, "pe.number_of_delayed_imports = 1");
        has_line(t, "pe.number_of_delayed_imported_functions = 1");
        assert_null(strstr(t, "pe.delay_import_details["));
        has_line(t, "pe.dll_name = \"test.dll\"");
        has_line(t, "pe.number_of_exports = 3");
        has_line(t, "pe.export_details[0].name = \"Foo\"");
        has_line(t, "pe.export_details[0].offset = 1040");
        has_line(t, "pe.export_details[1].forward_name = \"NTDLL.Baz\"");
        has_line(t, "pe.export_details[1].offset = UNDEFINED");
        has_line(t, "pe.export_details[2].name = \"Bar\"");
        has_line(t, "pe.export_details[2].ordinal = 3");
        has_line(t, "pe.number_of_resources = 1");
        has_line(t, "pe.resource_timestamp = 572662306");
        has_line(t, "pe.resources[0].type = 16");
        has_line(t, "pe.resources[0].language = 1033");
        has_line(t, "pe.resources[0].offset = 2816");
        has_line(t, "pe.number_of_version_infos = 2");
        has_line(t, "pe.version_info[CompanyName] = \"Vigil\"");
        has_line(t, "pe.version_info_list[1].value = \"Test\"");
        has_line(t, "pe.number_of_signatures = 0");
        has_line(t, "pe.IMPORT_ANY = -1");
        has_line(t, "pe.MACHINE_AMD64 = 34404");
        free(t);
        unload(&l);
    }
}

static void test_functions(void **state)
{
    (void)state;
    const int64_t checksum[2] = {13264, 68089};
    for (int is64 = 0; is64 < 2; is64++) {
        size_t n = pe_build(file, is64, 16);
        loaded l = load(file, n);
        mo_val h = CALL0(&l, "imphash");
        assert_int_equal(h.kind, MO_VSTRING);
        assert_memory_equal(h.s, "b8fc872e5a22db1bf7eca47764d3afb5", 32);
        is_int(CALL0(&l, "calculate_checksum"), checksum[is64]);
        is_int(CALL0(&l, "is_dll"), 0x2000);
        is_int(CALL0(&l, "is_32bit"), !is64);
        is_int(CALL0(&l, "is_64bit"), is64);
        is_int(CALL(&l, "section_index", "s", ".data"), 1);
        is_undef(CALL(&l, "section_index", "s", ".nope"));
        is_int(CALL(&l, "section_index", "i", (int64_t)0x700), 1);
        is_int(CALL(&l, "rva_to_offset", "i", (int64_t)0x2010), 1552);
        is_undef(CALL(&l, "rva_to_offset", "i", (int64_t)0x9000));
        is_int(CALL(&l, "exports", "s", "foo"), 1);
        is_int(CALL(&l, "exports", "s", "Baz"), 0);
        is_int(CALL(&l, "exports", "i", (int64_t)3), 1);
        is_int(CALL(&l, "exports", "i", (int64_t)4), 0);
        is_int(CALL(&l, "exports", "r", "^Ba"), 1);
        is_int(CALL(&l, "exports_index", "s", "BAR"), 2);
        is_int(CALL(&l, "exports_index", "i", (int64_t)2), 1);
        is_int(CALL(&l, "exports_index", "r", "Foo"), 0);
        is_undef(CALL(&l, "exports_index", "s", "nope"));
        is_int(CALL(&l, "imports", "ss", "kernel32.DLL", "sleep"), 1);
        is_int(CALL(&l, "imports", "si", "ws2_32.dll", (int64_t)115), 1);
        is_int(CALL(&l, "imports", "s", "ws2_32.dll"), 2);
        is_int(CALL(&l, "imports", "rr", "32", "e"), 3);
        is_int(CALL(&l, "imports", "iss", (int64_t)2, "user32.dll", "MessageBoxA"), 1);
        is_int(CALL(&l, "imports", "ss", "user32.dll", "MessageBoxA"), 0);
        is_int(CALL(&l, "imports", "is", (int64_t)-1, "user32.dll"), 1);
        is_int(CALL(&l, "imports", "isi", (int64_t)1, "ws2_32.dll", (int64_t)1), 1);
        is_int(CALL(&l, "imports", "irr", (int64_t)-1, "l", "e"), 4);
        is_int(CALL(&l, "language", "i", (int64_t)9), 1);
        is_int(CALL(&l, "locale", "i", (int64_t)0x409), 1);
        is_int(CALL(&l, "locale", "i", (int64_t)9), 0);
        const mo_obj *rich = member(l.root, "rich_signature");
        is_int(call_on(&l, rich, "version", "i", (int64_t)6), 7);
        is_int(call_on(&l, rich, "version", "ii", (int64_t)2, (int64_t)1), 3);
        is_int(call_on(&l, rich, "version", "i", (int64_t)99), 0);
        is_int(call_on(&l, rich, "toolid", "i", (int64_t)1), 3);
        is_int(call_on(&l, rich, "toolid", "ii", (int64_t)5, (int64_t)6), 7);
        unload(&l);
    }
}

static void test_not_pe(void **state)
{
    (void)state;
    static const uint8_t text[] = "MZ but not a PE file at all, just text";
    loaded l = load(text, sizeof(text));
    char *t = dump_of(&l);
    has_line(t, "pe.is_pe = 0");
    has_line(t, "pe.number_of_sections = UNDEFINED");
    has_line(t, "pe.SECTION_MEM_WRITE = 2147483648");
    free(t);
    is_undef(CALL0(&l, "imphash"));
    is_undef(CALL0(&l, "is_dll"));
    is_undef(CALL(&l, "exports", "s", "x"));
    is_undef(CALL(&l, "imports", "ss", "a", "b"));
    is_undef(CALL(&l, "locale", "i", (int64_t)1));
    /* the structure is never filled: the function is called on an empty one */
    is_undef(call_on(&l, mo_member(l.c, l.root, "rich_signature"), "version", "i", (int64_t)1));
    unload(&l);
}

/* yara 4.2.3: a directory is there when its index <= NumberOfRvaAndSizes */
static void test_directory_count(void **state)
{
    (void)state;
    size_t n = pe_build(file, false, 0);
    pb32(file + PB_NT + 24 + 92, 1); /* exports and imports only */
    loaded l = load(file, n);
    char *t = dump_of(&l);
    has_line(t, "pe.number_of_exports = 3");
    has_line(t, "pe.number_of_imports = 2");
    has_line(t, "pe.number_of_resources = 0");
    has_line(t, "pe.pdb_path = UNDEFINED");
    has_line(t, "pe.number_of_signatures = UNDEFINED");
    free(t);
    unload(&l);
}

/* ---- signatures ---- */

static X509 *make_cert(EVP_PKEY *key, const char *cn, long serial)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    /* fixed validity: 2020-01-01 to 2030-01-01 */
    ASN1_TIME_set_string(X509_getm_notBefore(x), "200101000000Z");
    ASN1_TIME_set_string(X509_getm_notAfter(x), "300101000000Z");
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Vigil", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

/* Appends a WIN_CERTIFICATE holding a PKCS#7 signature (and the security
 * directory pointing at it); returns the new size. */
static size_t sign(uint8_t *b, size_t n, size_t cap)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    X509 *cert = make_cert(key, "Test Signer", 0x1234);
    BIO *in = BIO_new_mem_buf("content", 7);
    PKCS7 *p7 = PKCS7_sign(cert, key, NULL, in, PKCS7_BINARY);
    assert_non_null(p7);
    unsigned char *der = NULL;
    int dlen = i2d_PKCS7(p7, &der);
    assert_true(dlen > 0);
    size_t at = (n + 7) & ~(size_t)7, total = 8 + (size_t)dlen;
    assert_true(at + total <= cap);
    memset(b + n, 0, at - n);
    pb32(b + at, (uint32_t)total);
    pb16(b + at + 4, 0x200);
    pb16(b + at + 6, 2);
    memcpy(b + at + 8, der, (size_t)dlen);
    uint8_t *dirs = b + PB_NT + 24 + 96; /* PE32 */
    pb32(dirs + 8 * 4, (uint32_t)at);
    pb32(dirs + 8 * 4 + 4, (uint32_t)total);
    OPENSSL_free(der);
    PKCS7_free(p7);
    BIO_free(in);
    X509_free(cert);
    EVP_PKEY_free(key);
    return at + total;
}

static void test_signatures(void **state)
{
    (void)state;
    size_t n = sign(file, pe_build(file, false, 0), sizeof(file));
    loaded l = load(file, n);
    char *t = dump_of(&l);
    has_line(t, "pe.number_of_signatures = 1");
    has_line(t, "pe.signatures[0].subject = \"/O=Vigil/CN=Test Signer\"");
    has_line(t, "pe.signatures[0].issuer = \"/O=Vigil/CN=Test Signer\"");
    has_line(t, "pe.signatures[0].version = 3");
    has_line(t, "pe.signatures[0].serial = \"12:34\"");
    has_line(t, "pe.signatures[0].algorithm = \"ecdsa-with-SHA256\"");
    has_line(t, "pe.signatures[0].algorithm_oid = \"1.2.840.10045.4.3.2\"");
    has_line(t, "pe.signatures[0].not_before = 1577836800");
    has_line(t, "pe.signatures[0].not_after = 1893456000");
    free(t);
    const mo_obj *sig = mo_get_element(member(l.root, "signatures"), 0);
    assert_non_null(sig);
    is_int(call_on(&l, sig, "valid_on", "i", (int64_t)1600000000), 1);
    is_int(call_on(&l, sig, "valid_on", "i", (int64_t)1900000000), 0);
    unload(&l);
    /* every truncation of the signed file loads (ASan watches the reads) */
    for (size_t cut = n - 300; cut < n; cut += 7) {
        loaded k = load(file, cut);
        unload(&k);
    }
}

/* ---- hostile variants ---- */

static void test_truncations(void **state)
{
    (void)state;
    for (int is64 = 0; is64 < 2; is64++) {
        size_t n = pe_build(file, is64, 16);
        /* every cut through the headers, then every third byte */
        for (size_t cut = 0; cut <= n; cut += cut < 0x400 ? 1 : 7) {
            uint8_t *copy = malloc(cut ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, file, cut);
            loaded l = load(copy, cut);
            char *t = dump_of(&l);
            free(t);
            mo_val v = CALL0(&l, "imphash");
            (void)v;
            unload(&l);
            free(copy);
        }
    }
}

/* Resource directories that point at themselves: the walk ends. */
static void test_resource_loop(void **state)
{
    (void)state;
    size_t n = pe_build(file, false, 0);
    uint8_t *r = file + PB_DATA_OFF + 0x400;
    pb16(r + 14, 60);
    for (int i = 0; i < 60; i++) {
        pb32(r + 16 + 8 * i, (uint32_t)i);
        pb32(r + 20 + 8 * i, 0x80000000); /* the root again */
    }
    loaded l = load(file, n);
    char *t = dump_of(&l);
    free(t);
    unload(&l);
}

/* Field-by-field corruption of the headers and tables: loads, no overrun. */
static void test_corruptions(void **state)
{
    (void)state;
    static const uint32_t values[] = {0, 1, 0x7f, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff};
    for (int is64 = 0; is64 < 2; is64++) {
        size_t n = pe_build(file, is64, 0);
        static uint8_t copy[PB_SIZE];
        for (size_t off = 0x3c; off < PB_SIZE; off += (off < 0x400 ? 4 : 24)) {
            for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k += 3) {
                memcpy(copy, file, n);
                pb32(copy + off, values[k]);
                loaded l = load(copy, n);
                char *t = dump_of(&l);
                free(t);
                unload(&l);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_not_pe),        cmocka_unit_test(test_directory_count),
        cmocka_unit_test(test_signatures),    cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_resource_loop), cmocka_unit_test(test_corruptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
