/*
 * textnorm.c - libclamav's text normaliser (textnorm.c) and the two ways
 * cli_scanscript feeds it: the whole object in pieces of SCANBUFF + maxpatlen
 * input bytes ("file" path), or page by page into scan buffers that carry
 * maxpatlen bytes over ("memory" path). Both reset the whitespace state at
 * their boundaries, so the chunking is part of the output and is kept here.
 */
#include <string.h>

#include "clamav/text.h"

/* Normalises until the input or the output room runs out, as
 * text_normalize_buffer does; returns the bytes written, *used the bytes read. */
static size_t run_bounded(bool *space, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                          size_t *used)
{
    size_t o = 0;
    size_t i = 0;
    for (; i < len && o < cap; i++) {
        uint8_t c = in[i];
        if (c == ' ' || (c >= 0x09 && c <= 0x0d)) {
            if (!*space)
                out[o++] = ' ';
            *space = true;
        } else if (c > ' ' && c < 0x80) {
            out[o++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
            *space = false;
        }
        /* other controls and bytes from 0x80 up vanish without ending a
         * whitespace run */
    }
    if (used)
        *used = i;
    return o;
}

size_t cv_textnorm_run(bool *space, const uint8_t *in, size_t len, uint8_t *out)
{
    return run_bounded(space, in, len, out, len, NULL);
}

size_t cv_text_normalise(const uint8_t *in, size_t len, uint32_t maxpatlen, uint8_t *out,
                         size_t cap)
{
    /* text_normalize_map fills one output buffer of SCANBUFF + maxpatlen
     * bytes per call, bounding its input by the same number, and
     * cli_scanscript resets the state between calls. */
    size_t piece = CV_TEXT_MEMBUF_LEN(maxpatlen);
    size_t o = 0;
    size_t at = 0;
    while (at < len && o < cap) {
        size_t n = len - at < piece ? len - at : piece;
        bool space = false;
        size_t used = 0;
        o += run_bounded(&space, in + at, n, out + o, cap - o, &used);
        at += used;
    }
    return o;
}

bool cv_textnorm_iter_init(cv_textnorm_iter *it, const uint8_t *in, size_t len, uint32_t maxpatlen,
                           uint8_t *buf, size_t buf_len)
{
    memset(it, 0, sizeof(*it));
    if (maxpatlen > 65535 || buf == NULL || buf_len < CV_TEXT_MEMBUF_LEN(maxpatlen) ||
        (in == NULL && len > 0)) {
        it->done = true;
        return false;
    }
    it->in = in;
    it->len = len;
    it->buf = buf;
    it->cap = CV_TEXT_MEMBUF_LEN(maxpatlen);
    it->maxpatlen = maxpatlen;
    return true;
}

/*
 * cli_scanscript's loop: read the next page; when the buffer has no room for
 * a whole page's output (or at the end), scan the buffer, keep its last
 * maxpatlen bytes at the front, reset the whitespace state. The scan happens
 * between yielding the buffer and carrying its tail, so the carry and the
 * page that did not fit wait for the next call (pending).
 */
bool cv_textnorm_iter_next(cv_textnorm_iter *it, const uint8_t **chunk, size_t *chunk_len,
                           uint64_t *offset)
{
    if (it->done)
        return false;
    if (it->pending) {
        it->pending = false;
        /* a buffer is only flushed before the end when it is nearly full,
         * so it always holds more than the carry */
        if (it->pos > it->maxpatlen)
            memmove(it->buf, it->buf + it->pos - it->maxpatlen, it->maxpatlen);
        it->pos = it->maxpatlen;
        it->space = false;
        size_t n = it->pending_len;
        it->pos += run_bounded(&it->space, it->in + it->at - n, n, it->buf + it->pos,
                               it->cap - it->pos, NULL);
    }
    for (;;) {
        size_t n = it->len - it->at < CV_TEXT_PAGE ? it->len - it->at : CV_TEXT_PAGE;
        it->at += n;
        if (n == 0 || it->pos + n > it->cap) {
            *chunk = it->buf;
            *chunk_len = it->pos;
            *offset = it->offset;
            it->offset += it->pos;
            it->pending = n > 0;
            it->pending_len = n;
            it->done = n == 0;
            return true;
        }
        it->pos += run_bounded(&it->space, it->in + it->at - n, n, it->buf + it->pos,
                               it->cap - it->pos, NULL);
    }
}
