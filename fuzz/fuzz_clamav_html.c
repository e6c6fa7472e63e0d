/*
 * fuzz_clamav_html.c - libFuzzer target for the HTML normaliser
 * (lib/clamav/htmlnorm.c). Input: the HTML bytes. Beyond memory safety it
 * checks the invariants the scanner relies on: the always-present files
 * exist, each data: file starts with libclamav's header, and a run with an
 * output cap either succeeds with the same bytes or fails cleanly with
 * everything freed. (Output size is not bounded by a small factor: a
 * Script Encoder marker makes libclamav rerun the rest of a chunk.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/htmlnorm.h"

static const char from[] = "From html-normalise\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cv_html_out out;
    if (cv_html_normalise(data, size, NULL, &out) != CV_HTML_OK)
        return 0;
    if (!out.nocomment.exists || !out.notags.exists)
        abort();
    for (size_t i = 0; i < out.n_rfc2397; i++) {
        const cv_html_buf *b = &out.rfc2397[i];
        if (b->len < sizeof(from) - 1 || memcmp(b->data, from, sizeof(from) - 1) != 0)
            abort();
    }

    cv_html_limits lim = {.max_output = out.nocomment.len / 2 + 1};
    cv_html_out capped;
    cv_html_status st = cv_html_normalise(data, size, &lim, &capped);
    if (st == CV_HTML_OK) {
        if (capped.nocomment.len != out.nocomment.len ||
            (out.nocomment.len &&
             memcmp(capped.nocomment.data, out.nocomment.data, out.nocomment.len) != 0))
            abort();
        cv_html_out_free(&capped);
    } else if (capped.nocomment.data || capped.rfc2397 || capped.scripts) {
        abort();
    }
    cv_html_out_free(&out);
    return 0;
}
