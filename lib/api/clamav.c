/*
 * clamav.c - ClamAV databases in the public API: the compiler side
 * (vigil_compiler_add_clamav feeds lib/clamav's loader, which lowers body
 * and logical signatures into the compiler's program and hands hash
 * signatures to a hash-table builder), the database side (the DB_SEC_CLAMAV
 * section: counts and hash tables, mapped in place), and the scanner side
 * (hashing an object only when some table could hold its digest, allow
 * lists, detections by hash reported through scanner-owned handles).
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clamav/load.h"
#include "../clamav/lower.h"
#include "clamav_scan.h"
#include "internal.h"

struct api_clamav {
    cv_loader *loader;
    cv_hashdb_builder *hashes;
    char *key_n, *key_e;
    cv_rsa_key key;
    vigil_compiler *c;
};

static void on_diag(void *user, bool warning, const char *file, uint32_t line, const char *msg)
{
    vigil_compiler *c = user;
    if (warning)
        c->warns++;
    else
        c->errors++;
    if (warning && !c->warnings)
        return;
    if (c->diag) {
        vigil_diag d = {.severity = warning ? VIGIL_SEV_WARNING : VIGIL_SEV_ERROR,
                        .file = file,
                        .line = (int)line,
                        .message = msg};
        c->diag(&d, c->diag_user);
    }
}

static vigil_status on_hash(void *user, const cv_hash_entry *e)
{
    vigil_compiler *c = user;
    cv_error err = {{0}};
    if (!cv_hashdb_add(c->clam->hashes, e->sig, e->name, e->allow, e->source, e->line, &err)) {
        api_set_error(c->last_error, sizeof(c->last_error), "%s:%u: %s", e->source, e->line,
                      err.msg);
        return VIGIL_E_NOMEM;
    }
    return VIGIL_OK;
}

void api_clamav_free(struct api_clamav *a)
{
    if (!a)
        return;
    cv_loader_free(a->loader);
    cv_hashdb_builder_free(a->hashes);
    free(a->key_n);
    free(a->key_e);
    free(a);
}

static struct api_clamav *clam_state(vigil_compiler *c)
{
    if (c->clam)
        return c->clam;
    struct api_clamav *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->c = c;
    a->hashes = cv_hashdb_builder_new();
    cv_load_hooks hooks = {.diag = on_diag, .source = api_record_source, .hash = on_hash,
                           .user = c};
    if (!a->hashes || cv_loader_new(&c->prog, &hooks, &a->loader) != VIGIL_OK) {
        api_clamav_free(a);
        return NULL;
    }
    c->clam = a;
    return a;
}

vigil_status vigil_compiler_add_clamav(vigil_compiler *c, const char *path, unsigned flags)
{
    if (!c || !path)
        return VIGIL_E_ARG;
    if (c->built) {
        api_set_error(c->last_error, sizeof(c->last_error), "compiler already built");
        return VIGIL_E_ARG;
    }
    struct api_clamav *a = clam_state(c);
    if (!a)
        return VIGIL_E_NOMEM;
    vigil_status st = cv_load_path(a->loader, path, flags);
    if (st == VIGIL_E_SYNTAX)
        api_set_error(c->last_error, sizeof(c->last_error), "%s: database refused", path);
    else if (st == VIGIL_E_IO)
        api_set_error(c->last_error, sizeof(c->last_error), "%s: cannot be read", path);
    return st;
}

vigil_status vigil_compiler_set_cvd_key(vigil_compiler *c, const char *n, const char *e)
{
    if (!c || (!n) != (!e))
        return VIGIL_E_ARG;
    struct api_clamav *a = clam_state(c);
    if (!a)
        return VIGIL_E_NOMEM;
    free(a->key_n);
    free(a->key_e);
    a->key_n = a->key_e = NULL;
    if (!n) {
        cv_loader_set_keys(a->loader, NULL, NULL);
        return VIGIL_OK;
    }
    a->key_n = strdup(n);
    a->key_e = strdup(e);
    if (!a->key_n || !a->key_e)
        return VIGIL_E_NOMEM;
    a->key = (cv_rsa_key){a->key_n, a->key_e};
    /* one's own key signs both the header and the .info member */
    cv_loader_set_keys(a->loader, &a->key, &a->key);
    return VIGIL_OK;
}

/* ---- the database section --------------------------------------------- */

