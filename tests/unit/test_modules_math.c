/*
 * test_modules_math.c - the math, hash, time, console and string modules'
 * functions called through mo_call, each case written as the YARA
 * expression it stands for and the value yara 4.2.3 gives for it (floats to
 * the last bit). The values were checked with /usr/bin/yara 4.2.3: running
 * `test_modules_math --yara-rules DIR` writes DIR/data, DIR/empty and one
 * rule file per data file, one rule per case; `yara -c rules_data.yar
 * data` must count every rule (and the same for empty). Console cases
 * compare with the text yara prints for `condition: console.log(...)`.
 * string is yara 4.3's module (4.2.3 has none): its cases follow the
 * YARA documentation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "modules/object.h"
#include "modules/registry.h"

#define DATA_LEN 4096

static uint8_t data[DATA_LEN];

/* Deterministic bytes with an uneven histogram: a quadratic sequence, a
 * run of text and a run of zeros. */
static void make_data(void)
{
    for (uint32_t i = 0; i < DATA_LEN; i++)
        data[i] = (uint8_t)((i * i * 31 + i * 7 + 13) >> 3);
    memcpy(data + 1000, "The quick brown fox jumps over the lazy dog", 43);
    memset(data + 2000, 0, 300);
}

typedef struct tcase {
    bool empty;         /* over an empty object instead of data[] */
    const char *call;   /* module.fn(args) in YARA syntax */
    const char *expect; /* a YARA literal, or "undefined" */
} tcase;

