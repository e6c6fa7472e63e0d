/*
 * load.h - reads ClamAV databases (files, folders, signed containers) the
 * way clamscan does and hands every signature on: body and logical
 * signatures are lowered into the caller's IR program (lower.h), hash
 * signatures go to a callback (they live in hash tables, not rules).
 * clamscan's acceptance rules hold: a malformed line refuses the database
 * (unless VIGIL_CLAMAV_SKIP_BAD), lines clamscan skips are skipped, a
 * signature outside functionality level CV_FLEVEL is left out, PUA
 * databases load only with VIGIL_CLAMAV_PUA, ignore lists (.ign .ign2)
 * drop signatures by name as they are read.
 */
#ifndef VIGIL_CLAMAV_LOAD_H
#define VIGIL_CLAMAV_LOAD_H

#include "../ir/ir.h"
#include "clamav/cvd.h"
#include "clamav/sig.h"
#include "vigil.h"

/* One hash signature as the loader hands it on. */
typedef struct cv_hash_entry {
    const cv_hashsig *sig;
    const char *type;   /* "hdb" "hsb" "hdu" "hsu" "mdb" "msb" "mdu" "msu" "imp" "fp" "sfp" */
    bool allow;         /* from .fp/.sfp: an allow-list entry, not a detection */
    const char *name;   /* final detection name */
    const char *source; /* database file */
    uint32_t line;
} cv_hash_entry;

typedef struct cv_load_hooks {
    /* A diagnostic about file:line (line 0: the whole file). */
    void (*diag)(void *user, bool warning, const char *file, uint32_t line, const char *msg);
    /* A top-level file read (for the database's source list); false = out of memory. */
    bool (*source)(void *user, const char *path, const uint8_t *data, size_t len);
    vigil_status (*hash)(void *user, const cv_hash_entry *e);
    void *user;
} cv_load_hooks;

typedef struct cv_loader cv_loader;

vigil_status cv_loader_new(ir_program *prog, const cv_load_hooks *hooks, cv_loader **out);
void cv_loader_free(cv_loader *l);

/* The RSA keys containers are checked against (NULL: ClamAV's). */
void cv_loader_set_keys(cv_loader *l, const cv_rsa_key *cvd_key, const cv_rsa_key *info_key);

/* Loads a database file or every database file of a folder. Returns
 * VIGIL_E_SYNTAX when a line or container was refused (diagnostics say
 * which), VIGIL_E_IO when the path cannot be read. */
vigil_status cv_load_path(cv_loader *l, const char *path, unsigned flags);

/* Signatures loaded so far (every kind that detects: clamscan's "Known
 * viruses"). */
size_t cv_loader_signatures(const cv_loader *l);

/* Whether a target-7 signature (or subsignature) has an offset relative to
 * the object (EOF-n, EP, sections): clamscan then scans normalised text as a
 * file of its own (hashes, one layer down) rather than in buffers. */
bool cv_loader_text_reloff(const cv_loader *l);

/* The .ftm rows loaded (magic types 0 and 1, functionality level
 * admitted, the level fields cut), in load order; *magic: some are of
 * magic type 0, which makes clamscan use them instead of its built-in
 * table. */
size_t cv_loader_ftm_rows(const cv_loader *l, const char *const **rows, bool *magic);

#endif
