/*
 * htmlnorm_tag.c - tags for the HTML normaliser: tag names, attribute names
 * and values (quotes, entities, 8-bit runs, the start of data: URIs), and
 * what a finished tag does (<script> starts script collection and maybe the
 * Script Encoder, <a href> and <img src> values go to notags.html).
 * Attribute values keep libclamav's C-string view: a decoded NUL ends them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/htmlnorm_int.h"

/* ---- the current tag's attributes ------------------------------------- */

void hn_args_clear(hn *h)
{
    h->n_args = 0;
    h->args_text.len = 0;
}

static size_t cstrlen(const char *s, size_t max)
{
    const char *z = memchr(s, 0, max);
    return z ? (size_t)(z - s) : max;
}

static bool put_str(hn *h, const char *s, size_t n, size_t *off)
{
    static const uint8_t nul = 0;
    *off = h->args_text.len;
    return hn_buf_put(h, &h->args_text, (const uint8_t *)s, n) &&
           hn_buf_put(h, &h->args_text, &nul, 1);
}

/* libclamav's html_tag_arg_add: a value starting with '"' loses its first
 * and its last byte, whatever the last byte is. */
static void arg_add(hn *h, bool with_value)
{
    if (h->n_args == h->cap_args) {
        size_t cap = h->cap_args ? h->cap_args * 2 : 8;
        hn_arg *a = realloc(h->args, cap * sizeof(*a));
        if (!a) {
            h->err = CV_HTML_NOMEM;
            h->stop = true;
            return;
        }
        h->args = a;
        h->cap_args = cap;
    }
    hn_arg *a = &h->args[h->n_args];
    h->tag_arg[h->tag_arg_len] = 0;
    if (!put_str(h, h->tag_arg, strlen(h->tag_arg), &a->name))
        return;
    a->value = SIZE_MAX;
    if (with_value) {
        const char *v = h->tag_val;
        size_t n = cstrlen(v, h->tag_val_len);
        if (n > 0 && v[0] == '"') {
            v++;
            n--;
            if (n > 0)
                n--;
        }
        if (!put_str(h, v, n, &a->value))
            return;
    }
    h->n_args++;
}

static const char *arg_text(const hn *h, size_t off)
{
    return (const char *)h->args_text.data + off;
}

static const char *arg_value(const hn *h, const char *name)
{
    for (size_t i = 0; i < h->n_args; i++)
        if (strcmp(arg_text(h, h->args[i].name), name) == 0)
            return h->args[i].value == SIZE_MAX ? NULL : arg_text(h, h->args[i].value);
    return NULL;
}

static void arg_set(hn *h, const char *name, const char *value)
{
    for (size_t i = 0; i < h->n_args; i++) {
        if (strcmp(arg_text(h, h->args[i].name), name) == 0) {
            size_t off;
            if (put_str(h, value, strlen(value), &off))
                h->args[i].value = off;
            return;
        }
    }
}

/* html_output_tag: the tag written again, values lower-cased and quoted. */
static void output_tag(hn *h)
{
    hn_o2(h, '<');
    hn_o2_str(h, (const uint8_t *)h->tag, strlen(h->tag));
    for (size_t i = 0; i < h->n_args && !h->stop; i++) {
        const char *name = arg_text(h, h->args[i].name);
        hn_o2(h, ' ');
        hn_o2_str(h, (const uint8_t *)name, strlen(name));
        if (h->args[i].value != SIZE_MAX) {
            const char *v = arg_text(h, h->args[i].value);
            hn_o2_str(h, (const uint8_t *)"=\"", 2);
            for (; *v; v++)
                hn_o2(h, hn_lower((uint8_t)*v));
            hn_o2(h, '"');
        }
    }
    hn_o2(h, '>');
}

/* ---- states ------------------------------------------------------------ */

static void val_push(hn *h, char c)
{
    if (h->tag_val_len < HN_STR)
        h->tag_val[h->tag_val_len++] = c;
}

