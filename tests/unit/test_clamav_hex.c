/*
 * test_clamav_hex.c - ClamAV hex patterns as lib/re programs
 * (cv_compile_pattern, lib/clamav/hexprog.c), held to Debian's clamscan
 * 1.4.6. Every expected result below is clamscan's, found by hand:
 *
 *   offsets[]: for (PATTERN, MODS, DATA), a logical database with one line
 *     per offset X of DATA, "OX;Engine:81-255,Target:0;0;X:PATTERN[::MODS]",
 *     and `clamscan -z --no-summary -d db.ldb data`: the lines reported FOUND
 *     are exactly the start offsets libclamav finds (an absolute subsignature
 *     offset must equal the match start).
 *   found[]: cases where that trick does not work (a (B)/(L)/(W) before the
 *     part's Aho-Corasick anchor counts as 0 bytes in libclamav's offset
 *     precheck), or only the yes/no matters: one file per DATA (at least 6
 *     bytes: clamscan ignores files of 5 bytes or less) and the line
 *     "T;Engine:81-255,Target:0;0;PATTERN[::MODS]".
 *
 * Each case is checked twice: verifying every piece at every offset (the
 * reference), and driven by the program's atoms in hit order as lib/match
 * does; both must give clamscan's offsets. Known difference, not tabled:
 * libclamav accepts a part whose variable-length alternative runs into the
 * end of the buffer ("4142(43??|44)45" matches "ABCE" at the end of a file);
 * vigil needs the whole part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clamav/hexprog.h"
#include "ir/ir.h"
#include "match/matcher.h"
#include "re/re.h"
#include "re/re_build.h"

#define D(s) (const uint8_t *)(s), sizeof(s) - 1
#define MAXHITS 4096

typedef struct hits {
    uint64_t v[MAXHITS];
    size_t n;
} hits;

static void hits_add(hits *h, uint64_t s)
{
    size_t i = h->n;
    while (i > 0 && h->v[i - 1] > s)
        i--;
    if ((i > 0 && h->v[i - 1] == s) || h->n == MAXHITS)
        return;
    memmove(h->v + i + 1, h->v + i, (h->n - i) * sizeof(uint64_t));
    h->v[i] = s;
    h->n++;
}

typedef struct rctx {
    hits *h;
    re_chain *ch;
    uint32_t piece;
} rctx;

static bool on_whole(uint64_t s, uint32_t l, void *u)
{
    (void)l;
    hits_add(((rctx *)u)->h, s);
    return true;
}

static bool on_piece(uint64_t s, uint32_t l, void *u)
{
    rctx *c = u;
    assert_int_not_equal(re_chain_feed(c->ch, c->piece, s, l, on_whole, c), RE_CHAIN_NOMEM);
    return true;
}

/* Reference: every piece verified from every offset, in offset order (a
 * piece's match is fed before any later piece's match that may use it). */
static void sweep(const re_prog *p, const uint8_t *d, size_t len, hits *h)
{
    rctx c = {h, NULL, 0};
    size_t np = re_piece_count(p);
    if (np > 1)
        assert_int_equal(re_chain_new(p, &c.ch), VIGIL_OK);
    for (size_t pos = 0; pos <= len; pos++)
        for (uint32_t k = 0; k < np; k++) {
            c.piece = k;
            re_verify(p, NULL, k, RE_NO_ATOM, d, len, pos, np > 1 ? on_piece : on_whole, &c);
        }
    re_chain_free(c.ch);
}

static int lcb(int x)
{
    return x >= 'A' && x <= 'Z' ? x + 32 : x;
}

static bool atom_at(const re_atom *a, const uint8_t *d, size_t len, size_t i)
{
    if (i + a->len > len)
        return false;
    for (int k = 0; k < a->len; k++) {
        uint8_t b = d[i + k];
        if (a->masked   ? (b & a->mask[k]) != a->bytes[k]
            : a->nocase ? lcb(b) != lcb(a->bytes[k])
                        : b != a->bytes[k])
            return false;
    }
    return true;
}

typedef struct ev {
    size_t end;
    uint32_t atom;
    size_t start;
} ev;

static int ev_cmp(const void *x, const void *y)
{
    const ev *a = x, *b = y;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->atom < b->atom ? -1 : a->atom > b->atom;
}

