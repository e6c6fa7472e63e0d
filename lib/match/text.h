/*
 * text.h - yara 4.2's rules for text strings, as pure functions over bytes:
 * the literal forms a string expands to (wide, xor, base64) and the exact
 * verification yara runs where one of them was found (which form wins at an
 * offset, the xor key, the fullword test). Kept apart from Vectorscan so that
 * each rule can be tested on its own.
 */
#ifndef VIGIL_MATCH_TEXT_H
#define VIGIL_MATCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* out[2i] = in[i], out[2i+1] = 0 (UTF-16LE of ASCII text, yara's "wide"). */
void mt_widen(const uint8_t *in, size_t n, uint8_t *out);

/* Upper bound of mt_base64_form's output for an n-byte plaintext. */
size_t mt_base64_form_max(size_t n);

/* One of yara's three base64 encodings of plain[0..n): the plaintext is
 * shifted by `shift` (0..2) bytes, encoded with alphabet (64 bytes), and the
 * characters that depend on the unknown neighbouring bytes are cut off.
 * With wide, the result is widened. Returns the length written to out
 * (0 when nothing is left). */
size_t mt_base64_form(const uint8_t *plain, size_t n, const uint8_t *alphabet, int shift, bool wide,
                      uint8_t *out);

/* The standard base64 alphabet. */
extern const uint8_t mt_base64_std[64];

/* yara's literal verification at data[x]: tries, in yara's order, ascii and
 * wide (caseless with IR_SF_NOCASE, which disables xor), then with IR_SF_XOR
 * the xor'ed wide and ascii forms under the key data[x] ^ s[0]. Returns the
 * match length (2*slen for a wide match) or 0, and the key (0 for a plain
 * match). flags are IR_SF_* bits. */
uint32_t mt_text_verify(const uint8_t *s, uint32_t slen, uint32_t flags, const uint8_t *data,
                        size_t dlen, size_t x, uint8_t *key);

/* yara's fullword test of the match data[x .. x+mlen): false when an
 * alphanumeric character (or, for wide, an alphanumeric followed by 0)
 * touches it on either side. */
bool mt_fullword_ok(const uint8_t *data, size_t dlen, size_t x, size_t mlen, bool wide);

#endif
