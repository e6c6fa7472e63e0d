/*
 * mail_int.h - internals shared by the mail parser's files (mail_str.c
 * string helpers, mail_msg.c the message object and its decoders,
 * mail_parse.c headers and MIME structure). Not an API.
 *
 * A "text" is a list of lines as libclamav keeps them: without their line
 * ending, NULL for an empty line, whitespace-only lines stored as " ".
 */
#ifndef VIGIL_CLAMAV_MAIL_INT_H
#define VIGIL_CLAMAV_MAIL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clamav/mail.h"

#define ML_LINE_MAX 1000 /* libclamav's RFC2821LENGTH */

typedef struct ml_text {
    char **l; /* NULL entries are empty lines */
    size_t n, cap;
} ml_text;

typedef enum ml_mime {
    ML_NOMIME = 0,
    ML_APPLICATION,
    ML_AUDIO,
    ML_IMAGE,
    ML_MESSAGE,
    ML_MULTIPART,
    ML_TEXT,
    ML_VIDEO,
    ML_MEXTENSION
} ml_mime;

typedef enum ml_enc {
    ML_NOENCODING = 0,
    ML_QP,
    ML_BASE64,
    ML_8BIT,
    ML_BINARY,
    ML_UUENCODE,
    ML_YENCODE,
    ML_EEXTENSION,
    ML_BINHEX
} ml_enc;

typedef struct ml_msg {
    ml_mime mime;
    char *subtype;     /* NULL = "" */
    char *disposition; /* NULL = "" */
    char **args;       /* NULL entries: dropped arguments */
    size_t nargs;
    ml_enc enc[16];
    size_t nenc;
    ml_text body;
    /* first line (index+1; 0 = none) of each marker libclamav tracks */
    size_t encoding, bounce, binhex, yenc;
    bool has_ctx; /* libclamav's messageSetCTX: enables bounce marking */
    /* base64 carry between lines */
    int b64n;
    unsigned char b64[3];
} ml_msg;

typedef struct ml_buf {
    uint8_t *d;
    size_t n, cap;
} ml_buf;

typedef struct ml_ctx {
    const cv_mail_limits *lim;
    cv_mail_out *out;
    unsigned files;
    bool nomem;
    bool too_large;
} ml_ctx;

/* mail_str.c */
bool ml_buf_add(ml_ctx *c, ml_buf *b, const void *p, size_t n);
char *ml_strdup(ml_ctx *c, const char *s);
void ml_chomp(char *s);
size_t ml_strstrip(char *s);
bool ml_strtokbuf(const char *in, int field, const char *delim, char *out, size_t outsz);
char *ml_rfc822comments(ml_ctx *c, const char *in); /* NULL when no '(' */
char *ml_rfc2047(ml_ctx *c, const char *in);
int ml_simil(const char *a, const char *b);
bool ml_is_mail_line(const char *line);
bool ml_isuuencodebegin(const char *line);

/* mail_msg.c */
bool ml_text_add(ml_ctx *c, ml_text *t, const char *line); /* copies; NULL = empty */
void ml_text_free(ml_text *t);
void ml_msg_init(ml_msg *m);
void ml_msg_reset(ml_msg *m);
bool ml_msg_set_mime(ml_msg *m, const char *type);
void ml_msg_set_subtype(ml_ctx *c, ml_msg *m, const char *s);
void ml_msg_set_disposition(ml_ctx *c, ml_msg *m, const char *d);
const char *ml_msg_subtype(const ml_msg *m);
const char *ml_msg_disposition(const ml_msg *m);
void ml_msg_add_argument(ml_ctx *c, ml_msg *m, const char *arg);
void ml_msg_add_arguments(ml_ctx *c, ml_msg *m, const char *s);
char *ml_msg_find_argument(ml_ctx *c, const ml_msg *m, const char *var);
bool ml_msg_has_filename(const ml_msg *m);
void ml_msg_set_encoding(ml_ctx *c, ml_msg *m, const char *enctype, int depth);
ml_enc ml_msg_encoding(const ml_msg *m);
bool ml_msg_add_str(ml_ctx *c, ml_msg *m, const char *line);
bool ml_msg_add_line(ml_ctx *c, ml_msg *m, const char *line);
bool ml_msg_add_str_top(ml_ctx *c, ml_msg *m, const char *line);
void ml_msg_move_text(ml_msg *to, ml_msg *from, size_t from_index);
/* messageToFileblob: appends a part (or nothing when the body is empty).
 * destroy: libclamav's destroy_text (the body is freed afterwards). */
bool ml_msg_to_file(ml_ctx *c, ml_msg *m, cv_mail_kind kind, bool destroy);
/* messageExport into a buffer: false when libclamav makes no file (empty
 * body). *name gets the name libclamav gives the file (malloc'd, may be
 * NULL); `early` collects the files of earlier encodings libclamav leaves
 * behind (may be NULL). */
bool ml_msg_export(ml_ctx *c, ml_msg *m, ml_buf *out, char **name, cv_mail_out *early);
/* textAddMessage: the message's lines (decoded when encoded) appended */
bool ml_text_add_message(ml_ctx *c, ml_text *t, ml_msg *m);
bool ml_emit(ml_ctx *c, ml_buf *b, const char *name, cv_mail_kind kind);
bool ml_text_to_buf(ml_ctx *c, const ml_text *t, size_t from, ml_buf *b);

/* mail_parse.c */
int ml_boundary_start(ml_ctx *c, const char *line, const char *boundary);
int ml_boundary_end(const char *line, const char *boundary);

#endif
