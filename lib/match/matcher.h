/*
 * matcher.h - finds every match of every string of a program in one pass
 * (DESIGN.md §1): one Vectorscan database holds every literal and every atom
 * of every string (text strings expanded for nocase/wide/xor/base64); each
 * Vectorscan hit is verified exactly (fullword, regex/hex via lib/re) and the
 * resulting match recorded in the string's sorted match list.
 *
 * The matcher is immutable once built and shared between threads; each
 * scanning thread owns an mt_scratch.
 */
#ifndef VIGIL_MATCH_MATCHER_H
#define VIGIL_MATCH_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ir/ir.h"
#include "vigil.h"

/* yara 4.2's per-string cap (YR_MAX_STRING_MATCHES) */
#define MT_MAX_STRING_MATCHES 1000000

typedef struct mt_match {
    uint64_t offset;
    uint32_t length;
    uint8_t xor_key;
} mt_match;

typedef struct matcher matcher;
typedef struct mt_scratch mt_scratch;

/* Diagnostic about one string while building (e.g. a slow pattern). */
typedef void (*mt_warn_fn)(uint32_t string_index, const char *message, void *user);

/* Builds the matcher for every string in p->strings. p must outlive it.
 * On VIGIL_E_SYNTAX/INTERNAL, err (if not NULL) receives a message. */
vigil_status matcher_build(const ir_program *p, mt_warn_fn warn, void *user, matcher **out,
                           char *err, size_t errlen);
void matcher_free(matcher *m);

/* Serialized form (the Vectorscan database and the matcher's tables), for
 * lib/db. *bytes is malloc'ed. deserialize compiles nothing: each regex/hex
 * verifier is compiled from p when a scan first needs it (thread-safe), and
 * checked then against the stored tables (a mismatch fails that scan with
 * VIGIL_E_CORRUPT). Tables of another atom choice give VIGIL_E_VERSION. */
vigil_status matcher_serialize(const matcher *m, uint8_t **bytes, size_t *len);
vigil_status matcher_deserialize(const ir_program *p, const uint8_t *bytes, size_t len,
                                 matcher **out, char *err, size_t errlen);

vigil_status mt_scratch_new(const matcher *m, mt_scratch **out);
void mt_scratch_free(mt_scratch *s);

enum {
    MT_FAST = 1u << 0,        /* record only the first match per string (yara -f) */
    MT_DROP_BEHIND = 1u << 1, /* data is a read-only file mapping: pages already
                               * scanned may be dropped (MADV_DONTNEED) and are
                               * read again from the file if touched later */
};

/* yara -f stops recording only strings whose conditions never count or
 * locate them (#a, @a, !a, at, in: yara's STRING_FLAGS_SINGLE_MATCH). With
 * single set, MT_FAST applies to string i only when single[i] != 0; with
 * NULL (the default) it applies to every string. The array (one byte per
 * string) is borrowed and must outlive the scans. */
void mt_scratch_set_single_match(mt_scratch *s, const uint8_t *single);

/* yara searches a text string only at its fixed offset when every use in the
 * conditions is `$a at N` with one N (STRING_FLAGS_FIXED_OFFSET), which
 * shows in `yara -s` output. fixed[i] is that N for string i, or
 * MT_NO_FIXED_OFFSET. Honoured for text strings and for regex/hex strings
 * that are plain literals (re_is_literal; yara never fixes base64 strings or
 * non-literal regex/hex ones). Borrowed like `single`. */
#define MT_NO_FIXED_OFFSET UINT64_MAX
void mt_scratch_set_fixed_offsets(mt_scratch *s, const uint64_t *fixed);

/* Scans data; afterwards the scratch holds every string's matches. Previous
 * results in the scratch are discarded. */
vigil_status matcher_scan(const matcher *m, mt_scratch *s, const uint8_t *data, size_t len,
                          unsigned flags);

/* Results of the last scan: matches of string i sorted by offset (one per
 * offset), and whether the string hit MT_MAX_STRING_MATCHES. */
const mt_match *mt_matches(const mt_scratch *s, uint32_t string_index, size_t *n);
bool mt_too_many(const mt_scratch *s, uint32_t string_index);
/* libclamav's count of a ClamAV pattern split at `*` or long jumps: one per
 * tail match that completes a chain (mt_matches has one per start). False
 * for every other string, whose count is its number of matches. */
bool mt_clam_count(const mt_scratch *s, uint32_t string_index, size_t *n);

/* Whether any string hit MT_MAX_STRING_MATCHES in the last scan. */
bool mt_any_too_many(const mt_scratch *s);
/* Whether any string of rule `rule` (index into p->rules) has a match. */
bool mt_rule_hit(const mt_scratch *s, uint32_t rule);

#endif
