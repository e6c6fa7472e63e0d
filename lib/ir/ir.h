/*
 * ir.h - the intermediate form every rule language lowers to (DESIGN.md §1).
 *
 * A program is a handful of flat arrays that refer to each other by index,
 * never by pointer, so that lib/db can write them to a file and map them back
 * unchanged. Text lives in one byte pool; an "str" field is a pool offset of a
 * NUL-terminated string (IR_NONE = absent).
 *
 *   rules[]    one per rule, in declaration order (= evaluation order)
 *   strings[]  one per YARA string ($a ...) of every rule, grouped by rule
 *   nodes[]    condition expressions; a rule's `cond` is its root node
 *   lists[]    uint32 runs referenced by n-ary nodes (string sets, rule sets,
 *              integer enumerations, function arguments)
 *   modules[]  the YARA modules the rules import (lib/modules), by name
 *
 * Producer: lib/yara (and later lib/clamav). Consumers: lib/match (strings),
 * lib/eval (nodes), lib/db (everything).
 */
#ifndef VIGIL_IR_H
#define VIGIL_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/vec.h"

#define IR_NONE UINT32_MAX

/* ---- rules ---- */
/* IR_RULE_EARLY: reported before ClamAV hash signatures (ClamAV body
 * signatures: clamscan finds them while it reads the object, then checks
 * the object's hashes, then its logical signatures).
 * IR_RULE_FTYPE: a row of the ClamAV file-type table (private; its meta "ftm"
 * is the row's .ftm line, lib/clamav/ftype.h).
 * IR_RULE_CLAM_BM: a ClamAV body signature libclamav's Boyer-Moore matcher
 * takes (plain hex, targets 0 and 1; lib/clamav/lower.c decides, the scan
 * orders its reports by it, lib/api/clamav_order.c).
 * IR_RULE_CLAM_CDB: a ClamAV container metadata signature (.cdb; meta "cdb"
 * is the line): never true by itself, lib/api/clamav_meta.c checks it on
 * the members of containers. */
enum {
    IR_RULE_PRIVATE = 1u << 0,
    IR_RULE_GLOBAL = 1u << 1,
    IR_RULE_EARLY = 1u << 2,
    IR_RULE_FTYPE = 1u << 3,
    IR_RULE_CLAM_BM = 1u << 4,
    IR_RULE_CLAM_CDB = 1u << 5,
};

typedef struct ir_rule {
    uint32_t name;          /* str */
    uint32_t ns;            /* index into namespaces[] */
    uint32_t flags;         /* IR_RULE_* */
    uint32_t tags_first;    /* into lists[]: each element a str (pool offset) */
    uint32_t tags_count;
    uint32_t metas_first;   /* into metas[] */
    uint32_t metas_count;
    uint32_t strings_first; /* into strings[] */
    uint32_t strings_count;
    uint32_t cond;          /* root node of the condition */
} ir_rule;

enum { IR_META_INT = 0, IR_META_STRING = 1, IR_META_BOOL = 2 };
typedef struct ir_meta {
    uint32_t name;  /* str */
    uint32_t type;  /* IR_META_* */
    int64_t i;      /* int value, or 0/1 */
    uint32_t s;     /* str (for strings; may contain NUL: use s_len) */
    uint32_t s_len;
} ir_meta;

/* ---- strings (patterns) ---- */
/* IR_PAT_CLAMAV: a ClamAV hex signature body or subsignature (lib/clamav
 * sig.h syntax, without its offset); IR_SF_NOCASE/WIDE/ASCII/FULLWORD carry
 * the ::iwaf modifiers. */
enum { IR_PAT_TEXT = 0, IR_PAT_HEX = 1, IR_PAT_REGEX = 2, IR_PAT_CLAMAV = 3 };

enum {
    IR_SF_NOCASE = 1u << 0,
    IR_SF_ASCII = 1u << 1,       /* set explicitly or by default (text without wide) */
    IR_SF_WIDE = 1u << 2,
    IR_SF_FULLWORD = 1u << 3,
    IR_SF_PRIVATE = 1u << 4,
    IR_SF_XOR = 1u << 5,         /* xor_min..xor_max */
    IR_SF_BASE64 = 1u << 6,
    IR_SF_BASE64WIDE = 1u << 7,
    IR_SF_DOTALL = 1u << 8,      /* regex /s */
    IR_SF_REGEX_NOCASE = 1u << 9,/* regex /i (kept apart from the nocase modifier for -D/printing) */
    IR_SF_ANONYMOUS = 1u << 10,  /* declared as "$ = ..." */
};

