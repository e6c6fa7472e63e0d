/*
 * ir_dump.h - a readable, stable text form of an ir_program, so tests can
 * state the expected lowering of a rule as one string and a person can see
 * what a front end produced. Not a serialization: nothing parses it back.
 */
#ifndef VIGIL_IR_DUMP_H
#define VIGIL_IR_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "ir.h"

/* S-expression of one condition node, e.g. "(and $a (> #b 2))". */
void ir_dump_node(const ir_program *p, uint32_t node, FILE *out);

/* One rule: header line, meta, strings and condition, one per line. */
void ir_dump_rule(const ir_program *p, uint32_t rule, FILE *out);

/* Every rule of the program. */
void ir_dump_program(const ir_program *p, FILE *out);

/* The same into a malloc'ed string (NULL on OOM); the caller frees it. */
char *ir_dump_node_str(const ir_program *p, uint32_t node);
char *ir_dump_rule_str(const ir_program *p, uint32_t rule);

#endif
