/*
 * jsnorm.h - libclamav 1.4.6's JavaScript normaliser (libclamav/jsparse),
 * which writes the "javascript" file of cli_scanhtml(): each <script> block
 * tokenised, identifiers declared with var/function renamed n000, n001...,
 * string literals joined and unescaped, eval("...") / unescape("...") /
 * packer calls expanded, everything lower-cased, wrapped in <script> tags.
 * The HTML normaliser (htmlnorm.c) drives it; internal to lib/clamav.
 */
#ifndef VIGIL_CLAMAV_JSNORM_H
#define VIGIL_CLAMAV_JSNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clamav/htmlnorm.h"

typedef struct cv_js cv_js;

/* A parser for one script; NULL when out of memory. */
cv_js *cv_js_new(void);
/* One piece of script text, exactly as libclamav passes it (one call per
 * HTML chunk: tokens, strings and comments continue across calls, escape
 * sequences do not). False when out of memory. */
bool cv_js_feed(cv_js *js, const uint8_t *buf, size_t len);
/* Ends the script and appends its normalised form to `out` the way
 * libclamav appends to the javascript file ('\n' between scripts).
 * `max_output` (0: none) caps out->len. False when out of memory or over
 * the cap. */
bool cv_js_finish(cv_js *js, cv_html_buf *out, size_t max_output);
void cv_js_free(cv_js *js);

#endif
