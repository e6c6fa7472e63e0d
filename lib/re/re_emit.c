/*
 * re_emit.c - turns a syntax tree into thread-machine code, forward and
 * backward, laid out the way yara 4.2 lays it out (split ids, repeat
 * prolog/loop/epilog, per-node code references). Atoms point into this code:
 * verification starts forward at an atom's node and backward from just
 * before it, so the layout decides which matches are found.
 */
#include <stdio.h>
#include <string.h>

#include "re_int.h"

enum { EMIT_BACK = 1, EMIT_NO_FWD = 2, EMIT_NO_BWD = 4 };

typedef struct emitter {
    rx_ast *ast;
    rx_code *code;
    int split_id;
    bool failed;
    const char *msg;
    int depth, max_depth;
} emitter;

static int32_t here(const emitter *e)
{
    return (int32_t)e->code->insts.len;
}

static int32_t put(emitter *e, rx_op op)
{
    rx_inst in;
    memset(&in, 0, sizeof(in));
    in.op = (uint8_t)op;
    if (e->code->insts.len >= RX_MAX_INSTS || !vec_push(&e->code->insts, in)) {
        if (!e->failed)
            e->msg = "regular expression is too large";
        e->failed = true;
        return 0;
    }
    return here(e) - 1;
}

static int32_t put_split(emitter *e, rx_op op)
{
    if (e->split_id >= RX_MAX_SPLIT_ID) {
        if (!e->failed)
            e->msg = "regular expression is too complex";
        e->failed = true;
        return 0;
    }
    int32_t i = put(e, op);
    if (!e->failed)
        e->code->insts.items[i].a = (uint8_t)e->split_id++;
    return i;
}

static rx_inst *at(emitter *e, int32_t i)
{
    return &e->code->insts.items[i];
}