static bool has_clamav_rules(const ir_program *p)
{
    for (size_t i = 0; i < p->rules.len; i++) {
        uint32_t ns = p->rules.items[i].ns;
        if (ns < p->namespaces.len && strcmp(ir_str(p, p->namespaces.items[ns]), "clamav") == 0)
            return true;
    }
    return false;
}

vigil_status api_clamav_build(struct vigil_compiler *c, struct vigil_db *db)
{
    if (!c->clam)
        return VIGIL_OK;
    /* libclamav types every object before matching (and the type decides
     * whether hashes and signatures apply at all): a ClamAV database carries
     * its file-type table. A loaded .ftm with magic rows replaces the
     * built-in table (cl_engine_compile loads it only when no magic row was
     * loaded); .ftm body rows alone come before the built-in ones. */
    const char *const *user = NULL;
    bool user_magic = false;
    size_t nuser = cv_loader_ftm_rows(c->clam->loader, &user, &user_magic);
    vigil_status st = cv_lower_ftypes(&db->prog, user, nuser);
    if (st == VIGIL_OK && !user_magic)
        st = cv_lower_ftypes(&db->prog, cv_ftype_builtin_rows, cv_ftype_builtin_count);
    if (st != VIGIL_OK)
        return st;
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    cv_error err = {{0}};
    if (cv_hashdb_builder_count(c->clam->hashes) > 0 &&
        !cv_hashdb_serialize(c->clam->hashes, &blob, &blob_len, &err)) {
        api_set_error(c->last_error, sizeof(c->last_error), "hash signatures: %s", err.msg);
        return VIGIL_E_NOMEM;
    }
    /* the builder's memory is not needed any more */
    cv_hashdb_builder_free(c->clam->hashes);
    c->clam->hashes = NULL;
    db_clamav_head h = {.signatures = cv_loader_signatures(c->clam->loader),
                        .flags = (has_clamav_rules(&db->prog) ? DB_CLAMAV_RULES : 0) |
                                 (cv_loader_text_reloff(c->clam->loader) ? DB_CLAMAV_TEXT_RELOFF
                                                                         : 0),
                        .hash_len = blob_len};
    memcpy(h.maxpatlen, db->prog.clam_maxpatlen, sizeof(h.maxpatlen));
    size_t len = sizeof(h) + blob_len;
    db->clam_buf = malloc(len);
    if (!db->clam_buf) {
        free(blob);
        return VIGIL_E_NOMEM;
    }
    memcpy(db->clam_buf, &h, sizeof(h));
    if (blob_len)
        memcpy(db->clam_buf + sizeof(h), blob, blob_len);
    free(blob);
    char why[200];
    if (!api_clamav_bind(db, db->clam_buf, len, why, sizeof(why))) {
        api_set_error(c->last_error, sizeof(c->last_error), "%s", why);
        return VIGIL_E_INTERNAL;
    }
    return VIGIL_OK;
}

_Static_assert(sizeof(db_clamav_head) % 8 == 0, "hash tables stay 8-aligned after the head");

bool api_clamav_bind(struct vigil_db *db, const uint8_t *bytes, size_t len, char *err,
                     size_t errlen)
{
    db->clam_bytes = NULL;
    db->clam_len = 0;
    if (len == 0)
        return true;
    db_clamav_head h;
    if (len < sizeof(h)) {
        api_set_error(err, errlen, "ClamAV section truncated");
        return false;
    }
    memcpy(&h, bytes, sizeof(h));
    if (h.hash_len != len - sizeof(h) ||
        (h.flags & ~(uint32_t)(DB_CLAMAV_RULES | DB_CLAMAV_TEXT_RELOFF))) {
        api_set_error(err, errlen, "ClamAV section damaged");
        return false;
    }
    if (h.hash_len) {
        cv_error e = {{0}};
        if (!cv_hashdb_open(bytes + sizeof(h), (size_t)h.hash_len, &db->hashes, &e)) {
            api_set_error(err, errlen, "ClamAV hash tables: %s", e.msg);
            return false;
        }
        db->has_hashes = true;
    }
    db->clam_signatures = h.signatures;
    db->clam_rules = h.flags & DB_CLAMAV_RULES;
    db->clam_text_reloff = h.flags & DB_CLAMAV_TEXT_RELOFF;
    memcpy(db->clam_maxpatlen, h.maxpatlen, sizeof(db->clam_maxpatlen));
    db->clam_bytes = bytes;
    db->clam_len = len;
    return true;
}

