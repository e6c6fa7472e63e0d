/*
 * clamav_bytecmp.c - IR_OP_CLAM_BYTECMP: a byte-compare subsignature
 * Ref(>>n#options#comparisons) as libclamav 1.4 evaluates it
 * (matcher-byte-comp.c cli_bcomp_scanbuf and cli_bcomp_compare_check).
 *
 * libclamav runs byte compares right after its hex matcher, before any PCRE:
 * when the referenced subsignature has a count, the comparison reads from
 * its last counted match (the greatest match offset in its offset range), or
 * from offset 0 when the reference is an earlier byte compare (which records
 * no offset). It counts 1 when every comparison holds. Quirks kept because
 * clamscan 1.4.6 shows them (tests/unit/test_clamav_pcre.c):
 *   - the bytes must lie inside the object, and their start must be > 0
 *     (a comparison at offset 0 never holds);
 *   - text formats skip leading white space first, and `e` (exact) then
 *     fails; `h` and `a` without `l` or `b` never hold, nor does `i`;
 *   - `a` decides hex ("0x" prefix) or decimal only for 3 bytes or more;
 *     shorter fields never hold; decimal little-endian never holds;
 *   - little-endian hex swaps byte pairs of the (even-padded) text first;
 *   - numbers are read like libclamav's cli_strntol: space, sign, "0x" in
 *     hex, overflow fails.
 * Divergence: libclamav evaluates byte compares once per 128 KiB scan
 * window of a large object, reading window-relative; here once per object.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* C-locale ctype on a byte (libclamav runs in the C locale). */
