/*
 * clamscan_db.h - the databases of `vigil clamscan`: -d files and folders
 * (default /var/lib/clamav) compiled by libvigil, or mapped from the rules
 * cache when they have not changed, with clamscan's messages when they
 * cannot be loaded.
 */
#ifndef VIGIL_CLI_CLAMSCAN_DB_H
#define VIGIL_CLI_CLAMSCAN_DB_H

#include <stdbool.h>

#include <vigil.h>

#include "clamscan_opts.h"
#include "clamscan_out.h"

#ifndef VIGIL_CLAMAV_DB_DIR
#define VIGIL_CLAMAV_DB_DIR "/var/lib/clamav"
#endif

/* Loads every database of o into *db and sets out->n.sigs. False after
 * printing clamscan's lines for the failure ("LibClamAV Error: ..." then
 * "ERROR: Malformed database" and the like). */
bool cs_db_load(const cs_opts *o, cs_out *out, vigil_db **db);

/* Whether name ends in an extension libvigil loads as a ClamAV database. */
bool cs_db_known_extension(const char *name);

#endif
