/*
 * db.c - vigil_db: rule handles and accessors, and the compiled database
 * file (save, and load by mmap + validation; see db_format.h). Validation
 * here covers the tables' cross-references; lib/eval validates condition
 * nodes and lib/match its own blob, each where the knowledge lives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../api/internal.h"
#include "../ir/ir_usage.h"
#include "../modules/registry.h"
#include "../util/crc32c.h"
#include "db_format.h"

vigil_status db_init_handles(struct vigil_db *db)
{
    size_t n = db->prog.rules.len;
    db->rules = calloc(n ? n : 1, sizeof(*db->rules));
    if (!db->rules)
        return VIGIL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        db->rules[i].db = db;
        db->rules[i].index = (uint32_t)i;
        db->rules[i].hash_table = API_NOT_HASH;
    }
    size_t ns = db->prog.strings.len;
    db->single = malloc(ns ? ns : 1);
    db->fixed = malloc(sizeof(*db->fixed) * (ns ? ns : 1));
    if (!db->single || !db->fixed)
        return VIGIL_E_NOMEM;
    ir_string_usage(&db->prog, db->single, db->fixed);
    vigil_status st = api_clamav_filetypes(db);
    return st == VIGIL_OK ? api_clam_meta_init(db) : st;
}

void vigil_db_free(vigil_db *db)
{
    if (!db)
        return;
    matcher_free(db->m);
    ir_free(&db->prog);
    free(db->rules);
    free(db->single);
    free(db->fixed);
    free(db->sources_buf);
    free(db->clam_buf);
    cv_ftypes_free(&db->ftypes);
    api_clam_meta_free(db);
    if (db->map)
        munmap(db->map, db->map_len);
    free(db);
}

size_t vigil_db_rule_count(const vigil_db *db)
{
    return db->prog.rules.len;
}

const vigil_rule *vigil_db_rule(const vigil_db *db, size_t i)
{
    return i < db->prog.rules.len ? &db->rules[i] : NULL;
}

_Static_assert(DB_DIGEST_LEN == VIGIL_DIGEST_LEN, "digest sizes of db_format.h and vigil.h");

size_t vigil_db_source_count(const vigil_db *db)
{
    return db->nsources;
}

const char *vigil_db_source_path(const vigil_db *db, size_t i)
{
    return i < db->nsources ? ir_str(&db->prog, db->sources[i].path) : NULL;
}

const uint8_t *vigil_db_source_digest(const vigil_db *db, size_t i)
{
    return i < db->nsources ? db->sources[i].sha256 : NULL;
}

static const ir_rule *rule_of(const vigil_rule *r)
{
    return &r->db->prog.rules.items[r->index];
}

/* Hash signatures of ClamAV have handles too (lib/api/clamav.c): they are in
 * namespace "clamav", have metas and nothing else. */
#define IS_HASH(r) ((r)->hash_table != API_NOT_HASH)

const char *vigil_rule_name(const vigil_rule *r)
{
    if (IS_HASH(r))
        return api_hash_rule_name(r);
    return ir_str(&r->db->prog, rule_of(r)->name);
}

const char *vigil_rule_namespace(const vigil_rule *r)
{
    if (IS_HASH(r))
        return "clamav";
    const ir_program *p = &r->db->prog;
    return ir_str(p, p->namespaces.items[rule_of(r)->ns]);
}

bool vigil_rule_is_private(const vigil_rule *r)
{
    if (IS_HASH(r))
        return false;
    return rule_of(r)->flags & IR_RULE_PRIVATE;
}

bool vigil_rule_is_global(const vigil_rule *r)
{
    if (IS_HASH(r))
        return false;
    return rule_of(r)->flags & IR_RULE_GLOBAL;
}

size_t vigil_rule_tag_count(const vigil_rule *r)
{
    if (IS_HASH(r))
        return 0;
    return rule_of(r)->tags_count;
}

const char *vigil_rule_tag(const vigil_rule *r, size_t i)
{
    if (IS_HASH(r))
        return NULL;
    const ir_rule *ru = rule_of(r);
    if (i >= ru->tags_count)
        return NULL;
    return ir_str(&r->db->prog, r->db->prog.lists.items[ru->tags_first + i]);
}

