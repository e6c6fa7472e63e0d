/*
 * imghash.c - ClamAV's image fuzzy hash (imghash.h) over a decoded luma
 * image: image-rs's Lanczos3 resize to 32x32, rustdct's DCT-II for n = 32,
 * median bits. Every step keeps the Rust code's f32 operations in their
 * order, so the hash is the same bit for bit: the resize runs one output
 * row at a time (the horizontal pass of a row needs only that row of the
 * vertical pass), which keeps a wide image's working memory at one row.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clamav/imghash.h"
#include "clamav/sig.h"
#include "formats/image/image.h"

#define SIDE 32

/* std::f32::consts::PI */
#define PI_F32 3.14159265358979323846f

static float sinc(float t)
{
    float a = t * PI_F32;
    if (t == 0.0f)
        return 1.0f;
    return sinf(a) / a;
}

static float lanczos3(float x)
{
    if (fabsf(x) < 3.0f)
        return sinc(x) * sinc(x / 3.0f);
    return 0.0f;
}

/* The input span and normalised weights of one output sample (image-rs's
 * vertical_sample/horizontal_sample, identical in both directions). */
typedef struct taps {
    uint32_t left, n;
    float *w; /* n weights */
} taps;

static bool taps_make(uint32_t in_len, uint32_t out_idx, taps *t, float *wbuf, size_t wcap)
{
    float ratio = (float)in_len / (float)SIDE;
    float sratio = ratio < 1.0f ? 1.0f : ratio;
    float support = 3.0f * sratio;
    float center = ((float)out_idx + 0.5f) * ratio;

    int64_t left = (int64_t)floorf(center - support);
    if (left < 0)
        left = 0;
    if (left > (int64_t)in_len - 1)
        left = (int64_t)in_len - 1;
    int64_t right = (int64_t)ceilf(center + support);
    if (right < left + 1)
        right = left + 1;
    if (right > (int64_t)in_len)
        right = (int64_t)in_len;
    center -= 0.5f;

    size_t n = (size_t)(right - left);
    if (n > wcap)
        return false;
    float sum = 0.0f;
    for (size_t k = 0; k < n; k++) {
        float w = lanczos3(((float)(uint32_t)(left + (int64_t)k) - center) / sratio);
        wbuf[k] = w;
        sum += w;
    }
    for (size_t k = 0; k < n; k++)
        wbuf[k] /= sum;
    t->left = (uint32_t)left;
    t->n = (uint32_t)n;
    t->w = wbuf;
    return true;
}

/* Most input samples one output sample can read: 2 * 3 * ratio + 2. */
static size_t taps_cap(uint32_t in_len)
{
    return (size_t)(6.0 * ((double)in_len / SIDE)) + 16;
}

static float clampf(float v, float lo, float hi)
{
    if (v < lo)
        return lo;
    if (v > hi)
        return hi;
    return v;
}

/* image-rs resize(luma8, 32, 32, Lanczos3): vertical pass into f32 (not
 * rounded), horizontal pass clamped to [0,255] and rounded to u8. */
static bool resize32(const uint8_t *src, uint32_t w, uint32_t h, uint8_t out[SIDE * SIDE])
{
    if (w == SIDE && h == SIDE) {
        memcpy(out, src, SIDE * SIDE);
        return true;
    }
    size_t vcap = taps_cap(h), hcap = taps_cap(w);
    float *vw = malloc(vcap * sizeof(float));
    float *row = malloc((size_t)w * sizeof(float));
    taps ht[SIDE];
    float *hw = malloc(SIDE * hcap * sizeof(float));
    bool ok = vw && row && hw;
    for (uint32_t ox = 0; ok && ox < SIDE; ox++)
        ok = taps_make(w, ox, &ht[ox], hw + (size_t)ox * hcap, hcap);

    for (uint32_t oy = 0; ok && oy < SIDE; oy++) {
        taps vt;
        ok = taps_make(h, oy, &vt, vw, vcap);
        if (!ok)
            break;
        for (uint32_t x = 0; x < w; x++) {
            float t = 0.0f;
            for (uint32_t k = 0; k < vt.n; k++)
                t += (float)src[(size_t)(vt.left + k) * w + x] * vt.w[k];
            row[x] = t;
        }
        for (uint32_t ox = 0; ox < SIDE; ox++) {
            float t = 0.0f;
            for (uint32_t k = 0; k < ht[ox].n; k++)
                t += row[ht[ox].left + k] * ht[ox].w[k];
            out[oy * SIDE + ox] = (uint8_t)roundf(clampf(t, 0.0f, 255.0f));
        }
    }
    free(vw);
    free(row);
    free(hw);
    return ok;
}

/* --- rustdct 0.7 DCT-II, f32, n = 32: split radix over butterflies 16/8 --- */

typedef struct cplx {
    float re, im;
} cplx;