static const tcase cases[] = {
    {false, "math.entropy(0, 4096)", "7.765741188115733"},
    {false, "math.entropy(1000, 43)", "4.4319650453494592"},
    {false, "math.entropy(4000, 1000000)", "6.2854324225736251"},
    {false, "math.entropy(2000, 0)", "0"},
    {false, "math.entropy(4096, 1)", "undefined"},
    {false, "math.entropy(-1, 10)", "undefined"},
    {false, "math.entropy(0, -1)", "undefined"},
    {false, "math.entropy(\"abc\")", "1.5849625007211561"},
    {false, "math.entropy(\"\")", "0"},
    {false, "math.entropy(\"aaaa\\x00\")", "0.72192809488736231"},
    {false, "math.mean(0, 4096)", "118.01220703125"},
    {false, "math.mean(10, 77)", "123.40259740259741"},
    {false, "math.mean(10, 0)", "undefined"},
    {false, "math.mean(\"abc\")", "98"},
    {false, "math.mean(\"\")", "undefined"},
    {false, "math.deviation(0, 4096, 100.3)", "68.973974609375006"},
    {false, "math.deviation(0, 4096, math.MEAN_BYTES)", "68.47412109375"},
    {false, "math.deviation(4096, 1, 1.0)", "undefined"},
    {false, "math.deviation(\"hello\", 100.3)", "6.1000000000000032"},
    {false, "math.deviation(\"\", 1.0)", "undefined"},
    {false, "math.serial_correlation(0, 4096)", "0.19773577374309823"},
    {false, "math.serial_correlation(1000, 43)", "-0.1711781101603542"},
    {false, "math.serial_correlation(2000, 300)", "-100000"},
    {false, "math.serial_correlation(\"ab\\x00zq\")", "-0.09487920710303531"},
    {false, "math.serial_correlation(\"\")", "-100000"},
    {false, "math.monte_carlo_pi(0, 4096)", "0.01239923876114213"},
    {false, "math.monte_carlo_pi(0, 5)", "undefined"},
    {false, "math.monte_carlo_pi(\"abcdefghijkl\")", "0.27323954473516271"},
    {false, "math.monte_carlo_pi(\"abcde\")", "undefined"},
    {false, "math.in_range(1.5, 1.0, 2.0)", "1"},
    {false, "math.in_range(2.5, 1.0, 2.0)", "0"},
    {false, "math.in_range(2.0, 2.0, 2.0)", "1"},
    {false, "math.min(-1, 2)", "2"},
    {false, "math.min(3, 2)", "2"},
    {false, "math.max(-1, 2)", "-1"},
    {false, "math.max(3, 2)", "3"},
    {false, "math.abs(-5)", "5"},
    {false, "math.abs(7)", "7"},
    {false, "math.abs(-9223372036854775807 - 1)", "-9223372036854775807 - 1"},
    {false, "math.to_number(true)", "1"},
    {false, "math.to_number(false)", "0"},
    {false, "math.count(0)", "315"},
    {false, "math.count(0x61)", "15"},
    {false, "math.count(256)", "315"},
    {false, "math.count(-1)", "16"},
    {false, "math.count(300)", "14"},
    {false, "math.count(256, 0, 10)", "1"},
    {false, "math.percentage(256)", "0.076904296875"},
    {false, "math.count(0x6f, 1000, 43)", "4"},
    {false, "math.count(0, 4096, 1)", "undefined"},
    {false, "math.percentage(0)", "0.076904296875"},
    {false, "math.percentage(0x6f, 1000, 43)", "0.093023255467414856"},
    {false, "math.percentage(0x6f, 4096, 43)", "undefined"},
    {false, "math.percentage(0x7a, 0, 0)", "undefined"},
    {false, "math.mode()", "0"},
    {false, "math.mode(1000, 43)", "32"},
    {false, "math.mode(10, 0)", "0"},
    {false, "math.mode(4096, 10)", "undefined"},
    {true, "math.count(0)", "undefined"},
    {true, "math.percentage(0)", "undefined"},
    {true, "math.mode()", "undefined"},
    {true, "math.entropy(0, 1)", "undefined"},
    {false, "hash.md5(0, 4096)", "\"1ad2e1f177d49fdbc295c3552d7ff0da\""},
    {false, "hash.md5(1000, 43)", "\"9e107d9d372bb6826bd81d3542a419d6\""},
    {false, "hash.md5(1000, 43)", "\"9e107d9d372bb6826bd81d3542a419d6\""},
    {false, "hash.md5(4090, 100)", "\"95e51d0a3130f30a0054b6af1fddf4a7\""},
    {false, "hash.md5(5, 0)", "\"d41d8cd98f00b204e9800998ecf8427e\""},
    {false, "hash.md5(4096, 0)", "undefined"},
    {false, "hash.md5(-1, 5)", "undefined"},
    {false, "hash.md5(0, -5)", "undefined"},
    {false, "hash.md5(\"a\\x00b\")", "\"70350f6027bce3713f6b76473084309b\""},
    {false, "hash.sha1(1000, 43)", "\"2fd4e1c67a2d28fced849ee1bb76e7391b93eb12\""},
    {false, "hash.sha1(\"\")", "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\""},
    {false, "hash.sha256(1000, 43)",
     "\"d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592\""},
    {false, "hash.sha256(\"abc\")",
     "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""},
    {false, "hash.sha256(4096, 1)", "undefined"},
    {false, "hash.checksum32(0, 4096)", "483378"},
    {false, "hash.checksum32(\"abc\")", "294"},
    {false, "hash.checksum32(4096, 1)", "undefined"},
    {false, "hash.crc32(1000, 43)", "1095738169"},
    {false, "hash.crc32(0, 4096)", "3273732690"},
    {false, "hash.crc32(\"abc\")", "891568578"},
    {false, "hash.crc32(\"\")", "0"},
    {false, "hash.crc32(0, -1)", "undefined"},
    {true, "hash.md5(0, 0)", "undefined"},
    {true, "hash.md5(\"\")", "\"d41d8cd98f00b204e9800998ecf8427e\""},
    /* yara 4.3's string module, from its documentation */
    {false, "string.to_int(\"1234\")", "1234"},
    {false, "string.to_int(\"-10\")", "-10"},
    {false, "string.to_int(\"0x10\")", "16"},
    {false, "string.to_int(\"010\")", "8"},
    {false, "string.to_int(\"  7\")", "7"},
    {false, "string.to_int(\"7 \")", "undefined"},
    {false, "string.to_int(\"12ab\")", "undefined"},
    {false, "string.to_int(\"\")", "undefined"},
    {false, "string.to_int(\"5\\x00junk\")", "5"},
    {false, "string.to_int(\"99999999999999999999\")", "undefined"},
    {false, "string.to_int(\"ff\", 16)", "255"},
    {false, "string.to_int(\"z\", 36)", "35"},
    {false, "string.to_int(\"011\", 2)", "3"},
    {false, "string.to_int(\"011\", 0)", "9"},
    {false, "string.to_int(\"1\", 1)", "undefined"},
    {false, "string.to_int(\"1\", 37)", "undefined"},
    {false, "string.length(\"abc\")", "3"},
    {false, "string.length(\"a\\x00b\")", "3"},
    {false, "string.length(\"\")", "0"},
};

/* console cases: the call and the text yara prints for it (one line). */
typedef struct lcase {
    const char *call;
    const char *text;
} lcase;

static const lcase log_cases[] = {
    {"console.log(\"hello\")", "hello"},
    {"console.log(\"a\\x01b\\x00c\\n\\xff\\\\\")", "a\\x01b\\x00c\\x0a\\xff\\"},
    {"console.log(\"\")", ""},
    {"console.log(\"m\\x00n\", \"a\\x02b\")", "ma\\x02b"},
    {"console.log(5)", "5"},
    {"console.log(-9223372036854775807 - 1)", "-9223372036854775808"},
    {"console.log(\"n=\", -5)", "n=-5"},
    {"console.log(-2.5)", "-2.500000"},
    {"console.log(\"f=\", 10000000000.0)", "f=10000000000.000000"},
    {"console.log(\"z\", -0.0)", "z-0.000000"},
    {"console.hex(255)", "0xff"},
    {"console.hex(-1)", "0xffffffffffffffff"},
    {"console.hex(\"h=\", 4096)", "h=0x1000"},
    {"console.hex(\"\\x00z\", 255)", "0xff"},
};

/* ---- a tiny reader of the YARA argument syntax used above ---- */

typedef struct parsed {
    char module[16], fn[32], sig[8];
    mo_val args[4];
    uint8_t strbuf[4][64];
} parsed;

/* integer expressions: a literal, or "A - B" with literals */
static int64_t int_expr(const char *s, const char **end)
{
    char *e;
    int64_t v = strtoll(s, &e, 0);
    while (*e == ' ')
        e++;
    if (*e == '-' && e[1] == ' ') {
        int64_t w = strtoll(e + 2, &e, 0);
        v = (int64_t)((uint64_t)v - (uint64_t)w);
    }
    *end = e;
    return v;
}

static const char *string_lit(const char *s, uint8_t *out, size_t *len)
{
    size_t n = 0;
    for (s++; *s != '"'; s++) {
        if (*s != '\\') {
            out[n++] = (uint8_t)*s;
            continue;
        }
        s++;
        if (*s == 'x') {
            char h[3] = {s[1], s[2], 0};
            out[n++] = (uint8_t)strtoul(h, NULL, 16);
            s += 2;
        } else {
            out[n++] = (uint8_t)(*s == 'n' ? '\n' : *s == 't' ? '\t' : *s);
        }
    }
    *len = n;
    return s + 1;
}

static bool parse_call(const char *call, parsed *p)
{
    memset(p, 0, sizeof(*p));
    const char *dot = strchr(call, '.'), *lp = strchr(call, '(');
    if (!dot || !lp)
        return false;
    snprintf(p->module, sizeof(p->module), "%.*s", (int)(dot - call), call);
    snprintf(p->fn, sizeof(p->fn), "%.*s", (int)(lp - dot - 1), dot + 1);
    const char *s = lp + 1;
    unsigned n = 0;
    while (*s && *s != ')') {
        while (*s == ' ' || *s == ',')
            s++;
        if (*s == '"') {
            size_t len;
            s = string_lit(s, p->strbuf[n], &len);
            p->args[n] = mo_string(p->strbuf[n], len);
            p->sig[n++] = 's';
        } else if (strncmp(s, "true", 4) == 0 || strncmp(s, "false", 5) == 0) {
            p->args[n] = mo_int(*s == 't');
            p->sig[n++] = 'b';
            s += *s == 't' ? 4 : 5;
        } else if (strncmp(s, "math.MEAN_BYTES", 15) == 0) {
            p->args[n] = mo_float(127.5);
            p->sig[n++] = 'f';
            s += 15;
        } else {
            size_t k = strcspn(s, ",)");
            if (memchr(s, '.', k)) {
                char *e;
                p->args[n] = mo_float(strtod(s, &e));
                p->sig[n++] = 'f';
                s = e;
            } else {
                p->args[n] = mo_int(int_expr(s, &s));
                p->sig[n++] = 'i';
            }
        }
    }
    return true;
}

typedef struct log_sink {
    char text[256];
    size_t len;
    int calls;
} log_sink;

static void on_log(const uint8_t *msg, size_t len, void *user)
{
    log_sink *ls = user;
    ls->calls++;
    ls->len = len < sizeof(ls->text) - 1 ? len : sizeof(ls->text) - 1;
    memcpy(ls->text, msg, ls->len);
    ls->text[ls->len] = '\0';
}

/* Calls the function a case names on the data it names. */
static mo_val run(mo_ctx *ctx, const char *call, bool empty, log_sink *ls)
{
    parsed p;
    if (!parse_call(call, &p))
        fail_msg("cannot parse %s", call);
    const mo_module *m = mo_find_module(p.module);
    if (!m)
        fail_msg("no module %s", p.module);
    int k = mo_find_member(m->members, p.fn, p.sig);
    if (k < 0)
        fail_msg("%s: no %s(%s)", call, p.fn, p.sig);
    mo_obj *root = mo_ctx_root(ctx, m);
    assert_non_null(root);
    mo_call c = {
        .self = root,
        .data = empty ? NULL : data,
        .len = empty ? 0 : DATA_LEN,
        .args = p.args,
        .ctx = ctx,
        .log = on_log,
        .log_user = ls,
    };
    mo_val r = m->members[k].fn(&c);
    /* strings results must outlive the call's arguments */
    return r;
}

static void check_case(mo_ctx *ctx, const tcase *t)
{
    log_sink ls = {0};
    mo_val r = run(ctx, t->call, t->empty, &ls);
    const char *e = t->expect;
    if (strcmp(e, "undefined") == 0) {
        if (r.kind != MO_UNDEF)
            fail_msg("%s: expected undefined, got kind %d", t->call, r.kind);
    } else if (*e == '"') {
        uint8_t want[128];
        size_t len;
        string_lit(e, want, &len);
        if (r.kind != MO_VSTRING || r.len != len || memcmp(r.s, want, len) != 0)
            fail_msg("%s: expected %s, got %.*s", t->call, e, (int)r.len,
                     r.kind == MO_VSTRING ? (const char *)r.s : "(not a string)");
    } else if (strpbrk(e, ".") || (r.kind == MO_VFLOAT && strpbrk(e, "e") == NULL)) {
        double want = strtod(e, NULL);
        if (r.kind != MO_VFLOAT || r.f != want)
            fail_msg("%s: expected %s, got %.17g (kind %d)", t->call, e, r.f, r.kind);
    } else {
        const char *end;
        int64_t want = int_expr(e, &end);
        if (r.kind != MO_VINT || r.i != want)
            fail_msg("%s: expected %s, got %lld (kind %d)", t->call, e, (long long)r.i, r.kind);
    }
}

static void module_functions(void **state)
{
    (void)state;
    mo_ctx *ctx = mo_ctx_new();
    assert_non_null(ctx);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(ctx, &cases[i]);
        mo_ctx_reset(ctx);
    }
    mo_ctx_free(ctx);
}

