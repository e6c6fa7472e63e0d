/*
 * test_clamav_objinfo.c - ClamAV's view of executables (lib/clamav/objinfo.h)
 * on PE, ELF and Mach-O files built here. Every expectation in the samples
 * table was confirmed with clamscan 1.4.6: the file written by `--samples
 * DIR`, with .ndb lines "N:T:EP+0:<8 bytes at the expected offset>",
 * "N:T:Sx+0:...", "N:T:SL+0:..." and "N:0:EOF-8:<last 8 bytes>" (detected
 * exactly where expected, and not one byte off), .mdb lines for the hashed
 * sections and an .imp line for the import hash; tests/diff/
 * clam_objinfo_diff.py --samples replays those checks.
 *
 * Modes: no argument runs the tests; `--dump FILE...` prints objinfo's view
 * of each file as one JSON line; `--samples DIR` writes the sample files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "clamav/objinfo.h"
#include "pe_build.h"

#define CAP 0x3000

/* ---- builders ----------------------------------------------------------- */

typedef struct buf {
    uint8_t b[CAP];
    size_t len;
    bool be;
} buf;

static void put(buf *w, size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        w->b[off + i] = (uint8_t)(v >> 8 * (w->be ? n - 1 - i : i));
}

/* Deterministic noise, so every 8-byte window is unique enough to be a
 * signature naming one offset. */
static void noise(buf *w, size_t len)
{
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        w->b[i] = (uint8_t)(x >> 16);
    }
    w->len = len;
}

typedef struct pe_sec {
    uint32_t vsize, va, rsize, raw;
} pe_sec;

typedef struct pe_opt {
    bool is64;
    uint32_t ep, salign, falign, hdrsize;
    uint16_t nsec;
    const pe_sec *secs;
} pe_opt;

static const pe_sec two_secs[] = {{0x200, 0x1000, 0x200, 0x400}, {0x1000, 0x2000, 0x1000, 0x600}};

/* A PE with its NT headers at 0x80 (as the experiments' builder). */
static void pe(buf *w, pe_opt o)
{
    noise(w, 0x1800);
    w->be = false;
    if (!o.salign)
        o.salign = 0x1000;
    if (!o.falign)
        o.falign = 0x200;
    if (!o.hdrsize)
        o.hdrsize = 0x400;
    if (!o.secs)
        o.secs = two_secs;
    uint16_t optsize = o.is64 ? 240 : 224;
    memcpy(w->b, "MZ", 2);
    put(w, 0x3c, 0x80, 4);
    memcpy(w->b + 0x80, "PE\0\0", 4);
    put(w, 0x84, o.is64 ? 0x8664 : 0x14c, 2);
    put(w, 0x86, o.nsec, 2);
    memset(w->b + 0x88, 0, 12);
    put(w, 0x94, optsize, 2);
    put(w, 0x96, 0x102, 2);
    size_t opt = 0x98;
    put(w, opt, o.is64 ? 0x20b : 0x10b, 2);
    put(w, opt + 16, o.ep, 4);
    put(w, opt + 32, o.salign, 4);
    put(w, opt + 36, o.falign, 4);
    put(w, opt + 60, o.hdrsize, 4);
    put(w, opt + 68, 2, 2);
    put(w, opt + (o.is64 ? 108 : 92), 16, 4);
    memset(w->b + opt + (o.is64 ? 112 : 96), 0, 128);
    size_t st = opt + optsize;
    for (unsigned i = 0; i < o.nsec; i++) {
        uint8_t *h = w->b + st + 40 * i;
        memset(h, 0, 40);
        snprintf((char *)h, 8, ".s%u", i);
        put(w, st + 40 * i + 8, o.secs[i].vsize, 4);
        put(w, st + 40 * i + 12, o.secs[i].va, 4);
        put(w, st + 40 * i + 16, o.secs[i].rsize, 4);
        put(w, st + 40 * i + 20, o.secs[i].raw, 4);
        put(w, st + 40 * i + 36, 0x60000020, 4);
    }
}

typedef struct elf_ph {
    uint32_t type;
    uint64_t off, va, filesz, memsz;
} elf_ph;

typedef struct elf_sh {
    uint32_t type;
    uint64_t addr, off, size;
} elf_sh;

