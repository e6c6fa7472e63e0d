/*
 * clamav_passes.c - how libclamav 1.4.6 scans one object (cli_magic_scan),
 * on top of the scanner's single matching pass over its bytes:
 *
 * - The object is typed (lib/clamav/ftype.h). Its type picks the target
 *   whose signatures apply to the raw bytes next to target 0. Objects of
 *   ignored types (media, databases) get no ClamAV scan at all; HTML gets
 *   no raw scan (libclamav's HTMLSKIPRAW), only its normalised views.
 * - The raw pass: body signatures, hash signatures, logical signatures.
 * - Then, by type: text objects are scanned again as normalised text
 *   (target 7 and 0), binary data is evaluated again as "OTHER" (target 14
 *   and 0, hashes included), and ASCII text in which file-type rows found
 *   mail is evaluated again as mail (target 4 and 0).
 *
 * A second evaluation of the same bytes reuses the matches; a derived view
 * (normalised text) is matched on its own. Only ClamAV signatures are
 * reported in these passes; clamscan --allmatch prints a signature once per
 * pass it matches in, and so does vigil.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clamav/cssimg.h"
#include "../clamav/htmlnorm.h"
#include "../clamav/imghash.h"
#include "../clamav/text.h"
#include "clamav_scan.h"
#include "scanner_int.h"

/* libclamav does not scan objects of 5 bytes or less ("file too small"). */
#define CLAM_MIN_OBJECT 6

#define ALL_TARGETS 0xffffffffu

static uint32_t bit(uint32_t target)
{
    return 1u << target;
}

vigil_status api_clam_scanner_init(vigil_scanner *s)
{
    const ir_program *p = &s->db->prog;
    size_t n = 0;
    /* images are hashed only when a fuzzy_img subsignature may read it */
    for (size_t i = 0; i < p->nodes.len && !s->imghash; i++)
        s->imghash = p->nodes.items[i].op == IR_OP_CLAM_IMGHASH;
    for (size_t i = 0; i < p->rules.len; i++) {
        const ir_rule *r = &p->rules.items[i];
        n += (r->flags & IR_RULE_FTYPE) != 0;
        size_t len = 0;
        const char *ht = api_rule_meta(p, r, "handlertype", &len);
        uint16_t code;
        if (!ht || !cv_filetype_lookup(ht, len, &code))
            continue;
        if (!s->handler) {
            s->handler = malloc(p->rules.len * sizeof(*s->handler));
            if (!s->handler)
                return VIGIL_E_NOMEM;
            for (size_t j = 0; j < p->rules.len; j++)
                s->handler[j] = CV_FTYPE_NONE;
        }
        s->handler[i] = code;
    }
    if (n == 0)
        return VIGIL_OK;
    s->ftrules = calloc(n, sizeof(*s->ftrules));
    if (!s->ftrules)
        return VIGIL_E_NOMEM;
    for (size_t i = 0; i < p->rules.len; i++) {
        const ir_rule *r = &p->rules.items[i];
        size_t len = 0;
        const char *row = (r->flags & IR_RULE_FTYPE) ? api_rule_meta(p, r, "ftm", &len) : NULL;
        clam_ftrule *f = &s->ftrules[s->nftrules];
        if (!row || r->strings_count != 1 || !cv_ftype_row_parse(row, len, &f->body) ||
            f->body.magictype != 1)
            continue;
        f->string = r->strings_first;
        s->nftrules++;
    }
    return VIGIL_OK;
}

void api_clam_begin(vigil_scanner *s, cv_objinfo *oi, const uint8_t *data, size_t len)
{
    const cv_ftypes *t = &s->db->ftypes;
    clam_object *c = &s->clam;
    c->small = len < CLAM_MIN_OBJECT;
    c->allowed = false;
    c->found = CV_FTYPE_NONE;
    /* a HandlerType rescan gives the type (cli_magic_scan with a type) */
    c->forced = s->force_type;
    c->type = c->forced ? s->forced_type : cv_ftype_initial(t, data, len);
    s->force_type = false;
    c->raw = true;
    /* text and binary data may still become anything a file-type row finds */
    oi->targets = cv_ftype_is_raisable(t, c->type)
                      ? ALL_TARGETS
                      : bit(0) | bit(cv_ftype_target(t, c->type)) | bit(CV_TARGET_OTHER);
    /* libclamav hashes an image (the whole object) before its raw pass; a
     * decoding failure means no hash. Image types are never raised, so the
     * hash is known before matching, and fuzzy_img tests can gate it. */
    oi->has_imghash = false;
    uint8_t h[8];
    if (s->imghash && !c->small && cv_image_hash_applies(c->type) &&
        cv_image_fuzzy_hash(data, len, h)) {
        oi->has_imghash = true;
        oi->imghash = 0;
        for (int i = 0; i < 8; i++)
            oi->imghash = oi->imghash << 8 | h[i];
    }
}

