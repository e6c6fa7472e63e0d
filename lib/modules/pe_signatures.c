/*
 * pe_signatures.c - the pe module's Authenticode signatures: the PKCS#7
 * blobs of the security directory's WIN_CERTIFICATE entries, decoded with
 * OpenSSL, one signatures[] entry per signer certificate (nested signatures
 * included), as yara 4.2.3 reports them (16 at most), and valid_on().
 * Nothing is verified: like yara's, these are the claims the file makes.
 */
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../util/cursor.h"
#include "pe_internal.h"

#define WIN_CERT_HEADER 8
#define WIN_CERT_REVISION_1_0 0x0100
#define WIN_CERT_REVISION_2_0 0x0200
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002
#define SPC_NESTED_SIGNATURE_OID "1.3.6.1.4.1.311.2.4.1"
#define NAME_BUF 256

typedef struct sigs {
    mo_ctx *c;
    mo_obj *root;
    int count;
    ASN1_OBJECT *nested_oid;
} sigs;

/* yara's ASN1_get_time_t: the digits read as they stand (no time zone),
 * through timegm(); a string shorter than yara assumes reads NULs */
static int64_t asn1_time(const ASN1_TIME *t)
{
    const unsigned char *s = ASN1_STRING_get0_data(t);
    int len = ASN1_STRING_length(t), i = 0;
#define DIGIT() ((i < len ? s[i++] : (i++, 0)) - '0')
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (ASN1_STRING_type(t) == V_ASN1_UTCTIME) {
        tm.tm_year = DIGIT() * 10;
        tm.tm_year += DIGIT();
        if (tm.tm_year < 70)
            tm.tm_year += 100;
    } else if (ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME) {
        tm.tm_year = DIGIT() * 1000;
        tm.tm_year += DIGIT() * 100;
        tm.tm_year += DIGIT() * 10;
        tm.tm_year += DIGIT();
        tm.tm_year -= 1900;
    }
    tm.tm_mon = DIGIT() * 10;
    tm.tm_mon += DIGIT() - 1;
    tm.tm_mday = DIGIT() * 10;
    tm.tm_mday += DIGIT();
    tm.tm_hour = DIGIT() * 10;
    tm.tm_hour += DIGIT();
    tm.tm_min = DIGIT() * 10;
    tm.tm_min += DIGIT();
    tm.tm_sec = DIGIT() * 10;
    tm.tm_sec += DIGIT();
#undef DIGIT
    return (int64_t)timegm(&tm);
}

/* "0a:1b:..." of the serial's DER content bytes (the leading 00 of a
 * positive serial with its top bit set included), 20 bytes at most */
static void set_serial(sigs *g, X509 *cert)
{
    const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
    int n = serial ? i2d_ASN1_INTEGER((ASN1_INTEGER *)serial, NULL) : 0;
    if (n <= 2 || n > 22)
        return;
    unsigned char der[22], *p = der;
    n = i2d_ASN1_INTEGER((ASN1_INTEGER *)serial, &p);
    if (n <= 2 || n > 22)
        return;
    char text[3 * 20];
    size_t k = 0;
    for (int j = 2; j < n; j++)
        k += (size_t)snprintf(text + k, sizeof(text) - k, j + 1 < n ? "%02x:" : "%02x", der[j]);
    mo_sets(g->c, g->root, text, k, "signatures[%d].serial", g->count);
}

static void set_cert(sigs *g, X509 *cert)
{
    unsigned char sha1[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    char buf[NAME_BUF];
    int i = g->count;
    if (X509_digest(cert, EVP_sha1(), sha1, &n) == 1 && n == 20) {
        char hex[41];
        for (unsigned k = 0; k < 20; k++)
            snprintf(hex + 2 * k, 3, "%02x", sha1[k]);
        mo_sets(g->c, g->root, hex, 40, "signatures[%d].thumbprint", i);
    }
    if (X509_NAME_oneline(X509_get_issuer_name(cert), buf, sizeof(buf)))
        mo_setz(g->c, g->root, buf, "signatures[%d].issuer", i);
    if (X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf)))
        mo_setz(g->c, g->root, buf, "signatures[%d].subject", i);
    mo_seti(g->c, g->root, X509_get_version(cert) + 1, "signatures[%d].version", i);
    int nid = X509_get_signature_nid(cert);
    const char *ln = OBJ_nid2ln(nid);
    if (ln)
        mo_setz(g->c, g->root, ln, "signatures[%d].algorithm", i);
    buf[0] = '\0';
    OBJ_obj2txt(buf, sizeof(buf), OBJ_nid2obj(nid), 1);
    mo_setz(g->c, g->root, buf, "signatures[%d].algorithm_oid", i);
    set_serial(g, cert);
    mo_seti(g->c, g->root, asn1_time(X509_get0_notBefore(cert)), "signatures[%d].not_before", i);
    mo_seti(g->c, g->root, asn1_time(X509_get0_notAfter(cert)), "signatures[%d].not_after", i);
}

