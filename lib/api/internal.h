/*
 * internal.h - the structures behind the public handles of vigil.h. Only
 * lib/api and lib/db see them; every other layer works on ir_program,
 * matcher and ev_state directly.
 */
#ifndef VIGIL_API_INTERNAL_H
#define VIGIL_API_INTERNAL_H

#include "../db/db_format.h"
#include "../eval/eval.h"
#include "../ir/ir.h"
#include "../match/matcher.h"
#include "../clamav/ftype.h"
#include "../clamav/hashdb.h"
#include "../modules/object.h"
#include "../util/vec.h"
#include "vigil.h"

/* A rule of the program, or (hash_table != API_NOT_HASH) a ClamAV hash
 * signature, whose handle a scanner fills for the callback (clamav.c). */
#define API_NOT_HASH UINT32_MAX
struct vigil_rule {
    const struct vigil_db *db;
    uint32_t index;
    uint32_t hash_table, hash_index;
};

/* The handle of a hash signature with the text of its metas. */
typedef struct api_hash_rule {
    struct vigil_rule rule; /* first: a vigil_rule pointer is one to this */
    char hex[65];
    char size[24];
    char source[300];
} api_hash_rule;

typedef struct read_source {
    char *path;
    uint8_t sha256[VIGIL_DIGEST_LEN];
} read_source;

struct api_clamav; /* ClamAV databases being added (clamav.c) */

struct vigil_compiler {
    VEC(read_source) sources; /* files read, in order, each (path, digest) once */
    ir_program prog;
    struct yc_state *yc;
    struct api_clamav *clam;
    vigil_diag_fn diag;
    void *diag_user;
    bool warnings;
    bool built;
    uint32_t max_strings; /* per rule; 0 = the front end's default */
    size_t errors, warns;
    char last_error[512];
};

/* Records a file the compiler read (path, SHA-256); false = out of memory. */
bool api_record_source(void *user, const char *path, const uint8_t *data, size_t len);

struct vigil_db {
    ir_program prog;   /* owned, or arrays borrowed from `map` (cap == 0) */
    matcher *m;
    struct vigil_rule *rules; /* one handle per prog.rules entry */
    uint8_t *single;   /* per string: only tested for presence (ir_usage.h) */
    uint64_t *fixed;   /* per string: the one `at` offset, or IR_NO_FIXED_OFFSET */
    void *map;         /* mapped database file, or NULL */
    size_t map_len;
    const db_source *sources; /* files compiled from: in `map`, or == sources_buf */
    size_t nsources;
    db_source *sources_buf;   /* owned copy for a database built in memory */
    /* ClamAV: the DB_SEC_CLAMAV section (a db_clamav_head, then the hash
     * tables), in `map` or == clam_buf */
    uint8_t *clam_buf;
    const uint8_t *clam_bytes; /* the section (NULL: none) */
    size_t clam_len;
    uint64_t clam_signatures;  /* clamscan's "Known viruses" */
    bool clam_rules;           /* some rule is a ClamAV signature (objinfo needed) */
    bool clam_text_reloff;     /* normalised text is scanned as a file (cv_loader_text_reloff) */
    uint32_t clam_maxpatlen[16]; /* per target: libclamav's matcher root maxpatlen */
    bool has_hashes;
    cv_hashdb_view hashes;
    cv_ftypes ftypes;          /* libclamav's file types, for typing objects */
    struct api_cdb *cdb;       /* container metadata signatures, newest first */
    size_t ncdb;               /* (clamav_meta.c) */
};

/* ClamAV: moves the compiler's hash signatures and counts into db (before
 * the matcher is built); frees a compiler's ClamAV state. */
vigil_status api_clamav_build(struct vigil_compiler *c, struct vigil_db *db);
void api_clamav_free(struct api_clamav *a);
/* The file-type table a database carries (its IR_RULE_FTYPE rules' magic
 * rows) into db->ftypes; after the program is validated. */
vigil_status api_clamav_filetypes(struct vigil_db *db);
/* The container metadata signatures a database carries (its
 * IR_RULE_CLAM_CDB rules) into db->cdb, their name patterns compiled; and
 * their release (clamav_meta.c). */
vigil_status api_clam_meta_init(struct vigil_db *db);
void api_clam_meta_free(struct vigil_db *db);
/* The text of a rule's string meta `name` (e.g. a file-type rule's "ftm",
 * the .ftm line), its length in *len; NULL without one. */
const char *api_rule_meta(const ir_program *p, const ir_rule *r, const char *name, size_t *len);
/* Binds a loaded database's DB_SEC_CLAMAV bytes; false when damaged. */
bool api_clamav_bind(struct vigil_db *db, const uint8_t *bytes, size_t len, char *err,
                     size_t errlen);

/* The accessors of a hash-signature handle (vigil_rule with hash_table set). */
const char *api_hash_rule_name(const vigil_rule *r);
size_t api_hash_rule_meta_count(const vigil_rule *r);
vigil_meta api_hash_rule_meta(const vigil_rule *r, size_t i);

/* Finishes a database whose prog is filled: rule handles, string usage. */
vigil_status db_init_handles(struct vigil_db *db);

/* Walks a module's values for a vigil_module_visit_fn (modules.c). */
vigil_status api_module_visit(const mo_module *m, const mo_obj *root, vigil_module_visit_fn fn,
                              void *user);

/* Sets a printf-style message into a fixed buffer. */
void api_set_error(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
