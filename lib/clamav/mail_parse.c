/*
 * mail_parse.c - libclamav's mail structure walk (mbox.c parseEmailBody):
 * the MIME multipart walk (parts read up to each boundary, kept or handled
 * at once by subtype), nested multiparts and message/rfc822 parts, the
 * text it collects from plain parts (saved as "textpart", searched for
 * bounces), what is saved of a message that is not multipart, mbox
 * splitting, and the order in which all of it is written. Nesting
 * recursion carries an explicit depth bounded by the limits (libclamav's
 * maxreclevel). Reading lines and headers: mail_read.c; the bounce, text
 * and BinHex files: mail_export.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/mail_int.h"

enum { ST_FAIL, ST_OK, ST_OK_NOT_SAVED, ST_MAXREC, ST_MAXFILES };

/* libclamav's HEURISTIC_EMAIL_MAX_MIME_PARTS_PER_MESSAGE: past it the parts
 * kept for later are dropped (no verdict unless --alert-exceeds-max) */
#define ML_MAX_PARTS 1024

enum {
    SUB_PLAIN = 1, SUB_ENRICHED, SUB_HTML, SUB_RICHTEXT, SUB_MIXED, SUB_ALTERNATIVE,
    SUB_DIGEST, SUB_SIGNED, SUB_PARALLEL, SUB_RELATED, SUB_REPORT, SUB_APPLEDOUBLE,
    SUB_ENCRYPTED, SUB_KNOWBOT
};

static int subtype_find(const char *s)
{
    static const struct {
        const char *k;
        int v;
    } t[] = {{"plain", SUB_PLAIN},        {"enriched", SUB_ENRICHED},
             {"html", SUB_HTML},          {"richtext", SUB_RICHTEXT},
             {"mixed", SUB_MIXED},        {"alternative", SUB_ALTERNATIVE},
             {"digest", SUB_DIGEST},      {"signed", SUB_SIGNED},
             {"parallel", SUB_PARALLEL},  {"related", SUB_RELATED},
             {"report", SUB_REPORT},      {"appledouble", SUB_APPLEDOUBLE},
             {"fax-message", SUB_MIXED},  {"encrypted", SUB_ENCRYPTED},
             {"x-bfile", SUB_RELATED},    {"knowbot", SUB_KNOWBOT},
             {"knowbot-metadata", SUB_KNOWBOT}, {"knowbot-code", SUB_KNOWBOT},
             {"knowbot-state", SUB_KNOWBOT}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcasecmp(s, t[i].k) == 0)
            return t[i].v;
    return -1;
}

static int parse_body(ml_ctx *c, ml_msg *msg, ml_text *text_in, unsigned depth);

static void save_text_part(ml_ctx *c, ml_msg *m, cv_mail_kind kind)
{
    ml_msg_add_argument(c, m, "filename=textportion");
    if (ml_msg_to_file(c, m, kind, true, false))
        c->files++;
}

/* checkURLs: clamscan looks for phishing URLs in text parts (its default
 * databases options enable it) by exporting the part into memory first.
 * That export changes the message as a file export would (the yEnc start
 * is consumed, "name=attachment" or a guessed encoding added), which
 * decides what libclamav writes for it afterwards; the memory is dropped. */
static void check_urls(ml_ctx *c, ml_msg *m)
{
    ml_buf b = {0};
    ml_msg_export(c, m, &b, NULL, false, NULL);
    free(b.d);
}

/* textAddMessage into the text being collected: *t is the caller's
 * (text_in) or ours; when libclamav loses the text ours is freed. */
static void add_text(ml_ctx *c, ml_text **t, const ml_text *text_in, ml_msg *m)
{
    ml_text *old = *t;
    if (ml_text_add_message(c, t, m) == 0 && old) {
        if (old != text_in) {
            ml_text_free(old);
            free(old);
        }
        *t = NULL;
    }
}

static void drop_text(ml_text **t, const ml_text *text_in)
{
    if (*t && *t != text_in) {
        ml_text_free(*t);
        free(*t);
    }
    *t = NULL;
}

/* do_multipart: one part of a mixed-like multipart. *main_gone: whether
 * libclamav's mainMessage is NULL by now (its BinHex export needs it). */
