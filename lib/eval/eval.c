/*
 * eval.c - evaluates rule conditions over the IR with yara 4.2.3's semantics,
 * UNDEFINED and quirks included (each quirk's comment names the yara condition
 * that shows it). Recursive over a program that ev_validate() checked once, so
 * the hot path has no index checks and allocates nothing; and/or chains loop.
 */
#include "internal.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static ev_value eval(ev_state *st, uint32_t idx);

static ev_value v_undef(void)
{
    return (ev_value){.kind = EV_UNDEF};
}

static ev_value v_int(int64_t i)
{
    return (ev_value){.kind = EV_INT, .i = i};
}

static ev_value v_bool(bool b)
{
    return v_int(b ? 1 : 0);
}

static ev_value v_float(double f)
{
    return (ev_value){.kind = EV_FLOAT, .f = f};
}

static ev_value v_str(const uint8_t *s, size_t len)
{
    return (ev_value){.kind = EV_STR, .s = s, .len = len};
}

/* Truth in a boolean context: yara tests the raw 64-bit value, so a float
 * is true when any bit is set (`condition: -0.0` matches). */
static bool truthy(ev_value v)
{
    switch (v.kind) {
    case EV_INT:
        return v.i != 0;
    case EV_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &v.f, sizeof(bits));
        return bits != 0;
    }
    case EV_STR:
        return v.len > 0;
    case EV_REGEX:
        return true;
    case EV_OBJ: /* the compiler never lets an object be a condition */
    case EV_UNDEF:
        break;
    }
    return false;
}

static const ir_node *node(const ev_state *st, uint32_t idx)
{
    return &st->prog->nodes.items[idx];
}

static const uint8_t *pool_bytes(const ev_state *st, uint32_t off)
{
    return (const uint8_t *)st->prog->pool.items + off;
}

/* ---- numbers ---- */

static bool is_num(ev_value v)
{
    return v.kind == EV_INT || v.kind == EV_FLOAT;
}

static double as_double(ev_value v)
{
    return v.kind == EV_INT ? (double)v.i : v.f;
}

/* int64 arithmetic wraps as yara's does on its platforms; done in uint64 so
 * that C has no undefined behaviour to exploit. */
static int64_t wrap(uint64_t u)
{
    return (int64_t)u;
}

static ev_value arith(uint16_t op, ev_value a, ev_value b)
{
    if (!is_num(a) || !is_num(b))
        return v_undef();
    if (a.kind == EV_INT && b.kind == EV_INT) {
        uint64_t x = (uint64_t)a.i, y = (uint64_t)b.i;
        switch (op) {
        case IR_OP_ADD:
            return v_int(wrap(x + y));
        case IR_OP_SUB:
            return v_int(wrap(x - y));
        case IR_OP_MUL:
            return v_int(wrap(x * y));
        case IR_OP_DIV:
        case IR_OP_MOD:
            /* yara: `1 \ (filesize-16)` on a 16-byte file, and
             * `(uint8(0)-65-0x7fffffffffffffff-1) \ -1`, are undefined */
            if (b.i == 0 || (a.i == INT64_MIN && b.i == -1))
                return v_undef();
            return v_int(op == IR_OP_DIV ? a.i / b.i : a.i % b.i);
        default:
            return v_undef();
        }
    }
    double x = as_double(a), y = as_double(b);
    switch (op) {
    case IR_OP_ADD:
        return v_float(x + y);
    case IR_OP_SUB:
        return v_float(x - y);
    case IR_OP_MUL:
        return v_float(x * y);
    case IR_OP_DIV:
        return v_float(x / y); /* yara: `1.0 \ 0.0` is defined (inf) */
    default:
        return v_undef(); /* `%` takes integers only */
    }
}

static ev_value bitwise(uint16_t op, ev_value a, ev_value b)
{
    if (a.kind != EV_INT || b.kind != EV_INT)
        return v_undef();
    switch (op) {
    case IR_OP_BAND:
        return v_int(a.i & b.i);
    case IR_OP_BOR:
        return v_int(a.i | b.i);
    case IR_OP_BXOR:
        return v_int(a.i ^ b.i);
    case IR_OP_SHL:
    case IR_OP_SHR:
        /* yara: a negative count is undefined, a count >= 64 gives 0 even
         * for a negative left side (`(-8 >> 64) == 0`) */
        if (b.i < 0)
            return v_undef();
        if (b.i >= 64)
            return v_int(0);
        if (op == IR_OP_SHL)
            return v_int(wrap((uint64_t)a.i << b.i));
        /* arithmetic shift, spelled so that C defines it */
        return v_int(a.i < 0 ? ~(~a.i >> b.i) : a.i >> b.i);
    default:
        return v_undef();
    }
}

