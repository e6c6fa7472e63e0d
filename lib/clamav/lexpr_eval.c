/*
 * lexpr_eval.c - a logical expression evaluated on given subsignature
 * counts, with libclamav's rules (cli_ac_chklsig, see lower.c for them in
 * words). The scanner evaluates lowered conditions instead; this is for
 * decisions made once at load time, such as whether an expression holds
 * when nothing matched: clamscan then reports the signature on every
 * object its target block admits (it evaluates logical signatures on an
 * empty set of matches too), so the lowering must know.
 */
#include "clamav/sig.h"

static bool cmp_ok(uint8_t cmp, uint64_t val, uint32_t x)
{
    switch (cmp) {
    case CV_LX_EQ:
        return val == x;
    case CV_LX_GT:
        return val > x;
    case CV_LX_LT:
        return val < x;
    default:
        return val != 0;
    }
}

static unsigned popcount64(uint64_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* True/false; when true, *cnt and *ids get what e contributes upwards. */
static bool eval(const cv_lexpr *e, const uint32_t *counts, uint32_t ncounts, uint64_t *cnt,
                 uint64_t *ids, int depth)
{
    if (depth > 200)
        return false; /* the parser bounds depth far below this */
    if (e->kind == CV_LX_SUB) {
        uint64_t val = e->index < ncounts ? counts[e->index] : 0;
        if (!cmp_ok(e->cmp, val, e->count))
            return false;
        *cnt += val;
        if (e->index < 64)
            *ids |= (uint64_t)1 << e->index;
        return true;
    }
    uint64_t c = 0, i = 0;
    bool truth = e->kind == CV_LX_AND;
    for (uint32_t k = 0; k < e->nkids; k++) {
        uint64_t kc = 0, ki = 0;
        bool t = eval(e->kids[k], counts, ncounts, &kc, &ki, depth + 1);
        if (t) {
            c += kc;
            i |= ki;
        }
        truth = e->kind == CV_LX_AND ? truth && t : truth || t;
    }
    if (e->cmp == CV_LX_NONE) {
        if (truth) {
            *cnt += c;
            *ids |= i;
        }
        return truth;
    }
    /* a group with a modifier: its ids stay inside it */
    uint64_t tcnt = truth ? c : 0, tids = truth ? i : 0;
    if (!cmp_ok(e->cmp, tcnt, e->count))
        return false;
    if (e->has_distinct && e->distinct && popcount64(tids) < e->distinct)
        return false;
    *cnt += tcnt;
    return true;
}

bool cv_lexpr_eval(const cv_lexpr *e, const uint32_t *counts, uint32_t ncounts)
{
    uint64_t cnt = 0, ids = 0;
    return eval(e, counts, ncounts, &cnt, &ids, 0);
}