typedef struct elf_opt {
    bool is32, be;
    uint64_t entry;
    int ident5;          /* 0: from be */
    int phentsize, shentsize, phnum, shnum; /* 0: the real value, ZERO: 0 */
    const elf_ph *ph;
    unsigned nph;
    const elf_sh *sh;
    unsigned nsh;
} elf_opt;

#define ZERO 0x10000

static uint64_t or_real(int v, uint64_t real)
{
    return v == 0 ? real : v == ZERO ? 0 : (uint64_t)v;
}

static const elf_ph load_all = {1, 0, 0x400000, 0x2000, 0x2000};
static const elf_sh null_text[] = {{0, 0, 0, 0}, {1, 0x401000, 0x1000, 0x100}};

static void elf(buf *w, elf_opt o)
{
    noise(w, 0x2000);
    w->be = o.be;
    bool is64 = !o.is32;
    size_t phsz = is64 ? 56 : 32, shsz = is64 ? 64 : 40;
    size_t phoff = is64 ? 64 : 52, shoff = 0x1800;
    memcpy(w->b, "\x7f" "ELF", 4);
    w->b[4] = is64 ? 2 : 1;
    w->b[5] = (uint8_t)(o.ident5 ? o.ident5 : o.be ? 2 : 1);
    w->b[6] = 1;
    put(w, 16, 2, 2);
    put(w, 18, is64 ? 62 : 3, 2);
    put(w, 20, 1, 4);
    unsigned word = is64 ? 8 : 4;
    put(w, 24, o.entry, word);
    put(w, 24 + word, phoff, word);
    put(w, 24 + 2 * word, shoff, word);
    size_t e = 24 + 3 * word + 4; /* e_ehsize */
    put(w, e, is64 ? 64 : 52, 2);
    put(w, e + 2, or_real(o.phentsize, phsz), 2);
    put(w, e + 4, or_real(o.phnum, o.nph), 2);
    put(w, e + 6, or_real(o.shentsize, shsz), 2);
    put(w, e + 8, or_real(o.shnum, o.nsh), 2);
    put(w, e + 10, 0, 2);
    for (unsigned i = 0; i < o.nph; i++) {
        size_t p = phoff + phsz * i;
        const elf_ph *h = &o.ph[i];
        put(w, p, h->type, 4);
        if (is64) {
            put(w, p + 4, 5, 4);
            put(w, p + 8, h->off, 8);
            put(w, p + 16, h->va, 8);
            put(w, p + 24, h->va, 8);
            put(w, p + 32, h->filesz, 8);
            put(w, p + 40, h->memsz, 8);
            put(w, p + 48, 0x1000, 8);
        } else {
            put(w, p + 4, h->off, 4);
            put(w, p + 8, h->va, 4);
            put(w, p + 12, h->va, 4);
            put(w, p + 16, h->filesz, 4);
            put(w, p + 20, h->memsz, 4);
            put(w, p + 24, 5, 4);
            put(w, p + 28, 0x1000, 4);
        }
    }
    for (unsigned i = 0; i < o.nsh; i++) {
        size_t s = shoff + shsz * i;
        const elf_sh *h = &o.sh[i];
        memset(w->b + s, 0, shsz);
        put(w, s + 4, h->type, 4);
        put(w, s + 8, 6, word);
        put(w, s + 8 + word, h->addr, word);
        put(w, s + 8 + 2 * word, h->off, word);
        put(w, s + 8 + 3 * word, h->size, word);
    }
}

typedef struct mo_sec {
    uint64_t addr, size;
    uint32_t off, align;
} mo_sec;

typedef struct macho_opt {
    bool is32, be;
    uint32_t cpu;
    int ncmds;               /* 0: the real count, ZERO: 0 */
    const mo_sec *secs;      /* one LC_SEGMENT(_64) when nsecs >= 0 */
    int nsecs;
    uint32_t thread_state;   /* bytes of an LC_UNIXTHREAD state, 0 for none */
    uint64_t pc;
} macho_opt;

static const mo_sec text_data[] = {{0x1000, 0x100, 0x1000, 4}, {0x1800, 0x10, 0x1800, 0}};