/* As lib/match: atom occurrences in the order Vectorscan reports them (by
 * end), each verified for its piece. */
static void by_atoms(const re_prog *p, const uint8_t *d, size_t len, hits *h)
{
    size_t np = re_piece_count(p), na = re_atom_count(p);
    for (size_t k = 0; k < np; k++)
        assert_true(re_piece_has_atoms(p, k)); /* libclamav needs 2 exact bytes per part */
    ev *evs = malloc((len + 1) * (na + 1) * sizeof(ev));
    assert_non_null(evs);
    size_t ne = 0;
    for (size_t i = 0; i < len; i++)
        for (size_t a = 0; a < na; a++) {
            const re_atom *at = re_atom_get(p, a);
            if (atom_at(at, d, len, i))
                evs[ne++] = (ev){i + at->len, (uint32_t)a, i};
        }
    qsort(evs, ne, sizeof(ev), ev_cmp);
    rctx c = {h, NULL, 0};
    if (np > 1)
        assert_int_equal(re_chain_new(p, &c.ch), VIGIL_OK);
    for (size_t e = 0; e < ne; e++) {
        c.piece = re_atom_get(p, evs[e].atom)->piece;
        re_verify(p, NULL, c.piece, evs[e].atom, d, len, evs[e].start, np > 1 ? on_piece : on_whole,
                  &c);
    }
    re_chain_free(c.ch);
    free(evs);
}

static unsigned mods_flags(const char *m)
{
    unsigned fl = 0;
    for (; *m; m++)
        fl |= *m == 'i'   ? IR_SF_NOCASE
              : *m == 'w' ? IR_SF_WIDE
              : *m == 'a' ? IR_SF_ASCII
              : *m == 'f' ? IR_SF_FULLWORD
                          : 0;
    return fl;
}

/* Every start offset of the pattern in d: the union of its programs (two
 * for ::wa, as libclamav adds two patterns), checked both ways. */
static void find(const char *pat, const char *mods, const uint8_t *d, size_t len, hits *out)
{
    unsigned fl = mods_flags(mods);
    bool two = (fl & IR_SF_WIDE) && (fl & IR_SF_ASCII);
    memset(out, 0, sizeof(*out));
    for (int pi = 0; pi < (two ? 2 : 1); pi++) {
        unsigned f = !two ? fl : pi ? fl & ~(unsigned)IR_SF_ASCII : fl & ~(unsigned)IR_SF_WIDE;
        re_prog *p = NULL;
        re_error e;
        vigil_status st = cv_compile_pattern(pat, strlen(pat), f, &p, &e);
        if (st != VIGIL_OK)
            fail_msg("%s::%s: status %d (%s)", pat, mods, st, e.message);
        hits *s = calloc(1, sizeof(hits)), *a = calloc(1, sizeof(hits));
        assert_non_null(s);
        assert_non_null(a);
        sweep(p, d, len, s);
        by_atoms(p, d, len, a);
        if (s->n != a->n || memcmp(s->v, a->v, s->n * sizeof(uint64_t)) != 0)
            fail_msg("%s::%s: atoms find %zu starts, the sweep %zu", pat, mods, a->n, s->n);
        for (size_t i = 0; i < s->n; i++)
            hits_add(out, s->v[i]);
        free(s);
        free(a);
        re_free(p);
    }
}

static void expect(const char *pat, const char *mods, const uint8_t *d, size_t len,
                   const char *want)
{
    hits *h = malloc(sizeof(hits));
    assert_non_null(h);
    find(pat, mods, d, len, h);
    char got[512] = "";
    size_t o = 0;
    for (size_t i = 0; i < h->n && o < sizeof(got) - 24; i++)
        o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%llu", i ? " " : "",
                              (unsigned long long)h->v[i]);
    free(h);
    if (strcmp(got, want) != 0)
        fail_msg("%s::%s: starts [%s], clamscan [%s]", pat, mods, got, want);
}

typedef struct off_row {
    const char *pat, *mods;
    const uint8_t *data;
    size_t len;
    const char *starts; /* clamscan's, ascending */
} off_row;

