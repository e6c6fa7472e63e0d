/*
 * cli.h - the subcommands of the `vigil` program. Each lives in its own
 * cmd_*.c, takes argv with argv[0] = its own name, and returns the process
 * exit status; main.c only dispatches.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <vigil.h>

int cmd_yara(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_clamscan(int argc, char **argv);
int cmd_sigtool(int argc, char **argv);

/* The version of yara whose command line `vigil yara` reproduces. */
#define VIGIL_YARA_COMPAT "4.2.3"

/* Whether string i of r is a hex string, whose matches yara prints as hex bytes. */
static inline bool cli_string_is_hex(const vigil_rule *r, size_t i)
{
    return vigil_rule_string_is_hex(r, i);
}

#endif
