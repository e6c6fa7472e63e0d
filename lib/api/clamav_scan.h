/*
 * clamav_scan.h - what a scan asks of the ClamAV side of a database
 * (clamav.c): hash-signature detections and allow lists for one object.
 */
#ifndef VIGIL_API_CLAMAV_SCAN_H
#define VIGIL_API_CLAMAV_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../clamav/objinfo.h"
#include "vigil.h"

struct vigil_db;

/* A detection by hash table entry (table, index); false stops the scan. */
typedef bool (*api_hash_hit_fn)(void *user, uint32_t table, uint32_t index);

/* Looks the object up in the hash tables: whole-file hashes, and for PE
 * files section hashes. *allowed: the object is on an allow list (.fp
 * .sfp), so no ClamAV signature may report it; fn is then not called.
 * VIGIL_E_ABORTED when fn asked to stop. */
vigil_status api_clamav_hashes(const struct vigil_db *db, const uint8_t *data, size_t len,
                               const cv_objinfo *oi, api_hash_hit_fn fn, void *user,
                               bool *allowed);

/* Fills a scanner-owned handle for a hash entry. */
struct api_hash_rule;
void api_hash_rule_fill(const struct vigil_db *db, uint32_t table, uint32_t index,
                        struct api_hash_rule *h);

#endif
