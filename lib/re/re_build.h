/*
 * re_build.h - a small internal API to build lib/re programs node by node,
 * for front ends whose pattern syntax is not YARA's (ClamAV hex signatures:
 * lib/clamav/hexprog.c). The nodes are those of a YARA hex string (bytes,
 * nibbles, classes, jumps, alternatives) plus zero-width assertions with
 * libclamav's meanings; the program that comes out is an ordinary re_prog
 * (atoms, exact verification, chains at long jumps), so lib/match needs
 * nothing new. Not part of libvigil's public API.
 */
#ifndef VIGIL_RE_BUILD_H
#define VIGIL_RE_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "re.h"

typedef struct re_builder re_builder;

/* A node of the builder's tree; negative when a call failed (the builder
 * then remembers the failure and re_build_compile reports it). */
typedef int32_t re_node;

#define RE_BUILD_UNBOUNDED UINT32_MAX /* jump without a maximum */

/* Zero-width tests at a boundary p (between data[p-1] and data[p]). The
 * RE_AS_CLAM_* ones are libclamav's (B) (L) (W) at the left or right end of
 * a pattern part (matcher-ac.c, ac_backward_match_branch and
 * ac_forward_match_branch), with "start/end of data" standing for its
 * "start of file / end of buffer". */
typedef enum re_assert {
    RE_AS_CLAM_B_LEFT = 1, /* p == 0 or data[p-1] in " -./<@_" */
    RE_AS_CLAM_B_RIGHT,    /* p == len or data[p] in "\n\r \"'-/=>_" */
    RE_AS_CLAM_L_LEFT,     /* p == 0 or data[p-1] == '\n' */
    RE_AS_CLAM_L_RIGHT,    /* p == len, data[p] == '\n', or "\r\n" at p */
    RE_AS_CLAM_W_LEFT,     /* p == 0 or data[p-1] not alphanumeric */
    RE_AS_CLAM_W_RIGHT,    /* p == len or data[p] not alphanumeric */
    RE_AS_CLAM_WW_LEFT,    /* (W) of a wide (::w) signature: p < 2, or not
                            * (alphanumeric, 00) before p */
    RE_AS_CLAM_WW_RIGHT,   /* p == len, or not (alphanumeric, 00) at p
                            * (a last byte alone: not alphanumeric) */
    RE_AS_BEFORE,          /* some byte of a class at p-1-i, min <= i <= max */
    RE_AS_AFTER,           /* some byte of a class at p+i, min <= i <= max */
} re_assert;

/* The bytes libclamav's boundary table marks (nonzero in its boundary[]):
 * what an inner (B) consumes. */
bool re_clam_boundary_byte(uint8_t c);

re_builder *re_build_new(void);
void re_build_free(re_builder *b);

/* One byte d with (d & mask) == value: mask FF a literal, 00 any byte,
 * F0/0F a nibble. */
re_node re_build_byte(re_builder *b, uint8_t value, uint8_t mask);
/* One byte whose bit is set in bits[32] (bit c%8 of bits[c/8]). */
re_node re_build_class(re_builder *b, const uint8_t bits[32]);
/* Any min..max bytes (max RE_BUILD_UNBOUNDED: no maximum). At the top
 * level, a jump over 200 bytes cuts the program into chain pieces as
 * yara's long hex jumps do (re.h), so unbounded gaps cost linear time. */
re_node re_build_jump(re_builder *b, uint32_t min, uint32_t max);
/* Exactly n (at most 65535) bytes of anything, never a chain cut: a run
 * of ?? inside a piece. */
re_node re_build_skip(re_builder *b, uint32_t n);
/* An empty sequence; children are appended in order. */
re_node re_build_concat(re_builder *b);
void re_build_append(re_builder *b, re_node seq, re_node child);
/* Either of two subtrees. */
re_node re_build_alt(re_builder *b, re_node left, re_node right);
/* Matches the empty string. */
re_node re_build_empty(re_builder *b);
/* A test of kind `what` (not RE_AS_BEFORE/AFTER), or its negation. */
re_node re_build_assert(re_builder *b, re_assert what, bool negated);
/* RE_AS_BEFORE / RE_AS_AFTER with its class and distances (at most 65535). */
re_node re_build_near(re_builder *b, re_assert what, const uint8_t bits[32], uint32_t min,
                      uint32_t max, bool negated);

/* Compiles the tree under root into a program with yara hex semantics
 * (dot-all, chains at jumps over 200 bytes) and no 4096-byte reach limit;
 * flags are RE_F_NOCASE and RE_F_ANCHOR. The builder may be reused or freed
 * afterwards. VIGIL_E_NOMEM or VIGIL_E_LIMIT (err says why) when a builder
 * call failed or the tree is too big for the thread machine. */
vigil_status re_build_compile(re_builder *b, re_node root, unsigned flags, re_prog **out,
                              re_error *err);

#endif
