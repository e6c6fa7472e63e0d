/*
 * tests.c - yara's "tests" module: fixed values of every kind (structures,
 * sparse arrays, dictionaries, undefined members, overloaded functions, a
 * regex argument). It has no use in rules; it exists so that the module
 * machinery (compiler, evaluator, -D output) can be compared with yara's
 * own `tests` module, value for value.
 */
#include <string.h>

#include "modules.h"

static mo_val fsum_2(mo_call *c)
{
    return mo_float(mo_arg_float(c, 0) + mo_arg_float(c, 1));
}

static mo_val fsum_3(mo_call *c)
{
    return mo_float(mo_arg_float(c, 0) + mo_arg_float(c, 1) + mo_arg_float(c, 2));
}

/* yara adds int64_t values in C; wrap like two's complement rather than
 * overflow (undefined behaviour in C) */
static int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

static mo_val isum_2(mo_call *c)
{
    return mo_int(wrap_add(mo_arg_int(c, 0), mo_arg_int(c, 1)));
}

static mo_val isum_3(mo_call *c)
{
    return mo_int(wrap_add(wrap_add(mo_arg_int(c, 0), mo_arg_int(c, 1)), mo_arg_int(c, 2)));
}

/* yara measures the C string: up to the first NUL */
static mo_val length(mo_call *c)
{
    size_t len;
    const uint8_t *s = mo_arg_string(c, 0, &len);
    const uint8_t *nul = memchr(s, 0, len);
    return mo_int(nul ? nul - s : (int64_t)len);
}

static mo_val empty(mo_call *c)
{
    (void)c;
    return mo_string((const uint8_t *)"", 0);
}

static mo_val match(mo_call *c)
{
    size_t len;
    const uint8_t *s = mo_arg_string(c, 1, &len);
    return mo_int(mo_arg_regex_match_length(c, 0, s, len));
}

static mo_val foobar(mo_call *c)
{
    switch (mo_arg_int(c, 0)) {
    case 1:
        return mo_string((const uint8_t *)"foo", 3);
    case 2:
        return mo_string((const uint8_t *)"bar", 3);
    default:
        return mo_string((const uint8_t *)"oops", 4);
    }
}

static const mo_decl constants[] = {
    MO_INTEGER("one"), MO_INTEGER("two"), MO_STRING_("foo"), MO_STRING_("empty"), MO_END,
};
static const mo_decl undefined[] = {MO_INTEGER("i"), MO_FLOAT_("f"), MO_END};
static const mo_decl i_and_s[] = {MO_INTEGER("i"), MO_STRING_("s"), MO_END};
static const mo_decl unused_int[] = {MO_INTEGER("unused"), MO_END};
static const mo_decl unused_string[] = {MO_STRING_("unused"), MO_END};
static const mo_decl empty_members[] = {
    MO_STRUCT_ARRAY("struct_array", unused_string),
    MO_STRUCT_DICT("struct_dict", unused_string),
    MO_END,
};

static const mo_decl members[] = {
    MO_STRUCT_("constants", constants),
    MO_STRUCT_("undefined", undefined),
    MO_STRING_("module_data"),
    MO_ARRAY_OF("integer_array", MO_INT),
    MO_ARRAY_OF("string_array", MO_STRING),
    MO_DICT_OF("integer_dict", MO_INT),
    MO_DICT_OF("string_dict", MO_STRING),
    MO_STRUCT_ARRAY("struct_array", i_and_s),
    MO_STRUCT_DICT("struct_dict", i_and_s),
    MO_STRUCT_DICT("empty_struct_dict", unused_int),
    MO_STRUCT_ARRAY("empty_struct_array", empty_members),
    MO_FUNCTION("match", "rs", 'i', match),
    MO_FUNCTION("isum", "ii", 'i', isum_2),
    MO_FUNCTION("isum", "iii", 'i', isum_3),
    MO_FUNCTION("fsum", "ff", 'f', fsum_2),
    MO_FUNCTION("fsum", "fff", 'f', fsum_3),
    MO_FUNCTION("length", "s", 'i', length),
    MO_FUNCTION("empty", "", 's', empty),
    MO_FUNCTION("foobar", "i", 's', foobar),
    MO_END,
};

static vigil_status load(mo_ctx *c, mo_obj *root, const uint8_t *data, size_t len, void **priv)
{
    (void)data;
    (void)len;
    (void)priv;
    mo_seti(c, root, 1, "constants.one");
    mo_seti(c, root, 2, "constants.two");
    mo_setz(c, root, "foo", "constants.foo");
    mo_setz(c, root, "", "constants.empty");
    mo_seti(c, root, 1, "struct_array[1].i");
    mo_seti(c, root, 0, "integer_array[%d]", 0);
    mo_seti(c, root, 1, "integer_array[%d]", 1);
    mo_seti(c, root, 2, "integer_array[%d]", 2);
    mo_seti(c, root, 256, "integer_array[%d]", 256);
    mo_setz(c, root, "foo", "string_array[%d]", 0);
    mo_setz(c, root, "bar", "string_array[%d]", 1);
    mo_setz(c, root, "baz", "string_array[%d]", 2);
    mo_sets(c, root, "foo\0bar", 7, "string_array[%d]", 3);
    mo_setz(c, root, "foo", "string_dict[%s]", "foo");
    mo_setz(c, root, "bar", "string_dict[\"bar\"]");
    mo_setz(c, root, "foo", "struct_dict[%s].s", "foo");
    mo_seti(c, root, 1, "struct_dict[%s].i", "foo");
    return mo_ctx_failed(c) ? VIGIL_E_NOMEM : VIGIL_OK;
}

const mo_module mo_module_tests = {
    .name = "tests",
    .members = members,
    .load = load,
};