static bool cmp_result(uint16_t op, int c)
{
    switch (op) {
    case IR_OP_LT:
        return c < 0;
    case IR_OP_LE:
        return c <= 0;
    case IR_OP_GT:
        return c > 0;
    case IR_OP_GE:
        return c >= 0;
    case IR_OP_EQ:
        return c == 0;
    default:
        return c != 0;
    }
}

static ev_value compare(const ev_state *st, const ir_node *n, ev_value a, ev_value b)
{
    uint16_t op = n->op;
    if (a.kind == EV_UNDEF || b.kind == EV_UNDEF) {
        /* yara 4.2.3's OP_DBL_LT alone yields false, not UNDEFINED:
         * `defined (uint8(100) < 1.5)` and `defined (1.5 < uint8(100))` hold,
         * `defined (uint8(100) <= 1.5)` does not. */
        bool dbl = node(st, n->a)->type == IR_T_FLOAT || node(st, n->b)->type == IR_T_FLOAT ||
                   a.kind == EV_FLOAT || b.kind == EV_FLOAT;
        return (op == IR_OP_LT && dbl) ? v_bool(false) : v_undef();
    }
    if (a.kind == EV_STR && b.kind == EV_STR)
        return v_bool(cmp_result(op, ev_str_cmp(a.s, a.len, b.s, b.len)));
    if (!is_num(a) || !is_num(b))
        return v_undef();
    if (a.kind == EV_INT && b.kind == EV_INT)
        return v_bool(cmp_result(op, a.i < b.i ? -1 : a.i > b.i));
    double x = as_double(a), y = as_double(b);
    switch (op) {
    case IR_OP_EQ:
        return v_bool(fabs(x - y) < DBL_EPSILON); /* yara: `0.1 + 0.2 == 0.3` */
    case IR_OP_NE:
        return v_bool(fabs(x - y) >= DBL_EPSILON);
    case IR_OP_LT:
        return v_bool(x < y);
    case IR_OP_LE:
        return v_bool(x <= y);
    case IR_OP_GT:
        return v_bool(x > y);
    default:
        return v_bool(x >= y);
    }
}

static ev_value string_op(const ev_state *st, const ir_node *n, ev_value a, ev_value b)
{
    if (a.kind != EV_STR)
        return v_undef();
    if (n->op == IR_OP_MATCHES) {
        /* yara: `"" matches /.*\/` is false: the empty string never matches */
        if (a.len == 0)
            return v_bool(false);
        return v_bool(re_search(st->regex[n->b], a.s, a.len));
    }
    if (b.kind != EV_STR)
        return v_undef();
    switch (n->op) {
    case IR_OP_CONTAINS:
        return v_bool(ev_str_contains(a.s, a.len, b.s, b.len, false));
    case IR_OP_ICONTAINS:
        return v_bool(ev_str_contains(a.s, a.len, b.s, b.len, true));
    case IR_OP_STARTSWITH:
        return v_bool(ev_str_startswith(a.s, a.len, b.s, b.len, false));
    case IR_OP_ISTARTSWITH:
        return v_bool(ev_str_startswith(a.s, a.len, b.s, b.len, true));
    case IR_OP_ENDSWITH:
        return v_bool(ev_str_endswith(a.s, a.len, b.s, b.len, false));
    case IR_OP_IENDSWITH:
        return v_bool(ev_str_endswith(a.s, a.len, b.s, b.len, true));
    default:
        return v_bool(ev_str_iequals(a.s, a.len, b.s, b.len));
    }
}

/* ---- reads from the object ---- */