static const off_row offsets[] = {
    {"4142", "", D("xABxxABAB"), "1 5 7"},
    {"4142a?", "",
     D("ABaAB\xaf"
       "AB\x10"),
     "3"},
    {"4142?3", "",
     D("AB\x13"
       "AB\x14"
       "AB\xf3"),
     "0 6"},
    {"41??4243", "",
     D("A.BCxA\x00"
       "BCABBC"),
     "0 5 9"},
    {"4142*4344", "", D("ABxCDABCDxxCD"), "0 5"},
    {"4142{2}4344", "", D("ABxxCDABxCDABxxxCD"), "0"},
    {"4142{-2}4344", "", D("ABCDABxCDABxxCDABxxxCD"), "0 4 9"},
    {"4142{2-}4344", "", D("ABCDABxCDABxxCDABxxxxxCD"), "0 4 9 15"},
    {"4142{1-2}4344", "", D("ABCDABxCDABxxCDABxxxCD"), "4 9"},
    {"4142(43|44)45", "", D("ABCEABDEABEE"), "0 4"},
    {"4142(4344|4546)47", "", D("ABCDGABEFGABCFG"), "0 5"},
    {"4142!(43|44)45", "", D("ABCEABDEABEEABxE"), "8 12"},
    {"4142!(4344|4546)47", "", D("ABCDGABEFGABCFGABxxG"), "10 15"},
    {"(B)4142", "", D("ABxAB AB.AB-ABaAB\nAB"), "0 6 9 12"},
    {"4142(B)", "", D("ABxAB AB.AB-AB\"AB\nAB"), "3 9 12 15 18"},
    {"4142!(B)", "", D("ABxAB AB.AB-AB\"AB\nAB"), "0 6"},
    {"(L)4142", "", D("AB\nABxAB\r\nAB"), "0 3 10"},
    {"4142(L)", "", D("ABxAB\nAB\r\nAB\rAB"), "3 6 13"},
    {"(W)4142", "", D("ABxAB AB.AB1AB_AB"), "0 6 9 15"},
    {"4142(W)", "", D("ABxAB AB.AB1AB_AB"), "3 6 12 15"},
    {"4142[1-2]5a", "", D("ABZABxZABxxZABxxxZ"), "3 7"},
    {"5a[1-2]4142", "", D("ZABZxABZxxABZxxxAB"), "5 10"},
    {"4142[0-1]5?", "", D("ABZABxZAB\x00xZ"), "0 3 7"},
    {"4142[0-1]?5", "", D("ABUABxUAB\x00xx"), "0 3"},
    {"4142[1]??", "", D("ABZABxZ"), "0 3"},
    {"4142", "i", D("abxAbxaBxAB"), "0 3 6 9"},
    {"6162", "i", D("abxAbxaBxAB"), "0 3 6 9"},
    {"4142", "w",
     D("A\x00"
       "B\x00xAB"),
     "0"},
    {"4142", "wa",
     D("A\x00"
       "B\x00xAB"),
     "0 5"},
    {"4142", "f", D("AB xAB AB"), "0 7"},
    {"4142", "fw",
     D("A\x00"
       "B\x00 x\x00"
       "A\x00"
       "B\x00"),
     "0"},
    {"414141", "", D("AAAAAA"), "0 1 2 3"},
    {"4141??41", "", D("AAAAAAA"), "0 1 2 3"},
    {"4142*4142", "", D("ABABABAB"), "0 2 4"},
    {"4142{0}4344", "", D("ABCDABxxCD"), "0 4"},
    {"4142*4344*4546", "", D("ABxCDxEFABEFCDEF"), "0 8"},
    {"4142{3-5}4344{1}4546", "", D("ABxxxCDxEFABxxCDxEF"), "0"},
    {"4142{-3}4344*4546", "", D("ABCDEFABxxxxCDEF"), "0"},
    {"4142(4?|5?)43", "",
     D("ABICABZCAB\x10"
       "C"),
     "0 4"},
    {"4142(43(44|45)|4647)48", "", D("ABCDHABCEHABFGHABCFH"), "0 5 10"},
    {"4142(43|44)45", "i", D("abcEABdeabee"), "0 4"},
    {"4142(4344|4546)47", "i", D("abcdgABefGabCFg"), "0 5"},
    {"4142a?43", "i",
     D("ABaCAbaCab\xa1"
       "c"),
     "8"},
    {"4142[1-2]5a", "i", D("ABzABxZABxxzAB"), "3 7"},
    {"41424344", "w",
     D("A\x00"
       "B\x00"
       "C\x00"
       "D\x00"
       "ABCD"),
     "0"},
    {"4142*4344", "w",
     D("A\x00"
       "B\x00xxC\x00"
       "D\x00"),
     "0"},
    {"4142{2}4344", "w",
     D("A\x00"
       "B\x00xxC\x00"
       "D\x00"
       "A\x00"
       "B\x00xxxxC\x00"
       "D\x00"),
     "0"},
    {"4142[1-2]4344", "w",
     D("A\x00"
       "B\x00xC\x00"
       "D\x00"
       "A\x00"
       "B\x00xxxxC\x00"
       "D\x00"),
     "0"},
    {"4142(43|44)45", "w",
     D("A\x00"
       "B\x00"
       "C\x00"
       "E\x00"
       "A\x00"
       "B\x00"
       "D\x00"
       "E\x00"),
     "0 8"},
    {"41424344", "wi",
     D("a\x00"
       "B\x00"
       "c\x00"
       "D\x00"),
     "0"},
    {"41424344", "f", D("ABCD ABCDx xABCD _ABCD_ 1ABCD"), "0 18"},
    {"41424344", "fi", D("abcd ABCDx"), "0"},
    {"41424344", "fw",
     D("x\x00"
       "A\x00"
       "B\x00"
       "C\x00"
       "D\x00 \x00"
       "A\x00"
       "B\x00"
       "C\x00"
       "D\x00"),
     "12"},
    {"41424344", "fwa",
     D("x\x00"
       "A\x00"
       "B\x00"
       "C\x00"
       "D\x00 \x00"
       "ABCD xABCD"),
     "12"},
    {"(W)41424344(W)", "w",
     D("x\x00"
       "A\x00"
       "B\x00"
       "C\x00"
       "D\x00 \x00"
       "A\x00"
       "B\x00"
       "C\x00"
       "D\x00"),
     "12"},
    {"4142(W)", "w",
     D("A\x00"
       "B\x00x\x00"
       "A\x00"
       "B\x00 \x00"
       "A\x00"
       "B\x00"),
     "6 12"},
    {"(W)4142", "w",
     D("A\x00"
       "B\x00x\x00"
       "A\x00"
       "B\x00 \x00"
       "A\x00"
       "B\x00"),
     "0 12"},
    {"4142!(W)", "", D("ABxAB AB1"), "0 6"},
    {"4142!(L)", "", D("AB\nABxAB\r\nAB\rxAB"), "3 10"},
    {"4142(B)4344", "", D("AB CDAB.CDABxCDAB\nCD"), "0 5 15"},
    {"4142!(B)4344", "", D("AB CDAB.CDABxCDAB\nCD"), "10"},
    {"4142(L)4344", "", D("AB\nCDAB\r\nCDABxCD"), "0"},
    {"4142!(L)4344", "", D("AB\nCDAB\r\nCDABxCDAB\rCD"), "11 16"},
    {"4142(W)4344", "", D("AB CDABxCD"), "0"},
    {"4142!(W)4344", "", D("AB CDABxCD"), "5"},
    {"4142(43|44)(B)", "", D("ABC ABDxABC\n"), "0 8"},
    {"(B)4142[2-3]5a", "", D(" ABxxZ ABxxxxZxABxZ"), "1"},
    {"5a[0-2](B)4142", "", D("Z ABZx ABZxxx AB"), "2 7"},
    {"4142!(4142|4344)4546", "", D("ABABEFABCDEFABxxEFABAxEF"), "12 18"},
    {"4142!(41|42)4142", "", D("ABAABABxABABCAB"), "5 10"},
};

