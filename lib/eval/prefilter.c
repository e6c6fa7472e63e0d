/*
 * prefilter.c - rules decided before matching. Most real rules open with a
 * string-free test of the file (`uint16(0) == 0x5A4D and ...`); when such a
 * conjunct is false the rule is false whatever its strings do, so the
 * matcher can skip verifying those strings and the evaluator can skip the
 * rule. Only top-level `and` conjuncts free of strings, rule references and
 * loops qualify: they are cheap, and evaluating them twice (here and in
 * ev_run) cannot change a verdict. After matching, a conjunct that is a bare
 * `$a` works the same way: without a match of $a the rule is false, and
 * ev_run does not evaluate it. More generally, a rule whose condition is
 * false unless at least one of its strings matched (`2 of them`,
 * `uint16(0) == 0x5A4D and ($a or #b > 2)`) is not evaluated when none did;
 * that is most rules on most objects.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Depth-limited check that a subtree reads nothing but the object's bytes,
 * filesize, entrypoint, externals and constants. */
static bool string_free(const ir_program *p, uint32_t idx, int depth)
{
    if (depth > 64 || idx >= p->nodes.len)
        return false;
    const ir_node *n = &p->nodes.items[idx];
    if (ir_op_reads_string(n->op))
        return false;
    switch ((ir_op)n->op) {
    case IR_OP_OF_STRINGS:
    case IR_OP_OF_RULES:
    case IR_OP_OF_BOOLS:
    case IR_OP_FOR_OF:
    case IR_OP_FOR_IN:
    case IR_OP_ENUM:
    case IR_OP_RULE:
    case IR_OP_VAR:
    case IR_OP__COUNT:
    /* a PCRE subsignature runs only when its trigger (string counts) holds;
     * a byte compare reads from a string's last match */
    case IR_OP_CLAM_PCRE:
    case IR_OP_CLAM_BYTECMP:
    case IR_OP_CLAM_VI:
        return false;
    case IR_OP_TRUE:
    case IR_OP_FALSE:
    case IR_OP_INT:
    case IR_OP_FLOAT:
    case IR_OP_STRING:
    case IR_OP_REGEX:
    case IR_OP_FILESIZE:
    case IR_OP_ENTRYPOINT:
    case IR_OP_EXTERNAL:
    case IR_OP_CLAM_OFFSET:
    case IR_OP_CLAM_TARGET:
    case IR_OP_CLAM_NSECTIONS:
    case IR_OP_CLAM_DEPTH:
    case IR_OP_CLAM_IMGHASH:
    case IR_OP_CLAM_CONTAINER:
        return true;
    /* module values read the object, not strings; a gate such as
     * `pe.is_pe` or `elf.type == elf.ET_EXEC` loads the module early,
     * which yara does for every object anyway. Arguments of calls are
     * checked like any operand; loop variables never occur here. */
    case IR_OP_MOD_ROOT:
        return true;
    case IR_OP_MOD_MEMBER:
        return string_free(p, n->a, depth + 1);
    case IR_OP_MOD_INDEX:
    case IR_OP_MOD_KEY:
        return string_free(p, n->a, depth + 1) && string_free(p, n->b, depth + 1);
    case IR_OP_MOD_CALL:
        if (!string_free(p, n->a, depth + 1) || n->v.list.first > p->lists.len ||
            n->v.list.count > p->lists.len - n->v.list.first)
            return false;
        for (uint32_t i = 0; i < n->v.list.count; i++)
            if (!string_free(p, p->lists.items[n->v.list.first + i], depth + 1))
                return false;
        return true;
    default:
        break;
    }
    uint32_t kids[3] = {n->a, n->b, n->c};
    for (int k = 0; k < 3; k++)
        if (kids[k] != IR_NONE && !string_free(p, kids[k], depth + 1))
            return false;
    return true;
}

/* A conjunct that is a bare `$a`: the rule cannot be true unless $a matched. */
static bool required_string(const ir_program *p, uint32_t idx, uint32_t *s)
{
    if (idx >= p->nodes.len)
        return false;
    const ir_node *n = &p->nodes.items[idx];
    if (n->op != IR_OP_STR_FOUND || n->a >= p->strings.len)
        return false;
    *s = n->a;
    return true;
}

/* Gates repeat: thousands of rules open with `uint16(0) == 0x5A4D` or
 * `filesize < 2MB`, each its own subtree. Structurally equal gates share
 * one slot (gate_slot), evaluated at most once per object. */
