/*
 * cssimg.c - the images clamscan 1.4.6 extracts from <style> CSS; the rules
 * are in cssimg.h. The parse works on the raw bytes: a UTF-8 decoder that
 * turns each invalid byte into a non-space code point stands in for Rust's
 * lossy conversion (the number of U+FFFD it would make never matters), and
 * grapheme clusters are cut only as far as the parse can see them.
 */
#include "cssimg.h"

#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

/* ---- code points ------------------------------------------------------ */

/* Decodes the code point at s[i] (i < n) into *cp and returns its length;
 * an invalid or truncated sequence is one byte of U+FFFD. */
static size_t utf8_at(const uint8_t *s, size_t i, size_t n, uint32_t *cp)
{
    uint8_t b = s[i];
    *cp = 0xFFFD;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1, v = b & 0x1Fu, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2, v = b & 0x0Fu, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3, v = b & 0x07u, min = 0x10000;
    } else {
        return 1;
    }
    if (n - i <= need)
        return 1;
    for (size_t k = 1; k <= need; k++) {
        uint8_t c = s[i + k];
        if ((c & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (c & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 1;
    *cp = v;
    return need + 1;
}

/* Rust's char::is_whitespace (Unicode White_Space). */
static bool is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Grapheme_Cluster_Break = Control, CR or LF: a cluster of its own. */
static bool is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xAD || c == 0x61C || c == 0x180E ||
           c == 0x200B || c == 0x200E || c == 0x200F || (c >= 0x2028 && c <= 0x202E) ||
           (c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF0 && c <= 0xFFFB) ||
           (c >= 0x13430 && c <= 0x1343F) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
           (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE001F) ||
           (c >= 0xE0080 && c <= 0xE0FFF);
}

/* Grapheme_Cluster_Break = Prepend: glued to the next non-control. */
static bool is_prepend(uint32_t c)
{
    return (c >= 0x600 && c <= 0x605) || c == 0x6DD || c == 0x70F || c == 0x890 ||
           c == 0x891 || c == 0x8E2 || c == 0xD4E || c == 0x110BD || c == 0x110CD ||
           c == 0x111C2 || c == 0x111C3 || c == 0x1193F || c == 0x11941 || c == 0x11A3A ||
           (c >= 0x11A84 && c <= 0x11A89) || c == 0x11D46 || c == 0x11F02;
}

/* Grapheme_Cluster_Break = Extend, ZWJ or SpacingMark: glued to what is
 * before it (Unicode 14: Mn, Me, Mc but the Myanmar/Tai Tham exceptions,
 * ZWNJ, ZWJ, emoji modifiers, tags, a few Lo/Lm). */
static const uint32_t attach_ranges[][2] = {
    {0x300, 0x36F}, {0x483, 0x489}, {0x591, 0x5BD}, {0x5BF, 0x5BF}, {0x5C1, 0x5C2},
    {0x5C4, 0x5C5}, {0x5C7, 0x5C7}, {0x610, 0x61A}, {0x64B, 0x65F}, {0x670, 0x670},
    {0x6D6, 0x6DC}, {0x6DF, 0x6E4}, {0x6E7, 0x6E8}, {0x6EA, 0x6ED}, {0x711, 0x711},
    {0x730, 0x74A}, {0x7A6, 0x7B0}, {0x7EB, 0x7F3}, {0x7FD, 0x7FD}, {0x816, 0x819},
    {0x81B, 0x823}, {0x825, 0x827}, {0x829, 0x82D}, {0x859, 0x85B}, {0x898, 0x89F},
    {0x8CA, 0x8E1}, {0x8E3, 0x903}, {0x93A, 0x93C}, {0x93E, 0x94F}, {0x951, 0x957},
    {0x962, 0x963}, {0x981, 0x983}, {0x9BC, 0x9BC}, {0x9BE, 0x9C4}, {0x9C7, 0x9C8},
    {0x9CB, 0x9CD}, {0x9D7, 0x9D7}, {0x9E2, 0x9E3}, {0x9FE, 0x9FE}, {0xA01, 0xA03},
    {0xA3C, 0xA3C}, {0xA3E, 0xA42}, {0xA47, 0xA48}, {0xA4B, 0xA4D}, {0xA51, 0xA51},
    {0xA70, 0xA71}, {0xA75, 0xA75}, {0xA81, 0xA83}, {0xABC, 0xABC}, {0xABE, 0xAC5},
    {0xAC7, 0xAC9}, {0xACB, 0xACD}, {0xAE2, 0xAE3}, {0xAFA, 0xAFF}, {0xB01, 0xB03},
    {0xB3C, 0xB3C}, {0xB3E, 0xB44}, {0xB47, 0xB48}, {0xB4B, 0xB4D}, {0xB55, 0xB57},
    {0xB62, 0xB63}, {0xB82, 0xB82}, {0xBBE, 0xBC2}, {0xBC6, 0xBC8}, {0xBCA, 0xBCD},
    {0xBD7, 0xBD7}, {0xC00, 0xC04}, {0xC3C, 0xC3C}, {0xC3E, 0xC44}, {0xC46, 0xC48},
    {0xC4A, 0xC4D}, {0xC55, 0xC56}, {0xC62, 0xC63}, {0xC81, 0xC83}, {0xCBC, 0xCBC},
    {0xCBE, 0xCC4}, {0xCC6, 0xCC8}, {0xCCA, 0xCCD}, {0xCD5, 0xCD6}, {0xCE2, 0xCE3},
    {0xD00, 0xD03}, {0xD3B, 0xD3C}, {0xD3E, 0xD44}, {0xD46, 0xD48}, {0xD4A, 0xD4D},
    {0xD57, 0xD57}, {0xD62, 0xD63}, {0xD81, 0xD83}, {0xDCA, 0xDCA}, {0xDCF, 0xDD4},
    {0xDD6, 0xDD6}, {0xDD8, 0xDDF}, {0xDF2, 0xDF3}, {0xE31, 0xE31}, {0xE33, 0xE3A},
    {0xE47, 0xE4E}, {0xEB1, 0xEB1}, {0xEB3, 0xEBC}, {0xEC8, 0xECD}, {0xF18, 0xF19},
    {0xF35, 0xF35}, {0xF37, 0xF37}, {0xF39, 0xF39}, {0xF3E, 0xF3F}, {0xF71, 0xF84},
    {0xF86, 0xF87}, {0xF8D, 0xF97}, {0xF99, 0xFBC}, {0xFC6, 0xFC6}, {0x102D, 0x1037},
    {0x1039, 0x103E}, {0x1056, 0x1059}, {0x105E, 0x1060}, {0x1071, 0x1074}, {0x1082, 0x1082},
    {0x1084, 0x1086}, {0x108D, 0x108D}, {0x109D, 0x109D}, {0x135D, 0x135F}, {0x1712, 0x1715},
    {0x1732, 0x1734}, {0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17D3}, {0x17DD, 0x17DD},
    {0x180B, 0x180D}, {0x180F, 0x180F}, {0x1885, 0x1886}, {0x18A9, 0x18A9}, {0x1920, 0x192B},
    {0x1930, 0x193B}, {0x1A17, 0x1A1B}, {0x1A55, 0x1A5E}, {0x1A60, 0x1A60}, {0x1A62, 0x1A62},
    {0x1A65, 0x1A7C}, {0x1A7F, 0x1A7F}, {0x1AB0, 0x1ACE}, {0x1B00, 0x1B04}, {0x1B34, 0x1B44},
    {0x1B6B, 0x1B73}, {0x1B80, 0x1B82}, {0x1BA1, 0x1BAD}, {0x1BE6, 0x1BF3}, {0x1C24, 0x1C37},
    {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE8}, {0x1CED, 0x1CED}, {0x1CF4, 0x1CF4}, {0x1CF7, 0x1CF9},
    {0x1DC0, 0x1DFF}, {0x200C, 0x200D}, {0x20D0, 0x20F0}, {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F},
    {0x2DE0, 0x2DFF}, {0x302A, 0x302F}, {0x3099, 0x309A}, {0xA66F, 0xA672}, {0xA674, 0xA67D},
    {0xA69E, 0xA69F}, {0xA6F0, 0xA6F1}, {0xA802, 0xA802}, {0xA806, 0xA806}, {0xA80B, 0xA80B},
    {0xA823, 0xA827}, {0xA82C, 0xA82C}, {0xA880, 0xA881}, {0xA8B4, 0xA8C5}, {0xA8E0, 0xA8F1},
    {0xA8FF, 0xA8FF}, {0xA926, 0xA92D}, {0xA947, 0xA953}, {0xA980, 0xA983}, {0xA9B3, 0xA9C0},
    {0xA9E5, 0xA9E5}, {0xAA29, 0xAA36}, {0xAA43, 0xAA43}, {0xAA4C, 0xAA4D}, {0xAA7C, 0xAA7C},
    {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8}, {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1},
    {0xAAEB, 0xAAEF}, {0xAAF5, 0xAAF6}, {0xABE3, 0xABEA}, {0xABEC, 0xABED}, {0xFB1E, 0xFB1E},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFF9E, 0xFF9F}, {0x101FD, 0x101FD},
    {0x102E0, 0x102E0}, {0x10376, 0x1037A}, {0x10A01, 0x10A03}, {0x10A05, 0x10A06},
    {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F}, {0x10AE5, 0x10AE6},
    {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC}, {0x10F46, 0x10F50}, {0x10F82, 0x10F85},
    {0x11000, 0x11002}, {0x11038, 0x11046}, {0x11070, 0x11070}, {0x11073, 0x11074},
    {0x1107F, 0x11082}, {0x110B0, 0x110BA}, {0x110C2, 0x110C2}, {0x11100, 0x11102},
    {0x11127, 0x11134}, {0x11145, 0x11146}, {0x11173, 0x11173}, {0x11180, 0x11182},
    {0x111B3, 0x111C0}, {0x111C9, 0x111CC}, {0x111CE, 0x111CF}, {0x1122C, 0x11237},
    {0x1123E, 0x1123E}, {0x112DF, 0x112EA}, {0x11300, 0x11303}, {0x1133B, 0x1133C},
    {0x1133E, 0x11344}, {0x11347, 0x11348}, {0x1134B, 0x1134D}, {0x11357, 0x11357},
    {0x11362, 0x11363}, {0x11366, 0x1136C}, {0x11370, 0x11374}, {0x11435, 0x11446},
    {0x1145E, 0x1145E}, {0x114B0, 0x114C3}, {0x115AF, 0x115B5}, {0x115B8, 0x115C0},
    {0x115DC, 0x115DD}, {0x11630, 0x11640}, {0x116AB, 0x116B7}, {0x1171D, 0x1171F},
    {0x11722, 0x1172B}, {0x1182C, 0x1183A}, {0x11930, 0x11935}, {0x11937, 0x11938},
    {0x1193B, 0x1193E}, {0x11940, 0x11940}, {0x11942, 0x11943}, {0x119D1, 0x119D7},
    {0x119DA, 0x119E0}, {0x119E4, 0x119E4}, {0x11A01, 0x11A0A}, {0x11A33, 0x11A39},
    {0x11A3B, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A51, 0x11A5B}, {0x11A8A, 0x11A99},
    {0x11C2F, 0x11C36}, {0x11C38, 0x11C3F}, {0x11C92, 0x11CA7}, {0x11CA9, 0x11CB6},
    {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45},
    {0x11D47, 0x11D47}, {0x11D8A, 0x11D8E}, {0x11D90, 0x11D91}, {0x11D93, 0x11D97},
    {0x11EF3, 0x11EF6}, {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36}, {0x16F4F, 0x16F4F},
    {0x16F51, 0x16F87}, {0x16F8F, 0x16F92}, {0x16FE4, 0x16FE4}, {0x16FF0, 0x16FF1},
    {0x1BC9D, 0x1BC9E}, {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1D165, 0x1D169},
    {0x1D16D, 0x1D172}, {0x1D17B, 0x1D182}, {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD},
    {0x1D242, 0x1D244}, {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75},
    {0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1E000, 0x1E006},
    {0x1E008, 0x1E018}, {0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A},
    {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6},
    {0x1E944, 0x1E94A}, {0x1F3FB, 0x1F3FF}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
};

static bool is_attach(uint32_t c)
{
    size_t lo = 0, hi = sizeof(attach_ranges) / sizeof(attach_ranges[0]);
    if (c < 0x300)
        return false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c < attach_ranges[mid][0])
            hi = mid;
        else if (c > attach_ranges[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* ---- grapheme clusters ------------------------------------------------- */

/* One cluster of s[i..n) as the extractor sees it: where it ends, whether
 * it holds a whitespace character, and its only byte when it is a lone
 * ASCII character (else 0). The cut follows UAX #29 for every rule that
 * can involve ASCII or whitespace: CR LF; nothing glued to or after a
 * control; marks glued to what precedes; a Prepend glued to what follows.
 * Hangul, regional-indicator, emoji and Indic rules only join characters
 * the parse never looks at, so they are left out. */
typedef struct cluster {
    size_t end;
    bool space;
    uint8_t ascii;
} cluster;

static cluster next_cluster(const uint8_t *s, size_t i, size_t n)
{
    uint32_t c;
    size_t j = i + utf8_at(s, i, n, &c);
    cluster k = {j, is_space(c), c < 0x80 ? (uint8_t)c : 0};
    if (c == '\r' && j < n && s[j] == '\n') {
        k.end = j + 1;
        k.ascii = 0;
        return k;
    }
    if (is_control(c))
        return k;
    uint32_t prev = c;
    while (j < n) {
        uint32_t d;
        size_t l = utf8_at(s, j, n, &d);
        if (is_control(d) || !(is_attach(d) || is_prepend(prev)))
            break;
        k.space = k.space || is_space(d);
        k.ascii = 0;
        prev = d;
        j += l;
    }
    k.end = j;
    return k;
}

/* Skips whitespace clusters from *p; true when the next cluster is the lone
 * ASCII character `want` (then *p is past it). False when another cluster
 * comes first. When only whitespace follows, *p is left unchanged and
 * `*ran_out` set: libclamav then goes on with the unchanged text. */
static bool skip_to(const uint8_t *s, size_t *p, size_t n, uint8_t want, bool *ran_out)
{
    *ran_out = false;
    for (size_t i = *p; i < n;) {
        cluster k = next_cluster(s, i, n);
        if (k.ascii == want) {
            *p = k.end;
            return true;
        }
        if (!k.space)
            return false;
        i = k.end;
    }
    *ran_out = true;
    return false;
}

/* ---- trimming ---------------------------------------------------------- */

static void trim_space(const uint8_t *s, size_t *b, size_t *e)
{
    size_t i = *b, last = *b;
    bool seen = false;
    while (i < *e) {
        uint32_t c;
        size_t l = utf8_at(s, i, *e, &c);
        if (!is_space(c)) {
            if (!seen)
                *b = i;
            seen = true;
            last = i + l;
        }
        i += l;
    }
    *e = seen ? last : *b;
    if (!seen)
        *b = *e;
}

static void trim_start_space(const uint8_t *s, size_t *b, size_t e)
{
    while (*b < e) {
        uint32_t c;
        size_t l = utf8_at(s, *b, e, &c);
        if (!is_space(c))
            break;
        *b += l;
    }
}

/* ---- base64 ------------------------------------------------------------ */

/* Rust base64's STANDARD engine: whole quads only, '=' only as the last
 * one or two bytes, unused bits zero. Writes into dst (len / 4 * 3 bytes
 * available); returns false on any error. */
static bool b64_decode(const uint8_t *src, size_t len, uint8_t *dst, size_t *out_len)
{
    size_t o = 0;
    if (len % 4 != 0)
        return false;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        size_t pad = 0;
        if (last && src[i + 3] == '=')
            pad = src[i + 2] == '=' ? 2 : 1;
        int v[4] = {0, 0, 0, 0};
        for (size_t k = 0; k < 4 - pad; k++) {
            v[k] = util_base64_digit(src[i + k]);
            if (v[k] < 0)
                return false;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        if ((pad == 2 && (v[1] & 0x0F)) || (pad == 1 && (v[2] & 0x03)))
            return false;
        dst[o++] = (uint8_t)(w >> 16);
        if (pad < 2)
            dst[o++] = (uint8_t)(w >> 8);
        if (pad < 1)
            dst[o++] = (uint8_t)w;
    }
    *out_len = o;
    return true;
}

/* ---- the extractor ----------------------------------------------------- */

static size_t find_byte(const uint8_t *s, size_t from, size_t n, uint8_t c)
{
    const uint8_t *p = from < n ? memchr(s + from, c, n - from) : NULL;
    return p ? (size_t)(p - s) : n;
}

static size_t find_url(const uint8_t *s, size_t from, size_t n)
{
    for (size_t i = from; n >= 3 && i <= n - 3; i++) {
        i = find_byte(s, i, n, 'u');
        if (i + 3 > n)
            break;
        if (s[i + 1] == 'r' && s[i + 2] == 'l')
            return i;
    }
    return n;
}

/* Finds the ')' cluster closing the url( that ends at `from`; n if none. */
static size_t find_close(const uint8_t *s, size_t from, size_t n)
{
    size_t depth = 1;
    for (size_t i = from; i < n;) {
        cluster k = next_cluster(s, i, n);
        if (k.ascii == '(') {
            depth++;
        } else if (k.ascii == ')') {
            if (depth == 1)
                return i;
            depth--;
        }
        i = k.end;
    }
    return n;
}

static bool push(cv_css_out *out, const uint8_t *b64, size_t len, bool *bad)
{
    uint8_t *buf = len ? malloc(len / 4 * 3 + 1) : NULL;
    if (len && !buf)
        return false;
    size_t got = 0;
    if (!b64_decode(b64, len, buf, &got)) {
        free(buf);
        *bad = true;
        return true;
    }
    cv_css_image *im = realloc(out->images, (out->n_images + 1) * sizeof(*im));
    if (!im) {
        free(buf);
        return false;
    }
    out->images = im;
    if (got == 0) {
        free(buf);
        buf = NULL;
    }
    im[out->n_images++] = (cv_css_image){buf, got};
    return true;
}

cv_css_status cv_css_images(const uint8_t *css, size_t len, cv_css_out *out)
{
    memset(out, 0, sizeof(*out));
    if (!css)
        return CV_CSS_OK;
    const uint8_t *nul = memchr(css, 0, len);
    size_t n = nul ? (size_t)(nul - css) : len; /* libclamav reads a C string */
    size_t pos = 0;
    bool ran_out;
    while (!out->bad_base64) {
        size_t u = find_url(css, pos, n);
        if (u >= n)
            break;
        pos = u + 3;
        size_t open = pos;
        if (!skip_to(css, &open, n, '(', &ran_out) && !ran_out)
            continue;
        size_t close = find_close(css, open, n);
        if (close >= n)
            break; /* no closing ')': libclamav stops looking */
        pos = close;
        size_t b = open, e = close;
        trim_space(css, &b, &e);
        while (b < e && css[b] == '"')
            b++;
        while (e > b && css[e - 1] == '"')
            e--;
        trim_space(css, &b, &e);
        if (e - b < 5 || memcmp(css + b, "data:", 5) != 0)
            continue;
        b += 5;
        size_t semi = find_byte(css, b, e, ';');
        if (semi >= e)
            continue;
        b = semi + 1;
        if (!skip_to(css, &b, e, 'b', &ran_out) && !ran_out)
            continue;
        if (e - b < 5 || memcmp(css + b, "ase64", 5) != 0)
            continue;
        b += 5;
        if (!skip_to(css, &b, e, ',', &ran_out) && !ran_out)
            continue;
        trim_start_space(css, &b, e);
        if (!push(out, css + b, e - b, &out->bad_base64)) {
            cv_css_out_free(out);
            return CV_CSS_NOMEM;
        }
    }
    return CV_CSS_OK;
}

cv_css_status cv_css_images_html(const cv_html_out *html, cv_css_out *out)
{
    memset(out, 0, sizeof(*out));
    if (!html || html->aborted || html->n_styles == 0)
        return CV_CSS_OK;
    size_t total = 0;
    for (size_t i = 0; i < html->n_styles; i++) {
        if (html->styles[i].text.len > SIZE_MAX - total - 1)
            return CV_CSS_NOMEM;
        total += html->styles[i].text.len;
    }
    uint8_t *all = malloc(total + 1);
    if (!all)
        return CV_CSS_NOMEM;
    size_t at = 0;
    for (size_t i = 0; i < html->n_styles; i++) {
        const cv_html_buf *t = &html->styles[i].text;
        if (t->len)
            memcpy(all + at, t->data, t->len);
        at += t->len;
    }
    cv_css_status st = cv_css_images(all, total, out);
    free(all);
    return st;
}

void cv_css_out_free(cv_css_out *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < out->n_images; i++)
        free(out->images[i].data);
    free(out->images);
    memset(out, 0, sizeof(*out));
}
