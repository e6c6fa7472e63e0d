/*
 * test_clamav_imghash.c - ClamAV's image fuzzy hash (lib/clamav/imghash.c)
 * and the image decoders under it (lib/formats/image). The test writes its
 * own small PNG, GIF and BMP files; each expected hash is what Debian's
 * `sigtool --fuzzy-img` (ClamAV 1.4.6) printed for the same bytes (set
 * VIGIL_IMGHASH_DUMP=DIR to write them out and check again).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "clamav/imghash.h"
#include "clamav/sig.h"
#include "formats/image/image.h"

/* --- a growable byte buffer --- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void put8(buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put16le(buf *b, uint16_t v)
{
    put8(b, (uint8_t)v);
    put8(b, (uint8_t)(v >> 8));
}

static void put32le(buf *b, uint32_t v)
{
    put16le(b, (uint16_t)v);
    put16le(b, (uint16_t)(v >> 16));
}

static void put32be(buf *b, uint32_t v)
{
    uint8_t d[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, d, 4);
}

static void dump(const char *name, const buf *b)
{
    const char *dir = getenv("VIGIL_IMGHASH_DUMP");
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b->p, 1, b->len, f);
        fclose(f);
    }
}

static void hex8(const uint8_t h[8], char out[17])
{
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void expect_hash(const char *name, const buf *b, const char *want)
{
    uint8_t h[8];
    char got[17];
    dump(name, b);
    cv_imghash_status st = cv_image_fuzzy_hash_ex(b->p, b->len, h);
    if (st != CV_IMGHASH_OK)
        fail_msg("%s: no hash (status %d), sigtool says %s", name, (int)st, want);
    hex8(h, got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: hash %s, sigtool says %s", name, got, want);
}

/* --- PNG --- */

static void png_chunk(buf *b, const char *type, const uint8_t *d, size_t n)
{
    put32be(b, (uint32_t)n);
    put(b, type, 4);
    if (n)
        put(b, d, n);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (n)
        crc = crc32(crc, d, (uInt)n);
    put32be(b, (uint32_t)crc);
}