typedef struct ir_string {
    uint32_t id;        /* str, e.g. "$a" ("$" for anonymous) */
    uint32_t rule;      /* owning rule */
    uint32_t kind;      /* IR_PAT_* */
    uint32_t flags;     /* IR_SF_* */
    uint32_t src;       /* pool offset of the pattern body:
                         *   TEXT : the unescaped bytes
                         *   HEX  : source text between { and } (whitespace/comments kept)
                         *   REGEX: source text between the slashes, escapes as written */
    uint32_t src_len;
    uint8_t xor_min, xor_max;
    uint16_t pad;
    uint32_t alphabet;  /* pool offset of a 64-byte base64 alphabet, or IR_NONE for the standard one */
    uint32_t line;      /* source line, for diagnostics */
} ir_string;

/* ---- external variables ---- */
enum { IR_T_UNDEF = 0, IR_T_BOOL, IR_T_INT, IR_T_FLOAT, IR_T_STRING, IR_T_REGEX,
       IR_T_OBJECT /* a module structure, array or dictionary (MOD_* operands) */ };

typedef struct ir_external {
    uint32_t name;  /* str */
    uint32_t type;  /* IR_T_BOOL / INT / FLOAT / STRING */
    int64_t i;      /* BOOL, INT */
    double f;       /* FLOAT */
    uint32_t s;     /* STRING: str */
    uint32_t s_len;
} ir_external;

/* ---- condition nodes ----
 * Operands: a, b, c are node indices unless noted. `type` is the static result
 * type (IR_T_*), filled in by the front end. Values may be undefined at run
 * time (yara's UNDEFINED); see lib/eval for the propagation rules. */
