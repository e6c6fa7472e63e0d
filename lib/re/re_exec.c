/*
 * re_exec.c - the thread ("fiber") machine that runs emitted code, with yara
 * 4.2's semantics: threads kept in priority order, advanced in lock step over
 * the input (so time is linear in input x threads, never exponential),
 * duplicates dropped, at most RX_MAX_FIBERS threads, and the RX_SCAN_LIMIT
 * cap on how far a match may reach. Backward runs read the input right to
 * left from just before the start position. Thread buffers come from the
 * caller's re_work, so a scan's many short runs do not allocate.
 */
#include <stdlib.h>
#include <string.h>

#include "re_int.h"

typedef struct rx_fiber {
    int32_t ip, rc;
    int32_t sp;
    int32_t prev, next;
} fiber;

typedef struct machine {
    const rx_code *c;
    re_work *w; /* owns the fiber and stack buffers; they outlive the run */
    fiber *f;
    uint16_t *stacks;
    int32_t cap, used, depth;
    int32_t free_head;
    int32_t head, tail;
    size_t nseen; /* records in w->seen for the current position */
    bool overflow;
} machine;

#define STK(m, i) ((m)->stacks + (size_t)(i) * (size_t)(m)->depth)

static int32_t fiber_new(machine *m)
{
    int32_t i;
    if (m->free_head >= 0) {
        i = m->free_head;
        m->free_head = m->f[i].next;
    } else {
        if (m->used == m->cap) {
            if (m->cap >= RX_MAX_FIBERS) {
                m->overflow = true;
                return -1;
            }
            int32_t ncap = m->cap ? m->cap * 2 : 16;
            if (ncap > RX_MAX_FIBERS)
                ncap = RX_MAX_FIBERS;
            re_work *w = m->w;
            if (ncap > w->fcap) {
                fiber *nf = realloc(w->f, (size_t)ncap * sizeof(fiber));
                if (!nf) {
                    m->overflow = true;
                    return -1;
                }
                w->f = m->f = nf; /* never leave m->f on a freed block */
                w->fcap = ncap;
            }
            size_t need = (size_t)ncap * (size_t)m->depth;
            if (need > w->scap) {
                uint16_t *ns = realloc(w->stacks, need * sizeof(uint16_t));
                if (!ns) {
                    m->overflow = true;
                    return -1;
                }
                w->stacks = ns;
                w->scap = need;
            }
            m->stacks = w->stacks;
            m->cap = ncap;
        }
        i = m->used++;
    }
    m->f[i].ip = 0;
    m->f[i].sp = -1;
    m->f[i].rc = -1;
    m->f[i].prev = m->f[i].next = -1;
    return i;
}

/* Unlinks fiber i, returns its successor. */
static int32_t fiber_kill(machine *m, int32_t i)
{
    int32_t nx = m->f[i].next, pv = m->f[i].prev;
    if (pv >= 0)
        m->f[pv].next = nx;
    else
        m->head = nx;
    if (nx >= 0)
        m->f[nx].prev = pv;
    else
        m->tail = pv;
    m->f[i].next = m->free_head;
    m->f[i].ip = -1;
    m->free_head = i;
    return nx;
}

static void kill_tail(machine *m, int32_t i)
{
    while (i >= 0)
        i = fiber_kill(m, i);
}

/* Clones fiber i right after it; returns the clone or -1. */
static int32_t fiber_split(machine *m, int32_t i)
{
    int32_t n = fiber_new(m);
    if (n < 0)
        return -1;
    fiber *a = &m->f[i], *b = &m->f[n];
    b->ip = a->ip;
    b->rc = a->rc;
    b->sp = a->sp;
    if (a->sp >= 0)
        memcpy(STK(m, n), STK(m, i), (size_t)(a->sp + 1) * sizeof(uint16_t));
    b->prev = i;
    b->next = a->next;
    if (a->next >= 0)
        m->f[a->next].prev = n;
    else
        m->tail = n;
    a->next = n;
    return n;
}

/*
 * A zero-width test (^, $, \b, lookaround) hands its fiber back to
 * sync_fibers at the same input position, which can lead back to the same
 * test: yara 4.2 loops forever on /(^|)+?d/ at the start of its input. A
 * fiber reaching such a test in a state (ip, counters, stack) that already
 * passed it at this position is a lower-priority duplicate whose every
 * descendant already exists, so it is dropped. Returns true when fiber i is
 * such a duplicate; records its state otherwise.
 */
#define RX_MAX_SEEN (RX_MAX_FIBERS * 4)

