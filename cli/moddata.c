/*
 * moddata.c - see moddata.h. yara -D's format: one tab per depth, `name`
 * for structures, arrays and dictionaries, `[i]` for array elements, the
 * bare key for dictionary entries, ` = value` for leaves (strings quoted and
 * escaped like matched data but with lower-case \\xhh, floats with %f, an undefined float as "nan"
 * because yara keeps undefined floats as NaN, other undefined leaves as
 * YR_UNDEFINED).
 */
#include "moddata.h"

#include <inttypes.h>
#include <string.h>

#include "escape.h"

static void print_label(FILE *out, const vigil_module_node *n)
{
    for (unsigned d = 0; d < n->depth; d++)
        fputc('\t', out);
    if (!n->is_element)
        fputs(n->name ? n->name : "", out);
    else if (n->key)
        fwrite(n->key, 1, n->key_len, out);
    else
        fprintf(out, "[%" PRId64 "]", n->index);
}

void moddata_print_yara(const vigil_module_node *n, void *user)
{
    FILE *out = user;
    if (n->kind == VIGIL_NODE_END)
        return;
    print_label(out, n);
    if (n->kind == VIGIL_NODE_VALUE) {
        fputs(" = ", out);
        switch (n->value_kind) {
        case VIGIL_VALUE_INT:
            fprintf(out, "%" PRId64, n->i);
            break;
        case VIGIL_VALUE_FLOAT:
            fprintf(out, "%f", n->f);
            break;
        case VIGIL_VALUE_STRING:
            fputc('"', out);
            esc_print_module_string(out, n->s, n->s_len);
            fputc('"', out);
            break;
        default:
            fputs(n->declared_kind == VIGIL_VALUE_FLOAT ? "nan" : "YR_UNDEFINED", out);
            break;
        }
    }
    fputc('\n', out);
}

static json_t *json_leaf(const vigil_module_node *n)
{
    switch (n->value_kind) {
    case VIGIL_VALUE_INT:
        return json_integer((json_int_t)n->i);
    case VIGIL_VALUE_FLOAT:
        return json_real(n->f);
    case VIGIL_VALUE_STRING: {
        /* jansson refuses invalid UTF-8; NUL bytes go to the hex form too */
        json_t *text =
            memchr(n->s, 0, n->s_len) ? NULL : json_stringn((const char *)n->s, n->s_len);
        if (text)
            return text;
        static const char hex[] = "0123456789abcdef";
        json_t *o = json_object();
        char *h = malloc(2 * n->s_len + 1);
        if (!o || !h) {
            free(h);
            json_decref(o);
            return NULL;
        }
        for (size_t k = 0; k < n->s_len; k++) {
            h[2 * k] = hex[n->s[k] >> 4];
            h[2 * k + 1] = hex[n->s[k] & 15];
        }
        h[2 * n->s_len] = '\0';
        json_object_set_new(o, "hex", json_string(h));
        free(h);
        return o;
    }
    default:
        return json_null();
    }
}

/* Attaches v to the innermost open container (or makes it the result). */
static void attach(moddata_json *j, const vigil_module_node *n, json_t *v)
{
    if (!v) {
        j->failed = true;
        return;
    }
    if (j->top == 0) {
        j->result = v;
        return;
    }
    json_t *parent = j->stack[j->top - 1];
    int rc;
    if (json_is_array(parent)) {
        /* yara's arrays are sparse: holes become null */
        while (json_array_size(parent) < (size_t)n->index)
            json_array_append_new(parent, json_null());
        rc = json_array_append_new(parent, v);
    } else if (n->is_element) {
        char *key = strndup((const char *)n->key, n->key_len);
        rc = key ? json_object_set_new(parent, key, v) : -1;
        free(key);
    } else {
        rc = json_object_set_new(parent, n->name ? n->name : "", v);
    }
    if (rc != 0)
        j->failed = true;
}

void moddata_json_visit(const vigil_module_node *n, void *user)
{
    moddata_json *j = user;
    if (j->failed)
        return;
    switch (n->kind) {
    case VIGIL_NODE_VALUE:
        attach(j, n, json_leaf(n));
        return;
    case VIGIL_NODE_END:
        if (j->top > 0)
            j->top--;
        return;
    default: {
        json_t *c = n->kind == VIGIL_NODE_ARRAY ? json_array() : json_object();
        if (!c || j->top >= (int)(sizeof(j->stack) / sizeof(j->stack[0]))) {
            json_decref(c);
            j->failed = true;
            return;
        }
        attach(j, n, c); /* owned by its parent (or the result) from here on */
        if (!j->failed)
            j->stack[j->top++] = c;
        return;
    }
    }
}
