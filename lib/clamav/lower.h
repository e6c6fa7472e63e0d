/*
 * lower.h - ClamAV body (.ndb) and logical (.ldb) signatures as IR rules of
 * namespace "clamav", next to the YARA rules (DESIGN.md §1): one
 * IR_PAT_CLAMAV string per hex pattern, the offset as `at`/`in` on
 * IR_OP_CLAM_OFFSET positions, the target type and the rest of a logical
 * signature's target block as string-free gates (so the prefilter decides
 * them before matching), and the logical expression with libclamav's exact
 * counting rules (cli_ac_chklsig; see lower.c).
 */
#ifndef VIGIL_CLAMAV_LOWER_H
#define VIGIL_CLAMAV_LOWER_H

#include "../ir/ir.h"
#include "clamav/sig.h"
#include "vigil.h"

/* The functionality level vigil's ClamAV front end claims: clamscan
 * 1.4.6's (found by bisecting MinFL with it), so the same signatures are
 * active. */
#define CV_FLEVEL 216u

/* Where a signature came from, for its metas (explanations). */
typedef struct cv_origin {
    const char *type;   /* "ndb", "ldb", "ndu", "ldu" */
    const char *source; /* database file, e.g. "daily.cvd:daily.ldb" */
    uint32_t line;
} cv_origin;

/* Appends one rule. name is the final detection name. VIGIL_E_NOMEM, or
 * VIGIL_E_LIMIT when the program's arrays are full. */
vigil_status cv_lower_ndb(ir_program *p, const cv_ndb *sig, const char *name,
                          const cv_origin *o);
vigil_status cv_lower_ldb(ir_program *p, const cv_ldb *sig, const char *name,
                          const cv_origin *o);

/* Appends a container metadata signature (.cdb line `line`, parsed and
 * checked by the caller) as a rule with flag IR_RULE_CLAM_CDB and meta
 * "cdb" = the line, whose condition is false: the scanner checks it on the
 * members of containers (lib/api/clamav_meta.c). */
vigil_status cv_lower_cdb(ir_program *p, const char *line, size_t len, const char *name,
                          const cv_origin *o);

/* Appends a file-type table (.ftm lines, magic types 0 and 1; ftype.h) as
 * private IR_RULE_FTYPE rules, meta "ftm" = the line: a body row matches
 * like a body signature, a magic row never (the scanner compares it). */
vigil_status cv_lower_ftypes(ir_program *p, const char *const *rows, size_t n);

/* Whether a functionality-level range admits CV_FLEVEL. */
bool cv_flevel_ok(const cv_flevel *fl);

#endif
