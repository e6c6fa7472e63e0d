/*
 * fuzz_compile.c - libFuzzer target for the YARA front end: each input is a
 * rule source fed to yc_add_source (twice, into two namespaces, so rule
 * lookups across sources run too), with typed externals defined so their
 * paths are reachable. A program that compiled must be well formed: every
 * index it holds points inside its arrays, which is checked here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/ir_dump.h"
#include "yara/yara.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add_external(ir_program *p, const char *name, uint32_t type)
{
    ir_external e;
    memset(&e, 0, sizeof(e));
    e.name = ir_pool_str(p, name);
    e.type = type;
    e.s = type == IR_T_STRING ? ir_pool_str(p, "value") : IR_NONE;
    e.s_len = type == IR_T_STRING ? 5 : 0;
    if (e.name != IR_NONE)
        (void)vec_push(&p->externals, e);
}

static void check_program(const ir_program *p)
{
    for (size_t i = 0; i < p->rules.len; i++) {
        const ir_rule *r = &p->rules.items[i];
        if (r->cond >= p->nodes.len || r->name >= p->pool.len || r->ns >= p->namespaces.len ||
            r->strings_first + (uint64_t)r->strings_count > p->strings.len ||
            r->metas_first + (uint64_t)r->metas_count > p->metas.len ||
            r->tags_first + (uint64_t)r->tags_count > p->lists.len)
            abort();
    }
    for (size_t i = 0; i < p->nodes.len; i++) {
        const ir_node *n = &p->nodes.items[i];
        /* children are always made before their parent */
        if (n->op >= IR_OP__COUNT)
            abort();
        if (n->op != IR_OP_EXTERNAL && n->op != IR_OP_VAR && n->op != IR_OP_RULE &&
            n->op != IR_OP_MOD_ROOT && !(n->op >= IR_OP_STR_FOUND && n->op <= IR_OP_STR_IN) &&
            n->a != IR_NONE && n->a >= i)
            abort();
        /* a module root names a module slot, a call its module in b */
        if ((n->op == IR_OP_MOD_ROOT && n->a >= p->modules.len) ||
            (n->op == IR_OP_MOD_CALL && n->b >= p->modules.len))
            abort();
        if (n->op == IR_OP_VAR && n->a >= p->max_loop_vars)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    ir_program p;
    ir_init(&p);
    add_external(&p, "ext_int", IR_T_INT);
    add_external(&p, "ext_str", IR_T_STRING);
    add_external(&p, "ext_bool", IR_T_BOOL);
    add_external(&p, "ext_float", IR_T_FLOAT);
    yc_state *st = NULL;
    if (yc_new(&p, &st) != VIGIL_OK) {
        ir_free(&p);
        return 0;
    }
    yc_options opt = {.warnings = true};
    size_t errors = 0, warnings = 0;
    (void)yc_add_source(st, (const char *)data, size, "one", "fuzz.yar", NULL, &opt, &errors,
                        &warnings);
    (void)yc_add_source(st, (const char *)data, size, "two", "fuzz.yar", NULL, &opt, &errors,
                        &warnings);
    check_program(&p);
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        ir_dump_program(&p, devnull);
        fclose(devnull);
    }
    yc_free(st);
    ir_free(&p);
    return 0;
}
