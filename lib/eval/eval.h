/*
 * eval.h - evaluates the condition of every rule of a program over one scan
 * object, after the matcher has filled the match lists. Values follow yara
 * 4.2's semantics, including UNDEFINED (out-of-range reads, @a[99], division
 * by zero, entrypoint of a non-executable) and its propagation through
 * operators; an undefined condition is false.
 */
#ifndef VIGIL_EVAL_EVAL_H
#define VIGIL_EVAL_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ir/ir.h"
#include "../match/matcher.h"
#include "../modules/instance.h"
#include "vigil.h"

typedef struct ev_input {
    const ir_program *prog;
    const mt_scratch *matches; /* match lists of the current object (may be NULL:
                                * no string matched) */
    const uint8_t *data;       /* the object's bytes */
    size_t len;
    bool has_entrypoint;
    uint64_t entrypoint;          /* file offset, yara's `entrypoint` */
    const ir_external *externals; /* values to use, prog->externals.len entries;
                                   * NULL = the program's own (defaults) */
    /* Added by lib/eval; all optional (zero = unused). */
    const char *ext_pool; /* pool that externals[].s points into (a scanner's
                           * own values); NULL = prog->pool */
    size_t ext_pool_len;
    /* A source of match lists used instead of mt_matches(matches, ...), for
     * unit tests and front ends with lists of their own. */
    const mt_match *(*get_matches)(const void *user, uint32_t string_index, size_t *n);
    const void *get_matches_user;
    /* CLOCK_MONOTONIC time in ns after which loops stop and ev_run returns
     * VIGIL_E_TIMEOUT (yara's scan timeout); 0 = no limit. */
    uint64_t deadline_ns;
    /* Rules ev_prefilter found dead for this object (prog->rules.len bytes),
     * or NULL: ev_run sets them false without evaluating them. */
    const uint8_t *dead_rules;
    /* The program's modules (prog->modules, same slots), begun on this
     * object; NULL when the program imports none. */
    mo_set *modules;
    /* ClamAV's view of the object (target type, entry point, sections) for
     * IR_OP_CLAM_* nodes; NULL when the program has none (they are then
     * undefined). */
    const struct cv_objinfo *clam;
    /* Where console.log's messages go; NULL drops them. */
    void (*log)(const uint8_t *msg, size_t len, void *log_user);
    void *log_user;
} ev_input;

typedef struct ev_state ev_state; /* per-scanner scratch (loop variables, stacks) */

/* Checks every index of the program once (nodes reachable from rule
 * conditions, lists, strings, pool ranges, loop slots), refuses cycles, and
 * checks that nesting stays under the evaluator's depth limit. VIGIL_E_CORRUPT or
 * VIGIL_E_LIMIT on failure, VIGIL_E_NOMEM if its scratch cannot be had. */
vigil_status ev_validate(const ir_program *p);

/* Validates prog (ev_validate) and builds per-scanner state. */
vigil_status ev_state_new(const ir_program *prog, ev_state **out);
void ev_state_free(ev_state *st);

/* Evaluates every rule in declaration order. Returns VIGIL_E_TIMEOUT when
 * in->deadline_ns passed during a loop (results are then incomplete). results[i] becomes 1 when rule i
 * is true (a false global rule makes every rule of its namespace false, as in
 * yara); results must hold prog->rules.len bytes. */
vigil_status ev_run(ev_state *st, const ev_input *in, uint8_t *results);

/* Before matching: evaluates each rule's gates — the conjuncts of its
 * top-level `and` chain that use no strings, rules or loops (e.g.
 * `uint16(0) == 0x5A4D`, `filesize < 1MB`) — and sets dead[r] = 1 when one of
 * them is false, or when a global rule of r's namespace is dead. A dead rule
 * is false whatever its strings match, so its strings need not be matched.
 * in->matches is not read. Returns the number of rules left alive. */
size_t ev_prefilter(ev_state *st, const ev_input *in, uint8_t *dead);

/* The bounds of range node `range` for the object of `in` (after ev_run on
 * it, outside ev_run); false when undefined. */
bool ev_range_value(ev_state *st, const ev_input *in, uint32_t range, int64_t *lo, int64_t *hi);

/* Whether offset is one of the PE version-information key offsets of the
 * object of `in` (a ClamAV VI subsignature's match must start there); read
 * after ev_run on it. */
bool ev_clam_vi_key(ev_state *st, const ev_input *in, uint64_t offset);

#endif
