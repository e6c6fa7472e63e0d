/*
 * vigil.h - the one public header of libvigil, an auditable scanning engine.
 *
 * Three opaque handles carry all state (there is no global state):
 *   vigil_compiler  turns YARA rule sources into a database;
 *   vigil_db        an immutable compiled database, shareable between threads;
 *   vigil_scanner   per-thread scan state over one database.
 * Every call that can fail returns a vigil_status; the human text of the last
 * failure on a handle comes from vigil_*_last_error(). Pure accessors (names,
 * counts) return their value directly. The library never prints.
 */
#ifndef VIGIL_H
#define VIGIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_VERSION_STRING "0.1.0"

typedef enum vigil_status {
    VIGIL_OK = 0,
    VIGIL_E_NOMEM,    /* allocation failed */
    VIGIL_E_SYNTAX,   /* rule source has errors (see diagnostics) */
    VIGIL_E_IO,       /* file could not be opened/read/written */
    VIGIL_E_LIMIT,    /* a size, count or recursion limit was hit */
    VIGIL_E_CORRUPT,  /* compiled database is truncated or damaged */
    VIGIL_E_VERSION,  /* compiled database from another vigil version */
    VIGIL_E_ARG,      /* bad argument (NULL handle, unknown name, ...) */
    VIGIL_E_TIMEOUT,  /* scan took longer than the scanner's timeout */
    VIGIL_E_INTERNAL, /* a dependency failed unexpectedly (e.g. Vectorscan) */
    VIGIL_E_ABORTED,  /* the callback asked to stop */
} vigil_status;

/* A static English description of a status code. */
const char *vigil_status_str(vigil_status st);

/* ------------------------------------------------------------------ */
/* Diagnostics                                                        */

typedef enum vigil_severity { VIGIL_SEV_ERROR = 0, VIGIL_SEV_WARNING = 1 } vigil_severity;

typedef struct vigil_diag {
    vigil_severity severity;
    const char *file;        /* source name given to add_file/add_string; never NULL */
    int line;                /* 1-based; 0 when unknown */
    int col;                 /* 1-based; 0 when unknown */
    const char *message;     /* without "error:" prefix or location */
    const char *source_line; /* text of the offending line without newline, or NULL */
    const char *rule;        /* rule the diagnostic belongs to, or NULL */
} vigil_diag;

/* Called once per diagnostic; pointers are valid only during the call. */
typedef void (*vigil_diag_fn)(const vigil_diag *diag, void *user);

/* ------------------------------------------------------------------ */
/* Compiler                                                           */

typedef struct vigil_compiler vigil_compiler;
typedef struct vigil_db vigil_db;

vigil_status vigil_compiler_new(vigil_compiler **out);
void vigil_compiler_free(vigil_compiler *c); /* NULL is a no-op */

/* Diagnostics go to fn; without one they are only counted. */
void vigil_compiler_set_diag_callback(vigil_compiler *c, vigil_diag_fn fn, void *user);

/* External variables must be defined before sources that use them are added. */
vigil_status vigil_compiler_define_int(vigil_compiler *c, const char *name, int64_t value);
vigil_status vigil_compiler_define_bool(vigil_compiler *c, const char *name, bool value);
vigil_status vigil_compiler_define_float(vigil_compiler *c, const char *name, double value);
vigil_status vigil_compiler_define_string(vigil_compiler *c, const char *name, const char *value);

/* Adds rules from a file / from memory into namespace ns (NULL = "default").
 * All errors of the source are reported through the diag callback; the call
 * returns VIGIL_E_SYNTAX if there was at least one. `name` labels diagnostics. */
vigil_status vigil_compiler_add_file(vigil_compiler *c, const char *path, const char *ns);
vigil_status vigil_compiler_add_string(vigil_compiler *c, const char *src, size_t len,
                                       const char *ns, const char *name);

/* yara's --max-strings-per-rule (default 10000): more strings in one rule is an error. */
void vigil_compiler_set_max_strings_per_rule(vigil_compiler *c, uint32_t n);

/* Disables slow-pattern and similar warnings. */
void vigil_compiler_set_warnings(vigil_compiler *c, bool enabled);

