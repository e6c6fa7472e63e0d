/*
 * mail_msg.c - libclamav's "message" object (message.c): a MIME entity's
 * type, arguments, transfer encodings and body lines, and its export, which
 * decodes the body into the bytes of the file libclamav writes. The
 * decoders keep libclamav's leniencies (base64 cut at the first '=', junk
 * dropped, a carry between lines; quoted-printable "=\n" and bad hex).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/mail_int.h"

bool ml_text_add(ml_ctx *c, ml_text *t, const char *line)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **l = realloc(t->l, cap * sizeof(*l));
        if (!l) {
            c->nomem = true;
            return false;
        }
        t->l = l;
        t->cap = cap;
    }
    char *copy = NULL;
    if (line) {
        copy = ml_strdup(c, line);
        if (!copy)
            return false;
    }
    t->l[t->n++] = copy;
    return true;
}

void ml_text_free(ml_text *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->l[i]);
    free(t->l);
    memset(t, 0, sizeof(*t));
}

void ml_msg_init(ml_msg *m)
{
    memset(m, 0, sizeof(*m));
}

void ml_msg_reset(ml_msg *m)
{
    free(m->subtype);
    free(m->disposition);
    for (size_t i = 0; i < m->nargs; i++)
        free(m->args[i]);
    free(m->args);
    ml_text_free(&m->body);
    bool ctx = m->has_ctx;
    ml_msg_init(m);
    m->has_ctx = ctx;
}

static const struct {
    const char *s;
    ml_mime t;
} mime_map[] = {
    {"text", ML_TEXT},   {"multipart", ML_MULTIPART}, {"application", ML_APPLICATION},
    {"audio", ML_AUDIO}, {"image", ML_IMAGE},         {"message", ML_MESSAGE},
    {"video", ML_VIDEO},
};

bool ml_msg_set_mime(ml_msg *m, const char *type)
{
    if (!type)
        return false;
    while (!isalpha((unsigned char)*type))
        if (*type++ == '\0')
            return false;
    for (size_t i = 0; i < sizeof(mime_map) / sizeof(mime_map[0]); i++)
        if (strcasecmp(type, mime_map[i].s) == 0) {
            m->mime = mime_map[i].t;
            return true;
        }
    if (m->mime != ML_NOMIME)
        return false;
    if (strncasecmp(type, "x-", 2) == 0) {
        m->mime = ML_MEXTENSION;
    } else if (strcasecmp(type, "plain") == 0) {
        m->mime = ML_TEXT;
    } else {
        int best = 0;
        ml_mime t = ML_APPLICATION;
        for (size_t i = 0; i < sizeof(mime_map) / sizeof(mime_map[0]); i++) {
            int s = ml_simil(mime_map[i].s, type);
            if (s > best) {
                best = s;
                t = mime_map[i].t;
            }
        }
        m->mime = best >= 50 ? t : ML_APPLICATION;
    }
    return true;
}

void ml_msg_set_subtype(ml_ctx *c, ml_msg *m, const char *s)
{
    free(m->subtype);
    m->subtype = ml_strdup(c, s ? s : "");
}

void ml_msg_set_disposition(ml_ctx *c, ml_msg *m, const char *d)
{
    free(m->disposition);
    m->disposition = NULL;
    if (!d)
        return;
    while (*d && isspace((unsigned char)*d))
        d++;
    if (*d) {
        m->disposition = ml_strdup(c, d);
        if (m->disposition)
            ml_strstrip(m->disposition);
    }
}

const char *ml_msg_subtype(const ml_msg *m)
{
    return m->subtype ? m->subtype : "";
}

const char *ml_msg_disposition(const ml_msg *m)
{
    return m->disposition ? m->disposition : "";
}

/* The only arguments libclamav keeps (a prefix test, as libclamav's). */
static bool useful_arg(const char *a)
{
    static const char *const keep[] = {"name",   "filename", "boundary", "protocol",
                                       "id",     "number",   "total",    "type"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        if (strncasecmp(a, keep[i], strlen(keep[i])) == 0)
            return true;
    return false;
}

static int hexv(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return '=';
}

/* rfc2231(): key*=charset'lang'%xx values decoded, *0*= continuations cut */
static char *rfc2231(ml_ctx *c, const char *in)
{
    if (strstr(in, "*0*=")) {
        char *ret = malloc(strlen(in) + 16), *p = ret;
        if (!ret) {
            c->nomem = true;
            return NULL;
        }
        do {
            if (*in == '*') {
                do
                    in++;
                while (*in != '*' && *in);
                if (*in) {
                    in++;
                    continue;
                }
                break;
            }
            if (*in == '=') {
                strcpy(p, "=rfc2231failure");
                p += strlen("=rfc2231failure");
                break;
            }
            *p++ = *in++;
        } while (*in);
        *p = '\0';
        return ret;
    }
    const char *ptr = strstr(in, "*0=");
    int field;
    if (ptr) {
        field = 2;
    } else {
        ptr = strstr(in, "*=");
        field = 0;
    }
    if (!ptr) {
        char *ret = ml_strdup(c, in);
        if (ret)
            for (char *o = ret; *o; o++)
                *o &= 0x7F;
        return ret;
    }
    char *ret = malloc(strlen(in) + 2), *out = ret;
    if (!ret) {
        c->nomem = true;
        return NULL;
    }
    while (in != ptr)
        *out++ = *in++;
    *out++ = '=';
    while (*ptr++ != '=')
        ;
    while (*ptr) {
        if (field == 0) {
            if (*ptr == '\'')
                field = 1;
        } else if (field == 1) {
            if (*ptr == '\'')
                field = 2;
        } else if (*ptr == '%') {
            if (*++ptr == '\0' || *ptr == '\n')
                break;
            unsigned char byte = (unsigned char)hexv(*ptr);
            if (*++ptr == '\0' || *ptr == '\n') {
                *out++ = (char)byte;
                break;
            }
            byte = (unsigned char)((byte << 4) + hexv(*ptr));
            *out++ = (char)byte;
        } else {
            *out++ = *ptr;
        }
        if (*ptr++ == '\0')
            break;
    }
    if (field != 2) {
        free(ret);
        return ml_strdup(c, "");
    }
    *out = '\0';
    return ret;
}

void ml_msg_add_argument(ml_ctx *c, ml_msg *m, const char *arg)
{
    if (!arg)
        return;
    while (isspace((unsigned char)*arg))
        arg++;
    if (*arg == '\0' || !useful_arg(arg))
        return;
    size_t off = 0;
    for (; off < m->nargs; off++) {
        if (!m->args[off])
            break;
        if (strcasecmp(arg, m->args[off]) == 0)
            return;
    }
    if (off == m->nargs) {
        if (m->nargs >= 4096)
            return; /* a bound of ours on hostile headers */
        char **a = realloc(m->args, (m->nargs + 1) * sizeof(*a));
        if (!a) {
            c->nomem = true;
            return;
        }
        m->args = a;
        m->args[m->nargs++] = NULL;
    }
    char *p = rfc2231(c, arg);
    m->args[off] = p;
    if (!p)
        return;
    if (!strchr(p, '=')) {
        if (strncmp(p, "filename", 8) == 0) {
            if (strlen(p) > 8)
                p[8] = '=';
        } else {
            free(p);
            m->args[off] = NULL;
            return;
        }
    }
    if ((strncasecmp(p, "filename=", 9) == 0 || strncasecmp(p, "name=", 5) == 0) &&
        m->mime == ML_NOMIME)
        ml_msg_set_mime(m, "application");
}

void ml_msg_add_arguments(ml_ctx *c, ml_msg *m, const char *s)
{
    const char *string = s;
    while (*string) {
        if (isspace((unsigned char)*string) || *string == ';') {
            string++;
            continue;
        }
        const char *key = string;
        const char *data = strchr(string, '=');
        if (!data)
            data = strchr(string, ':');
        if (!data)
            return;
        string = data + 1;
        while (isspace((unsigned char)*string))
            string++;
        const char *cptr = string;
        if (*string)
            string++;
        char *field = NULL;
        if (*cptr == '"') {
            char *kcopy = ml_strdup(c, key);
            if (!kcopy)
                return;
            char *ptr = strchr(kcopy, '=');
            if (!ptr)
                ptr = strchr(kcopy, ':');
            if (!ptr) {
                free(kcopy);
                return;
            }
            *ptr = '\0';
            cptr++;
            string = strchr(cptr, '"');
            if (!string)
                string = "";
            else
                string++;
            if (!useful_arg(kcopy)) {
                free(kcopy);
                continue;
            }
            size_t dl = strlen(cptr);
            const char *q = strchr(cptr, '"');
            if (q)
                dl = (size_t)(q - cptr);
            size_t kl = strlen(kcopy);
            field = malloc(kl + dl + 2);
            if (!field) {
                free(kcopy);
                c->nomem = true;
                return;
            }
            memcpy(field, kcopy, kl);
            field[kl] = '=';
            memcpy(field + kl + 1, cptr, dl);
            field[kl + 1 + dl] = '\0';
            free(kcopy);
        } else {
            if (*cptr == '\0')
                return;
            while (*string && !isspace((unsigned char)*string))
                string++;
            size_t len = (size_t)(string - key);
            field = malloc(len + 1);
            if (!field) {
                c->nomem = true;
                return;
            }
            memcpy(field, key, len);
            field[len] = '\0';
        }
        ml_msg_add_argument(c, m, field);
        free(field);
    }
}

char *ml_msg_find_argument(ml_ctx *c, const ml_msg *m, const char *var)
{
    size_t len = strlen(var);
    for (size_t i = 0; i < m->nargs; i++) {
        const char *p = m->args[i];
        if (!p || !*p)
            continue;
        if (strncasecmp(p, var, len) != 0)
            continue;
        p += len;
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=')
            return NULL;
        p++;
        if (strlen(p) > 1 && *p == '"' && strchr(p + 1, '"')) {
            char *ret = ml_strdup(c, p + 1);
            if (!ret)
                return NULL;
            char *q = strchr(ret, '"');
            if (q) {
                ret[strlen(ret) - 1] = '\0';
                *q = '\0';
            }
            return ret;
        }
        return ml_strdup(c, p);
    }
    return NULL;
}

static bool has_argument(const ml_msg *m, const char *var)
{
    size_t len = strlen(var);
    for (size_t i = 0; i < m->nargs; i++) {
        const char *p = m->args[i];
        if (!p || !*p)
            continue;
        if (strncasecmp(p, var, len) != 0)
            continue;
        p += len;
        while (isspace((unsigned char)*p))
            p++;
        return *p == '=';
    }
    return false;
}

bool ml_msg_has_filename(const ml_msg *m)
{
    return has_argument(m, "filename") || has_argument(m, "file");
}

static char *get_filename(ml_ctx *c, const ml_msg *m)
{
    char *f = ml_msg_find_argument(c, m, "filename");
    return f ? f : ml_msg_find_argument(c, m, "name");
}

static const struct {
    const char *s;
    ml_enc t;
} enc_map[] = {
    {"7bit", ML_NOENCODING},  {"text/plain", ML_NOENCODING}, {"quoted-printable", ML_QP},
    {"base64", ML_BASE64},    {"8bit", ML_8BIT},             {"binary", ML_BINARY},
    {"x-uuencode", ML_UUENCODE}, {"x-yencode", ML_YENCODE},  {"x-binhex", ML_BINHEX},
    {"us-ascii", ML_NOENCODING}, {"x-uue", ML_UUENCODE},     {"uuencode", ML_UUENCODE},
};

static void add_enc(ml_msg *m, ml_enc e)
{
    for (size_t j = 0; j < m->nenc; j++)
        if (m->enc[j] == e)
            return;
    if (m->nenc < sizeof(m->enc) / sizeof(m->enc[0]))
        m->enc[m->nenc++] = e;
}

void ml_msg_set_encoding(ml_ctx *c, ml_msg *m, const char *enctype, int depth)
{
    while (*enctype == ' ' || *enctype == '\t')
        enctype++;
    if (strcasecmp(enctype, "8 bit") == 0)
        enctype = "8bit";
    size_t tl = strlen(enctype) + 1;
    char *tok = malloc(tl);
    if (!tok) {
        c->nomem = true;
        return;
    }
    for (int i = 0; ml_strtokbuf(enctype, i, " \t", tok, tl); i++) {
        int best = 0;
        const char *closest = NULL;
        bool found = false;
        for (size_t e = 0; e < sizeof(enc_map) / sizeof(enc_map[0]); e++) {
            char lt = (char)tolower((unsigned char)tok[0]);
            if (lt != tolower((unsigned char)enc_map[e].s[0]) && lt != 'x')
                continue;
            if (strcmp(enc_map[e].s, "uuencode") == 0)
                continue;
            int sim = ml_simil(tok, enc_map[e].s);
            if (sim == 100) {
                add_enc(m, enc_map[e].t);
                found = true;
                break;
            }
            if (sim > best) {
                closest = enc_map[e].s;
                best = sim;
            }
        }
        if (found)
            continue;
        if (best >= 50 && depth < 2) {
            ml_msg_set_encoding(c, m, closest, depth + 1);
        } else {
            add_enc(m, ML_BASE64);
            add_enc(m, ML_QP);
        }
    }
    free(tok);
}

ml_enc ml_msg_encoding(const ml_msg *m)
{
    return m->nenc ? m->enc[0] : ML_NOENCODING;
}

/* messageIsEncoding: marks the first lines libclamav treats specially */
static void is_encoding(ml_msg *m)
{
    static const char binhex[] = "(This file must be converted with BinHex 4.0)";
    const char *line = m->body.l[m->body.n - 1];
    size_t at = m->body.n;
    if (!m->encoding && strncasecmp(line, "Content-Transfer-Encoding", 25) == 0 &&
        !strstr(line, "7bit"))
        m->encoding = at;
    else if (!m->bounce && m->has_ctx && strncasecmp(line, "Received: ", 10) == 0 &&
             ml_is_mail_line(line))
        m->bounce = at;
    else if (!m->binhex && strstr(line, "BinHex") && ml_simil(line, binhex) > 90)
        m->binhex = at;
    else if (!m->yenc && strncmp(line, "=ybegin line=", 13) == 0)
        m->yenc = at;
}

bool ml_msg_add_str(ml_ctx *c, ml_msg *m, const char *data)
{
    if (data && *data == '\0')
        data = NULL;
    if (data) {
        bool white = true;
        for (const char *p = data; *p; p++)
            if ((*p & 0x80) || !isspace((unsigned char)*p)) {
                white = false;
                break;
            }
        if (white)
            data = " ";
    }
    if (m->body.n && !data && !m->body.l[m->body.n - 1] && m->mime != ML_TEXT)
        return true;
    if (!ml_text_add(c, &m->body, data))
        return false;
    if (data)
        is_encoding(m);
    return true;
}

bool ml_msg_add_line(ml_ctx *c, ml_msg *m, const char *line)
{
    if (!ml_text_add(c, &m->body, line))
        return false;
    if (line)
        is_encoding(m);
    return true;
}

bool ml_msg_add_str_top(ml_ctx *c, ml_msg *m, const char *line)
{
    if (m->body.n == 0)
        return ml_msg_add_line(c, m, line);
    if (!ml_text_add(c, &m->body, line))
        return false;
    char *l = m->body.l[m->body.n - 1];
    memmove(m->body.l + 1, m->body.l, (m->body.n - 1) * sizeof(char *));
    m->body.l[0] = l;
    size_t *marks[] = {&m->encoding, &m->bounce, &m->binhex, &m->yenc};
    for (size_t i = 0; i < 4; i++)
        if (*marks[i])
            (*marks[i])++;
    return true;
}

void ml_msg_move_text(ml_msg *to, ml_msg *from, size_t idx)
{
    bool any = from->encoding || from->bounce || from->binhex || from->yenc;
    for (size_t i = idx; i < from->body.n; i++) {
        /* `to` has a fresh body; room was reserved by the caller's text */
        ml_text *t = &to->body;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            char **l = realloc(t->l, cap * sizeof(*l));
            if (!l)
                break;
            t->l = l;
            t->cap = cap;
        }
        t->l[t->n++] = from->body.l[i];
        from->body.l[i] = NULL;
    }
    ml_text_free(&from->body);
    from->encoding = from->bounce = from->binhex = from->yenc = 0;
    if (!any)
        return;
    /* libclamav re-examines every moved line but the first */
    for (size_t i = 1; i < to->body.n; i++) {
        if (!to->body.l[i])
            continue;
        size_t n = to->body.n;
        to->body.n = i + 1;
        is_encoding(to);
        to->body.n = n;
    }
}