/* The signers' certificates, then the nested signatures (an unsigned
 * attribute of the first signer holding more PKCS#7 blobs). depth is
 * bounded by the count too, since every level that recurses reported a
 * signer first; it is there so the bound does not rest on OpenSSL. */
static void parse_pkcs7(sigs *g, PKCS7 *p7, int depth)
{
    if (g->count >= PE_MAX_CERTS || depth > PE_MAX_CERTS)
        return;
    STACK_OF(X509) *certs = PKCS7_get0_signers(p7, NULL, 0);
    if (!certs)
        return;
    for (int i = 0; i < sk_X509_num(certs) && g->count < PE_MAX_CERTS; i++) {
        set_cert(g, sk_X509_value(certs, i));
        g->count++;
    }
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0);
    if (si) {
        STACK_OF(X509_ATTRIBUTE) *attrs = PKCS7_get_attributes(si);
        X509_ATTRIBUTE *xa =
            X509at_get_attr(attrs, X509at_get_attr_by_OBJ(attrs, g->nested_oid, -1));
        for (int j = 0; xa && j < PE_MAX_CERTS; j++) {
            ASN1_TYPE *nested = X509_ATTRIBUTE_get0_type(xa, j);
            if (!nested)
                break;
            /* yara reads the value as a string whatever its type; only
             * the types whose value is one can be read that way */
            int type = ASN1_TYPE_get(nested);
            if (type == V_ASN1_BOOLEAN || type == V_ASN1_OBJECT || type == V_ASN1_NULL)
                continue;
            const ASN1_STRING *v = nested->value.sequence;
            const unsigned char *p = ASN1_STRING_get0_data(v);
            PKCS7 *inner = p ? d2i_PKCS7(NULL, &p, ASN1_STRING_length(v)) : NULL;
            if (inner) {
                parse_pkcs7(g, inner, depth + 1);
                PKCS7_free(inner);
            }
        }
    }
    sk_X509_free(certs);
}

void pe_load_signatures(mo_ctx *c, mo_obj *root, const pe_state *st)
{
    const fmt_pe *pe = &st->pe;
    bytes b = {pe->data, pe->len};
    uint32_t va, size;
    if (!fmt_pe_directory(pe, FMT_PE_DIR_SECURITY, &va, &size))
        return;
    mo_seti(c, root, 0, "number_of_signatures");
    /* the security directory's address is a file offset, not an RVA */
    if (va == 0 || va > pe->len || size > pe->len || (uint64_t)va + size > pe->len)
        return;
    sigs g = {c, root, 0, OBJ_txt2obj(SPC_NESTED_SIGNATURE_OID, 1)};
    if (!g.nested_oid)
        return;
    uint64_t eod = (uint64_t)va + size, wc = va;
    for (;;) {
        uint32_t length = 0;
        uint16_t revision = 0, type = 0;
        if (!rd_u32le(b, wc, &length) || !rd_u16le(b, wc + 4, &revision) ||
            !rd_u16le(b, wc + 6, &type) || length <= WIN_CERT_HEADER || !in_bounds(b, wc, length) ||
            wc + WIN_CERT_HEADER >= eod || wc + length > eod)
            break;
        if (revision != WIN_CERT_REVISION_1_0 && revision != WIN_CERT_REVISION_2_0)
            break;
        uint64_t end = wc + length;
        if (revision == WIN_CERT_REVISION_2_0 && type == WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
            uint64_t p = wc + WIN_CERT_HEADER;
            while (p < end && g.count < PE_MAX_CERTS) {
                const unsigned char *q = pe->data + p;
                PKCS7 *p7 = d2i_PKCS7(NULL, &q, (long)(end - p));
                if (!p7)
                    break;
                p = (uint64_t)(q - pe->data);
                parse_pkcs7(&g, p7, 0);
                PKCS7_free(p7);
            }
        }
        /* entries are 8-byte aligned */
        wc = (end + 7) & ~(uint64_t)7;
    }
    ASN1_OBJECT_free(g.nested_oid);
    /* OpenSSL queues an error for every blob it could not decode */
    ERR_clear_error();
    mo_seti(c, root, g.count, "number_of_signatures");
}

/* not_before <= timestamp <= not_after of the signature it is called on */
mo_val pe_fn_valid_on(mo_call *c)
{
    const mo_decl *d = mo_obj_decl(c->self);
    if (!d)
        return mo_undef();
    int kb = mo_find_member(d->members, "not_before", NULL);
    int ka = mo_find_member(d->members, "not_after", NULL);
    mo_val nb = mo_value(mo_get_member(c->self, (uint32_t)kb));
    mo_val na = mo_value(mo_get_member(c->self, (uint32_t)ka));
    if (kb < 0 || ka < 0 || nb.kind != MO_VINT || na.kind != MO_VINT)
        return mo_undef();
    int64_t t = mo_arg_int(c, 0);
    return mo_int(t >= nb.i && t <= na.i);
}