static void macho(buf *w, macho_opt o)
{
    noise(w, 0x2000);
    w->be = o.be;
    bool is64 = !o.is32;
    put(w, 0, is64 ? 0xfeedfacf : 0xfeedface, 4);
    put(w, 4, o.cpu ? o.cpu : 0x1000007, 4);
    put(w, 8, 3, 4);
    put(w, 12, 2, 4);
    size_t at = is64 ? 32 : 28;
    if (is64)
        put(w, 28, 0, 4);
    unsigned ncmds = 0;
    if (o.nsecs >= 0) {
        size_t secsz = is64 ? 80 : 68, segsz = is64 ? 72 : 56;
        put(w, at, is64 ? 0x19 : 0x1, 4);
        put(w, at + 4, segsz + secsz * (size_t)o.nsecs, 4);
        memset(w->b + at + 8, 0, segsz - 8);
        memcpy(w->b + at + 8, "__TEXT", 6);
        put(w, at + (is64 ? 64 : 48), (uint64_t)o.nsecs, 4);
        at += segsz;
        for (int i = 0; i < o.nsecs; i++) {
            const mo_sec *s = &o.secs[i];
            memset(w->b + at, 0, secsz);
            memcpy(w->b + at, "__text", 6);
            memcpy(w->b + at + 16, "__TEXT", 6);
            if (is64) {
                put(w, at + 32, s->addr, 8);
                put(w, at + 40, s->size, 8);
                put(w, at + 48, s->off, 4);
                put(w, at + 52, s->align, 4);
            } else {
                put(w, at + 32, s->addr, 4);
                put(w, at + 36, s->size, 4);
                put(w, at + 40, s->off, 4);
                put(w, at + 44, s->align, 4);
            }
            at += secsz;
        }
        ncmds++;
    }
    if (o.thread_state) {
        put(w, at, 5, 4);
        put(w, at + 4, 16 + o.thread_state, 4);
        put(w, at + 8, 1, 4);
        put(w, at + 12, o.thread_state / 4, 4);
        memset(w->b + at + 16, 0, o.thread_state);
        put(w, at + 16, o.pc, is64 && o.thread_state > 160 ? 8 : 4);
        at += 16 + o.thread_state;
        ncmds++;
    }
    put(w, 16, or_real(o.ncmds, ncmds), 4);
    put(w, 20, at - (is64 ? 32 : 28), 4);
    put(w, 24, 0, 4);
}

/* ---- samples and what clamscan 1.4.6 made of them ------------------------- */

typedef struct sec {
    uint32_t raw, size;
} sec;

typedef struct sample {
    const char *name;
    void (*build)(buf *w);
    uint32_t target;
    bool valid;
    uint32_t ep;
    uint32_t nsec;
    sec secs[3]; /* the first ones */
} sample;

#define PE(fn, ...)                                                                                \
    static void fn(buf *w)                                                                         \
    {                                                                                              \
        pe(w, (pe_opt){__VA_ARGS__});                                                              \
    }
#define ELF(fn, ...)                                                                               \
    static void fn(buf *w)                                                                         \
    {                                                                                              \
        elf(w, (elf_opt){__VA_ARGS__});                                                            \
    }
#define MACHO(fn, ...)                                                                             \
    static void fn(buf *w)                                                                         \
    {                                                                                              \
        macho(w, (macho_opt){__VA_ARGS__});                                                        \
    }

