/*
 * htmlnorm_screnc.c - Microsoft Script Encoder ("#@~^...^#~@") blocks in
 * <script language="jscript.encode"> and <%@ language="vbscript.encode" %>.
 * libclamav decodes them in place in the current chunk, so the decoded text
 * then goes through the ordinary states (and to the JS collector). The
 * decoding works on the chunk as a C string, as libclamav's does.
 */
#include <string.h>

#include "clamav/htmlnorm_int.h"
#include "util/hex.h"

static const char marker[] = "#@~^";

/* The encoded length: six base64 digits in the encoder's odd bit order.
 * libclamav computes it in int arithmetic (a -1 digit shifts to -1 or
 * masks to all ones); the sum wraps as an unsigned 32-bit number. */
static uint32_t encoded_length(const uint8_t *s)
{
    int b0 = util_base64_digit(s[0]), b1 = util_base64_digit(s[1]), b2 = util_base64_digit(s[2]);
    int b3 = util_base64_digit(s[3]), b4 = util_base64_digit(s[4]), b5 = util_base64_digit(s[5]);
    uint32_t n = b0 < 0 ? 0 : (uint32_t)b0 << 2;
    n += (uint32_t)(b1 < 0 ? -1 : b1 >> 4);
    n += (uint32_t)(b1 & 0x0f) << 12;
    n += (uint32_t)(b2 < 0 ? 0 : b2 >> 2) << 8;
    n += (uint32_t)(b2 & 0x03) << 22;
    n += b3 < 0 ? 0 : (uint32_t)b3 << 16;
    n += (b4 < 0 ? 0 : (uint32_t)b4 << 2) << 24;
    n += (uint32_t)(b5 < 0 ? 0 : b5 >> 4) << 24;
    return n;
}

/* Decodes in place from p to the end of the chunk (or of the encoded
 * text): CR/LF skipped, '@' escapes resolved, bytes >= 0x80 copied in
 * pairs. At the end of the encoded text its 12-byte trailer is dropped
 * and the rest of the chunk moved down. */
static void decode(hn *h, uint8_t *p)
{
    hn_screnc *s = &h->screnc;
    uint8_t *dst = p;
    while (s->length > 0 && *p) {
        if (*p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        if (*p < 0x80) {
            uint8_t v = hn_screnc_tables[hn_screnc_order[s->table_pos]][*p];
            if (v == 0xFF) {
                p++;
                s->length--;
                switch (*p) {
                case 0: p--; break; /* '@' at the chunk's end */
                case 0x21: v = 0x3c; break;
                case 0x23: v = 0x0d; break;
                case 0x24: v = 0x40; break;
                case 0x26: v = 0x0a; break;
                case 0x2a: v = 0x3e; break;
                default: break;
                }
            }
            s->sum += v;
            *dst++ = v;
            s->table_pos = (uint8_t)((s->table_pos + 1) % 64);
        } else {
            *dst++ = *p++;
            *dst++ = *p;
            if (!*p) {
                dst--;
                break;
            }
        }
        p++;
        s->length--;
    }
    if (s->length == 0) {
        if (strlen((const char *)p) >= 12)
            p += 12; /* checksum and "^#~@" */
        memmove(dst, p, strlen((const char *)p) + 1);
    } else {
        *dst = 0;
    }
}

void hn_st_lookfor_screnc(hn *h)
{
    h->look_for_screnc = true;
    /* a later search that finds nothing forgets an earlier find */
    uint8_t *m = (uint8_t *)strstr((char *)h->p, marker);
    h->ptr_screnc = m ? m + 4 : NULL;
    if (m) {
        m[0] = '/';
        m[1] = '/';
    }
    h->state = h->next;
    h->next = h->saved_next;
}

void hn_st_jsdecode(hn *h)
{
    if (strncmp((const char *)h->p, marker, 4) == 0) {
        h->p[0] = '/';
        h->p[1] = '/';
        h->p += 4;
        h->state = S_JSDECODE_LENGTH;
        h->next = S_BAD;
    } else {
        hn_o2(h, hn_lower(*h->p));
        h->p++;
    }
}

void hn_st_jsdecode_length(hn *h)
{
    if (strlen((const char *)h->p) < 8) {
        h->state = S_NORM;
        h->next = S_BAD;
        return;
    }
    memset(&h->screnc, 0, sizeof(h->screnc));
    h->screnc.length = encoded_length(h->p);
    h->state = S_JSDECODE_DECRYPT;
    h->in_screnc = true;
    h->next = S_BAD;
    h->p[7] = '\n'; /* for the JS normaliser */
    h->p += 8;
}

void hn_st_jsdecode_decrypt(hn *h)
{
    decode(h, h->p);
    if (h->screnc.length == 0)
        h->in_screnc = false;
    h->state = S_NORM;
    h->next = S_BAD;
}
