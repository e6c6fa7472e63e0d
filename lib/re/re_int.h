/*
 * re_int.h - lib/re's private types: the syntax tree both parsers build, the
 * instruction program the emitter makes from it, and the thread machine that
 * runs it. They mirror yara 4.2's structures (node kinds, split/repeat
 * instructions, forward and backward code, per-node code references) because
 * yara's match results depend on exactly those shapes; see re.h.
 */
#ifndef VIGIL_RE_INT_H
#define VIGIL_RE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "re.h"
#include "util/vec.h"

#define RX_MAX_RANGE 32767      /* yara's RE_MAX_RANGE: bound of {n,m} in a regex */
#define RX_UNBOUNDED 0x7fffffff /* end of an open hex jump [n-] / [-] */
#define RX_SCAN_LIMIT 4096      /* yara's YR_RE_SCAN_LIMIT */
#define RX_MAX_FIBERS 1024      /* yara's RE_MAX_FIBERS */
#define RX_MAX_SPLIT_ID 128     /* yara's RE_MAX_SPLIT_ID */
#define RX_CHAIN_THRESHOLD 200  /* yara's YR_STRING_CHAINING_THRESHOLD */
#define RX_MAX_PIECES 256       /* chained pieces per pattern (our own bound) */
#define RX_MAX_DEPTH 200        /* parser nesting limit (our own, keeps recursion bounded) */
#define RX_MAX_REPEAT_NEST 32   /* nested {n,m} counters a thread can hold */
#define RX_MAX_INSTS 32768      /* program size cap, close to yara's int16 jump reach */
#define RX_MAX_NODES 100000
#define RX_YR_ATOM 4            /* yara's YR_MAX_ATOM_LENGTH */
#define RX_MAX_ATOMS 4096       /* after wildcard expansion; beyond, verify everywhere */
#define RX_WINDOW_MAX 16        /* masked prefilter windows: longer ones cost Vectorscan
                                 * compile time (0.2 s more on 1,500 hex strings) for
                                 * no measurable scan speed */

typedef enum rx_kind {
    RX_LIT, RX_MASKED, RX_ANY, RX_CLASS, RX_WORD, RX_NWORD, RX_SPACE, RX_NSPACE,
    RX_DIGIT, RX_NDIGIT, RX_WB, RX_NWB, RX_BOL, RX_EOL, RX_EMPTY,
    RX_CONCAT, RX_ALT, RX_STAR, RX_PLUS, RX_RANGE, RX_RANGE_ANY,
    RX_ASSERT /* re_build.h's zero-width tests (ClamAV); value = re_assert code,
               * mask = negated, cls = class, start/end = distances */
} rx_kind;

typedef struct rx_class {
    uint8_t bits[32];
    bool negated;
} rx_class;

typedef struct rx_node {
    uint8_t kind;
    uint8_t value, mask; /* literals; ANY has mask 0 (atoms see it as a wildcard) */
    bool greedy;
    int32_t start, end;  /* RANGE, RANGE_ANY */
    int32_t cls;         /* CLASS: index into classes */
    int32_t first, last, next, prev; /* children and siblings, -1 = none */
    int32_t fwd, bwd;    /* code references set by the emitter (yara's *_code_ref) */
} rx_node;

typedef struct rx_ast {
    VEC(rx_node) nodes;
    VEC(rx_class) classes;
    int32_t root;
    bool greedy; /* a greedy quantifier was used (yara's RE_FLAGS_GREEDY) */
    bool ungreedy; /* a lazy quantifier was used (yara's RE_FLAGS_UNGREEDY) */
    bool hex;
} rx_ast;

typedef enum rx_op {
    OP_LIT, OP_MASKED, OP_ANY, OP_CLASS, OP_WORD, OP_NWORD, OP_SPACE, OP_NSPACE,
    OP_DIGIT, OP_NDIGIT, OP_WB, OP_NWB, OP_BOL, OP_EOL,
    OP_SPLIT_A, OP_SPLIT_B, OP_JMP,
    OP_REP_START_G, OP_REP_START_U, OP_REP_END_G, OP_REP_END_U,
    OP_REP_ANY_G, OP_REP_ANY_U, OP_MATCH,
    OP_ASSERT /* a = re_assert code, b = negated, x = class, min/max = distances */
} rx_op;