size_t vigil_rule_meta_count(const vigil_rule *r)
{
    if (IS_HASH(r))
        return api_hash_rule_meta_count(r);
    return rule_of(r)->metas_count;
}

vigil_meta vigil_rule_meta(const vigil_rule *r, size_t i)
{
    vigil_meta m = {0};
    if (IS_HASH(r))
        return api_hash_rule_meta(r, i);
    const ir_rule *ru = rule_of(r);
    if (i >= ru->metas_count)
        return m;
    const ir_program *p = &r->db->prog;
    const ir_meta *im = &p->metas.items[ru->metas_first + i];
    m.name = ir_str(p, im->name);
    m.type = im->type == IR_META_STRING ? VIGIL_META_STRING
             : im->type == IR_META_BOOL ? VIGIL_META_BOOL
                                        : VIGIL_META_INT;
    m.i = im->i;
    if (im->type == IR_META_STRING) {
        m.s = ir_str(p, im->s);
        m.s_len = im->s_len;
    }
    return m;
}

size_t vigil_rule_string_count(const vigil_rule *r)
{
    if (IS_HASH(r))
        return 0;
    return rule_of(r)->strings_count;
}

const char *vigil_rule_string_id(const vigil_rule *r, size_t i)
{
    if (IS_HASH(r))
        return NULL;
    const ir_rule *ru = rule_of(r);
    if (i >= ru->strings_count)
        return NULL;
    return ir_str(&r->db->prog, r->db->prog.strings.items[ru->strings_first + i].id);
}

bool vigil_rule_string_is_private(const vigil_rule *r, size_t i)
{
    if (IS_HASH(r))
        return false;
    const ir_rule *ru = rule_of(r);
    if (i >= ru->strings_count)
        return false;
    return r->db->prog.strings.items[ru->strings_first + i].flags & IR_SF_PRIVATE;
}

bool vigil_rule_string_is_hex(const vigil_rule *r, size_t i)
{
    if (IS_HASH(r))
        return false;
    const ir_rule *ru = rule_of(r);
    if (i >= ru->strings_count)
        return false;
    uint32_t kind = r->db->prog.strings.items[ru->strings_first + i].kind;
    return kind == IR_PAT_HEX || kind == IR_PAT_CLAMAV;
}

/* ---- saving ---- */


static bool write_all(FILE *f, const void *p, size_t n)
{
    return n == 0 || fwrite(p, 1, n, f) == n;
}