static ev_value read_int(const ev_state *st, uint32_t aux, ev_value off)
{
    size_t w = aux & 7u;
    const ev_input *in = st->in;
    if (off.kind != EV_INT || off.i < 0 || (uint64_t)off.i > in->len || in->len - (size_t)off.i < w)
        return v_undef();
    const uint8_t *p = in->data + off.i;
    uint64_t u = 0;
    for (size_t k = 0; k < w; k++) {
        size_t byte = (aux & IR_READ_BE) ? k : w - 1 - k;
        u = (u << 8) | p[byte];
    }
    if ((aux & IR_READ_SIGNED) && (u >> (8 * w - 1)))
        u |= ~(uint64_t)0 << (8 * w); /* w <= 4: the shift stays below 64 */
    return v_int(wrap(u));
}

static ev_value external(const ev_state *st, uint32_t idx)
{
    const ev_input *in = st->in;
    const ir_external *e = in->externals ? &in->externals[idx] : &st->prog->externals.items[idx];
    switch (e->type) {
    case IR_T_BOOL:
        return v_bool(e->i != 0);
    case IR_T_INT:
        return v_int(e->i);
    case IR_T_FLOAT:
        return v_float(e->f);
    case IR_T_STRING: {
        const char *pool = in->ext_pool ? in->ext_pool : st->prog->pool.items;
        size_t plen = in->ext_pool ? in->ext_pool_len : st->prog->pool.len;
        if (e->s > plen || e->s_len > plen - e->s)
            return v_undef();
        return v_str((const uint8_t *)pool + e->s, e->s_len);
    }
    default:
        return v_undef();
    }
}

/* ---- strings of the rule ---- */

static const mt_match *str_matches(const ev_state *st, uint32_t sidx, size_t *n)
{
    *n = 0;
    if (sidx == IR_NONE)
        sidx = st->cur_string;
    if (sidx == IR_NONE)
        return NULL;
    if (st->in->get_matches)
        return st->in->get_matches(st->in->get_matches_user, sidx, n);
    if (!st->in->matches)
        return NULL;
    return mt_matches(st->in->matches, sidx, n);
}

/* First match whose offset is >= x (x may be negative). */
static size_t lower_bound(const mt_match *m, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    if (x <= 0)
        return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].offset < (uint64_t)x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Matches with lo <= offset <= hi. */
static size_t count_in(const mt_match *m, size_t n, int64_t lo, int64_t hi)
{
    if (lo > hi || hi < 0)
        return 0;
    size_t first = lower_bound(m, n, lo);
    size_t end = hi == INT64_MAX ? n : lower_bound(m, n, hi + 1);
    return end > first ? end - first : 0;
}

static bool range_bounds(ev_state *st, uint32_t range, int64_t *lo, int64_t *hi)
{
    const ir_node *r = node(st, range);
    ev_value a = eval(st, r->a);
    ev_value b = eval(st, r->b);
    if (a.kind != EV_INT || b.kind != EV_INT)
        return false;
    *lo = a.i;
    *hi = b.i;
    return true;
}

static ev_value string_expr(ev_state *st, const ir_node *n)
{
    size_t cnt;
    const mt_match *m = str_matches(st, n->a, &cnt);
    int64_t lo, hi;
    switch (n->op) {
    case IR_OP_STR_FOUND:
        return v_bool(cnt > 0);
    case IR_OP_STR_COUNT:
        if (n->b == IR_NONE) {
            /* a split ClamAV pattern counts its completed tail matches */
            size_t tails;
            uint32_t si = n->a == IR_NONE ? st->cur_string : n->a;
            if (!st->in->get_matches && si != IR_NONE &&
                mt_clam_count(st->in->matches, si, &tails))
                return v_int((int64_t)tails);
            return v_int((int64_t)cnt);
        }
        /* yara 4.2.3 itself fails at scan time on `#a in (..)` (error 31);
         * this is the meaning the documentation gives it */
        if (!range_bounds(st, n->b, &lo, &hi))
            return v_undef();
        return v_int((int64_t)count_in(m, cnt, lo, hi));
    case IR_OP_STR_OFFSET:
    case IR_OP_STR_LENGTH: {
        /* yara: `@a[0]`, `@a[-1]`, `@a[#a + 1]`, `@a[uint8(100)]` are undefined */
        ev_value i = eval(st, n->b);
        if (i.kind != EV_INT || i.i < 1 || (uint64_t)i.i > cnt)
            return v_undef();
        const mt_match *x = &m[i.i - 1];
        return v_int(n->op == IR_OP_STR_OFFSET ? (int64_t)x->offset : (int64_t)x->length);
    }
    case IR_OP_STR_AT: {
        /* yara: `$a at uint8(100)` is false, not undefined */
        ev_value at = eval(st, n->b);
        if (at.kind != EV_INT || at.i < 0)
            return v_bool(false);
        size_t k = lower_bound(m, cnt, at.i);
        return v_bool(k < cnt && m[k].offset == (uint64_t)at.i);
    }
    case IR_OP_STR_IN:
        /* yara: `$a in (uint8(100)..5)` is undefined */
        if (!range_bounds(st, n->b, &lo, &hi))
            return v_undef();
        return v_bool(count_in(m, cnt, lo, hi) > 0);
    default:
        return v_undef();
    }
}

