/*
 * cssimg.h - the images clamscan 1.4.6 extracts from the CSS of HTML <style>
 * blocks (libclamav_rust css_image_extract.rs and its caller in htmlnorm.c),
 * as a pure function.
 *
 * What libclamav does (confirmed with clamscan 1.4.6, see the unit test):
 *
 * Which CSS. The HTML normaliser appends the CSS of every <style> block to
 * ONE buffer: closed blocks, a block the input ends inside, and the part of
 * a block ended by </script> that came from earlier 8 KiB chunks (that is
 * exactly cv_html_out.styles[i].text, concatenated in order; `closed` does
 * not matter). After its main loop, when at least one <style> was seen and
 * the normaliser did not stop on an internal error (cv_html_out.aborted),
 * it hands that buffer to the extractor once. So a url( in one block and
 * its data in the next still make an image. The buffer is read as a C
 * string (it ends at a NUL; the normaliser drops NULs anyway) converted to
 * UTF-8 lossily (invalid bytes become U+FFFD: they never stop extraction).
 *
 * The parse, repeated from where the last one stopped:
 *   1. find the next "url" (exact bytes, case-sensitive: "URL(" is no url);
 *   2. walk extended grapheme clusters: skip clusters holding whitespace
 *      (Rust char::is_whitespace, i.e. Unicode White_Space), stop at a
 *      cluster that is exactly "("; anything else: back to 1;
 *   3. find the matching ")" counting nested "(" ")" clusters; none before
 *      the end of the CSS: extraction ends here (later urls are lost);
 *   4. the text between: trim whitespace, then every leading and trailing
 *      '"' (single quotes are kept, so url('data:...') is never an image),
 *      then whitespace again;
 *   5. it must start with "data:" (any MIME type, even none: data:;base64),
 *      then everything up to the first ';' is skipped; then whitespace
 *      clusters, a cluster "b", "ase64", whitespace clusters, a cluster ","
 *      and leading whitespace (so "data:x; base64 , AAAA" is an image);
 *      anything else: back to 1. (Nothing after "base64": an empty image.)
 *   6. the rest is decoded as standard base64 (Rust base64 STANDARD engine):
 *      A-Z a-z 0-9 + /, canonical '=' padding required, no whitespace,
 *      unused low bits must be zero. On any decoding error extraction ENDS:
 *      that and every later url() in the document are not scanned.
 * Clusters matter: ")" followed by a combining mark is not ")", a Prepend
 * character (U+0600...) glued to a space makes a whitespace cluster. This
 * file models clusters exactly for the characters the parse looks at,
 * with Unicode 14 mark tables (the Rust crate's tables are newer: marks
 * added since then are not glued here).
 *
 * How each image is scanned (cli_magic_scan_buff(image, len, ctx, NULL,
 * LAYER_ATTRIBUTES_NONE) in libclamav 1.4.6):
 *   - as a new object, typed from its own bytes (a GIF is CL_TYPE_GIF and
 *     matches target-5 and target-0 .ndb signatures, not target 3), one
 *     layer below the HTML; NOT normalised: an .ldb Container:CL_TYPE_HTML
 *     matches it and Intermediates:CL_TYPE_ZIP>CL_TYPE_HTML does for an
 *     HTML inside a zip; the container is CL_TYPE_HTML even when the file
 *     was typed as text and HTML was found inside it;
 *   - during normalisation, i.e. BEFORE nocomment.html, notags.html, the
 *     javascript views and the rfc2397 files are scanned;
 *   - in document order; an image of 0 bytes is not scanned at all (no
 *     layer), images under 5 bytes get libclamav's "small data" treatment
 *     like any object;
 *   - a detection stops the rest of the images (and, without --allmatch,
 *     the file); with --allmatch the remaining images are scanned.
 */
#ifndef VIGIL_CLAMAV_CSSIMG_H
#define VIGIL_CLAMAV_CSSIMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "htmlnorm.h"

typedef enum cv_css_status {
    CV_CSS_OK = 0,
    CV_CSS_NOMEM /* allocation failed; *out is freed and zeroed */
} cv_css_status;

typedef struct cv_css_image {
    uint8_t *data; /* NULL when len == 0 */
    size_t len;
} cv_css_image;

typedef struct cv_css_out {
    cv_css_image *images; /* in the order libclamav scans them */
    size_t n_images;
    /* extraction ended on a base64 error (later url()s were not looked at) */
    bool bad_base64;
} cv_css_out;

/* Extracts the images of `len` bytes of CSS (one buffer: libclamav's
 * concatenation of all style blocks). No recursion; time linear in `len`;
 * the decoded bytes total at most len * 3 / 4. On success the caller owns
 * *out and frees it with cv_css_out_free(). */
cv_css_status cv_css_images(const uint8_t *css, size_t len, cv_css_out *out);

/* The whole of libclamav's step for one normalised HTML document: nothing
 * when the normaliser aborted or saw no <style>, else cv_css_images() on
 * the concatenation of every styles[i].text. */
cv_css_status cv_css_images_html(const cv_html_out *html, cv_css_out *out);

/* Frees every image of *out and zeroes it; NULL is a no-op. */
void cv_css_out_free(cv_css_out *out);

#endif
