/*
 * cvd.h - ClamAV's signed database containers (.cvd, .cld, .cud): the
 * 512-byte "ClamAV-VDB:..." header, the body (tar.gz for .cvd/.cud, plain
 * tar for .cld, told apart as libclamav does by a leading "COPYING"), the
 * MD5 of the body against the header, the header's RSA signature of that
 * MD5 (libclamav dsig.c cli_versig), tar members with bounds checks, and the
 * ".info" member listing each member's size and SHA-256 under a second,
 * PSS-like RSA signature (cli_versig2). Keys are parameters so tests can
 * sign their own containers; NULL means ClamAV's published keys.
 */
#ifndef VIGIL_CLAMAV_CVD_H
#define VIGIL_CLAMAV_CVD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clamav/sig.h"
#include "vigil.h"

#define CV_CVD_HEADER 512

typedef struct cv_rsa_key { /* decimal strings, as libclamav keeps them */
    const char *n;
    const char *e;
} cv_rsa_key;

extern const cv_rsa_key cv_clamav_cvd_key;  /* signs the header's MD5 */
extern const cv_rsa_key cv_clamav_info_key; /* signs .info (2048 bits) */

typedef struct cv_cvd_header {
    char build_time[64];
    uint32_t version, sigs, flevel;
    char md5[33];
    char dsig[512];
    char builder[64];
    uint32_t stime; /* 0 in old files without it */
} cv_cvd_header;

bool cv_cvd_header_parse(const uint8_t *p, size_t len, cv_cvd_header *h, cv_error *err);

/* Whole-container check: header, then (unless skip_sig, as libclamav does
 * for .cld files whose header describes the original .cvd) the body's MD5
 * and the header signature. key NULL = ClamAV's. */
bool cv_cvd_verify(const uint8_t *p, size_t len, bool skip_sig, const cv_rsa_key *key,
                   cv_cvd_header *h, cv_error *err);

/* Signature checks on their own. */
bool cv_versig_md5(const char md5hex[32], const char *dsig, const cv_rsa_key *key, cv_error *err);
bool cv_versig_sha256(const uint8_t sha256[32], const char *dsig, size_t dsig_len,
                      const cv_rsa_key *key, cv_error *err);

/* The body as a tar archive: gunzipped into a malloc'd buffer unless it is
 * plain tar; at most max_out bytes. The caller frees *out. */
bool cv_cvd_body(const uint8_t *p, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
                 cv_error *err);

typedef struct cv_tar_member {
    char name[101];
    const uint8_t *data;
    size_t size;
} cv_tar_member;

/* Next member from *off; CV_OK with *m, CV_SKIP at the end, CV_BAD on a
 * malformed archive (slashes in names, directories, sizes past the end). */
cv_status cv_tar_next(const uint8_t *tar, size_t len, size_t *off, cv_tar_member *m, cv_error *err);

typedef struct cv_info_entry {
    cv_str name;
    uint32_t size;
    uint8_t sha256[32];
} cv_info_entry;

typedef struct cv_info {
    cv_cvd_header header;
    uint32_t n;
    cv_info_entry *entries;
} cv_info;

/* Parses and verifies a .info member (key NULL = ClamAV's info key). */
bool cv_info_parse(const uint8_t *p, size_t len, const cv_rsa_key *key, cv_arena *a, cv_info *out,
                   cv_error *err);
/* A member against its .info entry (size and SHA-256). */
bool cv_info_check(const cv_info *info, const cv_tar_member *m, cv_error *err);

/* ---- a container's members, checked as a whole (cvd_check.c) ---------- */

/* What vouches for a container, decided by its name as libclamav does: a
 * .cld's header describes the .cvd it was made from, so only its .info
 * vouches for the body; a .cud is unsigned; anything else is a .cvd. */
typedef enum cv_cvd_kind { CV_KIND_CVD, CV_KIND_CLD, CV_KIND_CUD } cv_cvd_kind;

cv_cvd_kind cv_cvd_kind_of(const char *path);

/* Whether libclamav checks a member of this name against .info and loads
 * it (its CLI_DBEXT list, YARA build, plus .ign/.ign2). */
bool cv_cvd_is_database(const char *name);

#define CV_CVD_MAX_MEMBERS 4096

typedef enum cv_member_role {
    CV_MEMBER_DATABASE, /* a database: size and SHA-256 matched .info */
    CV_MEMBER_INFO,     /* the .info member that vouched for the others */
    CV_MEMBER_OTHER,    /* carried, not checked, not loaded (COPYING, notes) */
} cv_member_role;

/* Called once per member, in archive order, after every check passed. A
 * status other than VIGIL_OK stops the walk and is returned as is. */
typedef vigil_status (*cv_member_fn)(void *user, const cv_tar_member *m, cv_member_role role);

/* Why a container's contents were refused: the member at fault ("" when
 * it is the archive or no one member) and the reason. */
typedef struct cv_cvd_fault {
    char member[101];
    char reason[200];
} cv_cvd_fault;

/* Checks the members of a container whose header h has parsed and (for a
 * .cvd) verified, with tar its body (cv_cvd_body), as libclamav 1.4's
 * cli_cvdload does: well-formed tar; no "." or ".." names, no name twice,
 * at most CV_CVD_MAX_MEMBERS members; the first *.info member present and
 * verified with info_key (NULL = ClamAV's) - in a .cud, unsigned and
 * without a DSIG line, as clamscan reads it; its header line agreeing with
 * h (version, signatures, level, time); at least one entry; and every
 * database member's size and SHA-256 as it lists them. Only then is fn
 * (may be NULL: check only) called for every member, so a caller never
 * acts on part of a container that is refused. Returns VIGIL_OK;
 * VIGIL_E_CORRUPT with *fault (may be NULL) filled; VIGIL_E_LIMIT (too
 * many members, *fault filled); VIGIL_E_NOMEM; or fn's status. */
vigil_status cv_cvd_check_members(const uint8_t *tar, size_t tar_len, cv_cvd_kind kind,
                                  const cv_cvd_header *h, const cv_rsa_key *info_key,
                                  cv_member_fn fn, void *user, cv_cvd_fault *fault);

#endif
