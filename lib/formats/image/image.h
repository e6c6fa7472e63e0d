/*
 * image.h - decoders of untrusted raster images (PNG, GIF, BMP) into one
 * 8-bit pixel buffer, decoding the way Rust's image
 * crate (0.25, as Debian's libclamav 1.4.6 vendors it) does: the same format
 * guess from the first bytes, the same pixels for what it accepts and a
 * failure for what it rejects, so that ClamAV's image fuzzy hash
 * (lib/clamav/imghash.c) sees the picture clamscan sees.
 *
 * The caller chooses the pixel layout: RGB8 (the crate's to_rgb8(): 16-bit
 * samples rounded to 8 bits, alpha dropped) or LUMA601, that RGB8 reduced at
 * once to one byte per pixel with ClamAV's ITU-R 601 luma, which keeps a
 * large image's buffer at one byte a pixel.
 */
#ifndef VIGIL_FORMATS_IMAGE_H
#define VIGIL_FORMATS_IMAGE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../util/cursor.h"

/* What image-rs's guess_format() picks from the first bytes (its magic
 * table, in its order: the first prefix that matches wins). */
typedef enum img_format {
    IMG_FMT_UNKNOWN = 0,
    IMG_FMT_PNG,
    IMG_FMT_JPEG,
    IMG_FMT_GIF,
    IMG_FMT_WEBP,
    IMG_FMT_TIFF,
    IMG_FMT_DDS,
    IMG_FMT_BMP,
    IMG_FMT_ICO,
    IMG_FMT_HDR,
    IMG_FMT_PNM,
    IMG_FMT_FARBFELD,
    IMG_FMT_AVIF,
    IMG_FMT_EXR,
    IMG_FMT_QOI,
} img_format;

typedef enum img_status {
    IMG_OK = 0,
    IMG_E_FORMAT,      /* the image crate would fail to decode it too */
    IMG_E_UNSUPPORTED, /* a format or a feature vigil does not decode (yet) */
    IMG_E_LIMIT,       /* larger than the caller's limit */
    IMG_E_NOMEM,
} img_status;

typedef enum img_layout {
    IMG_RGB8,    /* 3 bytes a pixel */
    IMG_LUMA601, /* 1 byte a pixel: round(0.299 R + 0.587 G + 0.114 B) in f32 */
} img_layout;

typedef struct img {
    uint32_t w, h;
    img_layout layout;
    uint8_t *px; /* w * h * (1 or 3) bytes, row-major, top row first */
} img;

/* Limits: max_pixels (w * h) and max_width are vigil's own caps; the
 * image crate's default allocation limit (512 MiB for the decoded image in
 * its native sample layout) is always applied on top, as it makes clamscan
 * fail. */
typedef struct img_opts {
    img_layout layout;
    uint64_t max_pixels;
    uint32_t max_width; /* rows are decoded whole: this bounds row buffers */
} img_opts;

#define IMG_CRATE_MAX_ALLOC ((uint64_t)512 * 1024 * 1024)

img_format img_guess_format(bytes b);
const char *img_format_name(img_format f);

/* Decodes b by its guessed format. On IMG_OK *out holds a malloc'ed buffer
 * (img_free it); on failure *out is empty. */
img_status img_decode(bytes b, const img_opts *o, img *out);
void img_free(img *im);

/* --- for the decoders (the other files of lib/formats/image) --- */

/* Allocates out's buffer for w x h after checking vigil's cap and the
 * crate's allocation limit (native_bpp: bytes per pixel of the crate's
 * decoded colour type). Fails with IMG_E_FORMAT for a zero dimension. */
img_status img_alloc(img *out, const img_opts *o, uint32_t w, uint32_t h, unsigned native_bpp);

static inline uint8_t img_luma601(uint8_t r, uint8_t g, uint8_t b)
{
    /* f32 products summed left to right, then rounded half away from zero,
     * as libclamav_rust's rgb_to_luma does; no FMA contraction (see the
     * pragma in image.c and the -ffp-contract note there). */
    float l = 0.299f * (float)r + 0.587f * (float)g + 0.114f * (float)b;
    return (uint8_t)roundf(l);
}

static inline void img_put(img *im, size_t idx, uint8_t r, uint8_t g, uint8_t b)
{
    if (im->layout == IMG_RGB8) {
        im->px[idx * 3] = r;
        im->px[idx * 3 + 1] = g;
        im->px[idx * 3 + 2] = b;
    } else {
        im->px[idx] = img_luma601(r, g, b);
    }
}

/* 16-bit sample to 8 bits the way the crate rounds (round(v * 255 / 65535)). */
static inline uint8_t img_u16_to_u8(uint16_t v)
{
    return (uint8_t)(((uint32_t)v + 128) / 257);
}

img_status img_decode_png(bytes b, const img_opts *o, img *out);
img_status img_decode_gif(bytes b, const img_opts *o, img *out);
img_status img_decode_bmp(bytes b, const img_opts *o, img *out);

#endif
