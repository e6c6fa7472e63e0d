/*
 * clamav_child.c - objects libclamav derives from an object and scans as
 * objects of their own, one layer below it (cli_magic_scan_nested_*): each
 * is typed from its own bytes and gets every pass an object gets (raw,
 * normalised text, HTML views, hash signatures, its own children). Mail
 * parts are the first such objects (cli_scanmail); archive members will be
 * the next.
 *
 * Only ClamAV signatures see children: YARA rules are evaluated on the
 * scanned object alone, as yara does. A child reuses the scanner's matcher
 * scratch and result buffers, so it runs where the parent no longer needs
 * them, and the parent state a later pass reads is saved around it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../clamav/mail.h"
#include "clamav_scan.h"
#include "scanner_int.h"

/* The parent state a child scan overwrites and the parent reads again. */
typedef struct saved_state {
    const uint8_t *data;
    size_t len;
    const char *view, *where;
    const ev_input *cur_in;
    bool matched, partial;
    clam_object clam;
    size_t hash_len, hash_from;
    uint8_t *stash;
} saved_state;

static void save(const vigil_scanner *s, saved_state *v)
{
    *v = (saved_state){s->data, s->len, s->view, s->where, s->cur_in, s->matched, s->partial,
                       s->clam, s->hash_hits.len, s->hash_from, s->stash};
}

static void restore(vigil_scanner *s, const saved_state *v)
{
    s->data = v->data;
    s->len = v->len;
    s->view = v->view;
    s->where = v->where;
    s->cur_in = v->cur_in;
    s->matched = v->matched;
    s->partial = v->partial;
    s->clam = v->clam;
    s->hash_hits.len = v->hash_len;
    s->hash_from = v->hash_from;
    s->stash = v->stash;
}

/* One child object, from typing to its last pass. */
static vigil_status scan_child(vigil_scanner *s, const ev_input *parent, uint16_t parent_type,
                               bool normalized, const uint8_t *data, size_t len,
                               vigil_scan_fn fn, void *user)
{
    static const uint8_t empty[1];
    if (!data)
        data = empty;
    cv_objinfo oi;
    cv_objinfo_init(&oi, data, len);
    if (normalized) {
        /* one layer down, the parent's enclosing types unchanged */
        oi.depth = parent->clam->depth + 1;
        memcpy(oi.up, parent->clam->up, sizeof(oi.up));
        oi.normalized = true;
        oi.outer_type = parent_type;
    } else {
        api_clam_nest(&oi, parent->clam, parent_type);
    }
    ev_input in = *parent;
    in.data = data;
    in.len = len;
    in.clam = &oi;
    in.has_entrypoint = false;
    in.matches = NULL;
    api_clam_begin(s, &oi, data, len);
    if (s->clam.small)
        return VIGIL_OK;
    vigil_status st = api_clam_before_raw(s, &in, fn, user);
    if (st != VIGIL_OK)
        return st;
    st = api_clam_match(s, &in);
    if (st != VIGIL_OK)
        return st;
    s->data = data;
    s->len = len;
    s->view = s->where;
    uint16_t initial = s->clam.type;
    api_clam_settle(s, &oi);
    st = api_clam_raised(s, &in, initial, fn, user);
    if (st != VIGIL_OK)
        return st;
    /* the child's hash hits follow the parent's, which a later pass of the
     * parent may report again */
    s->hash_from = s->hash_hits.len;
    bool allowed = false;
    if (s->db->has_hashes) {
        st = api_clamav_hashes(s->db, data, len, &oi, api_collect_hash, s, &allowed);
        if (st != VIGIL_OK)
            return st;
        if (!s->clam.raw)
            s->hash_hits.len = s->hash_from;
    }
    if (allowed)
        return VIGIL_OK;
    st = ev_run(s->ev, &in, s->results);
    s->cur_in = &in;
    bool was_raw = s->raw_report;
    s->raw_report = true;
    if (st == VIGIL_OK && s->clam.raw)
        st = api_scan_report(s, true, false, fn, user);
    s->raw_report = was_raw;
    if (st == VIGIL_OK)
        st = api_clam_after_raw(s, &in, fn, user);
    s->cur_in = NULL;
    return st;
}

void api_clam_nest(cv_objinfo *oi, const cv_objinfo *outer, uint16_t outer_type)
{
    oi->depth = outer->depth + 1;
    oi->up[0] = outer->normalized ? outer->outer_type : outer_type;
    memmove(oi->up + 1, outer->up, (CV_MAX_UP - 1) * sizeof(oi->up[0]));
}

vigil_status api_clam_child(vigil_scanner *s, const ev_input *parent, uint16_t parent_type,
                            bool normalized, const uint8_t *data, size_t len, const char *view,
                            vigil_scan_fn fn, void *user)
{
    saved_state v;
    save(s, &v);
    /* a child's mail pass holds its results apart like its parent's, and
     * the parent may still evaluate with its own dead rules */
    size_t nrules = s->db->prog.rules.len ? s->db->prog.rules.len : 1;
    uint8_t *dead = malloc(nrules);
    s->stash = calloc(nrules, 1);
    vigil_status st = s->stash && dead ? VIGIL_OK : VIGIL_E_NOMEM;
    /* reports name the path to the child */
    char where[500];
    s->where = api_clam_view_name(s, view, where, sizeof(where));
    if (st == VIGIL_OK) {
        memcpy(dead, s->dead, s->db->prog.rules.len);
        st = scan_child(s, parent, parent_type, normalized, data, len, fn, user);
        memcpy(s->dead, dead, s->db->prog.rules.len);
    }
    free(s->stash);
    free(dead);
    restore(s, &v);
    return st;
}