/* ---- quantifiers ---- */

typedef enum qkind { Q_ALL, Q_ATLEAST, Q_PERCENT, Q_UNDEF } qkind;

/* Resolves a node's quantifier to "all", "at least q" or "q percent".
 * `none` is "at least 0": the `of` operators then read 0 as "exactly 0"
 * (yara: `0 of ($a, $c)` is false when $a matched), while yara 4.2.3's
 * for-loops take it literally (`for none i in (1,2,3) : (true)` matches). */
static qkind quantifier(ev_state *st, const ir_node *n, int64_t *q)
{
    ev_value v;
    switch (n->aux) {
    case IR_Q_ALL:
        return Q_ALL;
    case IR_Q_ANY:
        *q = 1;
        return Q_ATLEAST;
    case IR_Q_NONE:
        *q = 0;
        return Q_ATLEAST;
    case IR_Q_EXPR:
        /* yara: an undefined count means "all" (`uint8(100) of ($a,$c)`) */
        v = eval(st, n->c);
        if (v.kind != EV_INT)
            return Q_ALL;
        *q = v.i;
        return Q_ATLEAST;
    default:
        v = eval(st, n->c);
        if (v.kind != EV_INT)
            return Q_UNDEF;
        *q = v.i;
        return Q_PERCENT;
    }
}

/* The `of` operators: found items out of count. */
static ev_value of_result(qkind k, int64_t q, size_t found, size_t count)
{
    switch (k) {
    case Q_ALL:
        return v_bool(found >= count);
    case Q_ATLEAST:
        if (q == 0)
            return v_bool(found == 0);
        return v_bool(q < 0 || found >= (uint64_t)q);
    case Q_PERCENT:
        /* yara: 66% of 3 with 2 found holds, 67% does not */
        if (count == 0)
            return v_undef();
        return v_bool(((double)found / (double)count) * 100 >= (double)q);
    default:
        return v_undef();
    }
}

static ev_value of_expr(ev_state *st, const ir_node *n)
{
    int64_t q = 0;
    qkind k = quantifier(st, n, &q);
    const uint32_t *items = st->prog->lists.items + n->v.list.first;
    size_t count = n->v.list.count, found = 0;
    for (size_t i = 0; i < count; i++) {
        size_t nm;
        switch (n->op) {
        case IR_OP_OF_STRINGS:
            str_matches(st, items[i], &nm);
            found += nm > 0;
            break;
        case IR_OP_OF_RULES:
            found += st->results[items[i]] != 0;
            break;
        default:
            found += truthy(eval(st, items[i]));
            break;
        }
    }
    return of_result(k, q, found, count);
}

/* What one iteration adds to a for-loop's counter. yara adds the body's raw
 * value, not its truth: `for all i in (0..2) : (i)` holds (0+1+2 >= 3) and
 * `for any i in (1..3) : (i - 2)` does not (-1+0+1 never reaches 1); a
 * float adds its bits, a string 1 when not empty, UNDEFINED nothing. */
static int64_t contribution(ev_value v)
{
    switch (v.kind) {
    case EV_INT:
        return v.i;
    case EV_FLOAT: {
        int64_t bits;
        memcpy(&bits, &v.f, sizeof(bits));
        return bits;
    }
    case EV_STR:
        return v.len > 0;
    case EV_REGEX:
        return 1;
    case EV_OBJ:
    case EV_UNDEF:
        break;
    }
    return 0;
}

/* Counting state of a for-loop; loop_step() says when the result is known. */
typedef struct loop {
    qkind k;
    int64_t q;
    int64_t counter;
    uint64_t iterations;
    bool bool_body; /* every contribution is 0 or 1 */
    bool done, result;
} loop;

