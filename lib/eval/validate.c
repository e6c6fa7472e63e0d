/*
 * validate.c - checks a program once, when a scanner's evaluator state is
 * made, so that evaluation itself can index arrays without checks: a
 * database file may be damaged or forged, and the evaluator must never read
 * outside the program. Also proves the node graph acyclic and measures its
 * nesting, which bounds the evaluator's recursion. Iterative, no recursion.
 */
#include "../clamav/objinfo.h"
#include "internal.h"

#include <stdlib.h>

static bool node_idx(const ir_program *p, uint32_t x)
{
    return x < p->nodes.len;
}

static bool range_node(const ir_program *p, uint32_t x)
{
    return node_idx(p, x) && p->nodes.items[x].op == IR_OP_RANGE;
}

static bool string_ref(const ir_program *p, uint32_t x)
{
    return x == IR_NONE || x < p->strings.len;
}

static bool list_ok(const ir_program *p, ir_list l, size_t limit)
{
    if (l.first > p->lists.len || l.count > p->lists.len - l.first)
        return false;
    for (uint32_t i = 0; i < l.count; i++) {
        if (p->lists.items[l.first + i] >= limit)
            return false;
    }
    return true;
}

static bool quant_ok(const ir_program *p, const ir_node *n)
{
    if (n->aux > IR_Q_PERCENT)
        return false;
    return (n->aux != IR_Q_EXPR && n->aux != IR_Q_PERCENT) || node_idx(p, n->c);
}

static bool pool_ok(const ir_program *p, uint32_t off, uint32_t len)
{
    return off <= p->pool.len && len <= p->pool.len - off;
}

