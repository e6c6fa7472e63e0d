/*
 * hash.c - yara 4.2.3's "hash" module: md5, sha1 and sha256 as lower-case
 * hex (through OpenSSL's EVP), the byte sum checksum32 and crc32, over a
 * range of the scanned object or over a string. As in yara, a range is
 * defined when its offset lies in the object (a length past the end is
 * clipped), and digests of ranges are cached per object, since rules often
 * hash the same range many times.
 */
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "modules.h"

enum digest_kind { D_MD5, D_SHA1, D_SHA256 };

/* One cached digest of a range (arena memory, per object). */
typedef struct cache_entry {
    struct cache_entry *next;
    int kind;
    int64_t offset, length;
    uint8_t hex[2 * EVP_MAX_MD_SIZE];
    size_t hex_len;
} cache_entry;

#define CACHE_BUCKETS 64

typedef struct digest_cache {
    cache_entry *buckets[CACHE_BUCKETS];
} digest_cache;

static size_t bucket_of(int kind, int64_t offset, int64_t length)
{
    uint64_t h = (uint64_t)offset * 0x9E3779B97F4A7C15ull ^ (uint64_t)length * 31 ^ (uint64_t)kind;
    return (size_t)(h >> 32) % CACHE_BUCKETS;
}

static const EVP_MD *md_of(int kind)
{
    switch (kind) {
    case D_MD5:
        return EVP_md5();
    case D_SHA1:
        return EVP_sha1();
    default:
        return EVP_sha256();
    }
}

/* The digest of p[0..n) as hex into out (2 * EVP_MAX_MD_SIZE bytes); its
 * length, or 0 when OpenSSL fails. */
static size_t hex_digest(int kind, const uint8_t *p, size_t n, uint8_t *out)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(p, n, md, &len, md_of(kind), NULL))
        return 0;
    for (unsigned i = 0; i < len; i++) {
        out[2 * i] = (uint8_t)hex[md[i] >> 4];
        out[2 * i + 1] = (uint8_t)hex[md[i] & 15];
    }
    return 2 * (size_t)len;
}

/* yara's (offset, length) over the object (see the header comment). */
static bool range(const mo_call *c, int64_t off, int64_t len, const uint8_t **p, size_t *n)
{
    if (off < 0 || len < 0 || (uint64_t)off >= c->len)
        return false;
    size_t room = c->len - (size_t)off;
    *p = c->data + off;
    *n = (uint64_t)len < room ? (size_t)len : room;
    return true;
}

static mo_val data_digest(mo_call *c, int kind)
{
    int64_t off = mo_arg_int(c, 0), len = mo_arg_int(c, 1);
    const uint8_t *p;
    size_t n;
    if (!range(c, off, len, &p, &n))
        return mo_undef();
    digest_cache **slot = (digest_cache **)mo_cache_slot(c->ctx);
    if (!*slot) {
        *slot = mo_alloc(c->ctx, sizeof(**slot));
        if (*slot)
            memset(*slot, 0, sizeof(**slot));
    }
    size_t b = bucket_of(kind, off, len);
    for (cache_entry *e = *slot ? (*slot)->buckets[b] : NULL; e; e = e->next)
        if (e->kind == kind && e->offset == off && e->length == len)
            return mo_string(e->hex, e->hex_len);
    /* not cached (or no memory for the cache): compute into the arena */
    cache_entry *e = mo_alloc(c->ctx, sizeof(*e));
    if (!e)
        return mo_undef();
    e->hex_len = hex_digest(kind, p, n, e->hex);
    if (e->hex_len == 0)
        return mo_undef();
    e->kind = kind;
    e->offset = off;
    e->length = len;
    if (*slot) {
        e->next = (*slot)->buckets[b];
        (*slot)->buckets[b] = e;
    }
    return mo_string(e->hex, e->hex_len);
}

static mo_val string_digest(mo_call *c, int kind)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    uint8_t *out = mo_alloc(c->ctx, 2 * EVP_MAX_MD_SIZE);
    if (!out)
        return mo_undef();
    size_t len = hex_digest(kind, p, n, out);
    return len ? mo_string(out, len) : mo_undef();
}

static mo_val data_md5(mo_call *c)
{
    return data_digest(c, D_MD5);
}

static mo_val string_md5(mo_call *c)
{
    return string_digest(c, D_MD5);
}

static mo_val data_sha1(mo_call *c)
{
    return data_digest(c, D_SHA1);
}

static mo_val string_sha1(mo_call *c)
{
    return string_digest(c, D_SHA1);
}

static mo_val data_sha256(mo_call *c)
{
    return data_digest(c, D_SHA256);
}

static mo_val string_sha256(mo_call *c)
{
    return string_digest(c, D_SHA256);
}

/* the bytes' sum modulo 2^32 */
static uint32_t checksum32(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i];
    return sum;
}

static mo_val data_checksum32(mo_call *c)
{
    const uint8_t *p;
    size_t n;
    if (!range(c, mo_arg_int(c, 0), mo_arg_int(c, 1), &p, &n))
        return mo_undef();
    return mo_int(checksum32(p, n));
}

static mo_val string_checksum32(mo_call *c)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    return mo_int(checksum32(p, n));
}

/* CRC-32 (IEEE 802.3, as yara's table computes it): zlib's, fed in pieces
 * its 32-bit length parameter can take */
static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)crc;
}

static mo_val data_crc32(mo_call *c)
{
    const uint8_t *p;
    size_t n;
    if (!range(c, mo_arg_int(c, 0), mo_arg_int(c, 1), &p, &n))
        return mo_undef();
    return mo_int(crc32_of(p, n));
}

static mo_val string_crc32(mo_call *c)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    return mo_int(crc32_of(p, n));
}

static const mo_decl members[] = {
    MO_FUNCTION("md5", "ii", 's', data_md5),
    MO_FUNCTION("md5", "s", 's', string_md5),
    MO_FUNCTION("sha1", "ii", 's', data_sha1),
    MO_FUNCTION("sha1", "s", 's', string_sha1),
    MO_FUNCTION("sha256", "ii", 's', data_sha256),
    MO_FUNCTION("sha256", "s", 's', string_sha256),
    MO_FUNCTION("checksum32", "ii", 'i', data_checksum32),
    MO_FUNCTION("checksum32", "s", 'i', string_checksum32),
    MO_FUNCTION("crc32", "ii", 'i', data_crc32),
    MO_FUNCTION("crc32", "s", 'i', string_crc32),
    MO_END,
};

const mo_module mo_module_hash = {
    .name = "hash",
    .members = members,
};
