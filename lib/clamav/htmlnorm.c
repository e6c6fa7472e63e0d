/*
 * htmlnorm.c - drives the HTML normaliser: reads the input in libclamav's
 * chunks, runs the state machine over each, owns the output buffers, and
 * holds the text states (plain text, whitespace, 8-bit runs, comments).
 * Tags live in htmlnorm_tag.c, entities in _ent.c, data: URIs in _data.c,
 * the Script Encoder in _screnc.c. Every rule here reproduces an observable
 * behaviour of libclamav 1.4.6 (cli_html_normalise), quirks included.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/htmlnorm_int.h"
#include "clamav/jsnorm.h"

/* ---- output buffers ---------------------------------------------------- */

bool hn_buf_put(hn *h, cv_html_buf *b, const uint8_t *s, size_t n)
{
    if (h->stop)
        return false;
    if (n == 0)
        return true;
    size_t need;
    if (__builtin_add_overflow(b->len, n, &need) || (h->max_output && need > h->max_output)) {
        h->err = CV_HTML_TOO_LARGE;
        h->stop = true;
        return false;
    }
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            h->err = CV_HTML_NOMEM;
            h->stop = true;
            return false;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len = need;
    return true;
}

/* nocomment.html: libclamav's html_output_c / html_output_str on an 8 KiB
 * buffer, tracked only to know how much a rewind can take back. */
void hn_o2(hn *h, uint8_t c)
{
    if (h->o2_pending == HN_FLUSH)
        h->o2_pending = 0;
    if (hn_buf_put(h, &h->out->nocomment, &c, 1))
        h->o2_pending++;
}

void hn_o2_str(hn *h, const uint8_t *s, size_t n)
{
    if (h->o2_pending + n >= HN_FLUSH)
        h->o2_pending = 0;
    if (hn_buf_put(h, &h->out->nocomment, s, n) && n < HN_FLUSH)
        h->o2_pending += n;
}

void hn_o2_rewind(hn *h)
{
    if (h->o2_pending > 0) {
        h->o2_pending--;
        h->out->nocomment.len--;
    }
}

void hn_text(hn *h, uint8_t c)
{
    hn_buf_put(h, &h->out->notags, &c, 1);
}

void hn_text_str(hn *h, const uint8_t *s, size_t n)
{
    hn_buf_put(h, &h->out->notags, s, n);
}

void hn_data(hn *h, uint8_t c)
{
    if (h->data)
        hn_buf_put(h, h->data, &c, 1);
}

void hn_data_str(hn *h, const char *s, size_t n)
{
    if (h->data)
        hn_buf_put(h, h->data, (const uint8_t *)s, n);
}

/* ---- JavaScript collection (libclamav's js_process) -------------------- */

static cv_html_script *cur_script(hn *h)
{
    return &h->out->scripts[h->out->n_scripts - 1];
}

static void js_fail(hn *h)
{
    h->err = CV_HTML_NOMEM;
    h->stop = true;
}

/* The script is over: libclamav normalises it and appends it to the
 * javascript file (also when the input ends inside it). */
static void js_close(hn *h)
{
    if (h->err == CV_HTML_OK && !cv_js_finish(h->js, &h->out->javascript, h->max_output)) {
        h->err = h->max_output && h->out->javascript.len >= h->max_output ? CV_HTML_TOO_LARGE
                                                                          : CV_HTML_NOMEM;
        h->stop = true;
    }
    cv_js_free(h->js);
    h->js = NULL;
    h->js_open = false;
}

/* Feeds the current chunk's script text, from js_begin (or the chunk start)
 * to js_end (or line_end), to the open script; `closing` ends it. */
void hn_js_feed(hn *h, const uint8_t *line_end, bool closing)
{
    if (!h->js_open)
        return;
    const uint8_t *b = h->js_begin ? h->js_begin : h->line;
    const uint8_t *e = h->js_end ? h->js_end : line_end;
    if (e > b && b >= h->line && e < h->line + HN_CHUNK) {
        hn_buf_put(h, &cur_script(h)->text, b, (size_t)(e - b));
        if (!h->stop && !cv_js_feed(h->js, b, (size_t)(e - b)))
            js_fail(h);
    }
    if (closing) {
        cur_script(h)->closed = true;
        js_close(h);
    }
}