static bool seen_before(machine *m, int32_t i)
{
    const fiber *f = &m->f[i];
    size_t rec = 3 + (size_t)m->depth;
    int32_t *s = m->w->seen;
    for (size_t k = 0; k < m->nseen; k++, s += rec) {
        if (s[0] != f->ip || s[1] != f->rc || s[2] != f->sp)
            continue;
        int32_t d = 0;
        while (d <= f->sp && s[3 + d] == STK(m, i)[d])
            d++;
        if (d > f->sp)
            return true;
    }
    if (m->nseen >= RX_MAX_SEEN) {
        m->overflow = true;
        return true;
    }
    if ((m->nseen + 1) * rec > m->w->seen_cap) {
        size_t ncap = m->w->seen_cap ? m->w->seen_cap * 2 : 64 * rec;
        if (ncap < (m->nseen + 1) * rec)
            ncap = (m->nseen + 1) * rec;
        int32_t *ns = realloc(m->w->seen, ncap * sizeof(int32_t));
        if (!ns) {
            m->overflow = true;
            return true;
        }
        m->w->seen = ns;
        m->w->seen_cap = ncap;
    }
    s = m->w->seen + m->nseen * rec;
    s[0] = f->ip;
    s[1] = f->rc;
    s[2] = f->sp;
    for (int32_t d = 0; d <= f->sp; d++)
        s[3 + d] = STK(m, i)[d];
    m->nseen++;
    return false;
}

static bool same(const machine *m, int32_t a, int32_t b)
{
    const fiber *x = &m->f[a], *y = &m->f[b];
    if (x->ip != y->ip || x->sp != y->sp || x->rc != y->rc)
        return false;
    return x->sp < 0 ||
           memcmp(STK(m, a), STK(m, b), (size_t)(x->sp + 1) * sizeof(uint16_t)) == 0;
}

/* Runs fiber `from` (and the fibers it spawns) up to instructions that read
 * input, like yara's _yr_re_fiber_sync. */
static bool sync_fibers(machine *m, int32_t from, int level)
{
    uint8_t done[RX_MAX_SPLIT_ID];
    int ndone = 0;
    int32_t fb = from, last = m->f[from].next;
    if (level > 64)
        return false;
    while (fb >= 0 && fb != last) {
        const rx_inst *in = &m->c->insts.items[m->f[fb].ip];
        switch ((rx_op)in->op) {
        case OP_SPLIT_A:
        case OP_SPLIT_B: {
            bool seen = false;
            for (int k = 0; k < ndone; k++)
                seen = seen || done[k] == in->a;
            if (seen) {
                fb = fiber_kill(m, fb);
                break;
            }
            int32_t a = fb, b = fiber_split(m, fb);
            if (b < 0)
                return false;
            if (in->op == OP_SPLIT_B) {
                int32_t t = a;
                a = b;
                b = t;
            }
            m->f[a].ip += 1;
            m->f[b].ip = in->x;
            done[ndone++] = in->a;
            break;
        }
        case OP_REP_START_G:
        case OP_REP_START_U: {
            int32_t a = fb;
            if (in->min == 0) {
                int32_t b = fiber_split(m, fb);
                if (b < 0)
                    return false;
                if (in->op == OP_REP_START_U) {
                    int32_t t = a;
                    a = b;
                    b = t;
                }
                m->f[b].ip = in->x;
            }
            if (m->f[a].sp + 1 >= m->depth)
                return false;
            STK(m, a)[++m->f[a].sp] = 0;
            m->f[a].ip += 1;
            break;
        }
        case OP_REP_END_G:
        case OP_REP_END_U: {
            uint16_t *top = &STK(m, fb)[m->f[fb].sp];
            (*top)++;
            if (*top < in->min) {
                m->f[fb].ip = in->x;
                break;
            }
            int32_t a = fb;
            if (*top < in->max) {
                int32_t b = fiber_split(m, fb);
                if (b < 0)
                    return false;
                if (in->op == OP_REP_END_G) {
                    int32_t t = a;
                    a = b;
                    b = t;
                }
                m->f[b].ip = in->x;
            }
            m->f[a].sp--;
            m->f[a].ip += 1;
            break;
        }
        case OP_REP_ANY_G:
        case OP_REP_ANY_U: {
            fiber *f = &m->f[fb];
            if (f->rc == -1)
                f->rc = 0;
            if (f->rc < in->min) {
                f->rc++;
                fb = f->next;
            } else if (f->rc < in->max) {
                int32_t nx = f->next, a = fb, b = fiber_split(m, fb);
                if (b < 0)
                    return false;
                if (in->op == OP_REP_ANY_U) {
                    int32_t t = a;
                    a = b;
                    b = t;
                }
                m->f[a].rc++;
                m->f[b].ip += 1;
                m->f[b].rc = -1;
                if (!sync_fibers(m, b, level + 1))
                    return false;
                fb = nx;
            } else {
                f->ip += 1;
                f->rc = -1;
            }
            break;
        }
        case OP_JMP:
            m->f[fb].ip = in->x;
            break;
        default:
            fb = m->f[fb].next;
            break;
        }
    }
    return true;
}

