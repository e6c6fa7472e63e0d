/*
 * mail_str.c - the string rules libclamav's mail parser is built on: its
 * field splitter, trailing-space strip, RFC 822 comment removal, RFC 2047
 * encoded words and the "simil" similarity score it uses to guess a
 * misspelt MIME type or encoding. Each reproduces libclamav's quirks (they
 * decide which parts exist), not the RFCs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clamav/mail_int.h"

bool ml_buf_add(ml_ctx *c, ml_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return true;
    if (n > SIZE_MAX / 2 - b->n) {
        c->nomem = true;
        return false;
    }
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *d = realloc(b->d, cap);
        if (!d) {
            c->nomem = true;
            return false;
        }
        b->d = d;
        b->cap = cap;
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
    return true;
}

char *ml_strdup(ml_ctx *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) {
        c->nomem = true;
        return NULL;
    }
    memcpy(d, s, n);
    return d;
}

void ml_chomp(char *s)
{
    size_t l = strlen(s);
    while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == '\r'))
        s[--l] = '\0';
}

size_t ml_strstrip(char *s)
{
    size_t l = strlen(s);
    while (l > 0 && isspace((unsigned char)s[l - 1]))
        s[--l] = '\0';
    return l;
}

/* cli_strtokbuf: field `field` (from 0) of `in` split at any byte of delim,
 * runs of delimiters counting as one; false when there is no such field or
 * it is empty. */
bool ml_strtokbuf(const char *in, int field, const char *delim, char *out, size_t outsz)
{
    size_t i = 0;
    int counter = 0;
    for (; in[i] && counter != field; i++) {
        if (strchr(delim, in[i])) {
            counter++;
            while (in[i + 1] && strchr(delim, in[i + 1]))
                i++;
        }
    }
    if (in[i] == '\0')
        return false;
    size_t j = i;
    while (in[j] && !strchr(delim, in[j]))
        j++;
    if (i == j || j - i >= outsz)
        return false;
    memcpy(out, in + i, j - i);
    out[j - i] = '\0';
    return true;
}

char *ml_rfc822comments(ml_ctx *c, const char *in)
{
    if (!in || !strchr(in, '('))
        return NULL;
    while (isspace((unsigned char)*in))
        in++;
    char *out = malloc(strlen(in) + 2);
    if (!out) {
        c->nomem = true;
        return NULL;
    }
    char *o = out;
    int backslash = 0, inquote = 0, level = 0;
    for (const char *p = in; *p; p++) {
        if (backslash) {
            if (level == 0)
                *o++ = *p;
            backslash = 0;
            continue;
        }
        switch (*p) {
        case '\\':
            backslash = 1;
            break;
        case '"':
            *o++ = '"';
            inquote = !inquote;
            break;
        case '(':
            if (inquote)
                *o++ = '(';
            else
                level++;
            break;
        case ')':
            if (inquote)
                *o++ = ')';
            else if (level > 0)
                level--;
            break;
        default:
            if (level == 0)
                *o++ = *p;
        }
    }
    if (backslash)
        *o++ = '\\';
    *o = '\0';
    return out;
}

/* One encoded word's text through libclamav's message decoder (one line,
 * messageToBlob), as rfc2047() does. */
static size_t decode_word(ml_ctx *c, const char *enc, char kind, char *dst, size_t cap)
{
    ml_msg m;
    ml_msg_init(&m);
    ml_msg_add_str(c, &m, enc);
    ml_msg_set_encoding(c, &m, kind == 'q' ? "quoted-printable" : "base64", 0);
    ml_buf b = {0};
    size_t n = 0;
    if (ml_msg_export(c, &m, &b, NULL, false, NULL)) {
        n = b.n < cap ? b.n : cap;
        if (n)
            memcpy(dst, b.d, n);
    }
    free(b.d);
    ml_msg_reset(&m);
    return n;
}

char *ml_rfc2047(ml_ctx *c, const char *in)
{
    if (!strstr(in, "=?") || !strstr(in, "?="))
        return ml_strdup(c, in);
    char *out = malloc(strlen(in) + 2);
    if (!out) {
        c->nomem = true;
        return NULL;
    }
    char *po = out;
    while (*in) {
        while (*in) {
            if (in[0] == '=' && in[1] == '?') {
                in += 2;
                break;
            }
            *po++ = *in++;
        }
        while (*in != '?' && *in)
            in++;
        if (*in == '\0')
            break;
        char enc = (char)tolower((unsigned char)*++in);
        if (enc != 'q' && enc != 'b') {
            free(out);
            return NULL; /* libclamav then uses the line as it is */
        }
        if (*++in != '?')
            break;
        if (*++in == '\0')
            break;
        const char *end = strstr(in, "?=");
        if (!end)
            break;
        size_t wl = (size_t)(end - in);
        char *word = malloc(wl + 1);
        if (!word) {
            c->nomem = true;
            free(out);
            return NULL;
        }
        memcpy(word, in, wl);
        word[wl] = '\0';
        in = end + 2;
        char *dec = malloc(wl + 8);
        if (!dec) {
            free(word);
            free(out);
            c->nomem = true;
            return NULL;
        }
        size_t n = decode_word(c, word, enc, dec, wl + 8);
        free(word);
        if (n > 0 && dec[n - 1] == '\n')
            n--;
        memcpy(po, dec, n);
        po += n;
        free(dec);
    }
    *po = '\0';
    return out;
}

/* simil: libclamav's Ratcliff/Obershelp score (0..100), -5 when a string is
 * longer than 49 bytes after stripping. */
