/*
 * mail_parse.c - libclamav's mail structure walk (mbox.c): reading lines as
 * it does, the header block (only Content-Type, -Transfer-Encoding and
 * -Disposition matter, folded and ';'-continued), the MIME multipart walk
 * with its boundary tests, nested multiparts and message/rfc822 parts, and
 * the order in which it writes each part. Nesting recursion carries an
 * explicit depth bounded by the limits (libclamav's maxreclevel).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/mail_int.h"

enum { ST_FAIL, ST_OK, ST_OK_NOT_SAVED, ST_MAXREC, ST_MAXFILES };

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

enum { H_NONE = -1, H_CT = 1, H_CTE, H_CD };

static int header_find(const char *s)
{
    if (strcasecmp(s, "Content-Type") == 0)
        return H_CT;
    if (strcasecmp(s, "Content-Transfer-Encoding") == 0)
        return H_CTE;
    if (strcasecmp(s, "Content-Disposition") == 0)
        return H_CD;
    return H_NONE;
}

/* ---- input lines ---- */

typedef struct ml_in {
    const uint8_t *p;
    size_t len, at;
} ml_in;

/* getline_from_mbox: a line ends at \n or \r (a \n\r or \r\n pair counts as
 * one), NULs are dropped, at most 998 bytes plus the ending. */
static bool getline_mbox(ml_in *in, char *buf)
{
    size_t avail = in->len - in->at;
    if (avail > ML_LINE_MAX + 1)
        avail = ML_LINE_MAX + 1;
    if (in->at >= in->len)
        return false;
    const uint8_t *src = in->p + in->at, *cur = src;
    char *o = buf;
    for (size_t i = 0; i < ML_LINE_MAX - 1; i++) {
        if (avail-- == 0) {
            if (o == buf)
                return false;
            break;
        }
        uint8_t ch = *cur++;
        if (ch == '\0')
            continue;
        if (ch == '\n' || ch == '\r') {
            *o++ = (char)ch;
            uint8_t pair = ch == '\n' ? '\r' : '\n';
            if (avail && *cur == pair) {
                i++;
                cur++;
            }
            break;
        }
        *o++ = (char)ch;
    }
    in->at += (size_t)(cur - src);
    *o = '\0';
    return true;
}

/* fmap_gets: up to 998 bytes, through the first \n */
static bool gets_fmap(ml_in *in, char *buf)
{
    if (in->at >= in->len)
        return false;
    size_t n = 0;
    while (in->at < in->len && n < ML_LINE_MAX - 1) {
        uint8_t ch = in->p[in->at++];
        buf[n++] = (char)ch;
        if (ch == '\n')
            break;
    }
    buf[n] = '\0';
    return true;
}

/* ---- headers ---- */

static int count_quotes(const char *s)
{
    int q = 0;
    for (; *s; s++)
        q += *s == '"';
    return q;
}

static bool useful_header(int num, const char *cmd)
{
    if (num != H_NONE)
        return true;
    return strcasecmp(cmd, "From") == 0 || strcasecmp(cmd, "Received") == 0 ||
           strcasecmp(cmd, "De") == 0;
}