/* ---- decoders ---- */

static const unsigned char b64tab[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,
    ['H'] = 7,  ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13,
    ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20,
    ['V'] = 21, ['W'] = 22, ['X'] = 23, ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27,
    ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34,
    ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47, ['w'] = 48,
    ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
    ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['+'] = 62,
    ['/'] = 63,
};

static bool b64ok(unsigned char ch)
{
    return ch == 'A' || ch == '=' || b64tab[ch] != 0;
}

static unsigned char b64v(char ch)
{
    unsigned char u = (unsigned char)ch;
    if (u == '=' || u == '\0')
        return 0;
    return b64ok(u) ? b64tab[u] : 63;
}

/* uudecode's symbol: the byte minus ' ', wrapping as libclamav's char
 * arithmetic does */
static unsigned char uuv(char ch)
{
    return (unsigned char)((unsigned char)ch - ' ');
}

/* Three bytes from four 6-bit symbols. libclamav computes them in int and
 * keeps the low byte, so symbols above 63 (uudecode's) spill as it does. */
static unsigned char *quad_out(unsigned char *o, const unsigned char q[4])
{
    *o++ = (unsigned char)((q[0] << 2) | ((q[1] >> 4) & 0x3));
    *o++ = (unsigned char)((q[1] << 4) | ((q[2] >> 2) & 0xF));
    *o++ = (unsigned char)((q[2] << 6) | (q[3] & 0x3F));
    return o;
}

