/*
 * scanner_int.h - the scanner's state, shared by scanner.c (one object's
 * scan) and clamav_passes.c (the passes libclamav makes over an object
 * besides the raw one: typing, normalised text, binary data's second pass).
 */
#ifndef VIGIL_API_SCANNER_INT_H
#define VIGIL_API_SCANNER_INT_H

#include "../clamav/ftype.h"
#include "../clamav/objinfo.h"
#include "../eval/eval.h"
#include "../util/file.h"
#include "internal.h"

typedef struct hash_hit {
    uint32_t table, index;
} hash_hit;

/* What ClamAV makes of the object being scanned (clamav_passes.c). */
typedef struct clam_object {
    bool on;          /* the database has ClamAV signatures or hashes */
    uint16_t type;    /* libclamav's file type (lib/clamav/ftype.h) */
    uint16_t found;   /* type the file-type rows found anywhere, or CV_FTYPE_NONE */
    bool raw;         /* signatures and hashes apply to the raw bytes */
    bool allowed;     /* on an allow list: no ClamAV detection at all */
    bool small;       /* 5 bytes or less: libclamav does not scan it */
    bool forced;      /* scanned as a given type (HandlerType), not typed */
} clam_object;

/* How clamscan ranks a signature's report within a pass (clamav_order.c):
 * a reported ClamAV rule, generic (target 0) rather than the target
 * type's, found by Aho-Corasick rather than Boyer-Moore. */
enum { CLAM_RANK_AC = 1, CLAM_RANK_GENERIC = 2, CLAM_RANK_CLAM = 0x80 };

/* One report of a ClamAV signature and where it sorts (clamav_order.c). */
typedef struct clam_keyed {
    uint64_t chunk, pos;
    uint32_t rule;
    uint8_t rank;
    bool bm; /* a Boyer-Moore match: pos is where its scan finds it */
} clam_keyed;

/* A file-type body row lowered as a rule (IR_RULE_FTYPE). */
typedef struct clam_ftrule {
    uint32_t string; /* its one string */
    cv_ftype_row body;
} clam_ftrule;

struct vigil_scanner {
    const struct vigil_db *db;
    mt_scratch *ms;
    ev_state *ev;
    uint8_t *results;
    uint8_t *dead;       /* per rule: decided false before matching (ev_prefilter) */
    bool matched;        /* the matcher ran for the current object */
    bool partial;        /* ... in fast mode without the user asking: presence-only
                          * strings hold their first match only (detail_pass) */
    unsigned mt_flags;   /* the matcher flags of the current object */
    ir_external *ext; /* this scanner's external values */
    unsigned flags;
    unsigned timeout;
    util_readbuf rb;     /* file contents, reused between files */
    const uint8_t *data; /* object being scanned, for match data */
    size_t len;
    bool in_callback;
    mo_set *mods;        /* the db's imported modules, loaded per object on demand */
    vigil_log_fn log;
    void *log_user;
    uint32_t clam_ns;      /* namespace of ClamAV signatures, or IR_NONE */
    api_hash_rule hash_rule; /* handle of the hash signature being reported */
    VEC(hash_hit) hash_hits; /* this object's hash detections */
    size_t hash_from;        /* api_scan_report reports hash_hits from here */
    clam_object clam;
    uint8_t *clam_rank;      /* per rule: CLAM_RANK_* (clamav_order.c) */
    uint16_t *bm_shift;      /* per rule: where libclamav's Boyer-Moore matcher
                              * finds the pattern, from its start (clamav_order.c) */
    VEC(clam_keyed) order_keys; /* api_clam_order's reports, in order */
    clam_ftrule *ftrules;    /* the database's file-type rows */
    size_t nftrules;
    bool imghash;            /* the database has fuzzy_img subsignatures */
    uint8_t *stash;          /* per rule: results of a pass reported later */
    uint8_t *norm;           /* normalised text of the current object */
    size_t norm_cap;
    const char *view;        /* NULL, or which derived view of the object is reported */
    const char *where;       /* NULL for the scanned file, else the path to the
                              * derived object being scanned (`mail part "a.bin"`) */
    const ev_input *cur_in;  /* the evaluation being reported (vigil_scanner_rule_hits) */
    uint16_t *handler;       /* per rule: its HandlerType (cv_filetype_names code) or
                              * CV_FTYPE_NONE; NULL when no rule has one */
    bool raw_report;         /* reporting an object's raw pass, the one libclamav
                              * gives the object's MD5 (cli_scan_fmap's refhash) */
    bool ht_set;             /* ht_md5: the object the last HandlerType rescan was of */
    uint8_t ht_md5[16];      /* (libclamav's ctx->handlertype_hash, one per file) */
    bool buffer_view;        /* reporting a view libclamav scans as one buffer
                              * (normalised text, cli_scanscript), not in
                              * cli_scan_fmap's overlapping 128 KiB reads */
    bool force_type;         /* the next child is scanned as forced_type */
    uint16_t forced_type;
    char last_error[512];
};


/* An api_hash_hit_fn: appends a hash detection to s->hash_hits. */
bool api_collect_hash(void *user, uint32_t table, uint32_t index);

/* One pass of rule events after ev_run: the IR_RULE_EARLY rules, the hash
 * detections in s->hash_hits, then the other rules. clam_only: ClamAV
 * signatures only; clam_off: no ClamAV signature at all. */