static void parse_mime_header(ml_ctx *c, ml_msg *m, const char *cmd, const char *arg)
{
    char *cc = ml_rfc822comments(c, cmd);
    int num = header_find(cc ? cc : cmd);
    free(cc);
    char *copy = ml_rfc822comments(c, arg);
    const char *ptr = copy ? copy : arg;
    size_t bl = strlen(ptr) + 1;
    char *buf = NULL;
    switch (num) {
    case H_CT:
        if (!strchr(ptr, '/'))
            break;
        buf = malloc(bl);
        if (!buf) {
            c->nomem = true;
            break;
        }
        if (*arg == '/') {
            ml_msg_set_mime(m, "application");
            ml_msg_set_subtype(c, m, "octet-stream");
        } else {
            while (isspace((unsigned char)*ptr))
                ptr++;
            if (ptr[0] == '"')
                ptr++;
            if (ptr[0] != '/' && ml_strtokbuf(ptr, 0, ";", buf, bl) && *buf) {
                /* type/subtype, possibly "type/sub more" pieces */
                char *s = buf;
                char *save = NULL;
                char *type = strtok_r(s, "/", &save);
                bool set = ml_msg_set_mime(m, type);
                char *sub = strtok_r(NULL, ";", &save);
                while (sub) {
                    if (set) {
                        size_t len = ml_strstrip(sub);
                        if (len && sub[len - 1] == '"') {
                            sub[len - 1] = '\0';
                            len = ml_strstrip(sub);
                        }
                        if (len) {
                            char *sp = strchr(sub, ' ');
                            if (sp)
                                *sp = '\0';
                            ml_msg_set_subtype(c, m, sub);
                        }
                    }
                    while (*sub && !isspace((unsigned char)*sub))
                        sub++;
                    if (*sub++ == '\0' || *sub == '\0')
                        break;
                    set = ml_msg_set_mime(m, strtok_r(sub, "/", &save));
                    sub = strtok_r(NULL, ";", &save);
                }
            }
        }
        for (int i = 1; ml_strtokbuf(ptr, i, ";", buf, bl); i++)
            ml_msg_add_arguments(c, m, buf);
        break;
    case H_CTE:
        ml_msg_set_encoding(c, m, ptr, 0);
        break;
    case H_CD:
        buf = malloc(bl);
        if (!buf) {
            c->nomem = true;
            break;
        }
        if (ml_strtokbuf(ptr, 0, ";", buf, bl) && *buf) {
            ml_msg_set_disposition(c, m, buf);
            if (ml_strtokbuf(ptr, 1, ";", buf, bl))
                ml_msg_add_argument(c, m, buf);
        }
        if (!ml_msg_has_filename(m))
            ml_msg_add_argument(c, m, "filename=unknown");
        break;
    default:
        break;
    }
    free(copy);
    free(buf);
}

/* parseEmailHeader: "cmd: arg" (or '=' / ' ' as separator) after RFC 2047 */
static int parse_header(ml_ctx *c, ml_msg *m, const char *line)
{
    const char *sep;
    for (sep = ":= "; *sep; sep++)
        if (strchr(line, *sep))
            break;
    if (!*sep)
        return -1;
    char *copy = ml_rfc2047(c, line);
    if (!copy)
        copy = ml_strdup(c, line);
    if (!copy)
        return -1;
    char delim[2] = {*sep, 0};
    char *save = NULL;
    int ret = -1;
    char *cmd = strtok_r(copy, delim, &save);
    if (cmd && ml_strstrip(cmd) > 0) {
        char *arg = strtok_r(NULL, "", &save);
        if (arg) {
            parse_mime_header(c, m, cmd, arg);
            ret = 0;
        }
    }
    free(copy);
    return ret;
}

static bool newline_in_header(const char *line)
{
    return strncmp(line, "Message-Id: ", 12) == 0 || strncmp(line, "Date: ", 6) == 0;
}

/* the command of a header line (text before ':'), comments removed */
static int line_command(ml_ctx *c, const char *line, char *cmd, size_t cap)
{
    if (!strchr(line, ':') || !ml_strtokbuf(line, 0, ":", cmd, cap))
        return -2;
    char *p = ml_rfc822comments(c, cmd);
    int num = header_find(p ? p : cmd);
    free(p);
    return num;
}