static bool is_space(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_xdigit(unsigned c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* libclamav's cli_strntol over s[0..n): *end is how many bytes the number
 * used (0 when none); *overflow when it did not fit (the value is then
 * INT64_MAX or INT64_MIN). Its quirks: after a sign the "0x" prefix is not
 * recognised, and input ending inside the prefix reads as nothing. */
static int64_t strntol(const uint8_t *s, size_t n, int base, size_t *end, bool *overflow)
{
    size_t i = 0;
    unsigned c;
    bool neg = false;
    int any = 0;
    uint64_t acc = 0;
    *overflow = false;
    *end = 0;
    if (n == 0)
        return 0;
    do {
        c = s[i];
    } while (is_space(c) && ++i < n);
    if (i >= n)
        return 0;
    if (c == '-' || c == '+') {
        neg = c == '-';
        i++; /* c keeps the sign, so no "0x" check below passes */
        if (i >= n)
            return 0;
    }
    if (base == 16 && c == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        if (i + 2 >= n)
            return 0;
        i += 2;
    }
    uint64_t cutoff = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    unsigned cutlim = (unsigned)(cutoff % (unsigned)base);
    cutoff /= (unsigned)base;
    for (; i < n; i++) {
        c = s[i];
        if (is_digit(c))
            c -= '0';
        else if (is_alpha(c))
            c -= (c >= 'A' && c <= 'Z') ? 'A' - 10 : 'a' - 10;
        else
            break;
        if (c >= (unsigned)base)
            break;
        if (any < 0 || acc > cutoff || (acc == cutoff && c > cutlim)) {
            any = -1;
        } else {
            any = 1;
            acc = acc * (unsigned)base + c;
        }
    }
    *end = any ? i : 0;
    if (any < 0) {
        *overflow = true;
        return neg ? INT64_MIN : INT64_MAX;
    }
    return neg ? (int64_t)(0 - acc) : (int64_t)acc;
}

static bool has_0x(const uint8_t *b, size_t n)
{
    return n >= 3 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X');
}

/* libclamav's cli_bcomp_normalize_buffer for little-endian hex: the text,
 * padded to an even length, with its byte pairs in reverse order; a pair
 * holding something else than a hex digit or x zeroes what was built so far.
 * tmp has room for norm + 1 bytes, hex is scratch of the same size. */
static void le_swap(const uint8_t *b, size_t n, size_t norm, uint8_t *tmp, uint8_t *hex)
{
    memset(tmp, '0', norm + 1);
    memset(hex, '0', norm + 1);
    if (n == 1) {
        tmp[0] = b[0];
    } else if (n > 1) {
        if (norm == n + 1) {
            if (has_0x(b, n)) {
                memcpy(hex + 3, b + 2, n - 2);
                hex[0] = 'x';
            } else {
                memcpy(hex + 1, b, n);
            }
        } else {
            memcpy(hex, b, n);
            if (has_0x(b, n))
                hex[0] = 'x';
        }
        for (size_t i = 0; i < norm; i += 2) {
            uint8_t hi = hex[norm - i - 2], lo = hex[norm - i - 1];
            if (!is_xdigit(hi) && hi != 'x' && hi != 'X') {
                memset(tmp, '0', norm + 1);
                continue;
            }
            tmp[i] = hi;
            if (is_xdigit(lo) || lo == 'x' || lo == 'X')
                tmp[i + 1] = lo;
            else
                memset(tmp, '0', norm + 1);
        }
    }
    tmp[norm] = 0;
}

static bool compare(int64_t v, uint32_t aux, const ir_clam_bcmp *b)
{
    unsigned ncmp = (aux >> IR_CLBC_NCMP_SHIFT) & 3;
    for (unsigned i = 0; i < ncmp && i < 2; i++) {
        unsigned op = (aux >> (i ? IR_CLBC_CMP1_SHIFT : IR_CLBC_CMP0_SHIFT)) & 3;
        bool ok = op == IR_CLBC_LT   ? v < b->value[i]
                  : op == IR_CLBC_GT ? v > b->value[i]
                                     : v == b->value[i];
        if (!ok)
            return false;
    }
    return true;
}

static bool read_binary(const uint8_t *p, uint32_t n, bool le, int64_t *v)
{
    if (n != 1 && n != 2 && n != 4 && n != 8)
        return false;
    uint64_t u = 0;
    for (uint32_t k = 0; k < n; k++)
        u = u << 8 | p[le ? n - 1 - k : k];
    *v = (int64_t)u;
    return true;
}

/* A text number: hex or decimal, big-endian as written or swapped pairs. */
static bool read_text(const uint8_t *p, uint32_t nbytes, unsigned fmt, bool le, bool be, bool exact,
                      int64_t *v)
{
    size_t pad = 0;
    while (pad < nbytes && is_space(p[pad]))
        pad++;
    const uint8_t *w = p + pad;
    size_t n = nbytes - pad;
    if (fmt == IR_CLBC_AUTO) {
        if (n < 3)
            return false; /* libclamav leaves the format undecided: no match */
        fmt = has_0x(w, n) ? IR_CLBC_HEX : IR_CLBC_DEC;
    }
    size_t end;
    bool overflow;
    if (fmt == IR_CLBC_HEX && le) {
        size_t norm = n == 1 ? 1 : n + (n & 1);
        uint8_t small[2 * 40], *buf = small;
        if (norm + 1 > sizeof(small) / 2) {
            buf = malloc(2 * (norm + 1));
            if (!buf)
                return false;
        }
        le_swap(w, n, norm, buf, buf + norm + 1);
        *v = strntol(buf, norm, 16, &end, &overflow);
        if (buf != small)
            free(buf);
        return !overflow && (!exact || (end == n && pad == 0));
    }
    if (le || !be || (fmt != IR_CLBC_HEX && fmt != IR_CLBC_DEC))
        return false; /* decimal little-endian, or no endianness */
    *v = strntol(w, n, fmt == IR_CLBC_HEX ? 16 : 10, &end, &overflow);
    return !overflow && (!exact || (end == n && pad == 0));
}

bool ev_clam_bytecmp_check(const uint8_t *data, size_t len, int64_t base, uint32_t aux,
                           const ir_clam_bcmp *b)
{
    int64_t pos;
    if (__builtin_add_overflow(base, b->offset, &pos) || pos <= 0 || (uint64_t)pos > len ||
        b->nbytes > len - (uint64_t)pos)
        return false;
    const uint8_t *p = data + pos;
    unsigned fmt = aux & 3;
    bool le = aux & IR_CLBC_LE, be = aux & IR_CLBC_BE;
    int64_t v;
    bool ok;
    if (fmt == IR_CLBC_BIN)
        ok = (le || be) && read_binary(p, b->nbytes, le, &v);
    else
        ok = read_text(p, b->nbytes, fmt, le, be, aux & IR_CLBC_EXACT, &v);
    return ok && compare(v, aux, b);
}

static const mt_match *matches_of(const ev_state *st, uint32_t s, size_t *n)
{
    *n = 0;
    if (st->in->get_matches)
        return st->in->get_matches(st->in->get_matches_user, s, n);
    return st->in->matches ? mt_matches(st->in->matches, s, n) : NULL;
}

/* Offset of the reference's last match inside its offset range. */
static bool last_match(ev_state *st, const ir_node *ref, int64_t *at)
{
    if (ref->a >= st->prog->strings.len)
        return false;
    size_t n;
    const mt_match *m = matches_of(st, ref->a, &n);
    int64_t lo = 0, hi = INT64_MAX;
    if (ref->b != IR_NONE) {
        const ir_node *r = &st->prog->nodes.items[ref->b];
        ev_value a = ev_eval(st, r->a), b = ev_eval(st, r->b);
        if (a.kind != EV_INT || b.kind != EV_INT)
            return false;
        lo = a.i;
        hi = b.i;
    }
    for (size_t k = n; k-- > 0;) { /* sorted by offset: the last one in range */
        if (m[k].offset > (uint64_t)INT64_MAX || (int64_t)m[k].offset > hi)
            continue;
        if ((int64_t)m[k].offset < lo)
            return false;
        *at = (int64_t)m[k].offset;
        return true;
    }
    return false;
}

ev_value ev_clam_bytecmp(ev_state *st, const ir_node *n)
{
    /* its matcher root never runs byte compares (lib/clamav/lower.c
     * split_root) */
    if (n->aux & IR_CLBC_DORMANT)
        return (ev_value){.kind = EV_INT, .i = 0};
    const ir_node *ref = &st->prog->nodes.items[n->a];
    int64_t base = 0;
    bool found;
    if (ref->op == IR_OP_STR_COUNT)
        found = last_match(st, ref, &base);
    else if (ref->op == IR_OP_CLAM_VI)
        found = ev_clam_vi_last(st, ref, &base); /* a VI subsignature */
    else
        found = ev_node_truthy(st, n->a); /* an earlier byte compare: no offset */
    ir_clam_bcmp b;
    ir_clam_bcmp_unpack((const uint8_t *)st->prog->pool.items + n->v.s.off, &b);
    bool hit = found && ev_clam_bytecmp_check(st->in->data, st->in->len, base, n->aux, &b);
    return (ev_value){.kind = EV_INT, .i = hit};
}
