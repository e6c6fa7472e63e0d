/*
 * text.h - ClamAV's text type detection (libclamav textdet.c, cli_texttype)
 * and text normalisation (textnorm.c as cli_scanscript drives it), with the
 * exact semantics of clamscan 1.4.6. Pure functions over caller memory: no
 * allocation, no global state. Internal to lib/clamav and its callers in
 * lib/api (the scan passes).
 *
 * How clamscan uses them, per scanned object:
 *   1. Typing: when no magic of the file-type table matches the first
 *      CV_TEXT_DETECT_LEN bytes, those bytes are classified by
 *      cv_text_type(). (The filetype table's content signatures may still
 *      retype the result, e.g. to HTML or MAIL: that is the caller's job.)
 *   2. The four text types are scanned a second time as normalised text
 *      (signature targets 7 and 0, as CL_TYPE_TEXT_ASCII), unless the object
 *      is larger than CV_TEXT_MAX_NORMALISE bytes. libclamav has two ways to
 *      do it, chosen by the target-7 matcher:
 *        - "file" path, taken when the target-7 signatures include one with a
 *          relative offset (EOF-n, EP+n, Sx+n, ...: ac_reloff_num > 0) or a
 *          bytecode hooks it: the whole object is normalised into one new
 *          object (cv_text_normalise) which is scanned like any file, as a
 *          layer of type CL_TYPE_TEXT_ASCII (hash signatures included: an
 *          .hdb line with the normalised text's MD5 and size detects).
 *        - "memory" path otherwise: the normalised text is scanned in buffers
 *          of CV_TEXT_SCANBUFF bytes plus the last maxpatlen bytes of the
 *          previous buffer (cv_textnorm_iter). A match needs to lie inside one
 *          buffer; matches in the carried bytes are seen twice, at offsets
 *          counted along the concatenation of the buffers. Only target 7
 *          and target 0 are matched (no hash signatures); a match that
 *          crosses a boundary is found only when it starts in the carried
 *          bytes (with maxpatlen 0, never: measured).
 *      maxpatlen is the target-7 matcher's longest pattern (clamscan --debug
 *      prints it as "Matcher[7]: ASCII: ... maxpatlen N"), 0 without
 *      target-7 signatures. Both paths are chunked on its value.
 */
#ifndef VIGIL_CLAMAV_TEXT_H
#define VIGIL_CLAMAV_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results of cv_text_type(); the caller maps them to its file types
 * (CL_TYPE_TEXT_ASCII, CL_TYPE_TEXT_UTF8, CL_TYPE_TEXT_UTF16LE,
 * CL_TYPE_TEXT_UTF16BE, CL_TYPE_BINARY_DATA). */
#define CV_TEXT_BINARY 0u
#define CV_TEXT_ASCII 1u
#define CV_TEXT_UTF8 2u
#define CV_TEXT_UTF16LE 3u
#define CV_TEXT_UTF16BE 4u

/* Bytes of an object the typing looks at: libclamav's cli_filetype2 reads
 * MIN(len, CL_FILE_MBUFF_SIZE = 1024) (MAGIC_BUFFER_SIZE, 1028, is only the
 * array size, sized for partitions' CL_PART_MBUFF_SIZE). */
#define CV_TEXT_DETECT_LEN 1024u

/* libclamav's SCANBUFF (clamav-config.h): the normaliser's buffer is
 * SCANBUFF + maxpatlen bytes. */
#define CV_TEXT_SCANBUFF 131072u

/* fmap page size (cli_getpagesize(), 4096 on Linux): the memory path reads
 * the object in pages of this size, counted from the object's start. */
#define CV_TEXT_PAGE 4096u

/* clamscan's default --max-scriptnormalize (CLI_DEFAULT_MAXSCRIPTNORMALIZE,
 * 20 MiB): objects longer than this get no normalised scan; an object of
 * exactly this size still does (measured with clamscan 1.4.6). */
#define CV_TEXT_MAX_NORMALISE (20u * 1024u * 1024u)