/* parseEmailFile: the top-level message, straight from the input */
static bool parse_email_file(ml_ctx *c, ml_in *in, const char *first, ml_msg *ret)
{
    bool inhead = true, body_empty = true, last_blank = false, last_body_blank = false;
    bool any = false;
    char *full = NULL, *boundary = NULL;
    char buffer[ML_LINE_MAX + 1];
    char cmd[ML_LINE_MAX + 1];
    strncpy(buffer, first, ML_LINE_MAX);
    buffer[ML_LINE_MAX] = '\0';
    do {
        ml_chomp(buffer);
        const char *line = buffer[0] ? buffer : NULL;
        if (last_blank) {
            last_blank = false;
            if (ml_boundary_start(c, buffer, boundary))
                inhead = false;
        }
        if (inhead) {
            if (line && isspace((unsigned char)line[0])) {
                char copy[ML_LINE_MAX + 1];
                strcpy(copy, buffer);
                ml_strstrip(copy);
                if (copy[0] == '\0') {
                    if (full) {
                        if (parse_header(c, ret, full) < 0)
                            continue;
                        free(full);
                        full = NULL;
                    }
                    if (boundary || (boundary = ml_msg_find_argument(c, ret, "boundary"))) {
                        last_blank = true;
                        continue;
                    }
                }
            }
            if (!line && !full) {
                if (!any)
                    continue;
                inhead = false;
                body_empty = true;
                continue;
            }
            if (!full) {
                if (isblank((unsigned char)line[0]))
                    continue;
                int num = line_command(c, line, cmd, sizeof(cmd));
                if (num == -2) {
                    if (strncmp(line, "From ", 5) == 0)
                        any = true;
                    continue;
                }
                if (num == H_NONE) {
                    if (!any)
                        any = useful_header(num, cmd);
                    continue;
                }
                any = true;
                full = ml_strdup(c, line);
                if (!full)
                    break;
            } else if (line) {
                size_t n = strlen(full) + strlen(line) + 1;
                if (n > 1024 * 1024)
                    continue; /* our bound on one folded header */
                char *p = realloc(full, n);
                if (!p) {
                    c->nomem = true;
                    break;
                }
                full = p;
                strcat(full, line);
            }
            if (in->at < in->len && isblank(in->p[in->at]))
                continue;
            if (full[strlen(full) - 1] == ';')
                continue;
            if (line && (count_quotes(full) & 1))
                continue;
            char *p = ml_rfc822comments(c, full);
            if (p) {
                free(full);
                full = p;
            }
            if (parse_header(c, ret, full) < 0)
                continue;
            free(full);
            full = NULL;
        } else {
            if (!line) {
                if (last_body_blank && ret->mime != ML_TEXT)
                    continue;
                last_body_blank = true;
            } else {
                if (body_empty) {
                    if (newline_in_header(line))
                        continue;
                    body_empty = false;
                }
                last_body_blank = false;
            }
            if (!ml_msg_add_str(c, ret, line))
                break;
        }
    } while (getline_mbox(in, buffer));
    free(boundary);
    free(full);
    return any;
}

