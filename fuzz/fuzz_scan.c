/*
 * fuzz_scan.c - libFuzzer target: a fixed rule set (text strings with every
 * modifier, hex strings with jumps and alternatives, regexes, conditions over
 * counts, offsets, loops and integers) scanned over fuzzed data through the
 * public API only. The rules are compiled once; each input is one scan whose
 * every reported match is checked against the input bytes it claims to cover.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Kept in sync with /usr/bin/yara: every rule here compiles there too.
 * One rule line per source line, so clang-format leaves the layout alone. */
/* clang-format off */
static const char rules[] =
    "rule text_plain {\n"
    "  strings:\n"
    "    $a = \"http://\"\n"
    "    $b = \"cmd.exe\" nocase\n"
    "    $c = \"Password\" wide ascii\n"
    "  condition: any of them\n"
    "}\n"
    "rule text_fullword {\n"
    "  strings:\n"
    "    $a = \"eval\" fullword\n"
    "    $b = \"exec\" wide fullword\n"
    "  condition: #a + #b >= 2\n"
    "}\n"
    "rule text_xor {\n"
    "  strings:\n"
    "    $a = \"This program\" xor(1-255)\n"
    "    $b = \"kernel32\" xor\n"
    "  condition: $a or $b\n"
    "}\n"
    "rule text_b64 {\n"
    "  strings:\n"
    "    $a = \"powershell\" base64\n"
    "    $b = \"Invoke-\" base64wide\n"
    "    $c = \"secret\" base64(\"!#$%&()*+,-./0123456789:;<=>?@"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abc\")\n"
    "  condition: any of them\n"
    "}\n"
    "rule hex_jumps {\n"
    "  strings:\n"
    "    $a = { 4D 5A [2-64] 50 45 00 00 }\n"
    "    $b = { E8 ?? ?? ?? ?? 5? C3 }\n"
    "    $c = { 6A 40 68 00 30 00 00 [0-] 6A 00 }\n"
    "  condition: $a at 0 or #b > 1 or $c\n"
    "}\n"
    "rule hex_alts {\n"
    "  strings:\n"
    "    $a = { 7F 45 4C 46 ( 01 | 02 ) ( 01 | 02 ) 01 }\n"
    "    $b = { 31 C0 ( 50 68 | 6A 0B 58 [1-4] 99 ) 2F 2F 73 68 }\n"
    "    $c = { FF 25 ?? ?? ( ?? ?? | 4? 00 ) 90 90 }\n"
    "  condition: $a in (0..16) or any of ($b, $c)\n"
    "}\n"
    "rule regex_mix {\n"
    "  strings:\n"
    "    $a = /https?:\\/\\/[a-z0-9.\\-]{3,40}\\/[a-z]{1,8}/ nocase\n"
    "    $b = /[A-Za-z0-9+\\/]{16,}={0,2}/\n"
    "    $c = /\\x90{4,}[\\xe8\\xe9].{2}/s\n"
    "    $d = /(GET|POST) \\/[^ ]{1,32} HTTP\\/1\\.[01]/ wide ascii\n"
    "  condition: any of them\n"
    "}\n"
    "rule regex_anchors {\n"
    "  strings:\n"
    "    $a = /\\bUser-Agent: \\w+/\n"
    "    $b = /ab(c|de)*?f/\n"
    "  condition: $a or $b\n"
    "}\n"
    "rule cond_offsets {\n"
    "  strings:\n"
    "    $a = \"PK\\x03\\x04\"\n"
    "    $b = { 50 4B 01 02 }\n"
    "  condition: $a at 0 and #b >= 1 and @b[1] > @a[1] and !a[1] == 4\n"
    "}\n"
    "rule cond_loops {\n"
    "  strings:\n"
    "    $a = \"ABCD\"\n"
    "    $b = \"EFGH\"\n"
    "  condition: for any i in (1..#a) : ( $b in (@a[i]..@a[i] + 64) )\n"
    "    and for all of ($a, $b) : ( # < 100 )\n"
    "}\n"
    "rule cond_ints {\n"
    "  condition: filesize > 64 and uint16(0) == 0x5A4D\n"
    "    and uint32(uint32(0x3C)) == 0x00004550 and uint16be(2) != 0\n"
    "}\n"
    "rule cond_of {\n"
    "  strings:\n"
    "    $s1 = \"alpha\"\n"
    "    $s2 = \"beta\"\n"
    "    $s3 = \"gamma\"\n"
    "    $s4 = \"delta\"\n"
    "  condition: 2 of ($s*) and not cond_ints\n"
    "}\n"
    "private rule priv_marker {\n"
    "  strings:\n"
    "    $a = \"VIGIL\"\n"
    "  condition: $a\n"
    "}\n"
    "rule uses_private {\n"
    "  strings:\n"
    "    $a = \"FUZZ\" nocase\n"
    "  condition: priv_marker and $a\n"
    "}\n"
    ;