typedef enum ir_op {
    /* constants */
    IR_OP_TRUE,        /* bool */
    IR_OP_FALSE,
    IR_OP_INT,         /* v.i */
    IR_OP_FLOAT,       /* v.f */
    IR_OP_STRING,      /* v.s: pool bytes (may hold NUL) */
    IR_OP_REGEX,       /* v.s: regex source; aux: IR_SF_REGEX_NOCASE|IR_SF_DOTALL */
    IR_OP_FILESIZE,
    IR_OP_ENTRYPOINT,  /* undefined unless the object is PE/ELF with an entry point */
    IR_OP_EXTERNAL,    /* a: index into externals[] */
    IR_OP_VAR,         /* a: loop variable slot */

    /* arithmetic (int or float; int/int stays int) */
    IR_OP_NEG, IR_OP_ADD, IR_OP_SUB, IR_OP_MUL, IR_OP_DIV, IR_OP_MOD,
    /* bitwise (int) */
    IR_OP_BNOT, IR_OP_BAND, IR_OP_BOR, IR_OP_BXOR, IR_OP_SHL, IR_OP_SHR,
    /* comparisons (numbers, or strings for EQ/NE/LT...) */
    IR_OP_LT, IR_OP_LE, IR_OP_GT, IR_OP_GE, IR_OP_EQ, IR_OP_NE,
    /* string operators: a, b strings; MATCHES: b is an IR_OP_REGEX node */
    IR_OP_CONTAINS, IR_OP_ICONTAINS, IR_OP_STARTSWITH, IR_OP_ISTARTSWITH,
    IR_OP_ENDSWITH, IR_OP_IENDSWITH, IR_OP_IEQUALS, IR_OP_MATCHES,
    /* boolean */
    IR_OP_NOT, IR_OP_AND, IR_OP_OR,
    IR_OP_DEFINED,     /* a: any expression; true when its value is defined */

    /* integer read from the object: aux = IR_READ_* bits; a = offset */
    IR_OP_READ_INT,

    /* strings of the current rule. For the following, a = string index into
     * strings[], or IR_NONE for `$` / `#` / `@` / `!` inside `for ... of`. */
    IR_OP_STR_FOUND,   /* $a */
    IR_OP_STR_COUNT,   /* #a ; b = IR_NONE, or range node (#a in (x..y)) */
    IR_OP_STR_OFFSET,  /* @a[b] ; b = index node (1-based) */
    IR_OP_STR_LENGTH,  /* !a[b] */
    IR_OP_STR_AT,      /* $a at b */
    IR_OP_STR_IN,      /* $a in b ; b = range node */

    IR_OP_RANGE,       /* a..b (only as operand of IN / COUNT / FOR_IN) */

    /* quantified expressions. aux = IR_Q_*; for IR_Q_EXPR/IR_Q_PERCENT,
     * c = the count expression node. */
    IR_OP_OF_STRINGS,  /* <quant> of <string set>; v.list = string indices */
    IR_OP_OF_RULES,    /* <quant> of <rule set>; v.list = rule indices */
    IR_OP_OF_BOOLS,    /* <quant> of (expr, expr, ...); v.list = node indices */
    IR_OP_FOR_OF,      /* for <quant> of <string set> : ( a ); v.list = string indices */
    IR_OP_FOR_IN,      /* for <quant> <var slot b> in <a: range, IR_OP_ENUM, or a module
                        * array (one variable: its elements) or dictionary (two,
                        * slots b and b+1: key and value)> : ( body v.body );
                        * pad = number of variables */
    IR_OP_ENUM,        /* (e1, e2, ...); v.list = node indices */

    IR_OP_RULE,        /* a: rule index (value of an earlier rule) */

    /* YARA module values (lib/modules/object.h). Object operands are nodes
     * of type IR_T_OBJECT; member indices refer to the declaration of the
     * operand's structure, checked again at run time. */
    IR_OP_MOD_ROOT,    /* a: index into modules[]: the module's structure */
    IR_OP_MOD_MEMBER,  /* a: structure node; aux: member index */
    IR_OP_MOD_INDEX,   /* a: array node; b: integer index node */
    IR_OP_MOD_KEY,     /* a: dictionary node; b: string key node */
    IR_OP_MOD_CALL,    /* a: structure node; aux: member index of the function
                        * (one overload); b: index into modules[] of its
                        * module; v.list = argument nodes; pad = 1 when the
                        * function has effects (console.log) */

    /* ClamAV signatures (lib/clamav lowers .ndb/.ldb into these). */
    IR_OP_CLAM_OFFSET, /* int: a position in the object by ClamAV's offset rules;
                        * aux = IR_CLOFF_*, a = section number (not a node),
                        * v.i = the signed addend; undefined when the object has
                        * no such position (not PE/ELF/Mach-O, no section a) */
    IR_OP_CLAM_TARGET, /* bool: target type aux's signatures apply in the
                        * current pass (0: always; lib/clamav/ftype.h) */
    IR_OP_CLAM_NSECTIONS, /* int: PE/ELF/Mach-O section count, else undefined */
    IR_OP_CLAM_PCRE,   /* int: how many matches libclamav counts for a PCRE
                        * subsignature (lib/eval/clamav_pcre.c): a = its
                        * trigger (truth node), b = IR_OP_RANGE of the start
                        * offsets its Offset: prefix allows, or IR_NONE for
                        * "*"; v.s = the pattern (pool bytes); aux = IR_CLPCRE_* */
    IR_OP_CLAM_BYTECMP, /* int 0/1: a byte-compare subsignature
                        * (lib/eval/clamav_bytecmp.c). a = the referenced
                        * subsignature: an IR_OP_STR_COUNT node (its string and
                        * offset range: the comparison starts from its last
                        * match) or any node (an earlier byte compare: from
                        * offset 0 when true); v.s = ir_clam_bcmp (pool bytes,
                        * IR_CLAM_BCMP_SIZE); aux = IR_CLBC_* */
    IR_OP_CLAM_DEPTH,  /* int: how many layers libclamav counts above the
                        * current pass (0 for a file itself, 1 for a view of it
                        * scanned as a file of its own, such as normalised HTML) */
    IR_OP_CLAM_IMGHASH, /* int 0/1: the object is an image whose fuzzy hash
                         * (lib/clamav/imghash.h) is v.i (its 8 bytes, the
                         * first most significant) */
    IR_OP_CLAM_CONTAINER, /* int: the CL_TYPE_* code (lib/clamav/filetypes.c)
                           * of the aux-th object enclosing this one (0: its
                           * container), CL_TYPE_ANY's past the file
                           * (cv_objinfo.up) */
    IR_OP_CLAM_VI,     /* int: how many matches of a VI subsignature libclamav
                        * counts: those of string nodes[a].a (a = its
                        * IR_OP_STR_COUNT node, no range) that start at one of
                        * the PE's version-information key offsets
                        * (lib/clamav/objinfo.h cv_objinfo_version_keys) */
    IR_OP__COUNT
} ir_op;