/* parseEmailHeaders: a message held as text (mbox entries, rfc822 parts) */
static bool parse_email_headers(ml_ctx *c, ml_msg *m, ml_msg *ret)
{
    bool inhead = true, body_empty = true, any = false;
    char *full = NULL;
    ml_msg_init(ret);
    char *cmd = NULL;
    size_t i;
    for (i = 0; i < m->body.n; i++) {
        const char *line = m->body.l[i];
        if (inhead) {
            if (!line) {
                if (!any)
                    break;
                inhead = false;
                body_empty = true;
                continue;
            }
            if (!full) {
                if (isblank((unsigned char)line[0]))
                    continue;
                size_t cap = strlen(line) + 1;
                free(cmd);
                cmd = malloc(cap);
                if (!cmd) {
                    c->nomem = true;
                    break;
                }
                int num = line_command(c, line, cmd, cap);
                if (num == -2) {
                    if (strncmp(line, "From ", 5) == 0)
                        any = true;
                    continue;
                }
                if (num == H_NONE) {
                    if (!any)
                        any = useful_header(num, cmd);
                    continue;
                }
                any = true;
                full = ml_strdup(c, line);
                if (!full)
                    break;
            } else {
                size_t n = strlen(full) + strlen(line) + 1;
                char *p = n > 1024 * 1024 ? NULL : realloc(full, n);
                if (!p)
                    continue;
                full = p;
                strcat(full, line);
            }
            /* next_is_folded_header */
            if (i + 1 < m->body.n && m->body.l[i + 1]) {
                const char *next = m->body.l[i + 1];
                if (isblank((unsigned char)next[0]))
                    continue;
                if (strchr(next, '=')) {
                    const char *d = line, *e = strchr(d, '\0');
                    bool fold = false;
                    while (--e > d) {
                        if (*e == ';') {
                            fold = true;
                            break;
                        }
                        if (*e == '\n' || *e == ' ' || *e == '\r' || *e == '\t')
                            continue;
                        break;
                    }
                    if (fold)
                        continue;
                }
            }
            free(m->body.l[i]);
            m->body.l[i] = NULL;
            if (count_quotes(full) & 1)
                continue;
            char *p = ml_rfc822comments(c, full);
            if (p) {
                free(full);
                full = p;
            }
            if (parse_header(c, ret, full) < 0)
                continue;
            free(full);
            full = NULL;
        } else {
            if (body_empty) {
                if (!line || newline_in_header(line))
                    continue;
                body_empty = false;
            }
            ml_msg_move_text(ret, m, i);
            break;
        }
    }
    free(cmd);
    free(full);
    if (!any)
        ml_msg_reset(ret);
    return any;
}

/* ---- boundaries ---- */

int ml_boundary_start(ml_ctx *c, const char *line, const char *boundary)
{
    if (!line || !*line || !boundary)
        return 0;
    char *nl = ml_strdup(c, line);
    if (!nl)
        return 0;
    size_t l = strlen(nl);
    while (l > 0 && nl[l - 1] == ' ')
        nl[--l] = '\0';
    ml_chomp(nl);
    int rc = 0;
    if ((*nl != '-' && *nl != '(') || !strchr(nl, '-')) {
        free(nl);
        return 0;
    }
    char *out = ml_rfc822comments(c, nl);
    const char *ptr = out ? out : nl;
    if (*ptr++ != '-' || *ptr == '\0') {
        free(out);
        free(nl);
        return 0;
    }
    if (strstr(ptr + 1, boundary) || strstr(nl, boundary)) {
        const char *k = ptr;
        do {
            if (strcmp(++k, boundary) == 0) {
                rc = 1;
                break;
            }
        } while (*k == '-');
        if (rc == 0) {
            k = line + 1;
            do {
                if (strcmp(++k, boundary) == 0) {
                    rc = 1;
                    break;
                }
            } while (*k == '-');
        }
    } else if (*ptr++ != '-') {
        rc = 0;
    } else {
        rc = strcasecmp(ptr, boundary) == 0;
    }
    free(out);
    free(nl);
    return rc;
}

int ml_boundary_end(const char *line, const char *boundary)
{
    if (!line || !*line)
        return 0;
    size_t l = strlen(line);
    while (l > 0 && line[l - 1] == ' ')
        l--;
    if (l < 2 || line[0] != '-' || line[1] != '-')
        return 0;
    const char *p = line + 2;
    size_t rest = l - 2, bl = strlen(boundary);
    if (rest < bl || strncasecmp(p, boundary, bl) != 0)
        return 0;
    if (rest < bl + 2)
        return 0;
    return p[bl] == '-' && p[bl + 1] == '-';
}

/* ---- body ---- */

static int parse_body(ml_ctx *c, ml_msg *msg, ml_text *text_in, unsigned depth);

static void save_text_part(ml_ctx *c, ml_msg *m, cv_mail_kind kind)
{
    ml_msg_add_argument(c, m, "filename=textportion");
    if (ml_msg_to_file(c, m, kind, true))
        c->files++;
}

