/*
 * progress.c - draws the status line with "\r" and the erase-to-end-of-line
 * sequence, in one write so the terminal never shows half a line. The line
 * is cut to the terminal width: a wrapped line could not be erased by "\r".
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"

#define ERASE "\r\033[K"

/* Ctrl-C (or a kill) while the line is up: erase it, then die of the
 * signal as usual (exit status 128 + n), so the shell prompt starts clean. */
static void on_interrupt(int sig)
{
    (void)!write(STDERR_FILENO, ERASE, sizeof(ERASE) - 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

void progress_init(progress *p, bool on)
{
    memset(p, 0, sizeof(*p));
    p->on = on;
    if (on) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_interrupt;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start; /* a scan shorter than one interval shows no line */
}

double progress_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void human_bytes(char *buf, size_t size, double b)
{
    static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    size_t u = 0;
    while (b >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        b /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%.0f %s", b, units[u]);
    else
        snprintf(buf, size, "%.1f %s", b, units[u]);
}

void progress_rate(char *buf, size_t size, double bytes, double secs)
{
    char h[32];
    human_bytes(h, sizeof(h), secs > 0 ? bytes / secs : 0);
    snprintf(buf, size, "%s/s", h);
}

static size_t term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
        return ws.ws_col;
    return 80;
}

bool progress_due(const progress *p)
{
    return p->on && progress_since(&p->last) * 1000.0 >= PROGRESS_INTERVAL_MS;
}

void progress_tick(progress *p, const ob_counts *n)
{
    if (!progress_due(p))
        return;
    char size[32], rate[40], line[256];
    double secs = progress_since(&p->start);
    human_bytes(size, sizeof(size), (double)n->bytes);
    progress_rate(rate, sizeof(rate), (double)n->bytes, secs);
    int len =
        snprintf(line, sizeof(line),
                 "vigil: %" PRIu64 " files, %s, %s, %" PRIu64 " detections, %" PRIu64 " errors",
                 n->files, size, rate, n->detections, n->errors);
    if (len < 0)
        return;
    size_t max = term_width() - 1;
    if ((size_t)len > max)
        len = (int)max;
    if ((size_t)len >= sizeof(line))
        len = (int)sizeof(line) - 1;
    fprintf(stderr, ERASE "%.*s", len, line);
    fflush(stderr);
    p->shown = true;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
}

void progress_erase(progress *p)
{
    if (!p->shown)
        return;
    fputs(ERASE, stderr);
    fflush(stderr);
    p->shown = false;
}
