/*
 * subsig.c - one .ldb subsignature: [Offset:]Body[::Modifiers], where the
 * body is a hex pattern, a macro ${min-max}group$, a byte compare
 * Ref(<<n|>>n#options#comparisons) or a PCRE Trigger/Pattern/[Flags]. The
 * kind is recognised in libclamav's order (cli_sigopts_handler, then
 * cli_parse_add); a '/' inside a PCRE does not split fields.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/util.h"
#include "util/hex.h"

/* Like cv_split, but from field index `skip` on a delimiter between two
 * unescaped '/' is part of the field (libclamav's cli_ldbtokenize). */
void cv_split_pcre_aware(const char *s, size_t len, char delim, size_t skip, cv_fields *out)
{
    size_t start = 0;
    bool in_re = false;
    out->n = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && out->n >= skip && s[i] == '/' && (i == 0 || s[i - 1] != '\\'))
            in_re = !in_re;
        if (i == len || (s[i] == delim && !in_re)) {
            if (out->n < CV_MAX_FIELDS)
                out->f[out->n] = (cv_str){s + start, i - start};
            out->n++;
            start = i + 1;
            in_re = false;
        }
    }
}

static cv_status macro(cv_str b, cv_subsig *o, cv_error *err)
{
    /* sscanf("${%u-%u}%u$") == 3, last character '$' */
    const char *p = b.p, *end = b.p + b.len;
    uint32_t v[3];
    const char seps[3] = {'-', '}', '$'};
    if (b.len < 2 || b.p[b.len - 1] != '$')
        return cv_bad(err, "macro subsignature: missing terminating '$'");
    if (b.len < 3 || p[1] != '{')
        return cv_bad(err, "macro subsignature: expected ${min-max}group$");
    p += 2;
    for (int i = 0; i < 3; i++) {
        const char *d = p;
        while (d < end && *d >= '0' && *d <= '9')
            d++;
        if (d == p || d == end || *d != seps[i])
            return cv_bad(err, "macro subsignature: expected ${min-max}group$");
        v[i] = cv_atou32((cv_str){p, (size_t)(d - p)});
        p = d + 1;
    }
    if (v[2] >= 32)
        return cv_bad(err, "macro subsignature: only 32 macro groups are supported");
    o->kind = CV_SUB_MACRO;
    o->macro_min = v[0];
    o->macro_max = v[1];
    o->macro_group = v[2];
    return CV_OK;
}

static bool strtol0(const char *s, const char *end, int64_t *v, const char **stop)
{
    /* strtol(..., 0) on a bounded string: sign, 0x / 0 prefixes */
    char tmp[40];
    size_t n = (size_t)(end - s);
    if (n >= sizeof(tmp))
        n = sizeof(tmp) - 1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *e;
    long long r = strtoll(tmp, &e, 0);
    *v = r;
    *stop = s + (e - tmp);
    return true;
}