size_t vigil_compiler_error_count(const vigil_compiler *c);
size_t vigil_compiler_warning_count(const vigil_compiler *c);

/* Builds the database from everything added so far. Fails with VIGIL_E_SYNTAX
 * when any source had errors. The compiler may be freed afterwards. */
vigil_status vigil_compiler_build(vigil_compiler *c, vigil_db **out);
const char *vigil_compiler_last_error(const vigil_compiler *c);

/* ------------------------------------------------------------------ */
/* ClamAV databases                                                   */

/* ClamAV signatures lower into the same database as YARA rules and are
 * matched in the same pass. Body (.ndb .db), logical (.ldb) and container
 * metadata (.cdb) signatures become rules of namespace "clamav"; hash
 * signatures (.hdb .hsb .mdb
 * .msb .imp and their PUA forms), which a full database holds millions
 * of, live in hash tables instead and are not among vigil_db_rule(): a
 * detection by one is reported with a handle that is valid only during
 * the scan callback. Either way vigil_rule_name() is the detection name
 * as clamscan prints it (".UNOFFICIAL" for signatures from loose files,
 * none for those from signed containers), and the rule's metas explain
 * it: "type" (hdb, ndb, ldb ...), "source" (database file:line), and for
 * hash signatures "hash" and "size". Allow lists (.fp .sfp) and ignore
 * lists (.ign .ign2) apply to ClamAV detections only. */
enum {
    VIGIL_CLAMAV_PUA = 1u << 0,      /* also load PUA databases (.hdu .ndu .ldu ...;
                                      * clamscan --detect-pua) */
    VIGIL_CLAMAV_SKIP_BAD = 1u << 1, /* a malformed line is a warning and is left out;
                                      * without it (clamscan's behaviour) it is an error
                                      * and the database is not loaded */
};

/* Adds a ClamAV database file (.hdb .hsb .hdu .hsu .mdb .msb .mdu .msu
 * .imp .ndb .ndu .ldb .ldu .db .cdb .fp .sfp .ign .ign2 .ftm .cvd .cld .cud)
 * or every such file of a folder (not recursive, in the folder's readdir
 * order, as clamscan reads /var/lib/clamav; ignore lists first). Phishing
 * lists (.pdb .gdb .wdb), icon signatures (.idb) and certificate rules
 * (.crb) are checked and counted as clamscan does, but not applied yet
 * (a warning per file says so). Each bad line is a diagnostic
 * "file:line: reason" (file is e.g. "daily.cvd:daily.ldb" inside a
 * container); the call then returns VIGIL_E_SYNTAX. A container whose
 * digital signature does not verify is refused as a whole. */
vigil_status vigil_compiler_add_clamav(vigil_compiler *c, const char *path, unsigned flags);

/* Replaces ClamAV's published RSA key (decimal modulus and exponent) that
 * .cvd/.cud signatures are checked against: for containers signed with
 * one's own key (tests, private mirrors). NULL restores ClamAV's key. */
vigil_status vigil_compiler_set_cvd_key(vigil_compiler *c, const char *n_decimal,
                                        const char *e_decimal);

/* ClamAV signatures in the database (all kinds; clamscan's "Known viruses"). */
size_t vigil_db_clamav_signature_count(const vigil_db *db);

/* Every ClamAV signature of the database, rules and hash signatures alike
 * (sigtool --list-sigs, counts by type). Pointers are valid during the call. */
typedef struct vigil_signature_info {
    const char *name;   /* detection name as clamscan prints it */
    const char *type;   /* "hdb" "hsb" "mdb" "msb" "imp" "ndb" "ldb" "fp" "sfp" ... */
    const char *source; /* database file it came from ("main.cvd:main.hdb" in a container) */
    uint32_t line;      /* 1-based line in that file */
} vigil_signature_info;
typedef void (*vigil_signature_fn)(const vigil_signature_info *sig, void *user);
vigil_status vigil_db_visit_clamav(const vigil_db *db, vigil_signature_fn fn, void *user);