/* ---- <style> collection ------------------------------------------------ */

static bool add_block(hn *h, cv_html_script **list, size_t *n)
{
    cv_html_script *s = realloc(*list, (*n + 1) * sizeof(*s));
    if (!s) {
        h->err = CV_HTML_NOMEM;
        h->stop = true;
        return false;
    }
    *list = s;
    memset(&s[*n], 0, sizeof(*s));
    s[*n].text.exists = true;
    (*n)++;
    return true;
}

void hn_style_open(hn *h)
{
    h->in_script = true;
    h->in_style = true;
    h->style_begin = h->p;
    add_block(h, &h->out->styles, &h->out->n_styles);
}

bool hn_style_feed(hn *h, const uint8_t *end)
{
    if (end < h->style_begin) {
        /* libclamav: "style chunk size underflow", then its clean-up */
        h->out->aborted = true;
        h->stop = true;
        return false;
    }
    if (h->out->n_styles > 0 && end > h->style_begin)
        hn_buf_put(h, &h->out->styles[h->out->n_styles - 1].text, h->style_begin,
                   (size_t)(end - h->style_begin));
    return true;
}

/* ---- text states ------------------------------------------------------- */

static void st_skip_ws(hn *h)
{
    if (hn_space(*h->p)) {
        h->p++;
    } else {
        h->state = h->next;
        h->next = S_BAD;
    }
}

static void st_trim_ws(hn *h)
{
    if (hn_space(*h->p)) {
        h->p++;
    } else {
        if (!h->in_script)
            hn_o2(h, ' ');
        h->state = h->next;
        h->next = S_BAD;
    }
}

/* Is a run of high bytes one of the full stops libclamav rewrites to '.'
 * (U+3002, U+FF0E, U+FE52 in UTF-8, or 0xA1 before C, D or O)? */
static bool full_stop(uint32_t mb, uint8_t c)
{
    return mb == 0xE38082 || mb == 0xEFBC8E || mb == 0xEFB992 ||
           (mb == 0xA1 && (c == 0x43 || c == 0x44 || c == 0x4F));
}

/* Up to three bytes >= 0x80 are gathered, then written. notags.html gets
 * the middle byte where nocomment.html gets the last (libclamav's slip). */
static void st_8bit(hn *h)
{
    uint8_t c = *h->p;
    if (c >= 0x80 && h->mbchar < 0x10000) {
        h->mbchar = (h->mbchar << 8) | c;
        h->p++;
        return;
    }
    if (full_stop(h->mbchar, c)) {
        hn_o2(h, '.');
        hn_text(h, '.');
        if (h->mbchar == 0xA1) {
            /* the C/D/O is eaten and the state stays 8BIT with nothing
             * gathered: the next ASCII byte flushes a NUL */
            h->p++;
            h->mbchar = 0;
            return;
        }
    } else {
        uint8_t c0 = (uint8_t)(h->mbchar >> 16);
        uint8_t c1 = (uint8_t)(h->mbchar >> 8);
        uint8_t c2 = (uint8_t)h->mbchar;
        if (c0) {
            hn_o2(h, c0);
            hn_text(h, c0);
        }
        if (c0 || c1) {
            hn_o2(h, c1);
            hn_text(h, c1);
        }
        hn_o2(h, c2);
        hn_text(h, c1);
    }
    h->mbchar = 0;
    h->state = h->next;
    h->next = S_NORM;
}

static void text_space(hn *h)
{
    if (!h->in_script && !h->text_space) {
        hn_text(h, ' ');
        h->text_space = true;
    }
}

static void st_norm(hn *h)
{
    uint8_t c = *h->p;
    if (c == '<') {
        hn_o2(h, '<');
        text_space(h);
        h->p++;
        h->state = S_SKIP_WS;
        h->tag_len = 0;
        h->next = S_TAG;
    } else if (hn_space(c)) {
        text_space(h);
        h->state = S_TRIM_WS;
        h->next = S_NORM;
    } else if (c == '&') {
        text_space(h);
        h->state = S_CHAR_REF;
        h->next = S_NORM;
        h->p++;
    } else if (c >= 0x80) {
        h->state = S_8BIT;
        h->next = S_NORM;
        h->mbchar = c;
        h->p++;
    } else {
        uint8_t l = hn_lower(c);
        if (h->in_script && l == '\'')
            l = '"'; /* scripts: ' and " are one quote */
        hn_o2(h, l);
        if (!h->in_script) {
            if (c < 0x20) {
                text_space(h);
            } else {
                hn_text(h, l);
                h->text_space = false;
            }
        }
        h->p++;
    }
}