const char *api_rule_meta(const ir_program *p, const ir_rule *r, const char *name, size_t *len)
{
    for (uint32_t m = 0; m < r->metas_count; m++) {
        const ir_meta *x = &p->metas.items[r->metas_first + m];
        if (x->type == IR_META_STRING && strcmp(ir_str(p, x->name), name) == 0) {
            *len = x->s_len;
            return ir_str(p, x->s);
        }
    }
    return NULL;
}

vigil_status api_clamav_filetypes(struct vigil_db *db)
{
    const ir_program *p = &db->prog;
    if (!db->clam_bytes)
        return VIGIL_OK;
    if (!cv_ftypes_init(&db->ftypes))
        return VIGIL_E_INTERNAL;
    for (size_t i = 0; i < p->rules.len; i++) {
        const ir_rule *r = &p->rules.items[i];
        size_t len = 0;
        const char *row = (r->flags & IR_RULE_FTYPE) ? api_rule_meta(p, r, "ftm", &len) : NULL;
        cv_ftype_row fr;
        if (row && cv_ftype_row_parse(row, len, &fr) && fr.magictype == 0 &&
            !cv_ftypes_add_magic(&db->ftypes, &fr))
            return VIGIL_E_NOMEM;
    }
    return VIGIL_OK;
}

size_t vigil_db_clamav_signature_count(const vigil_db *db)
{
    return db ? (size_t)db->clam_signatures : 0;
}

/* ---- hash signatures as rules ------------------------------------------ */

static const char *hash_type(const cv_hashdb_entry *e)
{
    bool md5 = e->algo == CV_MD5;
    switch (e->kind) {
    case CV_HASH_FILE:
        if (e->allow)
            return md5 ? "fp" : "sfp";
        return md5 ? "hdb" : "hsb";
    case CV_HASH_SECTION:
        return md5 ? "mdb" : "msb";
    default:
        return "imp";
    }
}

/* Fills a scanner-owned handle for entry ref (its metas point into it). */
void api_hash_rule_fill(const struct vigil_db *db, uint32_t table, uint32_t index,
                        api_hash_rule *h)
{
    h->rule.db = db;
    h->rule.index = 0;
    h->rule.hash_table = table;
    h->rule.hash_index = index;
    api_hash_rule *r = h;
    cv_hashdb_entry e;
    if (!cv_hashdb_entry_get(&db->hashes, (cv_hashdb_ref){table, index}, &e)) {
        r->hex[0] = r->size[0] = r->source[0] = '\0';
        return;
    }
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < (unsigned)e.algo; i++) {
        r->hex[2 * i] = digits[e.digest[i] >> 4];
        r->hex[2 * i + 1] = digits[e.digest[i] & 15];
    }
    r->hex[2 * (unsigned)e.algo] = '\0';
    if (e.any_size)
        snprintf(r->size, sizeof(r->size), "*");
    else
        snprintf(r->size, sizeof(r->size), "%u", e.size);
    snprintf(r->source, sizeof(r->source), "%s:%u", e.source ? e.source : "?", e.line);
}

const char *api_hash_rule_name(const vigil_rule *r)
{
    cv_hashdb_entry e;
    if (!cv_hashdb_entry_get(&r->db->hashes, (cv_hashdb_ref){r->hash_table, r->hash_index}, &e))
        return "?";
    return e.name;
}

size_t api_hash_rule_meta_count(const vigil_rule *r)
{
    (void)r;
    return 4;
}

vigil_meta api_hash_rule_meta(const vigil_rule *r, size_t i)
{
    vigil_meta m = {.type = VIGIL_META_STRING};
    cv_hashdb_entry e;
    const char *type = "?";
    if (cv_hashdb_entry_get(&r->db->hashes, (cv_hashdb_ref){r->hash_table, r->hash_index}, &e))
        type = hash_type(&e);
    static const char *const names[] = {"type", "source", "hash", "size"};
    if (i >= 4)
        return (vigil_meta){0};
    /* hash handles are api_hash_rule (api_hash_rule_fill) */
    const api_hash_rule *h = (const api_hash_rule *)r;
    m.name = names[i];
    m.s = i == 0 ? type : i == 1 ? h->source : i == 2 ? h->hex : h->size;
    m.s_len = strlen(m.s);
    return m;
}

/* ---- listing ------------------------------------------------------------- */

static const char *meta_string(const vigil_rule *r, const char *name)
{
    for (size_t i = 0; i < vigil_rule_meta_count(r); i++) {
        vigil_meta m = vigil_rule_meta(r, i);
        if (m.type == VIGIL_META_STRING && strcmp(m.name, name) == 0)
            return m.s;
    }
    return NULL;
}

