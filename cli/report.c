/*
 * report.c - text and NDJSON output of `vigil scan`. Paths and matched bytes
 * come from hostile input: text output escapes control bytes so a file name
 * cannot forge a line, and JSON falls back to an escaped form when bytes are
 * not valid UTF-8 (jansson refuses those).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "escape.h"
#include "progress.h"
#include "report.h"

void report_start(report *r)
{
    clock_gettime(CLOCK_MONOTONIC, &r->start);
}

/* Text form of a path: bytes below 0x20 and 0x7F as \xHH, the rest as is. */
static void print_path(FILE *out, const char *p)
{
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02X", c);
        else
            fputc(c, out);
    }
}

/* Bytes as a JSON string: as is when valid UTF-8 without controls trouble
 * (jansson escapes those), else printable ASCII with \xHH for the rest. */
static json_t *json_bytes(const uint8_t *data, size_t len)
{
    json_t *j = json_stringn((const char *)data, len);
    if (j)
        return j;
    char *buf;
    size_t blen;
    FILE *mem = open_memstream(&buf, &blen);
    if (!mem)
        return NULL;
    esc_print_string(mem, data, len);
    fclose(mem);
    j = json_stringn(buf, blen);
    free(buf);
    return j;
}

static json_t *json_text(const char *s)
{
    return json_bytes((const uint8_t *)s, strlen(s));
}

static void emit(FILE *out, json_t *obj)
{
    if (!obj)
        return;
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
        fputs(line, out);
        fputc('\n', out);
        free(line);
    }
    json_decref(obj);
}

static json_t *json_meta(const vigil_rule *rule)
{
    json_t *meta = json_object();
    for (size_t i = 0; meta && i < vigil_rule_meta_count(rule); i++) {
        vigil_meta m = vigil_rule_meta(rule, i);
        json_t *v;
        if (m.type == VIGIL_META_INT)
            v = json_integer((json_int_t)m.i);
        else if (m.type == VIGIL_META_BOOL)
            v = json_boolean(m.i != 0);
        else
            v = json_bytes((const uint8_t *)(m.s ? m.s : ""), m.s ? m.s_len : 0);
        json_object_set_new(meta, m.name, v);
    }
    return meta;
}

static json_t *json_strings(vigil_scanner *s, const vigil_rule *rule)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < vigil_rule_string_count(rule); i++) {
        if (vigil_rule_string_is_private(rule, i))
            continue;
        size_t n = vigil_scanner_match_count(s, rule, i);
        for (size_t k = 0; k < n; k++) {
            vigil_match m = vigil_scanner_match(s, rule, i, k);
            json_t *o = json_object();
            json_object_set_new(o, "id", json_text(vigil_rule_string_id(rule, i)));
            json_object_set_new(o, "offset", json_integer((json_int_t)m.offset));
            json_object_set_new(o, "length", json_integer((json_int_t)m.length));
            json_object_set_new(o, "data", json_bytes(m.data, m.data_len));
            json_array_append_new(arr, o);
        }
    }
    return arr;
}

static void text_strings(outbuf *ob, vigil_scanner *s, const vigil_rule *rule)
{
    for (size_t i = 0; i < vigil_rule_string_count(rule); i++) {
        if (vigil_rule_string_is_private(rule, i))
            continue;
        bool hex = cli_string_is_hex(rule, i);
        size_t n = vigil_scanner_match_count(s, rule, i);
        for (size_t k = 0; k < n; k++) {
            vigil_match m = vigil_scanner_match(s, rule, i, k);
            FILE *out = ob_out(ob);
            fprintf(out, "  0x%" PRIx64 ":%s: ", m.offset, vigil_rule_string_id(rule, i));
            if (hex)
                esc_print_hex(out, m.data, m.data_len);
            else
                esc_print_string(out, m.data, m.data_len);
            if (m.data_len < m.length)
                fprintf(out, " ... (%" PRIu32 " bytes)", m.length);
            fputc('\n', out);
            ob_check(ob);
        }
    }
}

/* -s for a ClamAV signature: which database line it is, and for a hash
 * signature the digest and size that matched (its "strings" are none). */