static bool do_multipart(ml_ctx *c, ml_msg *main_msg, ml_msg *a, int *rc, ml_text **tptr,
                         unsigned depth, bool *main_gone)
{
    bool add_to_text = false;
    if (*rc != ST_OK)
        return true;
    switch (a->mime) {
    case ML_APPLICATION:
    case ML_AUDIO:
    case ML_IMAGE:
    case ML_VIDEO:
        break;
    case ML_NOMIME:
        /* a part without headers holding a BinHex line: the first such
         * part exports the whole multipart's text, later ones their own */
        if (!*main_gone) {
            if (a->binhex)
                ml_export_binhex(c, main_msg);
            *main_gone = true;
        } else if (a->binhex) {
            ml_export_binhex(c, a);
            ml_msg_reset(a);
        }
        add_to_text = true;
        break;
    case ML_TEXT: {
        const char *dt = ml_msg_disposition(a);
        if (strcasecmp(dt, "attachment") == 0)
            break;
        if (*dt == '\0' || strcasecmp(dt, "inline") == 0) {
            *main_gone = true;
            if (subtype_find(ml_msg_subtype(a)) == SUB_PLAIN &&
                ml_msg_encoding(a) == ML_NOENCODING) {
                if (!ml_msg_has_filename(a))
                    add_to_text = true;
            } else {
                check_urls(c, a);
                ml_msg_add_argument(c, a, "filename=mixedtextportion");
            }
            break;
        }
        return true;
    }
    case ML_MESSAGE: {
        ml_enc e = ml_msg_encoding(a);
        if ((e == ML_NOENCODING || e == ML_8BIT || e == ML_BINARY) && !a->encoding)
            return true;
        /* (libclamav 1.4.6 does not prepend its "Received: by clamd" line
         * here: measured) */
        save_text_part(c, a, CV_MAIL_RFC822);
        return true;
    }
    case ML_MULTIPART:
        *rc = parse_body(c, a, *tptr, depth + 1);
        return true;
    default:
        break;
    }
    if (ml_msg_to_file(c, a, CV_MAIL_ATTACHMENT, true, true) && !add_to_text)
        c->files++;
    return true;
}

static int get_text_part(ml_msg **msgs, size_t n)
{
    int tp = -1;
    for (size_t i = 0; i < n; i++)
        if (msgs[i] && msgs[i]->mime == ML_TEXT) {
            if (strcasecmp(ml_msg_subtype(msgs[i]), "html") == 0)
                return (int)i;
            tp = (int)i;
        }
    return tp;
}

static void free_msgs(ml_msg **msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (msgs[i]) {
            ml_msg_reset(msgs[i]);
            free(msgs[i]);
        }
    free(msgs);
}

