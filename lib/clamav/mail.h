/*
 * mail.h - libclamav 1.4.6's mail parser (cli_mbox: mbox.c, message.c,
 * text.c) as a pure function.
 *
 * clamscan never matches signatures against the decoded contents of a mail
 * through the mail's own bytes: cli_scanmail() parses the message (headers,
 * MIME multipart, nested messages, transfer encodings) and writes each part
 * it extracts into a temporary folder ("mail-tmp"), magic-scanning each file
 * as soon as it is written (and the whole folder once more at the end, which
 * the clean cache makes a no-op). cv_mail_parts() returns those files, with
 * libclamav's exact bytes, in the order libclamav creates them.
 *
 * What the scanner does with each part (see cv_mail_part):
 *   magic-scan part->data as a new object (its own file type detection),
 *   one recursion level below the mail, in the order of out->parts.
 * Nothing else: libclamav types each part from its bytes, never from the
 * MIME headers. `name` is the file name libclamav records for the part (it
 * shows in the CDBNAME debug line and is what .cdb container signatures see
 * as the file name); `kind` says why the part exists, for reports and tests.
 * A part may be empty (len 0): libclamav keeps an empty file it scanned
 * (an attachment that decodes to nothing); scanning it finds nothing.
 *
 * Besides MIME: uuencoded blocks ("begin NNN name" in a body or an mbox
 * entry) are decoded into parts as they are read (so before the message's
 * other parts); BinHex is not decoded here: libclamav writes the text that
 * holds it (kind ATTACHMENT) and its file-type detection hands that file
 * to its BinHex scanner, a container vigil does not unpack yet; bounces
 * (a returned message inside a plain body) are written as parts of their
 * own; message/partial is not reassembled (clamscan's default).
 */
#ifndef VIGIL_CLAMAV_MAIL_H
#define VIGIL_CLAMAV_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* clamscan's defaults (--max-recursion, --max-files, --max-scansize). The
 * recursion limit is parseEmailBody's own (engine->maxreclevel), counted
 * from the mail. */
#define CV_MAIL_MAX_RECURSION 17u
#define CV_MAIL_MAX_FILES 10000u
#define CV_MAIL_MAX_TOTAL (400u * 1024u * 1024u)

typedef enum cv_mail_status {
    CV_MAIL_OK = 0,
    CV_MAIL_NOMEM,    /* allocation failed; *out is freed and zeroed */
    CV_MAIL_TOO_LARGE /* the parts grew past lim->max_total; *out freed */
} cv_mail_status;

typedef struct cv_mail_limits {
    unsigned max_recursion; /* 0 = CV_MAIL_MAX_RECURSION */
    unsigned max_files;     /* 0 = CV_MAIL_MAX_FILES */
    size_t max_total;       /* total bytes of all parts, 0 = CV_MAIL_MAX_TOTAL */
} cv_mail_limits;

typedef enum cv_mail_kind {
    CV_MAIL_ATTACHMENT = 0, /* a MIME part (or a non-MIME body part) decoded,
                             * a uudecoded block, a BinHex text */
    CV_MAIL_TEXTPORTION,    /* a message body saved as text ("textportion") */
    CV_MAIL_TEXTPART,       /* the collected plain-text parts of a multipart */
    CV_MAIL_RFC822,         /* an encoded message/rfc822 part in a multipart,
                             * decoded: a mail of its own to be parsed again */
    CV_MAIL_BOUNCE          /* a bounce found in the body */
} cv_mail_kind;

typedef struct cv_mail_part {
    uint8_t *data;
    size_t len;
    char *name; /* NUL-terminated; libclamav's name for the file */
    cv_mail_kind kind;
    /* libclamav does not scan this file when it writes it (text saved
     * through textToFileBlob): its final scan of the mail's folder does,
     * after every part scanned as written, in the folder's order */
    bool deferred;
} cv_mail_part;

typedef struct cv_mail_out {
    cv_mail_part *parts; /* in libclamav's creation (= scan) order */
    size_t n_parts;
    size_t cap_parts;
    size_t total;
    /* libclamav stopped on its recursion or file-count limit; the parts are
     * those it had written (it scans them and reports the limit). */
    bool hit_recursion;
    bool hit_max_files;
    /* cli_mbox did not return CL_SUCCESS (the last message's body failed,
     * e.g. message/partial, or a limit was hit): cli_scanmail then skips
     * its final scan of the mail's folder, so the deferred parts are
     * never scanned. */
    bool no_folder_scan;
} cv_mail_out;

/* Parse `len` bytes of a file clamscan typed CL_TYPE_MAIL the way clamscan
 * 1.4.6's cli_mbox() does. `lim` may be NULL. On success the caller owns
 * *out and frees it with cv_mail_out_free(). Work is bounded: nesting is
 * limited by lim->max_recursion (an explicit depth argument), every loop is
 * over the input's lines. */
cv_mail_status cv_mail_parts(const uint8_t *in, size_t len, const cv_mail_limits *lim,
                             cv_mail_out *out);

/* Frees every part of *out and zeroes it; NULL is a no-op. */
void cv_mail_out_free(cv_mail_out *out);

#endif