static void test_offsets(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++)
        expect(offsets[i].pat, offsets[i].mods, offsets[i].data, offsets[i].len, offsets[i].starts);
}

typedef struct found_row {
    const char *pat, *mods;
    const uint8_t *data;
    size_t len;
    bool found; /* clamscan: FOUND */
} found_row;

static const found_row found[] = {
    {"!(W)4142", "", D("zzzxAB"), true},
    {"!(W)4142", "", D("zzz AB"), false},
    {"!(W)4142", "", D("zz.ABz"), false},
    {"!(W)4142", "", D("zz1ABz"), true},
    {"!(L)4142", "", D("zz\nABz"), false},
    {"!(L)4142", "", D("zzzxAB"), true},
    {"!(L)4142", "", D("z\r\nABz"), false},
    {"!(L)4142", "", D("zz\rABz"), true},
    {"!(B)4142", "", D("zzzxAB"), true},
    {"!(B)4142", "", D("zzz AB"), false},
    {"!(B)4142", "", D("zz.ABz"), false},
    {"!(B)4142", "", D("zz_ABz"), false},
    {"(B)(L)4142", "", D("zz \nABz"), true},
    {"(B)(L)4142", "", D("z\r\nABz"), false},
    {"(B)(L)4142", "", D("zz\nABzz"), false},
    {"(B)(L)4142", "", D("z \r\nAB"), false},
    {"(B)(L)4142", "", D("z.\r\nAB"), false},
    {"4142(L)4344", "", D("AB\nCDzz"), true},
    {"4142(L)4344", "", D("AB\r\nCDz"), false},
    {"4142(L)4344", "", D("AB\rCDzz"), false},
    {"4142(L)4344", "", D("xAB\r\nCDz"), false},
    {"4142(L)", "", D("zzAB\r\n"), true},
    {"4142(L)", "", D("zzAB\rz"), false},
    {"4142(L)", "", D("zzzzAB"), true},
    {"41424344(L)(L)", "", D("ABCD\n\nzz"), true},
    {"41424344(L)(L)", "", D("ABCD\r\n\nz"), true},
    {"41424344(L)(L)", "", D("ABCD\n\r\nz"), true},
    {"41424344(L)(L)", "", D("ABCDzzzz"), false},
    {"(W)(W)4142", "", D("zz  ABzz"), true},
    {"(W)(W)4142", "", D("zzx ABzz"), false},
    {"(W)(W)4142", "", D("zz xABzz"), false},
    {"4142(43|4344)45", "", D("ABCEzzzz"), true},
    {"4142(43|4344)45", "", D("ABCDEzzz"), true},
    {"4142(43|4344)45", "", D("ABCDxzzz"), false},
    {"4142(4344|43)45", "", D("ABCEzzzz"), true},
    {"4142(4344|43)45", "", D("ABCDEzzz"), true},
    {"4142(43|44)", "", D("zzzzABC"), true},
    {"4142(43|44)", "", D("zzzzABE"), false},
    {"(43|44)4142", "", D("zzzzCAB"), true},
    {"(43|44)4142", "", D("zzzzEAB"), false},
    {"??4142", "", D("ABzzzz"), false},
    {"??4142", "", D("zABzzz"), true},
    {"4142??", "", D("zzzzAB"), false},
    {"4142??", "", D("zzzABz"), true},
    {"4142[2]5a", "", D("zzABxZz"), false},
    {"4142[2]5a", "", D("zzABxxZ"), true},
    {"4142[2]5a", "", D("zzzzzAB"), false},
};