/* A signed container on its own (sigtool --info / --unpack). */
typedef struct vigil_cvd_info {
    char build_time[64];  /* as stored in the header, e.g. "09 Nov 2026 07-25 -0500": the
                             header separates fields with ':', so the time is hh-mm
                             (sigtool shows it as hh:mm) */
    uint32_t version;
    uint32_t signatures;  /* as the header states */
    uint32_t flevel;      /* functionality level */
    char md5[33];         /* of the body, hex, as the header states */
    char dsig[512];       /* the header's digital signature field (RSA over the MD5,
                             libclamav's base-64 digits) */
    char builder[64];
    uint32_t stime;       /* build time in seconds since the epoch, 0 if absent */
    bool verified;        /* the body's MD5 and the RSA signature check out */
} vigil_cvd_info;

/* Reads the header of a .cvd/.cld/.cud and checks the container: header
 * signature (a .cld, which freshclam rewrites, has none to check and a
 * .cud is unsigned: verified stays false for both), then its members
 * against the signed .info. key_n/key_e: as vigil_compiler_set_cvd_key,
 * NULL for ClamAV's keys. VIGIL_E_CORRUPT with the reason in err when the
 * header is malformed or a check fails. info is filled as soon as the
 * header has parsed, also when a later check fails (VIGIL_E_CORRUPT,
 * verified false), so a caller can show what a refused container claims;
 * an empty build_time means the header did not parse. */
vigil_status vigil_cvd_info_read(const char *path, const char *key_n, const char *key_e,
                                 vigil_cvd_info *info, char *err, size_t errlen);

/* Writes the container's members into folder dir (which must exist),
 * after the same checks as vigil_cvd_info_read. Member names are checked:
 * no paths, no overwriting outside dir. */
