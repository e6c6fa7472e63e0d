/*
 * mail_read.c - how libclamav's mail parser (mbox.c) reads a message: its
 * two line readers (getline_from_mbox for a message, fmap_gets for mbox
 * files and uuencoded blocks), header lines (only Content-Type,
 * -Transfer-Encoding and -Disposition matter, folded and ';'-continued;
 * RFC 2047 words; its HEURISTIC_EMAIL_* limits), the header block of the
 * top-level message (parseEmailFile, straight from the input) and of a
 * message held as text (parseEmailHeaders), uuencoded blocks decoded as
 * they are read, and the boundary tests of the multipart walk.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/mail_int.h"

/* libclamav's HEURISTIC_EMAIL_* limits: past them it stops reading headers
 * without a verdict unless --alert-exceeds-max */
#define ML_MAX_HEADERS 1024
#define ML_MAX_HEADER_BYTES (256 * 1024)
#define ML_MAX_ARGUMENTS 256

int ml_header_find(const char *s)
{
    if (strcasecmp(s, "Content-Type") == 0)
        return ML_H_CT;
    if (strcasecmp(s, "Content-Transfer-Encoding") == 0)
        return ML_H_CTE;
    if (strcasecmp(s, "Content-Disposition") == 0)
        return ML_H_CD;
    return ML_H_NONE;
}

/* ---- input lines ---- */

/* getline_from_mbox: a line ends at \n or \r (a \n\r or \r\n pair counts as
 * one), NULs are dropped, at most 998 bytes plus the ending. */
bool ml_getline_mbox(ml_in *in, char *buf)
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
bool ml_gets_fmap(ml_in *in, char *buf)
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
    if (num != ML_H_NONE)
        return true;
    return strcasecmp(cmd, "From") == 0 || strcasecmp(cmd, "Received") == 0 ||
           strcasecmp(cmd, "De") == 0;
}