/* Emits node n; returns the index of its first instruction (-1 if none). */
static int32_t emit(emitter *e, int32_t n, int flags)
{
    rx_node *nd = &e->ast->nodes.items[n];
    int32_t ref = -1, i, j;
    if (e->failed)
        return -1;
    switch ((rx_kind)nd->kind) {
    case RX_LIT:
        ref = put(e, OP_LIT);
        if (!e->failed)
            at(e, ref)->a = nd->value;
        break;
    case RX_MASKED:
        ref = put(e, OP_MASKED);
        if (!e->failed) {
            at(e, ref)->a = nd->value;
            at(e, ref)->b = nd->mask;
        }
        break;
    case RX_ANY: ref = put(e, OP_ANY); break;
    case RX_WORD: ref = put(e, OP_WORD); break;
    case RX_NWORD: ref = put(e, OP_NWORD); break;
    case RX_SPACE: ref = put(e, OP_SPACE); break;
    case RX_NSPACE: ref = put(e, OP_NSPACE); break;
    case RX_DIGIT: ref = put(e, OP_DIGIT); break;
    case RX_NDIGIT: ref = put(e, OP_NDIGIT); break;
    case RX_WB: ref = put(e, OP_WB); break;
    case RX_NWB: ref = put(e, OP_NWB); break;
    case RX_BOL: ref = put(e, OP_BOL); break;
    case RX_EOL: ref = put(e, OP_EOL); break;
    case RX_EMPTY: break;
    case RX_ASSERT:
        ref = put(e, OP_ASSERT);
        if (!e->failed) {
            at(e, ref)->a = nd->value;
            at(e, ref)->b = nd->mask;
            at(e, ref)->x = nd->cls;
            at(e, ref)->min = (uint16_t)nd->start;
            at(e, ref)->max = (uint16_t)nd->end;
        }
        break;
    case RX_CLASS:
        ref = put(e, OP_CLASS);
        if (!e->failed)
            at(e, ref)->x = nd->cls;
        break;
    case RX_CONCAT: {
        int32_t c = (flags & EMIT_BACK) ? nd->last : nd->first;
        ref = emit(e, c, flags);
        c = (flags & EMIT_BACK) ? e->ast->nodes.items[c].prev : e->ast->nodes.items[c].next;
        while (c >= 0 && !e->failed) {
            emit(e, c, flags);
            c = (flags & EMIT_BACK) ? e->ast->nodes.items[c].prev : e->ast->nodes.items[c].next;
        }
        break;
    }
    case RX_PLUS:
        ref = here(e);
        emit(e, nd->first, flags);
        i = put_split(e, nd->greedy ? OP_SPLIT_B : OP_SPLIT_A);
        if (!e->failed)
            at(e, i)->x = ref;
        break;
    case RX_STAR:
        ref = put_split(e, nd->greedy ? OP_SPLIT_A : OP_SPLIT_B);
        emit(e, nd->first, flags);
        j = put(e, OP_JMP);
        if (!e->failed) {
            at(e, j)->x = ref;
            at(e, ref)->x = here(e);
        }
        break;
    case RX_ALT:
        ref = put_split(e, OP_SPLIT_A);
        emit(e, nd->first, flags);
        j = put(e, OP_JMP);
        if (!e->failed)
            at(e, ref)->x = here(e);
        emit(e, nd->last, flags);
        if (!e->failed)
            at(e, j)->x = here(e);
        break;
    case RX_RANGE_ANY:
        ref = put(e, nd->greedy ? OP_REP_ANY_G : OP_REP_ANY_U);
        if (!e->failed) {
            at(e, ref)->min = (uint16_t)nd->start;
            at(e, ref)->max = (uint16_t)(nd->end > 0xFFFF ? 0xFFFF : nd->end);
        }
        break;
    case RX_RANGE: {
        bool prolog = nd->start > 0;
        bool repeat = nd->end > nd->start + 1 || nd->end > 2;
        bool split = nd->end > nd->start;
        bool epilog = nd->end > nd->start || nd->end > 1;
        if (prolog)
            ref = emit(e, nd->first, flags);
        if (repeat) {
            int mn = nd->start, mx = nd->end;
            if (prolog) {
                mn--;
                mx--;
            }
            if (split) {
                mx--;
            } else {
                mn--;
                mx--;
            }
            if (++e->depth > e->max_depth)
                e->max_depth = e->depth;
            if (e->depth > RX_MAX_REPEAT_NEST && !e->failed) {
                e->failed = true;
                e->msg = "regular expression is too complex";
            }
            i = put(e, nd->greedy ? OP_REP_START_G : OP_REP_START_U);
            if (!prolog)
                ref = i;
            int32_t body = here(e);
            emit(e, nd->first, flags | EMIT_NO_FWD | EMIT_NO_BWD);
            j = put(e, nd->greedy ? OP_REP_END_G : OP_REP_END_U);
            e->depth--;
            if (!e->failed) {
                at(e, i)->min = at(e, j)->min = (uint16_t)(mn < 0 ? 0 : mn);
                at(e, i)->max = at(e, j)->max = (uint16_t)mx;
                at(e, i)->x = here(e);
                at(e, j)->x = body;
            }
        }
        int32_t s = -1;
        if (split)
            s = put_split(e, nd->greedy ? OP_SPLIT_A : OP_SPLIT_B);
        if (epilog) {
            int32_t r = emit(e, nd->first, prolog ? flags | EMIT_NO_FWD : flags);
            if (!prolog && !repeat)
                ref = r;
        }
        if (split && !e->failed)
            at(e, s)->x = here(e);
        break;
    }
    }
    nd = &e->ast->nodes.items[n];
    if (flags & EMIT_BACK) {
        if (!(flags & EMIT_NO_BWD))
            nd->bwd = here(e);
    } else if (!(flags & EMIT_NO_FWD)) {
        nd->fwd = ref;
    }
    return ref;
}

vigil_status rx_emit(rx_ast *ast, int32_t root, rx_code *code, re_error *err)
{
    emitter e = {.ast = ast, .code = code};
    memset(code, 0, sizeof(*code));
    if (!vec_reserve(&code->classes, ast->classes.len ? ast->classes.len : 1))
        return VIGIL_E_NOMEM;
    if (ast->classes.len)
        memcpy(code->classes.items, ast->classes.items, ast->classes.len * sizeof(rx_class));
    code->classes.len = ast->classes.len;
    code->fwd_start = 0;
    emit(&e, root, 0);
    put(&e, OP_MATCH);
    code->bwd_start = here(&e);
    e.split_id = 0;
    emit(&e, root, EMIT_BACK);
    put(&e, OP_MATCH);
    code->depth = e.max_depth;
    if (e.failed) {
        if (err) {
            snprintf(err->message, sizeof(err->message), "%s", e.msg ? e.msg : "error");
            err->offset = 0;
        }
        rx_code_free(code);
        return VIGIL_E_SYNTAX;
    }
    return VIGIL_OK;
}

void rx_code_free(rx_code *code)
{
    vec_free(&code->insts);
    vec_free(&code->classes);
}
