/*
 * mkcvd.c - builds ClamAV database containers for tests: a .cvd (gzip'd
 * tar) or .cld (plain tar led by COPYING) with a signed .info member, the
 * 512-byte header with the body's MD5 and its RSA signature in libclamav's
 * encoding, signed with a key the test generates (never ClamAV's), and
 * tampered variants. A test tool only: it trusts its arguments.
 *
 *   mkcvd key PRIV.pem PUB.pem [BITS]       RSA key (2048 bits: .info needs 256-byte blocks)
 *   mkcvd dec PUB.pem                       the modulus and exponent in decimal, one a line
 *   mkcvd build -k PRIV.pem -o OUT [OPTION]... [NAME=]FILE...
 *     --cld  --version N  --sigs N  --flevel N  --builder S  --time S  --stime N
 *     --name S (the .info member is S.info; default: OUT's base name)  --no-info
 *     --tamper body|header|dsig|member|info (after signing: one body byte, the
 *       header's version, a signature digit, a member byte under a valid MD5
 *       and header signature, the .info signature)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <zlib.h>

typedef struct buf {
    uint8_t *p;
    size_t len;
} buf;

static void die(const char *msg)
{
    fprintf(stderr, "mkcvd: %s\n", msg);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void append(buf *b, const void *p, size_t n)
{
    b->p = xrealloc(b->p, b->len + n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static buf read_file(const char *path)
{
    buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mkcvd: cannot open %s\n", path);
        exit(2);
    }
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        append(&b, tmp, n);
    fclose(f);
    return b;
}

static void write_file(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0)
        die("cannot write the output");
}

static EVP_PKEY *load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open the key");
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        die("not a PEM private key");
    return k;
}

static BIGNUM *key_param(EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(k, name, &bn))
        die("not an RSA key");
    return bn;
}

/* libclamav's signature encoding: m^d mod n, base-64 digits little-endian */
static void rsa_sign(EVP_PKEY *k, const uint8_t *m, size_t mlen, char *out, size_t cap)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
    BIGNUM *n = key_param(k, OSSL_PKEY_PARAM_RSA_N), *d = key_param(k, OSSL_PKEY_PARAM_RSA_D);
    BIGNUM *x = BN_bin2bn(m, (int)mlen, NULL), *c = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    if (!x || !c || !ctx || !BN_mod_exp(c, x, d, n, ctx))
        die("RSA failed");
    size_t i = 0;
    while (!BN_is_zero(c)) {
        if (i + 1 >= cap)
            die("signature too long");
        out[i++] = digits[BN_mod_word(c, 64)];
        BN_rshift(c, c, 6);
    }
    out[i] = 0;
    BN_free(n);
    BN_free(d);
    BN_free(x);
    BN_free(c);
    BN_CTX_free(ctx);
}

static void sha256(const void *p, size_t n, uint8_t o[32])
{
    unsigned l = 32;
    EVP_Digest(p, n, o, &l, EVP_sha256(), NULL);
}

/* The .info signature: the PSS-like block libclamav's cli_versig2 undoes */
static void sign_info(EVP_PKEY *k, const uint8_t h[32], char *out, size_t cap)
{
    enum { PAD = 256, HL = 32, BLK = PAD - HL - 1 };
    uint8_t em[PAD], salt[HL], fin[8 + 2 * HL], h2[HL], data[BLK];
    if (RAND_bytes(salt, HL) != 1)
        die("no random bytes");
    memset(fin, 0, 8);
    memcpy(fin + 8, h, HL);
    memcpy(fin + 8 + HL, salt, HL);
    sha256(fin, sizeof(fin), h2);
    memset(data, 0, sizeof(data));
    data[BLK - HL - 1] = 0x01;
    memcpy(data + BLK - HL, salt, HL);
    for (unsigned i = 0; i * HL < BLK; i++) {
        uint8_t in[HL + 4], d[HL];
        memcpy(in, h2, HL);
        in[HL] = in[HL + 1] = 0;
        in[HL + 2] = (uint8_t)(i >> 8);
        in[HL + 3] = (uint8_t)i;
        sha256(in, sizeof(in), d);
        for (unsigned j = 0; j < HL && i * HL + j < BLK; j++)
            data[i * HL + j] ^= d[j];
    }
    data[0] &= 0x7f;
    memcpy(em, data, BLK);
    memcpy(em + BLK, h2, HL);
    em[PAD - 1] = 0xbc;
    rsa_sign(k, em, sizeof(em), out, cap);
}

