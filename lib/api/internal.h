/*
 * internal.h - the structures behind the public handles of vigil.h. Only
 * lib/api and lib/db see them; every other layer works on ir_program,
 * matcher and ev_state directly.
 */
#ifndef VIGIL_API_INTERNAL_H
#define VIGIL_API_INTERNAL_H

#include "../db/db_format.h"
#include "../eval/eval.h"
#include "../ir/ir.h"
#include "../match/matcher.h"
#include "../modules/object.h"
#include "vigil.h"

struct vigil_rule {
    const struct vigil_db *db;
    uint32_t index;
};

struct vigil_db {
    ir_program prog;   /* owned, or arrays borrowed from `map` (cap == 0) */
    matcher *m;
    struct vigil_rule *rules; /* one handle per prog.rules entry */
    uint8_t *single;   /* per string: only tested for presence (ir_usage.h) */
    uint64_t *fixed;   /* per string: the one `at` offset, or IR_NO_FIXED_OFFSET */
    void *map;         /* mapped database file, or NULL */
    size_t map_len;
    const db_source *sources; /* files compiled from: in `map`, or == sources_buf */
    size_t nsources;
    db_source *sources_buf;   /* owned copy for a database built in memory */
};

/* Finishes a database whose prog is filled: rule handles, string usage. */
vigil_status db_init_handles(struct vigil_db *db);

/* Walks a module's values for a vigil_module_visit_fn (modules.c). */
vigil_status api_module_visit(const mo_module *m, const mo_obj *root, vigil_module_visit_fn fn,
                              void *user);

/* Sets a printf-style message into a fixed buffer. */
void api_set_error(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
