/*
 * math.c - yara 4.2.3's "math" module: statistics over a range of the
 * scanned object or over a string (entropy, mean, deviation, serial
 * correlation, Monte Carlo pi), byte counts, and small integer helpers.
 * Results must be the same doubles yara computes, so the formulas keep
 * yara's order of operations (mean and deviation from the byte histogram,
 * percentage in single precision); behaviour was checked against
 * /usr/bin/yara 4.2.3 where it differs from later yara sources.
 */
#include <math.h>
#include <stdlib.h>

#include "modules.h"

#define PI 3.141592653589793

/* yara stores float results in a double where NaN means undefined. */
static mo_val ret_float(double d)
{
    return isnan(d) ? mo_undef() : mo_float(d);
}

/* yara's (offset, length) over the object: defined when offset lies inside
 * it (a length running past the end is clipped). */
static bool range(const mo_call *c, int64_t off, int64_t len, const uint8_t **p, size_t *n)
{
    if (off < 0 || len < 0 || (uint64_t)off >= c->len)
        return false;
    size_t room = c->len - (size_t)off;
    *p = c->data + off;
    *n = (uint64_t)len < room ? (size_t)len : room;
    return true;
}

static bool range_args(const mo_call *c, const uint8_t **p, size_t *n)
{
    return range(c, mo_arg_int(c, 0), mo_arg_int(c, 1), p, n);
}

static void histogram(const uint8_t *p, size_t n, uint64_t h[256])
{
    for (int i = 0; i < 256; i++)
        h[i] = 0;
    for (size_t i = 0; i < n; i++)
        h[p[i]]++;
}

static double entropy_of(const uint8_t *p, size_t n)
{
    uint64_t h[256];
    histogram(p, n, h);
    double e = 0.0;
    for (int i = 0; i < 256; i++) {
        if (h[i] != 0) {
            double x = (double)h[i] / n;
            e -= x * log2(x);
        }
    }
    return e;
}

static mo_val data_entropy(mo_call *c)
{
    const uint8_t *p;
    size_t n;
    return range_args(c, &p, &n) ? ret_float(entropy_of(p, n)) : mo_undef();
}

static mo_val string_entropy(mo_call *c)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    return ret_float(entropy_of(p, n));
}

/* yara sums the string's bytes in order but a range's through its histogram;
 * for mean both are exact (integer sums), for deviation the order shows. */
static mo_val data_mean(mo_call *c)
{
    const uint8_t *p;
    size_t n;
    if (!range_args(c, &p, &n))
        return mo_undef();
    uint64_t h[256];
    histogram(p, n, h);
    double sum = 0.0;
    for (int i = 0; i < 256; i++)
        sum += (double)i * h[i];
    return ret_float(sum / n);
}

static mo_val string_mean(mo_call *c)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)p[i];
    return ret_float(sum / n);
}

static mo_val data_deviation(mo_call *c)
{
    const uint8_t *p;
    size_t n;
    if (!range_args(c, &p, &n))
        return mo_undef();
    double mean = mo_arg_float(c, 2);
    uint64_t h[256];
    histogram(p, n, h);
    double sum = 0.0;
    for (int i = 0; i < 256; i++)
        sum += fabs((double)i - mean) * h[i];
    return ret_float(sum / n);
}

static mo_val string_deviation(mo_call *c)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    double mean = mo_arg_float(c, 1);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += fabs((double)p[i] - mean);
    return ret_float(sum / n);
}

/* ent(1)'s serial correlation as yara 4.2.3 has it: the wrap-around term
 * pairs the last byte with itself (later yara pairs it with the first). */
static double serial_correlation_of(const uint8_t *p, size_t n)
{
    double un = 0, last = 0, t1 = 0, t2 = 0, t3 = 0;
    for (size_t i = 0; i < n; i++) {
        un = (double)p[i];
        t1 += last * un;
        t2 += un;
        t3 += un * un;
        last = un;
    }
    t1 += last * un;
    t2 *= t2;
    double scc = n * t3 - t2;
    return scc == 0 ? -100000 : (n * t1 - t2) / scc;
}

static mo_val data_serial_correlation(mo_call *c)
{
    const uint8_t *p;
    size_t n;
    return range_args(c, &p, &n) ? ret_float(serial_correlation_of(p, n)) : mo_undef();
}

static mo_val string_serial_correlation(mo_call *c)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    return ret_float(serial_correlation_of(p, n));
}

/* ent(1)'s Monte Carlo estimate of pi from 6-byte points; undefined with
 * no complete point. */
static mo_val monte_carlo_pi_of(const uint8_t *p, size_t n)
{
    const double incirc = pow(pow(256.0, 3.0) - 1, 2.0);
    unsigned monte[6];
    int64_t count = 0, inside = 0;
    for (size_t i = 0; i < n; i++) {
        monte[i % 6] = p[i];
        if (i % 6 != 5)
            continue;
        double mx = 0, my = 0;
        count++;
        for (int j = 0; j < 3; j++) {
            mx = (mx * 256.0) + monte[j];
            my = (my * 256.0) + monte[j + 3];
        }
        if ((mx * mx + my * my) <= incirc)
            inside++;
    }
    if (count == 0)
        return mo_undef();
    double mpi = 4.0 * ((double)inside / count);
    return ret_float(fabs((mpi - PI) / PI));
}

static mo_val data_monte_carlo_pi(mo_call *c)
{
    const uint8_t *p;
    size_t n;
    return range_args(c, &p, &n) ? monte_carlo_pi_of(p, n) : mo_undef();
}

