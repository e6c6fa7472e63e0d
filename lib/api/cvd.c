/*
 * cvd.c - signed ClamAV containers on their own (vigil_cvd_info_read,
 * vigil_cvd_unpack; sigtool -i / -u). The checks are libclamav's
 * cl_cvdverify: header, the body's MD5 and RSA signature (not for .cld and
 * .cud), the .info (signed, but in a .cud) agreeing with the header, and
 * every database member's size and SHA-256 as .info lists them (the
 * members' checks are lib/clamav/cvd_check.c, shared with the loader). Unpacking checks the
 * whole archive first, then creates only new regular files directly in the
 * folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../clamav/cvd.h"
#include "../util/file.h"
#include "internal.h"

/* daily.cvd is ~60 MB and main.cvd ~170 MB; their tar bodies a few times that */
#define CVD_MAX_FILE ((size_t)1 << 30)
#define CVD_MAX_TAR ((size_t)2 << 30)

typedef struct container {
    uint8_t *file;
    size_t len;
    uint8_t *tar;
    size_t tar_len;
    cv_cvd_kind kind;
    cv_cvd_header header;
    cv_rsa_key custom;     /* --cvd-public-key's, when given */
    const cv_rsa_key *key; /* &custom, or NULL: ClamAV's */
} container;

static void container_free(container *c)
{
    free(c->file);
    free(c->tar);
}

static void fill_info(const cv_cvd_header *h, vigil_cvd_info *info)
{
    memset(info, 0, sizeof(*info));
    memcpy(info->build_time, h->build_time, sizeof(info->build_time));
    info->version = h->version;
    info->signatures = h->sigs;
    info->flevel = h->flevel;
    memcpy(info->md5, h->md5, sizeof(info->md5));
    _Static_assert(sizeof(info->dsig) == sizeof(h->dsig), "dsig sizes differ");
    memcpy(info->dsig, h->dsig, sizeof(info->dsig));
    memcpy(info->builder, h->builder, sizeof(info->builder));
    info->stime = h->stime;
}

/* The members' verdict (cvd_check.c) in this API's words. */
static vigil_status check_members(const container *c, cv_member_fn fn, void *user, char *err,
                                  size_t errlen)
{
    cv_cvd_fault f;
    vigil_status st =
        cv_cvd_check_members(c->tar, c->tar_len, c->kind, &c->header, c->key, fn, user, &f);
    if (st == VIGIL_E_CORRUPT || st == VIGIL_E_LIMIT) {
        if (f.member[0])
            api_set_error(err, errlen, "%s: %s", f.member, f.reason);
        else
            api_set_error(err, errlen, "%s", f.reason);
    } else if (st == VIGIL_E_NOMEM) {
        api_set_error(err, errlen, "out of memory");
    }
    return st;
}

/* Reads a container and checks its header and signature; info (optional)
 * is filled as soon as the header parses, so a caller can show what a
 * refused container claims. The members are checked by the caller, with
 * what it does with them (check_members). */
static vigil_status container_open(const char *path, const char *key_n, const char *key_e,
                                   container *c, vigil_cvd_info *info, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    if (!path || (!key_n) != (!key_e)) {
        api_set_error(err, errlen, "a path and both or neither key parts are needed");
        return VIGIL_E_ARG;
    }
    /* a custom key signs both the header and .info, as one's own mirror would */
    c->custom = (cv_rsa_key){key_n, key_e};
    c->key = key_n ? &c->custom : NULL;
    c->kind = cv_cvd_kind_of(path);
    char why[256];
    vigil_status st = util_read_file(path, CVD_MAX_FILE, &c->file, &c->len, why, sizeof(why));
    if (st != VIGIL_OK) {
        api_set_error(err, errlen, "%s: %s", path, why);
        return st;
    }
    cv_error e;
    if (!cv_cvd_header_parse(c->file, c->len, &c->header, &e)) {
        api_set_error(err, errlen, "header: %s", e.msg);
        return VIGIL_E_CORRUPT;
    }
    if (info)
        fill_info(&c->header, info);
    if (c->kind == CV_KIND_CVD && !cv_cvd_verify(c->file, c->len, false, c->key, &c->header, &e)) {
        api_set_error(err, errlen, "%s", e.msg);
        return VIGIL_E_CORRUPT;
    }
    if (!cv_cvd_body(c->file, c->len, CVD_MAX_TAR, &c->tar, &c->tar_len, &e)) {
        api_set_error(err, errlen, "body: %s", e.msg);
        return VIGIL_E_CORRUPT;
    }
    return VIGIL_OK;
}

