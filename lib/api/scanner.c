/*
 * scanner.c - vigil_scanner: one object's scan is the matcher's single pass
 * over the bytes, then the evaluator over every rule, then one callback per
 * true rule (private rules are evaluated but never reported). Everything a
 * scan needs is allocated once per scanner and reused.
 *
 * Verdicts need only the first match of a string whose conditions test
 * nothing but its presence (ir_usage.h), so the first pass records just that
 * (the matcher's fast mode). Only when a callback asks for the matches of
 * such a string is the object matched again in full (detail_pass), which
 * happens for objects with a true rule and a front end that prints strings.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../clamav/objinfo.h"
#include "../formats/entrypoint.h"
#include "../util/file.h"
#include "../ir/ir_usage.h"
#include "clamav_scan.h"
#include "internal.h"
#include "scanner_int.h"

_Static_assert(IR_NO_FIXED_OFFSET == MT_NO_FIXED_OFFSET, "usage and matcher agree on \"no offset\"");

/* Files are read whole; above this they are refused (streaming comes with
 * the speed issue's bounded-memory scanning). */
#define MAX_SCAN_FILE ((size_t)4 << 30)

static uint32_t find_namespace(const ir_program *p, const char *name)
{
    for (size_t i = 0; i < p->namespaces.len; i++)
        if (strcmp(ir_str(p, p->namespaces.items[i]), name) == 0)
            return (uint32_t)i;
    return IR_NONE;
}

/* Hash-signature detections of the current object, reported after the
 * body signatures (clamscan's order). */
bool api_collect_hash(void *user, uint32_t table, uint32_t index)
{
    vigil_scanner *s = user;
    return vec_push(&s->hash_hits, ((hash_hit){table, index}));
}

/* The state one scan runs on: a matcher scratch told how the conditions use
 * each string, and an evaluator. Made for a new scanner and again by
 * vigil_scanner_reset; on failure nothing is left allocated. */
static vigil_status new_scan_state(const struct vigil_db *db, mt_scratch **ms, ev_state **ev,
                                   mo_set **mods)
{
    *ms = NULL;
    *ev = NULL;
    *mods = NULL;
    const ir_program *p = &db->prog;
    const char **names = calloc(p->modules.len ? p->modules.len : 1, sizeof(*names));
    vigil_status st = names ? VIGIL_OK : VIGIL_E_NOMEM;
    for (size_t i = 0; names && i < p->modules.len; i++)
        names[i] = ir_str(p, p->modules.items[i]);
    if (st == VIGIL_OK)
        st = mo_set_new(names, p->modules.len, mods, NULL);
    free(names);
    if (st == VIGIL_OK)
        st = mt_scratch_new(db->m, ms);
    if (st == VIGIL_OK)
        st = ev_state_new(&db->prog, ev);
    if (st != VIGIL_OK) {
        mt_scratch_free(*ms);
        mo_set_free(*mods);
        *ms = NULL;
        *mods = NULL;
        return st;
    }
    mt_scratch_set_single_match(*ms, db->single);
    mt_scratch_set_fixed_offsets(*ms, db->fixed);
    return VIGIL_OK;
}

