/*
 * fuzz_clamav_imghash.c - libFuzzer target for the image decoders
 * (lib/formats/image) and ClamAV's image fuzzy hash over what they decode.
 * The pixel cap is lowered so that a tiny file claiming a huge picture
 * costs little; the first byte picks the pixel layout.
 */
#include <stddef.h>
#include <stdint.h>

#include "clamav/imghash.h"
#include "formats/image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    img_opts o = {(data[0] & 1) ? IMG_RGB8 : IMG_LUMA601, (uint64_t)1 << 20, 1u << 16};
    bytes b = {data + 1, size - 1};
    img im;
    if (img_decode(b, &o, &im) == IMG_OK) {
        uint8_t h[8];
        if (im.layout == IMG_LUMA601)
            (void)cv_image_fuzzy_hash_luma(im.px, im.w, im.h, h);
        img_free(&im);
    }
    return 0;
}
