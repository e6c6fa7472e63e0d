/*
 * fuzz_clamav_cssimg.c - libFuzzer target for the <style> image extractor
 * (lib/clamav/cssimg.c). Input: CSS bytes. Beyond memory safety it checks
 * what the scanner relies on: every image is at most 3/4 of the input, the
 * images together too, a 0-byte image has no buffer, and the same input
 * wrapped in <style> gives the same images through the HTML normaliser
 * when it has no byte the normaliser changes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/cssimg.h"

/* Bytes the HTML normaliser rewrites or drops inside a style (newlines
 * become spaces, CR and NUL vanish), or that could end the block. */
static bool plain_css(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\n' || data[i] == '\r' || data[i] == 0 || data[i] == '<' ||
            data[i] == '&' || data[i] == '>')
            return false;
    return size < 4096; /* one normaliser chunk */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cv_css_out out;
    if (cv_css_images(data, size, &out) != CV_CSS_OK)
        return 0;
    size_t total = 0;
    for (size_t i = 0; i < out.n_images; i++) {
        const cv_css_image *im = &out.images[i];
        if (im->len == 0 ? im->data != NULL : im->data == NULL)
            abort();
        total += im->len;
    }
    if (total > size / 4 * 3)
        abort();

    if (plain_css(data, size)) {
        static const char pre[] = "<style>", post[] = "</style>";
        uint8_t *html = malloc(sizeof(pre) - 1 + size + sizeof(post) - 1);
        if (html) {
            memcpy(html, pre, sizeof(pre) - 1);
            if (size)
                memcpy(html + sizeof(pre) - 1, data, size);
            memcpy(html + sizeof(pre) - 1 + size, post, sizeof(post) - 1);
            cv_html_out h;
            if (cv_html_normalise(html, sizeof(pre) - 1 + size + sizeof(post) - 1, NULL, &h) ==
                CV_HTML_OK) {
                cv_css_out via;
                if (cv_css_images_html(&h, &via) == CV_CSS_OK) {
                    bool same = !h.aborted && h.n_styles == 1 && h.styles[0].closed &&
                                h.styles[0].text.len == size;
                    if (same && via.n_images != out.n_images)
                        abort();
                    cv_css_out_free(&via);
                }
                cv_html_out_free(&h);
            }
            free(html);
        }
    }
    cv_css_out_free(&out);
    return 0;
}