#define SIMIL_MAX 50

static unsigned simil_compare(char *ls1, char **rs1, char *ls2, char **rs2)
{
    unsigned maxchars = 0;
    bool some = false;
    char *maxs1 = NULL, *maxs2 = NULL, *maxe1 = NULL, *maxe2 = NULL;
    char *end1 = ls1 + strlen(ls1), *end2 = ls2 + strlen(ls2);
    for (char *start1 = ls1; start1 < end1; start1++) {
        char *s1 = start1, *s2 = ls2;
        while (s1 < end1 && s2 < end2) {
            if (tolower((unsigned char)*s1) == tolower((unsigned char)*s2)) {
                char *cs1 = s1, *cs2 = s2;
                unsigned common = 0;
                some = true;
                do {
                    if (s1 == end1 || s2 == end2)
                        break;
                    s1++;
                    s2++;
                    common++;
                } while (tolower((unsigned char)*s1) == tolower((unsigned char)*s2));
                if (common > maxchars) {
                    unsigned diff = common - maxchars;
                    maxchars = common;
                    maxs1 = cs1;
                    maxs2 = cs2;
                    maxe1 = s1;
                    maxe2 = s2;
                    end1 -= diff;
                    end2 -= diff;
                } else {
                    s1 -= common;
                }
            } else {
                s2++;
            }
        }
    }
    if (some) {
        *maxs1 = '\0';
        *maxs2 = '\0';
        *rs1 = maxe1;
        *rs2 = maxe2;
    }
    return maxchars;
}

int ml_simil(const char *a, const char *b)
{
    if (strcasecmp(a, b) == 0)
        return 100;
    char s1[SIMIL_MAX], s2[SIMIL_MAX];
    size_t la = strlen(a), lb = strlen(b);
    if (la >= SIMIL_MAX * 4 || lb >= SIMIL_MAX * 4)
        return -5;
    char t1[SIMIL_MAX * 4], t2[SIMIL_MAX * 4];
    memcpy(t1, a, la + 1);
    memcpy(t2, b, lb + 1);
    size_t total = ml_strstrip(t1);
    if (total > SIMIL_MAX - 1)
        return -5;
    size_t len2 = ml_strstrip(t2);
    if (len2 > SIMIL_MAX - 1)
        return -5;
    memcpy(s1, t1, total + 1);
    memcpy(s2, t2, len2 + 1);
    total += len2;
    /* the stack of pending (left, right) pairs; each push pair splits a
     * string, so 2 * SIMIL_MAX entries bound it */
    static const size_t STACK = 4 * SIMIL_MAX;
    char stack[4 * SIMIL_MAX][SIMIL_MAX];
    size_t top = 0;
    memcpy(stack[top++], s1, sizeof(s1));
    memcpy(stack[top++], s2, sizeof(s2));
    unsigned score = 0;
    while (top >= 2) {
        char ls1[SIMIL_MAX], ls2[SIMIL_MAX];
        memcpy(ls2, stack[--top], SIMIL_MAX);
        memcpy(ls1, stack[--top], SIMIL_MAX);
        char *rs1 = NULL, *rs2 = NULL;
        unsigned common = simil_compare(ls1, &rs1, ls2, &rs2);
        if (common == 0)
            continue;
        score += common;
        size_t l1 = strlen(ls1), l2 = strlen(ls2);
        if (((l1 > 1 && l2 >= 1) || (l2 > 1 && l1 >= 1)) && top + 2 <= STACK) {
            memcpy(stack[top++], ls1, SIMIL_MAX);
            memcpy(stack[top++], ls2, SIMIL_MAX);
        }
        l1 = strlen(rs1);
        l2 = strlen(rs2);
        if (((l1 > 1 && l2 >= 1) || (l2 > 1 && l1 >= 1)) && top + 2 <= STACK) {
            char r1[SIMIL_MAX], r2[SIMIL_MAX];
            memcpy(r1, rs1, l1 + 1);
            memcpy(r2, rs2, l2 + 1);
            memcpy(stack[top++], r1, SIMIL_MAX);
            memcpy(stack[top++], r2, SIMIL_MAX);
        }
    }
    return total > 0 ? (int)((score * 200) / total) : 0;
}

/* The offset-0 CL_TYPE_MAIL magics of libclamav's file-type table: what
 * cli_filetype() says of a single header line. */
bool ml_is_mail_line(const char *line)
{
    static const char *const magics[] = {
        ">From ",       "Date: ",         "Delivered-To: ",   "Delivery-date: ",
        "Envelope-to: ", "For: ",          "From ",            "From: ",
        "Hi. This is the qmail-send",     "Message-ID: ",     "Message-Id: ",
        "Received: ",   "Return-Path: ",  "Return-path: ",    "Subject: ",
        "To: ",         "X-Apparently-To: ", "X-EVS",         "X-Envelope-From: ",
        "X-Original-To: ", "X-Real-To: ", "X-Sieve: ",        "X-Symantec-",
        "X-UIDL: ",     "Received-SPF: ",
    };
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (strncmp(line, magics[i], strlen(magics[i])) == 0)
            return true;
    return false;
}

bool ml_isuuencodebegin(const char *line)
{
    if (line[0] != 'b' || strlen(line) < 10)
        return false;
    return strncasecmp(line, "begin ", 6) == 0 && isdigit((unsigned char)line[6]) &&
           isdigit((unsigned char)line[7]) && isdigit((unsigned char)line[8]) && line[9] == ' ';
}
