/*
 * test_modules_object.c - lib/modules/object.c: building value trees by
 * accessor and by yara-style path, reading them back, the limits hostile
 * files meet, overload lookup, and the order mo_visit walks in (yara -D's:
 * declared structures in reverse, elements in declaration order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "modules/object.h"
#include "modules/registry.h"

static mo_val f_one(mo_call *c)
{
    (void)c;
    return mo_int(1);
}

static const mo_decl point[] = {MO_INTEGER("x"), MO_INTEGER("y"), MO_END};
static const mo_decl inner[] = {MO_STRING_("a"), MO_STRUCT_("pt", point),
                                MO_STRUCT_ARRAY("subs", point), MO_END};
static const mo_decl members[] = {
    MO_CONST_INT("K", 7),
    MO_INTEGER("n"),
    MO_FLOAT_("f"),
    MO_STRUCT_("in", inner),
    MO_STRUCT_ARRAY("items", inner),
    MO_ARRAY_OF("ints", MO_INT),
    MO_DICT_OF("names", MO_STRING),
    MO_FUNCTION("fn", "", 'i', f_one),
    MO_FUNCTION("fn", "s", 'i', f_one),
    MO_END,
};
static const mo_module demo = {.name = "demo", .members = members};

static void test_build_and_read(void **state)
{
    (void)state;
    mo_ctx *c = mo_ctx_new();
    assert_non_null(c);
    mo_obj *root = mo_ctx_root(c, &demo);
    assert_non_null(root);
    mo_seti(c, root, 42, "n");
    mo_setf(c, root, 1.5, "f");
    mo_setz(c, root, "in-a", "in.a");
    mo_seti(c, root, -3, "items[%d].pt.y", 2);
    mo_seti(c, root, 9, "ints[%d]", 4);
    mo_setz(c, root, "v1", "names[%s]", "k1");
    mo_setz(c, root, "v2", "names[\"k2\"]");
    mo_sets(c, root, "a]b", 3, "names[x]");
    assert_false(mo_ctx_failed(c));

    assert_int_equal(mo_value(mo_get_member(root, 1)).i, 42);
    assert_true(mo_value(mo_get_member(root, 2)).f == 1.5);
    const mo_obj *items = mo_get_member(root, 4);
    assert_int_equal(mo_count(items), 3);
    assert_null(mo_get_element(items, 0)); /* never set: undefined */
    assert_null(mo_get_element(items, 3));
    assert_null(mo_get_element(items, -1));
    const mo_obj *pt = mo_get_member(mo_get_element(items, 2), 1);
    assert_int_equal(mo_value(mo_get_member(pt, 1)).i, -3);
    assert_int_equal(mo_value(mo_get_member(pt, 0)).kind, MO_UNDEF);
    const mo_obj *names = mo_get_member(root, 6);
    assert_int_equal(mo_count(names), 3);
    mo_val v = mo_value(mo_get_entry(names, "k2", 2));
    assert_int_equal(v.kind, MO_VSTRING);
    assert_memory_equal(v.s, "v2", 2);
    assert_null(mo_get_entry(names, "k3", 2));
    /* a constant is a value of the declaration, not settable */
    assert_null(mo_member(c, root, "K"));
    /* setting through the wrong type changes nothing */
    mo_set_string(c, mo_member(c, root, "n"), "x", 1);
    assert_int_equal(mo_value(mo_get_member(root, 1)).i, 42);
    mo_ctx_reset(c);
    root = mo_ctx_root(c, &demo);
    assert_int_equal(mo_value(mo_get_member(root, 1)).kind, MO_UNDEF);
    mo_ctx_free(c);
}

static void test_limits(void **state)
{
    (void)state;
    mo_ctx *c = mo_ctx_new();
    mo_obj *root = mo_ctx_root(c, &demo);
    mo_obj *ints = mo_member(c, root, "ints");
    assert_null(mo_element(c, ints, MO_MAX_ELEMS));
    assert_non_null(mo_element(c, ints, MO_MAX_ELEMS - 1)); /* sparse tables are allowed... */
    assert_null(mo_alloc(c, MO_MAX_ARENA + 1));             /* ...but the arena is capped */
    assert_true(mo_ctx_failed(c));
    assert_null(mo_member(c, root, "n")); /* and fails from then on */
    assert_null(mo_member(c, NULL, "n"));
    assert_null(mo_element(c, NULL, 0));
    mo_ctx_free(c);
}

static void test_find_member(void **state)
{
    (void)state;
    assert_int_equal(mo_find_member(members, "n", NULL), 1);
    assert_int_equal(mo_find_member(members, "fn", ""), 7);
    assert_int_equal(mo_find_member(members, "fn", "s"), 8);
    assert_int_equal(mo_find_member(members, "fn", "i"), -1);
    assert_int_equal(mo_find_member(members, "nope", NULL), -1);
    assert_non_null(mo_find_module("tests"));
    assert_null(mo_find_module("nope"));
}

static void collect(const mo_item *it, void *user)
{
    char *out = user;
    char line[96];
    if (it->ev == MO_EV_LEAVE)
        return;
    if (it->is_element && it->key)
        snprintf(line, sizeof(line), "%u:%.*s", it->depth, (int)it->key_len, it->key);
    else if (it->is_element)
        snprintf(line, sizeof(line), "%u:[%lld]", it->depth, (long long)it->index);
    else
        snprintf(line, sizeof(line), "%u:%s", it->depth, it->name);
    strcat(out, line);
    if (it->ev == MO_EV_LEAF && it->v.kind == MO_VINT) {
        snprintf(line, sizeof(line), "=%lld", (long long)it->v.i);
        strcat(out, line);
    }
    strcat(out, " ");
}

static void test_visit_order(void **state)
{
    (void)state;
    mo_ctx *c = mo_ctx_new();
    mo_obj *root = mo_ctx_root(c, &demo);
    mo_seti(c, root, 5, "items[%d].pt.x", 0);
    mo_seti(c, root, 6, "items[0].subs[0].x");
    mo_seti(c, root, 1, "in.pt.y");
    mo_setz(c, root, "v", "names[k]");
    char out[1024] = "";
    mo_visit(&demo, root, collect, out);
    /* declared structures (root, in, in.pt) list members last-first;
     * elements (items[0] and what is inside it) first-last; elements of an
     * array inside an element (items[0].subs[0]) last-first again */
    assert_string_equal(out, "0:demo 1:names 2:k 1:ints 1:items 2:[0] 3:a 3:pt 4:x=5 4:y 3:subs "
                             "4:[0] 5:y 5:x=6 1:in 2:subs 2:pt 3:y=1 3:x 2:a 1:f 1:n 1:K=7 ");
    mo_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_read),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_find_member),
        cmocka_unit_test(test_visit_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