static void loop_init(ev_state *st, const ir_node *n, uint32_t body, loop *l)
{
    memset(l, 0, sizeof(*l));
    l->k = quantifier(st, n, &l->q);
    uint8_t t = node(st, body)->type;
    l->bool_body = t == IR_T_BOOL || t == IR_T_STRING;
}

static void loop_step(loop *l, ev_value body)
{
    int64_t c = contribution(body);
    l->iterations++;
    l->counter = wrap((uint64_t)l->counter + (uint64_t)c);
    /* yara leaves the loop as soon as the counter reaches the quantity
     * (`for 1 i in (1..3) : (3 - i * 2)` holds though the sum ends at -3) */
    if (l->k == Q_ATLEAST && l->counter >= l->q) {
        l->done = true;
        l->result = true;
    }
    /* yara runs `all` to the end; with 0/1 bodies one miss decides it */
    if (l->k == Q_ALL && l->bool_body && c == 0) {
        l->done = true;
        l->result = false;
    }
}

static ev_value loop_result(const loop *l)
{
    if (l->k == Q_UNDEF)
        return v_undef();
    if (l->done)
        return v_bool(l->result);
    /* yara: a loop over nothing is false whatever its quantifier:
     * `for all i in (3..1) : (false)`, `for none i in (3..1) : (true)` */
    if (l->iterations == 0)
        return v_bool(false);
    if (l->k == Q_ALL)
        return v_bool(l->counter >= 0 && (uint64_t)l->counter >= l->iterations);
    if (l->k == Q_PERCENT)
        return v_bool(((double)l->counter / (double)l->iterations) * 100 >= (double)l->q);
    return v_bool(false);
}

/* True when loops must stop because the scan's deadline passed. The clock is
 * read once per 4096 iterations: cheap enough for tight loops. */
static bool out_of_time(ev_state *st)
{
    if (st->timed_out)
        return true;
    if (!st->in->deadline_ns || (++st->ticks & 0xfff) != 0)
        return false;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    st->timed_out = now >= st->in->deadline_ns;
    return st->timed_out;
}

static ev_value for_of(ev_state *st, const ir_node *n)
{
    loop l;
    loop_init(st, n, n->a, &l);
    if (l.k == Q_UNDEF)
        return v_undef();
    const uint32_t *items = st->prog->lists.items + n->v.list.first;
    uint32_t saved = st->cur_string;
    for (uint32_t i = 0; i < n->v.list.count && !l.done && !out_of_time(st); i++) {
        st->cur_string = items[i];
        loop_step(&l, eval(st, n->a));
    }
    st->cur_string = saved;
    return loop_result(&l);
}

typedef struct each_ctx {
    loop *l;
    const ir_node *n;
} each_ctx;

/* One element (a) or dictionary entry (a = key, b = value) of a module
 * iterable, bound to the loop's variables. */
static bool each_step(ev_state *st, ev_value a, ev_value b, void *user)
{
    each_ctx *e = user;
    st->vars[e->n->b] = a;
    if (e->n->pad == 2)
        st->vars[e->n->b + 1] = b;
    loop_step(e->l, eval(st, e->n->v.body));
    return !e->l->done && !out_of_time(st);
}

static ev_value for_in(ev_state *st, const ir_node *n)
{
    loop l;
    loop_init(st, n, n->v.body, &l);
    if (l.k == Q_UNDEF)
        return v_undef();
    ev_value *var = &st->vars[n->b];
    ev_value saved = *var;
    const ir_node *it = node(st, n->a);
    if (it->type == IR_T_OBJECT) {
        ev_value obj = eval(st, n->a);
        /* the variable count must fit the iterable (checked at compile time;
         * a forged database gets no iterations) */
        bool fits = obj.kind == EV_OBJ && ((obj.i == MO_ARRAY && n->pad == 1) ||
                                           (obj.i == MO_DICT && n->pad == 2));
        ev_value saved2 = n->pad == 2 ? st->vars[n->b + 1] : v_undef();
        each_ctx e = {&l, n};
        if (fits)
            ev_module_each(st, obj, each_step, &e);
        if (n->pad == 2)
            st->vars[n->b + 1] = saved2;
    } else if (it->op == IR_OP_RANGE) {
        int64_t lo, hi;
        /* yara: an undefined bound iterates nothing
         * (`for any i in (uint8(100)..uint8(100)) : (true)` is false) */
        if (range_bounds(st, n->a, &lo, &hi) && lo <= hi) {
            for (int64_t i = lo; !l.done && !out_of_time(st); i++) {
                *var = v_int(i);
                loop_step(&l, eval(st, n->v.body));
                if (i == hi)
                    break;
            }
        }
    } else {
        /* yara: undefined items are iterated with the variable undefined
         * (`for any i in (uint8(100)) : (not defined i)`) */
        const uint32_t *items = st->prog->lists.items + it->v.list.first;
        for (uint32_t i = 0; i < it->v.list.count && !l.done && !out_of_time(st); i++) {
            *var = eval(st, items[i]);
            loop_step(&l, eval(st, n->v.body));
        }
    }
    *var = saved;
    return loop_result(&l);
}