/* fileblobScan checks a part's metadata before scanning it, by the name
 * libclamav's blob keeps (sanitiseName: every byte but letters, digits,
 * '.' and '_' becomes '_'). */
static vigil_status part_meta(vigil_scanner *s, const ev_input *mail, uint16_t mail_type,
                              const cv_mail_part *part, const char *label, vigil_scan_fn fn,
                              void *user)
{
    char *name = strdup(part->name ? part->name : "");
    if (!name)
        return VIGIL_E_NOMEM;
    for (char *c = name; *c; c++) {
        unsigned char b = (unsigned char)*c;
        if (b != '.' && b != '_' && !(b >= '0' && b <= '9') && !(b >= 'A' && b <= 'Z') &&
            !(b >= 'a' && b <= 'z'))
            *c = '_';
    }
    api_clam_member m = {
        .container_type = mail->clam->normalized ? mail->clam->outer_type : mail_type,
        .container_size = mail->len,
        .name = name,
        .packed_size = part->len,
        .size = part->len,
        .label = label,
    };
    vigil_status st = api_clam_meta(s, &m, fn, user);
    free(name);
    return st;
}

vigil_status api_clam_mail_parts(vigil_scanner *s, const ev_input *mail, uint16_t mail_type,
                                 vigil_scan_fn fn, void *user)
{
    /* clamscan's --max-recursion default: deeper objects are not scanned */
    if (mail->clam->depth + 1 >= CV_MAIL_MAX_RECURSION)
        return VIGIL_OK;
    cv_mail_out out;
    cv_mail_status ms = cv_mail_parts(mail->data, mail->len, NULL, &out);
    if (ms == CV_MAIL_NOMEM)
        return VIGIL_E_NOMEM;
    if (ms != CV_MAIL_OK)
        return VIGIL_OK; /* past the guard on the parts' total size */
    /* the parts libclamav scans as it writes them, then those its final
     * scan of the mail's folder finds (in the order written: clamscan's
     * is the folder's, which varies from run to run), when cli_mbox
     * succeeded */
    vigil_status st = VIGIL_OK;
    for (int deferred = 0; deferred < (out.no_folder_scan ? 1 : 2); deferred++) {
        for (size_t i = 0; st == VIGIL_OK && i < out.n_parts; i++) {
            if (out.parts[i].deferred != (deferred == 1))
                continue;
            char label[300];
            snprintf(label, sizeof(label), "mail part \"%.280s\"", out.parts[i].name);
            if (!deferred && s->db->ncdb)
                st = part_meta(s, mail, mail_type, &out.parts[i], label, fn, user);
            if (st == VIGIL_OK)
                st = api_clam_child(s, mail, mail_type, false, out.parts[i].data,
                                    out.parts[i].len, label, fn, user);
        }
    }
    cv_mail_out_free(&out);
    return st;
}

vigil_status api_clam_handler(vigil_scanner *s, uint32_t rule, vigil_scan_fn fn, void *user,
                              bool *report)
{
    uint8_t md5[16];
    unsigned int ml = 0;
    *report = !s->cur_in; /* no evaluation to rescan from: report, as without a hash */
    if (*report)
        return VIGIL_OK;
    if (!EVP_Digest(s->data, s->len, md5, &ml, EVP_md5(), NULL))
        return VIGIL_E_NOMEM;
    if (s->ht_set && memcmp(md5, s->ht_md5, sizeof(md5)) == 0) {
        *report = true; /* the rescan itself, or another signature after it */
        return VIGIL_OK;
    }
    memcpy(s->ht_md5, md5, sizeof(md5));
    s->ht_set = true;
    /* libclamav's recursion limit stops the rescan, and the signature
     * then does not report either */
    if (s->cur_in->clam->depth + 1 >= CV_MAIL_MAX_RECURSION)
        return VIGIL_OK;
    /* the rest of this report reads its order and results, which the
     * rescan's own passes overwrite */
    size_t nkeys = s->order_keys.len, nrules = s->db->prog.rules.len;
    clam_keyed *keys = malloc((nkeys ? nkeys : 1) * sizeof(*keys));
    uint8_t *results = malloc(nrules ? nrules : 1);
    if (!keys || !results) {
        free(keys);
        free(results);
        return VIGIL_E_NOMEM;
    }
    memcpy(keys, s->order_keys.items, nkeys * sizeof(*keys));
    memcpy(results, s->results, nrules);
    const ev_input *parent = s->cur_in;
    bool was_raw = s->raw_report;
    char label[80];
    snprintf(label, sizeof(label), "rescanned as %s", cv_filetype_names[s->handler[rule]]);
    s->force_type = true;
    s->forced_type = s->handler[rule];
    /* the rescan's own raw pass is its raw report; its later passes
     * (views, parts) are not */
    s->raw_report = false;
    vigil_status st = api_clam_child(s, parent, s->clam.type, false, s->data, s->len, label, fn,
                                     user);
    s->force_type = false;
    s->raw_report = was_raw;
    memcpy(s->results, results, nrules);
    s->order_keys.len = 0;
    if (!vec_reserve(&s->order_keys, nkeys))
        st = st == VIGIL_OK ? VIGIL_E_NOMEM : st;
    else {
        memcpy(s->order_keys.items, keys, nkeys * sizeof(*keys));
        s->order_keys.len = nkeys;
    }
    free(keys);
    free(results);
    if (st == VIGIL_OK)
        st = api_clam_rematch(s, parent);
    return st;
}
