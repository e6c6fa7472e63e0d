/*
 * clamscan_act.h - what `vigil clamscan` does to an infected file when
 * asked: --move and --copy into a quarantine folder (never overwriting:
 * NAME, then NAME.001, NAME.002, ...) or --remove, with clamscan 1.4.6's
 * messages ("PATH (real path: 'REAL'): moved to 'DEST'").
 */
#ifndef VIGIL_CLI_CLAMSCAN_ACT_H
#define VIGIL_CLI_CLAMSCAN_ACT_H

#include <stdbool.h>

#include "clamscan_opts.h"
#include "clamscan_out.h"

typedef enum cs_act_kind { CS_ACT_NONE, CS_ACT_MOVE, CS_ACT_COPY, CS_ACT_REMOVE } cs_act_kind;

typedef struct cs_action {
    cs_act_kind kind;
    char *dir; /* the quarantine folder's real path (move, copy) */
} cs_action;

/* Picks the action (--move wins over --copy, both over --remove) and
 * checks the folder. False after printing clamscan's message: the scan
 * must not start (exit 2, no summary). */
bool cs_action_setup(cs_action *a, const cs_opts *o, cs_out *out);
/* Acts on an infected file, counting failures in out. */
void cs_action_apply(const cs_action *a, cs_out *out, const char *path);
void cs_action_free(cs_action *a);

/* Collision suffixes tried after the plain name: .001 to .999. */
#define CS_ACT_MAX_SUFFIX 999

#endif