/* do_multipart: one part of a mixed-like multipart */
static bool do_multipart(ml_ctx *c, ml_msg *a, int *rc, ml_text **tptr, unsigned depth,
                         bool *main_gone)
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
        *main_gone = true;
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
        /* libclamav then parses the (now empty) part's headers: nothing */
        return true;
    }
    case ML_MULTIPART:
        *rc = parse_body(c, a, *tptr, depth + 1);
        return true;
    default:
        break;
    }
    if (ml_msg_to_file(c, a, CV_MAIL_ATTACHMENT, true) && !add_to_text)
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
        /* a Content-Transfer-Encoding line ahead of the first boundary of
         * an unencoded message: libclamav starts the parts there */
        if (main_msg->binhex != t + 1 && t + 1 < body->n && main_msg->encoding == t + 2 &&
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
            if (!main_msg->binhex) {
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
                parse_header(c, a, line);
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
                while (t + 1 < body->n && body->l[t + 1]) {
                    /* next_is_folded_header */
                    const char *next = body->l[t + 1];
                    bool fold = isblank((unsigned char)next[0]);
                    if (!fold && strchr(next, '=')) {
                        const char *d = body->l[t], *e = d ? strchr(d, '\0') : NULL;
                        while (e && --e > d) {
                            if (*e == ';') {
                                fold = true;
                                break;
                            }
                            if (*e == '\n' || *e == ' ' || *e == '\r' || *e == '\t')
                                continue;
                            break;
                        }
                    }
                    if (!fold)
                        break;
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
                parse_header(c, a, full);
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
            do_multipart(c, a, &rc, atext, depth, main_gone);
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
        if (rc == ST_MAXREC || rc == ST_MAXFILES)
            break;
    }
    free(boundary);
    if (sub == SUB_KNOWBOT || sub == -1)
        sub = SUB_MIXED;
    *main_gone = true;
    if (nmsgs == 0 && *atext == NULL) {
        free_msgs(msgs, nmsgs);
        return rc == ST_MAXREC ? ST_MAXREC : ST_OK_NOT_SAVED;
    }
    ml_text *own = NULL;
    switch (sub) {
    case SUB_RELATED: {
        int tp = get_text_part(msgs, nmsgs);
        ml_msg *am = NULL;
        if (tp >= 0) {
            if (msgs[tp]->body.n) {
                if (!*atext) {
                    own = calloc(1, sizeof(*own));
                    if (!own) {
                        c->nomem = true;
                        break;
                    }
                    *atext = own;
                }
                ml_text_add_message(c, *atext, msgs[tp]);
            }
        } else {
            for (size_t i = 0; i < nmsgs; i++)
                if (msgs[i]->mime == ML_MULTIPART) {
                    am = msgs[i];
                    tp = (int)i;
                    break;
                }
        }
        if (tp != -1) {
            rc = parse_body(c, am, *atext, depth + 1);
            if (rc == ST_OK && am) {
                ml_msg_reset(am);
                free(am);
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
        for (size_t i = 0; i < nmsgs; i++) {
            if (!msgs[i])
                continue;
            do_multipart(c, msgs[i], &rc, atext, depth + 1, main_gone);
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
    if (*atext && !text_in) {
        ml_buf b = {0};
        if (ml_text_to_buf(c, *atext, 0, &b) && ml_emit(c, &b, "textpart", CV_MAIL_TEXTPART))
            c->files++;
        free(b.d);
        ml_text_free(*atext);
        free(*atext);
        *atext = NULL;
    }
    (void)own;
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
        case ML_TEXT:
            /* the text goes to the bounce search below (aText) */
            break;
        case ML_MULTIPART: {
            int r = parse_multipart(c, msg, text_in, &atext, depth, &main_gone);
            if (r >= 0)
                return r;
            break;
        }
        case ML_MESSAGE: {
            const char *st = ml_msg_subtype(msg);
            rc = ST_FAIL;
            if (strcasecmp(st, "rfc822") == 0 || strcasecmp(st, "delivery-status") == 0) {
                ml_msg inner;
                if (parse_email_headers(c, msg, &inner)) {
                    inner.has_ctx = true;
                    ml_msg_reset(msg);
                    if (inner.body.n)
                        rc = parse_body(c, &inner, NULL, depth + 1);
                    ml_msg_reset(&inner);
                }
                /* libclamav returns here (nothing else saved) */
                return rc;
            }
            if (strcasecmp(st, "disposition-notification") == 0)
                rc = ST_OK;
            return rc;
        }
        case ML_AUDIO:
        case ML_VIDEO:
        case ML_IMAGE:
            break;
        default:
            if (ml_msg_to_file(c, msg, CV_MAIL_ATTACHMENT, true)) {
                c->files++;
                main_gone = true;
            }
            break;
        }
    }
    if (!msg || main_gone || c->nomem)
        return rc;
    if (msg->body.n && msg->encoding && msg->bounce) {
        /* exportBounceMessage: from the last From/Received header before a
         * non-text Content-Type; not modelled further than saving it */
        ml_buf b = {0};
        if (ml_text_to_buf(c, &msg->body, msg->bounce - 1, &b) &&
            ml_emit(c, &b, "bounce", CV_MAIL_BOUNCE))
            c->files++;
        free(b.d);
        return rc;
    }
    bool save = true;
    if (msg->mime == ML_MESSAGE) {
        save = msg->encoding != 0;
    } else if (msg->body.n && msg->encoding) {
        ml_buf b = {0};
        if (ml_buf_add(c, &b, "Received: by clamd (bounce)\n", 28) &&
            ml_text_to_buf(c, &msg->body, msg->encoding - 1, &b) &&
            ml_emit(c, &b, "bounce", CV_MAIL_BOUNCE))
            c->files++;
        free(b.d);
        save = false;
    }
    if (save)
        save_text_part(c, msg, CV_MAIL_TEXTPORTION);
    return rc;
}

/* ---- entry ---- */

static void run(ml_ctx *c, const uint8_t *p, size_t len)
{
    ml_in in = {p, len, 0};
    char buffer[ML_LINE_MAX + 1];
    if (!gets_fmap(&in, buffer))
        return;
    if (strncmp(buffer, "From ", 5) == 0) {
        ml_msg m;
        ml_msg_init(&m);
        m.has_ctx = true;
        bool last_empty = false;
        do {
            ml_chomp(buffer);
            if (last_empty && strncmp(buffer, "From ", 5) == 0) {
                ml_msg body;
                if (parse_email_headers(c, &m, &body)) {
                    body.has_ctx = true;
                    ml_msg_reset(&m);
                    if (body.body.n)
                        parse_body(c, &body, NULL, 0);
                    ml_msg_reset(&body);
                } else {
                    ml_msg_reset(&m);
                }
            } else {
                last_empty = buffer[0] == '\0';
            }
            if (!ml_msg_add_str(c, &m, buffer))
                break;
        } while (!c->nomem && !c->too_large && gets_fmap(&in, buffer));
        ml_msg body;
        if (parse_email_headers(c, &m, &body)) {
            body.has_ctx = true;
            if (body.body.n)
                parse_body(c, &body, NULL, 0);
            ml_msg_reset(&body);
        }
        ml_msg_reset(&m);
        return;
    }
    if (strncmp(buffer, "P I ", 4) == 0)
        while (gets_fmap(&in, buffer) && !strchr("\r\n", buffer[0]))
            ;
    while (strchr("\r\n", buffer[0]) && getline_mbox(&in, buffer))
        ;
    ml_msg body;
    ml_msg_init(&body);
    if (parse_email_file(c, &in, buffer, &body)) {
        body.has_ctx = true;
        if (body.body.n)
            parse_body(c, &body, NULL, 0);
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
