/*
 * mail_int.h - internals shared by the mail parser's files (mail_str.c
 * string helpers, mail_msg.c the message object and its decoders,
 * mail_read.c reading lines and headers, mail_parse.c the MIME structure,
 * mail_export.c the text, bounce and BinHex files). Not an API.
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
#define ML_UU_BUF 1024   /* uudecodeFile()'s line buffer */

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
 * destroy: libclamav's destroy_text (the body is freed afterwards); scan:
 * the caller hands the file to the scanner itself (do_multipart), so it is
 * kept even when empty. */
bool ml_msg_to_file(ml_ctx *c, ml_msg *m, cv_mail_kind kind, bool destroy, bool scan);
/* messageExport into a buffer: false when libclamav makes no file (empty
 * body). *name gets the name libclamav gives the file (malloc'd, may be
 * NULL); `files`: the files of earlier encodings libclamav leaves behind
 * are emitted (false for in-memory blobs); *scanned (may be NULL): the
 * result keeps the message's scan context (libclamav scans it at once). */
bool ml_msg_export(ml_ctx *c, ml_msg *m, ml_buf *out, char **name, bool files,
                   bool *scanned);
/* textAddMessage: the message's lines (decoded when encoded) appended to
 * *t, which is created when NULL. Returns 1 when *t holds the text, 0 when
 * libclamav's result is NULL (its text is lost: the caller drops *t), -1
 * when out of memory. */
int ml_text_add_message(ml_ctx *c, ml_text **t, ml_msg *m);
/* decodeLine(UUENCODE) into buf (ML_UU_BUF bytes, kept between lines):
 * the number of bytes of the line's data, 0 to stop */
size_t ml_uu_line(ml_msg *m, const char *line, unsigned char *buf);
/* Appends b (taken over) as a part; an empty one only when keep_empty. */
bool ml_emit(ml_ctx *c, ml_buf *b, const char *name, cv_mail_kind kind, bool keep_empty);
bool ml_text_to_buf(ml_ctx *c, const ml_text *t, size_t from, ml_buf *b);

/* mail_read.c */
typedef struct ml_in {
    const uint8_t *p;
    size_t len, at;
} ml_in;
enum { ML_H_NONE = -1, ML_H_CT = 1, ML_H_CTE, ML_H_CD };
int ml_header_find(const char *s); /* one of ML_H_* (case-insensitive) */
/* getline_from_mbox: a line ends at \n or \r (a \n\r or \r\n pair counts
 * as one), NULs are dropped, at most 998 bytes plus the ending */
bool ml_getline_mbox(ml_in *in, char *buf);
/* fmap_gets: up to 998 bytes, through the first \n */
bool ml_gets_fmap(ml_in *in, char *buf);
/* parseEmailHeader: "cmd: arg" (or '=' / ' ' as separator) after RFC 2047;
 * -1 when it is not a header */
int ml_parse_header(ml_ctx *c, ml_msg *m, const char *line);
/* next_is_folded_header: line i + 1 of t continues line i */
bool ml_next_is_folded(const ml_text *t, size_t i);
/* uudecodeFile: the block after `first` ("begin NNN name") read from in
 * and emitted as a part; false (nothing read) when it names no file */
bool ml_uudecode_file(ml_ctx *c, ml_msg *m, ml_in *in, const char *first);
/* parseEmailFile: the top-level message from `first` on; false when its
 * headers are not mail */
bool ml_parse_email_file(ml_ctx *c, ml_in *in, const char *first, ml_msg *ret);
/* parseEmailHeaders: the headers of the message held in m's lines parsed
 * into *ret (initialised here), the body moved there; false when not mail
 * (*ret reset) */
bool ml_parse_email_headers(ml_ctx *c, ml_msg *m, ml_msg *ret);
int ml_boundary_start(ml_ctx *c, const char *line, const char *boundary);
int ml_boundary_end(const char *line, const char *boundary);

/* mail_export.c */
/* t from line `from` written as a part after `prefix` (may be NULL);
 * counted among libclamav's files */
void ml_save_text(ml_ctx *c, const char *prefix, const ml_text *t, size_t from,
                  const char *name, cv_mail_kind kind);
/* exportBinhexMessage: m's text written (not decoded); m is kept */
void ml_export_binhex(ml_ctx *c, ml_msg *m);
/* the bounce search over a message's collected text */
void ml_bounce_search(ml_ctx *c, const ml_text *t);
/* exportBounceMessage from line `start` of body */
void ml_export_bounce(ml_ctx *c, const ml_text *body, size_t start);

#endif
