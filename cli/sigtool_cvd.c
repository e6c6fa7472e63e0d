/*
 * sigtool_cvd.c - `vigil sigtool --info` and `--unpack`: a container's
 * header printed line for line as sigtool 1.4 prints it (so scripts that
 * read sigtool's output read ours), then the verdict of libvigil's checks;
 * unpacking writes only after the whole container checked out. The key
 * of --cvd-public-key is read here for every action.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <vigil.h>

#include "sigtool_ops.h"

static bool ends_with_nocase(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

bool sigtool_key_read(const char *path, sigtool_key *key)
{
    char why[256];
    if (cvd_key_read(path, key, why, sizeof(why)))
        return true;
    fprintf(stderr, "vigil sigtool: %s: %s\n", path, why);
    return false;
}

void sigtool_key_free(sigtool_key *key)
{
    cvd_key_free(key);
}

/* Bad or refused containers are 1; what kept us from looking is 2. */
static int exit_status(vigil_status st)
{
    return st == VIGIL_E_CORRUPT ? 1 : 2;
}

int sigtool_info(const char *path, const sigtool_key *key)
{
    vigil_cvd_info info;
    char err[512] = "";
    vigil_status st = vigil_cvd_info_read(path, key->n, key->e, &info, err, sizeof(err));
    /* The header's time fields are never empty once it parsed (libclamav
     * skips empty fields), so an empty one means there was no header. */
    if (st != VIGIL_OK && info.build_time[0] == 0) {
        fprintf(stderr, "vigil sigtool: %s: %s\n", path, err);
        return exit_status(st);
    }
    /* The header keeps ':' as its separator, so the time is written
     * "hh-mm"; sigtool shows it back as "hh:mm". */
    char *dash = strchr(info.build_time, '-');
    if (dash)
        *dash = ':';
    printf("File: %s\n", path);
    printf("Build time: %s\n", info.build_time);
    printf("Version: %u\n", info.version);
    printf("Signatures: %u\n", info.signatures);
    printf("Functionality level: %u\n", info.flevel);
    printf("Builder: %s\n", info.builder);
    /* sigtool 1.4 shows the MD5 and signature of .cvd files only: a .cld's
     * header describes the .cvd it was made from */
    if (ends_with_nocase(path, ".cvd")) {
        printf("MD5: %s\n", info.md5);
        printf("Digital signature: %s\n", info.dsig);
    }
    if (st != VIGIL_OK) {
        fflush(stdout);
        fprintf(stderr, "vigil sigtool: %s: verification failed: %s\n", path, err);
        return exit_status(st);
    }
    if (ends_with_nocase(path, ".cud"))
        printf("Verification: Unsigned container\n");
    else
        printf("Verification OK.\n");
    return 0;
}

int sigtool_unpack(const char *path, const char *dir, const sigtool_key *key)
{
    char err[512] = "";
    vigil_status st = vigil_cvd_unpack(path, dir, key->n, key->e, err, sizeof(err));
    if (st != VIGIL_OK) {
        fprintf(stderr, "vigil sigtool: %s: not unpacked: %s\n", path, err);
        return exit_status(st);
    }
    return 0;
}
