/*
 * imghash.h - ClamAV's image fuzzy hash (the `fuzzy_img#<16 hex>` logical
 * signature subsignatures; libclamav_rust/src/fuzzy_hash.rs), computed bit
 * for bit as Debian's libclamav 1.4.6 computes it.
 *
 * The hash: decode the image with the image crate (format guessed from the
 * first bytes, not from ClamAV's file type), to RGB8 (alpha dropped), to
 * 8-bit luma L = round(0.299 R + 0.587 G + 0.114 B) in f32, resize to 32x32
 * with image-rs's separable Lanczos3 (vertical pass into f32, horizontal
 * pass rounded back to u8; a 32x32 image is copied, not resampled), scale
 * to [0,1] f32, a 2-D DCT-II with rustdct's split-radix algorithm for n = 32
 * (columns first, each pass times 2), keep the top-left 8x8 coefficients,
 * take their median (mean of the 32nd and 33rd smallest), and set bit i
 * (MSB first, byte by byte) when coefficient i (row-major) exceeds it. The
 * 8 bytes are in the order `sigtool --fuzzy-img` prints them.
 *
 * When libclamav computes it (libclamav/scanners.c, cli_magic_scan, before
 * the raw scan of the object; 1.4 era):
 *   - the object's ClamAV type is CL_TYPE_PNG, CL_TYPE_GIF, CL_TYPE_JPEG,
 *     CL_TYPE_TIFF or CL_TYPE_GRAPHICS (BMP "BM" and JPEG 2000 magics in
 *     the file-type table); cv_image_hash_applies() says which;
 *   - image parsing is on (clamscan --scan-image, default yes) and the
 *     fuzzy hash is on (--scan-image-fuzzy-hash, default yes; DCONF
 *     OTHER_CONF_IMAGE_FUZZY_HASH, default on) and, for PNG/GIF/JPEG/TIFF,
 *     the per-type DCONF bit (default on);
 *   - with --alert-broken-media (off by default), only when libclamav's own
 *     parser of that type (cli_parsepng/gif/jpeg/tiff) returned CL_SUCCESS;
 *   - over the whole object (fmap 0..real_len); there is no size limit of
 *     its own (max-filesize/max-scansize decide whether the object is
 *     scanned at all), and a decode failure just means no hash.
 * The hash then matches (lsig_increment_subsig_match) every fuzzy_img
 * subsignature with the same 8 bytes, during the matcher run over that
 * object whose type is one of the five above (matcher.c, cli_scan_buff);
 * the Hamming distance must be 0 (1.4.6 refuses other values at load).
 * The image crate guesses the format itself: a CL_TYPE_GRAPHICS BMP is
 * decoded as BMP, and a CL_TYPE_GIF file starting "GIF8" but not
 * "GIF87a"/"GIF89a" gets no hash. Checked with clamscan 1.4.6 and a
 * fuzzy_img .ldb: PNG, GIF and BMP files match, so does a PNG inside a ZIP
 * (each extracted object is hashed), a PNG after 4 other bytes does not,
 * and --scan-image=no or --scan-image-fuzzy-hash=no turn matching off.
 */
#ifndef VIGIL_CLAMAV_IMGHASH_H
#define VIGIL_CLAMAV_IMGHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cv_imghash_status {
    CV_IMGHASH_OK = 0,
    CV_IMGHASH_NONE,        /* clamscan computes no hash (undecodable, unknown format) */
    CV_IMGHASH_UNSUPPORTED, /* a format vigil cannot decode yet (JPEG, TIFF, WebP, ...):
                               clamscan may have a hash, vigil cannot tell */
    CV_IMGHASH_LIMIT,       /* above vigil's caps (CV_IMGHASH_MAX_PIXELS, _MAX_WIDTH) */
    CV_IMGHASH_NOMEM,
} cv_imghash_status;

/* vigil's cap on decoded pixels (the crate's own limit is 512 MiB of
 * decoded samples, 128 Mi pixels of RGBA8). Working memory is one byte a
 * pixel plus a few rows. */
#define CV_IMGHASH_MAX_PIXELS ((uint64_t)64 * 1024 * 1024)
/* ... and on the width: the resize keeps 6 weights a column (24 bytes) */
#define CV_IMGHASH_MAX_WIDTH ((uint32_t)1 << 20)

cv_imghash_status cv_image_fuzzy_hash_ex(const uint8_t *data, size_t len, uint8_t out[8]);

/* true with the hash when cv_image_fuzzy_hash_ex says CV_IMGHASH_OK */
bool cv_image_fuzzy_hash(const uint8_t *data, size_t len, uint8_t out[8]);

/* Whether libclamav computes the hash for an object of this type (vigil's
 * type code: index into cv_filetype_names, sig.h). */
bool cv_image_hash_applies(uint16_t cl_type);

/* The hash of a decoded 8-bit luma image (w x h, row-major), for tests and
 * for decoders outside lib/formats/image. false when w exceeds
 * CV_IMGHASH_MAX_WIDTH or a working buffer cannot be allocated. */
bool cv_image_fuzzy_hash_luma(const uint8_t *luma, uint32_t w, uint32_t h, uint8_t out[8]);

#endif
