/*
 * run_conformance.c - runs the conformance tables (tests/conformance/cases/NAME.txt,
 * format in README.md) through libvigil's public API and reports every case
 * whose verdict or `yara -s` match lines differ from the table.
 * Uses only include/vigil.h, like any other client. Each case runs in its own
 * process (fork) so one crash or hang in the engine fails one case, not the run.
 */
#include <vigil.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FILE_BYTES (64u << 20)  /* a case file larger than this is a mistake */
#define MAX_DATA_BYTES (256u << 20) /* cap on one case's scanned data */
#define CASE_TIMEOUT_SECONDS 120
#define MAX_AREAS 128

/* A growable byte buffer with a hard cap; every append is bounds-checked. */
struct buf {
    char *p;
    size_t len, cap;
};

static int buf_add(struct buf *b, const void *src, size_t n)
{
    size_t need;
    if (__builtin_add_overflow(b->len, n, &need) || need + 1 > MAX_DATA_BYTES) {
        return -1;
    }
    if (need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            return -1;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->p + b->len, src, n);
    }
    b->len = need;
    b->p[b->len] = '\0';
    return 0;
}

static int buf_str(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

static int buf_fmt(struct buf *b, const char *fmt, unsigned long long v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, fmt, v);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        return -1;
    }
    return buf_add(b, tmp, (size_t)n);
}

/* A list of owned strings. */
struct strlist {
    char **v;
    size_t n;
};

static int list_push(struct strlist *l, const char *s, size_t len)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (v == NULL) {
        return -1;
    }
    l->v = v;
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        return -1;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    l->v[l->n++] = copy;
    return 0;
}

static void list_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

struct conf_case {
    char name[256];
    int line;
    struct strlist rule_ns;   /* namespace per rules section ("" = default) */
    struct strlist rule_text; /* text per rules section */
    struct strlist inc_name;
    struct strlist inc_text;
    struct buf data;
    struct strlist defines;
    struct strlist expect;
    struct strlist strings;
    bool has_expect, has_strings, has_error;
};