/* A comment runs from "<!" to the first '>'; inside a script its non-space
 * bytes still reach nocomment.html. */
static void st_comment(hn *h)
{
    uint8_t c = *h->p;
    if (h->in_script && !hn_space(c)) {
        uint8_t l = hn_lower(c);
        hn_o2(h, l == '\'' ? '"' : l);
    }
    if (c == '>') {
        h->state = S_SKIP_WS;
        h->next = S_NORM;
    }
    h->p++;
}

static void step(hn *h)
{
    switch (h->state) {
    case S_BAD:
        break; /* handled by the caller */
    case S_NORM: st_norm(h); break;
    case S_8BIT: st_8bit(h); break;
    case S_COMMENT: st_comment(h); break;
    case S_CHAR_REF: hn_st_char_ref(h); break;
    case S_ENTITY: hn_st_entity(h); break;
    case S_SKIP_WS: st_skip_ws(h); break;
    case S_TRIM_WS: st_trim_ws(h); break;
    case S_TAG: hn_st_tag(h); break;
    case S_TAG_ARG: hn_st_tag_arg(h); break;
    case S_TAG_ARG_VAL: hn_st_tag_arg_val(h); break;
    case S_TAG_ARG_EQUAL: hn_st_tag_arg_equal(h); break;
    case S_PROCESS_TAG: hn_st_process_tag(h); break;
    case S_CHAR_REF_DECODE: hn_st_char_ref_decode(h); break;
    case S_LOOKFOR_SCRENC: hn_st_lookfor_screnc(h); break;
    case S_JSDECODE: hn_st_jsdecode(h); break;
    case S_JSDECODE_LENGTH: hn_st_jsdecode_length(h); break;
    case S_JSDECODE_DECRYPT: hn_st_jsdecode_decrypt(h); break;
    case S_DATA_TYPE: hn_st_data_type(h); break;
    case S_DATA_INIT: hn_st_data_init(h); break;
    case S_DATA: hn_st_data(h); break;
    case S_DATA_FINISH: hn_st_data_finish(h); break;
    case S_DATA_ESC: hn_st_data_esc(h); break;
    case S_ESCAPE_CHAR: hn_st_escape_char(h); break;
    }
}

/* ---- input chunks (libclamav's cli_readchunk on a memory map) ---------- */

/* Cut a full chunk back to just after its last whitespace byte, unless the
 * only whitespace is the first byte (or none). */
static size_t rewind_to_space(const uint8_t *s, size_t n)
{
    size_t k = n;
    while (k > 1 && !hn_space(s[k - 1]))
        k--;
    return k == 1 ? n : k;
}

/* Loads the next chunk into h->line: up to HN_CHUNK - 1 bytes without their
 * NULs. A chunk that stops inside a word is cut back to a space and the
 * input offset moved back by the number of bytes cut from the *chunk* -
 * which, when NULs were dropped, is not where the chunk really ended;
 * libclamav does the same, so the same bytes are read twice or skipped. */
static bool read_chunk(hn *h)
{
    size_t avail = h->in_len - h->in_off;
    size_t n = avail < HN_CHUNK - 1 ? avail : HN_CHUNK - 1;
    if (n == 0)
        return false;
    const uint8_t *start = h->in + h->in_off;
    const uint8_t *end = h->in + h->in_len;
    const uint8_t *nul = memchr(start, 0, n);
    const uint8_t *next;
    size_t k;
    if (!nul) {
        memcpy(h->line, start, n);
        k = n;
        next = start + n;
    } else {
        k = (size_t)(nul - start);
        memcpy(h->line, start, k);
        next = nul;
        while (next < end && k < HN_CHUNK - 1) {
            uint8_t c = *next++;
            if (c)
                h->line[k++] = c;
        }
    }
    h->in_off += (size_t)(next - start);
    h->line[k] = 0;
    if (next < end && !hn_space(*next)) {
        size_t cut = rewind_to_space(h->line, k);
        if (cut < k) {
            h->line[cut] = 0;
            h->in_off -= k - cut;
        }
    }
    h->p = h->line;
    return true;
}