/* `a and b and c ...` (or `or`) parsed left-associatively: walk the left
 * spine with the state's scratch instead of recursing. Results are always
 * defined: yara 4.2.3 reads an undefined side as false
 * (`defined (uint8(100) == 0 and true)` and
 * `not (uint8(100) == 0 or uint8(101) == 0)` both match). */
static ev_value chain(ev_state *st, uint32_t idx)
{
    uint16_t op = node(st, idx)->op;
    size_t base = st->spine_top;
    uint32_t cur = idx;
    while (node(st, cur)->op == op) {
        assert(st->spine_top < st->prog->nodes.len);
        st->spine[st->spine_top++] = cur;
        cur = node(st, cur)->a;
    }
    bool acc = truthy(eval(st, cur));
    while (st->spine_top > base) {
        if (op == IR_OP_AND ? !acc : acc)
            break;
        uint32_t s = st->spine[--st->spine_top];
        acc = truthy(eval(st, node(st, s)->b));
    }
    st->spine_top = base;
    return v_bool(acc);
}

static ev_value eval(ev_state *st, uint32_t idx)
{
    const ir_node *n = node(st, idx);
    ev_value a, b;
    switch ((ir_op)n->op) {
    case IR_OP_TRUE:
        return v_bool(true);
    case IR_OP_FALSE:
        return v_bool(false);
    case IR_OP_INT:
        return v_int(n->v.i);
    case IR_OP_FLOAT:
        return v_float(n->v.f);
    case IR_OP_STRING:
        return v_str(pool_bytes(st, n->v.s.off), n->v.s.len);
    case IR_OP_REGEX:
        return (ev_value){.kind = EV_REGEX, .i = idx};
    case IR_OP_FILESIZE:
        return v_int((int64_t)st->in->len);
    case IR_OP_ENTRYPOINT:
        return st->in->has_entrypoint ? v_int((int64_t)st->in->entrypoint) : v_undef();
    case IR_OP_EXTERNAL:
        return external(st, n->a);
    case IR_OP_CLAM_OFFSET:
    case IR_OP_CLAM_TARGET:
    case IR_OP_CLAM_NSECTIONS:
    case IR_OP_CLAM_DEPTH:
    case IR_OP_CLAM_IMGHASH:
    case IR_OP_CLAM_CONTAINER:
    case IR_OP_CLAM_PCRE:
    case IR_OP_CLAM_BYTECMP:
    case IR_OP_CLAM_VI:
        return ev_clamav(st, n);
    case IR_OP_VAR:
        return st->vars[n->a];
    case IR_OP_NEG:
        a = eval(st, n->a);
        if (a.kind == EV_INT)
            return v_int(wrap(0 - (uint64_t)a.i));
        return a.kind == EV_FLOAT ? v_float(-a.f) : v_undef();
    case IR_OP_ADD:
    case IR_OP_SUB:
    case IR_OP_MUL:
    case IR_OP_DIV:
    case IR_OP_MOD:
        a = eval(st, n->a);
        b = eval(st, n->b);
        return arith(n->op, a, b);
    case IR_OP_BNOT:
        a = eval(st, n->a);
        return a.kind == EV_INT ? v_int(~a.i) : v_undef();
    case IR_OP_BAND:
    case IR_OP_BOR:
    case IR_OP_BXOR:
    case IR_OP_SHL:
    case IR_OP_SHR:
        a = eval(st, n->a);
        b = eval(st, n->b);
        return bitwise(n->op, a, b);
    case IR_OP_LT:
    case IR_OP_LE:
    case IR_OP_GT:
    case IR_OP_GE:
    case IR_OP_EQ:
    case IR_OP_NE:
        a = eval(st, n->a);
        b = eval(st, n->b);
        return compare(st, n, a, b);
    case IR_OP_CONTAINS:
    case IR_OP_ICONTAINS:
    case IR_OP_STARTSWITH:
    case IR_OP_ISTARTSWITH:
    case IR_OP_ENDSWITH:
    case IR_OP_IENDSWITH:
    case IR_OP_IEQUALS:
        a = eval(st, n->a);
        b = eval(st, n->b);
        return string_op(st, n, a, b);
    case IR_OP_MATCHES:
        a = eval(st, n->a);
        return string_op(st, n, a, v_undef());
    case IR_OP_NOT:
        /* yara: `not undefined` stays undefined (`not uint8(100)` is false) */
        a = eval(st, n->a);
        return a.kind == EV_UNDEF ? a : v_bool(!truthy(a));
    case IR_OP_AND:
    case IR_OP_OR:
        return chain(st, idx);
    case IR_OP_DEFINED:
        return v_bool(eval(st, n->a).kind != EV_UNDEF);
    case IR_OP_READ_INT:
        a = eval(st, n->a);
        return read_int(st, n->aux, a);
    case IR_OP_STR_FOUND:
    case IR_OP_STR_COUNT:
    case IR_OP_STR_OFFSET:
    case IR_OP_STR_LENGTH:
    case IR_OP_STR_AT:
    case IR_OP_STR_IN:
        return string_expr(st, n);
    case IR_OP_OF_STRINGS:
    case IR_OP_OF_RULES:
    case IR_OP_OF_BOOLS:
        return of_expr(st, n);
    case IR_OP_FOR_OF:
        return for_of(st, n);
    case IR_OP_FOR_IN:
        return for_in(st, n);
    case IR_OP_RULE:
        return v_bool(st->results[n->a] != 0);
    case IR_OP_MOD_ROOT:
    case IR_OP_MOD_MEMBER:
    case IR_OP_MOD_INDEX:
    case IR_OP_MOD_KEY:
    case IR_OP_MOD_CALL:
        return ev_module_op(st, n);
    case IR_OP_RANGE: /* only meaningful as an operand; validate.c allows it */
    case IR_OP_ENUM:
    case IR_OP__COUNT:
        break;
    }
    return v_undef();
}

