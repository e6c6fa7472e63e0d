/*
 * re.h - YARA's regular expressions and hex strings: parsing, atom
 * extraction for the Vectorscan prefilter, and exact verification.
 *
 * A hex string is a regular expression over bytes, so both compile to one
 * program type. The matcher (lib/match) asks a program for its atoms:
 * literal byte strings, at least one of which occurs inside every match.
 * Vectorscan finds the atoms; at each atom occurrence the matcher calls
 * re_verify(), which runs the program backward and forward from the atom
 * exactly as yara 4.2 does and reports matches (start, length).
 * Match semantics (which starts, which lengths, greedy vs lazy, the 4096-byte
 * scan limit of yara's engine, chained hex strings with long jumps) follow
 * yara 4.2.3, with Debian's yara as the oracle where the docs are silent.
 *
 * Chains: like yara, a pattern with a jump over 200 bytes at its top level
 * ({ 15 82 [0-] 6E }, /abc.{300,400}?def/) is cut there into pieces, each
 * with its own atoms. re_verify reports matches of one piece; an re_chain
 * (one per string and scan) keeps yara's unconfirmed matches of the earlier
 * pieces and turns tail-piece matches into whole matches, so a scan costs
 * time linear in the data instead of a look-back over every gap.
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
    RE_F_ANCHOR = 1u << 3, /* atoms may be the longest literal run of a fixed
                            * segment instead of yara's (re_atom_get); for a
                            * caller whose string has no other program: the
                            * matches are the same, and hits of one program
                            * still come in yara's order of verification */
    RE_F_NOFIXED = 1u << 4, /* verify with the thread machine only, without the
                             * fixed-segment shortcuts: the reference the
                             * tests hold those shortcuts to */
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
/* Changes whenever the atoms chosen for a pattern change: the matcher's
 * stored tables name atoms by index, so tables written by another choice
 * must be refused (VIGIL_E_VERSION), never used. */
#define RE_ATOMS_VERSION 2u
typedef struct re_atom {
    uint8_t bytes[RE_ATOM_MAX];
    uint8_t mask[RE_ATOM_MAX]; /* with `masked`: byte k matches d when
                                * (d & mask[k]) == bytes[k] (0 = any byte) */
    uint8_t len;
    bool nocase;
    bool masked; /* only RE_F_ANCHOR atoms are masked; never at their ends */
    uint16_t piece; /* the chain piece the atom belongs to (0 when unchained) */
} re_atom;
size_t re_atom_count(const re_prog *p);
const re_atom *re_atom_get(const re_prog *p, size_t i);

/* yara's own atoms, whatever RE_F_ANCHOR made of the matcher's: how many
 * (0: yara verifies at every offset), whether one is a single byte, and
 * whether every chain piece has one (for yara's slow-string warnings). */
void re_yara_atoms(const re_prog *p, size_t *count, bool *weak, bool *all_pieces);

/* Chain pieces: 1 for an unchained program. A piece without atoms must be
 * verified at every offset (re_verify with RE_NO_ATOM). gap: the distance
 * allowed from the end of piece k-1 to the start of piece k, in bytes (also
 * for wide strings, as yara measures it); UINT32_MAX-ish when unbounded. */
size_t re_piece_count(const re_prog *p);
bool re_piece_has_atoms(const re_prog *p, size_t piece);
void re_piece_gap(const re_prog *p, size_t piece, uint32_t *gap_min, uint32_t *gap_max);
/* Whether chain piece `piece` is plain bytes: yara makes such a piece a text
 * string, so a fixed offset (`$a at N`) applies to a literal head piece. */
bool re_piece_is_literal(const re_prog *p, size_t piece);

/* Buffers for the thread machine, reused across verifications (one per
 * scanning thread). NULL wherever a re_work is taken means "allocate for
 * this call only". */
typedef struct re_work re_work;
re_work *re_work_new(void);
void re_work_free(re_work *w);

/* Called per match found; return false to stop enumerating. */
typedef bool (*re_match_fn)(uint64_t start, uint32_t length, void *user);

/* Verifies piece `piece` around an occurrence of its atom `atom` (an index
 * for re_atom_get; its .piece must be `piece`) whose first byte is at
 * data[atom_start], or with atom = RE_NO_ATOM, from the piece's start at
 * data[atom_start]. Reports every match (start, length) of that piece yara
 * would see for that occurrence, in yara's order. For an unchained program
 * these are whole matches; for a chained one, feed them to re_chain_feed.
 * The same match may be reported from several occurrences; the caller
 * de-duplicates by start offset (re_prefer_for). Never reads outside
 * data[0..len). */
