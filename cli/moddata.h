/*
 * moddata.h - module data (vigil_module_node walks) printed as yara -D
 * prints it, or built into JSON for `vigil dump`.
 */
#ifndef VIGIL_CLI_MODDATA_H
#define VIGIL_CLI_MODDATA_H

#include <stdio.h>

#include <jansson.h>
#include <vigil.h>

/* A vigil_module_visit_fn; user is the FILE * to print to. */
void moddata_print_yara(const vigil_module_node *n, void *user);

/* Builds one JSON value of a module's data: structures and dictionaries as
 * objects, arrays as arrays (null where yara has no element), strings as
 * text when valid UTF-8 without NUL, else {"hex": "..."}; undefined as null. */
typedef struct moddata_json {
    json_t *stack[64];
    int top;
    json_t *result;
    bool failed;
} moddata_json;
void moddata_json_visit(const vigil_module_node *n, void *user);

#endif