static mo_val string_monte_carlo_pi(mo_call *c)
{
    size_t n;
    const uint8_t *p = mo_arg_string(c, 0, &n);
    return monte_carlo_pi_of(p, n);
}

static mo_val in_range(mo_call *c)
{
    double test = mo_arg_float(c, 0), lower = mo_arg_float(c, 1), upper = mo_arg_float(c, 2);
    return mo_int(lower <= test && test <= upper);
}

/* yara compares min/max arguments as unsigned 64-bit numbers */
static mo_val min_fn(mo_call *c)
{
    uint64_t i = (uint64_t)mo_arg_int(c, 0), j = (uint64_t)mo_arg_int(c, 1);
    return mo_int((int64_t)(i < j ? i : j));
}

static mo_val max_fn(mo_call *c)
{
    uint64_t i = (uint64_t)mo_arg_int(c, 0), j = (uint64_t)mo_arg_int(c, 1);
    return mo_int((int64_t)(i > j ? i : j));
}

static mo_val to_number(mo_call *c)
{
    return mo_int(mo_arg_int(c, 0) ? 1 : 0);
}

/* llabs(INT64_MIN) is INT64_MIN in yara's build; avoid C's overflow */
static mo_val abs_fn(mo_call *c)
{
    int64_t v = mo_arg_int(c, 0);
    return mo_int(v < 0 ? (int64_t)(0 - (uint64_t)v) : v);
}

/* The histogram behind count/percentage/mode: of a range, or (global) of
 * the whole object, which yara leaves undefined for an empty one. */
static bool distribution(const mo_call *c, bool global, unsigned first, uint64_t h[256])
{
    const uint8_t *p = c->data;
    size_t n = c->len;
    if (global ? n == 0 : !range(c, mo_arg_int(c, first), mo_arg_int(c, first + 1), &p, &n))
        return false;
    histogram(p, n, h);
    return true;
}

/* yara 4.2.3 takes the byte argument modulo 256 (count(256) is count(0),
 * count(-1) is count(255)); later versions make other values undefined. */
static uint64_t bucket(const uint64_t h[256], int64_t byte)
{
    return h[(uint8_t)byte];
}

static mo_val count_of(mo_call *c, bool global)
{
    uint64_t h[256];
    if (!distribution(c, global, 1, h))
        return mo_undef();
    return mo_int((int64_t)bucket(h, mo_arg_int(c, 0)));
}

static mo_val count_range(mo_call *c)
{
    return count_of(c, false);
}

static mo_val count_global(mo_call *c)
{
    return count_of(c, true);
}

/* in single precision, as yara divides (float) count / (float) total */
static mo_val percentage_of(mo_call *c, bool global)
{
    uint64_t h[256];
    if (!distribution(c, global, 1, h))
        return mo_undef();
    uint64_t total = 0;
    for (int i = 0; i < 256; i++)
        total += h[i];
    float r = (float)bucket(h, mo_arg_int(c, 0)) / (float)total;
    return ret_float(r);
}

static mo_val percentage_range(mo_call *c)
{
    return percentage_of(c, false);
}

static mo_val percentage_global(mo_call *c)
{
    return percentage_of(c, true);
}

/* the most common byte; the lowest wins a tie */
static mo_val mode_of(mo_call *c, bool global)
{
    uint64_t h[256];
    if (!distribution(c, global, 0, h))
        return mo_undef();
    int most = 0;
    for (int i = 0; i < 256; i++)
        if (h[i] > h[most])
            most = i;
    return mo_int(most);
}

static mo_val mode_range(mo_call *c)
{
    return mode_of(c, false);
}

static mo_val mode_global(mo_call *c)
{
    return mode_of(c, true);
}

/* yara 4.2.3's declarations; to_number takes a boolean ('b'). */
static const mo_decl members[] = {
    MO_CONST_FLOAT("MEAN_BYTES", 127.5),
    MO_FUNCTION("in_range", "fff", 'i', in_range),
    MO_FUNCTION("deviation", "iif", 'f', data_deviation),
    MO_FUNCTION("deviation", "sf", 'f', string_deviation),
    MO_FUNCTION("mean", "ii", 'f', data_mean),
    MO_FUNCTION("mean", "s", 'f', string_mean),
    MO_FUNCTION("serial_correlation", "ii", 'f', data_serial_correlation),
    MO_FUNCTION("serial_correlation", "s", 'f', string_serial_correlation),
    MO_FUNCTION("monte_carlo_pi", "ii", 'f', data_monte_carlo_pi),
    MO_FUNCTION("monte_carlo_pi", "s", 'f', string_monte_carlo_pi),
    MO_FUNCTION("entropy", "ii", 'f', data_entropy),
    MO_FUNCTION("entropy", "s", 'f', string_entropy),
    MO_FUNCTION("min", "ii", 'i', min_fn),
    MO_FUNCTION("max", "ii", 'i', max_fn),
    MO_FUNCTION("to_number", "b", 'i', to_number),
    MO_FUNCTION("abs", "i", 'i', abs_fn),
    MO_FUNCTION("count", "iii", 'i', count_range),
    MO_FUNCTION("count", "i", 'i', count_global),
    MO_FUNCTION("percentage", "iii", 'f', percentage_range),
    MO_FUNCTION("percentage", "i", 'f', percentage_global),
    MO_FUNCTION("mode", "ii", 'i', mode_range),
    MO_FUNCTION("mode", "", 'i', mode_global),
    MO_END,
};

const mo_module mo_module_math = {
    .name = "math",
    .members = members,
};
