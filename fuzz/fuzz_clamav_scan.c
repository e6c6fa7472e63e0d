/*
 * fuzz_clamav_scan.c - libFuzzer target for a scan with ClamAV signatures
 * through the public API: the fuzzed object is typed as libclamav does and
 * scanned in every pass clamscan makes (raw, normalised text, binary data's
 * second look), with body and logical signatures of every target, offsets
 * from the end and split patterns, every body-signature match reported (as
 * clamscan --allmatch). Matches in the object's own bytes must hold the
 * bytes they claim; nothing may crash, leak or hang.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ndb[] =
    "T0:0:*:6576616c28\n"           /* eval( */
    "T0b:0:EOF-6:3c2f68746d6c3e\n"  /* </html> near the end */
    "T0c:0:*:6a6176617363726970743a*616c65727428\n"
    "T3:3:*:3c736372697074\n"
    "T4:4:*:46726f6d3a20\n"
    "T5:5:*:474946383961\n"
    "T7:7:*:646f63756d656e742e7772697465\n"
    "T7b:7:0,64:7661722061\n"
    "T14:14:*:0000000000\n"
    "T1:1:EP+0:4d5a90\n";
static const char ldb[] =
    "L7;Engine:51-255,Target:7;0&1;6576616c;756e657363617065\n"
    "L0;Engine:51-255,Target:0;0>1;(61|41)626364\n"
    /* HandlerType: the object rescanned as HTML / PDF */
    "LH;Engine:81-255,HandlerType:CL_TYPE_HTML,Target:0;0;3c62\n"
    "LP;Engine:81-255,HandlerType:CL_TYPE_PDF,Target:0;0|1;2550;6f626a\n";
static const char hdb[] = "e80b5017098950fc58aad83c8c14978e:6:Abcdef\n";
/* container metadata: checked on every mail part scanned as written */
static const char cdb[] = "CM:CL_TYPE_MAIL:*:.*\\.(exe|bin)$:*:*:*:*:*:*\n"
                          "CA:*:10-0:^[a-z]+:1-100:*:0:0:*:*\n";

static vigil_db *db;
static vigil_scanner *scanner;

static void put(const char *dir, const char *name, const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

/* The signatures are written to a temporary folder, compiled once, and the
 * folder removed. */
static vigil_scanner *get_scanner(void)
{
    if (scanner)
        return scanner;
    char dir[] = "/tmp/fuzz_clamav_scan.XXXXXX";
    char p1[512], p2[512], p3[512], p4[512];
    if (!mkdtemp(dir))
        abort();
    put(dir, "f.ndb", ndb, p1, sizeof(p1));
    put(dir, "f.ldb", ldb, p2, sizeof(p2));
    put(dir, "f.hdb", hdb, p3, sizeof(p3));
    put(dir, "f.cdb", cdb, p4, sizeof(p4));
    vigil_compiler *c = NULL;
    vigil_status st = vigil_compiler_new(&c);
    if (st == VIGIL_OK)
        st = vigil_compiler_add_clamav(c, dir, 0);
    if (st == VIGIL_OK)
        st = vigil_compiler_build(c, &db);
    if (st == VIGIL_OK)
        st = vigil_scanner_new(db, &scanner);
    if (st != VIGIL_OK) {
        fprintf(stderr, "fuzz_clamav_scan: %s\n", c ? vigil_compiler_last_error(c) : "no compiler");
        abort();
    }
    vigil_compiler_free(c);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    unlink(p4);
    rmdir(dir);
    vigil_scanner_set_flags(scanner, VIGIL_SCAN_EVERY_MATCH);
    return scanner;
}

struct scan_ctx {
    const uint8_t *data;
    size_t size;
};

static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *rule,
                             size_t string, void *user)
{
    const struct scan_ctx *ctx = user;
    (void)string;
    if (ev != VIGIL_EV_RULE_MATCHING)
        return VIGIL_OK;
    if (vigil_rule_is_private(rule))
        abort(); /* the file-type rows are never reported */
    const char *view = vigil_scanner_view(s);
    bool own = view == NULL;
    /* objects extracted from the file (a mail's parts, a data: URI's file,
     * an image in CSS) may be longer than it: libclamav adds headers */
    bool extracted = view && (strstr(view, "mail part") || strstr(view, "data: URI") ||
                              strstr(view, "<style> image"));
    for (size_t i = 0; i < vigil_rule_string_count(rule); i++) {
        size_t n = vigil_scanner_match_count(s, rule, i);
        for (size_t k = 0; k < n; k++) {
            vigil_match m = vigil_scanner_match(s, rule, i, k);
            if (m.data_len > m.length)
                abort();
            /* a view (normalised text) is never longer than the object */
            if (!extracted && (m.offset > ctx->size || m.length > ctx->size - m.offset))
                abort();
            if (own && m.data_len && memcmp(m.data, ctx->data + m.offset, m.data_len) != 0)
                abort();
        }
    }
    return VIGIL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_scanner *s = get_scanner();
    struct scan_ctx ctx = {data, size};
    vigil_status st = vigil_scanner_scan_mem(s, data, size, on_event, &ctx);
    if (st != VIGIL_OK && st != VIGIL_E_LIMIT && st != VIGIL_E_TIMEOUT && st != VIGIL_E_NOMEM) {
        fprintf(stderr, "fuzz_clamav_scan: scan failed: %s: %s\n", vigil_status_str(st),
                vigil_scanner_last_error(s));
        abort();
    }
    return 0;
}
