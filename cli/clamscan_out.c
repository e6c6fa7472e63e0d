/*
 * clamscan_out.c - see clamscan_out.h. Paths are printed as given, byte
 * for byte, because clamscan does and scripts parse its lines; JSON output
 * goes through jansson (report.c's detection object for FOUND), so a
 * hostile file name cannot forge a record there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clamscan_out.h"
#include "outbuf.h"
#include "report.h"

bool cs_out_open(cs_out *o, const char *log_path)
{
    clock_gettime(CLOCK_MONOTONIC, &o->t0);
    o->start = time(NULL);
    if (!log_path)
        return true;
    o->log = fopen(log_path, "a");
    if (!o->log) {
        /* clamscan's two lines: the reason on stdout, its logger's on stderr. */
        printf("ERROR: Failed to open log file %s: %s\n", log_path, strerror(errno));
        fflush(stdout);
        fputs("ERROR: Problem with internal logger.\n", stderr);
        return false;
    }
    fputs("\n-------------------------------------------------------------------------------\n\n",
          o->log);
    return true;
}

void cs_out_close(cs_out *o)
{
    if (o->log)
        fclose(o->log);
    o->log = NULL;
}

/* Writes one finished line to stdout (or stderr) and, if asked, the log. */
static void vline(cs_out *o, FILE *out, bool to_log, const char *prefix, const char *fmt,
                  va_list ap)
{
    va_list again;
    va_copy(again, ap);
    if (o->pr)
        progress_erase(o->pr);
    if (out == stderr)
        fflush(stdout); /* keep the two streams in the order things happened */
    fputs(prefix, out);
    vfprintf(out, fmt, ap);
    if (to_log && o->log) {
        fputs(prefix, o->log);
        vfprintf(o->log, fmt, again);
    }
    va_end(again);
}

static void line(cs_out *o, FILE *out, bool to_log, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void line(cs_out *o, FILE *out, bool to_log, const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(o, out, to_log, prefix, fmt, ap);
    va_end(ap);
}

static void emit_json(json_t *obj)
{
    if (!obj)
        return;
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(obj);
}

/* A path as a JSON string; bytes that are not UTF-8 as \xHH. */
static json_t *json_path(const char *path)
{
    json_t *j = json_string(path);
    if (j)
        return j;
    size_t len = strlen(path);
    char *buf = malloc(len * 4 + 1);
    if (!buf)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c >= 0x20 && c < 0x7f)
            buf[k++] = (char)c;
        else
            k += (size_t)snprintf(buf + k, 5, "\\x%02X", c);
    }
    buf[k] = '\0';
    j = json_string(buf);
    free(buf);
    return j;
}

void cs_result(cs_out *o, const char *path, const char *text)
{
    if (o->pr)
        progress_erase(o->pr);
    if (o->json) {
        json_t *obj = json_object();
        json_object_set_new(obj, "path", json_path(path));
        json_object_set_new(obj, "status", json_string(text));
        emit_json(obj);
        if (o->log)
            fprintf(o->log, "%s: %s\n", path, text);
        return;
    }
    line(o, stdout, true, "", "%s: %s\n", path, text);
}

void cs_ok(cs_out *o, const char *path)
{
    if (o->pr)
        progress_erase(o->pr);
    if (o->json) {
        json_t *obj = json_object();
        json_object_set_new(obj, "path", json_path(path));
        json_object_set_new(obj, "status", json_string("OK"));
        emit_json(obj);
        return;
    }
    printf("%s: OK\n", path);
}

void cs_found(cs_out *o, vigil_scanner *s, const char *path, const vigil_rule *rule)
{
    const char *name = vigil_rule_name(rule);
    if (o->pr)
        progress_erase(o->pr);
    if (o->json) {
        report rep = {.json = true};
        outbuf ob;
        ob_init(&ob, ob_spill_direct, NULL);
        report_detection(&rep, &ob, s, path, rule);
        ob_flush_direct(&ob);
        ob_free(&ob);
        if (o->log)
            fprintf(o->log, "%s: %s FOUND\n", path, name);
    } else {
        line(o, stdout, true, "", "%s: %s FOUND\n", path, name);
    }
    if (o->bell) {
        fflush(stdout);
        fputc('\a', stderr);
    }
}

void cs_warning(cs_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(o, o->to_stdout ? stdout : stderr, true, "WARNING: ", fmt, ap);
    va_end(ap);
}

void cs_error(cs_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(o, o->to_stdout ? stdout : stderr, true, "ERROR: ", fmt, ap);
    va_end(ap);
}

void cs_info(cs_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(o, stdout, true, "", fmt, ap);
    va_end(ap);
}

