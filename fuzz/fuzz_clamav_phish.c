/*
 * fuzz_clamav_phish.c - libFuzzer target for phishing list lines (.pdb
 * .gdb .wdb, lib/clamav/phishdb.h) and the regular expression checker
 * behind them (Spencer ERE syntax, libclamav's suffix parser).
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/phishdb.h"
#include "clamav/phishre.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 3 * CV_PHISH_LINE_MAX)
        return 0;
    const char *s = (const char *)data;
    cv_error e;
    (void)cv_phish_line(s, size, CV_PHISH_DOMAIN, &e);
    (void)cv_phish_line(s, size, CV_PHISH_ALLOW, &e);
    if (size + 2 <= CV_PHISH_LINE_MAX) {
        (void)cv_phish_regex_ok(s, size, &e);
        (void)cv_phish_host_ok(s, size, &e);
    }
    return 0;
}
