/*
 * htmlnorm_int.h - the HTML normaliser's state machine, shared by its files
 * (htmlnorm.c drives it, htmlnorm_tag.c / _ent.c / _data.c / _screnc.c hold
 * the states). One state per libclamav state, so that each quirk of
 * libclamav 1.4.6 has exactly one place to live. Internal to lib/clamav.
 */
#ifndef VIGIL_CLAMAV_HTMLNORM_INT_H
#define VIGIL_CLAMAV_HTMLNORM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clamav/htmlnorm.h"

/* libclamav reads the input in chunks of at most HN_CHUNK - 1 bytes (NULs
 * dropped, cut back to a space) and keeps tag names, attribute names and
 * values, and entity names to HN_STR bytes. */
#define HN_CHUNK 8192
#define HN_STR 1024
/* nocomment.html goes through an 8 KiB write buffer, and libclamav's
 * "rewind one byte" only reaches bytes still in that buffer. */
#define HN_FLUSH 8192

typedef enum hn_state {
    S_BAD,
    S_NORM,
    S_8BIT,
    S_COMMENT,
    S_CHAR_REF,
    S_ENTITY,
    S_SKIP_WS,
    S_TRIM_WS,
    S_TAG,
    S_TAG_ARG,
    S_TAG_ARG_VAL,
    S_TAG_ARG_EQUAL,
    S_PROCESS_TAG,
    S_CHAR_REF_DECODE,
    S_LOOKFOR_SCRENC,
    S_JSDECODE,
    S_JSDECODE_LENGTH,
    S_JSDECODE_DECRYPT,
    S_DATA_TYPE,
    S_DATA_INIT,
    S_DATA,
    S_DATA_FINISH,
    S_DATA_ESC,
    S_ESCAPE_CHAR
} hn_state;

typedef enum hn_quoted { Q_SINGLE, Q_DOUBLE, Q_NONE } hn_quoted;

typedef struct hn_arg {
    size_t name;  /* offsets into hn.args_text, NUL-terminated strings */
    size_t value; /* SIZE_MAX: attribute without a value */
} hn_arg;

typedef struct hn_screnc {
    uint32_t length;
    uint32_t sum;
    uint8_t table_pos;
} hn_screnc;

typedef struct hn {
    const uint8_t *in;
    size_t in_len;
    size_t in_off;
    size_t max_output;

    /* The current chunk, NUL-terminated like libclamav's, and edited in
     * place the way libclamav edits it (the JS normaliser sees the edits). */
    uint8_t line[HN_CHUNK + 1];
    uint8_t *p;

    hn_state state, next, saved_next;
    bool binary, in_script, in_style, text_space, escape, hex;
    bool look_for_screnc, in_screnc;
    hn_quoted quoted;
    int64_t value;
    unsigned long length;
    uint32_t mbchar, mbchar2;

    char tag[HN_STR + 1];
    size_t tag_len;
    char tag_arg[HN_STR + 1];
    size_t tag_arg_len;
    char tag_val[HN_STR + 1];
    size_t tag_val_len;
    char ent[HN_STR + 1];
    size_t ent_len;

    hn_arg *args;
    size_t n_args, cap_args;
    cv_html_buf args_text;

    hn_screnc screnc;
    uint8_t *ptr_screnc;

    /* JavaScript collection: the open script (index into out->scripts) and
     * where its text starts / ends in the current chunk. */
    bool js_open;
    struct cv_js *js; /* the open script's JavaScript normaliser */
    const uint8_t *js_begin, *js_end;
    /* <style>: libclamav's in_script is then 2, here in_style (with
     * in_script set); style_begin is where this chunk's CSS starts. */
    const uint8_t *style_begin;

    size_t o2_pending; /* bytes of nocomment.html still in libclamav's buffer */
    cv_html_buf *data; /* the open rfc2397 file, or NULL */

    cv_html_out *out;
    cv_html_status err;
    bool stop; /* error or libclamav's abort: leave the loop */
} hn;

/* Output (htmlnorm.c). Failures set h->err and h->stop. */
void hn_o2(hn *h, uint8_t c);
void hn_o2_str(hn *h, const uint8_t *s, size_t n);
void hn_o2_rewind(hn *h);
void hn_text(hn *h, uint8_t c);
void hn_text_str(hn *h, const uint8_t *s, size_t n);
void hn_data(hn *h, uint8_t c);
void hn_data_str(hn *h, const char *s, size_t n);
bool hn_buf_put(hn *h, cv_html_buf *b, const uint8_t *s, size_t n);
void hn_js_feed(hn *h, const uint8_t *line_end, bool closing);
bool hn_js_open(hn *h); /* a <script> starts: opens out->scripts[n] */
void hn_style_open(hn *h);
/* Adds [style_begin, end) to the open style block; false (and the machine
 * aborted, as libclamav does) when end lies before style_begin. */
bool hn_style_feed(hn *h, const uint8_t *end);

/* C-locale <ctype.h> tests; libclamav runs in the C locale. */
static inline bool hn_space(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}
static inline bool hn_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}
static inline bool hn_xdigit(uint8_t c)
{
    return hn_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline bool hn_alnum(uint8_t c)
{
    return hn_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline uint8_t hn_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* States. Each looks at *h->p (never NUL) and may move h->p forward. */
void hn_st_tag(hn *h);
void hn_st_tag_arg(hn *h);
void hn_st_tag_arg_equal(hn *h);
void hn_st_tag_arg_val(hn *h);
void hn_st_process_tag(hn *h);
void hn_args_clear(hn *h);

void hn_st_char_ref(hn *h);
void hn_st_entity(hn *h);
void hn_st_char_ref_decode(hn *h);
void hn_entity_flush_eof(hn *h);
/* Decoded form of a code point as libclamav writes it (u16_normalize):
 * nothing for 0, one byte below 0xff, '.' for the three full stops, else
 * "&#xhhhh;". Returns the length written to out[8]. */
size_t hn_u16(uint16_t u, uint8_t out[8]);

void hn_st_data_type(hn *h);
void hn_st_data_init(hn *h);
void hn_st_data(hn *h);
void hn_st_data_finish(hn *h);
void hn_st_data_esc(hn *h);
void hn_st_escape_char(hn *h);

void hn_st_lookfor_screnc(hn *h);
void hn_st_jsdecode(hn *h);
void hn_st_jsdecode_length(hn *h);
void hn_st_jsdecode_decrypt(hn *h);

/* Tables (htmlnorm_tables.c). */
typedef struct hn_entity {
    const char *name;
    uint16_t cp;
} hn_entity;
extern const hn_entity hn_entities[];
extern const size_t hn_entity_count;
extern const uint8_t hn_screnc_order[64];
extern const uint8_t hn_screnc_tables[3][128];

#endif