ev_value ev_eval(ev_state *st, uint32_t idx)
{
    return eval(st, idx);
}

bool ev_node_truthy(ev_state *st, uint32_t idx)
{
    return truthy(eval(st, idx));
}

/* ---- state and driver ---- */

static unsigned regex_flags(uint32_t aux)
{
    unsigned f = 0;
    if (aux & IR_SF_REGEX_NOCASE)
        f |= RE_F_NOCASE;
    if (aux & IR_SF_DOTALL)
        f |= RE_F_DOTALL;
    return f;
}

void ev_state_free(ev_state *st)
{
    if (!st)
        return;
    ev_clam_pcre_free(st);
    ev_clam_vi_reset(st);
    if (st->regex) {
        for (size_t i = 0; i < st->prog->nodes.len; i++)
            re_free(st->regex[i]);
    }
    free(st->regex);
    free(st->vars);
    free(st->spine);
    free(st->gate_first);
    free(st->gates);
    free(st->req_first);
    free(st->reqs);
    free(st->needs_hit);
    free(st->gate_slot);
    free(st->slot_value);
    free(st->ns_failed);
    free(st);
}

vigil_status ev_state_new(const ir_program *prog, ev_state **out)
{
    *out = NULL;
    if (!prog)
        return VIGIL_E_ARG;
    vigil_status rc = ev_validate(prog);
    if (rc != VIGIL_OK)
        return rc;
    ev_state *st = calloc(1, sizeof(*st));
    if (!st)
        return VIGIL_E_NOMEM;
    st->prog = prog;
    size_t nn = prog->nodes.len ? prog->nodes.len : 1;
    st->regex = calloc(nn, sizeof(*st->regex));
    st->vars = calloc(prog->max_loop_vars ? prog->max_loop_vars : 1, sizeof(*st->vars));
    st->spine = calloc(nn, sizeof(*st->spine));
    st->ns_failed = calloc(prog->namespaces.len ? prog->namespaces.len : 1, 1);
    rc = VIGIL_E_NOMEM;
    if (!st->regex || !st->vars || !st->spine || !st->ns_failed)
        goto fail;
    for (size_t i = 0; i < prog->nodes.len; i++) {
        const ir_node *n = &prog->nodes.items[i];
        if (n->op != IR_OP_REGEX)
            continue;
        if (n->v.s.off > prog->pool.len || n->v.s.len > prog->pool.len - n->v.s.off) {
            rc = VIGIL_E_CORRUPT;
            goto fail;
        }
        re_error err;
        rc = re_compile_regex(prog->pool.items + n->v.s.off, n->v.s.len, regex_flags(n->aux),
                              &st->regex[i], &err);
        if (rc != VIGIL_OK) {
            /* the front end checked the syntax: a bad regex here means a
             * damaged database */
            if (rc == VIGIL_E_SYNTAX)
                rc = VIGIL_E_CORRUPT;
            goto fail;
        }
    }
    rc = ev_gates_build(st);
    if (rc != VIGIL_OK)
        goto fail;
    *out = st;
    return VIGIL_OK;
fail:
    ev_state_free(st);
    return rc;
}

