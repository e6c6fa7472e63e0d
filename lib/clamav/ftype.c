/*
 * ftype.c - libclamav's typing of an object (see ftype.h): the magic rows
 * of the built-in table, text detection, and the rules by which body rows
 * raise a type and a type selects target-specific signatures.
 */
#include "ftype.h"

#include <stdlib.h>
#include <string.h>

#include "clamav/sig.h"
#include "text.h"

static bool code(const char *name, uint16_t *out)
{
    return cv_filetype_lookup(name, strlen(name), out);
}

bool cv_ftypes_init(cv_ftypes *t)
{
    memset(t, 0, sizeof(*t));
    return code("CL_TYPE_TEXT_ASCII", &t->text_ascii) && code("CL_TYPE_TEXT_UTF8", &t->text_utf8) &&
           code("CL_TYPE_TEXT_UTF16LE", &t->text_utf16le) &&
           code("CL_TYPE_TEXT_UTF16BE", &t->text_utf16be) &&
           code("CL_TYPE_BINARY_DATA", &t->binary) && code("CL_TYPE_IGNORED", &t->ignored) &&
           code("CL_TYPE_ANY", &t->any) && code("CL_TYPE_HTML", &t->html) &&
           code("CL_TYPE_HTML_UTF16", &t->html_utf16) && code("CL_TYPE_MAIL", &t->mail) &&
           code("CL_TYPE_MHTML", &t->mhtml) &&
           code("CL_TYPE_MSEXE", &t->msexe) && code("CL_TYPE_ELF", &t->elf) &&
           code("CL_TYPE_MACHO", &t->macho) && code("CL_TYPE_MACHO_UNIBIN", &t->macho_unibin) &&
           code("CL_TYPE_MSOLE2", &t->msole2) && code("CL_TYPE_PDF", &t->pdf) &&
           code("CL_TYPE_SWF", &t->swf) && code("CL_TYPE_JAVA", &t->java) &&
           code("CL_TYPE_GRAPHICS", &t->graphics) && code("CL_TYPE_GIF", &t->gif) &&
           code("CL_TYPE_PNG", &t->png) && code("CL_TYPE_JPEG", &t->jpeg) &&
           code("CL_TYPE_TIFF", &t->tiff) && code("CL_TYPE_INTERNAL", &t->internal) &&
           code("CL_TYPE_PYTHON_COMPILED", &t->python_compiled);
}

bool cv_ftypes_add_magic(cv_ftypes *t, const cv_ftype_row *r)
{
    if (t->nmagic == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        cv_ftype_row *n = realloc(t->magic, cap * sizeof(*n));
        if (!n)
            return false;
        t->magic = n;
        t->cap = cap;
    }
    t->magic[t->nmagic++] = *r;
    return true;
}

void cv_ftypes_free(cv_ftypes *t)
{
    free(t->magic);
    t->magic = NULL;
    t->nmagic = t->cap = 0;
}

uint16_t cv_ftype_initial(const cv_ftypes *t, const uint8_t *data, size_t len)
{
    size_t head = len < CV_FTYPE_HEAD ? len : CV_FTYPE_HEAD;
    /* libclamav prepends each row to its list while loading: the last row
     * is tried first */
    for (size_t i = t->nmagic; i-- > 0;) {
        const cv_ftype_row *r = &t->magic[i];
        if (r->offset <= head && r->len <= head - r->offset &&
            memcmp(data + r->offset, r->magic, r->len) == 0)
            return r->type;
    }
    switch (cv_text_type(data, head)) {
    case CV_TEXT_ASCII:
        return t->text_ascii;
    case CV_TEXT_UTF8:
        return t->text_utf8;
    case CV_TEXT_UTF16LE:
        return t->text_utf16le;
    case CV_TEXT_UTF16BE:
        return t->text_utf16be;
    default:
        return t->binary;
    }
}

bool cv_ftype_is_text(const cv_ftypes *t, uint16_t type)
{
    return type == t->text_ascii || type == t->text_utf8 || type == t->text_utf16le ||
           type == t->text_utf16be;
}

bool cv_ftype_is_raisable(const cv_ftypes *t, uint16_t type)
{
    return cv_ftype_is_text(t, type) || type == t->binary;
}

/* libclamav's cli_file_t order from CL_TYPE_SFX on (1.4): every type there
 * replaces the current one when a body row finds it. The types before SFX
 * in their enum order (filetypes.h), which a row's type must exceed. */
