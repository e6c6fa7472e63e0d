/*
 * cvd.c - reading and verifying ClamAV .cvd/.cld/.cud containers (cvd.h).
 * Every field is read from a bounded buffer; the body is inflated with a
 * size cap, tar members are checked against the archive's end, and the RSA
 * arithmetic is OpenSSL's BIGNUM (libclamav uses its own bignum code; the
 * encodings, digits little-endian in base 64, are the same).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "clamav/cvd.h"
#include "clamav/util.h"

/* libclamav dsig.c CLI_NSTR/CLI_ESTR and readdb.c INFO_NSTR/INFO_ESTR */
const cv_rsa_key cv_clamav_cvd_key = {
    "118640995551645342603070001658453189751527774412027743746599405743243142607464144767361060640"
    "655844749760788890022283424922762488917565551002467771109669598189410434699034532232228621591"
    "089508178591428456220796841621637175567590476666928698770143328137383952820383197532047771780"
    "196576957695822641224262693037",
    "100001027"};
const cv_rsa_key cv_clamav_info_key = {
    "110888949830485454736595561066271949239289417917950476205916586974135810433227159121724968065"
    "253810558809645206184002243333205346602992339837553417406795028668299096799557343913926683783"
    "612215242053966310901051516412708572770803107343209516537005089417174191687239425078907029047"
    "027075874516216910507543078503833998653464872037984641785373922114027864813598244611972311028"
    "954150937703942166663244845939357624084685168266331921408266679234948220458053478099328484548"
    "458869717064243605586678627758760720594377033653802091016977385775154769350854694552799941131"
    "45977994084618328482151013142393373316337519977244732747977",
    "100002049"};

static int ndecode(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* libclamav's cli_decodesig: digits little-endian base 64, m = c^e mod n,
 * the low plen bytes of m big-endian. */
static bool decodesig(const char *sig, size_t slen, size_t plen, const cv_rsa_key *key,
                      uint8_t *plain, cv_error *err)
{
    bool ok = false;
    BIGNUM *c = BN_new(), *n = NULL, *e = NULL, *m = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    if (!c || !m || !ctx || !BN_dec2bn(&n, key->n) || !BN_dec2bn(&e, key->e)) {
        cv_fail(err, "out of memory");
        goto out;
    }
    if (slen == 0 || slen > 1024) {
        cv_fail(err, "digital signature has a bad length (%zu)", slen);
        goto out;
    }
    BN_zero(c);
    for (size_t i = slen; i-- > 0;) {
        int d = ndecode(sig[i]);
        if (d < 0) {
            cv_fail(err, "digital signature contains '%c'", sig[i]);
            goto out;
        }
        if (!BN_lshift(c, c, 6) || !BN_add_word(c, (BN_ULONG)d)) {
            cv_fail(err, "out of memory");
            goto out;
        }
    }
    if (!BN_mod_exp(m, c, e, n, ctx)) {
        cv_fail(err, "RSA operation failed");
        goto out;
    }
    if (BN_num_bits(m) > (int)(8 * plen))
        BN_mask_bits(m, (int)(8 * plen));
    if (BN_bn2binpad(m, plain, (int)plen) != (int)plen) {
        cv_fail(err, "RSA output too large");
        goto out;
    }
    ok = true;
out:
    BN_free(c);
    BN_free(n);
    BN_free(e);
    BN_free(m);
    BN_CTX_free(ctx);
    return ok;
}

bool cv_versig_md5(const char md5hex[32], const char *dsig, const cv_rsa_key *key, cv_error *err)
{
    uint8_t plain[16];
    char hex[33];
    if (!key)
        key = &cv_clamav_cvd_key;
    if (!decodesig(dsig, strlen(dsig), sizeof(plain), key, plain, err))
        return false;
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", plain[i]);
    if (memcmp(hex, md5hex, 32) != 0)
        return cv_fail(err, "digital signature does not match the MD5");
    return true;
}

static bool sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int l = 32;
    return EVP_Digest(p, n, out, &l, EVP_sha256(), NULL) == 1;
}

#define PAD_LEN 256
#define HASH_LEN 32
#define BLK_LEN (PAD_LEN - HASH_LEN - 1)