/* Classifies the first min(len, CV_TEXT_DETECT_LEN) bytes of buf (the caller
 * passes the whole object) as libclamav's cli_texttype does; buf may be NULL
 * when len is 0 (an empty object is CV_TEXT_ASCII). The odd cases, kept as
 * libclamav has them:
 *   - "ASCII" accepts every byte from 0x80 up (ISO-8859, Mac, IBM PC text);
 *     only NUL, other controls except BEL BS HT LF FF CR ESC, and DEL fail it.
 *   - CV_TEXT_UTF8 is never returned: libclamav's UTF-8 test comes second and
 *     fails on the same bytes as the ASCII one, so UTF-8 text is ASCII.
 *   - UTF-16 is tried last. With a BOM (FF FE little, FE FF big endian) it
 *     passes unless a unit after the BOM is U+FFFE. Without a BOM the bytes
 *     from offset 2 are read as big-endian units and a unit below 0x80 that
 *     is not plain text (or U+FFFE) fails it: most binary data is rejected,
 *     but BOM-less little-endian text ("a\0b\0", whose units read 0x6100,
 *     0x6200) passes as CV_TEXT_UTF16BE. Anything else is CV_TEXT_BINARY. */
uint32_t cv_text_type(const uint8_t *buf, size_t len);

/* libclamav's name of a type ("CL_TYPE_TEXT_ASCII", ..., "CL_TYPE_BINARY_DATA");
 * NULL for a value cv_text_type never returns. */
const char *cv_text_type_name(uint32_t type);

/* One run of the normaliser over len bytes (libclamav text_normalize_buffer):
 * 'A'-'Z' become lower case; HT LF VT FF CR and space are whitespace, a run
 * of them gives one space (*space carries the run across calls and starts
 * false); 0x21-0x7f other than capitals, DEL included, are copied; 0x00-0x08,
 * 0x0e-0x1f and 0x80-0xff are dropped and do not end a whitespace run. Writes
 * at most len bytes to out (it needs room for len) and returns how many. */
size_t cv_textnorm_run(bool *space, const uint8_t *in, size_t len, uint8_t *out);

/* The "file" path: the normalised object as libclamav writes it, with
 * libclamav's chunking kept: the input is normalised in pieces of
 * CV_TEXT_SCANBUFF + maxpatlen bytes, each starting with a fresh whitespace
 * state (so a whitespace run across a piece boundary gives two spaces).
 * Writes at most cap bytes; the result is never longer than len, so cap >= len
 * always suffices. Returns the number of bytes written. */
size_t cv_text_normalise(const uint8_t *in, size_t len, uint32_t maxpatlen, uint8_t *out,
                         size_t cap);

/* The "memory" path, as an iterator over the buffers libclamav scans. The
 * caller gives a buffer of CV_TEXT_MEMBUF_LEN(maxpatlen) bytes; each call of
 * cv_textnorm_iter_next yields the next scan buffer (pointing into it, valid
 * until the next call) and the offset libclamav scans it at. The
 * concatenation of the yielded buffers is what clamscan --leave-temps saves
 * for this path. At least one buffer is yielded (the last one may hold only
 * the carried bytes, or nothing for an object with no output). */
#define CV_TEXT_MEMBUF_LEN(maxpatlen) ((size_t)CV_TEXT_SCANBUFF + (size_t)(maxpatlen))

typedef struct cv_textnorm_iter {
    const uint8_t *in;
    size_t len;         /* object length */
    size_t at;          /* input bytes read so far (whole pages) */
    uint8_t *buf;       /* caller's buffer of cap bytes */
    size_t cap;         /* CV_TEXT_MEMBUF_LEN(maxpatlen) */
    size_t maxpatlen;   /* bytes carried from one buffer to the next */
    size_t pos;         /* bytes filled in buf */
    uint64_t offset;    /* offset of buf[0] along the concatenation */
    bool space;         /* last byte written came from whitespace */
    bool pending;       /* a buffer was yielded: carry its tail first */
    size_t pending_len; /* then normalise the page read before it */
    bool done;
} cv_textnorm_iter;

/* false (iterator unusable) when buf_len < CV_TEXT_MEMBUF_LEN(maxpatlen) or
 * maxpatlen > 65535 (libclamav keeps it in 16 bits). */
bool cv_textnorm_iter_init(cv_textnorm_iter *it, const uint8_t *in, size_t len, uint32_t maxpatlen,
                           uint8_t *buf, size_t buf_len);

/* Next scan buffer: true with *chunk, *chunk_len and *offset set, false when
 * all buffers have been yielded. */
bool cv_textnorm_iter_next(cv_textnorm_iter *it, const uint8_t **chunk, size_t *chunk_len,
                           uint64_t *offset);

#endif