vigil_status vigil_db_visit_clamav(const vigil_db *db, vigil_signature_fn fn, void *user)
{
    if (!db || !fn)
        return VIGIL_E_ARG;
    for (size_t i = 0; i < vigil_db_rule_count(db); i++) {
        const vigil_rule *r = vigil_db_rule(db, i);
        /* private ClamAV rules are libclamav's file-type rows, not signatures */
        if (strcmp(vigil_rule_namespace(r), "clamav") != 0 || vigil_rule_is_private(r))
            continue;
        const char *type = meta_string(r, "type"), *src = meta_string(r, "source");
        char file[512] = "";
        uint32_t line = 0;
        if (src) {
            const char *colon = strrchr(src, ':');
            size_t n = colon ? (size_t)(colon - src) : strlen(src);
            if (n >= sizeof(file))
                n = sizeof(file) - 1;
            memcpy(file, src, n);
            file[n] = '\0';
            line = colon ? (uint32_t)strtoul(colon + 1, NULL, 10) : 0;
        }
        vigil_signature_info info = {vigil_rule_name(r), type ? type : "?", file, line};
        fn(&info, user);
    }
    if (!db->has_hashes)
        return VIGIL_OK;
    for (uint32_t t = 0; t < db->hashes.ntables; t++) {
        for (uint32_t k = 0; k < db->hashes.tables[t].count; k++) {
            cv_hashdb_entry e;
            if (!cv_hashdb_entry_get(&db->hashes, (cv_hashdb_ref){t, k}, &e))
                return VIGIL_E_CORRUPT;
            vigil_signature_info info = {e.name, hash_type(&e), e.source ? e.source : "?",
                                         e.line};
            fn(&info, user);
        }
    }
    return VIGIL_OK;
}

/* ---- scanning ----------------------------------------------------------- */

typedef struct digests {
    unsigned have; /* CV_HASHDB_WANT_* */
    uint8_t md5[16], sha1[20], sha256[32];
} digests;

static bool compute(const uint8_t *data, size_t len, unsigned want, digests *d)
{
    static const struct {
        unsigned bit;
        size_t off;
    } algos[] = {{CV_HASHDB_WANT_MD5, offsetof(digests, md5)},
                 {CV_HASHDB_WANT_SHA1, offsetof(digests, sha1)},
                 {CV_HASHDB_WANT_SHA256, offsetof(digests, sha256)}};
    for (size_t i = 0; i < 3; i++) {
        if (!(want & algos[i].bit) || (d->have & algos[i].bit))
            continue;
        const EVP_MD *md = algos[i].bit == CV_HASHDB_WANT_MD5    ? EVP_md5()
                           : algos[i].bit == CV_HASHDB_WANT_SHA1 ? EVP_sha1()
                                                                 : EVP_sha256();
        unsigned int n = 0;
        if (!EVP_Digest(data, len, (uint8_t *)d + algos[i].off, &n, md, NULL))
            return false;
        d->have |= algos[i].bit;
    }
    return true;
}

static const uint8_t *digest_of(const digests *d, cv_hash_algo a)
{
    return a == CV_MD5 ? d->md5 : a == CV_SHA1 ? d->sha1 : d->sha256;
}

typedef struct hit_ctx {
    api_hash_hit_fn fn;
    void *user;
    bool any;
    bool stop;
} hit_ctx;

static bool on_hit(void *user, cv_hashdb_ref ref, bool primary)
{
    hit_ctx *h = user;
    h->any = true;
    if (!h->fn || !primary)
        return true;
    if (!h->fn(h->user, ref.table, ref.index)) {
        h->stop = true;
        return false;
    }
    return true;
}

/* Every table of set (kind, allow) for an object of `len` bytes. */
static bool lookup_set(const struct vigil_db *db, cv_hash_kind kind, bool allow,
                       const uint8_t *data, size_t len, hit_ctx *h)
{
    unsigned want = cv_hashdb_wants(&db->hashes, kind, allow, len);
    if (!want)
        return true;
    digests d = {0};
    if (!compute(data, len, want, &d))
        return false;
    static const cv_hash_algo algos[] = {CV_MD5, CV_SHA1, CV_SHA256};
    static const unsigned bits[] = {CV_HASHDB_WANT_MD5, CV_HASHDB_WANT_SHA1,
                                    CV_HASHDB_WANT_SHA256};
    for (size_t i = 0; i < 3 && !h->stop; i++)
        if (want & bits[i])
            cv_hashdb_lookup(&db->hashes, kind, allow, algos[i], len, digest_of(&d, algos[i]),
                             on_hit, h);
    return true;
}