vigil_status vigil_cvd_info_read(const char *path, const char *key_n, const char *key_e,
                                 vigil_cvd_info *info, char *err, size_t errlen)
{
    container c;
    if (!info) {
        api_set_error(err, errlen, "no info structure given");
        return VIGIL_E_ARG;
    }
    memset(info, 0, sizeof(*info));
    vigil_status st = container_open(path, key_n, key_e, &c, info, err, errlen);
    if (st == VIGIL_OK)
        st = check_members(&c, NULL, NULL, err, errlen);
    if (st == VIGIL_OK)
        info->verified = c.kind == CV_KIND_CVD;
    container_free(&c);
    return st;
}

/* Writes all of p, retrying short writes. */
static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

typedef struct unpack_ctx {
    int dfd;
    const char *dir;
    size_t created; /* members written (or partly written) so far */
    char *err;
    size_t errlen;
} unpack_ctx;

/* One member into the folder. Names are single components (cv_tar_next
 * refused '/', cvd_check.c "." ".." and names seen twice), created relative
 * to the folder's descriptor: O_EXCL|O_NOFOLLOW means no existing file or
 * planted symlink is written through. */
static vigil_status write_member(void *user, const cv_tar_member *m, cv_member_role role)
{
    unpack_ctx *u = user;
    (void)role; /* sigtool unpacks every member, COPYING and .info too */
    int fd = openat(u->dfd, m->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        api_set_error(u->err, u->errlen, "%s: cannot create %s: %s", u->dir, m->name,
                      strerror(errno));
        return VIGIL_E_IO;
    }
    u->created++; /* from here on, the file is ours to remove */
    bool ok = write_all(fd, m->data, m->size);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        api_set_error(u->err, u->errlen, "%s: cannot write %s: %s", u->dir, m->name,
                      strerror(saved));
        return VIGIL_E_IO;
    }
    return VIGIL_OK;
}

/* Removes the first n members' files, the ones this call created, so a
 * failed unpack leaves the folder as it found it. The archive is walked
 * again: it checked out, so its first n members are the ones written. */
static void remove_created(int dfd, const container *c, size_t n)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        cv_tar_member m;
        cv_error e;
        if (cv_tar_next(c->tar, c->tar_len, &off, &m, &e) != CV_OK)
            break;
        unlinkat(dfd, m.name, 0);
    }
}

vigil_status vigil_cvd_unpack(const char *path, const char *dir, const char *key_n,
                              const char *key_e, char *err, size_t errlen)
{
    container c;
    vigil_status st = container_open(path, key_n, key_e, &c, NULL, err, errlen);
    if (st != VIGIL_OK) {
        container_free(&c);
        return st;
    }
    unpack_ctx u = {.dfd = -1, .dir = dir, .err = err, .errlen = errlen};
    if (dir)
        u.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (u.dfd < 0) {
        /* a refused container is the news, whatever the folder */
        int saved = errno;
        st = check_members(&c, NULL, NULL, err, errlen);
        if (st == VIGIL_OK && !dir) {
            api_set_error(err, errlen, "no folder given");
            st = VIGIL_E_ARG;
        } else if (st == VIGIL_OK) {
            api_set_error(err, errlen, "%s: %s", dir, strerror(saved));
            st = VIGIL_E_IO;
        }
        container_free(&c);
        return st;
    }
    /* write_member runs only once every check passed */
    st = check_members(&c, write_member, &u, err, errlen);
    if (st != VIGIL_OK)
        remove_created(u.dfd, &c, u.created);
    close(u.dfd);
    container_free(&c);
    return st;
}
