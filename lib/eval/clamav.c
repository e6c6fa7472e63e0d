/*
 * clamav.c - the condition nodes ClamAV signatures lower to (lib/clamav):
 * positions by ClamAV's offset rules (EP+n, Sx+n, SEx, SL+n, EOF-n), the
 * target type gate and the section count (PCRE and byte-compare
 * subsignatures have files of their own: clamav_pcre.c, clamav_bytecmp.c).
 * Everything about the object's format comes from lib/clamav/objinfo, which
 * follows libclamav; a position the object does not have (no entry point,
 * no section x, an addend that leaves the file's range below 0) is
 * undefined, so the signature is false.
 */
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
        if (!oi || !cv_objinfo_section(oi, n->a, &base, &size))
            return undef();
        return position(n->aux == IR_CLOFF_SECTION ? base : base + size, n->v.i);
    case IR_CLOFF_LAST_SECTION:
        count = oi ? cv_objinfo_section_count(oi) : 0;
        if (count == 0 || !cv_objinfo_section(oi, count - 1, &base, &size))
            return undef();
        return position(base, n->v.i);
    default:
        return undef();
    }
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
    default:
        return undef();
    }
}