typedef struct import_digests {
    EVP_MD_CTX *ctx[3];
    bool ok;
} import_digests;

static void import_piece(void *arg, const uint8_t *piece, size_t n)
{
    import_digests *d = arg;
    for (int i = 0; i < 3; i++)
        if (d->ctx[i] && EVP_DigestUpdate(d->ctx[i], piece, n) != 1)
            d->ok = false;
}

/* The import string streamed into the digests the .imp tables use, then
 * looked up with the string's size. */
static vigil_status import_lookup(const struct vigil_db *db, const cv_objinfo *oi, unsigned algos,
                                  hit_ctx *h)
{
    static const unsigned bits[3] = {CV_HASHDB_WANT_MD5, CV_HASHDB_WANT_SHA1,
                                     CV_HASHDB_WANT_SHA256};
    static const cv_hash_algo kinds[3] = {CV_MD5, CV_SHA1, CV_SHA256};
    import_digests d = {.ok = true};
    vigil_status st = VIGIL_OK;
    for (int i = 0; i < 3; i++) {
        if (!(algos & bits[i]))
            continue;
        const EVP_MD *md = i == 0 ? EVP_md5() : i == 1 ? EVP_sha1() : EVP_sha256();
        d.ctx[i] = EVP_MD_CTX_new();
        if (!d.ctx[i] || EVP_DigestInit_ex(d.ctx[i], md, NULL) != 1)
            d.ok = false;
    }
    uint32_t size = 0;
    if (d.ok && cv_objinfo_import_string(oi, import_piece, &d, &size) && d.ok) {
        for (int i = 0; i < 3 && !h->stop; i++) {
            uint8_t digest[32];
            unsigned int n = 0;
            if (!d.ctx[i])
                continue;
            if (EVP_DigestFinal_ex(d.ctx[i], digest, &n) != 1) {
                st = VIGIL_E_NOMEM;
                break;
            }
            cv_hashdb_lookup(&db->hashes, CV_HASH_IMPORT, false, kinds[i], size, digest, on_hit,
                             h);
        }
    } else if (!d.ok) {
        st = VIGIL_E_NOMEM;
    }
    for (int i = 0; i < 3; i++)
        EVP_MD_CTX_free(d.ctx[i]);
    return st;
}

vigil_status api_clamav_hashes(const struct vigil_db *db, const uint8_t *data, size_t len,
                               const cv_objinfo *oi, api_hash_hit_fn fn, void *user,
                               bool *allowed)
{
    *allowed = false;
    if (!db->has_hashes)
        return VIGIL_OK;
    /* .fp/.sfp: a whole-file hash on the allow list clears the object of
     * every ClamAV detection */
    hit_ctx allow = {0};
    if (!lookup_set(db, CV_HASH_FILE, true, data, len, &allow))
        return VIGIL_E_NOMEM;
    if (allow.any) {
        *allowed = true;
        return VIGIL_OK;
    }
    hit_ctx h = {fn, user, false, false};
    if (!lookup_set(db, CV_HASH_FILE, false, data, len, &h))
        return VIGIL_E_NOMEM;
    /* .mdb/.msb: each PE section's bytes in the file, by the section's size */
    if (oi && !h.stop && cv_hashdb_algos(&db->hashes, CV_HASH_SECTION, false)) {
        uint32_t n = cv_objinfo_hashed_section_count(oi);
        for (uint32_t i = 0; i < n && !h.stop; i++) {
            uint64_t off;
            uint32_t size;
            if (!cv_objinfo_hashed_section(oi, i, &off, &size) || off > len || size > len - off)
                continue;
            if (!lookup_set(db, CV_HASH_SECTION, false, data + off, (size_t)size, &h))
                return VIGIL_E_NOMEM;
        }
    }
    /* .imp: the hash of libclamav's import string */
    unsigned imp = oi && !h.stop ? cv_hashdb_algos(&db->hashes, CV_HASH_IMPORT, false) : 0;
    if (imp) {
        vigil_status st = import_lookup(db, oi, imp, &h);
        if (st != VIGIL_OK)
            return st;
    }
    return h.stop ? VIGIL_E_ABORTED : VIGIL_OK;
}