static void case_free(struct conf_case *c)
{
    list_free(&c->rule_ns);
    list_free(&c->rule_text);
    list_free(&c->inc_name);
    list_free(&c->inc_text);
    free(c->data.p);
    list_free(&c->defines);
    list_free(&c->expect);
    list_free(&c->strings);
    memset(c, 0, sizeof *c);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* C-style escapes (\\ \n \r \t \0 \xHH), as casefile.py's unescape. */
static int unescape_into(struct buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch != '\\') {
            if (buf_add(out, &ch, 1) != 0) {
                return -1;
            }
            continue;
        }
        if (i + 1 >= len) {
            return -1;
        }
        char e = s[++i];
        char v;
        if (e == '\\') {
            v = '\\';
        } else if (e == 'n') {
            v = '\n';
        } else if (e == 'r') {
            v = '\r';
        } else if (e == 't') {
            v = '\t';
        } else if (e == '0') {
            v = '\0';
        } else if (e == 'x' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            v = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            return -1;
        }
        if (buf_add(out, &v, 1) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Section body lines [first, last) of the file, trailing blank lines dropped. */
struct body {
    char **lines;
    size_t n;
};

static bool blank(const char *s)
{
    return s[strspn(s, " \t\r")] == '\0';
}

static int join_lines(struct body b, const char *sep, struct buf *out)
{
    for (size_t i = 0; i < b.n; i++) {
        if (buf_str(out, b.lines[i]) != 0 || buf_str(out, sep) != 0) {
            return -1;
        }
    }
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

static int finish_section(struct conf_case *c, const char *sec, const char *arg, struct body b)
{
    while (b.n > 0 && blank(b.lines[b.n - 1])) {
        b.n--;
    }
    struct buf t = {0};
    int rc = 0;
    if (strcmp(sec, "rules") == 0 || strcmp(sec, "include") == 0) {
        if (join_lines(b, "\n", &t) != 0 || buf_add(&t, "", 0) != 0) {
            rc = -1;
        } else if (strcmp(sec, "rules") == 0) {
            rc = list_push(&c->rule_ns, arg, strlen(arg));
            rc = rc ? rc : list_push(&c->rule_text, t.p, t.len);
        } else if (arg[0] == '\0' || strchr(arg, '/') != NULL || strcmp(arg, "..") == 0) {
            rc = -1;
        } else {
            rc = list_push(&c->inc_name, arg, strlen(arg));
            rc = rc ? rc : list_push(&c->inc_text, t.p, t.len);
        }
    } else if (strcmp(sec, "data") == 0 || strcmp(sec, "data-repeat") == 0) {
        if (join_lines(b, "", &t) != 0 || buf_add(&t, "", 0) != 0) {
            rc = -1;
        } else {
            char *end = NULL;
            unsigned long times = 1;
            if (strcmp(sec, "data-repeat") == 0) {
                errno = 0;
                times = strtoul(arg, &end, 10);
                if (errno != 0 || end == arg || *end != '\0') {
                    rc = -1;
                }
            }
            struct buf once = {0};
            rc = rc ? rc : unescape_into(&once, t.p, t.len);
            for (unsigned long k = 0; rc == 0 && k < times; k++) {
                rc = buf_add(&c->data, once.p, once.len);
            }
            free(once.p);
        }
    } else if (strcmp(sec, "data-hex") == 0) {
        int hi = -1;
        for (size_t i = 0; rc == 0 && i < b.n; i++) {
            for (const char *p = b.lines[i]; rc == 0 && *p; p++) {
                if (*p == ' ' || *p == '\t' || *p == '\r') {
                    continue;
                }
                int v = hexval(*p);
                if (v < 0) {
                    rc = -1;
                } else if (hi < 0) {
                    hi = v;
                } else {
                    char byte = (char)(hi * 16 + v);
                    rc = buf_add(&c->data, &byte, 1);
                    hi = -1;
                }
            }
        }
        if (hi >= 0) {
            rc = -1;
        }
    } else {
        struct strlist *dst = NULL;
        if (strcmp(sec, "define") == 0) {
            dst = &c->defines;
        } else if (strcmp(sec, "expect") == 0) {
            dst = &c->expect;
            c->has_expect = true;
        } else if (strcmp(sec, "strings") == 0) {
            dst = &c->strings;
            c->has_strings = true;
        } else if (strcmp(sec, "error") == 0) {
            c->has_error = true; /* message substrings are yara's wording; not compared */
        } else {
            rc = -1;
        }
        for (size_t i = 0; dst != NULL && rc == 0 && i < b.n; i++) {
            /* match lines keep trailing blanks: yara prints data bytes verbatim */
            char *s = dst == &c->strings ? b.lines[i] : trim(b.lines[i]);
            if (blank(s) || (dst == &c->expect && strcmp(s, "none") == 0)) {
                continue;
            }
            rc = list_push(dst, s, strlen(s));
        }
    }
    free(t.p);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Running one case                                                   */

/* yara's cli/common.c decides a -d value's type by its spelling; do the same. */
static bool spelled_integer(const char *s)
{
    if (*s == '-') {
        s++;
    }
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
}

static bool spelled_float(const char *s)
{
    bool dot = false;
    if (*s == '-') {
        s++;
    }
    if (*s == '.') {
        return false;
    }
    for (; *s; s++) {
        if (*s == '.') {
            if (dot) {
                return false;
            }
            dot = true;
        } else if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return dot;
}

static vigil_status define_var(vigil_compiler *comp, char *def)
{
    char *eq = strchr(def, '=');
    if (eq == NULL) {
        return VIGIL_E_ARG;
    }
    *eq = '\0';
    const char *name = def;
    const char *value = eq + 1;
    vigil_status st;
    if (spelled_float(value)) {
        st = vigil_compiler_define_float(comp, name, atof(value));
    } else if (spelled_integer(value)) {
        st = vigil_compiler_define_int(comp, name, atoi(value));
    } else if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
        st = vigil_compiler_define_bool(comp, name, strcmp(value, "true") == 0);
    } else {
        st = vigil_compiler_define_string(comp, name, value);
    }
    *eq = '=';
    return st;
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

struct scan_result {
    struct strlist rules;   /* "ns:name" of each matching rule, in callback order */
    struct strlist strings; /* match lines as yara -s prints them */
    bool oom;
};

/* cli/yara.c print_string: printable ASCII as is, the rest as \xHH. */
static int render_text(struct buf *b, const uint8_t *d, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = (d[i] >= 32 && d[i] <= 126) ? buf_add(b, &d[i], 1) : buf_fmt(b, "\\x%02X", d[i]);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* cli/yara.c print_hex_string: at most 64 bytes, then " ...". */
static int render_hex(struct buf *b, const uint8_t *d, uint32_t n)
{
    for (uint32_t i = 0; i < n && i < 64; i++) {
        if (buf_fmt(b, i == 0 ? "%02X" : " %02X", d[i]) != 0) {
            return -1;
        }
    }
    return n > 64 ? buf_str(b, " ...") : 0;
}

/* Hex strings print as hex bytes, text and regex strings as escaped text. */
static vigil_status on_event(vigil_scanner *s, vigil_event ev, const vigil_rule *rule,
                             size_t string, void *user)
{
    struct scan_result *res = user;
    (void)string;
    if (ev != VIGIL_EV_RULE_MATCHING) {
        return VIGIL_OK;
    }
    struct buf name = {0};
    const char *ns = vigil_rule_namespace(rule);
    if (buf_str(&name, ns ? ns : "default") != 0 || buf_str(&name, ":") != 0 ||
        buf_str(&name, vigil_rule_name(rule)) != 0 ||
        list_push(&res->rules, name.p, name.len) != 0) {
        res->oom = true;
    }
    free(name.p);
    size_t nstr = vigil_rule_string_count(rule);
    for (size_t i = 0; i < nstr && !res->oom; i++) {
        if (vigil_rule_string_is_private(rule, i)) {
            continue; /* yara -s does not print private strings */
        }
        size_t nm = vigil_scanner_match_count(s, rule, i);
        for (size_t k = 0; k < nm && !res->oom; k++) {
            vigil_match m = vigil_scanner_match(s, rule, i, k);
            uint32_t dl = m.data_len < VIGIL_MATCH_DATA_MAX ? m.data_len : VIGIL_MATCH_DATA_MAX;
            struct buf t = {0};
            int rc = buf_fmt(&t, "0x%llx:", (unsigned long long)m.offset);
            rc = rc ? rc : buf_str(&t, vigil_rule_string_id(rule, i));
            rc = rc ? rc : buf_str(&t, ": ");
            if (vigil_rule_string_is_hex(rule, i)) {
                rc = rc ? rc : render_hex(&t, m.data, m.data == NULL ? 0 : dl);
            } else {
                rc = rc ? rc : render_text(&t, m.data, m.data == NULL ? 0 : dl);
            }
            rc = rc ? rc : list_push(&res->strings, t.p, t.len);
            if (rc != 0) {
                res->oom = true;
            }
            free(t.p);
        }
    }
    return VIGIL_OK;
}

struct diag_log {
    struct buf text;
};

static void on_diag(const vigil_diag *d, void *user)
{
    struct diag_log *log = user;
    if (d->severity != VIGIL_SEV_ERROR || log->text.len > 4096) {
        return;
    }
    buf_str(&log->text, log->text.len ? "; " : "");
    buf_str(&log->text, d->message ? d->message : "(no message)");
}

static bool same_rule(const char *expected, const char *got)
{
    if (strchr(expected, ':') != NULL) {
        return strcmp(expected, got) == 0;
    }
    const char *colon = strchr(got, ':');
    return strcmp(expected, colon ? colon + 1 : got) == 0;
}

static void print_list(const char *label, const struct strlist *l)
{
    printf("      %s:", label);
    if (l->n == 0) {
        printf(" none");
    }
    for (size_t i = 0; i < l->n; i++) {
        printf(" %s", l->v[i]);
    }
    printf("\n");
}

/* Returns 0 if the case agrees with its table, 1 if not (printing why). */
static int run_case(const char *area, struct conf_case *c)
{
    char dir[] = "/tmp/vigil-conf-XXXXXX";
    char path[4096];
    vigil_compiler *comp = NULL;
    vigil_db *db = NULL;
    vigil_scanner *scanner = NULL;
    struct diag_log log;
    memset(&log, 0, sizeof log);
    struct scan_result res;
    memset(&res, 0, sizeof res);
    bool compiled = false;
    int fail = 0;
    vigil_status st = VIGIL_OK;

    if (mkdtemp(dir) == NULL) {
        printf("FAIL %s/%s: cannot create a temporary folder\n", area, c->name);
        return 1;
    }
    for (size_t i = 0; i < c->inc_name.n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, c->inc_name.v[i]);
        if (write_file(path, c->inc_text.v[i], strlen(c->inc_text.v[i])) != 0) {
            printf("FAIL %s/%s: cannot write %s\n", area, c->name, path);
            fail = 1;
            goto out;
        }
    }
    if (vigil_compiler_new(&comp) != VIGIL_OK) {
        printf("FAIL %s/%s: vigil_compiler_new failed\n", area, c->name);
        fail = 1;
        goto out;
    }
    vigil_compiler_set_diag_callback(comp, on_diag, &log);
    for (size_t i = 0; i < c->defines.n && st == VIGIL_OK; i++) {
        st = define_var(comp, c->defines.v[i]);
    }
    /* Like the yara CLI, stop at the first rules file with errors. */
    for (size_t i = 0; i < c->rule_text.n && st == VIGIL_OK; i++) {
        if (i == 0) {
            snprintf(path, sizeof path, "%s/rules.yar", dir);
        } else {
            snprintf(path, sizeof path, "%s/rules%zu.yar", dir, i);
        }
        if (write_file(path, c->rule_text.v[i], strlen(c->rule_text.v[i])) != 0) {
            printf("FAIL %s/%s: cannot write %s\n", area, c->name, path);
            fail = 1;
            goto out;
        }
        const char *ns = c->rule_ns.v[i][0] ? c->rule_ns.v[i] : NULL;
        st = vigil_compiler_add_file(comp, path, ns);
    }
    if (st == VIGIL_OK) {
        st = vigil_compiler_build(comp, &db);
    }
    compiled = (st == VIGIL_OK);
    if (c->has_error) {
        if (compiled) {
            printf("FAIL %s/%s (line %d): expected a compile error, vigil compiled it\n", area,
                   c->name, c->line);
            fail = 1;
        }
        goto out;
    }
    if (!compiled) {
        printf("FAIL %s/%s (line %d): compile failed (%s): %s\n", area, c->name, c->line,
               vigil_status_str(st), log.text.p ? log.text.p : vigil_compiler_last_error(comp));
        fail = 1;
        goto out;
    }
    st = vigil_scanner_new(db, &scanner);
    if (st == VIGIL_OK) {
        st = vigil_scanner_scan_mem(scanner, (const uint8_t *)(c->data.p ? c->data.p : ""),
                                    c->data.len, on_event, &res);
    }
    if (st != VIGIL_OK || res.oom) {
        printf("FAIL %s/%s (line %d): scan failed (%s)%s%s\n", area, c->name, c->line,
               vigil_status_str(st), scanner ? ": " : "",
               scanner && vigil_scanner_last_error(scanner) ? vigil_scanner_last_error(scanner)
                                                            : "");
        fail = 1;
        goto out;
    }
    bool rules_ok = res.rules.n == c->expect.n;
    for (size_t i = 0; rules_ok && i < c->expect.n; i++) {
        rules_ok = same_rule(c->expect.v[i], res.rules.v[i]);
    }
    bool strings_ok = true;
    if (c->has_strings) {
        strings_ok = res.strings.n == c->strings.n;
        for (size_t i = 0; strings_ok && i < c->strings.n; i++) {
            strings_ok = strcmp(c->strings.v[i], res.strings.v[i]) == 0;
        }
    }
    if (!rules_ok || !strings_ok) {
        printf("FAIL %s/%s (line %d)\n", area, c->name, c->line);
        fail = 1;
    }
    if (!rules_ok) {
        print_list("expected rules", &c->expect);
        print_list("got rules     ", &res.rules);
    }
    if (!strings_ok) {
        size_t n = c->strings.n > res.strings.n ? c->strings.n : res.strings.n;
        size_t shown = 0;
        for (size_t i = 0; i < n && shown < 10; i++) {
            const char *e = i < c->strings.n ? c->strings.v[i] : "<none>";
            const char *g = i < res.strings.n ? res.strings.v[i] : "<none>";
            if (strcmp(e, g) != 0) {
                printf("      line %zu: expected %s\n                got      %s\n", i + 1, e, g);
                shown++;
            }
        }
        if (c->strings.n != res.strings.n) {
            printf("      %zu match lines expected, %zu got\n", c->strings.n, res.strings.n);
        }
    }
out:
    vigil_scanner_free(scanner);
    vigil_db_free(db);
    vigil_compiler_free(comp);
    list_free(&res.rules);
    list_free(&res.strings);
    free(log.text.p);
    for (size_t i = 0; i < c->inc_name.n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, c->inc_name.v[i]);
        unlink(path);
    }
    for (size_t i = 0; i < c->rule_text.n; i++) {
        if (i == 0) {
            snprintf(path, sizeof path, "%s/rules.yar", dir);
        } else {
            snprintf(path, sizeof path, "%s/rules%zu.yar", dir, i);
        }
        unlink(path);
    }
    rmdir(dir);
    return fail;
}

/* ------------------------------------------------------------------ */
/* Files, areas and the driver                                        */

struct area_count {
    char name[128];
    int passed, failed;
};

struct totals {
    struct area_count areas[MAX_AREAS];
    size_t n;
    bool isolate;
    const char *filter;
};

static struct area_count *area_of(struct totals *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->areas[i].name, name) == 0) {
            return &t->areas[i];
        }
    }
    if (t->n == MAX_AREAS) {
        return &t->areas[MAX_AREAS - 1];
    }
    struct area_count *a = &t->areas[t->n++];
    snprintf(a->name, sizeof a->name, "%s", name);
    return a;
}

/* Runs the case in a child so a crash, hang or leak report stays with it. */
static int run_isolated(const char *area, struct conf_case *c, bool isolate)
{
    if (!isolate) {
        return run_case(area, c);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        return run_case(area, c);
    }
    if (pid == 0) {
        alarm(CASE_TIMEOUT_SECONDS);
        int r = run_case(area, c);
        fflush(stdout);
        exit(r);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status) == 0 ? 0 : 1;
    }
    printf("FAIL %s/%s (line %d): crashed with signal %d%s\n", area, c->name, c->line,
           WIFSIGNALED(status) ? WTERMSIG(status) : 0,
           WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    return 1;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    struct buf b = {0};
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rc = (b.len + n > MAX_FILE_BYTES) ? -1 : buf_add(&b, chunk, n);
    }
    bool bad = ferror(f) != 0 || rc != 0;
    fclose(f);
    if (bad) {
        free(b.p);
        return NULL;
    }
    if (b.p == NULL && buf_add(&b, "", 0) != 0) {
        return NULL;
    }
    *len = b.len;
    return b.p;
}