static int parse_multipart(ml_ctx *c, ml_msg *main_msg, ml_text *text_in, ml_text **atext,
                           unsigned depth, bool *main_gone)
{
    char *boundary = ml_msg_find_argument(c, main_msg, "boundary");
    if (!boundary)
        return -1; /* treated as NOMIME */
    ml_chomp(boundary);
    const char *subname = ml_msg_subtype(main_msg);
    if (subname[0] == '\0') {
        ml_msg_set_subtype(c, main_msg, "alternative");
        subname = ml_msg_subtype(main_msg);
    }
    ml_text *body = &main_msg->body;
    size_t t;
    for (t = 0; t < body->n; t++) {
        const char *l = body->l[t];
        if (!l)
            continue;
        if (ml_boundary_start(c, l, boundary))
            break;
        /* BinHex ahead of the first boundary: the message's text is
         * written (see ml_export_binhex); a Content-Transfer-Encoding line
         * there in an unencoded message: libclamav starts the parts at
         * it */
        if (main_msg->binhex == t + 1)
            ml_export_binhex(c, main_msg);
        else if (t + 1 < body->n && main_msg->encoding == t + 2 &&
                 ml_msg_encoding(main_msg) == ML_NOENCODING)
            break;
    }
    if (t >= body->n) {
        free(boundary);
        return -1;
    }
    int sub = subtype_find(subname);
    bool inhead = true;
    bool inmimehead = false;
    int rc = ST_OK;
    ml_msg **msgs = NULL;
    size_t nmsgs = 0;
    while (t < body->n) {
        if (c->nomem)
            break;
        ml_msg *a = calloc(1, sizeof(*a));
        ml_msg **nm = a ? realloc(msgs, (nmsgs + 1) * sizeof(*nm)) : NULL;
        if (!nm) {
            free(a);
            c->nomem = true;
            break;
        }
        msgs = nm;
        ml_msg_init(a);
        a->has_ctx = true;
        msgs[nmsgs++] = a;
        for (t++; t < body->n; t++)
            if (body->l[t] && strlen(body->l[t]) > 0)
                break;
        if (t >= body->n) {
            /* an empty last part is dropped, unless the message has BinHex
             * or libclamav has let go of it (mainMessage NULL): then it
             * stays, an empty part, and the multipart has parts */
            if (!*main_gone && !main_msg->binhex) {
                ml_msg_reset(a);
                free(a);
                msgs[--nmsgs] = NULL;
            }
            continue;
        }
        for (; t < body->n; t++) {
            const char *line = body->l[t];
            if (inmimehead) {
                if (!line) {
                    inmimehead = false;
                    continue;
                }
                ml_parse_header(c, a, line);
                while (isspace((unsigned char)*line))
                    line++;
                if (*line == '\0') {
                    inhead = inmimehead = false;
                    continue;
                }
                inmimehead = false;
                ml_msg_add_argument(c, a, line);
            } else if (inhead) {
                if (!line) {
                    if (t + 1 < body->n && body->l[t + 1]) {
                        const char *d = body->l[t + 1];
                        if (ml_msg_encoding(a) == ML_NOENCODING && a->mime == ML_APPLICATION &&
                            strstr(d, "base64")) {
                            ml_msg_set_encoding(c, a, "base64", 0);
                            continue;
                        }
                        if (strncmp(d, "Content", 7) == 0 || strncmp(d, "filename=", 9) == 0)
                            continue;
                    }
                    inhead = false;
                    continue;
                }
                if (isspace((unsigned char)*line)) {
                    ml_msg_add_argument(c, a, line);
                    if (a->mime == ML_NOMIME)
                        ml_msg_set_mime(a, "application");
                    continue;
                }
                inmimehead = false;
                char *full = ml_rfc822comments(c, line);
                if (!full)
                    full = ml_strdup(c, line);
                if (!full)
                    break;
                while (ml_next_is_folded(body, t)) {
                    t++;
                    const char *data = body->l[t];
                    if (data[1] == '\0') {
                        inhead = false;
                        break;
                    }
                    size_t n = strlen(full) + strlen(data) + 1;
                    char *p = n > 1024 * 1024 ? NULL : realloc(full, n);
                    if (!p)
                        break;
                    full = p;
                    strcat(full, data);
                }
                ml_parse_header(c, a, full);
                free(full);
            } else if (ml_boundary_end(line, boundary)) {
                break;
            } else if (ml_boundary_start(c, line, boundary)) {
                inhead = true;
                break;
            } else {
                if (!ml_msg_add_line(c, a, line))
                    break;
            }
        }
        switch (sub) {
        case SUB_MIXED:
        case SUB_ALTERNATIVE:
        case SUB_REPORT:
        case SUB_DIGEST:
        case SUB_APPLEDOUBLE:
        case SUB_KNOWBOT:
        case -1: {
            int old = rc;
            do_multipart(c, main_msg, a, &rc, atext, depth, main_gone);
            if (rc == ST_OK_NOT_SAVED && old == ST_OK)
                rc = ST_OK;
            ml_msg_reset(a);
            free(a);
            msgs[--nmsgs] = NULL;
            break;
        }
        case SUB_RELATED:
        case SUB_ENCRYPTED:
        case SUB_SIGNED:
        case SUB_PARALLEL:
            break;
        default:
            ml_msg_reset(a);
            free(a);
            msgs[--nmsgs] = NULL;
        }
        /* (a limit hit in a part does not stop the walk: later parts are
         * still read, and do_multipart skips them) */
    }
    free(boundary);
    if (sub == SUB_KNOWBOT || sub == -1)
        sub = SUB_MIXED;
    if (nmsgs >= ML_MAX_PARTS) {
        /* HEURISTIC_EMAIL_MAX_MIME_PARTS_PER_MESSAGE: the kept parts are
         * dropped and the message goes on as one without MIME */
        free_msgs(msgs, nmsgs);
        return -1;
    }
    if (nmsgs == 0 && *atext == NULL) {
        free_msgs(msgs, nmsgs);
        return rc == ST_MAXREC ? ST_MAXREC : ST_OK_NOT_SAVED;
    }
    switch (sub) {
    case SUB_RELATED: {
        /* the HTML (else the last text) part's text is collected, and the
         * part parsed with it (so a text/plain one is collected twice),
         * else the first multipart part is parsed */
        int tp = get_text_part(msgs, nmsgs);
        if (tp >= 0) {
            if (msgs[tp]->body.n)
                add_text(c, atext, text_in, msgs[tp]);
        } else {
            for (size_t i = 0; i < nmsgs; i++)
                if (msgs[i]->mime == ML_MULTIPART) {
                    tp = (int)i;
                    break;
                }
        }
        if (tp != -1) {
            rc = parse_body(c, msgs[tp], *atext, depth + 1);
            if (rc == ST_OK) {
                ml_msg_reset(msgs[tp]);
                free(msgs[tp]);
                msgs[tp] = NULL;
            }
        }
    }
        /* fall through */
    case SUB_DIGEST:
    case SUB_ALTERNATIVE:
    case SUB_REPORT:
    case SUB_ENCRYPTED:
    case SUB_MIXED:
    case SUB_APPLEDOUBLE:
        if (*atext)
            *main_gone = true;
        for (size_t i = 0; i < nmsgs; i++) {
            if (!msgs[i])
                continue;
            do_multipart(c, main_msg, msgs[i], &rc, atext, depth + 1, main_gone);
            ml_msg_reset(msgs[i]);
            free(msgs[i]);
            msgs[i] = NULL;
            if (rc == ST_MAXREC)
                break;
            if (rc == ST_OK_NOT_SAVED)
                rc = ST_OK;
        }
        break;
    case SUB_SIGNED:
    case SUB_PARALLEL:
        if (msgs) {
            int tp = get_text_part(msgs, nmsgs);
            if (tp == -1)
                tp = 0;
            rc = parse_body(c, msgs[tp], *atext, depth + 1);
        }
        break;
    default:
        break;
    }
    if (*atext && !text_in)
        ml_save_text(c, NULL, *atext, 0, "textpart", CV_MAIL_TEXTPART);
    drop_text(atext, text_in);
    free_msgs(msgs, nmsgs);
    return rc;
}