vigil_status api_scan_report(vigil_scanner *s, bool clam_only, bool clam_off, vigil_scan_fn fn,
                             void *user);

/* Finds the database's file-type rows (vigil_scanner_new). */
vigil_status api_clam_scanner_init(vigil_scanner *s);

/* The report order of ClamAV signatures (clamav_order.c): per-rule ranks
 * made once per scanner, then for one pass the reports of the true body
 * signatures (early; one per match with VIGIL_SCAN_EVERY_MATCH) or logical
 * signatures in clamscan's order; returns how many, api_clam_order_rule
 * gives the k-th's rule. */
vigil_status api_clam_order_init(vigil_scanner *s);
size_t api_clam_order(vigil_scanner *s, bool early, const uint8_t *results);
uint32_t api_clam_order_rule(const vigil_scanner *s, size_t k);
/* Makes string si's match list complete (scanner.c's detail pass). */
void api_scan_full_matches(vigil_scanner *s, uint32_t si);
/* The string test of a body signature's condition, or NULL. */
const ir_node *api_clam_body_test(const ir_program *p, uint32_t cond);

/* ClamAV typing, before matching: the initial type, and oi->targets set to
 * every target any pass may use (the prefilter's view). */
void api_clam_begin(vigil_scanner *s, cv_objinfo *oi, const uint8_t *data, size_t len);
/* After matching: the final type (file-type rows within the first KiB),
 * the type found anywhere, whether the raw pass happens; oi->targets set
 * to the raw pass's. */
void api_clam_settle(vigil_scanner *s, cv_objinfo *oi);
/* What libclamav's cli_matchmeta sees of an object a container hands out:
 * the container's type and size, the member's name (NULL: none), sizes,
 * position and encryption; label names it in reports. */
typedef struct api_clam_member {
    uint16_t container_type;
    uint64_t container_size;
    const char *name;
    uint64_t packed_size, size;
    uint32_t position;
    bool encrypted;
    const char *label;
} api_clam_member;

/* Reports every container metadata signature (.cdb) that holds for m, as
 * detections of the object being scanned, newest first
 * (clamav_meta.c). VIGIL_E_ABORTED when fn asked to stop. */
vigil_status api_clam_meta(vigil_scanner *s, const api_clam_member *m, vigil_scan_fn fn,
                           void *user);

/* The name of a view (`normalised text`) of the object being scanned, as
 * reported: prefixed with the path to that object when it is not the file
 * (`mail part "a.bin" > normalised text`); view NULL: the object itself. */
const char *api_clam_view_name(const vigil_scanner *s, const char *view, char *buf, size_t cap);

/* Matches in->data for ClamAV signatures alone (the prefilter's dead rules
 * and every YARA rule skipped): in->matches, s->matched, s->partial. */
vigil_status api_clam_match(vigil_scanner *s, ev_input *in);
/* The passes before the raw one: a mail's parts (api_clam_mail_parts). */
vigil_status api_clam_before_raw(vigil_scanner *s, const ev_input *in, vigil_scan_fn fn,
                                 void *user);
/* After api_clam_settle: when the file-type rows raised the object (from
 * its initial type) to a mail, its parts are scanned now, before its raw
 * pass, and the object is matched again. */
vigil_status api_clam_raised(vigil_scanner *s, const ev_input *in, uint16_t initial,
                             vigil_scan_fn fn, void *user);
/* The passes after the raw one (re-evaluations and derived views). */
vigil_status api_clam_after_raw(vigil_scanner *s, ev_input *in, vigil_scan_fn fn, void *user);

/* Objects derived from the current one (of type parent_type) and scanned
 * as objects of their own (clamav_child.c): typed from their bytes, every
 * pass, ClamAV signatures only, one layer down; normalized: a layer
 * libclamav's container lookups skip (cv_objinfo.normalized). The scanner
 * state the parent's later passes read is kept. */
vigil_status api_clam_child(vigil_scanner *s, const ev_input *parent, uint16_t parent_type,
                            bool normalized, const uint8_t *data, size_t len, const char *view,
                            vigil_scan_fn fn, void *user);
/* Parses a mail (lib/clamav/mail.h) of type mail_type and scans each part
 * as a child, in libclamav's order. */
vigil_status api_clam_mail_parts(vigil_scanner *s, const ev_input *mail, uint16_t mail_type,
                                 vigil_scan_fn fn, void *user);
/* Makes oi one layer below outer, an object of type outer_type: its depth
 * one more, its enclosing types outer_type then outer's. */
void api_clam_nest(cv_objinfo *oi, const cv_objinfo *outer, uint16_t outer_type);
/* A logical signature with a HandlerType (s->handler[rule]) holds in the
 * raw pass being reported: libclamav rescans the object as that type, one
 * layer down, instead of reporting it, unless the object is the one last
 * rescanned (then it reports). *report: whether to report the rule now.
 * The current report's order and results are kept. */
vigil_status api_clam_handler(vigil_scanner *s, uint32_t rule, vigil_scan_fn fn, void *user,
                              bool *report);
/* The object's own matches made again after a child used the scanner's
 * scratch (a fast pass, as the first one). */
vigil_status api_clam_rematch(vigil_scanner *s, const ev_input *in);

#endif