bool cv_versig_sha256(const uint8_t digest[32], const char *dsig, size_t dsig_len,
                      const cv_rsa_key *key, cv_error *err)
{
    uint8_t dec[PAD_LEN], data[BLK_LEN], h[HASH_LEN], final[8 + 2 * HASH_LEN];
    if (!key)
        key = &cv_clamav_info_key;
    if (!decodesig(dsig, dsig_len, PAD_LEN, key, dec, err))
        return false;
    if (dec[PAD_LEN - 1] != 0xbc)
        return cv_fail(err, "digital signature: bad trailer");
    const uint8_t *h2 = dec + BLK_LEN;
    for (unsigned i = 0; i * HASH_LEN < BLK_LEN; i++) {
        uint8_t in[HASH_LEN + 4];
        memcpy(in, h2, HASH_LEN);
        in[HASH_LEN] = 0;
        in[HASH_LEN + 1] = 0;
        in[HASH_LEN + 2] = (uint8_t)(i >> 8);
        in[HASH_LEN + 3] = (uint8_t)i;
        if (!sha256(in, sizeof(in), h))
            return cv_fail(err, "SHA-256 failed");
        size_t n = BLK_LEN - i * HASH_LEN < HASH_LEN ? BLK_LEN - i * HASH_LEN : HASH_LEN;
        memcpy(data + i * HASH_LEN, h, n);
    }
    for (size_t i = 0; i < BLK_LEN; i++)
        data[i] ^= dec[i];
    data[0] &= 0x7f;
    const uint8_t *one = memchr(data, 0x01, BLK_LEN);
    if (!one || (size_t)(data + BLK_LEN - (one + 1)) != HASH_LEN)
        return cv_fail(err, "digital signature: bad padding");
    memset(final, 0, 8);
    memcpy(final + 8, digest, HASH_LEN);
    memcpy(final + 8 + HASH_LEN, one + 1, HASH_LEN);
    if (!sha256(final, sizeof(final), h))
        return cv_fail(err, "SHA-256 failed");
    if (memcmp(h, h2, HASH_LEN) != 0)
        return cv_fail(err, "digital signature does not match");
    return true;
}

static bool copy_field(cv_str f, char *dst, size_t cap)
{
    if (f.len >= cap)
        return false;
    memcpy(dst, f.p, f.len);
    dst[f.len] = 0;
    return true;
}

/* The header as libclamav's cl_cvdparse reads it: ':'-separated fields
 * (empty fields are skipped by its cli_strtok), trailing blanks trimmed. */
static bool header_text(const char *s, size_t len, cv_cvd_header *h, cv_error *err)
{
    memset(h, 0, sizeof(*h));
    if (len < 11 || memcmp(s, "ClamAV-VDB:", 11) != 0)
        return cv_fail(err, "not a ClamAV database (no ClamAV-VDB: header)");
    cv_fields all, f = {0};
    cv_split(s, len, ':', &all);
    for (size_t i = 0; i < all.n && i < CV_MAX_FIELDS; i++)
        if (all.f[i].len && f.n < CV_MAX_FIELDS)
            f.f[f.n++] = all.f[i];
    if (f.n < 8)
        return cv_fail(err, "header has %zu fields, 8 or 9 expected", f.n);
    if (!copy_field(f.f[1], h->build_time, sizeof(h->build_time)) ||
        !copy_field(f.f[5], h->md5, sizeof(h->md5)) ||
        !copy_field(f.f[6], h->dsig, sizeof(h->dsig)) ||
        !copy_field(f.f[7], h->builder, sizeof(h->builder)))
        return cv_fail(err, "header field too long");
    h->version = cv_atou32(f.f[2]);
    h->sigs = cv_atou32(f.f[3]);
    h->flevel = cv_atou32(f.f[4]);
    if (f.n > 8)
        h->stime = cv_atou32(f.f[8]);
    return true;
}