PE(pe_basic, .ep = 0x1010, .nsec = 2)
PE(pe64_basic, .is64 = true, .ep = 0x2008, .nsec = 2)
PE(pe_ep_in_headers, .ep = 0x20, .nsec = 2)
/* SizeOfHeaders 0x400 rounded up to SectionAlignment: RVA 0x800 is a header RVA */
static const pe_sec late_secs[] = {{0x200, 0x2000, 0x200, 0x400}, {0x1000, 0x3000, 0x1000, 0x600}};
PE(pe_ep_in_aligned_headers, .ep = 0x800, .nsec = 2, .secs = late_secs)
PE(pe_ep_unmapped, .ep = 0x9000, .nsec = 2)
PE(pe_no_sections, .ep = 0x1010, .nsec = 0)
/* raw 0x410 aligned down to 0x400, raw size 0x1f0 up to 0x200 */
static const pe_sec odd_raw[] = {{0x200, 0x1000, 0x1f0, 0x410}, {0x1000, 0x2000, 0x1000, 0x600}};
PE(pe_raw_aligned, .ep = 0x1010, .nsec = 2, .secs = odd_raw)
/* FileAlignment 0x400, a raw pointer 0x600: libclamav falls back to 0x200 */
static const pe_sec fallback_secs[] = {{0x200, 0x1000, 0x200, 0x400}, {0x1000, 0x2000, 0x400, 0x600}};
PE(pe_falign_fallback, .ep = 0x1010, .nsec = 2, .falign = 0x400, .secs = fallback_secs)
static const pe_sec aligned_secs[] = {{0x200, 0x1000, 0x200, 0x400}, {0x1000, 0x2000, 0x400, 0x800}};
PE(pe_falign_kept, .ep = 0x1010, .nsec = 2, .falign = 0x400, .secs = aligned_secs)
static const pe_sec past_eof[] = {{0x200, 0x1000, 0x200, 0x400}, {0x1000, 0x2000, 0x1000, 0x4000}};
PE(pe_section_past_eof, .ep = 0x1010, .nsec = 2, .secs = past_eof)
/* raw data 0x600 + 0x2000 cut at the end of the 0x1800-byte file */
static const pe_sec cut_secs[] = {{0x200, 0x1000, 0x200, 0x400}, {0x2000, 0x2000, 0x2000, 0x600}};
PE(pe_section_cut, .ep = 0x2010, .nsec = 2, .secs = cut_secs)
static const pe_sec signed_secs[] = {{0x200, 0x1000, 0x200, 0x400}, {0x1000, 0x80002000, 0x1000, 0x600}};
PE(pe_sign_bit, .ep = 0x1010, .nsec = 2, .secs = signed_secs)

static void mz_zeros(buf *w)
{
    memset(w->b, 0, 102);
    memcpy(w->b, "MZ", 2);
    w->len = 102;
}

static void zm(buf *w)
{
    pe_basic(w);
    memcpy(w->b, "ZM", 2);
}

ELF(elf64_basic, .entry = 0x401000, .ph = &load_all, .nph = 1, .sh = null_text, .nsh = 2)
ELF(elf32_be, .is32 = true, .be = true, .entry = 0x401000, .ph = &load_all, .nph = 1,
    .sh = null_text, .nsh = 2)
ELF(elf_entry_zero, .entry = 0, .ph = &load_all, .nph = 1, .sh = null_text, .nsh = 2)
ELF(elf_no_phdrs, .entry = 0x401000, .sh = null_text, .nsh = 2)
ELF(elf_data_encoding_0, .ident5 = 3, .entry = 0x401000, .ph = &load_all, .nph = 1,
    .sh = null_text, .nsh = 2)
ELF(elf_no_sections_shentsize_0, .entry = 0x401000, .ph = &load_all, .nph = 1, .shentsize = ZERO)
ELF(elf_no_sections, .entry = 0x401000, .ph = &load_all, .nph = 1)
ELF(elf_129_phdrs, .entry = 0x401000, .ph = &load_all, .nph = 1, .phnum = 129, .sh = null_text,
    .nsh = 2)
ELF(elf_257_shdrs, .entry = 0x401000, .ph = &load_all, .nph = 1, .shnum = 257, .sh = null_text,
    .nsh = 2)
ELF(elf_entry_unmapped, .entry = 0x900000, .ph = &load_all, .nph = 1, .sh = null_text, .nsh = 2)
static const elf_ph note_then_load[] = {{6, 0x40, 0x400040, 0x38, 0x38}, {1, 0x1000, 0x500000, 0x100, 0x100}};
ELF(elf_entry_second_segment, .entry = 0x500010, .ph = note_then_load, .nph = 2, .sh = null_text,
    .nsh = 2)
static const elf_ph bss_load = {1, 0, 0x400000, 0x100, 0x2000};
ELF(elf_entry_in_memsz, .entry = 0x401000, .ph = &bss_load, .nph = 1, .sh = null_text, .nsh = 2)
static const elf_sh far_section[] = {{0, 0, 0, 0}, {1, 0x401000, 0x100001000ull, 0x100}};
ELF(elf_offset_truncated, .entry = 0x401000, .ph = &load_all, .nph = 1, .sh = far_section,
    .nsh = 2)

