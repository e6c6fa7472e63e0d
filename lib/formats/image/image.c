/*
 * image.c - the format guess and the shared allocation of
 * lib/formats/image: image-rs's magic table (first match wins, so "RIFF"
 * is WebP whatever follows and "BM" is BMP), and the one place that applies
 * the crate's 512 MiB allocation limit and vigil's pixel cap. PNG, GIF and
 * BMP are decoded; the crate's other formats (JPEG, TIFF, WebP, ICO, PNM,
 * ...) are reported as unsupported rather than guessed at.
 */
#include <stdlib.h>
#include <string.h>

#include "formats/image/image.h"

static const struct {
    const char *magic;
    size_t len;
    img_format fmt;
} magic_table[] = {
    {"\x89PNG\r\n\x1a\n", 8, IMG_FMT_PNG},
    {"\xff\xd8\xff", 3, IMG_FMT_JPEG},
    {"GIF89a", 6, IMG_FMT_GIF},
    {"GIF87a", 6, IMG_FMT_GIF},
    {"RIFF", 4, IMG_FMT_WEBP},
    {"MM\x00*", 4, IMG_FMT_TIFF},
    {"II*\x00", 4, IMG_FMT_TIFF},
    {"DDS ", 4, IMG_FMT_DDS},
    {"BM", 2, IMG_FMT_BMP},
    {"\x00\x00\x01\x00", 4, IMG_FMT_ICO},
    {"#?RADIANCE", 10, IMG_FMT_HDR},
    {"P1", 2, IMG_FMT_PNM},
    {"P2", 2, IMG_FMT_PNM},
    {"P3", 2, IMG_FMT_PNM},
    {"P4", 2, IMG_FMT_PNM},
    {"P5", 2, IMG_FMT_PNM},
    {"P6", 2, IMG_FMT_PNM},
    {"P7", 2, IMG_FMT_PNM},
    {"farbfeld", 8, IMG_FMT_FARBFELD},
    {"\x00\x00\x00 ftypavif", 12, IMG_FMT_AVIF},
    {"\x00\x00\x00\x1c"
     "ftypavif",
     12, IMG_FMT_AVIF},
    {"\x76\x2f\x31\x01", 4, IMG_FMT_EXR},
    {"qoif", 4, IMG_FMT_QOI},
};

img_format img_guess_format(bytes b)
{
    for (size_t i = 0; i < sizeof(magic_table) / sizeof(magic_table[0]); i++)
        if (b.len >= magic_table[i].len &&
            memcmp(b.p, magic_table[i].magic, magic_table[i].len) == 0)
            return magic_table[i].fmt;
    return IMG_FMT_UNKNOWN;
}

const char *img_format_name(img_format f)
{
    static const char *const names[] = {"unknown", "png",      "jpeg", "gif", "webp",
                                        "tiff",    "dds",      "bmp",  "ico", "hdr",
                                        "pnm",     "farbfeld", "avif", "exr", "qoi"};
    if ((size_t)f >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[f];
}

img_status img_alloc(img *out, const img_opts *o, uint32_t w, uint32_t h, unsigned native_bpp)
{
    uint64_t pixels = (uint64_t)w * h;
    memset(out, 0, sizeof(*out));
    if (w == 0 || h == 0)
        return IMG_E_FORMAT;
    /* w, h < 2^32 so pixels * native_bpp (<= 16) cannot overflow 64 bits */
    if (pixels * native_bpp > IMG_CRATE_MAX_ALLOC)
        return IMG_E_FORMAT;
    if (pixels > o->max_pixels || w > o->max_width)
        return IMG_E_LIMIT;
    size_t n = (size_t)pixels * (o->layout == IMG_RGB8 ? 3 : 1);
    out->px = calloc(n, 1);
    if (!out->px)
        return IMG_E_NOMEM;
    out->w = w;
    out->h = h;
    out->layout = o->layout;
    return IMG_OK;
}

void img_free(img *im)
{
    if (!im)
        return;
    free(im->px);
    memset(im, 0, sizeof(*im));
}

img_status img_decode(bytes b, const img_opts *o, img *out)
{
    img_status st;
    memset(out, 0, sizeof(*out));
    switch (img_guess_format(b)) {
    case IMG_FMT_PNG:
        st = img_decode_png(b, o, out);
        break;
    case IMG_FMT_GIF:
        st = img_decode_gif(b, o, out);
        break;
    case IMG_FMT_BMP:
        st = img_decode_bmp(b, o, out);
        break;
    case IMG_FMT_UNKNOWN:
        return IMG_E_FORMAT;
    default:
        return IMG_E_UNSUPPORTED;
    }
    if (st != IMG_OK)
        img_free(out);
    return st;
}