void re_verify(const re_prog *p, re_work *w, uint32_t piece, uint32_t atom, const uint8_t *data,
               size_t len, size_t atom_start, re_match_fn fn, void *user);

/* re_verify for the atom's own piece (piece 0 for RE_NO_ATOM), with no
 * workspace: the simple form for callers outside a scan (tests, fuzzing). */
void re_verify_atom(const re_prog *p, uint32_t atom, const uint8_t *data, size_t len,
                    size_t atom_start, re_match_fn fn, void *user);

/* yara's unconfirmed matches of a chained string (scan.c's
 * _yr_scan_verify_chained_string_match): for each piece but the tail, a list
 * of its matches sorted by offset, each kept only if an earlier piece's
 * pending match ends within the allowed gap before it. A tail match confirms
 * every head whose chain reaches it; a confirmed head leaves its list and is
 * reported once, with the length up to the end of that tail. Lists hold at
 * most RE_CHAIN_MAX_PENDING matches (yara's YR_MAX_STRING_MATCHES); a piece
 * whose list is full is disabled for the rest of the scan, as yara disables
 * the piece's string. Memory is kept across re_chain_reset. */
#define RE_CHAIN_MAX_PENDING 1000000
typedef struct re_chain re_chain;
/* For any program with re_piece_count(p) > 1; the gaps are taken from p
 * (ascii and wide programs of one string share one chain, as in yara). */
vigil_status re_chain_new(const re_prog *p, re_chain **out);
void re_chain_free(re_chain *c);
void re_chain_reset(re_chain *c);
bool re_chain_disabled(const re_chain *c, uint32_t piece);
typedef enum re_chain_status {
    RE_CHAIN_OK = 0,
    RE_CHAIN_STOP,     /* fn returned false */
    RE_CHAIN_TOO_MANY, /* the piece's list was full: the piece is now disabled */
    RE_CHAIN_NOMEM,
} re_chain_status;
/* Feeds one match of piece `piece` (as re_verify reported it, after any
 * fullword check: yara checks fullword per piece). Completed chains go to fn
 * as (head start, length to the end of this tail), heads in offset order. */
re_chain_status re_chain_feed(re_chain *c, uint32_t piece, uint64_t start, uint32_t length,
                              re_match_fn fn, void *user);

/* ClamAV's counting (libclamav counts a split pattern once per tail match
 * that completes a chain, heads used before included): confirmed heads
 * stay pending, reported once, so that later tails can reach them too;
 * re_chain_completed tells whether the last tail match fed completed a
 * chain. Matches reported are the same heads as without it. */
void re_chain_keep_heads(re_chain *c);
bool re_chain_completed(const re_chain *c);

/* When two matches of one pattern share a start offset, returns true if the
 * new length should replace the old one (yara's rule for its match list). */
bool re_prefer(uint32_t old_len, uint32_t new_len);

/* The program-aware form of re_prefer: yara replaces an existing match's
 * length only for regexes that use a greedy quantifier (its
 * STRING_FLAGS_GREEDY_REGEXP); everything else keeps the first length
 * found. re_prefer() without the program answers for the common case (keep
 * the first). */
bool re_prefer_for(const re_prog *p, uint32_t old_len, uint32_t new_len);

/* True when the pattern is a plain byte string (a literal or a sequence of
 * literals, yara's yr_re_ast_extract_literal): yara then handles it as a text
 * string, which matters for `$a at N` (STRING_FLAGS_FIXED_OFFSET). */
bool re_is_literal(const re_prog *p);

/* True when the regex uses both greedy and lazy quantifiers, which yara
 * refuses in a string ("greedy and ungreedy quantifiers can't be mixed in a
 * regular expression") but accepts after `matches`. */
bool re_mixes_greedy(const re_prog *p);

/* For the `matches` operator: true when the regex matches anywhere in s. */
bool re_search(const re_prog *p, const uint8_t *s, size_t len);
/* yara's yr_re_match (module functions' regex arguments): the length of the
 * match re_search finds, or -1. */
int64_t re_search_length(const re_prog *p, const uint8_t *s, size_t len);

/* Prefilter helper: the minimum and maximum match length in bytes
 * (max = UINT32_MAX when unbounded). */
void re_length_bounds(const re_prog *p, uint32_t *min, uint32_t *max);

#endif
