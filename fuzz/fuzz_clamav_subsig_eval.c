/*
 * fuzz_clamav_subsig_eval.c - libFuzzer target for PCRE and byte-compare
 * subsignatures evaluated on hostile objects: the input is one .ldb line, a
 * newline, then the object. The line is parsed, lowered and run; every hex
 * subsignature "matches" at a few offsets taken from the object (start,
 * middle, end and one past it), so byte compares read from everywhere,
 * text numbers of any shape included, and PCREs run behind their triggers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/lower.h"
#include "clamav/objinfo.h"
#include "eval/eval.h"
#include "ir/ir.h"

typedef struct fake {
    mt_match m[4];
    size_t n;
} fake;

static const mt_match *get_matches(const void *user, uint32_t s, size_t *n)
{
    const fake *f = user;
    (void)s;
    *n = f->n;
    return f->m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t line_len = (size_t)(nl - data);
    const uint8_t *obj = nl + 1;
    size_t len = size - line_len - 1;
    cv_arena a;
    cv_arena_init(&a);
    cv_ldb *sig = cv_alloc(&a, sizeof(*sig));
    cv_error err;
    if (sig && cv_parse_ldb((const char *)data, line_len, &a, sig, &err) == CV_OK) {
        ir_program p;
        ir_init(&p);
        cv_origin o = {"ldb", "fuzz.ldb", 1};
        ev_state *st = NULL;
        if (cv_lower_ldb(&p, sig, "F", &o) == VIGIL_OK && ev_state_new(&p, &st) == VIGIL_OK) {
            /* sorted offsets, as the matcher gives them */
            fake f = {.n = 4};
            uint64_t at[4] = {0, len / 2, len ? len - 1 : 0, len};
            for (size_t i = 0; i < 4; i++)
                f.m[i] = (mt_match){at[i], 1, 0};
            cv_objinfo oi;
            cv_objinfo_init(&oi, obj, len);
            ev_input in = {.prog = &p, .data = obj, .len = len, .clam = &oi,
                           .get_matches = get_matches, .get_matches_user = &f};
            uint8_t *res = malloc(p.rules.len ? p.rules.len : 1);
            if (res)
                (void)ev_run(st, &in, res);
            free(res);
        }
        ev_state_free(st);
        ir_free(&p);
    }
    cv_arena_free(&a);
    return 0;
}
