/*
 * escape.h - the byte-to-text renderings yara's command line uses, kept in
 * one place so `vigil yara` output matches yara 4.2.3 byte for byte and
 * `vigil scan` shows bytes the same familiar way.
 */
#ifndef VIGIL_CLI_ESCAPE_H
#define VIGIL_CLI_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Matched text: printable ASCII as is, every other byte as \xHH. */
void esc_print_string(FILE *out, const uint8_t *data, size_t len);

/* Module string values (yara -D): the same, with lower-case \xhh. */
void esc_print_module_string(FILE *out, const uint8_t *data, size_t len);

/* Matched bytes of a hex string: "4D 5A ...", at most 64 bytes then " ...". */
void esc_print_hex(FILE *out, const uint8_t *data, size_t len);

/* Meta string values: C escapes (\" \' \\ \n ...), octal for the rest. */
void esc_print_meta(FILE *out, const uint8_t *data, size_t len);

#endif
