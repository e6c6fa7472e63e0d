/*
 * name.c - the detection name clamscan prints (cli_virname): a trailing
 * " (Clam)" is cut, and signatures from loose files, as opposed to signed
 * .cvd/.cld containers, get ".UNOFFICIAL".
 */
#include <string.h>

#include "clamav/sig.h"

bool cv_detection_name(const char *name, size_t len, bool official, char *buf, size_t bufsz)
{
    static const char clam[] = " (Clam)";
    for (size_t i = 0; i + sizeof(clam) - 1 <= len; i++)
        if (memcmp(name + i, clam, sizeof(clam) - 1) == 0) {
            len = i;
            break;
        }
    if (len == 0)
        return false;
    const char *suffix = official ? "" : ".UNOFFICIAL";
    size_t sl = strlen(suffix);
    if (len > bufsz || sl + 1 > bufsz - len)
        return false;
    memcpy(buf, name, len);
    memcpy(buf + len, suffix, sl + 1);
    return true;
}
