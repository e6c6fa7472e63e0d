/*
 * rules.c - rule sources for the compiler. Kept apart from the subcommands
 * because yara, scan, compile and check all accept the same NS:FILE operand
 * syntax and must agree on it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"

bool rules_split_ns(const char *arg, char **ns_out, const char **file_out)
{
    *ns_out = NULL;
    *file_out = arg;
    if (access(arg, F_OK) == 0)
        return true;
    /* yara 4.2.3 takes whatever precedes the first colon as the namespace,
     * even before an absolute path ("ns:/rules/x.yar"). */
    const char *colon = strchr(arg, ':');
    if (!colon)
        return true;
    *ns_out = strndup(arg, (size_t)(colon - arg));
    if (!*ns_out)
        return false;
    *file_out = colon + 1;
    return true;
}

static vigil_status add_stdin(vigil_compiler *c, const char *ns)
{
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    vigil_status st = VIGIL_OK;
    while (buf) {
        if (len == cap) {
            char *grown = cap < RULES_STDIN_MAX ? realloc(buf, cap * 2) : NULL;
            if (!grown) {
                fprintf(stderr, "error: rules on standard input larger than %zu bytes\n",
                        RULES_STDIN_MAX);
                st = VIGIL_E_LIMIT;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, stdin);
        len += got;
        if (got == 0) {
            if (ferror(stdin)) {
                fprintf(stderr, "error: could not read standard input: %s\n", strerror(errno));
                st = VIGIL_E_IO;
            }
            break;
        }
    }
    if (!buf)
        return VIGIL_E_NOMEM;
    if (st == VIGIL_OK)
        st = vigil_compiler_add_string(c, buf, len, ns, "-");
    free(buf);
    return st;
}

vigil_status rules_add_file(vigil_compiler *c, const char *path, const char *ns)
{
    if (strcmp(path, "-") == 0)
        return add_stdin(c, ns);
    /* Checked here so the message names the file the way yara does, rather
     * than as a diagnostic without a line; stat, not open, so a FIFO named
     * x.yar cannot block us. */
    struct stat sb;
    if (stat(path, &sb) != 0 || access(path, R_OK) != 0) {
        fprintf(stderr, "error: could not open file: %s\n", path);
        return VIGIL_E_IO;
    }
    if (!S_ISREG(sb.st_mode)) {
        fprintf(stderr, "error: could not open file: %s: not a regular file\n", path);
        return VIGIL_E_IO;
    }
    return vigil_compiler_add_file(c, path, ns);
}

static bool has_rules_ext(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".yar") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".yara") == 0);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void rules_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

vigil_status rules_list_dir(const char *dir, char ***names_out, size_t *n_out)
{
    *names_out = NULL;
    *n_out = 0;
    DIR *dp = opendir(dir);
    if (!dp)
        return VIGIL_E_IO;
    char **names = NULL;
    size_t n = 0, cap = 0;
    vigil_status st = VIGIL_OK;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.' || !has_rules_ext(de->d_name))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **grown = ncap < ((size_t)1 << 24) ? realloc(names, ncap * sizeof(*names)) : NULL;
            if (!grown) {
                st = VIGIL_E_NOMEM;
                break;
            }
            names = grown;
            cap = ncap;
        }
        names[n] = strdup(de->d_name);
        if (!names[n]) {
            st = VIGIL_E_NOMEM;
            break;
        }
        n++;
    }
    closedir(dp);
    if (st != VIGIL_OK) {
        rules_free_names(names, n);
        return st;
    }
    if (names)
        qsort(names, n, sizeof(*names), cmp_names);
    *names_out = names;
    *n_out = n;
    return VIGIL_OK;
}

static vigil_status add_dir(vigil_compiler *c, const char *dir, const char *ns)
{
    char **names;
    size_t n;
    vigil_status st = rules_list_dir(dir, &names, &n);
    if (st == VIGIL_E_IO) {
        fprintf(stderr, "error: could not open folder %s: %s\n", dir, strerror(errno));
        return st;
    }
    for (size_t i = 0; st != VIGIL_E_NOMEM && i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        if (!path) {
            st = VIGIL_E_NOMEM;
            break;
        }
        snprintf(path, len, "%s/%s", dir, names[i]);
        /* Every file is compiled so all their errors are shown at once. */
        vigil_status fst = rules_add_file(c, path, ns);
        if (fst != VIGIL_OK && (st == VIGIL_OK || fst == VIGIL_E_NOMEM))
            st = fst;
        free(path);
    }
    rules_free_names(names, n);
    if (st == VIGIL_E_NOMEM)
        fprintf(stderr, "error: out of memory reading folder %s\n", dir);
    return st;
}

vigil_status rules_add_path(vigil_compiler *c, const char *path, const char *ns)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return add_dir(c, path, ns);
    return rules_add_file(c, path, ns);
}