static bool wanted(const struct totals *t, const char *area, const char *name)
{
    if (t->filter == NULL) {
        return true;
    }
    char label[512];
    snprintf(label, sizeof label, "%s/%s", area, name);
    return strcmp(t->filter, area) == 0 || strcmp(t->filter, name) == 0 ||
           strcmp(t->filter, label) == 0;
}

/* Parses one case file, running each case as soon as it is complete. */
static int run_file(const char *path, const char *area, struct totals *t)
{
    size_t len = 0;
    char *text = read_all(path, &len);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    struct strlist lines = {0};
    int rc = 0;
    char *p = text;
    char *end = text + len;
    while (rc == 0 && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        rc = list_push(&lines, p, n);
        p += n + (nl ? 1 : 0);
    }
    free(text);

    struct conf_case c;
    memset(&c, 0, sizeof c);
    bool in_case = false;
    char sec[32] = "";
    char arg[256] = "";
    size_t body_start = 0;
    for (size_t i = 0; rc == 0 && i <= lines.n; i++) {
        const char *l = i < lines.n ? lines.v[i] : "=== ";
        bool new_case = strncmp(l, "=== ", 4) == 0;
        bool new_sec = in_case && strncmp(l, "--- ", 4) == 0;
        if ((new_case || new_sec) && sec[0] != '\0') {
            struct body b = {lines.v + body_start, i - body_start};
            if (finish_section(&c, sec, arg, b) != 0) {
                fprintf(stderr, "%s:%zu: bad section %s of case %s\n", path, i, sec, c.name);
                rc = -1;
                break;
            }
            sec[0] = '\0';
        }
        if (new_case) {
            if (in_case && wanted(t, area, c.name)) {
                struct area_count *a = area_of(t, area);
                if (c.rule_text.n == 0 || c.has_expect == c.has_error) {
                    fprintf(stderr, "%s:%d: case %s needs rules and one of expect/error\n", path,
                            c.line, c.name);
                    rc = -1;
                } else if (run_isolated(area, &c, t->isolate) == 0) {
                    a->passed++;
                } else {
                    a->failed++;
                }
            }
            case_free(&c);
            in_case = i < lines.n;
            if (in_case) {
                snprintf(c.name, sizeof c.name, "%s", trim(lines.v[i] + 4));
                c.line = (int)i + 1;
            }
        } else if (new_sec) {
            char tmp[300];
            snprintf(tmp, sizeof tmp, "%s", l + 4);
            char *s = trim(tmp);
            size_t w = strcspn(s, " \t");
            snprintf(sec, sizeof sec, "%.*s", (int)(w < 31 ? w : 31), s);
            snprintf(arg, sizeof arg, "%s", trim(s + w));
            body_start = i + 1;
        }
    }
    case_free(&c);
    list_free(&lines);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    struct totals t = {.isolate = true};
    const char *folder = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-fork") == 0) {
            t.isolate = false;
        } else if (folder == NULL) {
            folder = argv[i];
        } else {
            t.filter = argv[i];
        }
    }
    if (folder == NULL) {
        fprintf(stderr, "usage: %s [--no-fork] CASES_DIR [AREA | CASE | AREA/CASE]\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(folder);
    if (d == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", folder, strerror(errno));
        return 2;
    }
    struct strlist files = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".txt") == 0) {
            if (list_push(&files, de->d_name, n - 4) != 0) {
                closedir(d);
                list_free(&files);
                return 2;
            }
        }
    }
    closedir(d);
    qsort(files.v, files.n, sizeof *files.v, cmp_names);
    int bad_files = 0;
    for (size_t i = 0; i < files.n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.txt", folder, files.v[i]);
        if (run_file(path, files.v[i], &t) != 0) {
            bad_files++;
        }
    }
    list_free(&files);
    int passed = 0;
    int failed = 0;
    for (size_t i = 0; i < t.n; i++) {
        printf("%-24s %4d passed %4d failed\n", t.areas[i].name, t.areas[i].passed,
               t.areas[i].failed);
        passed += t.areas[i].passed;
        failed += t.areas[i].failed;
    }
    printf("total: %d cases, %d passed, %d failed%s\n", passed + failed, passed, failed,
           bad_files ? " (and unreadable case files)" : "");
    return (failed || bad_files || passed + failed == 0) ? 1 : 0;
}
