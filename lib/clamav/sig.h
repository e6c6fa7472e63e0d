/*
 * sig.h - parsed forms of ClamAV signature lines (the reading side of the
 * ClamAV front end). Every parser takes one line without its newline, fills
 * a structure whose variable parts live in a caller-owned arena, and returns
 * CV_OK, CV_SKIP (clamscan loads the database but ignores this line: unknown
 * target, unknown TDB attribute...) or CV_BAD (clamscan refuses the whole
 * database). err->msg says why for SKIP and BAD; the caller prefixes
 * "file:line: ". Acceptance mirrors libclamav 1.4 (readdb.c, matcher-ac.c,
 * matcher.c cli_caloff, matcher-byte-comp.c); lib/clamav/README.md lists
 * the cases checked against Debian's clamscan 1.4.6.
 */
#ifndef VIGIL_CLAMAV_SIG_H
#define VIGIL_CLAMAV_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- common ---------------------------------------------------------- */

typedef enum cv_status { CV_OK = 0, CV_SKIP = 1, CV_BAD = 2 } cv_status;

typedef struct cv_error {
    char msg[200];
} cv_error;

/* Bump allocator: everything a parser returns lives here, freed at once. */
typedef struct cv_arena {
    struct cv_chunk *head;
    size_t total;
    size_t cap; /* hard cap on total bytes (0 = default 256 MiB) */
} cv_arena;

void cv_arena_init(cv_arena *a);
void cv_arena_free(cv_arena *a);
void *cv_alloc(cv_arena *a, size_t n); /* zeroed; NULL on overflow/cap/OOM */
char *cv_strndup(cv_arena *a, const char *s, size_t n);

/* A string view into the arena (NUL-terminated as well). */
typedef struct cv_str {
    const char *p;
    size_t len;
} cv_str;

/* Functionality levels as written; has_* false when the field is absent. */
typedef struct cv_flevel {
    bool has_min, has_max;
    uint32_t min, max;
} cv_flevel;

/* ---- hash signatures (.hdb .hsb .hdu .hsu .mdb .msb .mdu .msu .imp .fp .sfp) */

typedef enum cv_hash_kind {
    CV_HASH_FILE,    /* .hdb .hsb .hdu .hsu .fp .sfp: Hash:Size:Name[:MinFL[:MaxFL]] */
    CV_HASH_SECTION, /* .mdb .msb .mdu .msu: Size:Hash:Name[:MinFL[:MaxFL]] */
    CV_HASH_IMPORT,  /* .imp: Hash:Size:Name[:MinFL[:MaxFL]] */
} cv_hash_kind;

typedef enum cv_hash_algo { CV_MD5 = 16, CV_SHA1 = 20, CV_SHA256 = 32 } cv_hash_algo;

typedef struct cv_hashsig {
    cv_hash_kind kind;
    cv_hash_algo algo; /* by digest length */
    uint8_t digest[32];
    bool any_size; /* size field "*" (needs MinFL >= 73) */
    uint32_t size;
    cv_str name;
    cv_flevel flevel;
} cv_hashsig;

cv_status cv_parse_hash(const char *line, size_t len, cv_hash_kind kind, cv_arena *a,
                        cv_hashsig *out, cv_error *err);

/* ---- offsets (.ndb field 3, .ldb subsignature offsets) ----------------- */

typedef enum cv_off_kind {
    CV_OFF_ANY,       /* "*" */
    CV_OFF_ABSOLUTE,  /* n */
    CV_OFF_EOF_MINUS, /* EOF-n */
    CV_OFF_EP_PLUS,   /* EP+n */
    CV_OFF_EP_MINUS,  /* EP-n */
    CV_OFF_SX_PLUS,   /* Sx+n */
    CV_OFF_SE,        /* SEx: anywhere inside section x */
    CV_OFF_SL_PLUS,   /* SL+n */
    CV_OFF_VI,        /* VI: PE version information */
    CV_OFF_MACRO,     /* $n$: macro group n (< 32) */
} cv_off_kind;

typedef struct cv_offset {
    cv_off_kind kind;
    uint32_t value;   /* n; values wrap to 32 bits as libclamav's atoi does */
    uint32_t section; /* x for Sx+n and SEx; macro group for $n$ */
    uint32_t shift;   /* ",MaxShift" (0 when absent) */
    bool has_shift;   /* written with a ",": libclamav's Boyer-Moore matcher
                       * then leaves a target-1 signature to Aho-Corasick */
} cv_offset;

/* target: the signature's target type; EP, S and VI offsets need 1, 6 or 9. */
bool cv_parse_offset(const char *s, size_t len, uint32_t target, cv_offset *out, cv_error *err);

/* ---- hex body patterns ---------------------------------------------- */

typedef enum cv_hx_kind {
    CV_HX_BYTE,     /* value/mask: ff exact, f0 "a?", 0f "?a", 00 "??" */
    CV_HX_SKIP,     /* {n} with 0<n<128, which libclamav inlines as n "??" */
    CV_HX_ALT,      /* (..|..) or !(..|..) */
    CV_HX_BOUNDARY, /* (B) (L) (W) inside a part (not at its ends) */
} cv_hx_kind;