vigil_status vigil_db_save(const vigil_db *db, const char *path)
{
    const ir_program *p = &db->prog;
    uint8_t *mblob = NULL;
    size_t mlen = 0;
    vigil_status st = matcher_serialize(db->m, &mblob, &mlen);
    if (st != VIGIL_OK)
        return st;

    struct {
        const void *items;
        size_t len, elem;
    } secs[DB_SEC__COUNT] = {
        [DB_SEC_RULES] = {p->rules.items, p->rules.len, sizeof(ir_rule)},
        [DB_SEC_METAS] = {p->metas.items, p->metas.len, sizeof(ir_meta)},
        [DB_SEC_STRINGS] = {p->strings.items, p->strings.len, sizeof(ir_string)},
        [DB_SEC_NODES] = {p->nodes.items, p->nodes.len, sizeof(ir_node)},
        [DB_SEC_LISTS] = {p->lists.items, p->lists.len, sizeof(uint32_t)},
        [DB_SEC_NAMESPACES] = {p->namespaces.items, p->namespaces.len, sizeof(uint32_t)},
        [DB_SEC_EXTERNALS] = {p->externals.items, p->externals.len, sizeof(ir_external)},
        [DB_SEC_POOL] = {p->pool.items, p->pool.len, 1},
        [DB_SEC_MATCHER] = {mblob, mlen, 1},
        [DB_SEC_SOURCES] = {db->sources, db->nsources, sizeof(db_source)},
        [DB_SEC_MODULES] = {p->modules.items, p->modules.len, sizeof(uint32_t)},
        [DB_SEC_CLAMAV] = {db->clam_bytes, db->clam_len, 1},
    };

    db_header h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, DB_MAGIC, 8);
    h.format_version = DB_FORMAT_VERSION;
    h.bom = DB_BOM;
    snprintf(h.vigil_version, sizeof(h.vigil_version), "%s", VIGIL_VERSION_STRING);
    h.max_loop_vars = p->max_loop_vars;
    uint64_t off = sizeof(h);
    uint32_t crc = 0;
    static const uint8_t zeros[8];
    for (int i = 0; i < DB_SEC__COUNT; i++) {
        uint64_t pad = (8 - off % 8) % 8;
        crc = util_crc32c(crc, zeros, (size_t)pad);
        off += pad;
        h.sections[i].offset = off;
        h.sections[i].length = (uint64_t)secs[i].len * secs[i].elem;
        h.sections[i].elem_size = (uint32_t)secs[i].elem;
        if (h.sections[i].length)
            crc = util_crc32c(crc, secs[i].items, (size_t)h.sections[i].length);
        off += h.sections[i].length;
    }
    h.file_size = off;
    /* The header is checked too (with its crc field zero), so that no byte
     * of the file can change unnoticed. */
    h.crc32 = 0;
    crc = util_crc32c(crc, &h, sizeof(h));
    h.crc32 = crc;

    /* Write to a temporary name and rename, so readers never see half a file. */
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
        free(mblob);
        return VIGIL_E_ARG;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(mblob);
        return VIGIL_E_IO;
    }
    bool ok = write_all(f, &h, sizeof(h));
    uint64_t pos = sizeof(h);
    for (int i = 0; ok && i < DB_SEC__COUNT; i++) {
        ok = write_all(f, zeros, (size_t)(h.sections[i].offset - pos));
        ok = ok && write_all(f, secs[i].items, (size_t)h.sections[i].length);
        pos = h.sections[i].offset + h.sections[i].length;
    }
    ok = (fclose(f) == 0) && ok;
    free(mblob);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return VIGIL_E_IO;
    }
    return VIGIL_OK;
}

/* ---- loading ---- */

#define LOAD_FAIL(code, ...)                      \
    do {                                          \
        if (err)                                  \
            snprintf(err, errlen, __VA_ARGS__);   \
        st = (code);                              \
        goto out;                                 \
    } while (0)

/* Points a program array at its section (borrowed: cap stays 0). */
#define BIND(vec, sec)                                                      \
    do {                                                                    \
        (vec).items = (void *)(base + h->sections[sec].offset);             \
        (vec).len = (size_t)(h->sections[sec].length / h->sections[sec].elem_size); \
        (vec).cap = 0;                                                      \
    } while (0)

static bool pool_str_ok(const ir_program *p, uint32_t off)
{
    return off < p->pool.len;
}

static bool pool_bytes_ok(const ir_program *p, uint32_t off, uint32_t len)
{
    return (uint64_t)off + len < p->pool.len;
}

static bool run_ok(size_t first, size_t count, size_t total)
{
    return first <= total && count <= total - first;
}