void hn_st_tag(hn *h)
{
    uint8_t c = *h->p;
    if (h->tag_len == 0 && c == '!') {
        if (h->in_script)
            hn_o2(h, '!'); /* scripts keep their comments */
        else
            hn_o2_rewind(h); /* take the '<' back */
        h->state = S_COMMENT;
        h->next = S_BAD;
        h->p++;
    } else if (c == '>') {
        hn_o2(h, '>');
        h->p++;
        h->tag[h->tag_len] = 0;
        h->state = S_SKIP_WS;
        h->next = S_PROCESS_TAG;
    } else if (!hn_space(c)) {
        hn_o2(h, hn_lower(c));
        /* inside a script only an end tag is a tag */
        if (h->in_script && h->tag_len == 0 && c != '/')
            h->state = S_NORM;
        if (h->tag_len < HN_STR)
            h->tag[h->tag_len++] = (char)hn_lower(c);
        h->p++;
    } else {
        h->tag[h->tag_len] = 0;
        h->state = S_SKIP_WS;
        h->tag_arg_len = 0;
        h->next = h->in_script ? S_PROCESS_TAG : S_TAG_ARG;
    }
}

static void start_value(hn *h)
{
    hn_o2(h, '=');
    h->p++;
    h->state = S_SKIP_WS;
    h->escape = false;
    h->quoted = Q_NONE;
    h->tag_val_len = 0;
    h->next = S_TAG_ARG_VAL;
}

void hn_st_tag_arg(hn *h)
{
    uint8_t c = *h->p;
    if (c == '=') {
        h->tag_arg[h->tag_arg_len] = 0;
        start_value(h);
    } else if (hn_space(c)) {
        h->p++;
        h->tag_arg[h->tag_arg_len] = 0;
        h->state = S_SKIP_WS;
        h->next = S_TAG_ARG_EQUAL;
    } else if (c == '>') {
        hn_o2(h, '>');
        if (h->tag_arg_len > 0)
            arg_add(h, false);
        h->p++;
        h->state = S_PROCESS_TAG;
        h->next = S_BAD;
    } else {
        if (h->tag_arg_len == 0)
            hn_o2(h, ' ');
        hn_o2(h, hn_lower(c));
        if (h->tag_arg_len < HN_STR)
            h->tag_arg[h->tag_arg_len++] = (char)hn_lower(c);
        h->p++;
    }
}

void hn_st_tag_arg_equal(hn *h)
{
    if (*h->p == '=') {
        start_value(h);
        return;
    }
    if (h->tag_arg_len > 0)
        arg_add(h, false);
    h->tag_arg_len = 0;
    h->state = S_TAG_ARG;
    h->next = S_BAD;
}

static void value_done(hn *h)
{
    h->tag_val[h->tag_val_len] = 0;
    arg_add(h, true);
    h->state = S_SKIP_WS;
    h->tag_arg_len = 0;
    h->next = S_TAG_ARG;
}

static void quote(hn *h, hn_quoted kind)
{
    if (h->tag_val_len == 0) {
        h->quoted = kind;
        hn_o2(h, '"');
        val_push(h, '"');
        h->p++;
    } else if (!h->escape && h->quoted == kind) {
        hn_o2(h, '"');
        val_push(h, '"');
        h->p++;
        value_done(h);
    } else {
        hn_o2(h, '"');
        val_push(h, '"');
        h->p++;
    }
}

static bool full_stop(uint32_t mb, uint8_t c)
{
    return mb == 0xE38082 || mb == 0xEFBC8E || mb == 0xEFB992 ||
           (mb == 0xA1 && (c == 0x43 || c == 0x44 || c == 0x4F));
}

/* Ordinary value byte. High bytes gather in mbchar2 and are written when the
 * next ordinary byte comes - possibly in a later value of a later tag. */
static bool value_byte(hn *h)
{
    uint8_t c = *h->p;
    uint32_t mb = h->mbchar2;
    if (mb && (c < 0x80 || mb >= 0x10000)) {
        if (full_stop(mb, c)) {
            hn_o2(h, '.');
            val_push(h, '.');
            if (mb == 0xA1) {
                h->p++;
                h->mbchar2 = 0;
                return false; /* libclamav skips its escape update here */
            }
        } else {
            uint8_t c0 = (uint8_t)(mb >> 16), c1 = (uint8_t)(mb >> 8), c2 = (uint8_t)mb;
            if (c0)
                hn_o2(h, c0);
            if (c0 || c1)
                hn_o2(h, c1);
            hn_o2(h, c2);
            if (c0)
                val_push(h, (char)c0);
            if (c0 || c1)
                val_push(h, (char)c1);
            val_push(h, (char)c2);
        }
        h->mbchar2 = 0;
    }
    if (c >= 0x80) {
        h->mbchar2 = (h->mbchar2 << 8) | c;
    } else {
        hn_o2(h, hn_lower(c));
        val_push(h, (char)c);
    }
    h->p++;
    return true;
}

