/*
 * fuzz_clamav_mail.c - libFuzzer target for the mail parser
 * (lib/clamav/mail*.c). Input: the mail bytes. Beyond memory safety it
 * checks that every part has data (empty parts are those libclamav keeps
 * empty) and a name, and that a run with a
 * total-size cap either succeeds or fails cleanly with everything freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "clamav/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cv_mail_out out;
    if (cv_mail_parts(data, size, NULL, &out) != CV_MAIL_OK)
        return 0;
    for (size_t i = 0; i < out.n_parts; i++)
        if (!out.parts[i].data || !out.parts[i].name)
            abort();
    cv_mail_limits lim = {.max_total = out.total / 2 + 1, .max_recursion = 3};
    cv_mail_out capped;
    if (cv_mail_parts(data, size, &lim, &capped) == CV_MAIL_OK)
        cv_mail_out_free(&capped);
    cv_mail_out_free(&out);
    return 0;
}