/* twiddles::single_twiddle(i, n).conj(): the angle in f64, cast to f32 */
static cplx twiddle_conj(unsigned i, unsigned n)
{
    double a = (M_PI * -2.0 / (double)n) * (double)i;
    cplx c = {(float)cos(a), -(float)sin(a)};
    return c;
}

#define FRAC_1_SQRT_2_F32 0.707106781186547524400844362104849039f

typedef struct dct_tw {
    cplx b4, b8[2], b16[4], sr32[8];
} dct_tw;

static void dct_tw_init(dct_tw *t)
{
    t->b4 = twiddle_conj(1, 16);
    t->b8[0] = twiddle_conj(1, 32);
    t->b8[1] = twiddle_conj(3, 32);
    for (unsigned i = 0; i < 4; i++)
        t->b16[i] = twiddle_conj(2 * i + 1, 64);
    for (unsigned i = 0; i < 8; i++)
        t->sr32[i] = twiddle_conj(2 * i + 1, 128);
}

static void b2_dct2_at(float *b, unsigned zero, unsigned one)
{
    float sum = b[zero] + b[one];
    b[one] = (b[zero] - b[one]) * FRAC_1_SQRT_2_F32;
    b[zero] = sum;
}

static void b2_dst2(float *b)
{
    float diff = b[0] - b[1];
    b[0] = (b[0] + b[1]) * FRAC_1_SQRT_2_F32;
    b[1] = diff;
}

static void b4_dct2(const dct_tw *t, float *b)
{
    float lower = b[0] - b[3];
    float upper = b[2] - b[1];
    b[0] = b[0] + b[3];
    b[2] = b[2] + b[1];
    b2_dct2_at(b, 0, 2);
    b[1] = lower * t->b4.re - upper * t->b4.im;
    b[3] = upper * t->b4.re + lower * t->b4.im;
}

static void b4_dst2(const dct_tw *t, float *b)
{
    float lower = b[0] + b[3];
    float upper = b[2] + b[1];
    b[3] = b[0] - b[3];
    b[1] = b[2] - b[1];
    b2_dct2_at(b, 3, 1);
    b[2] = lower * t->b4.re - upper * t->b4.im;
    b[0] = upper * t->b4.re + lower * t->b4.im;
}

static void b8_dct2(const dct_tw *t, float *b)
{
    float ev[4] = {b[0] + b[7], b[1] + b[6], b[2] + b[5], b[3] + b[4]};
    b4_dct2(t, ev);
    float d[4] = {b[0] - b[7], b[3] - b[4], b[1] - b[6], b[2] - b[5]};
    const cplx *tw = t->b8;
    float e4[2] = {d[0] * tw[0].re + d[1] * tw[0].im, d[2] * tw[1].re + d[3] * tw[1].im};
    float o4[2] = {d[3] * tw[1].re - d[2] * tw[1].im, d[1] * tw[0].re - d[0] * tw[0].im};
    b2_dct2_at(e4, 0, 1);
    b2_dst2(o4);
    b[0] = ev[0];
    b[1] = e4[0];
    b[2] = ev[1];
    b[3] = e4[1] - o4[0];
    b[4] = ev[2];
    b[5] = e4[1] + o4[0];
    b[6] = ev[3];
    b[7] = o4[1];
}

static void b16_dct2(const dct_tw *t, float *b)
{
    float ev[8];
    for (unsigned i = 0; i < 8; i++)
        ev[i] = b[i] + b[15 - i];
    b8_dct2(t, ev);
    float d[8] = {b[0] - b[15], b[7] - b[8],  b[1] - b[14], b[6] - b[9],
                  b[2] - b[13], b[5] - b[10], b[3] - b[12], b[4] - b[11]};
    const cplx *tw = t->b16;
    float e4[4], o4[4];
    for (unsigned i = 0; i < 4; i++)
        e4[i] = d[2 * i] * tw[i].re + d[2 * i + 1] * tw[i].im;
    for (unsigned i = 0; i < 4; i++)
        o4[i] = d[7 - 2 * i] * tw[3 - i].re - d[6 - 2 * i] * tw[3 - i].im;
    b4_dct2(t, e4);
    b4_dst2(t, o4);
    b[0] = ev[0];
    b[1] = e4[0];
    b[2] = ev[1];
    b[3] = e4[1] - o4[0];
    b[4] = ev[2];
    b[5] = e4[1] + o4[0];
    b[6] = ev[3];
    b[7] = e4[2] + o4[1];
    b[8] = ev[4];
    b[9] = e4[2] - o4[1];
    b[10] = ev[5];
    b[11] = e4[3] - o4[2];
    b[12] = ev[6];
    b[13] = e4[3] + o4[2];
    b[14] = ev[7];
    b[15] = o4[3];
}