/* IR_OP_CLAM_OFFSET kinds */
enum {
    IR_CLOFF_EP,            /* entry point (file offset) + v.i */
    IR_CLOFF_SECTION,       /* start of section a + v.i */
    IR_CLOFF_SECTION_END,   /* end of section a (one past its last byte) + v.i */
    IR_CLOFF_LAST_SECTION,  /* start of the last section + v.i */
    IR_CLOFF_EOF,           /* filesize + v.i */
    IR_CLOFF_SECTION_BM_END, /* end of section a + v.i, but its start in
                              * objects of 256 KiB or more: libclamav's
                              * Boyer-Moore matcher of PE signatures checks
                              * only a window's first offset there
                              * (CLI_DEFAULT_BM_OFFMODE_FSIZE) */
};

/* libclamav's CLI_DEFAULT_BM_OFFMODE_FSIZE */
#define IR_CLAM_BM_OFFMODE_SIZE 262144u

/* IR_OP_CLAM_PCRE aux: libclamav's flags g r e (matcher) and i s m x A E U
 * (PCRE2 compile options). */
enum {
    IR_CLPCRE_GLOBAL = 1u << 0,
    IR_CLPCRE_ROLLING = 1u << 1,
    IR_CLPCRE_ENCOMPASS = 1u << 2,
    IR_CLPCRE_CASELESS = 1u << 3,
    IR_CLPCRE_DOTALL = 1u << 4,
    IR_CLPCRE_MULTILINE = 1u << 5,
    IR_CLPCRE_EXTENDED = 1u << 6,
    IR_CLPCRE_ANCHORED = 1u << 7,
    IR_CLPCRE_DOLLAR_ENDONLY = 1u << 8,
    IR_CLPCRE_UNGREEDY = 1u << 9,
    IR_CLPCRE_ALL = (1u << 10) - 1,
};

/* IR_OP_CLAM_BYTECMP aux: bits 0-1 the number format (IR_CLBC_HEX...),
 * then endianness as written (neither, one, never both), exactness, the
 * comparison count (1 or 2) and each comparison (IR_CLBC_LT...); then the
 * signature's target (its libclamav matcher root) and IR_CLBC_DORMANT: the
 * comparison never runs, as in libclamav while that root holds no pattern
 * of several parts (lib/clamav/lower.c, clam_split_roots below). */
enum {
    IR_CLBC_HEX = 0, IR_CLBC_DEC = 1, IR_CLBC_AUTO = 2, IR_CLBC_BIN = 3, /* bits 0-1 */
    IR_CLBC_LE = 1u << 2,
    IR_CLBC_BE = 1u << 3,
    IR_CLBC_EXACT = 1u << 4,
    IR_CLBC_NCMP_SHIFT = 5,  /* bits 5-6: 1 or 2 */
    IR_CLBC_CMP0_SHIFT = 8,  /* bits 8-9: IR_CLBC_LT / GT / EQ */
    IR_CLBC_CMP1_SHIFT = 10, /* bits 10-11 */
    IR_CLBC_LT = 0, IR_CLBC_GT = 1, IR_CLBC_EQ = 2,
    IR_CLBC_DORMANT = 1u << 12,
    IR_CLBC_TARGET_SHIFT = 13, /* bits 13-16: ClamAV target 0..14 */
    IR_CLBC_ALL = (1u << 17) - 1,
};

/* The numbers of a byte compare, stored little-endian in the pool (so a
 * database carries no struct padding): offset from the reference match,
 * the two comparison values, the byte length. */
#define IR_CLAM_BCMP_SIZE 28u
typedef struct ir_clam_bcmp {
    int64_t offset;
    int64_t value[2];
    uint32_t nbytes;
} ir_clam_bcmp;

