/*
 * args.h - a table-driven option parser with yara 4.2.3's exact rules
 * (cli/args.c): boolean options toggle and may be given once, string
 * options may repeat up to a maximum, long options take "=VALUE" only,
 * "-xVALUE" is not an argument, "-" and "--" are plain operands.
 * `vigil yara` needs these quirks to be a drop-in; other subcommands use
 * getopt_long.
 */
#ifndef VIGIL_CLI_ARGS_H
#define VIGIL_CLI_ARGS_H

#include <stdbool.h>
#include <stdio.h>

typedef enum arg_type { ARG_END, ARG_BOOL, ARG_INT, ARG_STRING } arg_type;

typedef struct arg_opt {
    arg_type type;
    char short_name;       /* 0 = long only */
    const char *long_name; /* NULL = short only */
    void *value;           /* bool *, long *, or const char *[max_count] */
    int max_count;
    const char *help;
    const char *type_help; /* "NUMBER", "FILE", ... */
    int count;
} arg_opt;

/* Parses argv[1..argc), moving operands to the front of argv. Returns the
 * operand count, or -1 after printing yara's message for a bad option. */
int args_parse(arg_opt *opts, int argc, char **argv);

/* One line per option, help text at column `align`, as yara --help. */
void args_usage(FILE *out, const arg_opt *opts, int align);

#endif