typedef struct rx_inst {
    uint8_t op;
    uint8_t a, b;       /* LIT value; MASKED value, mask; SPLIT id in a */
    int32_t x;          /* jump target (absolute), CLASS index */
    uint16_t min, max;  /* repeats */
} rx_inst;

typedef struct rx_code {
    VEC(rx_inst) insts;
    VEC(rx_class) classes;
    int32_t fwd_start, bwd_start;
    int depth; /* deepest nesting of repeat counters */
} rx_code;

/* The test of OP_ASSERT (re_build.c) at boundary p (between data[p-1] and
 * data[p]), looking at the whole of data[0..len). */
bool rx_assert_ok(const rx_class *classes, const rx_inst *in, const uint8_t *data, size_t len,
                  size_t p);

/* Compiles a tree made by rx_parse_* or re_build.c (the tree is the
 * caller's; compiling rewrites it). hex: yara hex semantics (dot-all);
 * clam: a ClamAV pattern - no RX_SCAN_LIMIT for any piece (libclamav has no
 * such cap), and RE_F_ANCHOR's literal runs also for chain pieces (only
 * yara's chains depend on the order of hits within a piece). */
vigil_status rx_compile_ast(rx_ast *ast, unsigned flags, bool hex, bool clam, re_prog **out,
                            re_error *err);

/* Parsers: fill ast (initialised by the caller) or return VIGIL_E_SYNTAX. */
vigil_status rx_parse_regex(const char *src, size_t len, rx_ast *ast, re_error *err);
vigil_status rx_parse_hex(const char *src, size_t len, rx_ast *ast, re_error *err);
void rx_ast_init(rx_ast *ast);
void rx_ast_free(rx_ast *ast);
int32_t rx_new_node(rx_ast *ast, rx_kind kind);
void rx_append(rx_ast *ast, int32_t parent, int32_t child);

/* Length bounds of a subtree in characters (max UINT32_MAX when unbounded). */
void rx_bounds(const rx_ast *a, int32_t n, uint32_t *mn, uint32_t *mx, int depth);

/* A fixed segment (re_fixed.c): a run of a piece's top-level nodes of fixed
 * width, as one byte test per data byte ((d & mask) == val), widened for
 * wide programs. Every match of the piece holds the whole segment at a fixed
 * distance from any node inside it, so the test is a necessary condition
 * wherever an atom of that segment was found; for an `exact` piece (one
 * segment whose tests are exactly the piece) it is the whole verification. */
typedef struct rx_seg {
    uint8_t *val, *mask;
    uint32_t len;
} rx_seg;

typedef struct rx_fixed {
    rx_seg *segs;
    size_t nsegs;
    bool exact; /* segs[0] is the whole piece, test for test */
} rx_fixed;

/* Splits the piece rooted at `root` into segments; node_seg/node_off (one
 * slot per tree node, filled with -1/0 by the caller) receive, for each
 * top-level node, its segment and byte offset. flags are RE_F_*. */
vigil_status rx_fixed_build(const rx_ast *ast, int32_t root, unsigned flags, bool hex,
                            bool nolimit, rx_fixed *fx, int32_t *node_seg, uint32_t *node_off);
void rx_fixed_free(rx_fixed *fx);
/* True when data[start .. start+s->len) passes every test of s. */
bool rx_seg_match(const rx_seg *s, const uint8_t *data, size_t len, size_t start);
/* The best literal run of s (bytes whose test is exact, or caseless letters
 * when nocase) of at most RE_ATOM_MAX bytes: offset and length, false if
 * there is none. *score rates it (higher is rarer). */
bool rx_seg_anchor(const rx_seg *s, bool nocase, uint32_t *off, uint32_t *len, int *score);
/* The best window of s of at most RX_WINDOW_MAX bytes that starts and ends
 * with a literal byte, its other bytes tested by their masks (a prefilter
 * for Vectorscan as a regex); false if there is none. */
bool rx_seg_window(const rx_seg *s, bool nocase, uint32_t *off, uint32_t *len, int *score);
/* The same rating for an atom's bytes. */
int rx_anchor_score(const uint8_t *b, size_t n);

/* A filter (re_filter.c): byte tests every match of a piece passes at some
 * offset within a window around the verification point P, one probe per
 * run of fixed-width tests between variable-width parts. Checking them
 * rules out, in a few memchr calls, most of the atom hits the thread
 * machine would spend thousands of cycles on to find no match; a hit that
 * passes is verified as before, so the matches are unchanged. */