/* Cross-references between tables; node graphs are lib/eval's business. */
static const char *validate_tables(const ir_program *p)
{
    if (p->pool.len == 0 || p->pool.items[p->pool.len - 1] != '\0')
        return "string pool not terminated";
    for (size_t i = 0; i < p->namespaces.len; i++)
        if (!pool_str_ok(p, p->namespaces.items[i]))
            return "namespace name out of range";
    for (size_t i = 0; i < p->modules.len; i++)
        if (!pool_str_ok(p, p->modules.items[i]))
            return "module name out of range";
    for (size_t i = 0; i < p->rules.len; i++) {
        const ir_rule *r = &p->rules.items[i];
        if (!pool_str_ok(p, r->name) || r->ns >= p->namespaces.len ||
            !run_ok(r->tags_first, r->tags_count, p->lists.len) ||
            !run_ok(r->metas_first, r->metas_count, p->metas.len) ||
            !run_ok(r->strings_first, r->strings_count, p->strings.len) ||
            r->cond >= p->nodes.len)
            return "rule table out of range";
        for (uint32_t t = 0; t < r->tags_count; t++)
            if (!pool_str_ok(p, p->lists.items[r->tags_first + t]))
                return "tag out of range";
    }
    for (size_t i = 0; i < p->metas.len; i++) {
        const ir_meta *m = &p->metas.items[i];
        if (!pool_str_ok(p, m->name) ||
            (m->type == IR_META_STRING && !pool_bytes_ok(p, m->s, m->s_len)))
            return "meta table out of range";
    }
    for (size_t i = 0; i < p->strings.len; i++) {
        const ir_string *s = &p->strings.items[i];
        if (!pool_str_ok(p, s->id) || s->rule >= p->rules.len || s->kind > IR_PAT_CLAMAV ||
            !pool_bytes_ok(p, s->src, s->src_len) ||
            (s->alphabet != IR_NONE && !pool_bytes_ok(p, s->alphabet, 64)))
            return "string table out of range";
    }
    for (size_t i = 0; i < p->externals.len; i++) {
        const ir_external *e = &p->externals.items[i];
        if (!pool_str_ok(p, e->name) ||
            (e->type == IR_T_STRING && !pool_bytes_ok(p, e->s, e->s_len)))
            return "external table out of range";
    }
    return NULL;
}

