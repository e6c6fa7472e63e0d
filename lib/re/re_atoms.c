/*
 * re_atoms.c - chooses atoms the way yara 4.2 does (atoms.c): walk the tree
 * collecting runs of literal-ish nodes, score 4-byte windows with yara's
 * quality heuristic, and pick per alternation. Matching the choice matters
 * beyond speed: yara verifies forward and backward from the chosen atom's
 * node, and the matches it reports depend on where that split falls.
 */
#include <string.h>

#include "re_int.h"

#define Q_MAX 255
#define Q_MIN 0

enum { T_LEAF, T_OR, T_AND };

typedef struct tnode {
    int type;
    int32_t first, last, next; /* children (indices into the tree) */
    rx_yatom atom;
    int32_t nodes[RX_YR_ATOM]; /* re nodes of the atom's bytes */
} tnode;

typedef struct tree {
    VEC(tnode) t;
    const rx_ast *ast;
    bool oom;
} tree;

static int32_t tnew(tree *tr, int type)
{
    tnode n;
    memset(&n, 0, sizeof(n));
    n.type = type;
    n.first = n.last = n.next = -1;
    if (!vec_push(&tr->t, n)) {
        tr->oom = true;
        return -1;
    }
    return (int32_t)tr->t.len - 1;
}

static void tappend(tree *tr, int32_t parent, int32_t child)
{
    if (parent < 0 || child < 0)
        return;
    tnode *p = &tr->t.items[parent];
    if (p->last >= 0)
        tr->t.items[p->last].next = child;
    else
        p->first = child;
    p->last = child;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int quality(const rx_yatom *a)
{
    bool seen[256] = {false};
    int q = 0, unique = 0;
    for (int i = 0; i < a->len; i++) {
        switch (a->mask[i]) {
        case 0x00: q -= 10; break;
        case 0x0F:
        case 0xF0: q += 4; break;
        case 0xFF: {
            int b = a->bytes[i];
            if (b == 0x00 || b == 0x20 || b == 0xCC || b == 0xFF)
                q += 12;
            else if (lower(b) >= 'a' && lower(b) <= 'z')
                q += 18;
            else
                q += 20;
            if (!seen[b]) {
                seen[b] = true;
                unique++;
            }
            break;
        }
        default: break;
        }
    }
    if (unique == 1 && (seen[0x00] || seen[0x20] || seen[0x90] || seen[0xCC] || seen[0xFF]))
        q -= 10 * a->len;
    else
        q += 2 * unique;
    return Q_MAX - 22 * RX_YR_ATOM + q;
}

/* yara's _yr_atoms_trim: drops wildcard ends; returns the left shift. */
static int trim(rx_yatom *a)
{
    int left = 0, m00 = 0, mff = 0;
    while (left < a->len && a->mask[left] == 0)
        left++;
    while (a->len > left && a->mask[a->len - 1] == 0)
        a->len--;
    a->len = (uint8_t)(a->len - left);
    if (a->len == 0)
        return 0;
    for (int i = 0; i < a->len; i++) {
        if (a->mask[left + i] == 0xFF)
            mff++;
        else if (a->mask[left + i] == 0x00)
            m00++;
    }
    if (m00 >= mff)
        a->len = 1;
    if (left == 0)
        return 0;
    for (int i = 0; i < RX_YR_ATOM - left; i++) {
        a->bytes[i] = a->bytes[left + i];
        a->mask[i] = a->mask[left + i];
    }
    return left;
}

typedef struct item {
    int32_t node;     /* re node to visit, -1 = none */
    int32_t appender; /* new appending OR node, -1 = keep */
} item;

typedef VEC(item) item_stack;

typedef struct walker {
    tree *tr;
    int32_t recent[RX_YR_ATOM], best_nodes[RX_YR_ATOM];
    rx_yatom best;
    int n, best_q;
    int32_t cur;
} walker;

static void make_atom(const walker *w, rx_yatom *a)
{
    const rx_ast *ast = w->tr->ast;
    memset(a, 0, sizeof(*a));
    a->len = (uint8_t)w->n;
    for (int i = 0; i < w->n; i++) {
        a->bytes[i] = ast->nodes.items[w->recent[i]].value;
        a->mask[i] = ast->nodes.items[w->recent[i]].mask;
    }
}

static void flush(walker *w)
{
    if (w->n > 0) {
        rx_yatom a;
        make_atom(w, &a);
        int shift = trim(&a);
        int q = quality(&a);
        int32_t leaf = tnew(w->tr, T_LEAF);
        if (leaf >= 0) {
            tnode *l = &w->tr->t.items[leaf];
            if (q > w->best_q) {
                l->atom = a;
                for (int i = 0; i < RX_YR_ATOM; i++)
                    l->nodes[i] = i + shift < RX_YR_ATOM ? w->recent[i + shift] : -1;
            } else {
                l->atom = w->best;
                memcpy(l->nodes, w->best_nodes, sizeof(l->nodes));
            }
            tappend(w->tr, w->cur, leaf);
        }
        w->n = 0;
    }
}

static void add_literal(walker *w, int32_t node)
{
    const rx_node *nd = &w->tr->ast->nodes.items[node];
    if (w->n < RX_YR_ATOM) {
        w->recent[w->n] = node;
        w->best_nodes[w->n] = node;
        w->best.bytes[w->n] = nd->value;
        w->best.mask[w->n] = nd->mask;
        w->best.len = (uint8_t)++w->n;
    } else if (w->best_q < Q_MAX) {
        rx_yatom a;
        make_atom(w, &a);
        int shift = trim(&a);
        int q = quality(&a);
        if (q > w->best_q) {
            for (int i = 0; i < a.len; i++) {
                w->best.bytes[i] = a.bytes[i];
                w->best.mask[i] = a.mask[i];
                w->best_nodes[i] = w->recent[i + shift];
            }
            w->best.len = a.len;
            w->best_q = q;
        }
        for (int i = 1; i < RX_YR_ATOM; i++)
            w->recent[i - 1] = w->recent[i];
        w->recent[RX_YR_ATOM - 1] = node;
    }
}

static bool push(item_stack *st, int32_t node, int32_t app)
{
    item it = {node, app};
    return vec_push(st, it);
}

static bool walk(tree *tr, int32_t root_or, int32_t re_root)
{
    item_stack st = {0};
    walker w;
    memset(&w, 0, sizeof(w));
    w.tr = tr;
    w.best_q = -1;
    w.cur = -1;
    bool ok = push(&st, -1, root_or) && push(&st, re_root, root_or);
    while (ok && st.len > 0) {
        item si = st.items[--st.len];
        if (si.appender >= 0) {
            flush(&w);
            w.cur = si.appender;
            w.best_q = -1;
        }
        if (si.node < 0)
            continue;
        const rx_node *nd = &tr->ast->nodes.items[si.node];
        switch ((rx_kind)nd->kind) {
        case RX_LIT:
        case RX_MASKED:
        case RX_ANY:
            add_literal(&w, si.node);
            break;
        case RX_CONCAT:
            for (int32_t c = nd->last; c >= 0 && ok; c = tr->ast->nodes.items[c].prev)
                ok = push(&st, c, -1);
            break;
        case RX_ALT: {
            int32_t and_n = tnew(tr, T_AND), l = tnew(tr, T_OR), r = tnew(tr, T_OR);
            if (and_n < 0 || l < 0 || r < 0) {
                ok = false;
                break;
            }
            tappend(tr, and_n, l);
            tappend(tr, and_n, r);
            tappend(tr, w.cur, and_n);
            ok = push(&st, -1, w.cur) && push(&st, nd->last, r) && push(&st, nd->first, l);
            break;
        }
        case RX_PLUS:
            ok = push(&st, -1, w.cur) && push(&st, nd->first, -1);
            break;
        case RX_RANGE: {
            ok = push(&st, -1, w.cur);
            int k = nd->start < RX_YR_ATOM ? nd->start : RX_YR_ATOM;
            for (int i = 0; i < k && ok; i++)
                ok = push(&st, nd->first, -1);
            break;
        }
        default:
            ok = push(&st, -1, w.cur);
            break;
        }
    }
    vec_free(&st);
    return ok && !tr->oom;
}

typedef VEC(rx_yatom) atom_list;

/* yara's _yr_atoms_choose; the tree is shallow but recursion is bounded by
 * the parser's nesting limit anyway. */
static bool choose(tree *tr, int32_t n, atom_list *out, int *q, int depth)
{
    tnode *t = &tr->t.items[n];
    *q = Q_MIN;
    if (depth > 4 * RX_MAX_DEPTH)
        return false;
    if (t->type == T_LEAF) {
        rx_yatom a = t->atom;
        int shift = trim(&a);
        if (a.len > 0) {
            const rx_node *nd = &tr->ast->nodes.items[t->nodes[shift]];
            a.fwd = nd->fwd;
            a.bwd = nd->bwd;
            a.node = t->nodes[shift];
            a.seg = -1;
            if (!vec_push(out, a))
                return false;
            *q = quality(&a);
        }
        return true;
    }
    if (t->type == T_OR) {
        int maxq = Q_MIN;
        atom_list best = {0};
        for (int32_t c = t->first; c >= 0; c = tr->t.items[c].next) {
            atom_list cand = {0};
            int cq;
            if (!choose(tr, c, &cand, &cq, depth + 1)) {
                vec_free(&cand);
                vec_free(&best);
                return false;
            }
            if (cq > maxq) {
                maxq = cq;
                vec_free(&best);
                best = cand;
            } else {
                vec_free(&cand);
            }
            if (maxq == Q_MAX)
                break;
        }
        bool ok = vec_reserve(out, best.len);
        if (ok && best.len) {
            memcpy(out->items + out->len, best.items, best.len * sizeof(rx_yatom));
            out->len += best.len;
        }
        vec_free(&best);
        *q = maxq;
        return ok;
    }
    int minq = Q_MAX;
    for (int32_t c = t->first; c >= 0; c = tr->t.items[c].next) {
        int cq;
        if (!choose(tr, c, out, &cq, depth + 1))
            return false;
        if (cq < minq)
            minq = cq;
    }
    *q = minq;
    return true;
}

/* Expands 00/0F/F0 masks into concrete atoms (yara's expand_wildcards). */
static bool expand(const atom_list *in, atom_list *out)
{
    for (size_t k = 0; k < in->len; k++) {
        atom_list work = {0};
        if (!vec_push(&work, in->items[k]))
            return false;
        for (int i = 0; i < in->items[k].len; i++) {
            size_t n = work.len;
            for (size_t w = 0; w < n; w++) {
                rx_yatom a = work.items[w];
                int s, e, inc = 1;
                switch (a.mask[i]) {
                case 0x00: s = 0; e = 0xFF; break;
                case 0x0F: s = a.bytes[i]; e = a.bytes[i] | 0xF0; inc = 0x10; break;
                case 0xF0: s = a.bytes[i]; e = a.bytes[i] | 0x0F; break;
                default: continue;
                }
                work.items[w].bytes[i] = (uint8_t)s;
                work.items[w].mask[i] = 0xFF;
                for (int v = s + inc; v <= e; v += inc) {
                    a.bytes[i] = (uint8_t)v;
                    a.mask[i] = 0xFF;
                    if (work.len + out->len >= RX_MAX_ATOMS || !vec_push(&work, a)) {
                        vec_free(&work);
                        return false;
                    }
                }
            }
        }
        bool ok = vec_reserve(out, work.len);
        if (ok) {
            memcpy(out->items + out->len, work.items, work.len * sizeof(rx_yatom));
            out->len += work.len;
        }
        vec_free(&work);
        if (!ok)
            return false;
    }
    return true;
}

vigil_status rx_choose_atoms(const rx_ast *ast, int32_t root, rx_yatom **out, size_t *n)
{
    tree tr = {.ast = ast};
    atom_list chosen = {0}, expanded = {0};
    vigil_status st = VIGIL_OK;
    *out = NULL;
    *n = 0;
    int32_t root_or = tnew(&tr, T_OR);
    int q;
    if (root_or < 0 || !walk(&tr, root_or, root) || !choose(&tr, root_or, &chosen, &q, 0)) {
        st = VIGIL_E_NOMEM;
        goto out;
    }
    /* Too many expansions: fall back to verifying everywhere (still exact). */
    if (!expand(&chosen, &expanded)) {
        vec_free(&expanded);
        goto out;
    }
    *out = expanded.items;
    *n = expanded.len;
out:
    vec_free(&chosen);
    vec_free(&tr.t);
    return st;
}
