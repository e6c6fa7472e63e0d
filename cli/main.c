/*
 * main.c - the `vigil` program: dispatches to one subcommand per file
 * (cmd_*.c). Global flags are only --version and --help, so every option
 * belongs to exactly one subcommand and its --help documents it.
 */
#include <stdio.h>
#include <string.h>

#include <vigil.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"scan", cmd_scan, "scan files and folders with the bundled and given rules"},
    {"yara", cmd_yara, "drop-in for the yara " VIGIL_YARA_COMPAT " command line"},
    {"compile", cmd_compile, "compile rules into a database file"},
    {"check", cmd_check, "report errors and warnings in rules"},
    {"dump", cmd_dump, "print what the YARA modules make of files"},
    {"clamscan", cmd_clamscan, "drop-in for the clamscan 1.4.6 command line (ClamAV databases)"},
    {"sigtool", cmd_sigtool, "inspect ClamAV databases: container info, unpacking, signatures"},
};

static void usage(FILE *out)
{
    fprintf(out, "vigil %s, an open, auditable antivirus engine.\n"
                 "Usage: vigil COMMAND [OPTION]... [ARG]...\n\nCommands:\n",
            VIGIL_VERSION_STRING);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-9s %s\n", "help", "this text, or `vigil help COMMAND` for one command");
    fprintf(out, "\nOptions:\n  --version  print the version and exit\n"
                 "  --help     print this text and exit\n"
                 "\nRun `vigil COMMAND --help` for a command's options.\n");
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("vigil %s\n", VIGIL_VERSION_STRING);
        return 0;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        const command *c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "vigil: unknown command '%s'\n", argv[2]);
            return 2;
        }
        char *sub[] = {argv[2], "--help", NULL};
        return c->run(2, sub);
    }
    const command *c = find(name);
    if (!c) {
        fprintf(stderr, "vigil: unknown command '%s' (try `vigil help`)\n", name);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