vigil_status vigil_db_load(const char *path, vigil_db **out, char *err, size_t errlen)
{
    vigil_status st = VIGIL_OK;
    struct vigil_db *db = NULL;
    void *map = MAP_FAILED;
    size_t map_len = 0;
    *out = NULL;

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        LOAD_FAIL(VIGIL_E_IO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        LOAD_FAIL(VIGIL_E_IO, "%s: not a regular file", path);
    if ((uint64_t)sb.st_size < sizeof(db_header))
        LOAD_FAIL(VIGIL_E_CORRUPT, "%s: not a vigil database (too short)", path);
    map_len = (size_t)sb.st_size;
    map = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        LOAD_FAIL(VIGIL_E_IO, "%s: %s", path, strerror(errno));

    const uint8_t *base = map;
    const db_header *h = map;
    if (memcmp(h->magic, DB_MAGIC, 8) != 0)
        LOAD_FAIL(VIGIL_E_CORRUPT, "%s: not a vigil database", path);
    if (h->bom != DB_BOM || h->format_version != DB_FORMAT_VERSION ||
        strncmp(h->vigil_version, VIGIL_VERSION_STRING, sizeof(h->vigil_version)) != 0)
        LOAD_FAIL(VIGIL_E_VERSION,
                  "%s: database written by another vigil version or architecture (%.16s, "
                  "format %u); recompile the rules",
                  path, h->vigil_version, h->format_version);
    if (h->file_size != (uint64_t)map_len)
        LOAD_FAIL(VIGIL_E_CORRUPT, "%s: database truncated (%zu of %llu bytes)", path, map_len,
                  (unsigned long long)h->file_size);
    static const uint32_t elem[DB_SEC__COUNT] = {
        sizeof(ir_rule), sizeof(ir_meta), sizeof(ir_string), sizeof(ir_node), sizeof(uint32_t),
        sizeof(uint32_t), sizeof(ir_external), 1, 1, sizeof(db_source), sizeof(uint32_t), 1};
    for (int i = 0; i < DB_SEC__COUNT; i++) {
        const db_section *s = &h->sections[i];
        if (s->elem_size != elem[i] || s->offset % 8 || s->offset < sizeof(db_header) ||
            s->offset > map_len || s->length > map_len - s->offset || s->length % s->elem_size)
            LOAD_FAIL(VIGIL_E_CORRUPT, "%s: database section table damaged", path);
    }
    /* The checksum reads the mapping a window at a time and gives each
     * window's pages back: left resident, every page of a large database (2
     * million ClamAV hashes) would count in this process's memory, where a
     * scan touches only the few pages its lookups need. The pages come back
     * from the page cache if touched later (the mapping is never written). */
    uint32_t crc = 0;
    enum { WINDOW = 8 << 20 };
    for (size_t done = sizeof(db_header); done < map_len;) {
        size_t n = map_len - done > WINDOW ? WINDOW : map_len - done;
        crc = util_crc32c(crc, base + done, n);
        size_t page_lo = (done + 4095) & ~(size_t)4095, end = done + n;
        size_t page_hi = end == map_len ? end : end & ~(size_t)4095;
        if (page_hi > page_lo)
            madvise((uint8_t *)map + page_lo, page_hi - page_lo, MADV_DONTNEED);
        done = end;
    }
    db_header hz;
    memcpy(&hz, h, sizeof(hz));
    hz.crc32 = 0;
    crc = util_crc32c(crc, &hz, sizeof(hz));
    if (crc != h->crc32)
        LOAD_FAIL(VIGIL_E_CORRUPT, "%s: database checksum mismatch (corrupted file)", path);

    db = calloc(1, sizeof(*db));
    if (!db)
        LOAD_FAIL(VIGIL_E_NOMEM, "out of memory");
    BIND(db->prog.rules, DB_SEC_RULES);
    BIND(db->prog.metas, DB_SEC_METAS);
    BIND(db->prog.strings, DB_SEC_STRINGS);
    BIND(db->prog.nodes, DB_SEC_NODES);
    BIND(db->prog.lists, DB_SEC_LISTS);
    BIND(db->prog.namespaces, DB_SEC_NAMESPACES);
    BIND(db->prog.externals, DB_SEC_EXTERNALS);
    BIND(db->prog.pool, DB_SEC_POOL);
    BIND(db->prog.modules, DB_SEC_MODULES);
    if (!api_clamav_bind(db, base + h->sections[DB_SEC_CLAMAV].offset,
                         (size_t)h->sections[DB_SEC_CLAMAV].length, err, errlen)) {
        st = VIGIL_E_CORRUPT;
        goto out;
    }
    db->prog.max_loop_vars = h->max_loop_vars;
    db->sources = (const db_source *)(base + h->sections[DB_SEC_SOURCES].offset);
    db->nsources = (size_t)(h->sections[DB_SEC_SOURCES].length / sizeof(db_source));
    db->map = map;
    db->map_len = map_len;
    map = MAP_FAILED;

    const char *why = validate_tables(&db->prog);
    for (size_t i = 0; !why && i < db->prog.modules.len; i++) {
        const char *name = ir_str(&db->prog, db->prog.modules.items[i]);
        if (!mo_find_module(name))
            LOAD_FAIL(VIGIL_E_VERSION, "%s: the rules import module \"%s\", which this vigil lacks",
                      path, name);
    }
    for (size_t i = 0; !why && i < db->nsources; i++)
        if (!pool_str_ok(&db->prog, db->sources[i].path))
            why = "source table out of range";
    if (why)
        LOAD_FAIL(VIGIL_E_CORRUPT, "%s: %s", path, why);
    char merr[256] = "";
    st = matcher_deserialize(&db->prog, base + h->sections[DB_SEC_MATCHER].offset,
                             (size_t)h->sections[DB_SEC_MATCHER].length, &db->m, merr,
                             sizeof(merr));
    if (st != VIGIL_OK)
        LOAD_FAIL(st == VIGIL_E_NOMEM ? st : VIGIL_E_CORRUPT, "%s: %s", path, merr);
    /* Condition graphs are lib/eval's to check; before anything walks them. */
    st = ev_validate(&db->prog);
    if (st != VIGIL_OK)
        LOAD_FAIL(st == VIGIL_E_NOMEM ? st : VIGIL_E_CORRUPT, "%s: condition table damaged",
                  path);
    st = db_init_handles(db);
    if (st != VIGIL_OK)
        LOAD_FAIL(st, "out of memory");
    *out = db;
    db = NULL;
out:
    if (map != MAP_FAILED)
        munmap(map, map_len);
    vigil_db_free(db);
    if (fd >= 0)
        close(fd);
    return st;
}