MACHO(macho64_le, .secs = text_data, .nsecs = 2)
MACHO(macho64_be, .be = true, .secs = text_data, .nsecs = 2)
MACHO(macho_x86_thread, .is32 = true, .cpu = 7, .secs = text_data, .nsecs = 2, .thread_state = 64,
      .pc = 0x1010)
MACHO(macho_ppc, .is32 = true, .be = true, .cpu = 18, .secs = text_data, .nsecs = 2,
      .thread_state = 160, .pc = 0x1010)
MACHO(macho_ppc_unmapped, .is32 = true, .be = true, .cpu = 18, .secs = text_data, .nsecs = 2,
      .thread_state = 160, .pc = 0x9010)
MACHO(macho_ppc_no_sections, .is32 = true, .be = true, .cpu = 18, .nsecs = -1,
      .thread_state = 160, .pc = 0x1010)
MACHO(macho_ppc64, .be = true, .cpu = 18 | 0x1000000, .secs = text_data, .nsecs = 2,
      .thread_state = 312, .pc = 0x1010)
MACHO(macho_no_commands, .secs = text_data, .nsecs = 2, .ncmds = ZERO)
static const mo_sec align32[] = {{0x1000, 0x100, 0x1000, 32}};
MACHO(macho_align_32, .secs = align32, .nsecs = 1)
static const mo_sec align31[] = {{0x1000, 0x100, 0x1000, 31}};
MACHO(macho_align_31, .secs = align31, .nsecs = 1)
static const mo_sec round_overflow[] = {{0x1000, 0xfffffffd, 0x1000, 2}};
MACHO(macho_round_overflow, .secs = round_overflow, .nsecs = 1)
static const mo_sec size64[] = {{0x1000, 0x100000010ull, 0x1000, 2}};
MACHO(macho_size_64bit, .secs = size64, .nsecs = 1)
MACHO(macho_empty_segment, .secs = text_data, .nsecs = 0)

static void fat(buf *w)
{
    noise(w, 0x1000);
    memcpy(w->b, "\xca\xfe\xba\xbe\0\0\0\x02", 8);
}

static void java(buf *w)
{
    noise(w, 0x1000);
    memcpy(w->b, "\xca\xfe\xba\xbe\0\0\0\x34", 8);
}

