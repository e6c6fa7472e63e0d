/*
 * match_internal.h - the matcher's tables, shared by its build, scan and
 * (de)serialize files. Every Vectorscan pattern id is an index into forms[]:
 * a literal byte string plus what to do when it is found. The tables are a
 * pure function of the ir_program; a stored copy carries a digest of the
 * strings it was made for, so loading needs neither rebuild nor compile.
 */
#ifndef VIGIL_MATCH_INTERNAL_H
#define VIGIL_MATCH_INTERNAL_H

#include <hs/hs.h>
#include <stdatomic.h>

#include "../re/re.h"
#include "matcher.h"

/* What a Vectorscan hit on a form means. */
enum {
    MT_FORM_TEXT = 0, /* a text string form: run yara's literal verification at its start */
    MT_FORM_B64 = 1,  /* one base64 encoding: the literal is the whole match */
    MT_FORM_ATOM = 2, /* an atom of a regex/hex program: run re_verify_atom */
};

typedef struct mt_form {
    uint32_t string; /* index into p->strings */
    uint32_t off;    /* literal bytes: lit[off .. off+len) */
    uint32_t len;
    uint8_t kind; /* MT_FORM_* */
    uint8_t caseless;
    uint8_t prog; /* ATOM: program of the string (0 ascii, 1 wide) */
    uint8_t masked; /* ATOM: lit[off+len .. off+2*len) holds per-byte masks
                     * (re_atom.mask); Vectorscan then gets a regex */
    uint32_t atom; /* ATOM: atom index within that program */
} mt_form;

/* A regex/hex program without atoms: verified at every offset. */
typedef struct mt_sweep {
    uint32_t string;
    uint32_t prog;
} mt_sweep;

typedef VEC(uint8_t) mt_bytes;

enum {
    MT_INFO_ASCII = 1u << 0,   /* REGEX/HEX: has an ascii program */
    MT_INFO_WIDE = 1u << 1,    /* ... a wide program */
    MT_INFO_CHAINED = 1u << 2, /* ... which is chained (re_piece_count > 1) */
};

typedef struct mt_str {
    uint32_t kind;       /* IR_PAT_* */
    uint32_t flags;      /* IR_SF_* */
    const uint8_t *text; /* TEXT: the plain bytes (in the program's pool) */
    uint32_t text_len;
    bool fits;    /* TEXT: yara's STRING_FITS_IN_ATOM (every form <= 4 bytes):
                   * a hit records its own form, unverified */
    uint8_t info; /* MT_INFO_* */
    uint32_t form_first, form_count; /* its forms: forms[first .. first+count) */
    /* REGEX/HEX: ascii and wide programs, compiled on first use (mt_prog);
     * the matcher is shared by scanning threads, hence atomic */
    _Atomic(re_prog *) prog[2];
} mt_str;

struct matcher {
    const ir_program *p;
    uint32_t nstrings;
    mt_str *strs;
    VEC(mt_form) forms;
    mt_bytes lit;
    VEC(mt_sweep) sweeps;
    uint32_t max_lit;  /* longest literal: the overlap between scan chunks */
    hs_database_t *db; /* NULL when there is no literal at all */
};

/* Caps on what one program may ask of the matcher (hostile rules). */
#define MT_MAX_LIT_BYTES ((size_t)1 << 30)
#define MT_MAX_FORMS ((size_t)1 << 24)

/* Fills m's per-string table from p without compiling anything. */
vigil_status mt_strings_init(const ir_program *p, matcher *m, char *err, size_t errlen);
/* Fills m's tables (everything but db) from p, compiling every program.
 * warn may be NULL. */
vigil_status mt_tables_build(const ir_program *p, mt_warn_fn warn, void *user, matcher *m,
                             char *err, size_t errlen);
/* Program pi (0 ascii, 1 wide) of regex/hex string si, compiled on first
 * use; NULL when the string has no such program, or with *st set when
 * compiling failed. Safe to call from several threads at once. */
const re_prog *mt_prog(const matcher *m, uint32_t si, uint8_t pi, vigil_status *st);
/* Frees the tables and the database; m itself is left to the caller. */
void mt_tables_free(matcher *m);

/* The serialized tables (without the database), appended to out. */
bool mt_tables_encode(const matcher *m, mt_bytes *out);
/* Reads tables written by mt_tables_encode into m (after mt_strings_init),
 * checking every index they hold and that they were made for these rules. */
vigil_status mt_tables_decode(matcher *m, const uint8_t *b, size_t len, char *err, size_t errlen);

/* matcher_scan with an explicit chunk size (tests use a small one to
 * exercise the >4 GiB path). chunk must exceed m->max_lit. */
vigil_status mt_scan_chunked(const matcher *m, mt_scratch *s, const uint8_t *data, size_t len,
                             unsigned flags, size_t chunk);

/* The string's identifier for messages ("$" when absent or out of bounds). */
const char *mt_string_name(const ir_program *p, uint32_t i);

/* Error text helper: snprintf into err when err is not NULL. */
void mt_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
