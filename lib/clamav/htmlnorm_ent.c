/*
 * htmlnorm_ent.c - character references for the HTML normaliser: named
 * entities (libclamav's 743-name table, case-sensitive), decimal and hex
 * references, and how each is written back (one byte below U+00FF, '.' for
 * three full stops, "&#xhhhh;" above, code points cut to 16 bits). Decoded
 * bytes also go into the attribute value when the reference sits in one.
 */
#include <stdlib.h>
#include <string.h>

#include "clamav/htmlnorm_int.h"

size_t hn_u16(uint16_t u, uint8_t out[8])
{
    static const char hex[] = "0123456789abcdef";
    if (u == 0)
        return 0;
    if (u < 0xff) {
        out[0] = (uint8_t)u;
        return 1;
    }
    if (u == 0x3002 || u == 0xFF0E || u == 0xFE52) {
        out[0] = '.';
        return 1;
    }
    out[0] = '&';
    out[1] = '#';
    out[2] = 'x';
    for (int i = 6; i >= 3; i--) {
        out[i] = (uint8_t)hex[u & 0xf];
        u >>= 4;
    }
    out[7] = ';';
    return 8;
}

static int cmp_entity(const void *key, const void *elem)
{
    return strcmp(key, ((const hn_entity *)elem)->name);
}

/* The decoded bytes of entity `name`, or 0 when libclamav does not know it. */
static size_t entity_lookup(const char *name, uint8_t out[8])
{
    const hn_entity *e =
        bsearch(name, hn_entities, hn_entity_count, sizeof(hn_entities[0]), cmp_entity);
    return e ? hn_u16(e->cp, out) : 0;
}

/* A byte of decoded text: to nocomment.html, and to the value being read
 * when the reference sits in an attribute value. */
static void emit(hn *h, uint8_t c)
{
    hn_o2(h, c);
    if (h->next == S_TAG_ARG_VAL && h->tag_val_len < HN_STR)
        h->tag_val[h->tag_val_len++] = (char)c;
}

static void emit_raw_entity(hn *h)
{
    emit(h, '&');
    for (size_t i = 0; i < h->ent_len; i++)
        emit(h, hn_lower((uint8_t)h->ent[i]));
}

void hn_st_char_ref(hn *h)
{
    if (*h->p == '#') {
        h->value = 0;
        h->hex = false;
        h->state = S_CHAR_REF_DECODE;
        h->p++;
    } else {
        h->state = S_ENTITY;
    }
}

void hn_st_entity(hn *h)
{
    uint8_t c = *h->p;
    if (c == ';') {
        uint8_t dec[8];
        h->ent[h->ent_len] = 0;
        size_t n = entity_lookup(h->ent, dec);
        if (n > 0) {
            for (size_t i = 0; i < n; i++)
                emit(h, dec[i]);
        } else {
            emit_raw_entity(h);
            emit(h, ';');
        }
        h->ent_len = 0;
        h->state = h->next;
        h->next = S_BAD;
        h->p++;
    } else if ((hn_alnum(c) || c == '_' || c == ':' || c == '-') && h->ent_len < HN_STR) {
        h->ent[h->ent_len++] = (char)c;
        h->p++;
    } else {
        /* not a name byte, or the name is too long: write it as it was */
        emit_raw_entity(h);
        h->state = h->next;
        h->next = S_BAD;
        h->ent_len = 0;
    }
}

/* The reference's value as one byte; libclamav passes its int64 to a byte
 * (and tolower() only for 0..127, as glibc's tolower leaves the rest). */
static uint8_t value_byte(int64_t v, bool lower)
{
    uint8_t b = (uint8_t)((uint64_t)v & 0xff);
    return (lower && v >= 0 && v < 0x80) ? hn_lower(b) : b;
}

static void ref_abandon(hn *h, bool consume)
{
    hn_o2(h, value_byte(h->value, false));
    h->state = h->next;
    h->next = S_BAD;
    if (consume)
        h->p++;
}

void hn_st_char_ref_decode(hn *h)
{
    uint8_t c = *h->p;
    if (h->value == 0 && (c == 'x' || c == 'X')) {
        h->hex = true;
        h->p++;
    } else if (c == ';') {
        if (h->next == S_TAG_ARG_VAL && h->tag_val_len < HN_STR)
            h->tag_val[h->tag_val_len++] = (char)value_byte(h->value, false);
        if (h->value < 0x80) {
            hn_o2(h, value_byte(h->value, true));
        } else {
            uint8_t dec[8];
            size_t n = hn_u16((uint16_t)((uint64_t)h->value & 0xffff), dec);
            hn_o2_str(h, dec, n);
        }
        h->state = h->next;
        h->next = S_BAD;
        h->p++;
    } else if (hn_digit(c) || (h->hex && hn_xdigit(c))) {
        /* libclamav's overflow guard, including its fall back to base 10
         * for a hex number too large for base 16; the int64 wraps as it
         * does on x86-64 */
        uint64_t v = (uint64_t)h->value;
        if (h->hex && (h->value >> 32) * 16 < INT32_MAX) {
            v *= 16;
        } else if ((h->value >> 32) * 10 < INT32_MAX) {
            v *= 10;
        } else {
            ref_abandon(h, true);
            return;
        }
        int64_t inc = hn_digit(c) ? c - '0' : hn_lower(c) - 'a' + 10;
        int64_t nv = (int64_t)v;
        if (nv > INT64_MAX - inc) {
            h->value = nv;
            ref_abandon(h, true);
            return;
        }
        h->value = nv + inc;
        h->p++;
    } else {
        ref_abandon(h, false);
    }
}

/* End of input inside a named reference: libclamav decodes what it has
 * (no ';' needed) or writes it back without a ';'. */
void hn_entity_flush_eof(hn *h)
{
    uint8_t dec[8];
    h->ent[h->ent_len] = 0;
    size_t n = entity_lookup(h->ent, dec);
    if (n > 0) {
        for (size_t i = 0; i < n; i++)
            hn_o2(h, dec[i]);
    } else if (h->ent_len) {
        hn_o2(h, '&');
        for (size_t i = 0; i < h->ent_len; i++)
            hn_o2(h, hn_lower((uint8_t)h->ent[i]));
    }
}