/* Whether any string of the rule has a match (the matcher counts them). */
static bool rule_hit(const ev_state *st, const ir_rule *rule, uint32_t r)
{
    if (!st->in->get_matches)
        return st->in->matches && mt_rule_hit(st->in->matches, r);
    for (uint32_t i = 0; i < rule->strings_count; i++) {
        size_t n;
        str_matches(st, rule->strings_first + i, &n);
        if (n)
            return true;
    }
    return false;
}

bool ev_range_value(ev_state *st, const ev_input *in, uint32_t range, int64_t *lo, int64_t *hi)
{
    if (!st || !in || in->prog != st->prog || range >= st->prog->nodes.len ||
        st->prog->nodes.items[range].op != IR_OP_RANGE)
        return false;
    st->in = in;
    st->cur_string = IR_NONE;
    st->spine_top = 0;
    bool ok = range_bounds(st, range, lo, hi);
    st->in = NULL;
    return ok;
}

vigil_status ev_run(ev_state *st, const ev_input *in, uint8_t *results)
{
    if (!st || !in || !results || in->prog != st->prog || (in->len && !in->data))
        return VIGIL_E_ARG;
    const ir_program *p = st->prog;
    st->in = in;
    st->results = results;
    st->cur_string = IR_NONE;
    st->spine_top = 0;
    st->ticks = 0;
    st->timed_out = false;
    ev_clam_pcre_run_begin(st); /* PCRE counts are per object */
    ev_clam_vi_reset(st);       /* and so are VI offsets */
    memset(results, 0, p->rules.len);
    memset(st->ns_failed, 0, p->namespaces.len);
    for (size_t r = 0; r < p->rules.len; r++) {
        const ir_rule *rule = &p->rules.items[r];
        /* a rule ev_prefilter found dead is false whatever its strings did,
         * and so is one whose top-level `and` needs a string that never hit */
        bool skip = in->dead_rules && in->dead_rules[r];
        if (!skip && st->needs_hit[r])
            skip = !rule_hit(st, rule, (uint32_t)r);
        for (uint32_t q = st->req_first[r]; !skip && q < st->req_first[r + 1]; q++) {
            size_t n;
            str_matches(st, st->reqs[q], &n);
            skip = n == 0;
        }
        results[r] = skip ? 0 : truthy(eval(st, rule->cond));
        if (!results[r] && (rule->flags & IR_RULE_GLOBAL))
            st->ns_failed[rule->ns] = 1;
    }
    /* yara applies a false global rule to its whole namespace after the
     * fact, rules declared before it included; references made during
     * evaluation saw the rules' own results (libyara exec.c, OP_MATCH_RULE) */
    for (size_t r = 0; r < p->rules.len; r++) {
        if (st->ns_failed[p->rules.items[r].ns])
            results[r] = 0;
    }
    st->in = NULL;
    st->results = NULL;
    return st->timed_out ? VIGIL_E_TIMEOUT : VIGIL_OK;
}