/* Repeated hashes of a range come from the per-object cache, and the
 * cache is forgotten with the object. */
static void hash_cache(void **state)
{
    (void)state;
    mo_ctx *ctx = mo_ctx_new();
    log_sink ls = {0};
    mo_val a = run(ctx, "hash.sha1(0, 4096)", false, &ls);
    mo_val b = run(ctx, "hash.sha1(0, 4096)", false, &ls);
    mo_val c = run(ctx, "hash.md5(0, 4096)", false, &ls);
    assert_int_equal(a.kind, MO_VSTRING);
    assert_ptr_equal(a.s, b.s);
    assert_true(c.s != a.s && c.len == 32 && a.len == 40);
    assert_non_null(*mo_cache_slot(ctx));
    mo_ctx_reset(ctx);
    assert_null(*mo_cache_slot(ctx));
    mo_val d = run(ctx, "hash.sha1(0, 4096)", false, &ls);
    assert_int_equal(d.len, 40);
    assert_memory_equal(d.s, "02efcc81c892b568b220a0cc535acaa787365dca", 40);
    mo_ctx_free(ctx);
}

static void console_text(void **state)
{
    (void)state;
    mo_ctx *ctx = mo_ctx_new();
    for (size_t i = 0; i < sizeof(log_cases) / sizeof(log_cases[0]); i++) {
        log_sink ls = {0};
        mo_val r = run(ctx, log_cases[i].call, false, &ls);
        if (r.kind != MO_VINT || r.i != 1 || ls.calls != 1 || strcmp(ls.text, log_cases[i].text))
            fail_msg("%s: expected \"%s\", logged \"%s\" (%d calls)", log_cases[i].call,
                     log_cases[i].text, ls.text, ls.calls);
        mo_ctx_reset(ctx);
    }
    /* without a log function the call is still true */
    parsed p;
    parse_call("console.log(\"x\")", &p);
    const mo_module *m = mo_find_module("console");
    mo_call c = {.args = p.args, .ctx = ctx};
    mo_val r = m->members[mo_find_member(m->members, "log", "s")].fn(&c);
    assert_int_equal(r.i, 1);
    mo_ctx_free(ctx);
}