static bool word_at(const uint8_t *d, size_t len, ptrdiff_t i, int cs)
{
    if (i < 0 || (size_t)i >= len)
        return false;
    int c = d[i];
    bool w = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             c == '_';
    if (cs == 2)
        w = w && (size_t)i + 1 < len && d[i + 1] == 0;
    return w;
}

static int lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int altcase(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 'a' && c <= 'z')
        return c - 32;
    return c;
}

static bool in_class(const rx_class *k, int c, bool nocase)
{
    bool r = k->bits[c / 8] >> (c % 8) & 1;
    if (nocase) {
        int a = altcase(c);
        r = r || (k->bits[a / 8] >> (a % 8) & 1);
    }
    return k->negated ? !r : r;
}

bool rx_char_ok(const rx_class *classes, uint8_t op, uint8_t a, uint8_t b, int32_t x, int ch,
                unsigned flags)
{
    /* the consuming tests of rx_exec below, for one byte out of context (a
     * word test there also needs the 00 after a wide character, which the
     * caller's wide form adds) */
    bool sp = ch == ' ' || (ch >= '\t' && ch <= '\r');
    bool dg = ch >= '0' && ch <= '9';
    bool wd = dg || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
    switch ((rx_op)op) {
    case OP_ANY: case OP_REP_ANY_G: case OP_REP_ANY_U: return (flags & X_DOTALL) || ch != '\n';
    case OP_LIT: return (flags & X_NOCASE) ? lc(ch) == lc(a) : ch == a;
    case OP_MASKED: return (ch & b) == a;
    case OP_CLASS: return in_class(&classes[x], ch, flags & X_NOCASE);
    case OP_WORD: return wd;
    case OP_NWORD: return !wd;
    case OP_SPACE: return sp;
    case OP_NSPACE: return !sp;
    case OP_DIGIT: return dg;
    case OP_NDIGIT: return !dg;
    default: return true;
    }
}

enum { A_NONE, A_CONTINUE, A_KILL, A_KILL_TAIL };

void re_work_release(re_work *w)
{
    if (!w)
        return;
    free(w->f);
    free(w->stacks);
    free(w->seen);
    memset(w, 0, sizeof(*w));
}

