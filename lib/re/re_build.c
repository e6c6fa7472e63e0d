/*
 * re_build.c - builds lib/re trees node by node (re_build.h) and holds the
 * meaning of the zero-width assertions those trees may contain. The tree is
 * the one rx_parse_hex makes, so emitting, atom choice, fixed segments,
 * filters and chains apply unchanged; assertions are zero-width nodes that
 * those stages skip (segments and filters stay necessary conditions) and
 * only the thread machine tests, through rx_assert_ok.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "re_build.h"
#include "re_int.h"

struct re_builder {
    rx_ast ast;
    bool failed; /* a call failed: the tree is incomplete */
    bool limit;  /* ... because of a size limit or a bad argument, not memory */
};

static re_node refuse(re_builder *b)
{
    b->failed = b->limit = true;
    return -1;
}

/* libclamav's boundary[] table (matcher-ac.c): 1 may precede a word, 2 may
 * follow one, 3 both; a left (B) wants 1 or 3 before it, a right (B) 2 or 3
 * after it, an inner (B) any nonzero byte. */
static uint8_t boundary_class(uint8_t c)
{
    switch (c) {
    case '.':
    case '<':
    case '@':
        return 1;
    case '\n':
    case '\r':
    case '"':
    case '\'':
    case '=':
    case '>':
        return 2;
    case ' ':
    case '-':
    case '/':
    case '_':
        return 3;
    default:
        return 0;
    }
}

bool re_clam_boundary_byte(uint8_t c)
{
    return boundary_class(c) != 0;
}

/* isalnum() in the C locale, which is what libclamav runs under. */
static bool alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool has(const rx_class *k, uint8_t c)
{
    return k->bits[c / 8] >> (c % 8) & 1;
}

bool rx_assert_ok(const rx_class *classes, const rx_inst *in, const uint8_t *d, size_t len,
                  size_t p)
{
    bool r = false;
    if (p > len)
        return false;
    switch ((re_assert)in->a) {
    case RE_AS_CLAM_B_LEFT:
        r = p == 0 || (boundary_class(d[p - 1]) & 1);
        break;
    case RE_AS_CLAM_B_RIGHT:
        r = p == len || boundary_class(d[p]) >= 2;
        break;
    case RE_AS_CLAM_L_LEFT:
        r = p == 0 || d[p - 1] == '\n';
        break;
    case RE_AS_CLAM_L_RIGHT:
        r = p == len || d[p] == '\n' || (d[p] == '\r' && p + 1 < len && d[p + 1] == '\n');
        break;
    case RE_AS_CLAM_W_LEFT:
        r = p == 0 || !alnum(d[p - 1]);
        break;
    case RE_AS_CLAM_W_RIGHT:
        r = p == len || !alnum(d[p]);
        break;
    case RE_AS_CLAM_WW_LEFT:
        /* libclamav toggles twice for a start at 1: true; from 2 on it looks
         * for a wide character (alnum, 00) just before */
        r = p < 2 || !(alnum(d[p - 2]) && d[p - 1] == 0);
        break;
    case RE_AS_CLAM_WW_RIGHT:
        if (p == len)
            r = true;
        else if (p + 1 < len)
            r = !(alnum(d[p]) && d[p + 1] == 0);
        else
            r = !alnum(d[p]);
        break;
    case RE_AS_BEFORE:
        for (uint32_t i = in->min; i <= in->max && i < p; i++) {
            if (has(&classes[in->x], d[p - 1 - i])) {
                r = true;
                break;
            }
        }
        break;
    case RE_AS_AFTER:
        for (uint32_t i = in->min; i <= in->max && i < len - p; i++) {
            if (has(&classes[in->x], d[p + i])) {
                r = true;
                break;
            }
        }
        break;
    default:
        return false;
    }
    return in->b ? !r : r;
}

re_builder *re_build_new(void)
{
    re_builder *b = calloc(1, sizeof(*b));
    if (b)
        rx_ast_init(&b->ast);
    return b;
}

void re_build_free(re_builder *b)
{
    if (!b)
        return;
    rx_ast_free(&b->ast);
    free(b);
}

static re_node node(re_builder *b, rx_kind kind)
{
    if (b->failed)
        return -1;
    int32_t n = rx_new_node(&b->ast, kind);
    if (n < 0) {
        b->failed = true;
        b->limit = b->ast.nodes.len >= RX_MAX_NODES;
    }
    return n;
}

static bool valid(const re_builder *b, re_node n)
{
    return n >= 0 && (size_t)n < b->ast.nodes.len;
}

static int32_t add_class(re_builder *b, const uint8_t bits[32])
{
    rx_class k;
    memset(&k, 0, sizeof(k));
    memcpy(k.bits, bits, sizeof(k.bits));
    if (b->failed)
        return -1;
    if (b->ast.classes.len >= RX_MAX_NODES)
        return refuse(b);
    if (!vec_push(&b->ast.classes, k)) {
        b->failed = true;
        return -1;
    }
    return (int32_t)b->ast.classes.len - 1;
}

