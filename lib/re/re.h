/*
 * re.h - YARA's regular expressions and hex strings: parsing, atom
 * extraction for the Vectorscan prefilter, and exact verification.
 *
 * A hex string is a regular expression over bytes, so both compile to one
 * program type. The matcher (lib/match) asks a program for its atoms:
 * literal byte strings, at least one of which occurs inside every match.
 * Vectorscan finds the atoms; at each atom occurrence the matcher calls
 * re_verify_atom(), which runs the program backward and forward from the atom
 * exactly as yara 4.2 does and reports whole-pattern matches (start, length).
 * Match semantics (which starts, which lengths, greedy vs lazy, the 4096-byte
 * scan limit of yara's engine, chained hex strings with long jumps) follow
 * yara 4.2.3, with Debian's yara as the oracle where the docs are silent.
 */
#ifndef VIGIL_RE_H
#define VIGIL_RE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

enum {
    RE_F_NOCASE = 1u << 0, /* /i or the nocase modifier */
    RE_F_DOTALL = 1u << 1, /* /s: '.' matches '\n' */
    RE_F_WIDE = 1u << 2,   /* match the UTF-16LE ("wide") form: each byte b of the
                            * pattern's literal text matches b 00 */
};

typedef struct re_error {
    char message[160]; /* e.g. "unbalanced parenthesis", "invalid jump length" */
    size_t offset;     /* byte offset in the source text where the error is */
} re_error;

typedef struct re_prog re_prog;

/* Compiles a YARA regular expression (the text between the slashes, escapes
 * as written in the rule) or a hex string (the text between the braces,
 * whitespace and comments allowed). Returns VIGIL_E_SYNTAX with err filled on
 * bad syntax, VIGIL_E_NOMEM, or VIGIL_OK. */
vigil_status re_compile_regex(const char *src, size_t len, unsigned flags, re_prog **out,
                              re_error *err);
vigil_status re_compile_hex(const char *src, size_t len, unsigned flags, re_prog **out,
                            re_error *err);
void re_free(re_prog *p);

/* Atoms. Each atom is a byte string (1..RE_ATOM_MAX bytes) that Vectorscan
 * should find, caseless if `nocase`. Every match of the program contains at
 * least one atom occurrence. When re_atom_count() is 0 the program has no
 * usable atom (e.g. /.*x?/): the matcher must call re_verify_atom with
 * atom = RE_NO_ATOM at every offset. */
#define RE_ATOM_MAX 32
#define RE_NO_ATOM UINT32_MAX
typedef struct re_atom {
    uint8_t bytes[RE_ATOM_MAX];
    uint8_t len;
    bool nocase;
} re_atom;
size_t re_atom_count(const re_prog *p);
const re_atom *re_atom_get(const re_prog *p, size_t i);

/* Called per match found; return false to stop enumerating. */
typedef bool (*re_match_fn)(uint64_t start, uint32_t length, void *user);

/* Verifies the program around an occurrence of atom `atom` whose first byte
 * is at data[atom_start], and reports every match (start, length) yara would
 * record for that occurrence. The same match may be reported from several
 * atom occurrences; the caller de-duplicates by start offset, keeping what
 * yara keeps (see re_prefer()). Never reads outside data[0..len). */
void re_verify_atom(const re_prog *p, uint32_t atom, const uint8_t *data, size_t len,
                    size_t atom_start, re_match_fn fn, void *user);

/* When two matches of one pattern share a start offset, returns true if the
 * new length should replace the old one (yara's rule for its match list). */
bool re_prefer(uint32_t old_len, uint32_t new_len);

/* The program-aware form of re_prefer: yara replaces an existing match's
 * length only for regexes that use a greedy quantifier (its
 * STRING_FLAGS_GREEDY_REGEXP); everything else keeps the first length
 * found. re_prefer() without the program answers for the common case (keep
 * the first). */
bool re_prefer_for(const re_prog *p, uint32_t old_len, uint32_t new_len);

/* For the `matches` operator: true when the regex matches anywhere in s. */
bool re_search(const re_prog *p, const uint8_t *s, size_t len);

/* Prefilter helper: the minimum and maximum match length in bytes
 * (max = UINT32_MAX when unbounded). */
void re_length_bounds(const re_prog *p, uint32_t *min, uint32_t *max);

#endif