static void time_now(void **state)
{
    (void)state;
    mo_ctx *ctx = mo_ctx_new();
    log_sink ls = {0};
    mo_val r = run(ctx, "time.now()", false, &ls);
    assert_int_equal(r.kind, MO_VINT);
    assert_true(r.i > 1700000000);
    mo_ctx_free(ctx);
}

/* Writes the data files and yara rules that check every case (see the
 * header comment). */
static int write_yara_rules(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/data", dir);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, DATA_LEN, f) != DATA_LEN)
        return 1;
    fclose(f);
    snprintf(path, sizeof(path), "%s/empty", dir);
    f = fopen(path, "wb");
    if (!f)
        return 1;
    fclose(f);
    for (int empty = 0; empty < 2; empty++) {
        snprintf(path, sizeof(path), "%s/rules_%s.yar", dir, empty ? "empty" : "data");
        f = fopen(path, "w");
        if (!f)
            return 1;
        fprintf(f, "import \"math\"\nimport \"hash\"\n");
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            const tcase *t = &cases[i];
            if (t->empty != (empty == 1) || strncmp(t->call, "string.", 7) == 0)
                continue;
            if (strcmp(t->expect, "undefined") == 0)
                fprintf(f, "rule c%zu { condition: not defined %s }\n", i, t->call);
            else
                fprintf(f, "rule c%zu { condition: %s == %s }\n", i, t->call, t->expect);
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/rules_console.yar", dir);
    f = fopen(path, "w");
    if (!f)
        return 1;
    fprintf(f, "import \"console\"\n");
    for (size_t i = 0; i < sizeof(log_cases) / sizeof(log_cases[0]); i++)
        fprintf(f, "rule l%zu { condition: %s }\n", i, log_cases[i].call);
    fclose(f);
    return 0;
}

/* Prints what vigil computes for each case, as YARA literals (for writing
 * new cases; check them with --yara-rules before trusting them). */
static int print_values(void)
{
    mo_ctx *ctx = mo_ctx_new();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        log_sink ls = {0};
        mo_val r = run(ctx, cases[i].call, cases[i].empty, &ls);
        printf("%s%s => ", cases[i].empty ? "[empty] " : "", cases[i].call);
        if (r.kind == MO_UNDEF)
            printf("undefined\n");
        else if (r.kind == MO_VINT)
            printf("%lld\n", (long long)r.i);
        else if (r.kind == MO_VFLOAT)
            printf("%.17g\n", r.f);
        else
            printf("\"%.*s\"\n", (int)r.len, (const char *)r.s);
        mo_ctx_reset(ctx);
    }
    mo_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    make_data();
    if (argc == 3 && strcmp(argv[1], "--yara-rules") == 0)
        return write_yara_rules(argv[2]);
    if (argc == 2 && strcmp(argv[1], "--print") == 0)
        return print_values();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(module_functions),
        cmocka_unit_test(hash_cache),
        cmocka_unit_test(console_text),
        cmocka_unit_test(time_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
