/*
 * ir_dump.c - text form of the IR (see ir_dump.h). Conditions print as
 * S-expressions named by ir_op_name(); string references print as their
 * ids ($a, #a, @a, !a) so a test reads like the rule it came from. Bounds are
 * checked on every index, so a damaged program prints "?" instead of
 * crashing, and recursion is capped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream */
#endif
#include "ir_dump.h"

#include <inttypes.h>
#include <stdlib.h>

#define MAX_DUMP_DEPTH 1000

static void dump_bytes(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else
            fprintf(out, "\\x%02x", c);
    }
    fputc('"', out);
}

static const char *pool(const ir_program *p, uint32_t off)
{
    return off < p->pool.len ? p->pool.items + off : "?";
}

/* "$a" for a string index, with the sigil replaced; "$" for IR_NONE. */
static void dump_strref(const ir_program *p, uint32_t idx, char sigil, FILE *out)
{
    if (idx == IR_NONE) {
        fputc(sigil, out);
        return;
    }
    if (idx >= p->strings.len) {
        fputs("?", out);
        return;
    }
    const char *id = pool(p, p->strings.items[idx].id);
    fputc(sigil, out);
    fputs(id[0] == '$' ? id + 1 : id, out);
}

static const char *quant_name(uint32_t q)
{
    switch (q) {
    case IR_Q_ALL:
        return "all";
    case IR_Q_ANY:
        return "any";
    case IR_Q_NONE:
        return "none";
    default:
        return NULL;
    }
}

static void dump(const ir_program *p, uint32_t n, FILE *out, int depth);

static void dump_quant(const ir_program *p, const ir_node *nd, FILE *out, int depth)
{
    const char *q = quant_name(nd->aux);
    if (q) {
        fputs(q, out);
        return;
    }
    dump(p, nd->c, out, depth + 1);
    if (nd->aux == IR_Q_PERCENT)
        fputc('%', out);
}

static bool list_ok(const ir_program *p, ir_list l)
{
    return l.first <= p->lists.len && l.count <= p->lists.len - l.first;
}

