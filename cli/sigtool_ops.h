/*
 * sigtool_ops.h - the actions of `vigil sigtool` (cmd_sigtool.c parses the
 * command line): container info and unpacking (sigtool_cvd.c), signature
 * listing and counting (sigtool_list.c); the key of --cvd-public-key is
 * read by cvdkey.c, shared with `vigil clamscan`. Each action returns the
 * exit status: 0 done, 1 the database is bad or refused, 2 usage or I/O
 * error.
 */
#ifndef VIGIL_CLI_SIGTOOL_OPS_H
#define VIGIL_CLI_SIGTOOL_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "cvdkey.h"

/* An RSA public key as libvigil takes it: decimal modulus and exponent
 * (both NULL: ClamAV's published keys). */
typedef cvd_key sigtool_key;

/* cvd_key_read with sigtool's message ("vigil sigtool: PATH: reason") on
 * failure (sigtool_cvd.c). */
bool sigtool_key_read(const char *path, sigtool_key *key);
void sigtool_key_free(sigtool_key *key);

int sigtool_info(const char *path, const sigtool_key *key);
int sigtool_unpack(const char *path, const char *dir, const sigtool_key *key);
int sigtool_list(const char *path, const sigtool_key *key);
int sigtool_count(const char *path, const sigtool_key *key);

/* sigtool's default database folder (--list-sigs without a path). */
#define SIGTOOL_DEFAULT_DBDIR "/var/lib/clamav"

#endif
