/*
 * htmlnorm.h - libclamav 1.4.6's HTML normaliser as a pure function.
 *
 * clamscan never matches signatures against the raw bytes of an object it
 * types as HTML. cli_scanhtml() runs html_normalise_map() into a temporary
 * folder and scans what it wrote there instead:
 *   nocomment.html  lower-cased HTML, comments and most whitespace removed,
 *                   entities decoded                      (scan as HTML)
 *   notags.html     the text between tags, plus <a href> / <img src> values
 *                   (scan as HTML, only if the *input* is <= max_htmlnotags)
 *   javascript      each <script> block normalised by libclamav's JS
 *                   normaliser                  (scan as HTML, then as text)
 *   rfc2397/        one file per data: URI in an attribute value (a MIME
 *                   header libclamav writes, then the still-encoded payload)
 *                                                        (magic scan each)
 * and nothing at all when the input is larger than max_htmlnormalize.
 *
 * cv_html_normalise() returns those outputs as memory buffers with libclamav's
 * exact bytes. Each buffer says whether libclamav would have created the
 * file: nocomment/notags always exist, javascript only once a </script> (or
 * the end of the input inside a script) made libclamav emit a script (its
 * JavaScript normaliser is jsnorm.c).
 *
 * clamscan 1.4.6 also scans images it extracts from the CSS of <style>
 * blocks; `styles` holds each block's CSS text for that. `scripts` holds the
 * raw text of each script block, for inspection and tests.
 */
#ifndef VIGIL_CLAMAV_HTMLNORM_H
#define VIGIL_CLAMAV_HTMLNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* clamscan's defaults (libclamav others.h, 1.x); clamscan options
 * --max-htmlnormalize, --max-htmlnotags, --max-scriptnormalize. */
#define CV_HTML_MAX_NORMALIZE (40u * 1024u * 1024u) /* no normalisation above */
#define CV_HTML_MAX_NOTAGS (8u * 1024u * 1024u)     /* notags.html not scanned above */
#define CV_HTML_MAX_SCRIPTNORMALIZE (20u * 1024u * 1024u)

typedef enum cv_html_status {
    CV_HTML_OK = 0,
    CV_HTML_NOMEM,    /* allocation failed; *out is freed and zeroed */
    CV_HTML_TOO_LARGE /* an output grew past lim->max_output; *out freed */
} cv_html_status;

typedef struct cv_html_limits {
    /* Hard cap on each buffer the normaliser grows (outputs and its own
     * attribute store), 0 = none: a guard on memory for hostile input. */
    size_t max_output;
} cv_html_limits;

typedef struct cv_html_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool exists; /* libclamav would have created this file */
} cv_html_buf;

/* One <script> (or <style>) block: for a script the bytes libclamav passes
 * to its JS normaliser, concatenated (one piece per 8 KiB input chunk the
 * block spans); for a style the CSS libclamav collects. `closed`: ended by
 * its end tag (false: the input ended, or </script> ended a style). */
typedef struct cv_html_script {
    cv_html_buf text;
    bool closed;
} cv_html_script;

typedef struct cv_html_out {
    cv_html_buf nocomment;
    cv_html_buf notags;
    cv_html_buf javascript;
    cv_html_buf *rfc2397; /* one per data: URI, in document order */
    size_t n_rfc2397;
    cv_html_script *scripts;
    size_t n_scripts;
    /* <style> blocks: the CSS text libclamav collects (from after <style>
     * to 8 bytes before the point where it handles </style>); on a closed
     * block libclamav extracts url(data:...) images and scans them. */
    cv_html_script *styles;
    size_t n_styles;
    /* libclamav stopped early on an internal state error; the outputs are
     * what it had written by then (it still scans them). */
    bool aborted;
} cv_html_out;

/* Normalise `len` bytes of HTML as clamscan 1.4.6 does (its default engine
 * configuration: entity conversion and JS collection on). `lim` may be NULL.
 * The caller checks CV_HTML_MAX_NORMALIZE (on the input length) before
 * calling, as cli_scanhtml() does. On success the caller owns *out and frees
 * it with cv_html_out_free(). No recursion; work is linear in `len` with a
 * constant that is large only in one case libclamav has too: each Script
 * Encoder marker found ahead by <%@ language=...encode> makes it rerun the
 * rest of its 8 KiB chunk (the reruns start strictly later, so at most a
 * chunk's length of them per chunk). */
cv_html_status cv_html_normalise(const uint8_t *in, size_t len, const cv_html_limits *lim,
                                 cv_html_out *out);

/* Frees every buffer of *out and zeroes it; NULL is a no-op. */
void cv_html_out_free(cv_html_out *out);

#endif