static void test_found(void **state)
{
    (void)state;
    hits *h = malloc(sizeof(hits));
    assert_non_null(h);
    for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
        const found_row *r = &found[i];
        find(r->pat, r->mods, r->data, r->len, h);
        if ((h->n > 0) != r->found)
            fail_msg("%s on row %zu: %s, clamscan %s", r->pat, i, h->n ? "found" : "not found",
                     r->found ? "found" : "not found");
    }
    free(h);
}

/* Jumps over 200 bytes and '*' chain like yara's long hex jumps; clamscan:
 * "4142{300}4344" on AB x300 CD AB x299 CD -> 0; "41424344{250-260}4546"
 * on ABCD y255 EF ABCD y240 EF -> 0 (same probe as offsets[]). */
static void test_long_jumps(void **state)
{
    (void)state;
    static uint8_t d[2048];
    size_t n = 0;
#define PUT(s) (memcpy(d + n, (s), strlen(s)), n += strlen(s))
#define FILL(c, k) (memset(d + n, (c), (k)), n += (k))
    PUT("AB"), FILL('x', 300), PUT("CDAB"), FILL('x', 299), PUT("CD");
    expect("4142{300}4344", "", d, n, "0");
    n = 0;
    PUT("ABCD"), FILL('y', 255), PUT("EFABCD"), FILL('y', 240), PUT("EF");
    expect("41424344{250-260}4546", "", d, n, "0");
    /* many pending heads, one tail: every head completes (linear chain) */
    n = 0;
    for (int i = 0; i < 500; i++)
        PUT("AB");
    PUT("CD");
    hits *h = malloc(sizeof(hits));
    assert_non_null(h);
    find("4142*4344", "", d, n, h);
    assert_int_equal(h->n, 500);
    assert_int_equal(h->v[499], 998);
    free(h);
#undef PUT
#undef FILL
    re_prog *p = NULL;
    assert_int_equal(cv_compile_pattern("4142*4344{-5}4546{300-}4748", 27, 0, &p, NULL), VIGIL_OK);
    assert_int_equal(re_piece_count(p), 3); /* '*' and {300-} cut; {-5} stays inside */
    re_free(p);
    assert_int_equal(cv_compile_pattern("4142{-200}4344", 14, 0, &p, NULL), VIGIL_OK);
    assert_int_equal(re_piece_count(p), 1);
    re_free(p);
}