/* The checks that concern one node alone. */
static bool node_ok(const ir_program *p, const ir_node *n)
{
    switch ((ir_op)n->op) {
    case IR_OP_TRUE:
    case IR_OP_FALSE:
    case IR_OP_INT:
    case IR_OP_FLOAT:
    case IR_OP_FILESIZE:
    case IR_OP_ENTRYPOINT:
    case IR_OP_CLAM_NSECTIONS:
    case IR_OP_CLAM_DEPTH:
    case IR_OP_CLAM_IMGHASH:
        return true;
    case IR_OP_CLAM_CONTAINER:
        return n->aux < CV_MAX_UP;
    case IR_OP_CLAM_OFFSET:
        return n->aux <= IR_CLOFF_SECTION_BM_END;
    case IR_OP_CLAM_TARGET:
        return n->aux <= 14;
    case IR_OP_CLAM_VI:
        /* the evaluator reads the match list of the count node's string */
        return node_idx(p, n->a) && p->nodes.items[n->a].op == IR_OP_STR_COUNT &&
               p->nodes.items[n->a].a < p->strings.len;
    case IR_OP_CLAM_PCRE:
        /* the pattern is compiled lazily (clamav_pcre.c), which reads it
         * as a NUL-terminated pool string: the pool must hold that NUL */
        return (n->aux & ~(uint32_t)IR_CLPCRE_ALL) == 0 && node_idx(p, n->a) &&
               (n->b == IR_NONE || range_node(p, n->b)) && n->v.s.len > 0 &&
               n->v.s.off <= p->pool.len && n->v.s.len < p->pool.len - n->v.s.off &&
               p->pool.items[(size_t)n->v.s.off + n->v.s.len] == '\0';
    case IR_OP_CLAM_BYTECMP: {
        unsigned ncmp = (n->aux >> IR_CLBC_NCMP_SHIFT) & 3;
        return (n->aux & ~(uint32_t)IR_CLBC_ALL) == 0 && ncmp >= 1 && ncmp <= 2 &&
               ((n->aux >> IR_CLBC_CMP0_SHIFT) & 3) <= IR_CLBC_EQ &&
               ((n->aux >> IR_CLBC_CMP1_SHIFT) & 3) <= IR_CLBC_EQ &&
               !((n->aux & IR_CLBC_LE) && (n->aux & IR_CLBC_BE)) && node_idx(p, n->a) &&
               n->v.s.len == IR_CLAM_BCMP_SIZE && pool_ok(p, n->v.s.off, n->v.s.len);
    }
    case IR_OP_STRING:
    case IR_OP_REGEX:
        return pool_ok(p, n->v.s.off, n->v.s.len);
    case IR_OP_EXTERNAL:
        return n->a < p->externals.len;
    case IR_OP_VAR:
        return n->a < p->max_loop_vars;
    case IR_OP_NEG:
    case IR_OP_BNOT:
    case IR_OP_NOT:
    case IR_OP_DEFINED:
        return node_idx(p, n->a);
    case IR_OP_ADD:
    case IR_OP_SUB:
    case IR_OP_MUL:
    case IR_OP_DIV:
    case IR_OP_MOD:
    case IR_OP_BAND:
    case IR_OP_BOR:
    case IR_OP_BXOR:
    case IR_OP_SHL:
    case IR_OP_SHR:
    case IR_OP_LT:
    case IR_OP_LE:
    case IR_OP_GT:
    case IR_OP_GE:
    case IR_OP_EQ:
    case IR_OP_NE:
    case IR_OP_CONTAINS:
    case IR_OP_ICONTAINS:
    case IR_OP_STARTSWITH:
    case IR_OP_ISTARTSWITH:
    case IR_OP_ENDSWITH:
    case IR_OP_IENDSWITH:
    case IR_OP_IEQUALS:
    case IR_OP_AND:
    case IR_OP_OR:
    case IR_OP_RANGE:
        return node_idx(p, n->a) && node_idx(p, n->b);
    case IR_OP_MATCHES:
        return node_idx(p, n->a) && node_idx(p, n->b) && p->nodes.items[n->b].op == IR_OP_REGEX;
    case IR_OP_READ_INT: {
        uint32_t w = n->aux & 7u;
        if (w != IR_READ_W1 && w != IR_READ_W2 && w != IR_READ_W4)
            return false;
        return (n->aux & ~(7u | IR_READ_SIGNED | IR_READ_BE)) == 0 && node_idx(p, n->a);
    }
    case IR_OP_STR_FOUND:
        return string_ref(p, n->a);
    case IR_OP_STR_COUNT:
        return string_ref(p, n->a) && (n->b == IR_NONE || range_node(p, n->b));
    case IR_OP_STR_OFFSET:
    case IR_OP_STR_LENGTH:
    case IR_OP_STR_AT:
        return string_ref(p, n->a) && node_idx(p, n->b);
    case IR_OP_STR_IN:
        return string_ref(p, n->a) && range_node(p, n->b);
    case IR_OP_OF_STRINGS:
        return quant_ok(p, n) && list_ok(p, n->v.list, p->strings.len);
    case IR_OP_OF_RULES:
        return quant_ok(p, n) && list_ok(p, n->v.list, p->rules.len);
    case IR_OP_OF_BOOLS:
        return quant_ok(p, n) && list_ok(p, n->v.list, p->nodes.len);
    case IR_OP_FOR_OF:
        return quant_ok(p, n) && node_idx(p, n->a) && list_ok(p, n->v.list, p->strings.len);
    case IR_OP_FOR_IN: {
        if (!quant_ok(p, n) || !node_idx(p, n->a) || !node_idx(p, n->v.body))
            return false;
        const ir_node *it = &p->nodes.items[n->a];
        if (it->op == IR_OP_RANGE || it->op == IR_OP_ENUM)
            return n->pad == 1 && n->b < p->max_loop_vars;
        /* a module array (one variable) or dictionary (two): which one it
         * is shows only at run time, where the variable count is checked */
        return it->type == IR_T_OBJECT && (n->pad == 1 || n->pad == 2) &&
               n->b < p->max_loop_vars && n->pad <= p->max_loop_vars - n->b;
    }
    case IR_OP_MOD_ROOT:
        return n->a < p->modules.len && n->type == IR_T_OBJECT;
    case IR_OP_MOD_MEMBER:
        return node_idx(p, n->a) && p->nodes.items[n->a].type == IR_T_OBJECT;
    case IR_OP_MOD_INDEX:
    case IR_OP_MOD_KEY:
        return node_idx(p, n->a) && p->nodes.items[n->a].type == IR_T_OBJECT && node_idx(p, n->b);
    case IR_OP_MOD_CALL: /* b: the module the function belongs to */
        return node_idx(p, n->a) && p->nodes.items[n->a].type == IR_T_OBJECT &&
               n->b < p->modules.len && list_ok(p, n->v.list, p->nodes.len);
    case IR_OP_ENUM:
        return list_ok(p, n->v.list, p->nodes.len);
    case IR_OP_RULE:
        return n->a < p->rules.len;
    case IR_OP__COUNT:
        break;
    }
    return false;
}