bool rx_exec(const rx_code *c, int32_t ip, const uint8_t *data, size_t len, size_t pos,
             unsigned flags, rx_match_fn fn, void *user, int *matches, re_work *work)
{
    re_work local = {0};
    machine m = {.c = c, .w = work ? work : &local, .free_head = -1, .head = -1, .tail = -1};
    int cs = (flags & X_WIDE) ? 2 : 1;
    bool back = flags & X_BACK;
    size_t fwd_size = len - pos, bwd_size = pos;
    size_t lim = back ? bwd_size : fwd_size;
    if (!(flags & X_NOLIMIT) && lim > RX_SCAN_LIMIT)
        lim = RX_SCAN_LIMIT;
    int max_bm = (int)(lim - lim % (size_t)cs);
    int bm = 0;
    ptrdiff_t in = back ? (ptrdiff_t)pos - cs : (ptrdiff_t)pos;
    ptrdiff_t incr = back ? -cs : cs;
    bool ok = true;
    m.depth = c->depth + 1;
    /* Reuse whatever the workspace already holds: as many fibers as both
     * buffers have room for at this program's stack depth. */
    m.f = m.w->f;
    m.stacks = m.w->stacks;
    m.cap = m.w->fcap;
    if ((size_t)m.cap * (size_t)m.depth > m.w->scap)
        m.cap = (int32_t)(m.w->scap / (size_t)m.depth);
    if (matches)
        *matches = -1;

    int32_t f0 = fiber_new(&m);
    if (f0 < 0)
        return false;
    m.f[f0].ip = ip;
    m.head = m.tail = f0;
    ok = sync_fibers(&m, f0, 0);

    while (ok && m.head >= 0) {
        for (int32_t f = m.head; f >= 0;) {
            int32_t nx = m.f[f].next;
            for (int32_t g = m.head; g != f; g = m.f[g].next) {
                if (same(&m, g, f)) {
                    fiber_kill(&m, f);
                    break;
                }
            }
            f = nx;
        }
        int32_t f = m.head;
        while (ok && f >= 0) {
            const rx_inst *ins = &c->insts.items[m.f[f].ip];
            int action = A_NONE;
            bool match = false, consuming = true;
            switch ((rx_op)ins->op) {
            case OP_ANY: case OP_REP_ANY_G: case OP_REP_ANY_U: case OP_LIT: case OP_MASKED:
            case OP_CLASS: case OP_WORD: case OP_NWORD: case OP_SPACE: case OP_NSPACE:
            case OP_DIGIT: case OP_NDIGIT:
                break;
            default:
                consuming = false;
            }
            if (consuming) {
                if (bm >= max_bm || (cs == 2 && data[in + 1] != 0)) {
                    action = A_KILL;
                } else {
                    int ch = data[in];
                    switch ((rx_op)ins->op) {
                    case OP_ANY:
                    case OP_REP_ANY_G:
                    case OP_REP_ANY_U:
                        match = (flags & X_DOTALL) || ch != '\n';
                        break;
                    case OP_LIT:
                        match = (flags & X_NOCASE) ? lc(ch) == lc(ins->a) : ch == ins->a;
                        break;
                    case OP_MASKED: match = (ch & ins->b) == ins->a; break;
                    case OP_CLASS:
                        match = in_class(&c->classes.items[ins->x], ch, flags & X_NOCASE);
                        break;
                    case OP_WORD: match = word_at(data, len, in, cs); break;
                    case OP_NWORD: match = !word_at(data, len, in, cs); break;
                    case OP_SPACE:
                    case OP_NSPACE:
                        match = ch == ' ' || (ch >= '\t' && ch <= '\r');
                        if (ins->op == OP_NSPACE)
                            match = !match;
                        break;
                    case OP_DIGIT: match = ch >= '0' && ch <= '9'; break;
                    case OP_NDIGIT: match = !(ch >= '0' && ch <= '9'); break;
                    default: break;
                    }
                    action = match ? A_NONE : A_KILL;
                    if (ins->op != OP_REP_ANY_G && ins->op != OP_REP_ANY_U)
                        m.f[f].ip += 1;
                }
            } else if (ins->op != OP_MATCH && seen_before(&m, f)) {
                action = A_KILL;
                ok = !m.overflow;
            } else {
                switch ((rx_op)ins->op) {
                case OP_WB:
                case OP_NWB:
                    if (bm == 0 && bwd_size < (size_t)cs)
                        match = true;
                    else if (bm >= max_bm)
                        match = true;
                    else
                        match = word_at(data, len, in, cs) != word_at(data, len, in - incr, cs);
                    if (ins->op == OP_NWB)
                        match = !match;
                    action = match ? A_CONTINUE : A_KILL;
                    m.f[f].ip += 1;
                    break;
                case OP_BOL: {
                    bool kill = back ? bwd_size > (size_t)bm : (bwd_size > 0 || bm != 0);
                    action = kill ? A_KILL : A_CONTINUE;
                    m.f[f].ip += 1;
                    break;
                }
                case OP_EOL: {
                    bool kill = back || fwd_size > (size_t)bm;
                    action = kill ? A_KILL : A_CONTINUE;
                    m.f[f].ip += 1;
                    break;
                }
                case OP_ASSERT: {
                    /* the boundary is before data[in] forward, after it backward */
                    size_t at_p = (size_t)(back ? in - incr : in);
                    match = rx_assert_ok(c->classes.items, ins, data, len, at_p);
                    action = match ? A_CONTINUE : A_KILL;
                    m.f[f].ip += 1;
                    break;
                }
                case OP_MATCH:
                    if (matches)
                        *matches = bm;
                    if (flags & X_EXHAUSTIVE) {
                        if (fn) {
                            size_t start = back ? pos - (size_t)bm : pos;
                            if (!fn(start, (size_t)bm, user)) {
                                action = A_KILL_TAIL;
                                f = m.head;
                                break;
                            }
                        }
                        action = A_KILL;
                    } else {
                        action = A_KILL_TAIL;
                    }
                    break;
                default:
                    action = A_KILL;
                    break;
                }
            }
            switch (action) {
            case A_KILL:
                f = fiber_kill(&m, f);
                break;
            case A_KILL_TAIL:
                kill_tail(&m, f);
                f = -1;
                break;
            case A_CONTINUE: {
                int32_t pv = m.f[f].prev;
                ok = sync_fibers(&m, f, 0);
                /* A killed fiber hands over to whatever now follows its predecessor. */
                if (ok && m.f[f].ip < 0)
                    f = pv >= 0 ? m.f[pv].next : m.head;
                break;
            }
            default: {
                int32_t nx = m.f[f].next;
                ok = sync_fibers(&m, f, 0);
                f = nx;
                break;
            }
            }
        }
        in += incr;
        bm += cs;
        m.nseen = 0;
        if (ok && (flags & X_SCAN) && bm < max_bm) {
            int32_t nf = fiber_new(&m);
            if (nf < 0) {
                ok = false;
                break;
            }
            m.f[nf].ip = ip;
            m.f[nf].prev = m.tail;
            if (m.tail >= 0)
                m.f[m.tail].next = nf;
            else
                m.head = nf;
            m.tail = nf;
            ok = sync_fibers(&m, nf, 0);
        }
    }
    re_work_release(&local);
    return ok && !m.overflow;
}