/* clang-format on */

struct scan_ctx {
    const uint8_t *data;
    size_t size;
};

static void diag_to_stderr(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->severity == VIGIL_SEV_ERROR)
        fprintf(stderr, "fuzz_scan: rules: %s:%d:%d: %s\n", d->file, d->line, d->col, d->message);
}

/* A broken build of the fixed rules makes every input meaningless, so it is
 * fatal rather than silently fuzzing nothing. */
static vigil_scanner *get_scanner(void)
{
    static vigil_scanner *scanner;
    static vigil_db *db;
    if (scanner)
        return scanner;
    vigil_compiler *c = NULL;
    if (vigil_compiler_new(&c) != VIGIL_OK)
        abort();
    vigil_compiler_set_diag_callback(c, diag_to_stderr, NULL);
    vigil_compiler_set_warnings(c, false);
    if (vigil_compiler_add_string(c, rules, sizeof(rules) - 1, NULL, "fuzz_scan") != VIGIL_OK ||
        vigil_compiler_build(c, &db) != VIGIL_OK) {
        fprintf(stderr, "fuzz_scan: cannot compile the fixed rules: %s\n",
                vigil_compiler_last_error(c));
        abort();
    }
    vigil_compiler_free(c);
    if (vigil_scanner_new(db, &scanner) != VIGIL_OK)
        abort();
    return scanner;
}

static void check(int ok, const char *what, const vigil_rule *rule, size_t i, size_t k)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_scan: %s (rule %s, string %zu, match %zu)\n", what, vigil_rule_name(rule),
            i, k);
    abort();
}

/* Every match must lie inside the input, carry the bytes found there, and
 * come in strictly ascending offsets (yara keeps one match per offset). */
static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *rule,
                             size_t string, void *user)
{
    const struct scan_ctx *ctx = user;
    (void)string;
    if (ev != VIGIL_EV_RULE_MATCHING)
        return VIGIL_OK;
    check(!vigil_rule_is_private(rule), "private rule reported", rule, 0, 0);
    size_t n = vigil_rule_string_count(rule);
    for (size_t i = 0; i < n; i++) {
        size_t count = vigil_scanner_match_count(s, rule, i);
        uint64_t prev = 0;
        for (size_t k = 0; k < count; k++) {
            vigil_match m = vigil_scanner_match(s, rule, i, k);
            check(m.offset <= ctx->size, "offset past the end", rule, i, k);
            check(m.length <= ctx->size - m.offset, "length past the end", rule, i, k);
            check(m.data_len <= m.length && m.data_len <= VIGIL_MATCH_DATA_MAX, "data_len too long",
                  rule, i, k);
            check(m.data_len == 0 ||
                      (m.data != NULL && memcmp(m.data, ctx->data + m.offset, m.data_len) == 0),
                  "data differs from the input", rule, i, k);
            check(k == 0 || m.offset > prev, "offsets not ascending", rule, i, k);
            prev = m.offset;
        }
    }
    return VIGIL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_scanner *s = get_scanner();
    struct scan_ctx ctx = {data, size};
    /* The first byte picks the scan flags so fast mode is fuzzed as well;
     * the whole input, that byte included, is still scanned. */
    unsigned flags = (size > 0 && (data[0] & 1)) ? VIGIL_SCAN_FAST : 0;
    vigil_scanner_set_flags(s, flags);
    vigil_status st = vigil_scanner_scan_mem(s, data, size, on_event, &ctx);
    if (st != VIGIL_OK && st != VIGIL_E_LIMIT && st != VIGIL_E_TIMEOUT && st != VIGIL_E_NOMEM) {
        fprintf(stderr, "fuzz_scan: scan failed: %s: %s\n", vigil_status_str(st),
                vigil_scanner_last_error(s));
        abort();
    }
    return 0;
}