static const sample samples[] = {
    {"pe_basic", pe_basic, 1, true, 0x410, 2, {{0x400, 0x200}, {0x600, 0x1000}}},
    {"pe64_basic", pe64_basic, 1, true, 0x608, 2, {{0x400, 0x200}, {0x600, 0x1000}}},
    {"pe_ep_in_headers", pe_ep_in_headers, 1, true, 0x20, 2, {{0x400, 0x200}}},
    {"pe_ep_in_aligned_headers", pe_ep_in_aligned_headers, 1, true, 0x800, 2, {{0x400, 0x200}}},
    {"pe_ep_unmapped", pe_ep_unmapped, 1, false, 0, 0, {{0}}},
    {"pe_no_sections", pe_no_sections, 1, false, 0, 0, {{0}}},
    {"pe_raw_aligned", pe_raw_aligned, 1, true, 0x410, 2, {{0x400, 0x200}, {0x600, 0x1000}}},
    {"pe_falign_fallback", pe_falign_fallback, 1, true, 0x410, 2, {{0x400, 0x200}, {0x600, 0x400}}},
    {"pe_falign_kept", pe_falign_kept, 1, true, 0x410, 2, {{0x400, 0x400}, {0x800, 0x400}}},
    {"pe_section_past_eof", pe_section_past_eof, 1, true, 0x410, 2, {{0x400, 0x200}, {0x4000, 0}}},
    {"pe_section_cut", pe_section_cut, 1, true, 0x610, 2, {{0x400, 0x200}, {0x600, 0x1200}}},
    {"pe_sign_bit", pe_sign_bit, 1, false, 0, 0, {{0}}},
    {"mz_zeros", mz_zeros, 1, false, 0, 0, {{0}}},
    {"zm", zm, 0, false, 0, 0, {{0}}},
    {"elf64_basic", elf64_basic, 6, true, 0x1000, 2, {{0, 0}, {0x1000, 0x100}}},
    {"elf32_be", elf32_be, 6, true, 0x1000, 2, {{0, 0}, {0x1000, 0x100}}},
    {"elf_entry_zero", elf_entry_zero, 6, true, 0, 2, {{0, 0}, {0x1000, 0x100}}},
    {"elf_no_phdrs", elf_no_phdrs, 6, true, 0, 2, {{0, 0}, {0x1000, 0x100}}},
    {"elf_data_encoding_3", elf_data_encoding_0, 6, false, 0, 0, {{0}}},
    {"elf_no_sections_shentsize_0", elf_no_sections_shentsize_0, 6, false, 0, 0, {{0}}},
    {"elf_no_sections", elf_no_sections, 6, true, 0x1000, 0, {{0}}},
    {"elf_129_phdrs", elf_129_phdrs, 6, false, 0, 0, {{0}}},
    {"elf_257_shdrs", elf_257_shdrs, 6, false, 0, 0, {{0}}},
    {"elf_entry_unmapped", elf_entry_unmapped, 6, false, 0, 0, {{0}}},
    {"elf_entry_second_segment", elf_entry_second_segment, 6, true, 0x1010, 2,
     {{0, 0}, {0x1000, 0x100}}},
    {"elf_entry_in_memsz", elf_entry_in_memsz, 6, true, 0x1000, 2, {{0, 0}, {0x1000, 0x100}}},
    {"elf_offset_truncated", elf_offset_truncated, 6, true, 0x1000, 2, {{0, 0}, {0x1000, 0x100}}},
    {"macho64_le", macho64_le, 9, true, 0, 2, {{0x1000, 0x100}, {0x1800, 0x10}}},
    {"macho64_be", macho64_be, 9, true, 0, 2, {{0x1000, 0x100}, {0x1800, 0x10}}},
    {"macho_x86_thread", macho_x86_thread, 9, true, 0, 2, {{0x1000, 0x100}, {0x1800, 0x10}}},
    {"macho_ppc", macho_ppc, 9, true, 0x1010, 2, {{0x1000, 0x100}, {0x1800, 0x10}}},
    {"macho_ppc_unmapped", macho_ppc_unmapped, 9, false, 0, 0, {{0}}},
    {"macho_ppc_no_sections", macho_ppc_no_sections, 9, true, 0x1010, 0, {{0}}},
    {"macho_ppc64", macho_ppc64, 9, true, 0x1010, 2, {{0x1000, 0x100}, {0x1800, 0x10}}},
    {"macho_no_commands", macho_no_commands, 9, false, 0, 0, {{0}}},
    {"macho_align_32", macho_align_32, 9, false, 0, 0, {{0}}},
    {"macho_align_31", macho_align_31, 9, true, 0, 1, {{0x1000, 0x80000000u}}},
    {"macho_round_overflow", macho_round_overflow, 9, false, 0, 0, {{0}}},
    {"macho_size_64bit", macho_size_64bit, 9, false, 0, 0, {{0}}},
    {"macho_empty_segment", macho_empty_segment, 9, true, 0, 0, {{0}}},
    {"macho_fat", fat, 9, false, 0, 0, {{0}}},
    {"java_class", java, 0, false, 0, 0, {{0}}},
};

#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static void test_samples(void **state)
{
    (void)state;
    static buf w;
    for (size_t i = 0; i < NSAMPLES; i++) {
        const sample *s = &samples[i];
        memset(&w, 0, sizeof(w));
        s->build(&w);
        cv_objinfo oi;
        cv_objinfo_init(&oi, w.b, w.len);
        uint64_t ep = 99, raw, size;
        print_message("%s\n", s->name);
        assert_int_equal(cv_objinfo_target(&oi), s->target);
        assert_int_equal(cv_objinfo_valid(&oi), s->valid);
        assert_int_equal(cv_objinfo_eof_usable(&oi), s->valid || s->target == 0);
        assert_int_equal(cv_objinfo_entry(&oi, &ep), s->valid);
        assert_int_equal(ep, s->ep);
        assert_int_equal(cv_objinfo_section_count(&oi), s->nsec);
        for (uint32_t j = 0; j < s->nsec && j < 3 && (j == 0 || s->secs[j].raw); j++) {
            assert_true(cv_objinfo_section(&oi, j, &raw, &size));
            assert_int_equal(raw, s->secs[j].raw);
            assert_int_equal(size, s->secs[j].size);
        }
        assert_false(cv_objinfo_section(&oi, s->nsec, &raw, &size));
    }
}