static inline void ir_clam_bcmp_pack(const ir_clam_bcmp *b, uint8_t out[IR_CLAM_BCMP_SIZE])
{
    uint64_t v[3] = {(uint64_t)b->offset, (uint64_t)b->value[0], (uint64_t)b->value[1]};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 8; i++)
            out[8 * k + i] = (uint8_t)(v[k] >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[24 + i] = (uint8_t)(b->nbytes >> (8 * i));
}

static inline void ir_clam_bcmp_unpack(const uint8_t in[IR_CLAM_BCMP_SIZE], ir_clam_bcmp *b)
{
    uint64_t v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)
        for (int i = 7; i >= 0; i--)
            v[k] = v[k] << 8 | in[8 * k + i];
    b->offset = (int64_t)v[0];
    b->value[0] = (int64_t)v[1];
    b->value[1] = (int64_t)v[2];
    b->nbytes = 0;
    for (int i = 3; i >= 0; i--)
        b->nbytes = b->nbytes << 8 | in[24 + i];
}

/* The operators that read the current rule's string matches: $a #a @a !a,
 * `at` and `in` (contiguous in ir_op). */
static inline bool ir_op_reads_string(unsigned op)
{
    return op >= IR_OP_STR_FOUND && op <= IR_OP_STR_IN;
}

/* IR_OP_READ_INT aux bits */
enum {
    IR_READ_W1 = 1, IR_READ_W2 = 2, IR_READ_W4 = 4, /* width in bytes, low 3 bits */
    IR_READ_SIGNED = 1u << 3,
    IR_READ_BE = 1u << 4,
};

/* quantifiers */
enum { IR_Q_ALL = 0, IR_Q_ANY = 1, IR_Q_NONE = 2, IR_Q_EXPR = 3, IR_Q_PERCENT = 4 };

typedef struct ir_list {
    uint32_t first; /* into lists[] */
    uint32_t count;
} ir_list;

typedef struct ir_node {
    uint16_t op;    /* ir_op */
    uint8_t type;   /* IR_T_* result type */
    uint8_t pad;
    uint32_t aux;
    uint32_t a, b, c;
    union {
        int64_t i;
        double f;
        struct { uint32_t off, len; } s; /* pool bytes */
        ir_list list;
        uint32_t body;                    /* FOR_IN body node */
    } v;
} ir_node;

typedef struct ir_program {
    VEC(ir_rule) rules;
    VEC(ir_meta) metas;
    VEC(ir_string) strings;
    VEC(ir_node) nodes;
    VEC(uint32_t) lists;
    VEC(uint32_t) namespaces; /* str per namespace */
    VEC(ir_external) externals;
    VEC(uint32_t) modules;    /* str per imported module */
    VEC(char) pool;           /* offset 0 holds "" */
    uint32_t max_loop_vars;   /* loop variable slots the evaluator must provide */
    uint32_t clam_split_roots; /* compile time only: bit t set once a ClamAV
                                * pattern of several parts ("*", {n-m}) of
                                * target t was lowered (lib/clamav/lower.c) */
    uint32_t clam_maxpatlen[16]; /* compile time: per ClamAV target, the
                                  * longest pattern libclamav's matcher root
                                  * holds (its maxpatlen; lib/clamav/lower.c) */
} ir_program;

void ir_init(ir_program *p);
void ir_free(ir_program *p);

/* Pool helpers: return IR_NONE when out of memory. Strings are NUL-terminated
 * in the pool even when they hold NULs themselves. */
uint32_t ir_pool_add(ir_program *p, const void *bytes, size_t len);
uint32_t ir_pool_str(ir_program *p, const char *s);
static inline const char *ir_str(const ir_program *p, uint32_t off)
{
    return off == IR_NONE ? NULL : p->pool.items + off;
}

/* Appends a node / list run; return IR_NONE when out of memory. */
uint32_t ir_add_node(ir_program *p, const ir_node *n);
uint32_t ir_add_list(ir_program *p, const uint32_t *items, size_t n);

const char *ir_op_name(ir_op op);

/* The k-th operand node of n (IR_NONE for an absent optional one); false
 * past the last. Only node operands: a string, rule, module slot or loop
 * slot an operator names is not one, nor are the items of string and rule
 * sets. List items past the end of p->lists are not reported. The one
 * definition of a condition tree's shape, for every walk over it. */
bool ir_child_at(const ir_program *p, const ir_node *n, uint32_t k, uint32_t *out);

#endif