void cs_verbose(cs_out *o, const char *path)
{
    if (o->verbose && !o->json)
        line(o, stdout, true, "", "Scanning %s\n", path);
}

void cs_progress(cs_out *o)
{
    if (!o->pr || !progress_due(o->pr))
        return;
    ob_counts n = {.files = o->n.files, .bytes = o->n.blocks_read * CS_BLOCK,
                   .detections = o->n.infected, .errors = o->n.errors};
    fflush(stdout);
    progress_tick(o->pr, &n);
}

/* clamscan's figure: blocks of 4 KiB shown in MB with two decimals. */
static double blocks_mb(uint64_t blocks)
{
    return (double)blocks * (CS_BLOCK / 1024) / 1024.0;
}

void cs_summary(cs_out *o)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - o->t0.tv_sec) * 1000 +
                 (int64_t)(now.tv_nsec - o->t0.tv_nsec) / 1000000;
    if (ms < 0)
        ms = 0;
    time_t end = time(NULL);
    char sdate[64] = "", edate[64] = "";
    struct tm tm;
    if (localtime_r(&o->start, &tm))
        strftime(sdate, sizeof(sdate), "%Y:%m:%d %H:%M:%S", &tm);
    if (localtime_r(&end, &tm))
        strftime(edate, sizeof(edate), "%Y:%m:%d %H:%M:%S", &tm);
    const cs_counts *n = &o->n;
    double scanned = blocks_mb(n->blocks_scanned), read = blocks_mb(n->blocks_read);
    double ratio = n->blocks_read ? (double)n->blocks_scanned / (double)n->blocks_read : 0.0;
    uint64_t secs = (uint64_t)ms / 1000;
    if (o->json) {
        json_t *sum = json_object();
        json_object_set_new(sum, "known_viruses", json_integer((json_int_t)n->sigs));
        json_object_set_new(sum, "engine_version", json_string(CS_ENGINE_VERSION));
        json_object_set_new(sum, "scanned_directories", json_integer((json_int_t)n->dirs));
        json_object_set_new(sum, "scanned_files", json_integer((json_int_t)n->files));
        json_object_set_new(sum, "infected_files", json_integer((json_int_t)n->infected));
        json_object_set_new(sum, "errors", json_integer((json_int_t)n->errors));
        json_object_set_new(sum, "not_removed", json_integer((json_int_t)n->not_removed));
        json_object_set_new(sum, "not_moved", json_integer((json_int_t)n->not_moved));
        json_object_set_new(sum, "data_scanned_mb", json_real(scanned));
        json_object_set_new(sum, "data_read_mb", json_real(read));
        json_object_set_new(sum, "milliseconds", json_integer((json_int_t)ms));
        json_object_set_new(sum, "start_date", json_string(sdate));
        json_object_set_new(sum, "end_date", json_string(edate));
        json_t *obj = json_object();
        json_object_set_new(obj, "summary", sum);
        emit_json(obj);
        return;
    }
    cs_info(o, "\n----------- SCAN SUMMARY -----------\n");
    cs_info(o, "Known viruses: %" PRIu64 "\n", n->sigs);
    cs_info(o, "Engine version: %s\n", CS_ENGINE_VERSION);
    cs_info(o, "Scanned directories: %" PRIu64 "\n", n->dirs);
    cs_info(o, "Scanned files: %" PRIu64 "\n", n->files);
    cs_info(o, "Infected files: %" PRIu64 "\n", n->infected);
    if (n->errors)
        cs_info(o, "Total errors: %" PRIu64 "\n", n->errors);
    if (n->not_removed)
        cs_info(o, "Not removed: %" PRIu64 "\n", n->not_removed);
    /* clamscan 1.4.6 swaps the two words: a failed --move is counted as
     * "Not copied" and a failed --copy as "Not moved". Reproduced, since
     * the point is its exact output. */
    if (n->not_moved)
        cs_info(o, "Not %s: %" PRIu64 "\n", o->copy_mode ? "moved" : "copied", n->not_moved);
    cs_info(o, "Data scanned: %.2f MB\n", scanned);
    cs_info(o, "Data read: %.2f MB (ratio %.2f:1)\n", read, ratio);
    cs_info(o, "Time: %" PRIu64 ".%3.3u sec (%" PRIu64 " m %" PRIu64 " s)\n", secs,
            (unsigned)(ms % 1000), secs / 60, secs % 60);
    cs_info(o, "Start Date: %s\n", sdate);
    cs_info(o, "End Date:   %s\n", edate);
}

int cs_exit_code(const cs_out *o)
{
    if (o->n.infected > 0)
        return 1;
    return o->fatal || o->n.errors > 0 ? 2 : 0;
}