/* .mdb: the raw data of each section with some (pe_section_past_eof's second
 * section is dropped; pe_section_cut's is hashed as cut), PE32+ too. Checked
 * with .mdb lines "SIZE:MD5:Name" built from these ranges. */
static void test_hashed_sections(void **state)
{
    (void)state;
    static buf w;
    cv_objinfo oi;
    uint64_t off = 0;
    uint32_t size = 0;
    pe_section_past_eof(&w);
    cv_objinfo_init(&oi, w.b, w.len);
    assert_int_equal(cv_objinfo_hashed_section_count(&oi), 2);
    assert_true(cv_objinfo_hashed_section(&oi, 0, &off, &size));
    assert_int_equal(off, 0x400);
    assert_int_equal(size, 0x200);
    assert_false(cv_objinfo_hashed_section(&oi, 1, &off, &size));
    pe_section_cut(&w);
    cv_objinfo_init(&oi, w.b, w.len);
    assert_true(cv_objinfo_hashed_section(&oi, 1, &off, &size));
    assert_int_equal(off, 0x600);
    assert_int_equal(size, 0x1200);
    pe64_basic(&w);
    cv_objinfo_init(&oi, w.b, w.len);
    assert_int_equal(cv_objinfo_hashed_section_count(&oi), 2);
    elf64_basic(&w);
    cv_objinfo_init(&oi, w.b, w.len);
    assert_int_equal(cv_objinfo_hashed_section_count(&oi), 0);
}

typedef struct collect {
    char s[512];
    size_t n;
} collect;

static void collect_sink(void *arg, const uint8_t *p, size_t n)
{
    collect *c = arg;
    assert_true(c->n + n < sizeof(c->s));
    memcpy(c->s + c->n, p, n);
    c->n += n;
    c->s[c->n] = '\0';
}

/* .imp: tests/unit/pe_build.h's PE32 imports KERNEL32.dll!ExitProcess and
 * Sleep by name, ws2_32.dll ordinals 1 and 115; clamscan --debug prints
 * "IMP: <md5 of the string>:70" for it and an .imp line with that hash and
 * size detects it. PE32+ gets no import hash from clamscan. */
static void test_import_string(void **state)
{
    (void)state;
    static uint8_t b[PB_SIZE];
    cv_objinfo oi;
    collect c = {{0}, 0};
    uint32_t size = 0;
    uint8_t md5[16], want[16];
    unsigned n = 0;
    pe_build(b, false, 0);
    cv_objinfo_init(&oi, b, PB_SIZE);
    assert_true(cv_objinfo_valid(&oi));
    assert_true(cv_objinfo_import_string(&oi, collect_sink, &c, &size));
    assert_string_equal(c.s, "kernel32.exitprocess,kernel32.sleep,ws2_32.accept,ws2_32.wsastartup");
    assert_int_equal(size, strlen(c.s));
    assert_true(cv_objinfo_import_hash(&oi, md5, &size));
    assert_true(EVP_Digest(c.s, c.n, want, &n, EVP_md5(), NULL));
    assert_memory_equal(md5, want, 16);
    pe_build(b, true, 0);
    cv_objinfo_init(&oi, b, PB_SIZE);
    assert_true(cv_objinfo_valid(&oi));
    assert_false(cv_objinfo_import_hash(&oi, md5, &size));
}