vigil_status vigil_scanner_new(const vigil_db *db, vigil_scanner **out)
{
    *out = NULL;
    if (!db)
        return VIGIL_E_ARG;
    vigil_scanner *s = calloc(1, sizeof(*s));
    if (!s)
        return VIGIL_E_NOMEM;
    s->db = db;
    const ir_program *p = &db->prog;
    s->clam_ns = db->clam_rules ? find_namespace(p, "clamav") : IR_NONE;
    vigil_status st = new_scan_state(db, &s->ms, &s->ev, &s->mods);
    if (st == VIGIL_OK) {
        s->results = calloc(p->rules.len ? p->rules.len : 1, 1);
        s->dead = calloc(p->rules.len ? p->rules.len : 1, 1);
        s->stash = calloc(p->rules.len ? p->rules.len : 1, 1);
        s->ext = calloc(p->externals.len ? p->externals.len : 1, sizeof(*s->ext));
        if (!s->results || !s->dead || !s->stash || !s->ext)
            st = VIGIL_E_NOMEM;
        else if (p->externals.len)
            memcpy(s->ext, p->externals.items, p->externals.len * sizeof(*s->ext));
    }
    if (st == VIGIL_OK && db->clam_rules)
        st = api_clam_scanner_init(s);
    if (st == VIGIL_OK && db->clam_rules)
        st = api_clam_order_init(s);
    if (st != VIGIL_OK) {
        vigil_scanner_free(s);
        return st;
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_scanner_free(vigil_scanner *s)
{
    if (!s)
        return;
    mt_scratch_free(s->ms);
    ev_state_free(s->ev);
    mo_set_free(s->mods);
    free(s->results);
    free(s->dead);
    free(s->stash);
    free(s->norm);
    free(s->ftrules);
    free(s->handler);
    free(s->clam_rank);
    free(s->bm_shift);
    vec_free(&s->order_keys);
    free(s->ext);
    vec_free(&s->hash_hits);
    util_readbuf_release(&s->rb, true);
    free(s);
}

vigil_status vigil_scanner_reset(vigil_scanner *s)
{
    /* The interrupted scan may have left Vectorscan's scratch marked in use
     * and the evaluator mid-loop: replace both rather than trust them. */
    mt_scratch *ms;
    ev_state *ev;
    mo_set *mods;
    vigil_status st = new_scan_state(s->db, &ms, &ev, &mods);
    if (st != VIGIL_OK)
        return st;
    mt_scratch_free(s->ms);
    ev_state_free(s->ev);
    mo_set_free(s->mods);
    s->ms = ms;
    s->ev = ev;
    s->mods = mods;
    s->in_callback = false;
    s->matched = false;
    s->partial = false;
    s->data = NULL;
    s->len = 0;
    return VIGIL_OK;
}

void vigil_scanner_set_flags(vigil_scanner *s, unsigned flags)
{
    s->flags = flags;
}

void vigil_scanner_set_timeout(vigil_scanner *s, unsigned seconds)
{
    s->timeout = seconds;
}

const char *vigil_scanner_last_error(const vigil_scanner *s)
{
    return s->last_error;
}

static ir_external *find_external(vigil_scanner *s, const char *name, uint32_t type)
{
    const ir_program *p = &s->db->prog;
    for (size_t i = 0; i < p->externals.len; i++) {
        if (strcmp(ir_str(p, p->externals.items[i].name), name) == 0) {
            if (p->externals.items[i].type != type) {
                api_set_error(s->last_error, sizeof(s->last_error),
                              "external variable \"%s\" has another type", name);
                return NULL;
            }
            return &s->ext[i];
        }
    }
    api_set_error(s->last_error, sizeof(s->last_error), "unknown external variable \"%s\"",
                  name);
    return NULL;
}

vigil_status vigil_scanner_define_int(vigil_scanner *s, const char *name, int64_t value)
{
    ir_external *e = find_external(s, name, IR_T_INT);
    if (!e)
        return VIGIL_E_ARG;
    e->i = value;
    return VIGIL_OK;
}

vigil_status vigil_scanner_define_bool(vigil_scanner *s, const char *name, bool value)
{
    ir_external *e = find_external(s, name, IR_T_BOOL);
    if (!e)
        return VIGIL_E_ARG;
    e->i = value;
    return VIGIL_OK;
}

vigil_status vigil_scanner_define_float(vigil_scanner *s, const char *name, double value)
{
    ir_external *e = find_external(s, name, IR_T_FLOAT);
    if (!e)
        return VIGIL_E_ARG;
    e->f = value;
    return VIGIL_OK;
}

/* String values live outside the database's pool: ev reads them through
 * s/s_len relative to the pool, so a per-scanner string cannot be expressed
 * there yet. Refuse clearly rather than scan with the wrong value. */
vigil_status vigil_scanner_define_string(vigil_scanner *s, const char *name, const char *value)
{
    (void)value;
    if (!find_external(s, name, IR_T_STRING))
        return VIGIL_E_ARG;
    api_set_error(s->last_error, sizeof(s->last_error),
                  "string external \"%s\" can only be set when compiling", name);
    return VIGIL_E_ARG;
}

static vigil_status scan(vigil_scanner *s, const uint8_t *data, size_t len, unsigned mt_flags,
                         vigil_scan_fn fn, void *user);

vigil_status vigil_scanner_scan_mem(vigil_scanner *s, const uint8_t *data, size_t len,
                                    vigil_scan_fn fn, void *user)
{
    return scan(s, data, len, 0, fn, user);
}

vigil_status vigil_scanner_scan_mapped(vigil_scanner *s, const uint8_t *data, size_t len,
                                       vigil_scan_fn fn, void *user)
{
    return scan(s, data, len, MT_DROP_BEHIND, fn, user);
}

static void scanner_log(const uint8_t *msg, size_t len, void *user)
{
    const vigil_scanner *s = user;
    if (s->log)
        s->log((const char *)msg, len, s->log_user);
}

void vigil_scanner_set_log_callback(vigil_scanner *s, vigil_log_fn fn, void *user)
{
    if (s) {
        s->log = fn;
        s->log_user = user;
    }
}

vigil_status vigil_scanner_visit_module(vigil_scanner *s, size_t module, vigil_module_visit_fn fn,
                                        void *user)
{
    if (!s || !fn || !s->in_callback || module >= mo_set_count(s->mods))
        return VIGIL_E_ARG;
    vigil_status st = VIGIL_OK;
    const mo_obj *root = mo_set_root(s->mods, (uint32_t)module, &st);
    if (!root)
        return st != VIGIL_OK ? st : VIGIL_E_NOMEM;
    return api_module_visit(mo_set_module(s->mods, (uint32_t)module), root, fn, user);
}

static vigil_status scan_object(vigil_scanner *s, const uint8_t *data, size_t len,
                                unsigned mt_flags, vigil_scan_fn fn, void *user);

/* Modules see the object from the first gate to the last callback. */
static vigil_status scan(vigil_scanner *s, const uint8_t *data, size_t len, unsigned mt_flags,
                         vigil_scan_fn fn, void *user)
{
    static const uint8_t empty[1];
    if (!data)
        data = empty;
    mo_set_begin(s->mods, data, len);
    vigil_status st = scan_object(s, data, len, mt_flags, fn, user);
    mo_set_end(s->mods);
    return st;
}

static vigil_status scan_object(vigil_scanner *s, const uint8_t *data, size_t len,
                                unsigned mt_flags, vigil_scan_fn fn, void *user)
{
    const ir_program *p = &s->db->prog;
    s->last_error[0] = '\0';
    s->view = NULL;

    ev_input in = {.prog = p, .data = data, .len = len, .externals = s->ext,
                   .dead_rules = s->dead, .modules = s->mods, .log = scanner_log,
                   .log_user = s};
    in.has_entrypoint = fmt_entrypoint_offset(data, len, &in.entrypoint);
    cv_objinfo oi;
    s->clam.on = s->db->clam_rules || s->db->has_hashes;
    if (s->clam.on) {
        cv_objinfo_init(&oi, data, len);
        for (size_t k = 0; k < CV_MAX_UP; k++)
            oi.up[k] = s->db->ftypes.any;
        in.clam = &oi;
        api_clam_begin(s, &oi, data, len);
    }
    if (s->timeout) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        in.deadline_ns = ((uint64_t)ts.tv_sec + s->timeout) * 1000000000u + (uint64_t)ts.tv_nsec;
    }

    /* ClamAV scans a mail's parts before the mail itself */
    vigil_status st = VIGIL_OK;
    s->mt_flags = mt_flags;
    if (s->clam.on) {
        s->in_callback = true;
        st = api_clam_before_raw(s, &in, fn, user);
        s->in_callback = false;
        if (st != VIGIL_OK) {
            if (st != VIGIL_E_ABORTED)
                api_set_error(s->last_error, sizeof(s->last_error), "%s", vigil_status_str(st));
            return st;
        }
    }

    /* Rules whose string-free conjuncts already fail cannot match: when that
     * is every rule, the object's bytes need not be matched at all. */
    size_t alive = ev_prefilter(s->ev, &in, s->dead);
    s->partial = false;
    if (alive > 0) {
        s->partial = !(s->flags & VIGIL_SCAN_FAST);
        st = matcher_scan(s->db->m, s->ms, data, len, mt_flags | MT_FAST);
        if (st != VIGIL_OK) {
            api_set_error(s->last_error, sizeof(s->last_error), "matcher: %s",
                          vigil_status_str(st));
            return st;
        }
        in.matches = s->ms;
    }
    s->matched = alive > 0;
    s->data = data;
    s->len = len;
    s->in_callback = true;

    /* yara -D: module data first, as yara prints it when modules load */
    for (size_t i = 0; fn && (s->flags & VIGIL_SCAN_MODULE_DATA) && i < mo_set_count(s->mods);
         i++) {
        st = fn(s, VIGIL_EV_MODULE_DATA, NULL, i, user);
        if (st != VIGIL_OK)
            goto aborted;
    }

    bool capped = s->matched && mt_any_too_many(s->ms);
    for (uint32_t i = 0; fn && capped && i < p->strings.len; i++) {
        if (mt_too_many(s->ms, i)) {
            uint32_t r = p->strings.items[i].rule;
            size_t local = i - p->rules.items[r].strings_first;
            st = fn(s, VIGIL_EV_TOO_MANY_MATCHES, &s->db->rules[r], local, user);
            if (st != VIGIL_OK)
                goto aborted;
        }
    }

    /* ClamAV: the object's final type decides whether its raw bytes are
     * matched (api_clam_settle); hash signatures and the allow lists that
     * clear an object of every ClamAV detection */
    s->hash_hits.len = 0;
    s->ht_set = false; /* libclamav's handlertype_hash is per scanned file */
    if (s->clam.on) {
        uint16_t initial = s->clam.type;
        api_clam_settle(s, &oi);
        st = api_clam_raised(s, &in, initial, fn, user);
        if (st != VIGIL_OK) {
            s->in_callback = false;
            if (st != VIGIL_E_ABORTED)
                api_set_error(s->last_error, sizeof(s->last_error), "%s", vigil_status_str(st));
            return st;
        }
        if (s->db->has_hashes && !s->clam.small) {
            bool allowed = false;
            st = api_clamav_hashes(s->db, data, len, in.clam, api_collect_hash, s, &allowed);
            if (st != VIGIL_OK) {
                s->in_callback = false;
                api_set_error(s->last_error, sizeof(s->last_error), "%s", vigil_status_str(st));
                return st;
            }
            s->clam.allowed = allowed;
            if (!s->clam.raw)
                s->hash_hits.len = 0;
        }
    }

    st = ev_run(s->ev, &in, s->results);
    if (st != VIGIL_OK) {
        s->in_callback = false;
        api_set_error(s->last_error, sizeof(s->last_error), "%s",
                      st == VIGIL_E_TIMEOUT ? "scanning timed out" : vigil_status_str(st));
        return st;
    }
    bool clam_off = !s->clam.on || !s->clam.raw || s->clam.allowed;
    s->cur_in = &in;
    s->raw_report = !clam_off;
    st = api_scan_report(s, false, clam_off, fn, user);
    s->raw_report = false;
    if (st == VIGIL_OK && s->clam.on && !s->clam.allowed && !s->clam.small)
        st = api_clam_after_raw(s, &in, fn, user);
    s->in_callback = false;
    s->view = NULL;
    s->cur_in = NULL;
    if (st == VIGIL_E_ABORTED)
        return st;
    if (st != VIGIL_OK && !s->last_error[0])
        api_set_error(s->last_error, sizeof(s->last_error), "%s",
                      st == VIGIL_E_TIMEOUT ? "scanning timed out" : vigil_status_str(st));
    return st;
aborted:
    s->in_callback = false;
    s->cur_in = NULL;
    return VIGIL_E_ABORTED;
}

/* One pass of rule events: the IR_RULE_EARLY rules, or the others. YARA
 * rules come in declaration order, ClamAV signatures in clamscan's
 * (clamav_order.c). */
static vigil_status report_rules(vigil_scanner *s, bool early, bool clam_only, bool clam_off,
                                 vigil_scan_fn fn, void *user)
{
    const ir_program *p = &s->db->prog;
    bool ordered = s->clam_rank && !(s->flags & VIGIL_SCAN_REPORT_NOT_MATCHING);
    for (uint32_t i = 0; i < p->rules.len; i++) {
        uint32_t flags = p->rules.items[i].flags;
        if ((flags & IR_RULE_PRIVATE) || !(flags & IR_RULE_EARLY) != !early)
            continue;
        bool clam = p->rules.items[i].ns == s->clam_ns;
        if ((clam_off && clam) || (clam_only && !clam) || (clam && ordered))
            continue;
        vigil_event ev;
        if (s->results[i])
            ev = VIGIL_EV_RULE_MATCHING;
        else if (s->flags & VIGIL_SCAN_REPORT_NOT_MATCHING)
            ev = VIGIL_EV_RULE_NOT_MATCHING;
        else
            continue;
        vigil_status st = fn(s, ev, &s->db->rules[i], 0, user);
        if (st != VIGIL_OK)
            return st;
    }
    if (!ordered || clam_off)
        return VIGIL_OK;
    size_t n = api_clam_order(s, early, s->results);
    for (size_t k = 0; k < n; k++) {
        uint32_t r = api_clam_order_rule(s, k);
        if (s->handler && s->handler[r] != CV_FTYPE_NONE && s->raw_report) {
            bool report = false;
            vigil_status st = api_clam_handler(s, r, fn, user, &report);
            if (st != VIGIL_OK)
                return st;
            if (!report)
                continue;
        }
        vigil_status st = fn(s, VIGIL_EV_RULE_MATCHING, &s->db->rules[r], 0, user);
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

/* clamscan's order: body signatures (found while it reads the object),
 * hash signatures, then the rest */
vigil_status api_scan_report(vigil_scanner *s, bool clam_only, bool clam_off, vigil_scan_fn fn,
                             void *user)
{
    for (int pass = 0; fn && pass < 2; pass++) {
        vigil_status st = report_rules(s, pass == 0, clam_only, clam_off, fn, user);
        if (st != VIGIL_OK)
            return VIGIL_E_ABORTED;
        for (size_t k = s->hash_from; pass == 0 && !clam_off && k < s->hash_hits.len; k++) {
            api_hash_rule_fill(s->db, s->hash_hits.items[k].table, s->hash_hits.items[k].index,
                               &s->hash_rule);
            st = fn(s, VIGIL_EV_RULE_MATCHING, &s->hash_rule.rule, 0, user);
            if (st != VIGIL_OK)
                return VIGIL_E_ABORTED;
        }
    }
    return VIGIL_OK;
}

vigil_status vigil_scanner_scan_file(vigil_scanner *s, const char *path, vigil_scan_fn fn,
                                     void *user)
{
    size_t len;
    char why[256];
    vigil_status st = util_read_file_into(path, MAX_SCAN_FILE, &s->rb, &len, why, sizeof(why));
    if (st != VIGIL_OK) {
        api_set_error(s->last_error, sizeof(s->last_error), "%s", why);
        return st;
    }
    st = vigil_scanner_scan_mem(s, s->rb.p, len, fn, user);
    util_readbuf_release(&s->rb, false);
    return st;
}

/* The first pass recorded one match of each presence-only string; a caller
 * asking for string si's matches gets them all: the object is matched again
 * without fast mode, once. The evaluation stands (presence is unchanged).
 * Should that pass fail (memory), the first pass's matches are still true
 * ones and are what the caller gets. */
static void detail_pass(vigil_scanner *s, uint32_t si)
{
    if (!s->partial || !s->db->single[si])
        return;
    s->partial = false;
    if (matcher_scan(s->db->m, s->ms, s->data, s->len, s->mt_flags) != VIGIL_OK)
        matcher_scan(s->db->m, s->ms, s->data, s->len, s->mt_flags | MT_FAST);
}

size_t vigil_scanner_match_count(vigil_scanner *s, const vigil_rule *rule, size_t i)
{
    const ir_rule *r = &s->db->prog.rules.items[rule->index];
    if (!s->in_callback || !s->matched || i >= r->strings_count)
        return 0;
    detail_pass(s, r->strings_first + (uint32_t)i);
    size_t n = 0;
    mt_matches(s->ms, r->strings_first + (uint32_t)i, &n);
    return n;
}

vigil_match vigil_scanner_match(vigil_scanner *s, const vigil_rule *rule, size_t i, size_t k)
{
    vigil_match m = {0};
    const ir_rule *r = &s->db->prog.rules.items[rule->index];
    if (!s->in_callback || !s->matched || i >= r->strings_count)
        return m;
    detail_pass(s, r->strings_first + (uint32_t)i);
    size_t n = 0;
    const mt_match *ms = mt_matches(s->ms, r->strings_first + (uint32_t)i, &n);
    if (k >= n)
        return m;
    m.offset = ms[k].offset;
    m.length = ms[k].length;
    m.xor_key = ms[k].xor_key;
    if (m.offset < s->len) {
        uint64_t avail = s->len - m.offset;
        uint64_t dl = m.length < avail ? m.length : avail;
        if (dl > VIGIL_MATCH_DATA_MAX)
            dl = VIGIL_MATCH_DATA_MAX;
        m.data = s->data + m.offset;
        m.data_len = (uint32_t)dl;
    }
    return m;
}

void api_scan_full_matches(vigil_scanner *s, uint32_t si)
{
    detail_pass(s, si);
}

const char *vigil_scanner_view(const vigil_scanner *s)
{
    return s && s->in_callback ? s->view : NULL;
}