static cv_status bytecmp(cv_str b, cv_subsig *o, cv_error *err)
{
    cv_bytecmp *c = &o->bcmp;
    const char *p = b.p, *end = b.p + b.len;
    const char *d = p;
    while (d < end && *d >= '0' && *d <= '9')
        d++;
    if (d == end || *d != '(')
        return cv_bad(err, "byte compare: reference subsignature must be a decimal index");
    c->ref = cv_atou32((cv_str){p, (size_t)(d - p)});
    if (d - p > 5 || c->ref > CV_MAX_SUBSIGS)
        return cv_bad(err, "byte compare: reference subsignature beyond 64");
    const char *rp = memchr(d, ')', (size_t)(end - d));
    if (!rp)
        return cv_bad(err, "byte compare: missing ')'");
    cv_fields f;
    cv_split(d + 1, (size_t)(rp - d - 1), '#', &f);
    if (f.n != 3)
        return cv_bad(err, "byte compare: expected offset#options#comparisons");
    cv_str off = f.f[0], opt = f.f[1], cmp = f.f[2];
    if (off.len >= 2 && (memcmp(off.p, "<<", 2) == 0 || memcmp(off.p, ">>", 2) == 0)) {
        const char *stop;
        strtol0(off.p + 2, off.p + off.len, &c->offset, &stop);
        if (stop != off.p + off.len)
            return cv_bad(err, "byte compare: invalid characters in offset '%.*s'", (int)off.len,
                          off.p);
        if (off.p[0] == '<')
            c->offset = -c->offset;
    } else if (off.len == 0 || off.p[0] == '0') {
        c->offset = 0;
    } else {
        return cv_bad(err, "byte compare: offset must start with << or >>");
    }
    size_t i = 0;
    char base = 0, endian = 0;
    for (; i < opt.len && (opt.p[i] < '0' || opt.p[i] > '9'); i++) {
        char ch = opt.p[i];
        bool bad = false;
        switch (ch) {
        case 'h':
        case 'd':
        case 'i':
        case 'a':
            bad = base != 0 || (ch == 'd' && endian == 'l');
            base = ch;
            if (ch == 'd')
                endian = 'b';
            break;
        case 'l':
            bad = endian == 'b' || base == 'd';
            endian = 'l';
            break;
        case 'b':
            bad = endian == 'l';
            endian = 'b';
            break;
        case 'e':
            c->exact = true;
            break;
        default:
            bad = true;
        }
        if (bad)
            return cv_bad(err, "byte compare: invalid option '%c' in '%.*s'", ch, (int)opt.len,
                          opt.p);
    }
    int64_t bl;
    const char *stop;
    if (i == opt.len)
        return cv_bad(err, "byte compare: missing byte length");
    strtol0(opt.p + i, opt.p + opt.len, &bl, &stop);
    if (stop != opt.p + opt.len || bl <= 0)
        return cv_bad(err, "byte compare: invalid byte length in '%.*s'", (int)opt.len, opt.p);
    if (base == 'i' && (bl > 8 || 8 % bl))
        return cv_bad(err, "byte compare: binary length must be 1, 2, 4 or 8");
    if (base == 'h' && bl > 18)
        return cv_bad(err, "byte compare: hex length above 18");
    c->base = base ? base : 0;
    c->little_endian = endian == 'l';
    c->big_endian = endian == 'b';
    c->nbytes = (uint32_t)bl;
    cv_fields cf;
    cv_split(cmp.p, cmp.len, ',', &cf);
    if (cf.n > 2)
        return cv_bad(err, "byte compare: at most two comparisons");
    c->ncmp = (uint32_t)cf.n;
    for (size_t k = 0; k < cf.n; k++) {
        cv_str x = cf.f[k];
        if (x.len == 0 || (x.p[0] != '<' && x.p[0] != '>' && x.p[0] != '='))
            return cv_bad(err, "byte compare: comparison must start with <, > or =");
        c->cmp[k] = x.p[0];
        strtol0(x.p + 1, x.p + x.len, &c->value[k], &stop);
        if (stop != x.p + x.len)
            return cv_bad(err, "byte compare: invalid comparison value '%.*s'", (int)x.len, x.p);
    }
    o->kind = CV_SUB_BYTECMP;
    return CV_OK;
}

static bool refers_to(const cv_lexpr *e, uint32_t idx, int depth)
{
    if (depth > 128)
        return false;
    if (e->kind == CV_LX_SUB)
        return e->index == idx;
    for (uint32_t i = 0; i < e->nkids; i++)
        if (refers_to(e->kids[i], idx, depth + 1))
            return true;
    return false;
}

/* clamscan refuses the whole database when a pattern does not compile
 * (cli_pcre_build), with the options its flags give (cli_pcre_addoptions). */
