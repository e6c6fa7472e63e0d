/*
 * fuzz_dotnet.c - libFuzzer target: the dotnet module's load over fuzzed
 * bytes (seeds: small .NET assemblies, so mutations reach the metadata
 * tables), then a walk of every value it set. Beyond memory safety it
 * checks that each number_of_X equals the length of the array X it counts,
 * as it does in yara.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/modules.h"
#include "modules/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const mo_item *it, void *user)
{
    size_t *sum = user;
    if (it->ev == MO_EV_LEAF && it->v.kind == MO_VSTRING && it->v.len)
        *sum += it->v.s[0] + it->v.s[it->v.len - 1];
}

/* number_of_X against X: both absent, or the count equals the length */
static void check_count(const mo_obj *root, const char *array, const char *count)
{
    const mo_decl *m = mo_module_dotnet.members;
    int a = mo_find_member(m, array, NULL), n = mo_find_member(m, count, NULL);
    if (a < 0 || n < 0)
        abort();
    mo_val v = mo_member_value(root, m, (uint32_t)n);
    uint64_t len = mo_count(mo_get_member(root, (uint32_t)a));
    if (v.kind == MO_UNDEF ? len != 0 : (v.kind != MO_VINT || (uint64_t)v.i != len)) {
        fprintf(stderr, "%s = %lld but %s has %llu elements\n", count, (long long)v.i, array,
                (unsigned long long)len);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mo_ctx *c = mo_ctx_new();
    if (!c)
        return 0;
    mo_obj *root = mo_ctx_root(c, &mo_module_dotnet);
    void *priv = NULL;
    if (root && mo_module_dotnet.load(c, root, data, size, &priv) == VIGIL_OK) {
        size_t sum = 0;
        mo_visit(&mo_module_dotnet, root, touch, &sum);
        check_count(root, "streams", "number_of_streams");
        check_count(root, "guids", "number_of_guids");
        check_count(root, "resources", "number_of_resources");
        check_count(root, "assembly_refs", "number_of_assembly_refs");
        check_count(root, "modulerefs", "number_of_modulerefs");
        check_count(root, "user_strings", "number_of_user_strings");
        check_count(root, "constants", "number_of_constants");
        check_count(root, "field_offsets", "number_of_field_offsets");
    }
    if (mo_module_dotnet.unload)
        mo_module_dotnet.unload(priv);
    mo_ctx_free(c);
    return 0;
}