static void dump(const ir_program *p, uint32_t n, FILE *out, int depth)
{
    if (n >= p->nodes.len || depth > MAX_DUMP_DEPTH) {
        fputs(n == IR_NONE ? "none" : "?", out);
        return;
    }
    const ir_node *nd = &p->nodes.items[n];
    switch (nd->op) {
    case IR_OP_TRUE:
    case IR_OP_FALSE:
    case IR_OP_FILESIZE:
    case IR_OP_ENTRYPOINT:
    case IR_OP_CLAM_NSECTIONS:
    case IR_OP_CLAM_DEPTH:
        fputs(ir_op_name(nd->op), out);
        return;
    case IR_OP_CLAM_TARGET:
        fprintf(out, "clamav-target(%u)", nd->aux);
        return;
    case IR_OP_CLAM_CONTAINER:
        fprintf(out, "clamav-container(%u)", nd->aux);
        return;
    case IR_OP_CLAM_IMGHASH:
        fprintf(out, "clamav-imghash(%016" PRIx64 ")", (uint64_t)nd->v.i);
        return;
    case IR_OP_CLAM_VI:
        /* (clamav-vi (count $s)): the string's matches at VI offsets */
        fputs("(clamav-vi ", out);
        dump(p, nd->a, out, depth + 1);
        fputc(')', out);
        return;
    case IR_OP_CLAM_OFFSET:
        fprintf(out, "clamav-offset(%u, %u, %" PRId64 ")", nd->aux, nd->a, nd->v.i);
        return;
    case IR_OP_CLAM_PCRE:
        /* (clamav-pcre /pattern/flags trigger range) */
        fputs("(clamav-pcre /", out);
        if (nd->v.s.off < p->pool.len && nd->v.s.len <= p->pool.len - nd->v.s.off) {
            /* as written in the signature; only unprintable bytes escaped */
            for (uint32_t i = 0; i < nd->v.s.len; i++) {
                unsigned char c = (unsigned char)p->pool.items[nd->v.s.off + i];
                if (c >= 0x20 && c < 0x7f)
                    fputc(c, out);
                else
                    fprintf(out, "\\x%02x", c);
            }
        }
        fputc('/', out);
        for (unsigned i = 0; i < 10; i++)
            if (nd->aux & (1u << i))
                fputc("greismxAEU"[i], out);
        fputc(' ', out);
        dump(p, nd->a, out, depth + 1);
        fputc(' ', out);
        dump(p, nd->b, out, depth + 1);
        fputc(')', out);
        return;
    case IR_OP_CLAM_BYTECMP: {
        /* (clamav-bytecmp ref (>>off#opts#cmps)) in ClamAV's notation */
        ir_clam_bcmp b = {0};
        if (nd->v.s.off < p->pool.len && nd->v.s.len == IR_CLAM_BCMP_SIZE &&
            nd->v.s.len <= p->pool.len - nd->v.s.off)
            ir_clam_bcmp_unpack((const uint8_t *)p->pool.items + nd->v.s.off, &b);
        fputs("(clamav-bytecmp ", out);
        dump(p, nd->a, out, depth + 1);
        fprintf(out, " (%s%" PRIu64 "#%c%s%s%s%" PRIu32 "#", b.offset < 0 ? "<<" : ">>",
                b.offset < 0 ? 0 - (uint64_t)b.offset : (uint64_t)b.offset,
                "hdai"[nd->aux & 3], (nd->aux & IR_CLBC_LE) ? "l" : "",
                (nd->aux & IR_CLBC_BE) ? "b" : "", (nd->aux & IR_CLBC_EXACT) ? "e" : "", b.nbytes);
        unsigned ncmp = (nd->aux >> IR_CLBC_NCMP_SHIFT) & 3;
        for (unsigned i = 0; i < ncmp && i < 2; i++) {
            unsigned c = (nd->aux >> (i ? IR_CLBC_CMP1_SHIFT : IR_CLBC_CMP0_SHIFT)) & 3;
            fprintf(out, "%s%c%" PRId64, i ? "," : "", "<>=?"[c], b.value[i]);
        }
        fputs(")", out);
        if (nd->aux & IR_CLBC_DORMANT) /* never runs: lib/clamav/lower.c */
            fprintf(out, " dormant-target-%u", (unsigned)(nd->aux >> IR_CLBC_TARGET_SHIFT));
        fputs(")", out);
        return;
    }
    case IR_OP_INT:
        fprintf(out, "%" PRId64, nd->v.i);
        return;
    case IR_OP_FLOAT:
        fprintf(out, "%g", nd->v.f);
        return;
    case IR_OP_STRING:
        if (nd->v.s.off < p->pool.len && nd->v.s.len <= p->pool.len - nd->v.s.off)
            dump_bytes(out, p->pool.items + nd->v.s.off, nd->v.s.len);
        else
            fputs("?", out);
        return;
    case IR_OP_REGEX:
        fprintf(out, "/%s/%s%s", pool(p, nd->v.s.off), (nd->aux & IR_SF_REGEX_NOCASE) ? "i" : "",
                (nd->aux & IR_SF_DOTALL) ? "s" : "");
        return;
    case IR_OP_EXTERNAL:
        fprintf(out, "ext:%s",
                nd->a < p->externals.len ? pool(p, p->externals.items[nd->a].name) : "?");
        return;
    case IR_OP_VAR:
        fprintf(out, "var%" PRIu32, nd->a);
        return;
    case IR_OP_RULE:
        fprintf(out, "rule:%s", nd->a < p->rules.len ? pool(p, p->rules.items[nd->a].name) : "?");
        return;
    case IR_OP_STR_FOUND:
        dump_strref(p, nd->a, '$', out);
        return;
    case IR_OP_STR_COUNT:
        if (nd->b == IR_NONE) {
            dump_strref(p, nd->a, '#', out);
            return;
        }
        fputs("(in ", out);
        dump_strref(p, nd->a, '#', out);
        fputc(' ', out);
        dump(p, nd->b, out, depth + 1);
        fputc(')', out);
        return;
    case IR_OP_STR_OFFSET:
    case IR_OP_STR_LENGTH:
        fputc('(', out);
        dump_strref(p, nd->a, nd->op == IR_OP_STR_OFFSET ? '@' : '!', out);
        fputc(' ', out);
        dump(p, nd->b, out, depth + 1);
        fputc(')', out);
        return;
    case IR_OP_STR_AT:
    case IR_OP_STR_IN:
        fprintf(out, "(%s ", ir_op_name(nd->op));
        dump_strref(p, nd->a, '$', out);
        fputc(' ', out);
        dump(p, nd->b, out, depth + 1);
        fputc(')', out);
        return;
    case IR_OP_READ_INT:
        fprintf(out, "(%sint%d%s ", (nd->aux & IR_READ_SIGNED) ? "" : "u", (int)(nd->aux & 7) * 8,
                (nd->aux & IR_READ_BE) ? "be" : "");
        dump(p, nd->a, out, depth + 1);
        fputc(')', out);
        return;
    case IR_OP_OF_STRINGS:
    case IR_OP_OF_RULES:
    case IR_OP_OF_BOOLS:
    case IR_OP_FOR_OF:
    case IR_OP_ENUM: {
        fprintf(out, "(%s ", ir_op_name(nd->op));
        if (nd->op != IR_OP_ENUM) {
            dump_quant(p, nd, out, depth);
            fputs(" (", out);
        }
        if (!list_ok(p, nd->v.list)) {
            fputs("?))", out);
            return;
        }
        for (uint32_t i = 0; i < nd->v.list.count; i++) {
            uint32_t e = p->lists.items[nd->v.list.first + i];
            if (i)
                fputc(' ', out);
            if (nd->op == IR_OP_OF_RULES)
                fputs(e < p->rules.len ? pool(p, p->rules.items[e].name) : "?", out);
            else if (nd->op == IR_OP_ENUM || nd->op == IR_OP_OF_BOOLS)
                dump(p, e, out, depth + 1);
            else
                dump_strref(p, e, '$', out);
        }
        if (nd->op != IR_OP_ENUM)
            fputc(')', out);
        if (nd->op == IR_OP_FOR_OF) {
            fputc(' ', out);
            dump(p, nd->a, out, depth + 1);
        }
        fputc(')', out);
        return;
    }
    case IR_OP_MOD_ROOT:
        fputs(nd->a < p->modules.len ? pool(p, p->modules.items[nd->a]) : "?", out);
        return;
    case IR_OP_MOD_MEMBER:
        fputs("(member ", out);
        dump(p, nd->a, out, depth + 1);
        fprintf(out, " #%" PRIu32 ")", nd->aux);
        return;
    case IR_OP_MOD_CALL:
        fputs("(call ", out);
        dump(p, nd->a, out, depth + 1);
        fprintf(out, " #%" PRIu32, nd->aux);
        if (!list_ok(p, nd->v.list)) {
            fputs(" ?)", out);
            return;
        }
        for (uint32_t i = 0; i < nd->v.list.count; i++) {
            fputc(' ', out);
            dump(p, p->lists.items[nd->v.list.first + i], out, depth + 1);
        }
        fputc(')', out);
        return;
    case IR_OP_FOR_IN:
        fputs("(for-in ", out);
        dump_quant(p, nd, out, depth);
        fprintf(out, " var%" PRIu32 " ", nd->b);
        if (nd->pad == 2)
            fprintf(out, "var%" PRIu32 " ", nd->b + 1);
        dump(p, nd->a, out, depth + 1);
        fputc(' ', out);
        dump(p, nd->v.body, out, depth + 1);
        fputc(')', out);
        return;
    default:
        break;
    }
    /* operators: unary and binary */
    fprintf(out, "(%s ", ir_op_name(nd->op));
    dump(p, nd->a, out, depth + 1);
    if (nd->b != IR_NONE) {
        fputc(' ', out);
        dump(p, nd->b, out, depth + 1);
    }
    fputc(')', out);
}

