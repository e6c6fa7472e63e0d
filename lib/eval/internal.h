/*
 * internal.h - what the evaluator's files share: the per-scanner state, the
 * run-time value, and the helpers split out of eval.c (program validation,
 * string operators). Nothing here is visible outside lib/eval.
 */
#ifndef VIGIL_EVAL_INTERNAL_H
#define VIGIL_EVAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ir/ir.h"
#include "../modules/object.h"
#include "../re/re.h"
#include "eval.h"

/* Deepest expression nesting the recursive evaluator accepts. Chains of one
 * `and`/`or` operator are walked iteratively and do not count, so this only
 * bounds real nesting (parentheses, loops, operands of operands). */
#define EV_MAX_DEPTH 2048

/* More loop variable slots than any real rule needs; a database asking for
 * more is damaged. */
#define EV_MAX_LOOP_VARS 4096

/* A value is yara's YR_VALUE plus an explicit tag: UNDEFINED is a kind, not
 * a magic integer, so no integer result can be mistaken for it. */
typedef enum ev_kind { EV_UNDEF = 0, EV_INT, EV_FLOAT, EV_STR, EV_REGEX, EV_OBJ } ev_kind;

typedef struct ev_value {
    ev_kind kind;
    int64_t i; /* EV_INT (booleans are 0/1); EV_REGEX: node index; EV_OBJ: its mo_type */
    double f;  /* EV_FLOAT */
    union {
        struct {
            const uint8_t *s; /* EV_STR */
            size_t len;
        };
        /* EV_OBJ: a module structure, array or dictionary (lib/modules): its
         * value (NULL when the module never made it: reads give undefined)
         * and the declaration whose member table describes it */
        struct {
            const mo_obj *obj;
            const mo_decl *decl;
        };
    };
} ev_value;

struct ev_state {
    const ir_program *prog;
    re_prog **regex; /* per node: compiled IR_OP_REGEX, else NULL */
    ev_value *vars;  /* loop variable slots */
    uint32_t *spine; /* scratch for iterative and/or chains (nodes.len) */
    size_t spine_top;
    uint8_t *ns_failed; /* per namespace: a global rule of it was false */
    /* per run */
    const ev_input *in;
    const uint8_t *results;
    uint32_t cur_string; /* string of the innermost `for ... of`, or IR_NONE */
    uint32_t *gate_first; /* per rule + 1: its gates are gates[gate_first[r]..gate_first[r+1]) */
    uint32_t *gates;      /* string-free conjuncts of rule conditions (prefilter.c) */
    uint32_t *gate_slot;  /* per gate: its slot, shared by structurally equal gates */
    uint8_t *slot_value;  /* per slot, per object: unknown, true or false */
    uint32_t nslots;
    uint32_t *req_first;  /* per rule + 1: its required strings, reqs[req_first[r]..) */
    uint32_t *reqs;       /* strings a rule's top-level `and` tests with a bare $a */
    uint8_t *needs_hit;   /* per rule: false unless one of its strings matched */
    struct ev_clam_pcre *clam_pcre; /* PCRE subsignatures: compiled patterns and
                                     * this run's counts (clamav_pcre.c), made
                                     * on first use */
    struct {             /* the object's VI offsets (clamav.c), made on first use */
        uint32_t *keys;
        size_t n;
        bool done, failed;
    } clam_vi;
    uint32_t ticks;      /* loop iterations since the last clock reading */
    bool timed_out;      /* the deadline passed: every loop stops */
};


/* Evaluates node idx with the current input and reads its truth as a rule
 * condition would. For prefilter.c. */
bool ev_node_truthy(ev_state *st, uint32_t idx);

/* IR_OP_CLAM_* nodes (clamav.c). */
ev_value ev_clamav(ev_state *st, const ir_node *n);

/* IR_OP_CLAM_PCRE (clamav_pcre.c): node idx's count of matches as libclamav
 * counts them, computed once per run. ev_clam_pcre_run_begin starts a run
 * (ev_run calls it), ev_clam_pcre_free releases the patterns (ev_state_free). */
ev_value ev_clam_pcre(ev_state *st, uint32_t idx);
void ev_clam_pcre_run_begin(ev_state *st);
void ev_clam_pcre_free(ev_state *st);

/* IR_OP_CLAM_VI (clamav.c): ev_clam_vi_reset forgets the VI offsets of the
 * previous object (ev_run, ev_state_free). */
void ev_clam_vi_reset(ev_state *st);
/* The offset of the last match a VI node counts (a byte compare reads from
 * it); false when it counts none. */
bool ev_clam_vi_last(ev_state *st, const ir_node *n, int64_t *at);

/* IR_OP_CLAM_BYTECMP (clamav_bytecmp.c): 1 when the comparison holds. */
ev_value ev_clam_bytecmp(ev_state *st, const ir_node *n);
/* libclamav's cli_bcomp_compare_check on data[0..len) from reference
 * offset base (exposed for the unit tests). */
bool ev_clam_bytecmp_check(const uint8_t *data, size_t len, int64_t base, uint32_t aux,
                           const ir_clam_bcmp *b);

/* Evaluates node idx (eval.c's evaluator, for the files split from it). */
ev_value ev_eval(ev_state *st, uint32_t idx);

/* The IR_OP_MOD_* operators (modules.c). */
ev_value ev_module_op(ev_state *st, const ir_node *n);
/* Calls fn on each element of a module array (one value) or each entry of a
 * dictionary (key and value) until it returns false. */
typedef bool (*ev_each_fn)(ev_state *st, ev_value a, ev_value b, void *user);
void ev_module_each(ev_state *st, ev_value iterable, ev_each_fn fn, void *user);

/* Collects every rule's gates (prefilter.c). */
vigil_status ev_gates_build(ev_state *st);

/* yara's sized_string_cmp: bytes compared as (signed) char, a prefix sorts
 * first. Returns <0, 0, >0. */
int ev_str_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Substring / prefix / suffix / equality tests, ASCII case folding when
 * nocase (yara folds only A-Z). */
bool ev_str_contains(const uint8_t *h, size_t hlen, const uint8_t *n, size_t nlen, bool nocase);
bool ev_str_startswith(const uint8_t *h, size_t hlen, const uint8_t *n, size_t nlen, bool nocase);
bool ev_str_endswith(const uint8_t *h, size_t hlen, const uint8_t *n, size_t nlen, bool nocase);
bool ev_str_iequals(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