static bool compiles(const cv_pcre *r, cv_error *err)
{
    static const struct {
        uint32_t flag, opt;
    } map[] = {
        {CV_PCRE_CASELESS, PCRE2_CASELESS},   {CV_PCRE_DOTALL, PCRE2_DOTALL},
        {CV_PCRE_MULTILINE, PCRE2_MULTILINE}, {CV_PCRE_EXTENDED, PCRE2_EXTENDED},
        {CV_PCRE_ANCHORED, PCRE2_ANCHORED},   {CV_PCRE_DOLLAR_END, PCRE2_DOLLAR_ENDONLY},
        {CV_PCRE_UNGREEDY, PCRE2_UNGREEDY},
    };
    uint32_t opts = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (r->flags & map[i].flag)
            opts |= map[i].opt;
    int code;
    PCRE2_SIZE at;
    /* as a C string, as libclamav passes it */
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)r->pattern.p, PCRE2_ZERO_TERMINATED, opts, &code, &at, NULL);
    if (re) {
        pcre2_code_free(re);
        return true;
    }
    PCRE2_UCHAR msg[160];
    if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
        strcpy((char *)msg, "unknown error");
    cv_bad(err, "PCRE2 compilation failed at offset %llu: %s", (unsigned long long)at,
           (const char *)msg);
    return false;
}

static cv_status pcre(cv_str b, uint32_t self, cv_arena *a, cv_subsig *o, cv_error *err)
{
    const char *first = memchr(b.p, '/', b.len);
    const char *last = b.p + b.len - 1;
    while (last >= b.p && *last != '/')
        last--;
    if (first == last)
        return cv_bad(err, "PCRE subsignature: mismatched '/' delimiter");
    if (first == b.p)
        return cv_bad(err, "PCRE subsignature must start with a logical trigger");
    cv_pcre *r = &o->pcre;
    if (!cv_parse_lexpr(b.p, (size_t)(first - b.p), a, &r->trigger, &r->trigger_max, err))
        return cv_bad(err, "PCRE subsignature: invalid trigger '%.*s'", (int)(first - b.p), b.p);
    /* libclamav runs PCREs in subsignature order: a trigger sees only the
     * subsignatures before it */
    if (r->trigger_max > self)
        return cv_bad(err, "regex subsig %u logical trigger refers to subsequent subsig %u", self,
                      r->trigger_max);
    if (refers_to(r->trigger, self, 0))
        return cv_bad(err, "regex subsig %u logical trigger is self-referential", self);
    r->pattern.len = (size_t)(last - first - 1);
    if (r->pattern.len == 0)
        return cv_bad(err, "PCRE subsignature: empty pattern");
    r->pattern.p = cv_strndup(a, first + 1, r->pattern.len);
    if (!r->pattern.p)
        return cv_bad(err, "out of memory");
    static const char flags[] = "greismxAEU";
    for (const char *p = last + 1; p < b.p + b.len; p++) {
        const char *k = memchr(flags, *p, sizeof(flags) - 1);
        if (!k)
            return cv_bad(err, "PCRE subsignature: unknown flag '%c'", *p);
        r->flags |= 1u << (k - flags);
    }
    if (!compiles(r, err))
        return CV_BAD;
    o->kind = CV_SUB_PCRE;
    return CV_OK;
}

/*
 * fuzzy_img#HASH[#DISTANCE[#...]] after its prefix, as libclamav 1.4.6 reads
 * it (libclamav_rust fuzzy_hash.rs): the whole subsignature, before any
 * offset or modifier split (so "0:fuzzy_img#..." is a malformed hex string
 * and "fuzzy_img#HASH::i" a malformed hash); the distance must be a u32 as
 * Rust parses one ("+0" and "00" are 0) and 0; the hash 16 hex digits of
 * either case. Fields after the distance are ignored.
 */