static void text_clamav_origin(FILE *out, vigil_scanner *s, const vigil_rule *rule)
{
    const char *type = NULL, *source = NULL, *hash = NULL, *size = NULL;
    for (size_t i = 0; i < vigil_rule_meta_count(rule); i++) {
        vigil_meta m = vigil_rule_meta(rule, i);
        if (m.type != VIGIL_META_STRING)
            continue;
        if (strcmp(m.name, "type") == 0)
            type = m.s;
        else if (strcmp(m.name, "source") == 0)
            source = m.s;
        else if (strcmp(m.name, "hash") == 0)
            hash = m.s;
        else if (strcmp(m.name, "size") == 0)
            size = m.s;
    }
    fprintf(out, "  %s signature at %s", type ? type : "ClamAV", source ? source : "?");
    if (hash)
        fprintf(out, ": hash %s, size %s", hash, size ? size : "?");
    /* the offsets below are the view's, not the file's */
    const char *view = vigil_scanner_view(s);
    if (view)
        fprintf(out, ", in the file's %s", view);
    fputc('\n', out);
}

void report_detection(const report *r, outbuf *ob, vigil_scanner *s, const char *path,
                      const vigil_rule *rule)
{
    ob->n.detections++;
    const char *ns = vigil_rule_namespace(rule);
    bool show_ns = ns && strcmp(ns, "default") != 0;
    if (r->json) {
        json_t *o = json_object();
        json_object_set_new(o, "path", json_text(path));
        json_object_set_new(o, "rule", json_text(vigil_rule_name(rule)));
        json_object_set_new(o, "namespace", json_text(ns ? ns : "default"));
        json_t *tags = json_array();
        for (size_t i = 0; i < vigil_rule_tag_count(rule); i++)
            json_array_append_new(tags, json_text(vigil_rule_tag(rule, i)));
        json_object_set_new(o, "tags", tags);
        json_object_set_new(o, "meta", json_meta(rule));
        json_object_set_new(o, "strings", json_strings(s, rule));
        if (vigil_scanner_view(s))
            json_object_set_new(o, "view", json_text(vigil_scanner_view(s)));
        emit(ob_out(ob), o);
        ob_check(ob);
        return;
    }
    FILE *out = ob_out(ob);
    print_path(out, path);
    fprintf(out, ": %s%s%s\n", show_ns ? ns : "", show_ns ? ":" : "", vigil_rule_name(rule));
    if (r->strings && ns && strcmp(ns, "clamav") == 0)
        text_clamav_origin(out, s, rule);
    if (r->strings)
        text_strings(ob, s, rule);
}

void report_error(const report *r, outbuf *ob, const char *path, const char *why)
{
    ob->n.errors++;
    if (r->json) {
        json_t *o = json_object();
        json_object_set_new(o, "path", json_text(path));
        json_object_set_new(o, "error", json_text(why));
        emit(ob_out(ob), o);
        return;
    }
    FILE *err = ob_err(ob);
    fputs("vigil: ", err);
    print_path(err, path);
    fprintf(err, ": %s\n", why);
}

void report_warning(const report *r, outbuf *ob, const char *path, const char *why)
{
    ob->n.skipped++;
    if (r->quiet)
        return;
    FILE *err = ob_err(ob);
    fputs("vigil: ", err);
    print_path(err, path);
    fprintf(err, ": %s\n", why);
}

void report_finish(report *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = (double)(now.tv_sec - r->start.tv_sec) +
                  (double)(now.tv_nsec - r->start.tv_nsec) / 1e9;
    if (r->json) {
        json_t *o = json_object();
        json_t *sum = json_object();
        json_object_set_new(sum, "files", json_integer((json_int_t)r->n.files));
        json_object_set_new(sum, "bytes", json_integer((json_int_t)r->n.bytes));
        json_object_set_new(sum, "detections", json_integer((json_int_t)r->n.detections));
        json_object_set_new(sum, "errors", json_integer((json_int_t)r->n.errors));
        json_object_set_new(sum, "skipped", json_integer((json_int_t)r->n.skipped));
        json_object_set_new(sum, "seconds", json_real(secs));
        json_object_set_new(o, "summary", sum);
        emit(stdout, o);
    }
    fflush(stdout);
    if (!r->quiet) {
        char rate[40];
        progress_rate(rate, sizeof(rate), (double)r->n.bytes, secs);
        fprintf(stderr,
                "vigil: %" PRIu64 " files scanned, %" PRIu64 " bytes, %" PRIu64
                " detections, %" PRIu64 " errors, %" PRIu64 " skipped, %.2f seconds, %s\n",
                r->n.files, r->n.bytes, r->n.detections, r->n.errors, r->n.skipped, secs,
                rate);
    }
}

int report_exit_code(const report *r)
{
    if (r->n.detections > 0)
        return 1;
    return r->n.errors > 0 ? 2 : 0;
}