typedef enum cv_alt_kind {
    CV_ALT_BYTE,    /* single-byte alternatives */
    CV_ALT_FIXED,   /* equal-length literal alternatives */
    CV_ALT_GENERIC, /* different lengths, wildcards or nesting (never negated) */
} cv_alt_kind;

typedef struct cv_hx_seq {
    struct cv_hx_node *v;
    uint32_t n;
} cv_hx_seq;

typedef struct cv_hx_node {
    uint8_t kind; /* cv_hx_kind */
    uint8_t value, mask;
    uint8_t boundary; /* 'B', 'L' or 'W' */
    bool negated;
    uint8_t alt_kind; /* cv_alt_kind */
    uint32_t skip;
    uint32_t nalts; /* generic alternatives are expanded: (aa(bb|cc)|dd) = aabb, aacc, dd */
    cv_hx_seq *alts;
} cv_hx_node;

typedef struct cv_hx_edge {
    uint8_t kind; /* 0 none, or 'B' 'L' 'W' */
    bool negated;
} cv_hx_edge;

typedef struct cv_hx_anchor { /* [x-y] "byte aa at x..y bytes before/after the part" */
    bool present;
    uint8_t value, mask;
    uint32_t min, max;
} cv_hx_anchor;

typedef struct cv_hx_part {
    cv_hx_seq seq;
    cv_hx_edge left, right;
    cv_hx_anchor before, after;
} cv_hx_part;

typedef struct cv_hx_gap { /* between part i and i+1: "*" or {n} {-n} {n-} {n-m} */
    uint32_t min, max;
    bool unbounded; /* "*" and {n-} */
} cv_hx_gap;

typedef struct cv_hexsig {
    cv_str text; /* the pattern as written: a view into the parsed line */
    uint32_t nparts;
    cv_hx_part *parts;
    cv_hx_gap *gaps; /* nparts - 1 */
} cv_hexsig;

/* Options that change what libclamav accepts (ldb ::i ::w ::f ::a). */
enum { CV_OPT_NOCASE = 1, CV_OPT_WIDE = 2, CV_OPT_FULLWORD = 4, CV_OPT_ASCII = 8 };

/* Hex signature as in .ndb/.ldb. bm_path: libclamav would hand this pattern
 * to its Boyer-Moore matcher (plain literal in a plain .ndb line), which
 * needs at least 3 bytes. */
bool cv_parse_hex(const char *s, size_t len, unsigned opts, bool bm_path, cv_arena *a,
                  cv_hexsig *out, cv_error *err);

/* Targets 0, 1, 4 and 7 go through libclamav's prefilter, which refuses a
 * part whose second element is a special other than a single-byte
 * alternative: a (B)(L)(W) boundary, a multi-byte or generic alternative
 * (`41(B)4243`, `41(4a4a|4b4b)4243`; `41(4a|4b)4243` and `4142(B)4344` are
 * fine). Checked with clamscan 1.4.6 for .ndb and .ldb. */
bool cv_hex_prefilter_ok(uint32_t target, const cv_hexsig *h, cv_error *err);

/* ---- .ndb / .ndu ---------------------------------------------------- */

#define CV_MAX_TARGET 14 /* targets 0..14; larger ones are skipped by clamscan */

typedef struct cv_ndb {
    cv_str name;
    uint32_t target;
    cv_offset offset;
    cv_hexsig hex;
    cv_flevel flevel;
} cv_ndb;

cv_status cv_parse_ndb(const char *line, size_t len, cv_arena *a, cv_ndb *out, cv_error *err);

/* ---- .ldb / .ldu ---------------------------------------------------- */

typedef struct cv_range {
    bool present;
    uint32_t min, max;
} cv_range;

typedef struct cv_tdb {
    uint32_t target;
    cv_range engine, filesize, entrypoint, nsections;
    bool has_container, has_handlertype;
    uint16_t container, handlertype; /* index into cv_filetype_names */
    uint32_t nintermediates;         /* Intermediates:T1>T2>... */
    uint16_t intermediates[16];
    cv_str icongroup1, icongroup2; /* .p == NULL when absent */
} cv_tdb;

typedef enum cv_lx_kind { CV_LX_SUB, CV_LX_AND, CV_LX_OR } cv_lx_kind;
typedef enum cv_lx_cmp { CV_LX_NONE, CV_LX_EQ, CV_LX_GT, CV_LX_LT } cv_lx_cmp;

typedef struct cv_lexpr {
    uint8_t kind; /* cv_lx_kind */
    uint8_t cmp;  /* count modifier on this node: =X >X <X */
    bool has_distinct;
    uint32_t index;    /* CV_LX_SUB */
    uint32_t count;    /* X */
    uint32_t distinct; /* ,Y: at least Y different subsignatures */
    uint32_t nkids;
    struct cv_lexpr **kids;
} cv_lexpr;

/* The expression's truth for the given subsignature counts (counts[i] for
 * subsignature i < ncounts, 0 beyond), with libclamav's rules. */
bool cv_lexpr_eval(const cv_lexpr *e, const uint32_t *counts, uint32_t ncounts);