static cv_status fuzzy_img(const char *s, size_t len, cv_subsig *out, cv_error *err)
{
    const char *end = s + len;
    const char *h2 = memchr(s, '#', len);
    cv_str hash = {s, (size_t)((h2 ? h2 : end) - s)};
    if (h2) {
        const char *d = h2 + 1;
        const char *dend = memchr(d, '#', (size_t)(end - d));
        if (!dend)
            dend = end;
        if (d < dend && *d == '+')
            d++;
        uint64_t v = 0;
        if (d == dend)
            return cv_bad(err, "fuzzy_img: the hamming distance is not a number");
        for (const char *c = d; c < dend; c++) {
            if (*c < '0' || *c > '9')
                return cv_bad(err, "fuzzy_img: the hamming distance is not a number");
            v = v * 10 + (uint64_t)(*c - '0');
            if (v > UINT32_MAX)
                return cv_bad(err, "fuzzy_img: the hamming distance is not a number");
        }
        if (v != 0)
            return cv_bad(err, "fuzzy_img: hamming distances other than 0 are not supported "
                               "(as in clamscan 1.4.6)");
    }
    if (hash.len != 16)
        return cv_bad(err, "fuzzy_img: the hash must be 16 hex digits");
    uint64_t h = 0;
    for (size_t i = 0; i < 16; i++) {
        int v = util_hex_digit((unsigned char)hash.p[i]);
        if (v < 0)
            return cv_bad(err, "fuzzy_img: the hash must be 16 hex digits");
        h = h << 4 | (uint64_t)v;
    }
    out->kind = CV_SUB_FUZZY_IMG;
    out->fuzzy_img = h;
    return CV_OK;
}

cv_status cv_parse_subsig(const char *s, size_t len, uint32_t target, uint32_t self, cv_arena *a,
                          cv_subsig *out, cv_error *err)
{
    cv_fields f;
    memset(out, 0, sizeof(*out));
    if (len >= 10 && memcmp(s, "fuzzy_img#", 10) == 0)
        return fuzzy_img(s + 10, len - 10, out, err);
    cv_split_pcre_aware(s, len, ':', 0, &f);
    if (f.n > 4)
        return cv_bad(err, "too many ':' fields");
    cv_str body = f.n % 2 ? f.f[0] : f.f[1];
    if (f.n % 2 == 0) {
        out->has_offset = true;
        if (!cv_parse_offset(f.f[0].p, f.f[0].len, target, &out->offset, err))
            return CV_BAD;
    }
    if (f.n >= 3) {
        cv_str m = f.f[f.n - 1];
        for (size_t i = 0; i < m.len; i++) {
            switch (m.p[i]) {
            case 'i':
                out->opts |= CV_OPT_NOCASE;
                break;
            case 'w':
                out->opts |= CV_OPT_WIDE;
                break;
            case 'f':
                out->opts |= CV_OPT_FULLWORD;
                break;
            case 'a':
                out->opts |= CV_OPT_ASCII;
                break;
            default:
                return cv_bad(err, "invalid subsignature modifier '%c'", m.p[i]);
            }
        }
    }
    if (body.len == 0)
        return cv_bad(err, "empty subsignature");
    const char *sl1 = memchr(body.p, '/', body.len);
    const char *sl2 = body.p + body.len - 1;
    while (sl2 >= body.p && *sl2 != '/')
        sl2--;
    if (out->opts && sl1 && sl1 != sl2) {
        return pcre(body, self, a, out, err);
    }
    const char *lp = memchr(body.p, '(', body.len);
    const char *h1 = memchr(body.p, '#', body.len);
    const char *h2 = body.p + body.len - 1;
    while (h2 >= body.p && *h2 != '#')
        h2--;
    bool bc_shape =
        lp && h1 && h1 != h2 && lp + 1 < body.p + body.len &&
        (lp[1] == '#' || (lp + 2 < body.p + body.len &&
                          (memcmp(lp + 1, ">>", 2) == 0 || memcmp(lp + 1, "<<", 2) == 0 ||
                           memcmp(lp + 1, "0#", 2) == 0)));
    if (body.p[0] == '$')
        return macro(body, out, err);
    if (sl1)
        return pcre(body, self, a, out, err);
    if (bc_shape ||
        (!memchr(body.p, '{', body.len) && !memchr(body.p, '*', body.len) && lp && h1 && h1 != h2))
        return bytecmp(body, out, err);
    out->kind = CV_SUB_HEX;
    if (!cv_parse_hex(body.p, body.len, out->opts, false, a, &out->hex, err))
        return CV_BAD;
    return CV_OK;
}