/* Every prefix of every sample parses without reading out of bounds (ASan). */
static void test_truncated(void **state)
{
    (void)state;
    static buf w;
    static uint8_t b[PB_SIZE];
    for (size_t i = 0; i < NSAMPLES; i++) {
        samples[i].build(&w);
        for (size_t n = 0; n <= w.len; n += (n < 0x200 ? 1 : 0x40)) {
            uint8_t *copy = malloc(n ? n : 1);
            assert_non_null(copy);
            memcpy(copy, w.b, n);
            cv_objinfo oi;
            cv_objinfo_init(&oi, copy, n);
            uint64_t a, z;
            uint32_t sz;
            for (uint32_t j = 0; j < cv_objinfo_section_count(&oi); j++)
                (void)cv_objinfo_section(&oi, j, &a, &z);
            for (uint32_t j = 0; j < cv_objinfo_hashed_section_count(&oi); j++)
                (void)cv_objinfo_hashed_section(&oi, j, &a, &sz);
            free(copy);
        }
    }
    pe_build(b, false, 0);
    for (size_t n = 0; n <= PB_SIZE; n += 7) {
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, b, n);
        cv_objinfo oi;
        uint8_t md5[16];
        uint32_t size;
        cv_objinfo_init(&oi, copy, n);
        (void)cv_objinfo_import_hash(&oi, md5, &size);
        free(copy);
    }
}

/* ---- --dump and --samples ------------------------------------------------ */

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void dump(const char *path, const uint8_t *d, size_t len)
{
    cv_objinfo oi;
    cv_objinfo_init(&oi, d, len);
    uint64_t ep = 0, raw, size;
    printf("{\"file\": \"%s\", \"size\": %zu, \"target\": %u, \"valid\": %s, \"eof\": %s", path, len,
           cv_objinfo_target(&oi), cv_objinfo_valid(&oi) ? "true" : "false",
           cv_objinfo_eof_usable(&oi) ? "true" : "false");
    if (cv_objinfo_entry(&oi, &ep))
        printf(", \"ep\": %llu", (unsigned long long)ep);
    printf(", \"sections\": [");
    for (uint32_t i = 0; i < cv_objinfo_section_count(&oi); i++) {
        if (!cv_objinfo_section(&oi, i, &raw, &size))
            raw = size = UINT64_MAX;
        printf("%s[%llu, %llu]", i ? ", " : "", (unsigned long long)raw, (unsigned long long)size);
    }
    printf("], \"hashed\": [");
    bool first = true;
    for (uint32_t i = 0; i < cv_objinfo_hashed_section_count(&oi); i++) {
        uint32_t sz;
        uint8_t md[16];
        unsigned n = 0;
        char h[33];
        if (!cv_objinfo_hashed_section(&oi, i, &raw, &sz) || !EVP_Digest(d + raw, sz, md, &n, EVP_md5(), NULL))
            continue;
        hex(md, 16, h);
        printf("%s[%u, \"%s\"]", first ? "" : ", ", sz, h);
        first = false;
    }
    printf("]");
    uint8_t md5[16];
    uint32_t isz;
    if (cv_objinfo_import_hash(&oi, md5, &isz)) {
        char h[33];
        hex(md5, 16, h);
        printf(", \"imp\": [%u, \"%s\"]", isz, h);
    }
    printf("}\n");
}

static int dump_files(int argc, char **argv)
{
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            rc = 2;
            continue;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
        if (d && (n <= 0 || fread(d, 1, (size_t)n, f) == (size_t)n))
            dump(argv[i], d, n > 0 ? (size_t)n : 0);
        else
            rc = 2;
        free(d);
        fclose(f);
    }
    return rc;
}

static int write_samples(const char *dir)
{
    static buf w;
    static uint8_t b[PB_SIZE];
    char path[4096];
    for (size_t i = 0; i <= NSAMPLES + 1; i++) {
        const uint8_t *d = w.b;
        size_t n;
        if (i < NSAMPLES) {
            memset(&w, 0, sizeof(w));
            samples[i].build(&w);
            n = w.len;
            snprintf(path, sizeof(path), "%s/%s", dir, samples[i].name);
        } else {
            n = pe_build(b, i == NSAMPLES + 1, 0);
            d = b;
            snprintf(path, sizeof(path), "%s/pe_build%s", dir, i == NSAMPLES ? "32" : "64");
        }
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(d, 1, n, f) != n) {
            if (f)
                fclose(f);
            return 2;
        }
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--dump") == 0)
        return dump_files(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "--samples") == 0)
        return write_samples(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_hashed_sections),
        cmocka_unit_test(test_import_string),
        cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
