/*
 * mail_export.c - the files libclamav's mail parser writes beside the MIME
 * parts: a text written as a file (the collected plain text "textpart",
 * bounces), BinHex messages (written, not decoded), and its two bounce
 * searches: over the collected text of a message (isBounceStart and its
 * prescan) and from the bounce line of a message with an encoding line
 * (exportBounceMessage).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/mail_int.h"

/* A case-insensitive strstr (libclamav's CLI_STRCASESTR). */
static bool has_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

/* A text (from line `from`) written as a file of its own after `prefix`
 * (may be NULL): the collected text parts and the bounces. libclamav counts
 * it among its files whether or not it is empty. */
void ml_save_text(ml_ctx *c, const char *prefix, const ml_text *t, size_t from, const char *name,
                  cv_mail_kind kind)
{
    ml_buf b = {0};
    if ((!prefix || ml_buf_add(c, &b, prefix, strlen(prefix))) && ml_text_to_buf(c, t, from, &b))
        ml_emit(c, &b, name, kind, false);
    free(b.d);
    c->files++;
}

/* exportBinhexMessage: libclamav does not decode BinHex in the mail
 * parser; it writes the message's text (its x-binhex "decoder" copies
 * lines) and its file-type detection hands the file to the BinHex
 * scanner. The message is kept. */
void ml_export_binhex(ml_ctx *c, ml_msg *m)
{
    if (ml_msg_encoding(m) == ML_NOENCODING)
        ml_msg_set_encoding(c, m, "x-binhex", 0);
    if (ml_msg_to_file(c, m, CV_MAIL_ATTACHMENT, false, false))
        c->files++;
}

/* isBounceStart: a line that may start a bounced message: an mbox "From "
 * line (6 spaces and 11 digits at least) or a line libclamav's file-type
 * table calls mail, of 6 to 71 bytes */
static bool bounce_start(const char *line)
{
    if (!line)
        return false;
    size_t len = strlen(line);
    if (len < 6 || len >= 72)
        return false;
    if (memcmp(line, "From ", 5) == 0 || memcmp(line, ">From ", 6) == 0) {
        int spaces = 0, digits = 0;
        for (const char *p = line + 4; *p; p++) {
            if (*p == ' ')
                spaces++;
            else if (isdigit((unsigned char)*p))
                digits++;
        }
        return spaces >= 6 && digits >= 11;
    }
    return ml_is_mail_line(line);
}

/* The bounce search over a message's collected text: from a line that
 * starts a bounce (not followed by another such line), if a Content-Type
 * other than text, multipart or message/rfc822 follows before the end, the
 * text from there to the next bounce start after its headers is saved
 * ("bounce"), and the search goes on after those headers. */
/* For each line, where libclamav's two look-aheads from it stop: the end
 * of a header block (an empty line or a Content-Type other than
 * text/plain) and the first Content-Type worth scanning (not text/plain,
 * multipart or message/rfc822). Computed once from the end, so that
 * hostile text with many bounce-like lines costs linear time (libclamav
 * rescans from every candidate). Entry n is the end. */
typedef struct bounce_stop {
    size_t header_end, scannable;
} bounce_stop;

static bounce_stop *bounce_stops(ml_ctx *c, const ml_text *t)
{
    bounce_stop *st = malloc((t->n + 1) * sizeof(*st));
    if (!st) {
        c->nomem = true;
        return NULL;
    }
    st[t->n] = (bounce_stop){t->n, t->n};
    for (size_t k = t->n; k-- > 0;) {
        const char *s = t->l[k];
        bool ct = s && strncasecmp(s, "Content-Type:", 13) == 0;
        st[k].header_end = !s || (ct && !has_ci(s, "text/plain")) ? k : st[k + 1].header_end;
        st[k].scannable = ct && !strstr(s, "multipart/") && !strstr(s, "message/rfc822") &&
                                  !strstr(s, "text/plain")
                              ? k
                              : st[k + 1].scannable;
    }
    return st;
}

void ml_bounce_search(ml_ctx *c, const ml_text *t)
{
    bool definitely = false;
    bounce_stop *stops = bounce_stops(c, t);
    if (!stops)
        return;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->l[i])
            continue;
        if (definitely)
            definitely = false;
        else if (!bounce_start(t->l[i]))
            continue;
        size_t k = i + 1;
        if (k >= t->n)
            break; /* a single line is not saved */
        if (bounce_start(t->l[k])) {
            definitely = true;
            continue;
        }
        /* past the header lines, text/plain Content-Types included */
        k = stops[k].header_end;
        if (k < t->n && !t->l[k]) {
            i = k;
            continue;
        }
        if (stops[k].scannable >= t->n)
            break; /* plain text: nothing to scan */
        ml_buf b = {0};
        bool inheader = true, ok = ml_buf_add(c, &b, "Received: by clamd (bounce)\n", 28);
        size_t top = 0;
        for (;;) {
            const char *l = t->l[i];
            if (!l && inheader) {
                inheader = false;
                top = i;
            }
            ok = ok && (!l || ml_buf_add(c, &b, l, strlen(l))) && ml_buf_add(c, &b, "\n", 1);
            if (i + 1 >= t->n)
                break;
            i++;
            if (!inheader && bounce_start(t->l[i])) {
                definitely = true;
                break;
            }
        }
        if (ok)
            ml_emit(c, &b, "bounce", CV_MAIL_BOUNCE, true);
        free(b.d);
        c->files++;
        if (top)
            i = top;
    }
    free(stops);
}

/* exportBounceMessage: from the bounce line, the bounced message starts at
 * the last From/Received header before its first Content-Disposition,
 * encoded Content-Transfer-Encoding or non-text Content-Type; it is saved
 * from there to the end. Nothing when a text/plain Content-Type or the end
 * comes first. */
void ml_export_bounce(ml_ctx *c, const ml_text *body, size_t start)
{
    size_t k;
    for (k = start; k < body->n; k++) {
        const char *txt = body->l[k];
        char cmd[ML_LINE_MAX + 1];
        if (!txt || !ml_strtokbuf(txt, 0, ":", cmd, sizeof(cmd)))
            continue;
        int num = ml_header_find(cmd);
        if (num == ML_H_CTE && (strstr(txt, "7bit") || strstr(txt, "8bit")))
            continue;
        if (num == ML_H_CT && strstr(txt, "text/plain"))
            return;
        if (num != ML_H_NONE)
            break;
        if (strcasecmp(cmd, "From") == 0 || strcasecmp(cmd, "Received") == 0)
            start = k;
    }
    if (k < body->n)
        ml_save_text(c, NULL, body, start, "bounce", CV_MAIL_BOUNCE);
}
