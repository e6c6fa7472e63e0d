/*
 * ir.c - construction helpers for the intermediate form. A program whose
 * arrays were mapped from a database file has cap == 0 on those arrays: it
 * does not own them and ir_free leaves them alone.
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

void ir_init(ir_program *p)
{
    memset(p, 0, sizeof(*p));
    vec_push(&p->pool, '\0');
}

#define IR_FREE_OWNED(v)         \
    do {                         \
        if ((v)->cap)            \
            free((v)->items);    \
        (v)->items = NULL;       \
        (v)->len = (v)->cap = 0; \
    } while (0)

void ir_free(ir_program *p)
{
    if (!p)
        return;
    IR_FREE_OWNED(&p->rules);
    IR_FREE_OWNED(&p->metas);
    IR_FREE_OWNED(&p->strings);
    IR_FREE_OWNED(&p->nodes);
    IR_FREE_OWNED(&p->lists);
    IR_FREE_OWNED(&p->namespaces);
    IR_FREE_OWNED(&p->externals);
    IR_FREE_OWNED(&p->modules);
    IR_FREE_OWNED(&p->pool);
}

uint32_t ir_pool_add(ir_program *p, const void *bytes, size_t len)
{
    if (p->pool.len > UINT32_MAX - len - 2)
        return IR_NONE;
    if (!vec_reserve(&p->pool, len + 1))
        return IR_NONE;
    uint32_t off = (uint32_t)p->pool.len;
    if (len)
        memcpy(p->pool.items + off, bytes, len);
    p->pool.items[off + len] = '\0';
    p->pool.len += len + 1;
    return off;
}

uint32_t ir_pool_str(ir_program *p, const char *s)
{
    return ir_pool_add(p, s, strlen(s));
}

uint32_t ir_add_node(ir_program *p, const ir_node *n)
{
    if (p->nodes.len >= IR_NONE - 1 || !vec_push(&p->nodes, *n))
        return IR_NONE;
    return (uint32_t)(p->nodes.len - 1);
}

uint32_t ir_add_list(ir_program *p, const uint32_t *items, size_t n)
{
    if (!vec_reserve(&p->lists, n) || p->lists.len + n >= IR_NONE)
        return IR_NONE;
    uint32_t first = (uint32_t)p->lists.len;
    if (n)
        memcpy(p->lists.items + first, items, n * sizeof(*items));
    p->lists.len += n;
    return first;
}

static bool has_quant_node(const ir_node *n)
{
    return n->aux == IR_Q_EXPR || n->aux == IR_Q_PERCENT;
}

bool ir_child_at(const ir_program *p, const ir_node *n, uint32_t k, uint32_t *out)
{
    uint32_t fixed[3] = {IR_NONE, IR_NONE, IR_NONE};
    uint32_t nfixed = 0;
    const ir_list *list = NULL;

    switch ((ir_op)n->op) {
    case IR_OP_NEG:
    case IR_OP_BNOT:
    case IR_OP_NOT:
    case IR_OP_DEFINED:
    case IR_OP_READ_INT:
        fixed[nfixed++] = n->a;
        break;
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
    case IR_OP_MATCHES:
    case IR_OP_AND:
    case IR_OP_OR:
    case IR_OP_RANGE:
        fixed[nfixed++] = n->a;
        fixed[nfixed++] = n->b;
        break;
    case IR_OP_STR_COUNT:
    case IR_OP_STR_OFFSET:
    case IR_OP_STR_LENGTH:
    case IR_OP_STR_AT:
    case IR_OP_STR_IN:
        fixed[nfixed++] = n->b;
        break;
    case IR_OP_OF_STRINGS:
    case IR_OP_OF_RULES:
        fixed[nfixed++] = has_quant_node(n) ? n->c : IR_NONE;
        break;
    case IR_OP_OF_BOOLS:
        fixed[nfixed++] = has_quant_node(n) ? n->c : IR_NONE;
        list = &n->v.list;
        break;
    case IR_OP_FOR_OF:
        fixed[nfixed++] = n->a;
        fixed[nfixed++] = has_quant_node(n) ? n->c : IR_NONE;
        break;
    case IR_OP_FOR_IN:
        fixed[nfixed++] = n->a;
        fixed[nfixed++] = n->v.body;
        fixed[nfixed++] = has_quant_node(n) ? n->c : IR_NONE;
        break;
    case IR_OP_ENUM:
        list = &n->v.list;
        break;
    case IR_OP_MOD_MEMBER:
    case IR_OP_CLAM_BYTECMP:
    case IR_OP_CLAM_VI:
        fixed[nfixed++] = n->a;
        break;
    case IR_OP_CLAM_PCRE:
        fixed[nfixed++] = n->a;
        fixed[nfixed++] = n->b;
        break;
    case IR_OP_MOD_INDEX:
    case IR_OP_MOD_KEY:
        fixed[nfixed++] = n->a;
        fixed[nfixed++] = n->b;
        break;
    case IR_OP_MOD_CALL:
        fixed[nfixed++] = n->a;
        list = &n->v.list;
        break;
    default:
        break;
    }
    if (k < nfixed) {
        *out = fixed[k];
        return true;
    }
    k -= nfixed;
    if (list && k < list->count && (uint64_t)list->first + k < p->lists.len) {
        *out = p->lists.items[list->first + k];
        return true;
    }
    return false;
}

const char *ir_op_name(ir_op op)
{
    static const char *const names[IR_OP__COUNT] = {
        [IR_OP_TRUE] = "true", [IR_OP_FALSE] = "false", [IR_OP_INT] = "int",
        [IR_OP_FLOAT] = "float", [IR_OP_STRING] = "string", [IR_OP_REGEX] = "regex",
        [IR_OP_FILESIZE] = "filesize", [IR_OP_ENTRYPOINT] = "entrypoint",
        [IR_OP_EXTERNAL] = "external", [IR_OP_VAR] = "var", [IR_OP_NEG] = "neg",
        [IR_OP_ADD] = "+", [IR_OP_SUB] = "-", [IR_OP_MUL] = "*", [IR_OP_DIV] = "\\",
        [IR_OP_MOD] = "%", [IR_OP_BNOT] = "~", [IR_OP_BAND] = "&", [IR_OP_BOR] = "|",
        [IR_OP_BXOR] = "^", [IR_OP_SHL] = "<<", [IR_OP_SHR] = ">>", [IR_OP_LT] = "<",
        [IR_OP_LE] = "<=", [IR_OP_GT] = ">", [IR_OP_GE] = ">=", [IR_OP_EQ] = "==",
        [IR_OP_NE] = "!=", [IR_OP_CONTAINS] = "contains", [IR_OP_ICONTAINS] = "icontains",
        [IR_OP_STARTSWITH] = "startswith", [IR_OP_ISTARTSWITH] = "istartswith",
        [IR_OP_ENDSWITH] = "endswith", [IR_OP_IENDSWITH] = "iendswith",
        [IR_OP_IEQUALS] = "iequals", [IR_OP_MATCHES] = "matches", [IR_OP_NOT] = "not",
        [IR_OP_AND] = "and", [IR_OP_OR] = "or", [IR_OP_DEFINED] = "defined",
        [IR_OP_READ_INT] = "read_int", [IR_OP_STR_FOUND] = "$", [IR_OP_STR_COUNT] = "#",
        [IR_OP_STR_OFFSET] = "@", [IR_OP_STR_LENGTH] = "!", [IR_OP_STR_AT] = "at",
        [IR_OP_STR_IN] = "in", [IR_OP_RANGE] = "range", [IR_OP_OF_STRINGS] = "of-strings",
        [IR_OP_OF_RULES] = "of-rules", [IR_OP_OF_BOOLS] = "of-bools", [IR_OP_FOR_OF] = "for-of",
        [IR_OP_FOR_IN] = "for-in", [IR_OP_ENUM] = "enum", [IR_OP_RULE] = "rule",
        [IR_OP_MOD_ROOT] = "module", [IR_OP_MOD_MEMBER] = "member", [IR_OP_MOD_INDEX] = "index",
        [IR_OP_MOD_KEY] = "key", [IR_OP_MOD_CALL] = "call",
        [IR_OP_CLAM_OFFSET] = "clamav-offset", [IR_OP_CLAM_TARGET] = "clamav-target",
        [IR_OP_CLAM_NSECTIONS] = "clamav-sections", [IR_OP_CLAM_DEPTH] = "clamav-depth",
        [IR_OP_CLAM_PCRE] = "clamav-pcre", [IR_OP_CLAM_BYTECMP] = "clamav-bytecmp",
        [IR_OP_CLAM_IMGHASH] = "clamav-imghash", [IR_OP_CLAM_CONTAINER] = "clamav-container",
        [IR_OP_CLAM_VI] = "clamav-vi",
    };
    if ((unsigned)op >= IR_OP__COUNT || !names[op])
        return "?";
    return names[op];
}
