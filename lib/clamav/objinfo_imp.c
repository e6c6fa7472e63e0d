/*
 * objinfo_imp.c - the import string libclamav 1.4 hashes for .imp
 * signatures (pe.c hash_imptbl / hash_impfns), rebuilt entry by entry into a
 * stack buffer and handed to a sink, so hashing needs no allocation here.
 * libclamav's quirks are kept because the hash must be its: the last
 * descriptor the directory size covers exactly is skipped, a by-name thunk
 * whose RVA does not map reads its name at offset 2 of the file, a name
 * closer than 258 bytes to the end of the file is silently left out, and
 * any invalid name abandons the whole hash.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "../formats/pe.h"
#include "../util/cursor.h"
#include "objinfo_int.h"

#define DESC_SIZE 20
#define MAX_DESCS 1024        /* libclamav's PE_MAXIMPORTS */
#define MAX_NAME 256          /* PE_MAXNAMESIZE */
#define WORK_CAP (1u << 26)   /* vigil's bound on section lookups and thunks */

/* libclamav's validate_impname with dll = 1: up to n bytes or a NUL, each
 * one of [0-9A-Za-z_.]. */
static bool valid_name(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && p[i]; i++) {
        uint8_t c = p[i];
        if (!isalnum(c) && c != '_' && c != '.')
            return false;
    }
    return true;
}

typedef struct imp_state {
    const cv_objinfo *oi;
    cv_import_sink sink;
    void *arg;
    uint64_t budget;
    uint32_t size;
    bool first;
} imp_state;

/* Emits ",dll.func" (no comma for the first entry) lower-cased. */
static void emit(imp_state *st, const char *dll, size_t dlllen, const char *fn, size_t fnlen)
{
    uint8_t buf[1 + MAX_NAME + 1 + MAX_NAME];
    size_t n = 0;
    if (!st->first)
        buf[n++] = ',';
    for (size_t i = 0; i < dlllen; i++)
        buf[n++] = (uint8_t)tolower((unsigned char)dll[i]);
    buf[n++] = '.';
    for (size_t i = 0; i < fnlen; i++)
        buf[n++] = (uint8_t)tolower((unsigned char)fn[i]);
    st->sink(st->arg, buf, n);
    st->size += (uint32_t)n;
    st->first = false;
}

/* The dll part of an entry: the name up to its first '.' when what follows
 * starts with .dll, .ocx or .sys (any case), else the whole name. */
static size_t dll_part(const char *dll)
{
    const char *ext = strchr(dll, '.');
    if (ext && (strncasecmp(ext, ".ocx", 4) == 0 || strncasecmp(ext, ".sys", 4) == 0 ||
                strncasecmp(ext, ".dll", 4) == 0))
        return (size_t)(ext - dll);
    return strlen(dll);
}

/* A by-name thunk's name at file offset off (its hint skipped): libclamav
 * asks for min(256, fsize - off) bytes from off + 2, which fails unless 258
 * bytes are left. Copied up to a NUL or 256 bytes into name. */
static bool thunk_name(const cv_objinfo *oi, uint32_t off, char name[MAX_NAME + 1])
{
    if (off >= oi->len || oi->len - off < MAX_NAME + 2)
        return false;
    const uint8_t *p = oi->data + off + 2;
    size_t n = 0;
    while (n < MAX_NAME && p[n])
        n++;
    memcpy(name, p, n);
    name[n] = '\0';
    return true;
}

