/*
 * hexprog.h - a ClamAV hex pattern (an .ndb body or an .ldb hex
 * subsignature, without its offset) compiled into a lib/re program that
 * finds every start offset where libclamav's matcher would find the pattern.
 * Used by lib/match for IR_PAT_CLAMAV strings.
 */
#ifndef VIGIL_CLAMAV_HEXPROG_H
#define VIGIL_CLAMAV_HEXPROG_H

#include <stddef.h>

#include "re/re.h"
#include "vigil.h"

/* ir_sf_flags (lib/ir IR_SF_*): IR_SF_NOCASE (::i), IR_SF_FULLWORD (::f),
 * IR_SF_WIDE (::w) select libclamav's rewrites of the pattern; any of them,
 * or IR_SF_ASCII (::a), also makes libclamav treat every alternative as a
 * generic one, as its signature-option handler does. One call compiles one
 * program: the wide form when IR_SF_WIDE is set, the plain one otherwise; a
 * ::wa subsignature has both (libclamav adds two patterns), so the caller
 * compiles it twice, once without IR_SF_ASCII and once without IR_SF_WIDE.
 * Returns VIGIL_E_SYNTAX (err->message says why) when libclamav would refuse
 * the pattern, VIGIL_E_LIMIT when it is beyond the thread machine's limits
 * (more than 255 long jumps, alternatives needing more than 128 branches in
 * one chain piece), VIGIL_E_NOMEM. */
vigil_status cv_compile_pattern(const char *src, size_t len, unsigned ir_sf_flags, re_prog **out,
                                re_error *err);

/* The longest part of the pattern in bytes, as libclamav counts it for its
 * matcher root's maxpatlen (cli_ac_addsig: length[2] + prefix_length[2];
 * a plain literal's length for Boyer-Moore): alternatives by their longest
 * choice, {n} as n bytes, (B)(L)(W) as none; the wide form when IR_SF_WIDE
 * is set. 0 when the pattern does not parse. */
uint32_t cv_pattern_maxpatlen(const char *src, size_t len, unsigned ir_sf_flags);

#endif
