/*
 * ir_usage.c - per-string usage flags (see ir_usage.h), with yara 4.2.3's
 * rules, checked against `yara -f -s` and `yara -s`:
 *   $a              keeps single, clears fixed
 *   $a at <const>   clears single, sets fixed (a second, different N clears it)
 *   #a @a !a, $a in, $a at <expr>   clear both
 *   of / them sets  clear fixed only
 *   $ # @ ! inside for-of act on every string of the rule as above.
 * The walk uses an explicit stack: conditions may be deep.
 */
#include "ir_usage.h"

#include <stdlib.h>

enum use { USE_FOUND, USE_AT_CONST, USE_OTHER, USE_SET };

static void apply(uint8_t *single, uint64_t *fixed, uint8_t *fixed_set, uint32_t s, enum use u,
                  uint64_t at)
{
    switch (u) {
    case USE_FOUND:
    case USE_SET:
        fixed[s] = IR_NO_FIXED_OFFSET;
        fixed_set[s] = 2;
        break;
    case USE_AT_CONST:
        single[s] = 0;
        if (fixed_set[s] == 0) {
            fixed[s] = at;
            fixed_set[s] = 1;
        } else if (fixed_set[s] == 1 && fixed[s] != at) {
            fixed[s] = IR_NO_FIXED_OFFSET;
            fixed_set[s] = 2;
        }
        break;
    case USE_OTHER:
        single[s] = 0;
        fixed[s] = IR_NO_FIXED_OFFSET;
        fixed_set[s] = 2;
        break;
    }
}

static void apply_rule(const ir_program *p, uint32_t rule, uint8_t *single, uint64_t *fixed,
                       uint8_t *fixed_set, enum use u, uint64_t at)
{
    const ir_rule *r = &p->rules.items[rule];
    for (uint32_t k = 0; k < r->strings_count; k++)
        apply(single, fixed, fixed_set, r->strings_first + k, u, at);
}

static void use_string(const ir_program *p, uint32_t rule, const ir_node *n, uint8_t *single,
                       uint64_t *fixed, uint8_t *fixed_set)
{
    enum use u = USE_OTHER;
    uint64_t at = 0;
    if (n->op == IR_OP_STR_FOUND) {
        u = USE_FOUND;
    } else if (n->op == IR_OP_STR_AT && n->b < p->nodes.len &&
               p->nodes.items[n->b].op == IR_OP_INT && p->nodes.items[n->b].v.i >= 0) {
        u = USE_AT_CONST;
        at = (uint64_t)p->nodes.items[n->b].v.i;
    }
    if (n->a == IR_NONE)
        apply_rule(p, rule, single, fixed, fixed_set, u, at);
    else if (n->a < p->strings.len)
        apply(single, fixed, fixed_set, n->a, u, at);
}

void ir_string_usage(const ir_program *p, uint8_t *single, uint64_t *fixed)
{
    size_t ns = p->strings.len;
    for (size_t i = 0; i < ns; i++) {
        single[i] = 1;
        fixed[i] = IR_NO_FIXED_OFFSET;
    }
    uint8_t *fixed_set = calloc(ns ? ns : 1, 1);
    uint32_t *stack = malloc(sizeof(uint32_t) * (p->nodes.len + 1));
    if (!fixed_set || !stack) {
        /* Without memory, claim nothing: every string keeps all its matches. */
        for (size_t i = 0; i < ns; i++)
            single[i] = 0;
        free(fixed_set);
        free(stack);
        return;
    }
    uint8_t *seen = calloc(p->nodes.len ? p->nodes.len : 1, 1);
    for (uint32_t r = 0; seen && r < p->rules.len; r++) {
        size_t top = 0;
        if (p->rules.items[r].cond < p->nodes.len)
            stack[top++] = p->rules.items[r].cond;
        while (top) {
            uint32_t id = stack[--top];
            if (id >= p->nodes.len || seen[id])
                continue;
            seen[id] = 1; /* trees have one parent; a shared node is counted once */
            const ir_node *n = &p->nodes.items[id];
            if (n->op == IR_OP_OF_STRINGS || n->op == IR_OP_FOR_OF) {
                for (uint32_t k = 0; k < n->v.list.count; k++) {
                    uint64_t li = (uint64_t)n->v.list.first + k;
                    if (li < p->lists.len && p->lists.items[li] < ns)
                        apply(single, fixed, fixed_set, p->lists.items[li], USE_SET, 0);
                }
            } else if (ir_op_reads_string(n->op)) {
                use_string(p, r, n, single, fixed, fixed_set);
            }
            uint32_t c;
            for (uint32_t k = 0; ir_child_at(p, n, k, &c); k++)
                if (c != IR_NONE && c < p->nodes.len && top < p->nodes.len)
                    stack[top++] = c;
        }
    }
    if (!seen)
        for (size_t i = 0; i < ns; i++)
            single[i] = 0;
    free(seen);
    free(stack);
    free(fixed_set);
}