/* Nesting the evaluator will recurse through for n, given its operands'
 * figures: a left operand with the same and/or operator is walked in a loop,
 * not recursed into. */
static uint32_t node_depth(const ir_program *p, const ir_node *n, const uint32_t *depth)
{
    uint32_t k = 0, c, deepest = 0;
    bool chain = (n->op == IR_OP_AND || n->op == IR_OP_OR) && p->nodes.items[n->a].op == n->op;
    while (ir_child_at(p, n, k++, &c)) {
        if (c == IR_NONE)
            continue;
        if (chain && c == n->a)
            continue;
        if (depth[c] > deepest)
            deepest = depth[c];
    }
    deepest += 1;
    if (chain && depth[n->a] > deepest)
        deepest = depth[n->a];
    return deepest;
}

typedef struct frame {
    uint32_t node;
    uint32_t next; /* next operand to visit */
} frame;

enum { WHITE = 0, GREY = 1, BLACK = 2 };

static vigil_status walk(const ir_program *p, uint32_t root, uint8_t *color, uint32_t *depth,
                         frame *stack)
{
    size_t sp = 0;
    if (color[root] == BLACK)
        return VIGIL_OK;
    if (!node_ok(p, &p->nodes.items[root]))
        return VIGIL_E_CORRUPT;
    color[root] = GREY;
    stack[sp++] = (frame){root, 0};
    while (sp > 0) {
        frame *f = &stack[sp - 1];
        const ir_node *n = &p->nodes.items[f->node];
        uint32_t c;
        if (!ir_child_at(p, n, f->next, &c)) {
            depth[f->node] = node_depth(p, n, depth);
            if (depth[f->node] > EV_MAX_DEPTH)
                return VIGIL_E_LIMIT;
            color[f->node] = BLACK;
            sp--;
            continue;
        }
        f->next++;
        if (c == IR_NONE || color[c] == BLACK)
            continue;
        if (color[c] == GREY)
            return VIGIL_E_CORRUPT; /* cycle */
        if (!node_ok(p, &p->nodes.items[c]))
            return VIGIL_E_CORRUPT;
        color[c] = GREY;
        /* a GREY node is on the stack once, so sp < nodes.len here */
        stack[sp++] = (frame){c, 0};
    }
    return VIGIL_OK;
}

vigil_status ev_validate(const ir_program *p)
{
    if (p->max_loop_vars > EV_MAX_LOOP_VARS || p->nodes.len >= IR_NONE)
        return VIGIL_E_CORRUPT;
    for (size_t r = 0; r < p->rules.len; r++) {
        const ir_rule *rule = &p->rules.items[r];
        if (!node_idx(p, rule->cond) || rule->ns >= p->namespaces.len ||
            rule->strings_first > p->strings.len ||
            rule->strings_count > p->strings.len - rule->strings_first)
            return VIGIL_E_CORRUPT;
    }
    size_t n = p->nodes.len ? p->nodes.len : 1;
    uint8_t *color = calloc(n, 1);
    uint32_t *depth = calloc(n, sizeof(*depth));
    frame *stack = calloc(n, sizeof(*stack));
    vigil_status st = VIGIL_E_NOMEM;
    if (!color || !depth || !stack)
        goto out;
    st = VIGIL_OK;
    for (size_t r = 0; r < p->rules.len && st == VIGIL_OK; r++)
        st = walk(p, p->rules.items[r].cond, color, depth, stack);
out:
    free(color);
    free(depth);
    free(stack);
    return st;
}
