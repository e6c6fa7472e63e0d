/*
 * slow.c - slow-string heuristics after yara 4.2 (see slow.h). yara scores an
 * atom of up to 4 bytes: 20 per byte, 19 for letters, 15 for the common bytes
 * 00 20 CC FF, minus 10 per byte when the atom is one common byte repeated;
 * a string whose chosen atom scores under 38 gets the warning. Its atom is
 * the best 4-byte window, and for xor strings the worst key decides.
 */
#include "slow.h"

#include <string.h>

#include "../ir/ir.h"

#define ATOM_LEN 4
#define QUALITY_THRESHOLD 38

static bool is_common(uint8_t b)
{
    return b == 0x00 || b == 0x20 || b == 0xcc || b == 0xff;
}

static int quality(const uint8_t *b, size_t n)
{
    int q = 0;
    int unique = 0;
    bool seen[256] = {false};
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        uint8_t lower = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
        if (is_common(c))
            q += 15;
        else if (lower >= 'a' && lower <= 'z')
            q += 19;
        else
            q += 20;
        if (!seen[c]) {
            seen[c] = true;
            unique++;
        }
    }
    if (unique == 1 && is_common(b[0]))
        q -= 10 * (int)n;
    return q;
}

/* Best quality over all windows of up to ATOM_LEN bytes. */
static int best_window(const uint8_t *b, size_t n)
{
    if (n <= ATOM_LEN)
        return quality(b, n);
    int best = -1000;
    for (size_t i = 0; i + ATOM_LEN <= n; i++) {
        int q = quality(b + i, ATOM_LEN);
        if (q > best)
            best = q;
    }
    return best;
}

/* Quality of one form (ascii or wide) of the text, worst over xor keys. Only
 * the first 64 bytes matter for choosing a 4-byte window well enough. */
static int form_quality(const uint8_t *s, size_t len, bool wide, unsigned kmin, unsigned kmax)
{
    uint8_t buf[128];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 2 <= sizeof(buf); i++) {
        buf[n++] = s[i];
        if (wide)
            buf[n++] = 0;
    }
    int worst = 1000;
    for (unsigned k = kmin; k <= kmax; k++) {
        uint8_t x[128];
        for (size_t i = 0; i < n; i++)
            x[i] = (uint8_t)(buf[i] ^ k);
        int q = best_window(x, n);
        if (q < worst)
            worst = q;
    }
    return worst;
}

bool yc_text_is_slow(const uint8_t *s, size_t len, unsigned ir_flags, uint8_t xor_min,
                     uint8_t xor_max)
{
    if (ir_flags & (IR_SF_BASE64 | IR_SF_BASE64WIDE))
        return len < 2; /* yara scores the encoded alternatives; short input is what hurts */
    unsigned kmin = 0, kmax = 0;
    if (ir_flags & IR_SF_XOR) {
        kmin = xor_min;
        kmax = xor_max;
    }
    int q = 1000;
    if (ir_flags & IR_SF_ASCII || !(ir_flags & IR_SF_WIDE)) {
        int a = form_quality(s, len, false, kmin, kmax);
        if (a < q)
            q = a;
    }
    if (ir_flags & IR_SF_WIDE) {
        int w = form_quality(s, len, true, kmin, kmax);
        if (w < q)
            q = w;
    }
    return q < QUALITY_THRESHOLD;
}

bool yc_prog_is_slow(const re_prog *prog)
{
    /* yara warns when any piece of a chained string has no atom */
    for (size_t k = 0; k < re_piece_count(prog); k++)
        if (!re_piece_has_atoms(prog, k))
            return true;
    size_t n = re_atom_count(prog);
    if (n == 0)
        return true;
    int worst = 1000;
    for (size_t i = 0; i < n; i++) {
        const re_atom *a = re_atom_get(prog, i);
        if (!a)
            continue;
        int q = best_window(a->bytes, a->len <= RE_ATOM_MAX ? a->len : RE_ATOM_MAX);
        if (q < worst)
            worst = q;
    }
    return worst < QUALITY_THRESHOLD;
}

bool yc_regex_has_unbounded_dot(const char *src, size_t len)
{
    bool in_class = false;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '\\') {
            i++;
            continue;
        }
        if (in_class) {
            if (c == ']')
                in_class = false;
            continue;
        }
        if (c == '[') {
            in_class = true;
            if (i + 1 < len && src[i + 1] == ']')
                i++; /* "[]...]": a leading ']' is literal */
            continue;
        }
        if (c != '.' || i + 1 >= len)
            continue;
        char q = src[i + 1];
        if (q == '*' || q == '+')
            return true;
        if (q == '{') {
            size_t j = i + 2;
            while (j < len && src[j] >= '0' && src[j] <= '9')
                j++;
            if (j + 1 < len && src[j] == ',' && src[j + 1] == '}')
                return true;
        }
    }
    return false;
}