/* Logical expression; *max_index is the highest subsignature index used. */
bool cv_parse_lexpr(const char *s, size_t len, cv_arena *a, cv_lexpr **out, uint32_t *max_index,
                    cv_error *err);

typedef enum cv_sub_kind {
    CV_SUB_HEX,
    CV_SUB_MACRO,
    CV_SUB_BYTECMP,
    CV_SUB_PCRE,
    CV_SUB_FUZZY_IMG, /* fuzzy_img#hash[#0]: an image's perceptual hash */
} cv_sub_kind;

typedef struct cv_bytecmp {
    uint32_t ref;   /* subsignature whose match the offset is relative to */
    int64_t offset; /* >>n positive, <<n negative */
    char base;      /* 'h' hex text, 'd' decimal text, 'a' auto, 'i' raw binary */
    bool little_endian, exact;
    bool big_endian; /* 'b' written, or implied by 'd'; neither: h/a/i never match */
    uint32_t nbytes;
    uint32_t ncmp;
    char cmp[2]; /* '<' '>' '=' */
    int64_t value[2];
} cv_bytecmp;

enum {
    CV_PCRE_GLOBAL = 1 << 0,     /* g */
    CV_PCRE_ROLLING = 1 << 1,    /* r */
    CV_PCRE_ENCOMPASS = 1 << 2,  /* e */
    CV_PCRE_CASELESS = 1 << 3,   /* i */
    CV_PCRE_DOTALL = 1 << 4,     /* s */
    CV_PCRE_MULTILINE = 1 << 5,  /* m */
    CV_PCRE_EXTENDED = 1 << 6,   /* x */
    CV_PCRE_ANCHORED = 1 << 7,   /* A */
    CV_PCRE_DOLLAR_END = 1 << 8, /* E (PCRE's DOLLAR_ENDONLY; libclamav refuses D) */
    CV_PCRE_UNGREEDY = 1 << 9,   /* U */
};

typedef struct cv_pcre {
    cv_lexpr *trigger;
    uint32_t trigger_max;
    cv_str pattern; /* between the first and last '/'; must compile with PCRE2 (checked here) */
    uint32_t flags;
} cv_pcre;

typedef struct cv_subsig {
    cv_sub_kind kind;
    bool has_offset;
    cv_offset offset;
    unsigned opts; /* CV_OPT_* from ::iwfa */
    cv_hexsig hex;
    uint32_t macro_min, macro_max, macro_group; /* ${min-max}group$ */
    cv_bytecmp bcmp;
    cv_pcre pcre;
    uint64_t fuzzy_img; /* the hash's 8 bytes, first byte most significant */
} cv_subsig;

#define CV_MAX_SUBSIGS 64

typedef struct cv_ldb {
    cv_str name;
    cv_tdb tdb;
    cv_lexpr *expr;
    uint32_t nsubs;
    cv_subsig subs[CV_MAX_SUBSIGS];
} cv_ldb;

cv_status cv_parse_ldb(const char *line, size_t len, cv_arena *a, cv_ldb *out, cv_error *err);

/* ---- lists: .ign .ign2, .cdb, .ftm ----------------------------------- */

typedef struct cv_ign {
    cv_str name;
    bool has_md5; /* Name:MD5 of the whole signature line */
    uint8_t md5[16];
    bool legacy; /* old .ign form db:line:Name */
} cv_ign;

cv_status cv_parse_ign(const char *line, size_t len, cv_arena *a, cv_ign *out, cv_error *err);

typedef struct cv_cdb {
    cv_str name;
    bool any_container;
    uint16_t container;
    cv_range csize, fsizec, fsizer, filepos; /* !present means "*" */
    cv_str filename_re;                      /* .p NULL for "*": POSIX ERE, compiled by the lead */
    int encrypted;                           /* 0, 1, or 2 for "*" */
    cv_str res1, res2;
    cv_flevel flevel;
} cv_cdb;

cv_status cv_parse_cdb(const char *line, size_t len, cv_arena *a, cv_cdb *out, cv_error *err);

typedef struct cv_ftm {
    uint32_t magictype; /* 0 memcmp, 1 body pattern, 4 partition memcmp */
    cv_str offset_text;
    cv_offset offset;
    cv_hexsig hex;  /* magictype 1 */
    uint8_t *magic; /* magictype 0/4 */
    uint32_t magic_len;
    cv_str name;
    uint16_t required_type, detected_type;
    cv_flevel flevel;
} cv_ftm;

cv_status cv_parse_ftm(const char *line, size_t len, cv_arena *a, cv_ftm *out, cv_error *err);

/* File type names (CL_TYPE_*) libclamav knows; index is vigil's code. */
extern const char *const cv_filetype_names[];
extern const size_t cv_filetype_count;
bool cv_filetype_lookup(const char *s, size_t len, uint16_t *code);

/* ---- names ----------------------------------------------------------- */

/* clamscan's detection name: strips a " (Clam)" suffix and adds
 * ".UNOFFICIAL" unless the signature came from a signed container. */
bool cv_detection_name(const char *name, size_t len, bool official, char *buf, size_t bufsz);

#endif