static uint64_t tree_hash(const ir_program *p, uint32_t idx, int depth)
{
    if (idx == IR_NONE || idx >= p->nodes.len || depth > 64)
        return 0x9e3779b97f4a7c15u;
    const ir_node *n = &p->nodes.items[idx];
    uint64_t h = ((uint64_t)n->op << 40) ^ ((uint64_t)n->aux << 8) ^ n->type;
    switch ((ir_op)n->op) {
    case IR_OP_INT:
    case IR_OP_FLOAT:
    case IR_OP_CLAM_IMGHASH:
        h ^= (uint64_t)n->v.i * 0xff51afd7ed558ccdu;
        break;
    case IR_OP_CLAM_OFFSET: /* a is a section number, not a node */
        return h ^ (uint64_t)n->v.i * 0xff51afd7ed558ccdu ^ (uint64_t)n->a * 0xc4ceb9fe1a85ec53u;
    case IR_OP_STRING:
    case IR_OP_REGEX:
        h ^= (uint64_t)n->v.s.len * 0xc4ceb9fe1a85ec53u;
        break;
    case IR_OP_EXTERNAL:
    case IR_OP_MOD_ROOT:
        h ^= (uint64_t)n->a * 0xc4ceb9fe1a85ec53u;
        return h;
    case IR_OP_MOD_CALL: /* b is the module slot; the arguments are a list */
        h ^= (uint64_t)n->b * 0xc4ceb9fe1a85ec53u ^ n->v.list.count;
        return h * 31 + tree_hash(p, n->a, depth + 1);
    default:
        break;
    }
    h = h * 31 + tree_hash(p, n->a, depth + 1);
    h = h * 31 + tree_hash(p, n->b, depth + 1);
    return h * 31 + tree_hash(p, n->c, depth + 1);
}

static bool same_tree(const ir_program *p, uint32_t x, uint32_t y, int depth)
{
    if (x == y)
        return true;
    if (x >= p->nodes.len || y >= p->nodes.len || depth > 64)
        return false;
    const ir_node *a = &p->nodes.items[x], *b = &p->nodes.items[y];
    if (a->op != b->op || a->type != b->type || a->aux != b->aux)
        return false;
    switch ((ir_op)a->op) {
    case IR_OP_INT:
    case IR_OP_FLOAT:
    case IR_OP_CLAM_IMGHASH:
        if (a->v.i != b->v.i) /* a float's bits */
            return false;
        break;
    case IR_OP_CLAM_OFFSET:
        return a->a == b->a && a->v.i == b->v.i;
    case IR_OP_STRING:
    case IR_OP_REGEX:
        /* validate.c keeps pool ranges in bounds */
        if (a->v.s.len != b->v.s.len ||
            memcmp(p->pool.items + a->v.s.off, p->pool.items + b->v.s.off, a->v.s.len) != 0)
            return false;
        break;
    case IR_OP_EXTERNAL:
    case IR_OP_MOD_ROOT:
        return a->a == b->a;
    case IR_OP_MOD_CALL: {
        /* string_free checked both argument lists are in range */
        if (a->b != b->b || a->v.list.count != b->v.list.count || !same_tree(p, a->a, b->a, depth + 1))
            return false;
        for (uint32_t i = 0; i < a->v.list.count; i++)
            if (!same_tree(p, p->lists.items[a->v.list.first + i],
                           p->lists.items[b->v.list.first + i], depth + 1))
                return false;
        return true;
    }
    default:
        break;
    }
    return same_tree(p, a->a, b->a, depth + 1) && same_tree(p, a->b, b->b, depth + 1) &&
           same_tree(p, a->c, b->c, depth + 1);
}

/* Gives every gate its slot: the first structurally equal gate's. */
static vigil_status share_gates(ev_state *st, size_t ngates)
{
    const ir_program *p = st->prog;
    size_t cap = 16;
    while (cap < 2 * ngates)
        cap *= 2;
    uint32_t *table = malloc(cap * sizeof(*table)); /* gate index of a slot's first gate */
    st->gate_slot = malloc((ngates ? ngates : 1) * sizeof(*st->gate_slot));
    if (!table || !st->gate_slot) {
        free(table);
        return VIGIL_E_NOMEM;
    }
    memset(table, 0xFF, cap * sizeof(*table));
    uint32_t slots = 0;
    for (size_t g = 0; g < ngates; g++) {
        size_t h = (size_t)tree_hash(p, st->gates[g], 0) & (cap - 1);
        for (;; h = (h + 1) & (cap - 1)) {
            uint32_t first = table[h];
            if (first == UINT32_MAX) {
                table[h] = (uint32_t)g;
                st->gate_slot[g] = slots++;
                break;
            }
            if (same_tree(p, st->gates[first], st->gates[g], 0)) {
                st->gate_slot[g] = st->gate_slot[first];
                break;
            }
        }
    }
    free(table);
    st->nslots = slots;
    st->slot_value = calloc(slots ? slots : 1, 1);
    return st->slot_value ? VIGIL_OK : VIGIL_E_NOMEM;
}

