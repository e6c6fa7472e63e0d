/*
 * mapscan.c - see mapscan.h. One process-wide SIGBUS handler (installed
 * once) jumps back into the thread that was scanning the faulting mapping;
 * any other SIGBUS keeps its default action. Each thread has its own guard,
 * so workers never see each other's jumps.
 */
#include "mapscan.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct guard {
    sigjmp_buf jump;
    const uint8_t *lo, *hi; /* the mapping being scanned */
    volatile sig_atomic_t active;
} guard;

static _Thread_local guard tls_guard;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    guard *g = &tls_guard;
    const uint8_t *addr = info ? (const uint8_t *)info->si_addr : NULL;
    if (g->active && addr >= g->lo && addr < g->hi) {
        g->active = 0;
        siglongjmp(g->jump, 1);
    }
    /* not ours: let the default action happen when the access is retried */
    signal(sig, SIG_DFL);
}

static void install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

static vigil_status read_scan(vigil_scanner *s, const char *path, vigil_scan_fn fn, void *user,
                              char *why, size_t whylen)
{
    vigil_status st = vigil_scanner_scan_file(s, path, fn, user);
    if (st != VIGIL_OK && st != VIGIL_E_ABORTED)
        snprintf(why, whylen, "%s", vigil_scanner_last_error(s));
    return st;
}

vigil_status mapscan_file(vigil_scanner *s, const char *path, vigil_scan_fn fn, void *user,
                          char *why, size_t whylen)
{
    why[0] = '\0';
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return read_scan(s, path, fn, user, why, whylen); /* same message as the reader's */
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < MAPSCAN_MIN_BYTES ||
        (uint64_t)sb.st_size > SIZE_MAX) {
        close(fd);
        return read_scan(s, path, fn, user, why, whylen);
    }
    size_t len = (size_t)sb.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return read_scan(s, path, fn, user, why, whylen);
    pthread_once(&handler_once, install_handler);

    guard *g = &tls_guard;
    g->lo = map;
    g->hi = (const uint8_t *)map + len + (size_t)sysconf(_SC_PAGESIZE);
    vigil_status st;
    if (sigsetjmp(g->jump, 1) == 0) {
        g->active = 1;
        st = vigil_scanner_scan_mapped(s, map, len, fn, user);
        g->active = 0;
        if (st != VIGIL_OK && st != VIGIL_E_ABORTED)
            snprintf(why, whylen, "%s", vigil_scanner_last_error(s));
    } else {
        /* the file shrank under the mapping: the scan never returned */
        vigil_scanner_reset(s);
        snprintf(why, whylen, "file shrank while being scanned");
        st = VIGIL_E_IO;
    }
    munmap(map, len);
    return st;
}
