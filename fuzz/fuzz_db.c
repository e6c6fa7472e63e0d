/*
 * fuzz_db.c - libFuzzer target for the compiled-database reader
 * (vigil_db_load): the input is a database file. Its crc is patched to match
 * before loading, otherwise nearly every mutation would stop at the checksum
 * and the section, table and condition validation behind it would never be
 * exercised. A database that loads is scanned once, so whatever validation
 * let through must also be safe to run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "db/db_format.h"
#include "util/crc32c.h"
#include "vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Recomputes the crc the way lib/db writes it: the body, then the header with
 * its crc field zero. */
static void patch_crc(uint8_t *buf, size_t size)
{
    if (size < sizeof(db_header))
        return;
    db_header h;
    memcpy(&h, buf, sizeof(h));
    uint32_t crc = util_crc32c(0, buf + sizeof(h), size - sizeof(h));
    h.crc32 = 0;
    h.crc32 = util_crc32c(crc, &h, sizeof(h));
    memcpy(buf, &h, sizeof(h));
}

static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *rule,
                             size_t string, void *user)
{
    (void)ev;
    (void)user;
    /* touch what a front end would print */
    (void)vigil_rule_name(rule);
    (void)vigil_rule_namespace(rule);
    for (size_t i = 0; i < vigil_rule_tag_count(rule); i++)
        (void)vigil_rule_tag(rule, i);
    for (size_t i = 0; i < vigil_rule_meta_count(rule); i++)
        (void)vigil_rule_meta(rule, i);
    size_t n = vigil_scanner_match_count(s, rule, string);
    for (size_t k = 0; k < n; k++)
        (void)vigil_scanner_match(s, rule, string, k);
    return VIGIL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 22))
        return 0;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    patch_crc(copy, size);
    int fd = memfd_create("vigil-fuzz-db", MFD_CLOEXEC);
    if (fd < 0 || write(fd, copy, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        free(copy);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    vigil_db *db = NULL;
    char err[256];
    if (vigil_db_load(path, &db, err, sizeof(err)) == VIGIL_OK) {
        vigil_scanner *s = NULL;
        if (vigil_scanner_new(db, &s) == VIGIL_OK) {
            static const uint8_t sample[] = "MZ\x90\x00 This program cannot be run in DOS mode "
                                            "http://example.org/ abcabc \x7f" "ELF";
            vigil_scanner_scan_mem(s, sample, sizeof(sample) - 1, on_event, NULL);
        }
        vigil_scanner_free(s);
        for (size_t i = 0; i < vigil_db_source_count(db); i++)
            (void)vigil_db_source_path(db, i);
        vigil_db_free(db);
    }
    close(fd);
    free(copy);
    return 0;
}