enum { SLOT_UNKNOWN = 0, SLOT_TRUE = 1, SLOT_FALSE = 2 };

static bool own_string(const ir_program *p, uint32_t s, uint32_t rule)
{
    return s < p->strings.len && p->strings.items[s].rule == rule;
}

static bool int_at_least(const ir_program *p, uint32_t idx, int64_t min)
{
    return idx < p->nodes.len && p->nodes.items[idx].op == IR_OP_INT &&
           p->nodes.items[idx].v.i >= min;
}

/* True when node idx of rule `rule` is false (or undefined) whenever none of
 * the rule's strings has a match. Conservative: anything not recognised is
 * assumed satisfiable without matches. */
static bool needs_hit(const ir_program *p, uint32_t idx, uint32_t rule, int depth)
{
    if (depth > 64 || idx >= p->nodes.len)
        return false;
    const ir_node *n = &p->nodes.items[idx];
    switch ((ir_op)n->op) {
    case IR_OP_AND:
        return needs_hit(p, n->a, rule, depth + 1) || needs_hit(p, n->b, rule, depth + 1);
    case IR_OP_OR:
        return needs_hit(p, n->a, rule, depth + 1) && needs_hit(p, n->b, rule, depth + 1);
    case IR_OP_STR_FOUND:
    case IR_OP_STR_AT:
    case IR_OP_STR_IN:
        return own_string(p, n->a, rule);
    case IR_OP_GT:
    case IR_OP_GE:
    case IR_OP_EQ: {
        /* #a > k (k >= 0), #a >= k and #a == k (k >= 1); the same of a
         * ClamAV PCRE or byte-compare count */
        const ir_node *l = n->a < p->nodes.len ? &p->nodes.items[n->a] : NULL;
        if (!l || !int_at_least(p, n->b, n->op == IR_OP_GT ? 0 : 1))
            return false;
        if (l->op == IR_OP_CLAM_PCRE || l->op == IR_OP_CLAM_BYTECMP || l->op == IR_OP_CLAM_VI)
            return needs_hit(p, n->a, rule, depth + 1);
        return l->op == IR_OP_STR_COUNT && l->b == IR_NONE && own_string(p, l->a, rule);
    }
    case IR_OP_CLAM_PCRE:
        /* its count stays 0 unless its trigger holds */
        return needs_hit(p, n->a, rule, depth + 1);
    case IR_OP_CLAM_VI: {
        /* it counts its string's matches */
        const ir_node *ref = n->a < p->nodes.len ? &p->nodes.items[n->a] : NULL;
        return ref && ref->op == IR_OP_STR_COUNT && own_string(p, ref->a, rule);
    }
    case IR_OP_CLAM_BYTECMP: {
        /* it reads from its reference's last match, or needs an earlier
         * byte compare to hold */
        const ir_node *ref = n->a < p->nodes.len ? &p->nodes.items[n->a] : NULL;
        if (ref && ref->op == IR_OP_STR_COUNT)
            return own_string(p, ref->a, rule);
        return needs_hit(p, n->a, rule, depth + 1);
    }
    case IR_OP_OF_STRINGS: {
        /* each `of` form below needs at least one item found (of_expr) */
        bool needs;
        switch (n->aux) {
        case IR_Q_ALL:
        case IR_Q_ANY:
            needs = n->v.list.count > 0;
            break;
        case IR_Q_EXPR:
        case IR_Q_PERCENT:
            needs = int_at_least(p, n->c, 1);
            break;
        default:
            needs = false;
        }
        if (!needs || n->v.list.first > p->lists.len ||
            n->v.list.count > p->lists.len - n->v.list.first)
            return false;
        for (uint32_t i = 0; i < n->v.list.count; i++)
            if (!own_string(p, p->lists.items[n->v.list.first + i], rule))
                return false;
        return true;
    }
    default:
        return false;
    }
}

