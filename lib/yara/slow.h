/*
 * slow.h - yara 4.2's "may slow down scanning" heuristics, so vigil warns
 * about the same strings: atom quality (short atoms, common bytes such as
 * 00 20 CC FF, one byte repeated) and regexes with unbounded dots.
 */
#ifndef VIGIL_YARA_SLOW_H
#define VIGIL_YARA_SLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../re/re.h"

/* True when the best atom of a text string (with its wide/xor forms) is
 * below yara's quality threshold. */
bool yc_text_is_slow(const uint8_t *s, size_t len, unsigned ir_flags, uint8_t xor_min,
                     uint8_t xor_max);

/* The same for a compiled hex string or regex, from the atoms lib/re chose. */
bool yc_prog_is_slow(const re_prog *prog);

/* True when a regex source has .* .+ or .{n,} (outside a class, unescaped). */
bool yc_regex_has_unbounded_dot(const char *src, size_t len);

#endif