/* clamscan refuses these databases ("Malformed database"); so does
 * cv_compile_pattern, through cv_parse_hex. */
static void test_refused(void **state)
{
    (void)state;
    static const char *bad[] = {"41??43", "41(B)42",     "4142*43", "aabb!(ccdd|ee)1122",
                                "4142(",  "4142[1-33]cc"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        re_prog *p = NULL;
        re_error e;
        vigil_status st = cv_compile_pattern(bad[i], strlen(bad[i]), 0, &p, &e);
        if (st != VIGIL_E_SYNTAX)
            fail_msg("%s: status %d", bad[i], st);
        assert_null(p);
        assert_true(e.message[0] != 0);
    }
    /* ::i makes alternatives generic, which cannot be negated */
    re_prog *p = NULL;
    assert_int_equal(cv_compile_pattern("4142!(43|44)45", 14, IR_SF_NOCASE, &p, NULL),
                     VIGIL_E_SYNTAX);
    assert_int_equal(cv_compile_pattern("4142!(43|44)45", 14, 0, &p, NULL), VIGIL_OK);
    re_free(p);
}

/* Beyond the machine's limits: VIGIL_E_LIMIT, never a wrong program. */
static void test_limits(void **state)
{
    (void)state;
    char *s = malloc(300 * 5 + 8);
    assert_non_null(s);
    size_t n = 0;
    for (int i = 0; i < 257; i++) {
        memcpy(s + n, i ? "*4142" : "4142", i ? 5 : 4);
        n += i ? 5 : 4;
    }
    re_prog *p = NULL;
    re_error e;
    assert_int_equal(cv_compile_pattern(s, n, 0, &p, &e), VIGIL_E_LIMIT);
    assert_null(p);
    /* 255 cuts are fine: 256 pieces */
    assert_int_equal(cv_compile_pattern(s, n - 5, 0, &p, &e), VIGIL_OK);
    assert_int_equal(re_piece_count(p), 256);
    re_free(p);
    free(s);
    assert_int_equal(cv_compile_pattern(NULL, 0, 0, &p, NULL), VIGIL_E_ARG);
}

static bool on_count(uint64_t s, uint32_t l, void *u)
{
    (void)s;
    (void)l;
    ++*(int *)u;
    return true;
}

