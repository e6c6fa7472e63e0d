/*
 * db_format.h - layout of a compiled database file (DESIGN.md §2). The file
 * is the ir_program's arrays written as they are in memory, each 8-byte
 * aligned, behind a header with a section table, so loading is a map plus
 * validation. The byte-order mark and struct sizes in the header make a file
 * from another architecture or vigil version fail cleanly.
 */
#ifndef VIGIL_DB_FORMAT_H
#define VIGIL_DB_FORMAT_H

#include <stdint.h>

#define DB_MAGIC "VIGILDB\x1a"
/* 2: adds DB_SEC_SOURCES. 3: adds DB_SEC_MODULES and module condition
 * nodes; presence-only matching; FOR_IN variable counts. 4: ClamAV
 * signatures (DB_SEC_CLAMAV, IR_PAT_CLAMAV strings, IR_OP_CLAM_* nodes).
 * 5: ClamAV PCRE and byte-compare subsignatures (IR_OP_CLAM_PCRE,
 * IR_OP_CLAM_BYTECMP). 6: libclamav's file-type rows (IR_RULE_FTYPE).
 * 7: Container/Intermediates gates (IR_OP_CLAM_DEPTH). 8: the ClamAV
 * section's DB_CLAMAV_TEXT_RELOFF flag. 9: fuzzy_img subsignatures
 * (IR_OP_CLAM_IMGHASH). 10: Container gates compare the container's type
 * (IR_OP_CLAM_CONTAINER). 11: VI subsignatures (IR_OP_CLAM_VI). 12: dormant
 * byte compares of targets without split patterns (IR_CLBC_DORMANT). 13:
 * Boyer-Moore SEx windows (IR_CLOFF_SECTION_BM_END). 14: HandlerType
 * signatures lowered with their condition and meta "handlertype". 15: the
 * ClamAV section's maxpatlen per target. 16: IR_RULE_CLAM_BM. 17: .cdb lines
 * as IR_RULE_CLAM_CDB rules. */
#define DB_FORMAT_VERSION 17u
#define DB_BOM 0x01020304u

enum db_section_id {
    DB_SEC_RULES,
    DB_SEC_METAS,
    DB_SEC_STRINGS,
    DB_SEC_NODES,
    DB_SEC_LISTS,
    DB_SEC_NAMESPACES,
    DB_SEC_EXTERNALS,
    DB_SEC_POOL,
    DB_SEC_MATCHER,
    DB_SEC_SOURCES,
    DB_SEC_MODULES, /* str per imported module (ir_program.modules) */
    DB_SEC_CLAMAV,  /* db_clamav_head, then the hash tables (lib/clamav/hashdb.h) */
    DB_SEC__COUNT
};

typedef struct db_section {
    uint64_t offset; /* from the start of the file, 8-aligned */
    uint64_t length; /* bytes */
    uint32_t elem_size;
    uint32_t pad;
} db_section;

/* One file the compiler read (a top-level rule file or an include), so a
 * cache can tell whether the database is still what its sources compile to.
 * `path` is a pool offset of the path as it was opened (relative paths are
 * relative to the compiler's working directory). */
#define DB_DIGEST_LEN 32
typedef struct db_source {
    uint32_t path;
    uint32_t pad;
    uint8_t sha256[DB_DIGEST_LEN];
} db_source;

/* Start of DB_SEC_CLAMAV (empty section: no ClamAV signatures). */
typedef struct db_clamav_head {
    uint64_t signatures; /* ClamAV signatures of every kind */
    uint32_t flags;      /* DB_CLAMAV_* */
    uint32_t pad;
    uint64_t hash_len;   /* bytes of hash tables that follow (0: none) */
    uint32_t maxpatlen[16]; /* per target: libclamav's matcher root maxpatlen,
                             * the overlap of its 128 KiB read buffers */
} db_clamav_head;
enum { DB_CLAMAV_RULES = 1u << 0, DB_CLAMAV_TEXT_RELOFF = 1u << 1 };

typedef struct db_header {
    char magic[8];
    uint32_t format_version;
    uint32_t bom;
    char vigil_version[16];
    uint64_t file_size;
    uint32_t crc32;          /* CRC-32C (lib/util/crc32c.h) of bytes [sizeof(db_header),
                                file_size), continued over this header with crc32 = 0 */
    uint32_t max_loop_vars;
    db_section sections[DB_SEC__COUNT];
} db_header;

#endif
