/*
 * fuzz_pe.c - libFuzzer target for the PE parser and yara's pe module: the
 * input is loaded as a scanned file, its value tree walked as yara -D walks
 * it, and the functions that read the file again (imphash, checksum, RVA
 * mapping, exports, rich header) called, so every parser path sees hostile
 * bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "formats/pe.h"
#include "modules/object.h"
#include "modules/registry.h"

static void visit(const mo_item *it, void *user)
{
    /* touch every string so ASan sees reads of the stored bytes */
    if (it->ev == MO_EV_LEAF && it->v.kind == MO_VSTRING)
        for (size_t i = 0; i < it->v.len; i++)
            *(uint8_t *)user ^= it->v.s[i];
}

static mo_val call(const mo_module *m, mo_obj *self, const char *name, const char *types,
                   const mo_val *args, mo_ctx *c, void *priv, const uint8_t *data, size_t len)
{
    const mo_decl *d = mo_obj_decl(self);
    int k = d ? mo_find_member(d->members, name, types) : -1;
    if (k < 0)
        return mo_undef();
    (void)m;
    mo_call call = {.self = self, .priv = priv, .data = data, .len = len, .args = args, .ctx = c};
    return d->members[k].fn(&call);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const mo_module *m = mo_find_module("pe");
    mo_ctx *c = mo_ctx_new();
    mo_obj *root = c ? mo_ctx_root(c, m) : NULL;
    void *priv = NULL;
    if (root && m->load(c, root, data, len, &priv) == VIGIL_OK) {
        uint8_t sum = 0;
        mo_visit(m, root, visit, &sum);
        mo_val a[2] = {mo_int(0x1000), mo_int(1)};
        mo_val s[1] = {mo_string((const uint8_t *)"x", 1)};
        call(m, root, "imphash", "", NULL, c, priv, data, len);
        call(m, root, "calculate_checksum", "", NULL, c, priv, data, len);
        call(m, root, "rva_to_offset", "i", a, c, priv, data, len);
        call(m, root, "section_index", "i", a, c, priv, data, len);
        call(m, root, "exports", "s", s, c, priv, data, len);
        call(m, root, "exports", "i", a + 1, c, priv, data, len);
        call(m, root, "imports", "s", s, c, priv, data, len);
        call(m, root, "language", "i", a + 1, c, priv, data, len);
        mo_obj *rich = mo_member(c, root, "rich_signature");
        call(m, rich, "version", "ii", a, c, priv, data, len);
    }
    if (m->unload)
        m->unload(priv);
    mo_ctx_free(c);
    return 0;
}