static int parse_body(ml_ctx *c, ml_msg *msg, ml_text *text_in, unsigned depth)
{
    unsigned maxrec = c->lim->max_recursion ? c->lim->max_recursion : CV_MAIL_MAX_RECURSION;
    unsigned maxfiles = c->lim->max_files ? c->lim->max_files : CV_MAIL_MAX_FILES;
    if (depth > maxrec) {
        c->out->hit_recursion = true;
        return ST_MAXREC;
    }
    if (c->files >= maxfiles) {
        c->out->hit_max_files = true;
        return ST_MAXFILES;
    }
    int rc = ST_OK;
    ml_text *atext = text_in;
    bool main_gone = false;
    if (msg && msg->body.n) {
        ml_mime mime = msg->mime;
        int sub = subtype_find(ml_msg_subtype(msg));
        if (mime == ML_TEXT && sub == SUB_PLAIN) {
            mime = ML_NOMIME;
            ml_msg_set_subtype(c, msg, "");
        } else if (mime == ML_MESSAGE && strcasecmp(ml_msg_subtype(msg), "rfc822-headers") == 0) {
            mime = ML_NOMIME;
            ml_msg_set_subtype(c, msg, "");
        }
        switch (mime) {
        case ML_NOMIME:
            /* plain text joins the collected text (bounce search, textpart) */
            add_text(c, &atext, text_in, msg);
            check_urls(c, msg);
            break;
        case ML_TEXT:
            check_urls(c, msg);
            break;
        case ML_MULTIPART: {
            int r = parse_multipart(c, msg, text_in, &atext, depth, &main_gone);
            if (r >= 0)
                return r;
            break;
        }
        case ML_MESSAGE: {
            /* rfc822 and delivery-status are parsed as messages (when their
             * headers are mail, the part itself is emptied), disposition-
             * notification is kept as it is; both then go on to the bounce
             * and text checks below. message/partial is reassembled only
             * with --scan-mail-partial-message (off in clamscan): it and
             * the other subtypes fail. */
            const char *st = ml_msg_subtype(msg);
            rc = ST_FAIL;
            if (strcasecmp(st, "rfc822") == 0 || strcasecmp(st, "delivery-status") == 0) {
                ml_msg inner;
                if (ml_parse_email_headers(c, msg, &inner)) {
                    inner.has_ctx = true;
                    ml_msg_reset(msg);
                    if (inner.body.n)
                        rc = parse_body(c, &inner, NULL, depth + 1);
                    ml_msg_reset(&inner);
                }
                break;
            }
            if (strcasecmp(st, "disposition-notification") == 0) {
                rc = ST_OK;
                break;
            }
            return rc;
        }
        case ML_AUDIO:
        case ML_VIDEO:
        case ML_IMAGE:
            break;
        default:
            if (ml_msg_to_file(c, msg, CV_MAIL_ATTACHMENT, true, false)) {
                c->files++;
                main_gone = true;
            }
            break;
        }
    }
    if (atext && !text_in)
        ml_bounce_search(c, atext);
    drop_text(&atext, text_in);
    if (!msg || main_gone || c->nomem)
        return rc;
    if (msg->body.n && msg->encoding && msg->bounce) {
        ml_export_bounce(c, &msg->body, msg->bounce - 1);
        return rc;
    }
    bool save = true;
    if (msg->mime == ML_MESSAGE) {
        save = msg->encoding != 0;
    } else if (msg->body.n && msg->encoding) {
        /* "some bounces include the message body without the headers" */
        ml_save_text(c, "Received: by clamd (bounce)\n", &msg->body, msg->encoding - 1, "bounce",
                  CV_MAIL_BOUNCE);
        save = false;
    }
    if (save)
        save_text_part(c, msg, CV_MAIL_TEXTPORTION);
    return rc;
}