/* The builder refuses bad arguments instead of building a wrong tree. */
static void test_builder(void **state)
{
    (void)state;
    uint8_t bits[32] = {0};
    re_builder *b = re_build_new();
    assert_non_null(b);
    re_node cat = re_build_concat(b);
    re_build_append(b, cat, re_build_byte(b, 'A', 0xFF));
    re_build_append(b, cat, re_build_byte(b, 'B', 0xFF));
    re_build_append(b, cat, re_build_skip(b, 70000));
    re_prog *p = NULL;
    re_error e;
    assert_int_equal(re_build_compile(b, cat, 0, &p, &e), VIGIL_E_LIMIT);
    assert_null(p);
    /* the builder starts afresh after compiling */
    cat = re_build_concat(b);
    re_build_append(b, cat, re_build_near(b, RE_AS_AFTER, bits, 3, 2, false));
    assert_int_equal(re_build_compile(b, cat, 0, &p, &e), VIGIL_E_LIMIT);
    cat = re_build_concat(b);
    re_node x = re_build_byte(b, 'A', 0xFF);
    re_build_append(b, cat, x);
    re_build_append(b, cat, re_build_byte(b, 'B', 0xFF));
    re_build_append(b, cat, re_build_assert(b, RE_AS_CLAM_B_RIGHT, false));
    assert_int_equal(re_build_compile(b, cat, RE_F_ANCHOR, &p, &e), VIGIL_OK);
    int got = 0;
    static const uint8_t d[] = "AB ABx AB";
    for (size_t i = 0; i + 2 <= sizeof(d) - 1; i++)
        if (d[i] == 'A' && d[i + 1] == 'B')
            re_verify_atom(p, RE_NO_ATOM, d, sizeof(d) - 1, i, on_count, &got);
    assert_int_equal(got, 2); /* "AB " and "AB" at the end */
    re_free(p);
    re_build_free(b);
    re_build_free(NULL);
}

/* Through lib/match, as the lead's lowering uses it: IR_PAT_CLAMAV strings
 * (::wa gives two programs, ::f is in the program, a '*' chain). Offsets
 * 0-3 from clamscan's offset probe on this data; for (B)4142::i the probe
 * also reports 10, 15 and 26: clamscan takes this data for UTF-16 text and
 * scans a normalized copy too (cli_scanscript), where those offsets hold
 * "abcd"; the file-type front end has to do that, not the matcher. Its
 * found[] rows (single files) agree with {0, 5, 19, 30, 33}. */
static void test_matcher(void **state)
{
    (void)state;
    ir_program p;
    ir_init(&p);
    static const struct {
        const char *src;
        uint32_t flags;
    } strs[] = {
        {"4142(43|44)45", 0},         {"41424344", IR_SF_WIDE | IR_SF_ASCII},
        {"41424344", IR_SF_FULLWORD}, {"4142*4344", 0},
        {"(B)4142", IR_SF_NOCASE},
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        ir_string s;
        memset(&s, 0, sizeof(s));
        s.id = ir_pool_str(&p, "$s");
        s.kind = IR_PAT_CLAMAV;
        s.flags = strs[i].flags;
        s.src = ir_pool_add(&p, strs[i].src, strlen(strs[i].src));
        s.src_len = (uint32_t)strlen(strs[i].src);
        s.alphabet = IR_NONE;
        s.line = 1;
        assert_true(vec_push(&p.strings, s));
    }
    matcher *m = NULL;
    mt_scratch *sc = NULL;
    char err[256] = "";
    assert_int_equal(matcher_build(&p, NULL, NULL, &m, err, sizeof(err)), VIGIL_OK);
    assert_int_equal(mt_scratch_new(m, &sc), VIGIL_OK);
    static const uint8_t d[] = "ABCE ABDE A\0B\0C\0D\0 ABCD xABCD ab ABxx CD";
    assert_int_equal(matcher_scan(m, sc, d, sizeof(d) - 1, 0), VIGIL_OK);
    static const uint64_t want0[] = {0, 5}, want1[] = {10, 19, 25}, want2[] = {19},
                          want3[] = {0, 5, 19, 25, 33}, want4[] = {0, 5, 19, 30, 33};
    const uint64_t *want[] = {want0, want1, want2, want3, want4};
    size_t nwant[] = {2, 3, 1, 5, 5};
    for (uint32_t i = 0; i < 5; i++) {
        size_t n = 0;
        const mt_match *mm = mt_matches(sc, i, &n);
        if (n != nwant[i])
            fail_msg("string %u: %zu matches, expected %zu", i, n, nwant[i]);
        for (size_t k = 0; k < n; k++)
            if (mm[k].offset != want[i][k])
                fail_msg("string %u match %zu: %llu, expected %llu", i, k,
                         (unsigned long long)mm[k].offset, (unsigned long long)want[i][k]);
    }
    mt_scratch_free(sc);
    matcher_free(m);
    ir_free(&p);
}