static void data_uri(hn *h)
{
    hn_o2_rewind(h); /* drop the ':' */
    if (h->quoted != Q_NONE)
        hn_o2(h, '"');
    h->tag_val_len = 0;
    h->state = S_DATA_TYPE;
    h->next = S_TAG_ARG;
}

void hn_st_tag_arg_val(hn *h)
{
    uint8_t c = *h->p;
    if (h->tag_val_len == 5 && memcmp(h->tag_val, "data:", 5) == 0) {
        data_uri(h);
    } else if (h->tag_val_len == 6 && memcmp(h->tag_val, "\"data:", 6) == 0) {
        data_uri(h);
    } else if (c == '&') {
        h->state = S_CHAR_REF;
        h->next = S_TAG_ARG_VAL;
        h->p++;
    } else if (c == '\'') {
        quote(h, Q_SINGLE);
    } else if (c == '"') {
        quote(h, Q_DOUBLE);
    } else if (hn_space(c) || c == '>') {
        if (h->quoted == Q_NONE) {
            value_done(h);
        } else {
            /* a quoted value forgets it was quoted after whitespace */
            hn_o2(h, c);
            val_push(h, hn_space(c) ? ' ' : '>');
            h->state = S_SKIP_WS;
            h->escape = false;
            h->quoted = Q_NONE;
            h->next = S_TAG_ARG_VAL;
            h->p++;
        }
    } else if (!value_byte(h)) {
        return;
    }
    /* "escaped" means: the byte about to be read is a backslash */
    h->escape = *h->p == '\\';
}

void hn_st_process_tag(hn *h)
{
    const char *tag = h->tag;
    h->state = S_SKIP_WS;
    h->next = S_NORM;
    if (tag[0] == '/') {
        if (strcmp(tag, "/style") == 0 && h->in_style) {
            /* the CSS ends where "</style>" would start if nothing
             * followed it before this byte */
            const uint8_t *end = h->p - h->line >= 8 ? h->p - 8 : NULL;
            if (!end) {
                h->out->aborted = true;
                h->stop = true;
                return;
            }
            if (!hn_style_feed(h, end))
                return;
            h->out->styles[h->out->n_styles - 1].closed = true;
            h->in_script = false;
            h->in_style = false;
            h->style_begin = NULL;
        }
        if (strcmp(tag, "/script") == 0) {
            h->in_script = false;
            h->in_style = false;
            if (h->js_open) {
                h->js_end = h->p;
                hn_js_feed(h, h->p, true);
                h->js_begin = h->js_end = NULL;
            }
        }
    } else if (strcmp(tag, "script") == 0) {
        const char *lang = arg_value(h, "language");
        if (lang && strcasecmp(lang, "jscript.encode") == 0) {
            arg_set(h, "language", "javascript");
            h->state = S_SKIP_WS;
            h->next = S_JSDECODE;
            output_tag(h);
        } else if (lang && strcasecmp(lang, "vbscript.encode") == 0) {
            arg_set(h, "language", "vbscript");
            h->state = S_SKIP_WS;
            h->next = S_JSDECODE;
            output_tag(h);
        }
        h->in_script = true;
        if (!h->js_open && hn_js_open(h)) {
            h->js_begin = h->p;
            h->js_end = NULL;
        }
    } else if (strcmp(tag, "style") == 0) {
        /* a style sheet is kept like a script (comments and all, no
         * whitespace, no text) and its CSS collected; </script> ends it
         * too, </style> does not end a script (clamscan 1.4.6) */
        hn_style_open(h);
    } else if (strcmp(tag, "%@") == 0) {
        const char *lang = arg_value(h, "language");
        if (lang && (strcasecmp(lang, "jscript.encode") == 0 ||
                     strcasecmp(lang, "vbscript.encode") == 0)) {
            h->saved_next = h->next;
            h->next = h->state;
            h->look_for_screnc = false;
            h->state = S_LOOKFOR_SCRENC;
        }
    } else if (strcmp(tag, "a") == 0 || strcmp(tag, "img") == 0) {
        const char *v = arg_value(h, tag[0] == 'a' ? "href" : "src");
        if (v && v[0]) {
            hn_text_str(h, (const uint8_t *)v, strlen(v));
            hn_text(h, ' ');
            h->text_space = true;
        }
    }
    hn_args_clear(h);
}