/* ---- entry ---- */

/* The body cli_mbox parses last: its status is cli_mbox's return value,
 * which decides whether cli_scanmail scans the mail's folder. */
static void last_body(ml_ctx *c, ml_msg *body)
{
    int rc = parse_body(c, body, NULL, 0);
    if (rc != ST_OK && rc != ST_OK_NOT_SAVED)
        c->out->no_folder_scan = true;
}

static void run(ml_ctx *c, const uint8_t *p, size_t len)
{
    ml_in in = {p, len, 0};
    char buffer[ML_LINE_MAX + 1];
    if (!ml_gets_fmap(&in, buffer))
        return;
    if (strncmp(buffer, "From ", 5) == 0) {
        ml_msg m;
        ml_msg_init(&m);
        m.has_ctx = true;
        bool last_empty = false;
        do {
            ml_chomp(buffer);
            if (last_empty && strncmp(buffer, "From ", 5) == 0) {
                /* the message so far is parsed; its "From " line starts
                 * the next one, except when the headers were not mail or
                 * the body failed (libclamav drops the line then) */
                ml_msg body;
                bool drop = true;
                if (ml_parse_email_headers(c, &m, &body)) {
                    body.has_ctx = true;
                    ml_msg_reset(&m);
                    drop = body.body.n && parse_body(c, &body, NULL, 0) == ST_FAIL;
                    ml_msg_reset(&body);
                } else {
                    ml_msg_reset(&m);
                }
                if (drop)
                    continue;
            } else {
                last_empty = buffer[0] == '\0';
            }
            if (ml_isuuencodebegin(buffer) && ml_uudecode_file(c, &m, &in, buffer))
                continue;
            if (!ml_msg_add_str(c, &m, buffer))
                break;
        } while (!c->nomem && !c->too_large && ml_gets_fmap(&in, buffer));
        ml_msg body;
        if (ml_parse_email_headers(c, &m, &body)) {
            body.has_ctx = true;
            if (body.body.n)
                last_body(c, &body);
            ml_msg_reset(&body);
        }
        ml_msg_reset(&m);
        return;
    }
    if (strncmp(buffer, "P I ", 4) == 0)
        while (ml_gets_fmap(&in, buffer) && !strchr("\r\n", buffer[0]))
            ;
    while (strchr("\r\n", buffer[0]) && ml_getline_mbox(&in, buffer))
        ;
    ml_msg body;
    ml_msg_init(&body);
    if (ml_parse_email_file(c, &in, buffer, &body)) {
        body.has_ctx = true;
        if (body.body.n)
            last_body(c, &body);
    }
    ml_msg_reset(&body);
}

void cv_mail_out_free(cv_mail_out *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < out->n_parts; i++) {
        free(out->parts[i].data);
        free(out->parts[i].name);
    }
    free(out->parts);
    memset(out, 0, sizeof(*out));
}

cv_mail_status cv_mail_parts(const uint8_t *in, size_t len, const cv_mail_limits *lim,
                             cv_mail_out *out)
{
    static const cv_mail_limits defaults = {0, 0, 0};
    memset(out, 0, sizeof(*out));
    ml_ctx c = {lim ? lim : &defaults, out, 0, false, false};
    run(&c, in ? in : (const uint8_t *)"", in ? len : 0);
    if (c.nomem) {
        cv_mail_out_free(out);
        return CV_MAIL_NOMEM;
    }
    if (c.too_large) {
        cv_mail_out_free(out);
        return CV_MAIL_TOO_LARGE;
    }
    return CV_MAIL_OK;
}