/* raw: the filtered scanlines (filter byte + row), all passes */
static buf png_make(uint32_t w, uint32_t h, uint8_t depth, uint8_t ctype, uint8_t interlace,
                    const uint8_t *plte, size_t plte_len, const uint8_t *trns, size_t trns_len,
                    const uint8_t *raw, size_t raw_len)
{
    buf b = {0};
    uint8_t ihdr[13] = {(uint8_t)(w >> 24),
                        (uint8_t)(w >> 16),
                        (uint8_t)(w >> 8),
                        (uint8_t)w,
                        (uint8_t)(h >> 24),
                        (uint8_t)(h >> 16),
                        (uint8_t)(h >> 8),
                        (uint8_t)h,
                        depth,
                        ctype,
                        0,
                        0,
                        interlace};
    put(&b, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(&b, "IHDR", ihdr, 13);
    if (plte)
        png_chunk(&b, "PLTE", plte, plte_len);
    if (trns)
        png_chunk(&b, "tRNS", trns, trns_len);
    uLongf zlen = compressBound((uLong)raw_len);
    uint8_t *z = malloc(zlen);
    assert_non_null(z);
    assert_int_equal(compress2(z, &zlen, raw, (uLong)raw_len, 6), Z_OK);
    png_chunk(&b, "IDAT", z, zlen);
    png_chunk(&b, "IEND", NULL, 0);
    free(z);
    return b;
}

static const uint8_t adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

/* Unfiltered scanlines of an 8-bit-per-sample image given by sample(x, y,
 * channel); depth 16 writes each sample twice-wide (v * 257 + x). */
typedef uint8_t (*sample_fn)(uint32_t x, uint32_t y, unsigned c);

static buf png_raw(uint32_t w, uint32_t h, unsigned ch, unsigned depth, bool interlace, sample_fn f)
{
    buf r = {0};
    for (unsigned p = 0; p < (interlace ? 7u : 1u); p++) {
        uint32_t x0 = interlace ? adam7[p][0] : 0, y0 = interlace ? adam7[p][1] : 0;
        uint32_t dx = interlace ? adam7[p][2] : 1, dy = interlace ? adam7[p][3] : 1;
        if (w <= x0 || h <= y0)
            continue;
        for (uint32_t y = y0; y < h; y += dy) {
            put8(&r, 0);
            uint32_t acc = 0, nbits = 0;
            for (uint32_t x = x0; x < w; x += dx)
                for (unsigned c = 0; c < ch; c++) {
                    uint8_t v = f(x, y, c);
                    if (depth == 16) {
                        uint16_t wv = (uint16_t)(v * 257 + (x * 37 + y) % 97);
                        if (wv < v * 257)
                            wv = (uint16_t)(v * 257);
                        put8(&r, (uint8_t)(wv >> 8));
                        put8(&r, (uint8_t)wv);
                    } else if (depth == 8) {
                        put8(&r, v);
                    } else {
                        acc = acc << depth | (uint32_t)(v >> (8 - depth));
                        nbits += depth;
                        if (nbits == 8) {
                            put8(&r, (uint8_t)acc);
                            acc = nbits = 0;
                        }
                    }
                }
            if (nbits)
                put8(&r, (uint8_t)(acc << (8 - nbits)));
        }
    }
    return r;
}

static uint8_t pat_gray(uint32_t x, uint32_t y, unsigned c)
{
    (void)c;
    return (uint8_t)(((x * 7 + y * 13) ^ (x * y)) & 255);
}

static uint8_t pat_rgb(uint32_t x, uint32_t y, unsigned c)
{
    switch (c) {
    case 0:
        return (uint8_t)(x * 9);
    case 1:
        return (uint8_t)(y * 11);
    case 2:
        return (uint8_t)(x * y);
    default:
        return (uint8_t)(x ^ y);
    }
}

static uint8_t pat_rings(uint32_t x, uint32_t y, unsigned c)
{
    uint32_t d = (x - 16) * (x - 16) + (y - 12) * (y - 12);
    return (uint8_t)((d * 3 + c * 40) & 255);
}

static void test_png_gray8(void **state)
{
    (void)state;
    buf raw = png_raw(40, 30, 1, 8, false, pat_gray);
    buf b = png_make(40, 30, 8, 0, 0, NULL, 0, NULL, 0, raw.p, raw.len);
    expect_hash("gray8.png", &b, "c39c93367d5811b3");
    free(raw.p);
    free(b.p);
}

static void test_png_rgb8(void **state)
{
    (void)state;
    buf raw = png_raw(40, 30, 3, 8, false, pat_rgb);
    buf b = png_make(40, 30, 8, 2, 0, NULL, 0, NULL, 0, raw.p, raw.len);
    expect_hash("rgb8.png", &b, "9a1f38e3664cd952");
    free(raw.p);
    free(b.p);
}

static void test_png_rgba16_interlaced(void **state)
{
    (void)state;
    buf raw = png_raw(33, 17, 4, 16, true, pat_rgb);
    buf b = png_make(33, 17, 16, 6, 1, NULL, 0, NULL, 0, raw.p, raw.len);
    expect_hash("rgba16i.png", &b, "95336c5bb4695255");
    free(raw.p);
    free(b.p);
}

static void test_png_palette4_trns(void **state)
{
    (void)state;
    uint8_t plte[16 * 3], trns[5] = {0, 50, 100, 150, 200};
    for (unsigned i = 0; i < sizeof(plte); i++)
        plte[i] = (uint8_t)(i * 53 + 7);
    buf raw = png_raw(50, 20, 1, 4, false, pat_rings);
    buf b = png_make(50, 20, 4, 3, 0, plte, sizeof(plte), trns, sizeof(trns), raw.p, raw.len);
    expect_hash("pal4.png", &b, "96bfa758c0d780c6");
    free(raw.p);
    free(b.p);
}

static void test_png_gray2_32x32(void **state)
{
    (void)state;
    /* 32x32: the resize is a copy; 2-bit samples are scaled by 85 */
    buf raw = png_raw(32, 32, 1, 2, false, pat_rings);
    buf b = png_make(32, 32, 2, 0, 0, NULL, 0, NULL, 0, raw.p, raw.len);
    expect_hash("gray2_32.png", &b, "a626dddd262245ae");
    free(raw.p);
    free(b.p);
}

static void test_png_tiny(void **state)
{
    (void)state;
    /* 3x2: Lanczos upsampling */
    buf raw = png_raw(3, 2, 3, 8, false, pat_rgb);
    buf b = png_make(3, 2, 8, 2, 0, NULL, 0, NULL, 0, raw.p, raw.len);
    expect_hash("tiny.png", &b, "985df172e162515e");
    free(raw.p);
    free(b.p);
}

static void test_png_rejects(void **state)
{
    (void)state;
    uint8_t h[8];
    buf raw = png_raw(40, 30, 1, 8, false, pat_gray);
    buf b = png_make(40, 30, 8, 0, 0, NULL, 0, NULL, 0, raw.p, raw.len);
    /* sigtool: "unexpected end of file" without the header of the chunk
     * after the IDAT run (the IEND here), fine with it */
    assert_int_equal(cv_image_fuzzy_hash_ex(b.p, b.len - 12 + 7, h), CV_IMGHASH_NONE);
    assert_int_equal(cv_image_fuzzy_hash_ex(b.p, b.len - 12 + 8, h), CV_IMGHASH_OK);
    /* a critical chunk's CRC (IHDR's last byte) */
    b.p[8 + 8 + 13 + 3] ^= 1;
    assert_int_equal(cv_image_fuzzy_hash_ex(b.p, b.len, h), CV_IMGHASH_NONE);
    b.p[8 + 8 + 13 + 3] ^= 1;
    /* colour type 3 without PLTE */
    buf p = png_make(40, 30, 8, 3, 0, NULL, 0, NULL, 0, raw.p, raw.len);
    assert_false(cv_image_fuzzy_hash(p.p, p.len, h));
    assert_false(cv_image_fuzzy_hash(b.p, 8, h));
    assert_false(cv_image_fuzzy_hash(NULL, 0, h));
    free(raw.p);
    free(b.p);
    free(p.p);
}

/* --- GIF: an LZW stream of literals only, cleared before the table would
 * widen the codes past 9 bits --- */

static buf gif_make(uint16_t w, uint16_t h, const uint8_t pal[256 * 3], bool interlaced,
                    uint8_t (*index)(uint32_t x, uint32_t y))
{
    buf b = {0};
    put(&b, "GIF89a", 6);
    put16le(&b, w);
    put16le(&b, h);
    put8(&b, 0xf7); /* global table of 256 */
    put8(&b, 0);
    put8(&b, 0);
    put(&b, pal, 256 * 3);
    put8(&b, 0x2c);
    put16le(&b, 0);
    put16le(&b, 0);
    put16le(&b, w);
    put16le(&b, h);
    put8(&b, interlaced ? 0x40 : 0);
    put8(&b, 8);

    buf codes = {0};
    uint32_t acc = 0, nbits = 0, since_clear = 0;
#define EMIT(c)                                                                                    \
    do {                                                                                           \
        acc |= (uint32_t)(c) << nbits;                                                             \
        nbits += 9;                                                                                \
        while (nbits >= 8) {                                                                       \
            put8(&codes, (uint8_t)acc);                                                            \
            acc >>= 8;                                                                             \
            nbits -= 8;                                                                            \
        }                                                                                          \
    } while (0)
    EMIT(256);
    static const uint32_t start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (unsigned pass = 0; pass < (interlaced ? 4u : 1u); pass++)
        for (uint32_t y = interlaced ? start[pass] : 0; y < h; y += interlaced ? step[pass] : 1)
            for (uint32_t x = 0; x < w; x++) {
                if (since_clear == 250) {
                    EMIT(256);
                    since_clear = 0;
                }
                EMIT(index(x, y));
                since_clear++;
            }
    EMIT(257);
#undef EMIT
    if (nbits)
        put8(&codes, (uint8_t)acc);
    for (size_t i = 0; i < codes.len; i += 255) {
        size_t n = codes.len - i < 255 ? codes.len - i : 255;
        put8(&b, (uint8_t)n);
        put(&b, codes.p + i, n);
    }
    put8(&b, 0);
    put8(&b, 0x3b);
    free(codes.p);
    return b;
}

static uint8_t gif_index(uint32_t x, uint32_t y)
{
    return (uint8_t)((x * x + 3 * y * y + x * y) & 255);
}

static void test_gif(void **state)
{
    (void)state;
    uint8_t pal[256 * 3];
    for (unsigned i = 0; i < 256; i++) {
        pal[3 * i] = (uint8_t)i;
        pal[3 * i + 1] = (uint8_t)(255 - i);
        pal[3 * i + 2] = (uint8_t)(i * 7);
    }
    buf b = gif_make(45, 37, pal, false, gif_index);
    expect_hash("plain.gif", &b, "fcf8f8b4f0f84480");
    free(b.p);
    b = gif_make(45, 37, pal, true, gif_index);
    expect_hash("interlaced.gif", &b, "fcf8f8b4f0f84480");
    /* cut inside the pixel data: "image truncated" */
    uint8_t h[8];
    assert_int_equal(cv_image_fuzzy_hash_ex(b.p, b.len / 2, h), CV_IMGHASH_NONE);
    free(b.p);
}

/* --- BMP: 24-bit, bottom-up --- */

static void test_bmp24(void **state)
{
    (void)state;
    const uint32_t w = 29, h = 31, row = (w * 3 + 3) / 4 * 4;
    buf b = {0};
    put(&b, "BM", 2);
    put32le(&b, 54 + row * h);
    put32le(&b, 0);
    put32le(&b, 54);
    put32le(&b, 40);
    put32le(&b, w);
    put32le(&b, h);
    put16le(&b, 1);
    put16le(&b, 24);
    for (int i = 0; i < 6; i++)
        put32le(&b, 0);
    for (uint32_t k = 0; k < h; k++) {
        uint32_t y = h - 1 - k;
        for (uint32_t x = 0; x < w; x++) {
            put8(&b, pat_rgb(x, y, 2));
            put8(&b, pat_rgb(x, y, 1));
            put8(&b, pat_rgb(x, y, 0));
        }
        for (uint32_t p = w * 3; p < row; p++)
            put8(&b, 0);
    }
    expect_hash("rgb24.bmp", &b, "823e73e64952d52b");
    uint8_t hh[8];
    assert_int_equal(cv_image_fuzzy_hash_ex(b.p, b.len - 1, hh), CV_IMGHASH_NONE);
    free(b.p);
}

static void test_formats_and_types(void **state)
{
    (void)state;
    uint8_t h[8];
    static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10};
    static const uint8_t tiff[] = {'I', 'I', '*', 0, 8, 0, 0, 0};
    static const uint8_t junk[] = "not an image";
    assert_int_equal(cv_image_fuzzy_hash_ex(jpeg, sizeof(jpeg), h), CV_IMGHASH_UNSUPPORTED);
    assert_int_equal(cv_image_fuzzy_hash_ex(tiff, sizeof(tiff), h), CV_IMGHASH_UNSUPPORTED);
    assert_int_equal(cv_image_fuzzy_hash_ex(junk, sizeof(junk), h), CV_IMGHASH_NONE);
    /* "GIF88a" is not a GIF to the image crate */
    assert_int_equal(cv_image_fuzzy_hash_ex((const uint8_t *)"GIF88a\1\0\1\0", 10, h),
                     CV_IMGHASH_NONE);

    static const char *const yes[] = {"CL_TYPE_PNG", "CL_TYPE_GIF", "CL_TYPE_JPEG", "CL_TYPE_TIFF",
                                      "CL_TYPE_GRAPHICS"};
    static const char *const no[] = {"CL_TYPE_ZIP", "CL_TYPE_ANY", "CL_TYPE_BINARY_DATA",
                                     "CL_TYPE_RIFF"};
    uint16_t code;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        assert_true(cv_filetype_lookup(yes[i], strlen(yes[i]), &code));
        assert_true(cv_image_hash_applies(code));
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        assert_true(cv_filetype_lookup(no[i], strlen(no[i]), &code));
        assert_false(cv_image_hash_applies(code));
    }
    assert_false(cv_image_hash_applies(0xffff));
}

static void test_luma_api(void **state)
{
    (void)state;
    /* a flat image: every low-frequency coefficient but the DC one is 0,
     * the median is 0, only the DC bit is set */
    uint8_t flat[50 * 20];
    uint8_t h[8];
    memset(flat, 200, sizeof(flat));
    assert_true(cv_image_fuzzy_hash_luma(flat, 50, 20, h));
    assert_int_equal(h[0], 0x80);
    for (int i = 1; i < 8; i++)
        assert_int_equal(h[i], 0);
    /* an empty image is resized to black: all zero */
    assert_true(cv_image_fuzzy_hash_luma(NULL, 0, 0, h));
    for (int i = 0; i < 8; i++)
        assert_int_equal(h[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_gray8),
        cmocka_unit_test(test_png_rgb8),
        cmocka_unit_test(test_png_rgba16_interlaced),
        cmocka_unit_test(test_png_palette4_trns),
        cmocka_unit_test(test_png_gray2_32x32),
        cmocka_unit_test(test_png_tiny),
        cmocka_unit_test(test_png_rejects),
        cmocka_unit_test(test_gif),
        cmocka_unit_test(test_bmp24),
        cmocka_unit_test(test_formats_and_types),
        cmocka_unit_test(test_luma_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