vigil_status vigil_cvd_unpack(const char *path, const char *dir, const char *key_n,
                              const char *key_e, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Compiled database                                                  */

vigil_status vigil_db_save(const vigil_db *db, const char *path);
/* Loads a database written by vigil_db_save. On failure *out is NULL and, if
 * err is not NULL, a static or err-buffer message is written there. */
vigil_status vigil_db_load(const char *path, vigil_db **out, char *err, size_t errlen);
void vigil_db_free(vigil_db *db);

/* The files a database was compiled from: every rule file given to
 * vigil_compiler_add_file and every file an `include` read (recursively), in
 * the order they were read, each once, with the SHA-256 of the bytes the
 * compiler parsed. Paths are as opened (relative ones are relative to the
 * compiler's working directory). Sources added from memory are not listed.
 * A cache uses this to check that a saved database is still what its
 * sources compile to. Strings and digests are owned by the db. */
#define VIGIL_DIGEST_LEN 32
size_t vigil_db_source_count(const vigil_db *db);
const char *vigil_db_source_path(const vigil_db *db, size_t i);          /* NULL if i is out of range */
const uint8_t *vigil_db_source_digest(const vigil_db *db, size_t i);     /* VIGIL_DIGEST_LEN bytes */

typedef struct vigil_rule vigil_rule; /* owned by the db */

size_t vigil_db_rule_count(const vigil_db *db);
const vigil_rule *vigil_db_rule(const vigil_db *db, size_t i);

const char *vigil_rule_name(const vigil_rule *r);
const char *vigil_rule_namespace(const vigil_rule *r);
bool vigil_rule_is_private(const vigil_rule *r);
bool vigil_rule_is_global(const vigil_rule *r);
size_t vigil_rule_tag_count(const vigil_rule *r);
const char *vigil_rule_tag(const vigil_rule *r, size_t i);

typedef enum vigil_meta_type { VIGIL_META_INT, VIGIL_META_STRING, VIGIL_META_BOOL } vigil_meta_type;
typedef struct vigil_meta {
    const char *name;
    vigil_meta_type type;
    int64_t i;      /* VIGIL_META_INT, VIGIL_META_BOOL (0/1) */
    const char *s;  /* VIGIL_META_STRING (NUL-terminated; s_len bytes) */
    size_t s_len;
} vigil_meta;
size_t vigil_rule_meta_count(const vigil_rule *r);
vigil_meta vigil_rule_meta(const vigil_rule *r, size_t i);

size_t vigil_rule_string_count(const vigil_rule *r);
const char *vigil_rule_string_id(const vigil_rule *r, size_t i); /* "$a", "$" for anonymous */
bool vigil_rule_string_is_private(const vigil_rule *r, size_t i);
/* True when string i is a hex string ({ ... }): yara -s prints its matches as hex bytes. */
bool vigil_rule_string_is_hex(const vigil_rule *r, size_t i);

/* ------------------------------------------------------------------ */
/* Scanner                                                            */

typedef struct vigil_scanner vigil_scanner;

typedef struct vigil_match {
    uint64_t offset;      /* of the first byte matched */
    uint32_t length;      /* bytes matched, as yara reports them */
    uint8_t xor_key;      /* key for xor strings, else 0 */
    const uint8_t *data;  /* the matched bytes (at most VIGIL_MATCH_DATA_MAX) */
    uint32_t data_len;
} vigil_match;
#define VIGIL_MATCH_DATA_MAX 512

typedef enum vigil_event {
    VIGIL_EV_RULE_MATCHING,     /* rule is true for this object */
    VIGIL_EV_RULE_NOT_MATCHING, /* rule is false (only with VIGIL_SCAN_REPORT_NOT_MATCHING) */
    VIGIL_EV_TOO_MANY_MATCHES,  /* a string hit the per-string match cap; string index in `string` */
    VIGIL_EV_MODULE_DATA,       /* with VIGIL_SCAN_MODULE_DATA, before the rules: module number
                                 * `string` (of vigil_db_module_*) may be walked with
                                 * vigil_scanner_visit_module; rule is NULL */
} vigil_event;

/* Return VIGIL_OK to go on, anything else to stop the scan (it then returns VIGIL_E_ABORTED). */
typedef vigil_status (*vigil_scan_fn)(vigil_scanner *s, vigil_event ev, const vigil_rule *rule,
                                      size_t string, void *user);

vigil_status vigil_scanner_new(const vigil_db *db, vigil_scanner **out);
void vigil_scanner_free(vigil_scanner *s);

enum {
    VIGIL_SCAN_FAST = 1u << 0,                 /* stop at the first match of each string (yara -f) */
    VIGIL_SCAN_REPORT_NOT_MATCHING = 1u << 1,  /* also report false rules (yara -n) */
    VIGIL_SCAN_MODULE_DATA = 1u << 2,          /* load every imported module and report
                                                * VIGIL_EV_MODULE_DATA (yara -D) */
    VIGIL_SCAN_EVERY_MATCH = 1u << 3,          /* report a ClamAV body signature once per
                                                * match in its offset range, in clamscan's
                                                * order (clamscan --allmatch) */
};
void vigil_scanner_set_flags(vigil_scanner *s, unsigned flags);
void vigil_scanner_set_timeout(vigil_scanner *s, unsigned seconds); /* 0 = none */

/* Override an external variable's value for later scans (must exist in db). */
vigil_status vigil_scanner_define_int(vigil_scanner *s, const char *name, int64_t value);
vigil_status vigil_scanner_define_bool(vigil_scanner *s, const char *name, bool value);
vigil_status vigil_scanner_define_float(vigil_scanner *s, const char *name, double value);
vigil_status vigil_scanner_define_string(vigil_scanner *s, const char *name, const char *value);

vigil_status vigil_scanner_scan_mem(vigil_scanner *s, const uint8_t *data, size_t len,
                                    vigil_scan_fn fn, void *user);
/* Like vigil_scanner_scan_mem for data that is a read-only mapping of a file
 * (mmap PROT_READ, never written while scanned): the scanner may give back
 * pages it has passed (madvise MADV_DONTNEED), which are read again from the
 * file if touched later, so a large file scans in bounded memory. Never pass
 * ordinary memory: dropped anonymous pages would read back as zeros. */
vigil_status vigil_scanner_scan_mapped(vigil_scanner *s, const uint8_t *data, size_t len,
                                       vigil_scan_fn fn, void *user);
/* Maps the file; errors (missing, not regular, unreadable) return VIGIL_E_IO
 * with the reason in vigil_scanner_last_error(). */
vigil_status vigil_scanner_scan_file(vigil_scanner *s, const char *path, vigil_scan_fn fn,
                                     void *user);
const char *vigil_scanner_last_error(const vigil_scanner *s);

/* Makes a scanner usable again after a scan that never returned (a front end
 * that maps files may jump out of a scan on SIGBUS when a file shrinks under
 * it). Rebuilds the per-scan state; keeps flags, timeout and external values. */
vigil_status vigil_scanner_reset(vigil_scanner *s);

/* Valid only inside the scan callback: the matches of string `i` of `rule`,
 * in ascending offset order. Verdicts need only one match of a string whose
 * conditions test nothing but its presence, so that is all a scan records at
 * first; the first call that asks for such a string's matches matches the
 * object again in full (once per object), hence the non-const scanner. With
 * VIGIL_SCAN_FAST, such strings keep their first match only, as in yara -f. */
size_t vigil_scanner_match_count(vigil_scanner *s, const vigil_rule *rule, size_t i);
vigil_match vigil_scanner_match(vigil_scanner *s, const vigil_rule *rule, size_t i,
                                size_t k);
/* Valid only inside the scan callback: NULL when the matches refer to the
 * object's own bytes, else the name of the view of it or the path to the
 * object inside it they were found in (ClamAV scans text objects again as
 * "normalised text", a mail's parts as `mail part "a.bin"`, nested as
 * `mail part "m.eml" > normalised text`); offsets and data are then that
 * view's or object's. */
const char *vigil_scanner_view(const vigil_scanner *s);

/* ------------------------------------------------------------------ */
/* Module data (yara -D, vigil dump)                                  */

/* The YARA modules this build provides (`import "pe"`), by number. */
size_t vigil_module_count(void);
const char *vigil_module_name(size_t i); /* NULL if i is out of range */

/* The modules a database's rules import, in import order. */
size_t vigil_db_module_count(const vigil_db *db);
const char *vigil_db_module_name(const vigil_db *db, size_t i);

typedef enum vigil_value_kind {
    VIGIL_VALUE_UNDEFINED = 0,
    VIGIL_VALUE_INT,
    VIGIL_VALUE_FLOAT,
    VIGIL_VALUE_STRING,
} vigil_value_kind;

typedef enum vigil_node_kind {
    VIGIL_NODE_VALUE,  /* a leaf: integer, float or string member/element */
    VIGIL_NODE_STRUCT, /* the following nodes, up to the matching END, are its members */
    VIGIL_NODE_ARRAY,  /* ... its elements */
    VIGIL_NODE_DICT,   /* ... its entries */
    VIGIL_NODE_END,
} vigil_node_kind;

/* One node of a module's data, in yara -D order (members of declared
 * structures in reverse declaration order, as yara prints them). */
typedef struct vigil_module_node {
    vigil_node_kind kind;
    unsigned depth;       /* 0: the module itself */
    const char *name;     /* member name; NULL for array elements and dict entries */
    bool is_element;      /* array element (index) or dictionary entry (key) */
    int64_t index;
    const uint8_t *key;   /* dictionary entries: the key */
    size_t key_len;
    vigil_value_kind value_kind; /* VIGIL_NODE_VALUE */
    uint8_t declared_kind;       /* ... the declared type: VIGIL_VALUE_INT/FLOAT/STRING */
    int64_t i;
    double f;
    const uint8_t *s;
    size_t s_len;
} vigil_module_node;

typedef void (*vigil_module_visit_fn)(const vigil_module_node *node, void *user);

/* Inside a VIGIL_EV_MODULE_DATA callback: walks the module's values for the
 * object being scanned. */
vigil_status vigil_scanner_visit_module(vigil_scanner *s, size_t module, vigil_module_visit_fn fn,
                                        void *user);

/* Where console.log (the console module) writes: fn gets each message
 * (without newline). Without a callback messages are dropped. */
typedef void (*vigil_log_fn)(const char *msg, size_t len, void *user);
void vigil_scanner_set_log_callback(vigil_scanner *s, vigil_log_fn fn, void *user);

/* Parses data with module `name` (no rules needed) and walks its values.
 * VIGIL_E_ARG for an unknown module; any data, however malformed, is
 * VIGIL_OK (the values are then undefined). */
vigil_status vigil_module_dump(const char *name, const uint8_t *data, size_t len,
                               vigil_module_visit_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif /* VIGIL_H */