void ir_dump_node(const ir_program *p, uint32_t node, FILE *out)
{
    dump(p, node, out, 0);
}

static void dump_flags(uint32_t f, FILE *out)
{
    static const char *const names[] = {"nocase",  "ascii",        "wide",     "fullword",
                                        "private", "xor",          "base64",   "base64wide",
                                        "dotall",  "regex-nocase", "anonymous"};
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (f & (1u << i))
            fprintf(out, " %s", names[i]);
    }
}

void ir_dump_rule(const ir_program *p, uint32_t rule, FILE *out)
{
    if (rule >= p->rules.len) {
        fputs("?\n", out);
        return;
    }
    const ir_rule *r = &p->rules.items[rule];
    fprintf(out, "rule %s:%s",
            r->ns < p->namespaces.len ? pool(p, p->namespaces.items[r->ns]) : "?",
            pool(p, r->name));
    if (r->flags & IR_RULE_PRIVATE)
        fputs(" private", out);
    if (r->flags & IR_RULE_GLOBAL)
        fputs(" global", out);
    for (uint32_t i = 0; i < r->tags_count && r->tags_first + i < p->lists.len; i++)
        fprintf(out, " #%s", pool(p, p->lists.items[r->tags_first + i]));
    fputc('\n', out);
    for (uint32_t i = 0; i < r->metas_count && r->metas_first + i < p->metas.len; i++) {
        const ir_meta *m = &p->metas.items[r->metas_first + i];
        fprintf(out, "  meta %s = ", pool(p, m->name));
        if (m->type == IR_META_STRING && m->s < p->pool.len && m->s_len <= p->pool.len - m->s)
            dump_bytes(out, p->pool.items + m->s, m->s_len);
        else if (m->type == IR_META_BOOL)
            fputs(m->i ? "true" : "false", out);
        else
            fprintf(out, "%" PRId64, m->i);
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < r->strings_count && r->strings_first + i < p->strings.len; i++) {
        const ir_string *s = &p->strings.items[r->strings_first + i];
        static const char *const kinds[] = {"text", "hex", "regex", "clamav"};
        fprintf(out, "  string %s %s ", pool(p, s->id), s->kind < 4 ? kinds[s->kind] : "?");
        if (s->src < p->pool.len && s->src_len <= p->pool.len - s->src)
            dump_bytes(out, p->pool.items + s->src, s->src_len);
        dump_flags(s->flags, out);
        if (s->flags & IR_SF_XOR)
            fprintf(out, " xor(%u-%u)", s->xor_min, s->xor_max);
        if (s->alphabet != IR_NONE)
            fprintf(out, " alphabet(%.64s)", pool(p, s->alphabet));
        fputc('\n', out);
    }
    fputs("  condition ", out);
    dump(p, r->cond, out, 0);
    fputc('\n', out);
}

void ir_dump_program(const ir_program *p, FILE *out)
{
    for (size_t i = 0; i < p->rules.len; i++)
        ir_dump_rule(p, (uint32_t)i, out);
}

static char *to_string(const ir_program *p, uint32_t i,
                       void (*fn)(const ir_program *, uint32_t, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fn(p, i, f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *ir_dump_node_str(const ir_program *p, uint32_t node)
{
    return to_string(p, node, ir_dump_node);
}

char *ir_dump_rule_str(const ir_program *p, uint32_t rule)
{
    return to_string(p, rule, ir_dump_rule);
}