static void tar_add(buf *t, const char *name, const uint8_t *data, size_t n)
{
    uint8_t h[512];
    memset(h, 0, sizeof(h));
    if (strlen(name) > 100)
        die("member name longer than 100 bytes");
    memcpy(h, name, strlen(name));
    snprintf((char *)h + 100, 8, "%07o", 0644u);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)n);
    h[156] = '0';
    append(t, h, sizeof(h));
    append(t, data, n);
    uint8_t zero[512] = {0};
    append(t, zero, (512 - n % 512) % 512);
}

static buf gzip(const buf *in)
{
    buf out = {xrealloc(NULL, in->len + 1024), 0};
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("zlib failed");
    z.next_in = in->p;
    z.avail_in = (uInt)in->len;
    z.next_out = out.p;
    z.avail_out = (uInt)(in->len + 1024);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        die("zlib failed");
    out.len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static int cmd_key(int argc, char **argv)
{
    if (argc < 4)
        die("usage: mkcvd key PRIV.pem PUB.pem [BITS]");
    unsigned bits = argc > 4 ? (unsigned)atoi(argv[4]) : 2048;
    EVP_PKEY *k = EVP_RSA_gen(bits);
    if (!k)
        die("key generation failed");
    FILE *f = fopen(argv[2], "w");
    if (!f || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
        die("cannot write the private key");
    f = fopen(argv[3], "w");
    if (!f || !PEM_write_PUBKEY(f, k) || fclose(f) != 0)
        die("cannot write the public key");
    EVP_PKEY_free(k);
    return 0;
}

static int cmd_dec(int argc, char **argv)
{
    if (argc < 3)
        die("usage: mkcvd dec PUB.pem");
    FILE *f = fopen(argv[2], "r");
    if (!f)
        die("cannot open the key");
    EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        die("not a PEM public key");
    BIGNUM *n = key_param(k, OSSL_PKEY_PARAM_RSA_N), *e = key_param(k, OSSL_PKEY_PARAM_RSA_E);
    char *ns = BN_bn2dec(n), *es = BN_bn2dec(e);
    printf("%s\n%s\n", ns, es);
    OPENSSL_free(ns);
    OPENSSL_free(es);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(k);
    return 0;
}

typedef struct member {
    char name[101];
    buf data;
} member;

typedef struct opts {
    const char *key, *out, *name, *builder, *time, *tamper;
    unsigned version, sigs, flevel, stime;
    bool cld, no_info;
} opts;

static const char *arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die("option needs a value");
    return argv[++*i];
}

/* The .info member: a header line, name:size:sha256 per member, DSIG */
static buf make_info(EVP_PKEY *k, const opts *o, const member *m, size_t n, bool bad_sig)
{
    buf info = {0};
    char line[512];
    int l = snprintf(line, sizeof(line), "ClamAV-VDB:%s:%u:%u:%u:x:x:%s:%u\n", o->time, o->version,
                     o->sigs, o->flevel, o->builder, o->stime);
    append(&info, line, (size_t)l);
    for (size_t i = 0; i < n; i++) {
        uint8_t h[32];
        char hx[65];
        sha256(m[i].data.p, m[i].data.len, h);
        hex(h, 32, hx);
        l = snprintf(line, sizeof(line), "%s:%zu:%s\n", m[i].name, m[i].data.len, hx);
        append(&info, line, (size_t)l);
    }
    uint8_t h[32];
    char dsig[1024];
    sha256(info.p, info.len, h);
    if (bad_sig)
        h[0] ^= 1;
    sign_info(k, h, dsig, sizeof(dsig));
    append(&info, "DSIG:", 5);
    append(&info, dsig, strlen(dsig));
    append(&info, "\n", 1);
    return info;
}

static int cmd_build(int argc, char **argv)
{
    opts o = {.builder = "vigil-test",
              .time = "01 Jan 2024 00-00 +0000",
              .version = 1,
              .flevel = 90,
              .stime = 1704067200};
    bool sigs_given = false;
    member *m = NULL;
    size_t n = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-k"))
            o.key = arg(argc, argv, &i);
        else if (!strcmp(a, "-o"))
            o.out = arg(argc, argv, &i);
        else if (!strcmp(a, "--cld"))
            o.cld = true;
        else if (!strcmp(a, "--no-info"))
            o.no_info = true;
        else if (!strcmp(a, "--version"))
            o.version = (unsigned)atoi(arg(argc, argv, &i));
        else if (!strcmp(a, "--sigs")) {
            o.sigs = (unsigned)atoi(arg(argc, argv, &i));
            sigs_given = true;
        } else if (!strcmp(a, "--flevel"))
            o.flevel = (unsigned)atoi(arg(argc, argv, &i));
        else if (!strcmp(a, "--stime"))
            o.stime = (unsigned)atoi(arg(argc, argv, &i));
        else if (!strcmp(a, "--builder"))
            o.builder = arg(argc, argv, &i);
        else if (!strcmp(a, "--time"))
            o.time = arg(argc, argv, &i);
        else if (!strcmp(a, "--name"))
            o.name = arg(argc, argv, &i);
        else if (!strcmp(a, "--tamper"))
            o.tamper = arg(argc, argv, &i);
        else if (a[0] == '-')
            die("unknown option");
        else {
            m = xrealloc(m, (n + 1) * sizeof(*m));
            const char *eq = strchr(a, '=');
            const char *path = eq ? eq + 1 : a;
            const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
            size_t nl = eq ? (size_t)(eq - a) : strlen(base);
            if (nl > 100)
                die("member name longer than 100 bytes");
            memcpy(m[n].name, eq ? a : base, nl);
            m[n].name[nl] = 0;
            m[n].data = read_file(path);
            n++;
        }
    }
    if (!o.key || !o.out)
        die("build needs -k KEY and -o OUT");
    const char *tamper = o.tamper ? o.tamper : "";
    char dbname[101];
    if (!o.name) {
        const char *b = strrchr(o.out, '/') ? strrchr(o.out, '/') + 1 : o.out;
        size_t bl = strcspn(b, ".");
        snprintf(dbname, sizeof(dbname), "%.*s", (int)(bl > 90 ? 90 : bl), b);
        o.name = dbname;
    }
    if (!sigs_given) /* one signature a non-empty, non-comment line */
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = m[i].data.p, *end = p + m[i].data.len;
            while (p < end) {
                const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
                const uint8_t *le = nl ? nl : end;
                if (le > p && *p != '#')
                    o.sigs++;
                p = nl ? nl + 1 : end;
            }
        }
    EVP_PKEY *k = load_key(o.key);

    buf tar = {0};
    if (o.cld)
        tar_add(&tar, "COPYING", (const uint8_t *)"test data\n", 10);
    if (!o.no_info) {
        char iname[128];
        snprintf(iname, sizeof(iname), "%s.info", o.name);
        buf info = make_info(k, &o, m, n, !strcmp(tamper, "info"));
        tar_add(&tar, iname, info.p, info.len);
        free(info.p);
    }
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(tamper, "member") && i == 0 && m[i].data.len)
            m[i].data.p[0] ^= 0x20;
        tar_add(&tar, m[i].name, m[i].data.p, m[i].data.len);
    }
    uint8_t zero[1024] = {0};
    append(&tar, zero, sizeof(zero));
    buf body = o.cld ? tar : gzip(&tar);
    if (!o.cld)
        free(tar.p);

    uint8_t md[16];
    unsigned ml = 16;
    char md5[33], dsig[1024];
    EVP_Digest(body.p, body.len, md, &ml, EVP_md5(), NULL);
    hex(md, 16, md5);
    rsa_sign(k, md, 16, dsig, sizeof(dsig));
    if (!strcmp(tamper, "dsig"))
        dsig[5] = dsig[5] == 'a' ? 'b' : 'a';
    unsigned hversion = o.version + (!strcmp(tamper, "header") ? 1 : 0);
    char head[513];
    memset(head, ' ', 512);
    int hl = snprintf(head, sizeof(head), "ClamAV-VDB:%s:%u:%u:%u:%s:%s:%s:%u", o.time, hversion,
                      o.sigs, o.flevel, md5, dsig, o.builder, o.stime);
    if (hl < 0 || hl >= 512)
        die("header longer than 512 bytes");
    head[hl] = ' ';
    buf out = {0};
    append(&out, head, 512);
    append(&out, body.p, body.len);
    if (!strcmp(tamper, "body"))
        out.p[512 + body.len / 2] ^= 0x01;
    write_file(o.out, &out);
    free(out.p);
    free(body.p);
    for (size_t i = 0; i < n; i++)
        free(m[i].data.p);
    free(m);
    EVP_PKEY_free(k);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "key"))
        return cmd_key(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "dec"))
        return cmd_dec(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "build"))
        return cmd_build(argc, argv);
    die("usage: mkcvd key|dec|build ... (see the comment at the top of mkcvd.c)");
    return 2;
}
