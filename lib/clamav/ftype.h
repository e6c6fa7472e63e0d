/*
 * ftype.h - an object's file type as libclamav 1.4.6 decides it
 * (cli_determine_fmap_type), and what the type means for a scan: which
 * target type's signatures apply to its bytes, whether they are matched at
 * all, which extra passes clamscan makes.
 *
 * Typing, in libclamav's order:
 * 1. the magic rows of the database's file-type table (libclamav's built-in
 *    one, ftype_table.c, or a loaded .ftm's), tried against the first
 *    CV_FTYPE_HEAD bytes, the last row first;
 * 2. when none matches, text detection (text.h): ASCII, UTF-8, UTF-16 or
 *    binary data;
 * 3. for those five, the table's body rows (lowered as private rules of
 *    namespace clamav, lower.h cv_lower_ftypes) found within the first
 *    CV_FTYPE_HEAD bytes may raise the type (cv_ftype_raise): HTML, mail,
 *    an executable, an archive marker ...;
 * 4. while the object's bytes are matched, body rows found anywhere turn a
 *    text object into HTML or mail for the passes after the raw one.
 *
 * Type codes are vigil's (indexes of cv_filetype_names, sig.h); a
 * cv_ftypes holds the magic rows and the codes this file needs, made once
 * per database from the rows it carries.
 */
#ifndef VIGIL_CLAMAV_FTYPE_H
#define VIGIL_CLAMAV_FTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libclamav types an object from its first 1 KiB (CL_FILE_MBUFF_SIZE). */
#define CV_FTYPE_HEAD 1024u
#define CV_FTYPE_NONE 0xffffu
/* Longest magic row vigil keeps (libclamav's built-in table: 45 bytes). */
#define CV_FTYPE_MAGIC_MAX 255u

/* libclamav 1.4.6's built-in table as .ftm lines, in its order
 * (ftype_table.c). clamscan uses it unless a loaded .ftm database has
 * magic rows of its own, which then replace it, body rows included. */
extern const char *const cv_ftype_builtin_rows[];
extern const size_t cv_ftype_builtin_count;

/* One row of a file-type table: magic type 0 (bytes at an offset) or 1 (a
 * body pattern, matched as a private rule; where its match may start:
 * `*` anywhere, `n` or `n,m` from n to n+m, `EOF-n` at len-n). */
typedef struct cv_ftype_row {
    uint32_t magictype; /* 0 or 1 */
    uint16_t type;      /* the type it finds */
    uint32_t offset;    /* magic type 0 */
    uint32_t len;
    uint8_t magic[CV_FTYPE_MAGIC_MAX];
    bool anywhere, from_eof; /* magic type 1 */
    uint32_t value, shift;
} cv_ftype_row;

/* Parses one .ftm line (as lowered: meta "ftm" of an IR_RULE_FTYPE rule);
 * false for anything but a well-formed magic type 0 or 1 row. */
bool cv_ftype_row_parse(const char *line, size_t len, cv_ftype_row *out);

/* Whether a match starting at `start` of an object of len bytes is where
 * a body row looks. */
bool cv_ftype_body_at(const cv_ftype_row *b, uint64_t start, uint64_t len);

typedef struct cv_ftypes {
    cv_ftype_row *magic; /* the table's magic rows, in load order */
    size_t nmagic, cap;
    uint16_t text_ascii, text_utf8, text_utf16le, text_utf16be, binary;
    uint16_t ignored, any, html, html_utf16, mail, mhtml, msexe, elf, macho, macho_unibin, msole2;
    uint16_t pdf, swf, java, graphics, gif, png, jpeg, tiff, internal, python_compiled;
} cv_ftypes;

/* Resolves the codes (false if sig.h lacks a name); no magic rows yet. */
bool cv_ftypes_init(cv_ftypes *t);
/* Appends a magic type 0 row; false when out of memory. */
bool cv_ftypes_add_magic(cv_ftypes *t, const cv_ftype_row *r);
void cv_ftypes_free(cv_ftypes *t);

/* Steps 1 and 2: the type from the object's first bytes. */
uint16_t cv_ftype_initial(const cv_ftypes *t, const uint8_t *data, size_t len);

/* Whether the type is one of the four text types, or text or binary data
 * (the types step 3 may raise). */
bool cv_ftype_is_text(const cv_ftypes *t, uint16_t type);
bool cv_ftype_is_raisable(const cv_ftypes *t, uint16_t type);

/* Step 3's rule for one more body row of type `found` (in the order
 * libclamav's matcher reports them): libclamav keeps the higher type, but
 * an executable or any SFX-or-later type always replaces the current one. */
uint16_t cv_ftype_raise(const cv_ftypes *t, uint16_t cur, uint16_t found);
/* (cur may be CV_FTYPE_NONE: nothing found yet.) */

/* The target type whose signatures apply to the object's raw bytes (next
 * to target 0): 1 PE, 2 OLE2, 3 HTML, 4 mail, 5 graphics, 6 ELF, 9 Mach-O,
 * 10 PDF, 11 Flash, 12 Java; 0 for every other type, text included (text
 * signatures, target 7, only see normalised text). */
uint32_t cv_ftype_target(const cv_ftypes *t, uint16_t type);

/* Whether clamscan evaluates the object a second time as "OTHER" (binary
 * data, compiled Python). */
bool cv_ftype_other_pass(const cv_ftypes *t, uint16_t type);

/* The target of clamscan's second pass over binary data ("OTHER"). */
#define CV_TARGET_OTHER 14u
/* The target of normalised text. */
#define CV_TARGET_TEXT 7u
#define CV_TARGET_HTML 3u
#define CV_TARGET_MAIL 4u

#endif