/* A ::wa subsignature is two patterns in libclamav: the parts of its wide
 * and plain forms never join into one match (clamscan, offset probe: none
 * in "xxAByyyC\0D\0zz", 2 and 13 in "xxA\0B\0yyC\0D\0 ABCD"). */
static void test_matcher_wa_chain(void **state)
{
    (void)state;
    ir_program p;
    ir_init(&p);
    ir_string s;
    memset(&s, 0, sizeof(s));
    s.id = ir_pool_str(&p, "$s");
    s.kind = IR_PAT_CLAMAV;
    s.flags = IR_SF_WIDE | IR_SF_ASCII;
    s.src = ir_pool_add(&p, "4142*4344", 9);
    s.src_len = 9;
    s.alphabet = IR_NONE;
    assert_true(vec_push(&p.strings, s));
    matcher *m = NULL;
    mt_scratch *sc = NULL;
    assert_int_equal(matcher_build(&p, NULL, NULL, &m, NULL, 0), VIGIL_OK);
    assert_int_equal(mt_scratch_new(m, &sc), VIGIL_OK);
    static const uint8_t mixed[] = "xxAByyyC\0D\0zz", both[] = "xxA\0B\0yyC\0D\0 ABCD";
    size_t n = 9;
    assert_int_equal(matcher_scan(m, sc, mixed, sizeof(mixed) - 1, 0), VIGIL_OK);
    (void)mt_matches(sc, 0, &n);
    assert_int_equal(n, 0);
    assert_int_equal(matcher_scan(m, sc, both, sizeof(both) - 1, 0), VIGIL_OK);
    const mt_match *mm = mt_matches(sc, 0, &n);
    assert_int_equal(n, 2);
    assert_int_equal(mm[0].offset, 2);
    assert_int_equal(mm[1].offset, 13);
    mt_scratch_free(sc);
    matcher_free(m);
    ir_free(&p);
}

/* libclamav's maxpatlen (its matcher root's longest pattern, the overlap
 * of its 128 KiB read buffers) for one pattern; every value printed by
 * clamscan 1.4.6 --debug ("Matcher[3]: ... maxpatlen N") for the pattern
 * alone as a Target:3 subsignature. */
static void test_maxpatlen(void **state)
{
    (void)state;
    static const struct {
        const char *pat;
        unsigned flags;
        uint32_t want;
    } cases[] = {
        {"aabbccdd", 0, 4},
        {"aabb{5}ccdd", 0, 9},           /* {n} inlined as n bytes */
        {"aabb(cc|ddee)ff", 0, 5},       /* an alternative by its longest choice */
        {"aabb*ccddeeff", 0, 4},         /* the longest part */
        {"aabb{10-20}ccddee", 0, 3},
        {"41414141", IR_SF_WIDE, 8},
        {"41414141", IR_SF_WIDE | IR_SF_ASCII, 8},
        {"(B)414243(B)", 0, 3},          /* boundaries count nothing */
        {"414243", IR_SF_FULLWORD, 3},
        {"4142{200}434445", 0, 3},       /* a long {n} splits */
        {"41(42|43)4445", 0, 4},
        {"4142!(4344|4546)47", 0, 5},
        {"41[2-4]4243", 0, 2},           /* an anchor byte is not in the pattern */
        {"4142(B)4344", 0, 4},
        {"414243(L)", 0, 3},
        {"4142434445", IR_SF_WIDE | IR_SF_NOCASE, 10},
        {"41??42??43", 0, 0},            /* refused */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t got = cv_pattern_maxpatlen(cases[i].pat, strlen(cases[i].pat), cases[i].flags);
        if (got != cases[i].want)
            fail_msg("%s (flags %u): maxpatlen %u, want %u", cases[i].pat, cases[i].flags, got,
                     cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),    cmocka_unit_test(test_found),
        cmocka_unit_test(test_long_jumps), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_limits),     cmocka_unit_test(test_builder),
        cmocka_unit_test(test_matcher),    cmocka_unit_test(test_matcher_wa_chain),
        cmocka_unit_test(test_maxpatlen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