/* hash_impfns: one descriptor's thunks; false abandons the hash. */
static bool descriptor_functions(imp_state *st, bytes b, uint64_t desc, const char *dll)
{
    const cv_objinfo *oi = st->oi;
    uint32_t oft = 0, ft = 0, thu = 0;
    rd_u32le(b, desc, &oft);
    rd_u32le(b, desc + 16, &ft);
    bool ok = false;
    if (oft)
        ok = cv_pe_rawaddr(oi, oft, &thu, &st->budget);
    if (!ok || thu == 0) {
        if (!cv_pe_rawaddr(oi, ft, &thu, &st->budget))
            return false;
    }
    size_t dlllen = 0;
    for (;;) {
        uint32_t thunk = 0;
        if (!rd_u32le(b, thu, &thunk) || thunk == 0)
            return true;
        if (st->budget == 0)
            return false;
        st->budget--;
        thu += 4; /* 32-bit, as libclamav's offset */
        char name[MAX_NAME + 1];
        const char *fn = NULL;
        if (!(thunk & 0x80000000u)) {
            uint32_t off = 0;
            /* PE32 only: libclamav ignores the mapping error here and
             * reads at offset 0 (its cli_rawaddr returns 0 on error) */
            if (!cv_pe_rawaddr(oi, thunk, &off, &st->budget)) {
                if (st->budget == 0)
                    return false;
                off = 0;
            }
            if (thunk_name(oi, off, name))
                fn = name;
        } else {
            fn = fmt_pe_ordinal_name(dll, (uint16_t)thunk);
            if (!fn) {
                snprintf(name, sizeof(name), "ord%u", (unsigned)(uint16_t)thunk);
                fn = name;
            }
        }
        if (!fn)
            continue; /* name unreadable: no entry, no error */
        if (dlllen == 0)
            dlllen = dll_part(dll);
        size_t fnlen = strlen(fn);
        if (!valid_name((const uint8_t *)fn, fnlen))
            return false;
        emit(st, dll, dlllen, fn, fnlen);
    }
}

bool cv_objinfo_import_string(const cv_objinfo *oi, cv_import_sink sink, void *arg,
                              uint32_t *size)
{
    *size = 0;
    if (oi->target != CV_TARGET_PE || !oi->u.pe.scan_valid || oi->u.pe.pe32plus)
        return false;
    uint32_t rva = oi->u.pe.imp_rva, dsize = oi->u.pe.imp_size;
    if (rva == 0 || dsize == 0)
        return false;
    imp_state st = {.oi = oi, .sink = sink, .arg = arg, .budget = WORK_CAP, .first = true};
    uint32_t impoff = 0;
    if (!cv_pe_rawaddr(oi, rva, &impoff, &st.budget) || (uint64_t)impoff + dsize > oi->len)
        return false;
    bytes b = {oi->data, oi->len};
    uint32_t left = dsize;
    for (uint32_t n = 0; left > DESC_SIZE && n < MAX_DESCS; n++) {
        uint64_t desc = (uint64_t)impoff + (uint64_t)n * DESC_SIZE;
        uint32_t name_rva = 0;
        rd_u32le(b, desc + 12, &name_rva);
        if (name_rva == 0)
            break;
        left -= DESC_SIZE;
        uint32_t off = 0;
        if (!cv_pe_rawaddr(oi, name_rva, &off, &st.budget) || off >= oi->len)
            return false;
        size_t avail = oi->len - off < MAX_NAME ? oi->len - off : MAX_NAME;
        if (!valid_name(oi->data + off, avail))
            return false;
        char dll[MAX_NAME + 1];
        size_t dn = 0;
        while (dn < avail && oi->data[off + dn])
            dn++;
        memcpy(dll, oi->data + off, dn);
        dll[dn] = '\0';
        if (!descriptor_functions(&st, b, desc, dll))
            return false;
    }
    *size = st.size;
    return true;
}

static void md5_sink(void *arg, const uint8_t *p, size_t n)
{
    EVP_DigestUpdate((EVP_MD_CTX *)arg, p, n);
}

bool cv_objinfo_import_hash(const cv_objinfo *oi, uint8_t md5[16], uint32_t *size)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
              cv_objinfo_import_string(oi, md5_sink, ctx, size) &&
              EVP_DigestFinal_ex(ctx, md5, &n) && n == 16;
    EVP_MD_CTX_free(ctx);
    return ok;
}