/* One pass of libclamav's per-chunk loop body; returns false once the
 * machine hit its error state (libclamav jumps to its clean-up). */
static bool run_line(hn *h)
{
    while (*h->p && hn_space(*h->p))
        h->p++;
    while (*h->p && !h->stop) {
        if (!h->binary && *h->p == '\n') {
            *h->p = ' ';
            continue;
        }
        if (!h->binary && *h->p == '\r') {
            h->p++;
            continue;
        }
        if (h->state == S_BAD)
            return false;
        step(h);
    }
    if (h->stop)
        return !h->out->aborted;
    if (h->in_style && !hn_style_feed(h, h->p))
        return false;
    if (h->js_open) {
        hn_js_feed(h, h->p, !h->in_script);
        h->js_begin = h->js_end = NULL;
    }
    return true;
}

static void normalise(hn *h)
{
    bool more = read_chunk(h);
    while (more && !h->stop) {
        if (!run_line(h)) {
            h->out->aborted = true;
            return;
        }
        if (h->look_for_screnc && h->ptr_screnc) {
            /* the encoded script starts in this chunk: rerun from there */
            h->p = h->ptr_screnc;
            h->ptr_screnc = NULL;
            h->state = S_JSDECODE_LENGTH;
            h->next = S_BAD;
            continue;
        }
        more = read_chunk(h);
        if (h->in_style)
            h->style_begin = h->line;
        if (h->in_screnc) {
            h->state = S_JSDECODE_DECRYPT;
            h->next = S_BAD;
        } else if (h->look_for_screnc && !h->ptr_screnc && h->state != S_LOOKFOR_SCRENC) {
            h->saved_next = h->next;
            h->next = h->state;
            h->state = S_LOOKFOR_SCRENC;
        }
        if (h->next == h->state)
            h->next = S_BAD; /* libclamav's guard against a loop */
    }
    if (!h->stop)
        hn_entity_flush_eof(h);
}

static void buf_free(cv_html_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void cv_html_out_free(cv_html_out *out)
{
    if (!out)
        return;
    buf_free(&out->nocomment);
    buf_free(&out->notags);
    buf_free(&out->javascript);
    for (size_t i = 0; i < out->n_rfc2397; i++)
        buf_free(&out->rfc2397[i]);
    free(out->rfc2397);
    for (size_t i = 0; i < out->n_scripts; i++)
        buf_free(&out->scripts[i].text);
    free(out->scripts);
    for (size_t i = 0; i < out->n_styles; i++)
        buf_free(&out->styles[i].text);
    free(out->styles);
    memset(out, 0, sizeof(*out));
}

bool hn_js_open(hn *h)
{
    if (!add_block(h, &h->out->scripts, &h->out->n_scripts))
        return false;
    h->js = cv_js_new();
    if (!h->js) {
        js_fail(h);
        return false;
    }
    h->js_open = true;
    return true;
}

cv_html_status cv_html_normalise(const uint8_t *in, size_t len, const cv_html_limits *lim,
                                 cv_html_out *out)
{
    memset(out, 0, sizeof(*out));
    hn *h = calloc(1, sizeof(*h));
    if (!h)
        return CV_HTML_NOMEM;
    h->in = in;
    h->in_len = in ? len : 0;
    h->max_output = lim ? lim->max_output : 0;
    h->out = out;
    h->state = S_NORM;
    h->next = S_BAD;
    h->saved_next = S_BAD;
    h->quoted = Q_NONE;
    out->nocomment.exists = true;
    out->notags.exists = true;

    normalise(h);
    /* the input ended (or the machine stopped) inside a script: libclamav
     * still emits what it has */
    if (h->js_open)
        js_close(h);

    cv_html_status st = h->err;
    hn_args_clear(h);
    free(h->args);
    free(h->args_text.data);
    free(h);
    if (st != CV_HTML_OK)
        cv_html_out_free(out);
    return st;
}
