/*
 * rules.h - getting rules into a vigil_compiler the way each subcommand
 * names them: "[NS:]FILE" operands (yara's namespace rule), "-" for stdin,
 * and folders of .yar/.yara files (vigil scan --rules DIR).
 */
#ifndef VIGIL_CLI_RULES_H
#define VIGIL_CLI_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include <vigil.h>

/* Splits "[NS:]FILE": only when FILE does not exist as given is the part
 * before the first ':' a namespace, and never when ':' is followed by '/' or
 * '\\' (as yara). *ns_out is malloc'ed (or NULL); *file_out points into arg. */
bool rules_split_ns(const char *arg, char **ns_out, const char **file_out);

/* Adds one rules file ("-" = standard input). Returns the library status;
 * VIGIL_E_IO when the file cannot be read (message already printed). */
vigil_status rules_add_file(vigil_compiler *c, const char *path, const char *ns);

/* Adds a file, or every *.yar / *.yara directly inside a folder in byte
 * order. Returns VIGIL_OK only if every file compiled. */
vigil_status rules_add_path(vigil_compiler *c, const char *path, const char *ns);

/* The *.yar / *.yara names directly inside folder dir (no dot files), in
 * the byte order rules_add_path compiles them. On VIGIL_E_IO errno tells why.
 * Free the list with rules_free_names. */
vigil_status rules_list_dir(const char *dir, char ***names, size_t *n);
void rules_free_names(char **names, size_t n);

/* Largest rules file read from standard input. */
#define RULES_STDIN_MAX ((size_t)64 << 20)

#endif
