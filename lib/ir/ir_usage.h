/*
 * ir_usage.h - how each string is used by the conditions, in the two ways
 * that change which matches yara records: a string only ever tested for
 * presence may stop at its first match in fast mode (-f), and a string only
 * ever used as `$a at N` with one constant N is searched at N alone.
 */
#ifndef VIGIL_IR_USAGE_H
#define VIGIL_IR_USAGE_H

#include <stdint.h>

#include "ir.h"

#define IR_NO_FIXED_OFFSET UINT64_MAX

/* single[i] = 1 when string i is only tested for presence; fixed[i] = its one
 * `at` offset or IR_NO_FIXED_OFFSET. Both arrays hold p->strings.len items. */
void ir_string_usage(const ir_program *p, uint8_t *single, uint64_t *fixed);

#endif