/* Whether a condition calls a function with effects (console.log): such a
 * rule must run whole and in order, as yara runs it, so none of the early
 * decisions here apply to it. A walk of the condition tree (validated: no
 * cycles), bounded by the node count. */
static bool has_effects(const ir_program *p, uint32_t root, uint32_t *stack)
{
    size_t top = 0;
    stack[top++] = root;
    while (top) {
        uint32_t id = stack[--top];
        if (id >= p->nodes.len)
            continue;
        const ir_node *n = &p->nodes.items[id];
        if (n->op == IR_OP_MOD_CALL && n->pad)
            return true;
        uint32_t c;
        for (uint32_t k = 0; ir_child_at(p, n, k, &c) && top < p->nodes.len; k++)
            if (c != IR_NONE)
                stack[top++] = c;
    }
    return false;
}

vigil_status ev_gates_build(ev_state *st)
{
    const ir_program *p = st->prog;
    size_t nr = p->rules.len;
    st->gate_first = calloc(nr + 1, sizeof(*st->gate_first));
    st->req_first = calloc(nr + 1, sizeof(*st->req_first));
    st->needs_hit = calloc(nr ? nr : 1, 1);
    VEC(uint32_t) gates = {0};
    VEC(uint32_t) reqs = {0};
    uint32_t *stack = malloc((p->nodes.len ? p->nodes.len : 1) * sizeof(*stack));
    if (!st->gate_first || !st->req_first || !st->needs_hit || !stack) {
        free(stack);
        return VIGIL_E_NOMEM;
    }
    for (size_t r = 0; r < nr; r++) {
        if (has_effects(p, p->rules.items[r].cond, stack)) {
            st->gate_first[r] = (uint32_t)gates.len;
            st->req_first[r] = (uint32_t)reqs.len;
            continue; /* no gates, no required strings, evaluated whole */
        }
        st->needs_hit[r] = needs_hit(p, p->rules.items[r].cond, (uint32_t)r, 0);
        st->gate_first[r] = (uint32_t)gates.len;
        st->req_first[r] = (uint32_t)reqs.len;
        /* walk the left spine of `a and b and c` (parsed left-associatively) */
        uint32_t cur = p->rules.items[r].cond;
        for (int steps = 0; cur < p->nodes.len && steps < 100000; steps++) {
            const ir_node *n = &p->nodes.items[cur];
            uint32_t conj = n->op == IR_OP_AND ? n->b : cur;
            uint32_t sidx;
            bool ok = true;
            if (string_free(p, conj, 0))
                ok = vec_push(&gates, conj);
            else if (required_string(p, conj, &sidx))
                ok = vec_push(&reqs, sidx);
            if (!ok) {
                vec_free(&gates);
                vec_free(&reqs);
                free(stack);
                return VIGIL_E_NOMEM;
            }
            if (n->op != IR_OP_AND)
                break;
            cur = n->a;
        }
    }
    free(stack);
    st->gate_first[nr] = (uint32_t)gates.len;
    st->req_first[nr] = (uint32_t)reqs.len;
    st->gates = gates.items; /* may be NULL when no rule has a gate */
    st->reqs = reqs.items;
    return share_gates(st, gates.len);
}

size_t ev_prefilter(ev_state *st, const ev_input *in, uint8_t *dead)
{
    const ir_program *p = st->prog;
    size_t nr = p->rules.len;
    st->in = in;
    st->results = NULL; /* gates never read rule results */
    st->cur_string = IR_NONE;
    st->spine_top = 0;
    st->timed_out = false;
    memset(st->ns_failed, 0, p->namespaces.len);
    memset(st->slot_value, SLOT_UNKNOWN, st->nslots);
    for (size_t r = 0; r < nr; r++) {
        dead[r] = 0;
        for (uint32_t g = st->gate_first[r]; g < st->gate_first[r + 1] && !dead[r]; g++) {
            uint8_t *v = &st->slot_value[st->gate_slot[g]];
            if (*v == SLOT_UNKNOWN)
                *v = ev_node_truthy(st, st->gates[g]) ? SLOT_TRUE : SLOT_FALSE;
            dead[r] = *v == SLOT_FALSE;
        }
        if (dead[r] && (p->rules.items[r].flags & IR_RULE_GLOBAL))
            st->ns_failed[p->rules.items[r].ns] = 1;
    }
    size_t alive = 0;
    for (size_t r = 0; r < nr; r++) {
        if (st->ns_failed[p->rules.items[r].ns])
            dead[r] = 1;
        alive += !dead[r];
    }
    st->in = NULL;
    return alive;
}