re_node re_build_byte(re_builder *b, uint8_t value, uint8_t mask)
{
    rx_kind k = mask == 0xFF ? RX_LIT : mask == 0 ? RX_ANY : RX_MASKED;
    re_node n = node(b, k);
    if (n >= 0) {
        b->ast.nodes.items[n].value = (uint8_t)(value & mask);
        b->ast.nodes.items[n].mask = mask;
    }
    return n;
}

re_node re_build_class(re_builder *b, const uint8_t bits[32])
{
    int32_t cls = add_class(b, bits);
    re_node n = cls >= 0 ? node(b, RX_CLASS) : -1;
    if (n >= 0)
        b->ast.nodes.items[n].cls = cls;
    return n;
}

re_node re_build_jump(re_builder *b, uint32_t min, uint32_t max)
{
    if (max != RE_BUILD_UNBOUNDED && min > max)
        return refuse(b);
    /* the tree's jumps hold int32 bounds; RX_UNBOUNDED stands for "no end" */
    uint32_t lo = min < RX_UNBOUNDED ? min : RX_UNBOUNDED - 1;
    uint32_t hi = max >= RX_UNBOUNDED ? RX_UNBOUNDED : max;
    re_node n = node(b, RX_RANGE_ANY);
    if (n >= 0) {
        rx_node *nd = &b->ast.nodes.items[n];
        nd->start = (int32_t)lo;
        nd->end = (int32_t)hi;
        nd->greedy = false; /* as yara's hex jumps: chained when long */
        nd->mask = 0;
    }
    return n;
}

re_node re_build_skip(re_builder *b, uint32_t n)
{
    if (n > 0xFFFF)
        return refuse(b);
    re_node j = re_build_jump(b, n, n);
    /* greedy jumps are never chain cuts (re.c split_chain); for an exact
     * count greed changes nothing */
    if (j >= 0)
        b->ast.nodes.items[j].greedy = true;
    return j;
}

re_node re_build_concat(re_builder *b)
{
    return node(b, RX_CONCAT);
}

void re_build_append(re_builder *b, re_node seq, re_node child)
{
    if (b->failed)
        return;
    if (!valid(b, seq) || !valid(b, child) || b->ast.nodes.items[seq].kind != RX_CONCAT ||
        b->ast.nodes.items[child].prev >= 0 || b->ast.nodes.items[child].next >= 0) {
        refuse(b);
        return;
    }
    rx_append(&b->ast, seq, child);
}

re_node re_build_alt(re_builder *b, re_node left, re_node right)
{
    if (!valid(b, left) || !valid(b, right))
        return refuse(b);
    re_node n = node(b, RX_ALT);
    if (n >= 0) {
        rx_append(&b->ast, n, left);
        rx_append(&b->ast, n, right);
    }
    return n;
}

re_node re_build_empty(re_builder *b)
{
    return node(b, RX_EMPTY);
}

re_node re_build_assert(re_builder *b, re_assert what, bool negated)
{
    if (what < RE_AS_CLAM_B_LEFT || what > RE_AS_CLAM_WW_RIGHT)
        return refuse(b);
    re_node n = node(b, RX_ASSERT);
    if (n >= 0) {
        b->ast.nodes.items[n].value = (uint8_t)what;
        b->ast.nodes.items[n].mask = negated;
    }
    return n;
}

re_node re_build_near(re_builder *b, re_assert what, const uint8_t bits[32], uint32_t min,
                      uint32_t max, bool negated)
{
    if ((what != RE_AS_BEFORE && what != RE_AS_AFTER) || min > max || max > 0xFFFF)
        return refuse(b);
    int32_t cls = add_class(b, bits);
    re_node n = cls >= 0 ? node(b, RX_ASSERT) : -1;
    if (n >= 0) {
        rx_node *nd = &b->ast.nodes.items[n];
        nd->value = (uint8_t)what;
        nd->mask = negated;
        nd->cls = cls;
        nd->start = (int32_t)min;
        nd->end = (int32_t)max;
    }
    return n;
}

vigil_status re_build_compile(re_builder *b, re_node root, unsigned flags, re_prog **out,
                              re_error *err)
{
    re_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    vigil_status st;
    if (b->failed || !valid(b, root)) {
        bool limit = b->limit || !b->failed;
        snprintf(err->message, sizeof(err->message), "%s",
                 limit ? "pattern is too large or malformed for the matcher" : "out of memory");
        st = limit ? VIGIL_E_LIMIT : VIGIL_E_NOMEM;
    } else {
        b->ast.root = root;
        b->ast.hex = true;
        st = rx_compile_ast(&b->ast, flags & (RE_F_NOCASE | RE_F_ANCHOR), true, true, out, err);
        /* the emitter refuses trees beyond the machine's limits with SYNTAX;
         * for a built tree that is a size limit, not the user's syntax */
        if (st == VIGIL_E_SYNTAX)
            st = VIGIL_E_LIMIT;
    }
    /* compiling rewrote the tree (chain cuts): start afresh next time */
    rx_ast_free(&b->ast);
    rx_ast_init(&b->ast);
    b->failed = b->limit = false;
    return st;
}