#define RX_FAR ((int64_t)1 << 40) /* an unbounded window edge */
typedef struct rx_probe {
    uint8_t *sets;  /* len 256-bit sets: byte i of the run must be in set i */
    uint32_t len;
    uint32_t key;   /* the position with the fewest bytes, tested first */
    int key_byte;   /* its only byte (found with memchr), or -1 */
    bool back;      /* before P: read by the backward run */
    int64_t lo, hi; /* the run's first byte is at P+lo .. P+hi (±RX_FAR: open) */
} rx_probe;

typedef struct rx_filter {
    int32_t node; /* the top-level node starting at P; -1 for the piece's start */
    rx_probe *probes;
    uint32_t nprobes;
} rx_filter;

/* Builds the filter of the piece rooted at `root` for verification points
 * at the start of `node` (a top-level node of the piece, or -1 for the
 * piece's start); no probes when the node is not top-level. flags: RE_F_*. */
vigil_status rx_filter_build(const rx_ast *ast, int32_t root, int32_t node, unsigned flags,
                             bool hex, rx_filter *f);
void rx_filter_free(rx_filter *f);
/* False when no match of the piece can hold P = data[pos]: neither the
 * forward run from P nor the backward run ending there could succeed.
 * nolimit: the piece has no RX_SCAN_LIMIT (yara's fast hex path). */
bool rx_filter_pass(const rx_filter *f, const uint8_t *data, size_t len, size_t pos,
                    bool nolimit);
/* rx_exec's test of one consuming instruction against byte ch, out of
 * context (flags: X_*). */
bool rx_char_ok(const rx_class *classes, uint8_t op, uint8_t a, uint8_t b, int32_t x, int ch,
                unsigned flags);

/* Emits forward then backward code for the tree rooted at `root`. */
vigil_status rx_emit(rx_ast *ast, int32_t root, rx_code *code, re_error *err);
void rx_code_free(rx_code *code);

/* One chosen yara atom: bytes/mask (mask 0x00 = any, 0x0F/0xF0 nibbles) and
 * the code references of its first node. */
typedef struct rx_yatom {
    uint8_t bytes[RX_YR_ATOM], mask[RX_YR_ATOM];
    uint8_t len;
    int32_t fwd, bwd;
    int32_t node;    /* the tree node of its first byte */
    int32_t seg;     /* re_fixed.c: the fixed segment holding that node, -1 if none */
    uint32_t segoff; /* the atom's offset in that segment (bytes, widened) */
    int32_t filt;    /* re_filter.c: its part's filter for that node, -1 if none */
} rx_yatom;

/* yara's atom choice for the tree; *n = 0 when there is none. */
vigil_status rx_choose_atoms(const rx_ast *ast, int32_t root, rx_yatom **out, size_t *n);

enum {
    X_BACK = 1u << 0, X_EXHAUSTIVE = 1u << 1, X_WIDE = 1u << 2, X_NOCASE = 1u << 3,
    X_DOTALL = 1u << 4, X_SCAN = 1u << 5, X_NOLIMIT = 1u << 6,
};

/* The thread machine's buffers (re.h's re_work): grown on demand, kept
 * between runs so a scan does not allocate per verification. */
struct re_work {
    struct rx_fiber *f;
    uint16_t *stacks;
    int32_t fcap; /* fibers in f */
    size_t scap;  /* uint16_t slots in stacks */
    int32_t *seen; /* states that passed a zero-width test at this position */
    size_t seen_cap; /* int32_t slots in seen */
};
/* Frees the buffers and zeroes w (w itself is the caller's). */
void re_work_release(re_work *w);

/* Called for each backward (exhaustive) match: start offset and length. */
typedef bool (*rx_match_fn)(size_t start, size_t len, void *user);

/* Runs code from instruction ip at data[pos] (forward) or ending at data[pos]
 * (backward), like yara's yr_re_exec. *matches receives the length of the
 * match chosen by priority (-1 = none) when not exhaustive. Returns false
 * when a resource limit stopped the run. */
bool rx_exec(const rx_code *c, int32_t ip, const uint8_t *data, size_t len, size_t pos,
             unsigned flags, rx_match_fn fn, void *user, int *matches, re_work *work);

#endif
