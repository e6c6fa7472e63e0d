/*
 * clamav.c - the condition nodes ClamAV signatures lower to (lib/clamav):
 * positions by ClamAV's offset rules (EP+n, Sx+n, SEx, SL+n, EOF-n), the
 * target type gate, the section count and VI subsignatures' matches at the
 * PE's version-information offsets (PCRE and byte-compare
 * subsignatures have files of their own: clamav_pcre.c, clamav_bytecmp.c).
 * Everything about the object's format comes from lib/clamav/objinfo, which
 * follows libclamav; a position the object does not have (no entry point,
 * no section x, an addend that leaves the file's range below 0) is
 * undefined, so the signature is false.
 */
#include <stdlib.h>

#include "../clamav/objinfo.h"
#include "internal.h"

static ev_value undef(void)
{
    return (ev_value){.kind = EV_UNDEF};
}

static ev_value integer(int64_t i)
{
    return (ev_value){.kind = EV_INT, .i = i};
}

/* base + addend, undefined below 0 or past INT64_MAX. */
static ev_value position(uint64_t base, int64_t addend)
{
    if (base > (uint64_t)INT64_MAX)
        return undef();
    int64_t b = (int64_t)base;
    if (addend < 0 ? b < -addend : b > INT64_MAX - addend)
        return undef();
    return integer(b + addend);
}

static ev_value offset(const cv_objinfo *oi, size_t len, const ir_node *n)
{
    uint64_t base = 0, size = 0;
    uint32_t count;
    switch (n->aux) {
    case IR_CLOFF_EOF:
        /* libclamav has no file size for offsets of an executable whose
         * headers do not parse */
        if (oi && !cv_objinfo_eof_usable(oi))
            return undef();
        return position(len, n->v.i);
    case IR_CLOFF_EP:
        if (!oi || !cv_objinfo_entry(oi, &base))
            return undef();
        return position(base, n->v.i);
    case IR_CLOFF_SECTION:
    case IR_CLOFF_SECTION_END:
    case IR_CLOFF_SECTION_BM_END:
        if (!oi || !cv_objinfo_section(oi, n->a, &base, &size))
            return undef();
        if (n->aux == IR_CLOFF_SECTION_BM_END && len < IR_CLAM_BM_OFFMODE_SIZE)
            base += size;
        return position(n->aux == IR_CLOFF_SECTION_END ? base + size : base, n->v.i);
    case IR_CLOFF_LAST_SECTION:
        count = oi ? cv_objinfo_section_count(oi) : 0;
        if (count == 0 || !cv_objinfo_section(oi, count - 1, &base, &size))
            return undef();
        return position(base, n->v.i);
    default:
        return undef();
    }
}

void ev_clam_vi_reset(ev_state *st)
{
    free(st->clam_vi.keys);
    st->clam_vi.keys = NULL;
    st->clam_vi.n = 0;
    st->clam_vi.done = st->clam_vi.failed = false;
}

/* IR_OP_CLAM_VI: the matches of the count node's string that start at a
 * version-information key (libclamav's matcher checks each match start
 * against the set cli_peheader collected). The set is the object's: made
 * once per run, on the first VI node evaluated. */
/* The VI node's string matches (sorted by offset), or NULL when the
 * object has no VI offsets; *failed when they could not be computed. */
static const mt_match *vi_matches(ev_state *st, const ir_node *n, size_t *cnt, bool *failed)
{
    const cv_objinfo *oi = st->in->clam;
    *cnt = 0;
    *failed = false;
    if (!oi)
        return NULL;
    if (!st->clam_vi.done) {
        st->clam_vi.done = true;
        st->clam_vi.failed = !cv_objinfo_version_keys(oi, &st->clam_vi.keys, &st->clam_vi.n);
    }
    *failed = st->clam_vi.failed;
    uint32_t s = st->prog->nodes.items[n->a].a;
    if (st->clam_vi.n == 0 || s >= st->prog->strings.len)
        return NULL;
    if (st->in->get_matches)
        return st->in->get_matches(st->in->get_matches_user, s, cnt);
    return st->in->matches ? mt_matches(st->in->matches, s, cnt) : NULL;
}

static ev_value vi_count(ev_state *st, const ir_node *n)
{
    size_t cnt;
    bool failed;
    const mt_match *m = vi_matches(st, n, &cnt, &failed);
    if (failed)
        return undef(); /* out of memory: the signature is false */
    int64_t hits = 0;
    for (size_t k = 0; m && k < cnt; k++)
        hits += cv_version_key_in(st->clam_vi.keys, st->clam_vi.n, m[k].offset);
    return integer(hits);
}

bool ev_clam_vi_key(ev_state *st, const ev_input *in, uint64_t offset)
{
    if (!st || !in || !in->clam)
        return false;
    if (!st->clam_vi.done) {
        st->clam_vi.done = true;
        st->clam_vi.failed = !cv_objinfo_version_keys(in->clam, &st->clam_vi.keys, &st->clam_vi.n);
    }
    return cv_version_key_in(st->clam_vi.keys, st->clam_vi.n, offset);
}

bool ev_clam_vi_last(ev_state *st, const ir_node *n, int64_t *at)
{
    size_t cnt;
    bool failed;
    const mt_match *m = vi_matches(st, n, &cnt, &failed);
    for (size_t k = cnt; m && k-- > 0;) {
        if (m[k].offset <= (uint64_t)INT64_MAX &&
            cv_version_key_in(st->clam_vi.keys, st->clam_vi.n, m[k].offset)) {
            *at = (int64_t)m[k].offset;
            return true;
        }
    }
    return false;
}

ev_value ev_clamav(ev_state *st, const ir_node *n)
{
    const cv_objinfo *oi = st->in->clam;
    switch (n->op) {
    case IR_OP_CLAM_TARGET:
        return integer(n->aux == 0 || (oi && n->aux < 32 && ((oi->targets >> n->aux) & 1u)));
    case IR_OP_CLAM_DEPTH:
        return integer(oi ? oi->depth : 0);
    case IR_OP_CLAM_CONTAINER:
        return oi && n->aux < CV_MAX_UP ? integer(oi->up[n->aux]) : undef();
    case IR_OP_CLAM_IMGHASH:
        return integer(oi && oi->has_imghash && oi->imghash == (uint64_t)n->v.i);
    case IR_OP_CLAM_NSECTIONS:
        if (!oi || !cv_objinfo_valid(oi))
            return undef();
        return integer(cv_objinfo_section_count(oi));
    case IR_OP_CLAM_OFFSET:
        return offset(oi, st->in->len, n);
    case IR_OP_CLAM_PCRE:
        return ev_clam_pcre(st, (uint32_t)(n - st->prog->nodes.items));
    case IR_OP_CLAM_BYTECMP:
        return ev_clam_bytecmp(st, n);
    case IR_OP_CLAM_VI:
        return vi_count(st, n);
    default:
        return undef();
    }
}