bool cv_cvd_header_parse(const uint8_t *p, size_t len, cv_cvd_header *h, cv_error *err)
{
    if (len < CV_CVD_HEADER)
        return cv_fail(err, "truncated header (%zu of 512 bytes)", len);
    size_t n = CV_CVD_HEADER;
    const char *s = (const char *)p;
    const char *nl = memchr(s, '\n', n);
    const char *cr = memchr(s, '\r', n);
    const char *nul = memchr(s, 0, n);
    if (nl && (size_t)(nl - s) < n)
        n = (size_t)(nl - s);
    if (cr && (size_t)(cr - s) < n)
        n = (size_t)(cr - s);
    if (nul && (size_t)(nul - s) < n)
        n = (size_t)(nul - s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return header_text(s, n, h, err);
}

bool cv_cvd_verify(const uint8_t *p, size_t len, bool skip_sig, const cv_rsa_key *key,
                   cv_cvd_header *h, cv_error *err)
{
    if (!cv_cvd_header_parse(p, len, h, err))
        return false;
    if (skip_sig)
        return true;
    uint8_t md[16];
    unsigned int ml = 16;
    char hex[33];
    if (EVP_Digest(p + CV_CVD_HEADER, len - CV_CVD_HEADER, md, &ml, EVP_md5(), NULL) != 1)
        return cv_fail(err, "MD5 failed");
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (strlen(h->md5) != 32 || memcmp(hex, h->md5, 32) != 0)
        return cv_fail(err, "MD5 of the body (%s) does not match the header", hex);
    return cv_versig_md5(hex, h->dsig, key, err);
}

bool cv_cvd_body(const uint8_t *p, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
                 cv_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (len < CV_CVD_HEADER + 7)
        return cv_fail(err, "no body after the header");
    const uint8_t *b = p + CV_CVD_HEADER;
    size_t bl = len - CV_CVD_HEADER;
    if (memcmp(b, "COPYING", 7) == 0) { /* .cld: plain tar */
        if (bl > max_out)
            return cv_fail(err, "body larger than %zu bytes", max_out);
        *out = malloc(bl ? bl : 1);
        if (!*out)
            return cv_fail(err, "out of memory");
        memcpy(*out, b, bl);
        *out_len = bl;
        return true;
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return cv_fail(err, "zlib initialisation failed");
    size_t cap = 1 << 16, used = 0;
    uint8_t *buf = malloc(cap);
    int rc = Z_OK;
    z.next_in = (Bytef *)b;
    z.avail_in = (uInt)(bl > UINT32_MAX ? UINT32_MAX : bl);
    while (buf && rc == Z_OK) {
        if (used == cap) {
            if (cap >= max_out) {
                free(buf);
                inflateEnd(&z);
                return cv_fail(err, "body inflates to more than %zu bytes", max_out);
            }
            size_t nc = cap * 2 > max_out ? max_out : cap * 2;
            uint8_t *nb = realloc(buf, nc);
            if (!nb)
                break;
            buf = nb;
            cap = nc;
        }
        z.next_out = buf + used;
        z.avail_out = (uInt)(cap - used);
        rc = inflate(&z, Z_NO_FLUSH);
        used = cap - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break;
        if (rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    inflateEnd(&z);
    if (!buf)
        return cv_fail(err, "out of memory");
    if (rc != Z_STREAM_END) {
        free(buf);
        return cv_fail(err, "gzip body is corrupt or truncated");
    }
    *out = buf;
    *out_len = used;
    return true;
}

cv_status cv_tar_next(const uint8_t *tar, size_t len, size_t *off, cv_tar_member *m, cv_error *err)
{
    memset(m, 0, sizeof(*m));
    if (*off == len)
        return CV_SKIP; /* libclamav stops at the end of data too */
    if (*off > len || len - *off < 512)
        return cv_bad(err, "incomplete tar block at %zu", *off);
    const uint8_t *h = tar + *off;
    if (h[0] == 0)
        return CV_SKIP;
    memcpy(m->name, h, 100);
    m->name[100] = 0;
    if (strchr(m->name, '/'))
        return cv_bad(err, "'/' in member name '%s'", m->name);
    if (h[156] == '5')
        return cv_bad(err, "directories are not allowed in a database container");
    if (h[156] != '0' && h[156] != 0)
        return cv_bad(err, "unknown tar type flag '%c'", h[156]);
    /* sscanf("%o") on the 12-byte size field */
    uint64_t size = 0;
    size_t i = 0;
    while (i < 12 && (h[124 + i] == ' ' || h[124 + i] == '\t'))
        i++;
    size_t st = i;
    for (; i < 12 && h[124 + i] >= '0' && h[124 + i] <= '7'; i++)
        size = size * 8 + (uint64_t)(h[124 + i] - '0');
    if (i == st)
        return cv_bad(err, "invalid size in tar header of '%s'", m->name);
    size &= 0xffffffffu; /* libclamav reads it into an unsigned int */
    size_t data = *off + 512;
    if (size > len - data)
        return cv_bad(err, "member '%s' (%llu bytes) runs past the end", m->name,
                      (unsigned long long)size);
    m->data = tar + data;
    m->size = (size_t)size;
    size_t padded = (size_t)size + ((512 - size % 512) % 512);
    *off = padded > len - data ? len : data + padded;
    return CV_OK;
}

bool cv_info_parse(const uint8_t *p, size_t len, const cv_rsa_key *key, cv_arena *a, cv_info *out,
                   cv_error *err)
{
    memset(out, 0, sizeof(*out));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = false, have_header = false;
    size_t cap = 0;
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        cv_fail(err, "out of memory");
        goto out;
    }
    size_t pos = 0, line = 0;
    while (pos < len) {
        const uint8_t *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) : len;
        size_t next = nl ? end + 1 : len;
        const char *s = (const char *)p + pos;
        size_t n = end - pos;
        line++;
        if (n >= 5 && memcmp(s, "DSIG:", 5) == 0) {
            uint8_t h[32];
            unsigned int hl = 32;
            size_t sl = n - 5;
            while (sl && (s[5 + sl - 1] == '\r' || s[5 + sl - 1] == ' '))
                sl--;
            if (EVP_DigestFinal_ex(md, h, &hl) != 1) {
                cv_fail(err, "SHA-256 failed");
                goto out;
            }
            if (!cv_versig_sha256(h, s + 5, sl, key, err))
                goto out;
            ok = have_header;
            if (!ok)
                cv_fail(err, ".info: no ClamAV-VDB header line");
            goto out;
        }
        /* the digest covers each line with its newline */
        if (EVP_DigestUpdate(md, s, n) != 1 || EVP_DigestUpdate(md, "\n", 1) != 1) {
            cv_fail(err, "SHA-256 failed");
            goto out;
        }
        size_t tn = n;
        while (tn && (s[tn - 1] == '\r' || s[tn - 1] == ' '))
            tn--;
        if (tn >= 11 && memcmp(s, "ClamAV-VDB:", 11) == 0) {
            if (have_header) {
                cv_fail(err, ".info line %zu: second header", line);
                goto out;
            }
            if (!header_text(s, tn, &out->header, err))
                goto out;
            have_header = true;
        } else {
            if (!have_header) {
                cv_fail(err, ".info line %zu: entry before the header", line);
                goto out;
            }
            cv_fields f;
            cv_split(s, tn, ':', &f);
            size_t hn;
            if (f.n != 3 || !cv_isnumber(f.f[1])) {
                cv_fail(err, ".info line %zu: expected name:size:sha256", line);
                goto out;
            }
            if (out->n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                cv_info_entry *ne = cv_alloc(a, nc * sizeof(*ne));
                if (!ne) {
                    cv_fail(err, "out of memory");
                    goto out;
                }
                if (out->n)
                    memcpy(ne, out->entries, out->n * sizeof(*ne));
                out->entries = ne;
                cap = nc;
            }
            cv_info_entry *e = &out->entries[out->n];
            if (f.f[2].len != 64 || !cv_hex_bytes(f.f[2], e->sha256, 32, &hn)) {
                cv_fail(err, ".info line %zu: malformed SHA-256", line);
                goto out;
            }
            e->name.p = cv_strndup(a, f.f[0].p, f.f[0].len);
            e->name.len = f.f[0].len;
            e->size = cv_atou32(f.f[1]);
            if (!e->name.p) {
                cv_fail(err, "out of memory");
                goto out;
            }
            out->n++;
        }
        pos = next;
    }
    cv_fail(err, ".info: digital signature not found");
out:
    EVP_MD_CTX_free(md);
    return ok;
}

bool cv_info_check(const cv_info *info, const cv_tar_member *m, cv_error *err)
{
    size_t nl = strlen(m->name);
    for (uint32_t i = 0; i < info->n; i++) {
        const cv_info_entry *e = &info->entries[i];
        if (e->name.len != nl || memcmp(e->name.p, m->name, nl) != 0)
            continue;
        uint8_t h[32];
        if (e->size != m->size)
            return cv_fail(err, "%s: size %zu, .info says %u", m->name, m->size, e->size);
        if (!sha256(m->data, m->size, h) || memcmp(h, e->sha256, 32) != 0)
            return cv_fail(err, "%s: SHA-256 does not match .info", m->name);
        return true;
    }
    return cv_fail(err, "%s is not listed in .info", m->name);
}