typedef struct ft_hit {
    uint64_t end;
    uint16_t type;
} ft_hit;

static int by_end(const void *a, const void *b)
{
    const ft_hit *x = a, *y = b;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The type libclamav's matcher settles on from the file-type rows whose
 * match lies within the first `limit` bytes, in the order it reports them
 * (by end offset); CV_FTYPE_NONE when none. */
static uint16_t rows_type(vigil_scanner *s, uint64_t limit)
{
    const cv_ftypes *t = &s->db->ftypes;
    ft_hit hits[256];
    size_t nh = 0;
    for (size_t i = 0; s->matched && i < s->nftrules && nh < 256; i++) {
        size_t n = 0;
        const mt_match *m = mt_matches(s->ms, s->ftrules[i].string, &n);
        for (size_t k = 0; k < n; k++) {
            uint64_t end = m[k].offset + m[k].length;
            if (end <= limit && cv_ftype_body_at(&s->ftrules[i].body, m[k].offset, s->len)) {
                hits[nh++] = (ft_hit){end, s->ftrules[i].body.type};
                break;
            }
        }
    }
    qsort(hits, nh, sizeof(hits[0]), by_end);
    uint16_t type = CV_FTYPE_NONE;
    for (size_t i = 0; i < nh; i++)
        type = cv_ftype_raise(t, type, hits[i].type);
    return type;
}

/* Whether libclamav's raw pass parses the object as a mail because a row
 * found MHTML past its first byte (scanraw's embedded-type loop: text or
 * binary data only, whatever the type the rows settle on; a later row of
 * another SFX-class type does not undo it). */
static bool mhtml_inside(vigil_scanner *s)
{
    const cv_ftypes *t = &s->db->ftypes;
    if (!s->matched || !cv_ftype_is_raisable(t, s->clam.type))
        return false;
    for (size_t i = 0; i < s->nftrules; i++) {
        if (s->ftrules[i].body.type != t->mhtml)
            continue;
        size_t n = 0;
        const mt_match *m = mt_matches(s->ms, s->ftrules[i].string, &n);
        for (size_t k = 0; k < n; k++)
            if (m[k].offset > 0 && cv_ftype_body_at(&s->ftrules[i].body, m[k].offset, s->len))
                return true;
    }
    return false;
}

void api_clam_settle(vigil_scanner *s, cv_objinfo *oi)
{
    const cv_ftypes *t = &s->db->ftypes;
    clam_object *c = &s->clam;
    if (!c->forced && cv_ftype_is_raisable(t, c->type)) {
        uint16_t head = rows_type(s, s->len < CV_FTYPE_HEAD ? s->len : CV_FTYPE_HEAD);
        if (head != CV_FTYPE_NONE)
            c->type = head;
    }
    /* file-type rows found while the raw bytes are matched turn ASCII text
     * (and GIF, for HTML) into HTML or mail for the later passes */
    if (c->type == t->text_ascii || c->type == t->gif)
        c->found = rows_type(s, UINT64_MAX);
    c->raw = !c->small && c->type != t->ignored && c->type != t->html;
    oi->targets = bit(0) | bit(cv_ftype_target(t, c->type));
}

/* Evaluates the raw bytes' matches again for another target. */
static vigil_status reevaluate(vigil_scanner *s, ev_input *in, uint32_t target, uint8_t *results)
{
    cv_objinfo *oi = (cv_objinfo *)in->clam;
    oi->targets = bit(0) | bit(target);
    s->cur_in = in;
    return ev_run(s->ev, in, results);
}

/* Reports a pass's results (held in results, the scanner's own or the
 * stash): ClamAV signatures only, hashes again when libclamav looks them
 * up in that pass. */
static vigil_status report(vigil_scanner *s, uint8_t *results, bool hashes, vigil_scan_fn fn,
                           void *user)
{
    uint8_t *own = s->results;
    if (!s->cur_in)
        s->matched = false; /* no evaluation to count body-signature hits with */
    size_t keep = s->hash_hits.len;
    s->results = results;
    if (!hashes)
        s->hash_hits.len = 0;
    vigil_status st = api_scan_report(s, true, false, fn, user);
    s->results = own;
    s->hash_hits.len = keep;
    return st;
}

const char *api_clam_view_name(const vigil_scanner *s, const char *view, char *buf, size_t cap)
{
    if (!s->where || !view)
        return view ? view : s->where;
    snprintf(buf, cap, "%s > %s", s->where, view);
    return buf;
}

vigil_status api_clam_match(vigil_scanner *s, ev_input *in)
{
    const ir_program *p = &s->db->prog;
    size_t alive = ev_prefilter(s->ev, in, s->dead);
    /* YARA rules are reported with the scanned object alone */
    for (size_t i = 0; i < p->rules.len; i++) {
        if (p->rules.items[i].ns != s->clam_ns && !s->dead[i]) {
            s->dead[i] = 1;
            alive--;
        }
    }
    s->matched = false;
    s->partial = false;
    in->matches = NULL;
    if (alive == 0)
        return VIGIL_OK;
    /* the bytes are in memory: no dropping of pages behind the scan */
    vigil_status st = matcher_scan(s->db->m, s->ms, in->data, in->len,
                                   (s->mt_flags & ~MT_DROP_BEHIND) | MT_FAST);
    if (st != VIGIL_OK)
        return st;
    in->matches = s->ms;
    s->matched = true;
    s->partial = !(s->flags & VIGIL_SCAN_FAST);
    return VIGIL_OK;
}

/* Matches and evaluates a derived view of the object (normalised text,
 * normalised HTML) as libclamav scans it: targets 0 and `target`, no file
 * type of its own; as_file: as a file of its own (cli_scan_desc), not a
 * buffer of the object's layer (cli_scan_buff). */
static vigil_status derived_pass(vigil_scanner *s, const ev_input *parent, const uint8_t *buf,
                                 size_t len, uint32_t target, bool as_file, const char *view,
                                 vigil_scan_fn fn, void *user)
{
    static const uint8_t empty[1];
    if (!buf)
        buf = empty; /* an empty view */
    /* a view scanned as a file of its own is one layer down and looked up
     * in the hash tables (and its allow lists clear its detections) */
    bool hashes = as_file;
    uint32_t depth = ((const cv_objinfo *)parent->clam)->depth;
    cv_objinfo oi = {.data = buf, .len = len, .targets = bit(0) | bit(target),
                     .depth = as_file ? depth + 1 : depth};
    memcpy(oi.up, ((const cv_objinfo *)parent->clam)->up, sizeof(oi.up));
    ev_input in = *parent;
    in.data = buf;
    in.len = len;
    in.clam = &oi;
    in.has_entrypoint = false;
    in.matches = NULL;
    vigil_status st = api_clam_match(s, &in);
    if (st != VIGIL_OK)
        return st;
    char name[600];
    s->data = buf;
    s->len = len;
    s->view = api_clam_view_name(s, view, name, sizeof(name));
    size_t keep = s->hash_hits.len, from = s->hash_from;
    bool allowed = false;
    if (hashes && s->db->has_hashes)
        st = api_clamav_hashes(s->db, buf, len, &oi, api_collect_hash, s, &allowed);
    if (st == VIGIL_OK)
        st = ev_run(s->ev, &in, s->results);
    if (st == VIGIL_OK && !allowed) {
        s->cur_in = &in;
        if (hashes) {
            /* the view's own hash hits follow the object's, which a later
             * pass may report again */
            s->hash_from = keep;
            st = api_scan_report(s, true, false, fn, user);
            s->hash_from = from;
        } else {
            s->buffer_view = true;
            st = report(s, s->results, false, fn, user);
            s->buffer_view = false;
        }
        s->cur_in = NULL;
    }
    s->hash_hits.len = keep;
    return st;
}

/* clamscan's normalised-text pass (cli_scanscript). */
static vigil_status text_pass(vigil_scanner *s, const ev_input *in, vigil_scan_fn fn, void *user)
{
    const uint8_t *data = in->data;
    size_t len = in->len;
    if (len > CV_TEXT_MAX_NORMALISE)
        return VIGIL_OK;
    if (s->norm_cap < len) {
        uint8_t *n = realloc(s->norm, len);
        if (!n)
            return VIGIL_E_NOMEM;
        s->norm = n;
        s->norm_cap = len;
    }
    size_t n = cv_text_normalise(data, len, 0, s->norm, s->norm_cap);
    /* libclamav scans it as a file of its own when a target-7 signature has
     * a relative offset, else in buffers of the object's own layer */
    return derived_pass(s, in, s->norm, n, CV_TARGET_TEXT, s->db->clam_text_reloff,
                        "normalised text", fn, user);
}

/* clamscan's HTML passes (cli_scanhtml): the normalised document, its text
 * outside tags (both as HTML: targets 3 and 0) and its scripts (as HTML,
 * then as text), each looked up in the hash tables like a file. */
static vigil_status html_passes(vigil_scanner *s, const ev_input *in, vigil_scan_fn fn,
                                void *user)
{
    if (in->len > CV_HTML_MAX_NORMALIZE)
        return VIGIL_OK;
    cv_html_out out;
    cv_html_limits lim = {.max_output = (size_t)CV_HTML_MAX_NORMALIZE * 4};
    cv_html_status hs = cv_html_normalise(in->data, in->len, &lim, &out);
    if (hs == CV_HTML_NOMEM)
        return VIGIL_E_NOMEM;
    if (hs != CV_HTML_OK)
        return VIGIL_OK; /* past the guard on memory: nothing to scan */
    /* first the images in the CSS of its <style> blocks, each an object of
     * its own inside the HTML (scanned while libclamav normalises) */
    cv_css_out css;
    if (cv_css_images_html(&out, &css) != CV_CSS_OK) {
        cv_html_out_free(&out);
        return VIGIL_E_NOMEM;
    }
    vigil_status st = VIGIL_OK;
    for (size_t i = 0; st == VIGIL_OK && i < css.n_images; i++)
        if (css.images[i].len > 0)
            st = api_clam_child(s, in, s->db->ftypes.html, false, css.images[i].data,
                                css.images[i].len, "HTML <style> image", fn, user);
    cv_css_out_free(&css);
    if (st == VIGIL_OK && out.nocomment.exists)
        st = derived_pass(s, in, out.nocomment.data, out.nocomment.len, CV_TARGET_HTML, true,
                          "normalised HTML", fn, user);
    if (st == VIGIL_OK && out.notags.exists && in->len <= CV_HTML_MAX_NOTAGS)
        st = derived_pass(s, in, out.notags.data, out.notags.len, CV_TARGET_HTML, true,
                          "HTML text without tags", fn, user);
    if (st == VIGIL_OK && out.javascript.exists)
        st = derived_pass(s, in, out.javascript.data, out.javascript.len, CV_TARGET_HTML, true,
                          "HTML scripts", fn, user);
    if (st == VIGIL_OK && out.javascript.exists)
        st = derived_pass(s, in, out.javascript.data, out.javascript.len, CV_TARGET_TEXT, true,
                          "HTML scripts as text", fn, user);
    /* then the files libclamav writes for data: URIs (a MIME header and the
     * payload), each scanned as a normalised layer inside the HTML (in the
     * order of the document; clamscan reads their folder in whatever order
     * the file system gives) */
    for (size_t i = 0; st == VIGIL_OK && i < out.n_rfc2397; i++)
        if (out.rfc2397[i].exists)
            st = api_clam_child(s, in, s->db->ftypes.html, true, out.rfc2397[i].data,
                                out.rfc2397[i].len, "HTML data: URI", fn, user);
    cv_html_out_free(&out);
    return st;
}

/* Whether libclamav parses an object of this type as a mail (cli_scanmail). */
static bool is_mail(const cv_ftypes *t, uint16_t type)
{
    return type == t->mail || type == t->mhtml;
}

vigil_status api_clam_before_raw(vigil_scanner *s, const ev_input *in, vigil_scan_fn fn,
                                 void *user)
{
    /* a mail's parts are scanned before the mail's raw bytes (cli_scanmail
     * comes before scanraw in cli_magic_scan) */
    if (!is_mail(&s->db->ftypes, s->clam.type) || s->clam.small)
        return VIGIL_OK;
    return api_clam_mail_parts(s, in, s->clam.type, fn, user);
}

vigil_status api_clam_rematch(vigil_scanner *s, const ev_input *in)
{
    /* a fast pass, as the first one was, so a later report that needs
     * every match runs the detail pass again */
    if (!s->matched)
        return VIGIL_OK;
    s->partial = !(s->flags & VIGIL_SCAN_FAST);
    return matcher_scan(s->db->m, s->ms, in->data, in->len, s->mt_flags | MT_FAST);
}

vigil_status api_clam_raised(vigil_scanner *s, const ev_input *in, uint16_t initial,
                             vigil_scan_fn fn, void *user)
{
    const cv_ftypes *t = &s->db->ftypes;
    if (s->clam.type == initial || is_mail(t, initial) || !is_mail(t, s->clam.type) ||
        s->clam.small)
        return VIGIL_OK;
    vigil_status st = api_clam_mail_parts(s, in, s->clam.type, fn, user);
    /* the object's own matches again, for its raw pass */
    return st == VIGIL_OK ? api_clam_rematch(s, in) : st;
}

vigil_status api_clam_after_raw(vigil_scanner *s, ev_input *in, vigil_scan_fn fn, void *user)
{
    const cv_ftypes *t = &s->db->ftypes;
    const clam_object *c = &s->clam;
    vigil_status st = VIGIL_OK;
    /* HTML has no raw pass: its views are all there is (libclamav scans
     * them before the raw pass it skips; YARA rules were reported first) */
    if (c->type == t->html || (c->type == t->gif && c->found == t->html))
        return html_passes(s, in, fn, user);
    bool mhtml = mhtml_inside(s);
    if (cv_ftype_other_pass(t, c->type)) {
        /* binary data in which the raw pass found MHTML is parsed as a mail
         * first (a .mo catalogue with a MIME header inside, say) */
        if (mhtml) {
            st = api_clam_mail_parts(s, in, t->mhtml, fn, user);
            if (st == VIGIL_OK)
                st = api_clam_rematch(s, in);
        }
        /* binary data is looked at once more as "OTHER" (target 14), hashes
         * included */
        if (st == VIGIL_OK)
            st = reevaluate(s, in, CV_TARGET_OTHER, s->results);
        if (st == VIGIL_OK)
            st = report(s, s->results, true, fn, user);
        return st;
    }
    if (!cv_ftype_is_text(t, c->type))
        return VIGIL_OK;
    bool html = c->type == t->text_ascii && c->found == t->html;
    bool mail = c->type == t->text_ascii && c->found == t->mail;
    /* the mail pass comes last but reads the raw matches, which the parts,
     * text and HTML passes replace */
    if (mail)
        st = reevaluate(s, in, CV_TARGET_MAIL, s->stash);
    /* text in which the raw pass found a mail (or MHTML) is parsed as one
     * right after that pass (libclamav's scanraw): its parts see the type
     * found as their container */
    if (st == VIGIL_OK && (mail || mhtml))
        st = api_clam_mail_parts(s, in, mhtml ? t->mhtml : t->mail, fn, user);
    if (st == VIGIL_OK && html)
        st = html_passes(s, in, fn, user);
    if (st == VIGIL_OK && !html)
        st = text_pass(s, in, fn, user);
    if (st == VIGIL_OK && mail) {
        /* the matches in hand are the normalised text's: this pass's
         * detections come without string details */
        s->data = in->data;
        s->len = in->len;
        s->view = s->where;
        s->matched = false;
        s->cur_in = NULL;
        st = report(s, s->stash, true, fn, user);
    }
    return st;
}