static const char *const low_order[] = {
    "CL_TYPE_TEXT_ASCII", "CL_TYPE_TEXT_UTF8", "CL_TYPE_TEXT_UTF16LE", "CL_TYPE_TEXT_UTF16BE",
    "CL_TYPE_BINARY_DATA", "CL_TYPE_ERROR", "CL_TYPE_MSEXE", "CL_TYPE_ELF", "CL_TYPE_MACHO",
    "CL_TYPE_MACHO_UNIBIN", "CL_TYPE_POSIX_TAR", "CL_TYPE_OLD_TAR", "CL_TYPE_CPIO_OLD",
    "CL_TYPE_CPIO_ODC", "CL_TYPE_CPIO_NEWC", "CL_TYPE_CPIO_CRC", "CL_TYPE_GZ", "CL_TYPE_ZIP",
    "CL_TYPE_BZ", "CL_TYPE_RAR", "CL_TYPE_ARJ", "CL_TYPE_MSSZDD", "CL_TYPE_MSOLE2",
    "CL_TYPE_MSCAB", "CL_TYPE_MSCHM", "CL_TYPE_SIS", "CL_TYPE_SCRENC", "CL_TYPE_GRAPHICS",
    "CL_TYPE_GIF", "CL_TYPE_PNG", "CL_TYPE_JPEG", "CL_TYPE_TIFF", "CL_TYPE_RIFF",
    "CL_TYPE_BINHEX", "CL_TYPE_TNEF", "CL_TYPE_CRYPTFF", "CL_TYPE_PDF", "CL_TYPE_UUENCODED",
    "CL_TYPE_SCRIPT", "CL_TYPE_HTML_UTF16", "CL_TYPE_RTF", "CL_TYPE_7Z", "CL_TYPE_SWF",
    "CL_TYPE_JAVA", "CL_TYPE_XAR", "CL_TYPE_XZ", "CL_TYPE_OOXML_WORD", "CL_TYPE_OOXML_PPT",
    "CL_TYPE_OOXML_XL", "CL_TYPE_INTERNAL", "CL_TYPE_HWP3", "CL_TYPE_OOXML_HWP", "CL_TYPE_PS",
    "CL_TYPE_EGG", "CL_TYPE_ONENOTE", "CL_TYPE_PYTHON_COMPILED", "CL_TYPE_LHA_LZH",
    "CL_TYPE_PART_ANY", "CL_TYPE_PART_HFSPLUS", "CL_TYPE_MBR", "CL_TYPE_HTML", "CL_TYPE_MAIL",
};

/* 0 for SFX-or-later types (everything not in low_order), else 1 + index. */
static size_t low_rank(uint16_t type)
{
    const char *name = cv_filetype_names[type];
    for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++)
        if (strcmp(low_order[i], name) == 0)
            return i + 1;
    return 0;
}

uint16_t cv_ftype_raise(const cv_ftypes *t, uint16_t cur, uint16_t found)
{
    if (cur == CV_FTYPE_NONE || found == t->msexe)
        return found;
    size_t f = low_rank(found), c = low_rank(cur);
    if (f == 0)
        return found; /* SFX or later */
    if (c == 0)
        return cur;
    return f > c ? found : cur;
}

uint32_t cv_ftype_target(const cv_ftypes *t, uint16_t type)
{
    if (type == t->msexe)
        return 1;
    if (type == t->msole2)
        return 2;
    if (type == t->html)
        return CV_TARGET_HTML;
    if (type == t->mail)
        return CV_TARGET_MAIL;
    if (type == t->graphics || type == t->gif || type == t->png || type == t->jpeg ||
        type == t->tiff)
        return 5;
    if (type == t->elf)
        return 6;
    if (type == t->macho || type == t->macho_unibin)
        return 9;
    if (type == t->pdf)
        return 10;
    if (type == t->swf)
        return 11;
    if (type == t->java)
        return 12;
    if (type == t->internal)
        return 13;
    return 0;
}

bool cv_ftype_row_parse(const char *line, size_t len, cv_ftype_row *out)
{
    memset(out, 0, sizeof(*out));
    cv_arena a;
    cv_arena_init(&a);
    cv_ftm t;
    cv_error err = {{0}};
    bool ok = cv_parse_ftm(line, len, &a, &t, &err) == CV_OK &&
              (t.magictype == 0 || t.magictype == 1);
    if (ok) {
        out->magictype = t.magictype;
        out->type = t.detected_type;
        if (t.magictype == 0) {
            ok = t.magic_len > 0 && t.magic_len <= CV_FTYPE_MAGIC_MAX;
            if (ok) {
                out->offset = t.offset.value;
                out->len = t.magic_len;
                memcpy(out->magic, t.magic, t.magic_len);
            }
        } else {
            out->value = t.offset.value;
            out->shift = t.offset.shift;
            if (t.offset.kind == CV_OFF_ANY)
                out->anywhere = true;
            else if (t.offset.kind == CV_OFF_EOF_MINUS)
                out->from_eof = true;
            else
                ok = t.offset.kind == CV_OFF_ABSOLUTE;
        }
    }
    cv_arena_free(&a);
    return ok;
}

bool cv_ftype_body_at(const cv_ftype_row *b, uint64_t start, uint64_t len)
{
    if (b->anywhere)
        return true;
    uint64_t lo = b->value;
    if (b->from_eof) {
        if (len < b->value)
            return false;
        lo = len - b->value;
    }
    return start >= lo && start - lo <= b->shift;
}

bool cv_ftype_other_pass(const cv_ftypes *t, uint16_t type)
{
    return type == t->binary || type == t->python_compiled;
}