static void parse_mime_header(ml_ctx *c, ml_msg *m, const char *cmd, const char *arg)
{
    char *cc = ml_rfc822comments(c, cmd);
    int num = ml_header_find(cc ? cc : cmd);
    free(cc);
    char *copy = ml_rfc822comments(c, arg);
    const char *ptr = copy ? copy : arg;
    size_t bl = strlen(ptr) + 1;
    char *buf = NULL;
    switch (num) {
    case ML_H_CT:
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
        /* libclamav's HEURISTIC_EMAIL_MAX_ARGUMENTS_PER_HEADER: the 256th
         * argument ends the list */
        for (int i = 1; i < ML_MAX_ARGUMENTS && ml_strtokbuf(ptr, i, ";", buf, bl); i++)
            ml_msg_add_arguments(c, m, buf);
        break;
    case ML_H_CTE:
        ml_msg_set_encoding(c, m, ptr, 0);
        break;
    case ML_H_CD:
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
int ml_parse_header(ml_ctx *c, ml_msg *m, const char *line)
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

/* next_is_folded_header: line i + 1 continues line i: it starts with a
 * blank, or it has an '=' and line i ends with ';' (white space after it
 * aside), which broken mailers send for folded parameters */
bool ml_next_is_folded(const ml_text *t, size_t i)
{
    if (i + 1 >= t->n || !t->l[i + 1] || !t->l[i])
        return false;
    const char *next = t->l[i + 1], *d = t->l[i];
    if (isblank((unsigned char)next[0]))
        return true;
    if (!strchr(next, '='))
        return false;
    for (const char *e = d + strlen(d); --e > d;) {
        if (*e == ';')
            return true;
        if (*e != '\n' && *e != ' ' && *e != '\r' && *e != '\t')
            return false;
    }
    return false;
}

/* the command of a header line (text before ':'), comments removed */
static int line_command(ml_ctx *c, const char *line, char *cmd, size_t cap)
{
    if (!strchr(line, ':') || !ml_strtokbuf(line, 0, ":", cmd, cap))
        return -2;
    char *p = ml_rfc822comments(c, cmd);
    int num = ml_header_find(p ? p : cmd);
    free(p);
    return num;
}

/* doContinueMultipleEmptyOptions: a line of nothing but blanks and ';'
 * right after another such line (empty lines between do not count) is
 * dropped. */
static bool repeated_semis(const char *line, bool *last)
{
    if (!line)
        return false;
    for (const char *p = line; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != ';') {
            *last = false;
            return false;
        }
    if (*last)
        return true;
    *last = true;
    return false;
}

/* uudecodeFile: the lines after "begin NNN name", read straight from the
 * input up to "end", an empty line or a line that decodes to nothing or
 * to more than 62 bytes, decoded into a file of their own (written as they
 * are read, so before the message's other parts). false, with nothing
 * read, when the begin line names no file. */
bool ml_uudecode_file(ml_ctx *c, ml_msg *m, ml_in *in, const char *first)
{
    char name[ML_LINE_MAX + 1];
    if (!ml_strtokbuf(first, 2, " ", name, sizeof(name)))
        return false;
    unsigned char data[ML_UU_BUF] = {0};
    char buffer[ML_LINE_MAX + 1];
    ml_buf b = {0};
    while (ml_gets_fmap(in, buffer)) {
        ml_chomp(buffer);
        if (strcasecmp(buffer, "end") == 0 || buffer[0] == '\0')
            break;
        size_t n = ml_uu_line(m, buffer, data);
        if (n == 0 || n > 62 || !ml_buf_add(c, &b, data, n))
            break;
    }
    ml_emit(c, &b, name, CV_MAIL_ATTACHMENT, false);
    free(b.d);
    return true;
}

/* A line where a header may start, in libclamav's header loops: *full is
 * a copy of it when a header starts there, NULL when the line is passed
 * over (a "From " line or an unknown header, which may still make the
 * block count as headers: *any). False when out of memory. */
static bool header_start(ml_ctx *c, const char *line, char *cmd, size_t cap, bool *any,
                         char **full)
{
    *full = NULL;
    int num = line_command(c, line, cmd, cap);
    if (num == -2) {
        if (strncmp(line, "From ", 5) == 0)
            *any = true;
        return true;
    }
    if (num == ML_H_NONE) {
        if (!*any)
            *any = useful_header(num, cmd);
        return true;
    }
    *any = true;
    *full = ml_strdup(c, line);
    return *full != NULL;
}

/* parseEmailFile: the top-level message, straight from the input */
bool ml_parse_email_file(ml_ctx *c, ml_in *in, const char *first, ml_msg *ret)
{
    bool inhead = true, body_empty = true, last_blank = false, last_body_blank = false;
    bool any = false, last_semi = false;
    size_t nheaders = 0, header_bytes = 0;
    char *full = NULL, *boundary = NULL;
    char buffer[ML_LINE_MAX + 1];
    char cmd[ML_LINE_MAX + 1];
    strncpy(buffer, first, ML_LINE_MAX);
    buffer[ML_LINE_MAX] = '\0';
    do {
        ml_chomp(buffer);
        const char *line = buffer[0] ? buffer : NULL;
        if (repeated_semis(line, &last_semi))
            continue;
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
                    /* a blank-looking line inside the headers: the header
                     * so far is parsed (and dropped even if it fails) */
                    if (full) {
                        if (++nheaders > ML_MAX_HEADERS)
                            break;
                        bool failed = ml_parse_header(c, ret, full) < 0;
                        free(full);
                        full = NULL;
                        if (failed)
                            continue;
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
                if (!header_start(c, line, cmd, sizeof(cmd), &any, &full))
                    break;
                if (!full)
                    continue;
            } else if (line) {
                char *p = realloc(full, strlen(full) + strlen(line) + 1);
                if (!p) {
                    c->nomem = true;
                    break;
                }
                full = p;
                strcat(full, line);
            }
            if (line) {
                header_bytes += strlen(line);
                if (header_bytes > ML_MAX_HEADER_BYTES)
                    break;
            }
            if (in->at < in->len && isblank(in->p[in->at]))
                continue;
            if (full[strlen(full) - 1] == ';')
                continue;
            if (line && (count_quotes(full) & 1))
                continue;
            if (++nheaders > ML_MAX_HEADERS)
                break;
            if (ml_parse_header(c, ret, full) < 0)
                continue;
            free(full);
            full = NULL;
        } else if (line && ml_isuuencodebegin(line)) {
            body_empty = false;
            if (!ml_uudecode_file(c, ret, in, line) && !ml_msg_add_str(c, ret, line))
                break;
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
    } while (!c->nomem && ml_getline_mbox(in, buffer));
    free(boundary);
    free(full);
    return any;
}

/* parseEmailHeaders: a message held as text (mbox entries, rfc822 parts) */
bool ml_parse_email_headers(ml_ctx *c, ml_msg *m, ml_msg *ret)
{
    bool inhead = true, body_empty = true, any = false, last_semi = false;
    size_t nheaders = 0, full_len = 0;
    char *full = NULL;
    ml_msg_init(ret);
    char *cmd = NULL;
    size_t i;
    for (i = 0; i < m->body.n; i++) {
        const char *line = m->body.l[i];
        if (repeated_semis(line, &last_semi))
            continue;
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
                if (!header_start(c, line, cmd, cap, &any, &full))
                    break;
                if (!full)
                    continue;
                full_len = strlen(line) + 1;
            } else {
                char *p = realloc(full, strlen(full) + strlen(line) + 1);
                if (!p) {
                    c->nomem = true;
                    break;
                }
                full = p;
                strcat(full, line);
                full_len += strlen(line) + 1;
            }
            if (full_len > ML_MAX_HEADER_BYTES)
                break;
            if (ml_next_is_folded(&m->body, i))
                continue;
            free(m->body.l[i]);
            m->body.l[i] = NULL;
            if (count_quotes(full) & 1)
                continue;
            char *p = ml_rfc822comments(c, full);
            if (p) {
                free(full);
                full = p;
            }
            if (++nheaders > ML_MAX_HEADERS)
                break;
            if (ml_parse_header(c, ret, full) < 0)
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