static void dct2_32(const dct_tw *t, float *b)
{
    enum { N = 32, HALF = 16, QUARTER = 8 };
    float half[HALF], even[QUARTER], odd[QUARTER];
    for (unsigned i = 0; i < QUARTER; i++) {
        float bottom = b[i], top = b[N - i - 1];
        float half_bottom = b[HALF - i - 1], half_top = b[HALF + i];
        half[i] = top + bottom;
        half[HALF - i - 1] = half_bottom + half_top;
        float lower = bottom - top;
        float upper = half_bottom - half_top;
        cplx tw = t->sr32[i];
        float cos_in = lower * tw.re + upper * tw.im;
        float sin_in = upper * tw.re - lower * tw.im;
        even[i] = cos_in;
        odd[QUARTER - i - 1] = (i % 2 == 0) ? sin_in : -sin_in;
    }
    b16_dct2(t, half);
    b8_dct2(t, even);
    b8_dct2(t, odd);
    b[0] = half[0];
    b[1] = even[0];
    b[2] = half[1];
    for (unsigned i = 1; i < QUARTER; i++) {
        float c = even[i];
        float s = ((i + QUARTER) % 2 == 0) ? -odd[QUARTER - i] : odd[QUARTER - i];
        b[i * 4 - 1] = c + s;
        b[i * 4] = half[i * 2];
        b[i * 4 + 1] = c - s;
        b[i * 4 + 2] = half[i * 2 + 1];
    }
    b[N - 1] = -odd[0];
}

static void transpose32(const float *in, float *out)
{
    for (unsigned y = 0; y < SIDE; y++)
        for (unsigned x = 0; x < SIDE; x++)
            out[x * SIDE + y] = in[y * SIDE + x];
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

bool cv_image_fuzzy_hash_luma(const uint8_t *luma, uint32_t w, uint32_t h, uint8_t out[8])
{
    uint8_t small[SIDE * SIDE];
    /* image-rs resizes an empty image (a GIF's 0-wide screen) to black */
    if (w > CV_IMGHASH_MAX_WIDTH)
        return false;
    if (w == 0 || h == 0)
        memset(small, 0, sizeof(small));
    else if (!resize32(luma, w, h, small))
        return false;

    float b1[SIDE * SIDE], b2[SIDE * SIDE];
    for (unsigned i = 0; i < SIDE * SIDE; i++)
        b1[i] = clampf((float)small[i] / 255.0f, 0.0f, 1.0f);
    dct_tw tw;
    dct_tw_init(&tw);

    /* columns first: DCT the rows of the transposed image */
    transpose32(b1, b2);
    for (unsigned r = 0; r < SIDE; r++)
        dct2_32(&tw, b2 + r * SIDE);
    for (unsigned i = 0; i < SIDE * SIDE; i++)
        b2[i] *= 2.0f;
    transpose32(b2, b1);
    for (unsigned r = 0; r < SIDE; r++)
        dct2_32(&tw, b1 + r * SIDE);
    for (unsigned i = 0; i < SIDE * SIDE; i++)
        b1[i] *= 2.0f;

    float low[64], sorted[64];
    for (unsigned r = 0; r < 8; r++)
        for (unsigned c = 0; c < 8; c++)
            low[r * 8 + c] = b1[r * SIDE + c];
    memcpy(sorted, low, sizeof(low));
    qsort(sorted, 64, sizeof(float), cmp_float);
    float median = (sorted[31] + sorted[32]) / 2.0f;

    memset(out, 0, 8);
    for (unsigned i = 0; i < 64; i++)
        if (low[i] > median)
            out[i / 8] |= (uint8_t)(0x80u >> (i % 8));
    return true;
}

cv_imghash_status cv_image_fuzzy_hash_ex(const uint8_t *data, size_t len, uint8_t out[8])
{
    img im;
    img_opts o = {IMG_LUMA601, CV_IMGHASH_MAX_PIXELS, CV_IMGHASH_MAX_WIDTH};
    bytes b = {data, data ? len : 0};

    memset(out, 0, 8);
    switch (img_decode(b, &o, &im)) {
    case IMG_OK:
        break;
    case IMG_E_FORMAT:
        return CV_IMGHASH_NONE;
    case IMG_E_UNSUPPORTED:
        return CV_IMGHASH_UNSUPPORTED;
    case IMG_E_LIMIT:
        return CV_IMGHASH_LIMIT;
    case IMG_E_NOMEM:
    default:
        return CV_IMGHASH_NOMEM;
    }
    bool ok = cv_image_fuzzy_hash_luma(im.px, im.w, im.h, out);
    img_free(&im);
    return ok ? CV_IMGHASH_OK : CV_IMGHASH_NOMEM;
}

bool cv_image_fuzzy_hash(const uint8_t *data, size_t len, uint8_t out[8])
{
    return cv_image_fuzzy_hash_ex(data, len, out) == CV_IMGHASH_OK;
}

bool cv_image_hash_applies(uint16_t cl_type)
{
    static const char *const types[] = {"CL_TYPE_PNG", "CL_TYPE_GIF", "CL_TYPE_JPEG",
                                        "CL_TYPE_TIFF", "CL_TYPE_GRAPHICS"};
    if (cl_type >= cv_filetype_count)
        return false;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(cv_filetype_names[cl_type], types[i]) == 0)
            return true;
    return false;
}
