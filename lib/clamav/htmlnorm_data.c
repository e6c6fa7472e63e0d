/*
 * htmlnorm_data.c - data: URIs (RFC 2397) in attribute values. libclamav
 * writes each to its own file under rfc2397/: a small MIME header built
 * from the media type, then the payload with %xx escapes decoded but base64
 * left as it is (the file is later scanned as a mail message, which decodes
 * it). Character references inside the payload go to nocomment.html, not to
 * the file - libclamav's routing, kept.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/htmlnorm_int.h"

static void type_push(hn *h, char c)
{
    if (h->tag_val_len < HN_STR)
        h->tag_val[h->tag_val_len++] = c;
}

/* A quote or whitespace ending the URI before its ',' abandons it. */
static void type_abandon(hn *h, bool consume)
{
    if (consume)
        h->p++;
    h->state = S_SKIP_WS;
    h->tag_arg_len = 0;
    h->next = S_TAG_ARG;
}

/* The media type, up to ',': lower-cased into tag_val, nothing written. */
void hn_st_data_type(hn *h)
{
    uint8_t c = *h->p;
    if (c == '\'' || c == '"') {
        hn_quoted kind = c == '\'' ? Q_SINGLE : Q_DOUBLE;
        if (!h->escape && h->quoted == kind) {
            type_abandon(h, true);
        } else {
            type_push(h, '"');
            h->p++;
        }
    } else if (hn_space(c) || c == '>') {
        if (h->quoted == Q_NONE) {
            type_abandon(h, false);
        } else {
            type_push(h, hn_space(c) ? ' ' : '>');
            h->state = S_SKIP_WS;
            h->escape = false;
            h->quoted = Q_NONE;
            h->next = S_DATA_TYPE;
            h->p++;
        }
    } else if (c == ',') {
        h->tag_val[h->tag_val_len] = 0;
        h->state = S_DATA_INIT;
        h->escape = false;
        h->next = S_BAD;
        h->p++;
    } else {
        type_push(h, (char)hn_lower(c));
        h->p++;
    }
    h->escape = *h->p == '\\';
}

/* Opens the file (on the byte after ','; nothing is consumed) and switches
 * the line handling to binary: CR and LF are payload from here on. */
void hn_st_data_init(hn *h)
{
    cv_html_out *o = h->out;
    cv_html_buf *files = realloc(o->rfc2397, (o->n_rfc2397 + 1) * sizeof(*files));
    if (!files) {
        h->err = CV_HTML_NOMEM;
        h->stop = true;
        return;
    }
    o->rfc2397 = files;
    h->data = &files[o->n_rfc2397++];
    memset(h->data, 0, sizeof(*h->data));
    h->data->exists = true;

    static const char from[] = "From html-normalise\n";
    static const char ctype[] = "Content-type: ";
    static const char b64[] = "Content-transfer-encoding: base64\n";
    hn_data_str(h, from, sizeof(from) - 1);
    hn_data_str(h, ctype, sizeof(ctype) - 1);
    hn_data_str(h, h->tag_val, h->tag_val_len);
    hn_data(h, '\n');
    if (strstr(h->tag_val, ";base64"))
        hn_data_str(h, b64, sizeof(b64) - 1);
    hn_data(h, '\n');
    h->state = S_DATA;
    h->binary = true;
}

void hn_st_data(hn *h)
{
    uint8_t c = *h->p;
    if (c == '&') {
        h->state = S_CHAR_REF;
        h->next = S_DATA;
        h->p++;
    } else if (c == '%') {
        h->length = 0;
        h->value = 0;
        h->state = S_ESCAPE_CHAR;
        h->next = S_DATA_ESC;
        h->p++;
    } else if (c == '\'' || c == '"') {
        hn_quoted kind = c == '\'' ? Q_SINGLE : Q_DOUBLE;
        if (!h->escape && h->quoted == kind)
            h->state = S_DATA_FINISH;
        else
            hn_data(h, c);
        h->p++;
    } else if (hn_space(c) || c == '>') {
        if (h->quoted == Q_NONE)
            h->state = S_DATA_FINISH; /* the '>' is eaten with it */
        else
            hn_data(h, c);
        h->p++;
    } else {
        hn_data(h, c);
        h->p++;
    }
    h->escape = *h->p == '\\';
}

void hn_st_data_finish(hn *h)
{
    h->data = NULL;
    h->state = S_SKIP_WS;
    h->escape = false;
    h->quoted = Q_NONE;
    h->next = S_TAG_ARG;
    h->binary = false;
}

/* %xx: two hex digits give a byte; a first byte that is not hex is eaten
 * and "%0" written; a second that is not hex is eaten and the first digit
 * times 16 written. */
void hn_st_escape_char(hn *h)
{
    uint8_t c = *h->p;
    h->value *= 16;
    h->length++;
    if (hn_xdigit(c))
        h->value += hn_digit(c) ? c - '0' : hn_lower(c) - 'a' + 10;
    else
        h->state = h->next;
    if (h->length == 2)
        h->state = h->next;
    h->p++;
}

void hn_st_data_esc(hn *h)
{
    if (h->length == 2) {
        hn_data(h, (uint8_t)h->value);
    } else if (h->length == 1) {
        hn_data(h, '%');
        hn_data(h, (uint8_t)(h->value + '0'));
    } else {
        hn_data(h, '%');
    }
    h->state = S_DATA;
}