/* decode(): the symbols of `in` after the 1..3 carried from earlier lines
 * are decoded four at a time; an incomplete group at the end is carried to
 * the next line (a line without symbols leaves the carry alone). */
static size_t quad_decode(ml_msg *m, const char *in, unsigned char *out,
                          unsigned char (*sym)(char))
{
    if (*in == '\0')
        return 0;
    unsigned char *o = out, q[4];
    size_t n = 0;
    for (int i = 0; i < m->b64n; i++)
        q[n++] = m->b64[i];
    for (; *in; in++) {
        q[n++] = sym(*in);
        if (n == 4) {
            o = quad_out(o, q);
            n = 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        m->b64[i] = q[i];
    m->b64n = (int)n;
    return (size_t)(o - out);
}

/* decode(NULL): the carried symbols at the end of the data. Two symbols of
 * which the second is 0 give one byte, as in libclamav; a last byte whose
 * bits are all padding is dropped. */
static size_t b64_flush(ml_msg *m, unsigned char *out)
{
    int n = m->b64n;
    m->b64n = 0;
    if (n == 0)
        return 0;
    unsigned char b1 = m->b64[0], b2 = n > 1 ? m->b64[1] : 0, b3 = n > 2 ? m->b64[2] : 0;
    if (n == 1 || (n == 2 && b2 == 0)) {
        out[0] = (unsigned char)(b1 << 2);
        return 1;
    }
    unsigned char *o = out;
    *o++ = (unsigned char)((b1 << 2) | ((b2 >> 4) & 0x3));
    if (n == 2) {
        if ((b2 << 4) & 0xFF)
            *o++ = (unsigned char)(b2 << 4);
        return (size_t)(o - out);
    }
    *o++ = (unsigned char)((b2 << 4) | ((b3 >> 2) & 0xF));
    if (b3 & 0x3)
        *o++ = (unsigned char)(b3 << 6);
    return (size_t)(o - out);
}

/* decodeLine() for uuencode, as uudecodeFile() uses it: `buf` (1024 bytes)
 * keeps what earlier lines left in it, since libclamav advances by the
 * line's stated length even when fewer bytes were decoded. Returns the
 * number of bytes of buf that are the line's data. */
size_t ml_uu_line(ml_msg *m, const char *line, unsigned char *buf)
{
    if (m->b64n != 0 || !line || !*line || strcasecmp(line, "end") == 0 ||
        ml_isuuencodebegin(line) || (line[0] & 0x3F) == ' ')
        return 0;
    size_t reallen = uuv(*line++);
    if (reallen == 0 || reallen > 62)
        return 0;
    size_t len = strlen(line);
    if (len > ML_UU_BUF || reallen > len)
        return 0;
    /* only whole groups: the carry is dropped right after */
    char group[ML_UU_BUF + 1];
    memcpy(group, line, len - len % 4);
    group[len - len % 4] = '\0';
    quad_decode(m, group, buf, uuv);
    m->b64n = 0;
    return reallen;
}

/* decodeLine(): one body line (NULL = empty) into out (room: 3 * len + 8) */
static size_t decode_line(ml_msg *m, ml_enc et, const char *line, unsigned char *out)
{
    unsigned char *o = out;
    switch (et) {
    case ML_QP: {
        if (!line) {
            *o++ = '\n';
            break;
        }
        bool soft = false;
        while (*line) {
            if (*line == '=') {
                if (*++line == '\0' || *line == '\n') {
                    soft = true;
                    break;
                }
                unsigned char byte = (unsigned char)hexv(*line);
                if (*++line == '\0' || *line == '\n') {
                    *o++ = byte;
                    break;
                }
                if (byte != '=')
                    byte = (unsigned char)((byte << 4) | hexv(*line));
                else
                    line -= 2;
                *o++ = byte;
            } else {
                *o++ = (unsigned char)*line;
            }
            ++line;
        }
        if (!soft)
            *o++ = '\n';
        break;
    }
    case ML_BASE64: {
        if (!line)
            break;
        size_t n = strlen(line);
        char *copy = malloc(n + 1);
        if (!copy)
            break;
        memcpy(copy, line, n + 1);
        char *eq = strchr(copy, '=');
        if (eq)
            *eq = '\0';
        char *w = copy;
        for (char *r = copy; *r; r++)
            if (b64ok((unsigned char)*r) && *r != '=')
                *w++ = *r;
        *w = '\0';
        o += quad_decode(m, copy, o, b64v);
        free(copy);
        break;
    }
    case ML_YENCODE:
        if (!line || !*line || strncmp(line, "=yend ", 6) == 0)
            break;
        while (*line) {
            if (*line == '=') {
                if (*++line == '\0')
                    break;
                *o++ = (unsigned char)((*line++ - 64) & 255);
            } else {
                *o++ = (unsigned char)((*line++ - 42) & 255);
            }
        }
        break;
    default:
        if (line) {
            size_t n = strlen(line);
            memcpy(o, line, n);
            o += n;
        }
        *o++ = '\n';
        break;
    }
    return (size_t)(o - out);
}

bool ml_text_to_buf(ml_ctx *c, const ml_text *t, size_t from, ml_buf *b)
{
    for (size_t i = from; i < t->n; i++) {
        if (t->l[i] && !ml_buf_add(c, b, t->l[i], strlen(t->l[i])))
            return false;
        if (!ml_buf_add(c, b, "\n", 1))
            return false;
    }
    return true;
}

static bool decode_into(ml_ctx *c, ml_msg *m, ml_enc et, size_t from, ml_buf *b)
{
    for (size_t i = from; i < m->body.n; i++) {
        const char *line = m->body.l[i];
        if (et == ML_YENCODE) {
            if (!line)
                continue;
            if (strncmp(line, "=yend ", 6) == 0)
                break;
        }
        size_t n = line ? strlen(line) : 0;
        unsigned char *tmp = malloc(3 * n + 16);
        if (!tmp) {
            c->nomem = true;
            return false;
        }
        size_t k = decode_line(m, et, line, tmp);
        bool ok = ml_buf_add(c, b, tmp, k);
        free(tmp);
        if (!ok)
            return false;
    }
    unsigned char tail[4];
    return ml_buf_add(c, b, tail, b64_flush(m, tail));
}

static void set_name(char **name, char *candidate)
{
    if (name && !*name && candidate)
        *name = candidate;
    else
        free(candidate);
}

bool ml_msg_export(ml_ctx *c, ml_msg *m, ml_buf *out, char **name, bool files,
                   bool *scanned)
{
    if (scanned)
        *scanned = false;
    if (m->body.n == 0)
        return false;
    if (m->nenc == 0) {
        char *f = ml_msg_find_argument(c, m, "filename");
        if (!f) {
            f = ml_msg_find_argument(c, m, "name");
            if (!f)
                ml_msg_add_argument(c, m, "name=attachment");
            else
                ml_msg_set_encoding(c, m, "7-bit", 0);
        }
        set_name(name, ml_strdup(c, f && *f ? f : "attachment"));
        free(f);
        if (m->nenc == 0)
            return ml_text_to_buf(c, &m->body, 0, out);
    }
    for (size_t i = 0; i < m->nenc; i++) {
        ml_enc et = m->enc[i];
        size_t from = 0;
        if (i > 0 && out->n && files) {
            /* libclamav starts a new file per encoding and leaves the
             * previous one (non-empty) in its folder, where its final
             * folder scan finds it */
            ml_buf prev = *out;
            memset(out, 0, sizeof(*out));
            if (!ml_emit(c, &prev, name && *name ? *name : "attachment", CV_MAIL_ATTACHMENT,
                         false))
                return false;
        }
        if (i > 0 && name) {
            /* the new file takes the name this encoding's pass finds */
            free(*name);
            *name = NULL;
        }
        out->n = 0;
        if ((et == ML_YENCODE || i == 0) && m->yenc) {
            const char *l = m->body.l[m->yenc - 1];
            const char *f = strstr(l, " name=");
            char *fn = NULL;
            if (f) {
                fn = ml_strdup(c, f + 6);
                if (fn) {
                    ml_chomp(fn);
                    ml_strstrip(fn);
                }
            }
            set_name(name, ml_strdup(c, fn && *fn ? fn : "attachment"));
            free(fn);
            from = m->yenc;
            et = ML_YENCODE;
            m->yenc = 0;
        } else {
            if (et == ML_UUENCODE)
                et = m->enc[i] = ML_NOENCODING;
            char *f = get_filename(c, m);
            if (!f)
                ml_msg_add_argument(c, m, "name=attachment");
            else if (et == ML_NOENCODING)
                ml_msg_set_encoding(c, m, "base64", 0);
            set_name(name, ml_strdup(c, f && *f ? f : "attachment"));
            free(f);
        }
        if (from >= m->body.n)
            return false; /* "Empty attachment not saved" */
        /* only the file made before the loop gets the message's scan
         * context, and writing text into it clears that */
        if (scanned)
            *scanned = i == 0 && et != ML_NOENCODING;
        if (et == ML_NOENCODING) {
            if (!ml_text_to_buf(c, &m->body, from, out))
                return false;
            continue;
        }
        if (!decode_into(c, m, et, from, out))
            return false;
    }
    return true;
}

/* One decoded line as messageToText() keeps it: an empty one (decoded to
 * nothing or to a lone newline) as an empty line, one equal to its source
 * (compared over the source's length, so a trailing newline is ignored) as
 * the source, any other as the decoded bytes up to their first NUL. */
static bool keep_decoded(ml_ctx *c, ml_text *t, const char *line, unsigned char *d, size_t k)
{
    d[k] = '\0';
    if (d[0] == '\n' || d[0] == '\0')
        return ml_text_add(c, t, NULL);
    if (line && strncmp((const char *)d, line, strlen(line)) == 0)
        return ml_text_add(c, t, line);
    return ml_text_add(c, t, (const char *)d);
}

/* messageToText(): the body once per stated encoding, decoded line by
 * line into *t. Returns 0 when libclamav's result is NULL (nothing, or an
 * encoding it refuses: uuencode, yEnc without "=ybegin"), 1 otherwise,
 * -1 when out of memory. */
static int msg_to_text(ml_ctx *c, ml_msg *m, ml_text *t)
{
    for (size_t e = 0; e < m->nenc; e++) {
        ml_enc et = m->enc[e];
        if (et == ML_NOENCODING || et == ML_BINARY || et == ML_8BIT) {
            for (size_t i = 0; i < m->body.n; i++)
                if (!ml_text_add(c, t, m->body.l[i]))
                    return -1;
            continue;
        }
        if (et == ML_UUENCODE || (et == ML_YENCODE && !m->yenc)) {
            ml_text_free(t);
            return 0;
        }
        /* (a yEnc body is decoded from its first line all the same) */
        for (size_t i = 0; i < m->body.n; i++) {
            const char *line = m->body.l[i];
            if (et == ML_BASE64 && !line)
                continue;
            size_t n = line ? strlen(line) : 0;
            if (n > 1024)
                break; /* libclamav's buffer: it stops there */
            unsigned char d[3 * 1024 + 16];
            if (!keep_decoded(c, t, line, d, decode_line(m, et, line, d)))
                return -1;
            if (line && et == ML_BASE64 && strchr(line, '='))
                break;
        }
        unsigned char tail[5] = {0};
        if (b64_flush(m, tail) && tail[0] && !ml_text_add(c, t, (const char *)tail))
            return -1;
    }
    return t->n ? 1 : 0;
}

int ml_text_add_message(ml_ctx *c, ml_text **t, ml_msg *m)
{
    ml_text got = {0};
    int r;
    if (ml_msg_encoding(m) == ML_NOENCODING) {
        /* textAdd(): the lines as they are */
        for (size_t i = 0; i < m->body.n; i++)
            if (!ml_text_add(c, &got, m->body.l[i])) {
                ml_text_free(&got);
                return -1;
            }
        r = got.n ? 1 : 0;
        if (r == 0 && *t)
            return 1; /* nothing added, the text stays */
    } else {
        r = msg_to_text(c, m, &got);
    }
    if (r <= 0) {
        ml_text_free(&got);
        return r;
    }
    if (!*t) {
        *t = calloc(1, sizeof(**t));
        if (!*t) {
            c->nomem = true;
            ml_text_free(&got);
            return -1;
        }
    }
    for (size_t i = 0; i < got.n; i++) {
        if (!ml_text_add(c, *t, got.l[i])) {
            ml_text_free(&got);
            return -1;
        }
    }
    ml_text_free(&got);
    return 1;
}

bool ml_emit(ml_ctx *c, ml_buf *b, const char *name, cv_mail_kind kind, bool keep_empty)
{
    cv_mail_out *o = c->out;
    if (b->n == 0 && !keep_empty) {
        free(b->d);
        memset(b, 0, sizeof(*b));
        return true; /* libclamav removes an empty file it does not scan */
    }
    if (b->n == 0 && !b->d) {
        b->d = malloc(1); /* an empty part still has data */
        if (!b->d) {
            c->nomem = true;
            return false;
        }
    }
    size_t max = c->lim->max_total ? c->lim->max_total : CV_MAIL_MAX_TOTAL;
    if (b->n > max - o->total || o->total > max) {
        c->too_large = true;
        free(b->d);
        memset(b, 0, sizeof(*b));
        return false;
    }
    if (o->n_parts == o->cap_parts) {
        size_t cap = o->cap_parts ? o->cap_parts * 2 : 8;
        cv_mail_part *p = realloc(o->parts, cap * sizeof(*p));
        if (!p) {
            c->nomem = true;
            free(b->d);
            memset(b, 0, sizeof(*b));
            return false;
        }
        o->parts = p;
        o->cap_parts = cap;
    }
    char *nm = ml_strdup(c, name ? name : "attachment");
    if (!nm) {
        free(b->d);
        memset(b, 0, sizeof(*b));
        return false;
    }
    cv_mail_part *p = &o->parts[o->n_parts++];
    p->data = b->d;
    p->len = b->n;
    p->name = nm;
    p->kind = kind;
    p->deferred = !keep_empty; /* what libclamav keeps empty it scanned when written */
    o->total += b->n;
    memset(b, 0, sizeof(*b));
    return true;
}

bool ml_msg_to_file(ml_ctx *c, ml_msg *m, cv_mail_kind kind, bool destroy, bool scan)
{
    ml_buf b = {0};
    char *name = NULL;
    bool scanned = false;
    bool made = ml_msg_export(c, m, &b, &name, true, &scanned);
    bool ok = true;
    /* a file libclamav scans as soon as it is written stays (empty or
     * not) in its folder; one it does not is removed when empty */
    if (made)
        ok = ml_emit(c, &b, name, kind, scan || scanned);
    else
        free(b.d);
    free(name);
    if (destroy) {
        ml_text_free(&m->body);
        m->encoding = m->bounce = m->binhex = m->yenc = 0;
    }
    return ok && made;
}
