/*
 * pe_build.h - a small PE file built in memory for the PE parser and pe
 * module tests (test_formats_pe.c, test_modules_pe.c): PE32 or PE32+, a
 * rich header, two sections, imports (by name and by ordinal), a delay-load
 * import, exports (named, unnamed forwarder), a debug directory with a PDB
 * path, and a version resource. Offsets are fixed so tests can name them;
 * the values were checked with yara 4.2.3 -D on the same bytes.
 */
#ifndef VIGIL_TESTS_PE_BUILD_H
#define VIGIL_TESTS_PE_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PB_SIZE 0x1600 /* file size without overlay */
#define PB_NT 0x100    /* e_lfanew */
#define PB_RICH 0x80   /* DanS */
#define PB_RICH_KEY 0x5a5a1234u
#define PB_DATA_RVA 0x2000
#define PB_DATA_OFF 0x600

static void pb16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void pb32(uint8_t *p, uint32_t v)
{
    pb16(p, (uint16_t)v);
    pb16(p + 2, (uint16_t)(v >> 16));
}

static void pb64(uint8_t *p, uint64_t v)
{
    pb32(p, (uint32_t)v);
    pb32(p + 4, (uint32_t)(v >> 32));
}

/* pointer-sized store */
static void pbp(uint8_t *p, bool is64, uint64_t v)
{
    if (is64)
        pb64(p, v);
    else
        pb32(p, (uint32_t)v);
}

/* ASCII as UTF-16LE with its NUL; returns the bytes written */
static size_t pbw(uint8_t *p, const char *s)
{
    size_t n = strlen(s) + 1;
    for (size_t i = 0; i < n; i++)
        pb16(p + 2 * i, (uint8_t)s[i]);
    return 2 * n;
}

static size_t pb_align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* One version String block at p: Length, ValueLength, Type, key, value. */
static size_t pb_vstring(uint8_t *p, const char *key, const char *value)
{
    size_t at = pb_align4(6 + pbw(p + 6, key));
    size_t end = at + pbw(p + at, value);
    pb16(p, (uint16_t)end);
    pb16(p + 2, (uint16_t)(strlen(value) + 1));
    pb16(p + 4, 1);
    return end;
}

/* VS_VERSION_INFO with one StringFileInfo / string table of two strings. */
static size_t pb_version_info(uint8_t *p)
{
    size_t o = 6 + pbw(p + 6, "VS_VERSION_INFO");
    o = pb_align4(o);
    pb32(p + o, 0xfeef04bd); /* VS_FIXEDFILEINFO signature, rest zero */
    o += 52;                 /* children at 92 */
    uint8_t *sfi = p + o;
    size_t t = pb_align4(6 + pbw(sfi + 6, "StringFileInfo"));
    uint8_t *table = sfi + t;
    size_t s = pb_align4(6 + pbw(table + 6, "040904b0"));
    s = pb_align4(s + pb_vstring(table + s, "CompanyName", "Vigil"));
    s += pb_vstring(table + s, "ProductName", "Test");
    pb16(table, (uint16_t)s);
    pb16(table + 4, 1);
    pb16(sfi, (uint16_t)(t + s));
    pb16(sfi + 4, 1);
    size_t total = o + t + s;
    pb16(p, (uint16_t)total);
    pb16(p + 2, 52);
    return total;
}

/* Builds the file into b (PB_SIZE + overlay bytes); returns its size. */
static size_t pe_build(uint8_t *b, bool is64, size_t overlay)
{
    memset(b, 0, PB_SIZE + overlay);
    b[0] = 'M';
    b[1] = 'Z';
    pb32(b + 0x3c, PB_NT);
    /* rich header: DanS, three keys, two (id_version, count) pairs, Rich, key */
    const uint32_t rich[] = {0x536e6144, 0, 0, 0, 0x00010002, 3, 0x00050006, 7};
    for (int i = 0; i < 8; i++)
        pb32(b + PB_RICH + 4 * i, rich[i] ^ PB_RICH_KEY);
    pb32(b + PB_RICH + 32, 0x68636952);
    pb32(b + PB_RICH + 36, PB_RICH_KEY);

    uint8_t *nt = b + PB_NT;
    memcpy(nt, "PE\0\0", 4);
    uint16_t optsize = is64 ? 240 : 224;
    pb16(nt + 4, is64 ? 0x8664 : 0x14c);
    pb16(nt + 6, 2);
    pb32(nt + 8, 0x5f000000);
    pb16(nt + 20, optsize);
    pb16(nt + 22, 0x2102); /* executable, 32-bit machine, DLL */
    uint8_t *o = nt + 24;
    pb16(o, is64 ? 0x20b : 0x10b);
    o[2] = 14;
    o[3] = 2;
    pb32(o + 4, 0x200);
    pb32(o + 16, 0x1010); /* entry point */
    pb32(o + 20, 0x1000);
    if (is64) {
        pb64(o + 24, 0x180000000ull);
    } else {
        pb32(o + 24, 0x2000);
        pb32(o + 28, 0x10000000);
    }
    pb32(o + 32, 0x1000);
    pb32(o + 36, 0x200);
    pb16(o + 40, 6);
    pb16(o + 48, 6);
    pb32(o + 56, 0x3000);
    pb32(o + 60, 0x400);
    pb32(o + 64, 0x1234);
    pb16(o + 68, 2);
    pb16(o + 70, 0x140);
    uint8_t *dirs = o + (is64 ? 112 : 96);
    pb32(o + (is64 ? 108 : 92), 16);
    const uint32_t dir[][2] = {
        {0x2200, 0x100}, {0x2000, 0x3c}, {0x2400, 0x200}, {0, 0}, {0, 0}, {0, 0}, {0x2300, 28},
    };
    for (int i = 0; i < 7; i++) {
        pb32(dirs + 8 * i, dir[i][0]);
        pb32(dirs + 8 * i + 4, dir[i][1]);
    }
    pb32(dirs + 8 * 13, 0x2380); /* delay imports */
    pb32(dirs + 8 * 13 + 4, 64);

    uint8_t *s = nt + 24 + optsize;
    memcpy(s, ".text", 5);
    pb32(s + 8, 0x200);
    pb32(s + 12, 0x1000);
    pb32(s + 16, 0x200);
    pb32(s + 20, 0x400);
    pb32(s + 36, 0x60000020);
    memcpy(s + 40, ".data", 5);
    pb32(s + 48, 0x1000);
    pb32(s + 52, 0x2000);
    pb32(s + 56, 0x1000);
    pb32(s + 60, 0x600);
    pb32(s + 76, 0xc0000040);

    uint8_t *d = b + PB_DATA_OFF; /* RVA 0x2000 */
    size_t ps = is64 ? 8 : 4;
    uint64_t ord = is64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
    /* imports: KERNEL32.dll by name, ws2_32.dll by ordinal */
    pb32(d + 0, 0x2100);
    pb32(d + 12, 0x2080);
    pb32(d + 16, 0x2100);
    pb32(d + 20, 0x2140);
    pb32(d + 32, 0x2090);
    pb32(d + 36, 0x2140);
    strcpy((char *)d + 0x80, "KERNEL32.dll");
    strcpy((char *)d + 0x90, "ws2_32.dll");
    strcpy((char *)d + 0xc2, "ExitProcess");
    strcpy((char *)d + 0xe2, "Sleep");
    pbp(d + 0x100, is64, 0x20c0);
    pbp(d + 0x100 + ps, is64, 0x20e0);
    pbp(d + 0x140, is64, ord | 1);
    pbp(d + 0x140 + ps, is64, ord | 115);
    /* exports: 3 functions from ordinal 1; 0 "Foo", 1 a forwarder, 2 "Bar" */
    uint8_t *e = d + 0x200;
    pb32(e + 4, 0x11111111);
    pb32(e + 12, 0x2280);
    pb32(e + 16, 1);
    pb32(e + 20, 3);
    pb32(e + 24, 2);
    pb32(e + 28, 0x2240);
    pb32(e + 32, 0x2250);
    pb32(e + 36, 0x2258);
    pb32(d + 0x240, 0x1010);
    pb32(d + 0x244, 0x2290);
    pb32(d + 0x248, 0x1020);
    pb32(d + 0x250, 0x22a0);
    pb32(d + 0x254, 0x22a8);
    pb16(d + 0x258, 2);
    pb16(d + 0x25a, 0);
    strcpy((char *)d + 0x280, "test.dll");
    strcpy((char *)d + 0x290, "NTDLL.Baz");
    strcpy((char *)d + 0x2a0, "Bar");
    strcpy((char *)d + 0x2a8, "Foo");
    /* debug directory: one CodeView (RSDS) record */
    pb32(d + 0x300 + 12, 2);
    pb32(d + 0x300 + 16, 0x30);
    pb32(d + 0x300 + 20, 0x2340);
    pb32(d + 0x300 + 24, 0x940);
    memcpy(d + 0x340, "RSDS", 4);
    strcpy((char *)d + 0x340 + 24, "C:\\build\\test.pdb");
    /* delay-load import of user32.dll!MessageBoxA */
    pb32(d + 0x380, 1);
    pb32(d + 0x384, 0x23c0);
    pb32(d + 0x38c, 0x23d0);
    pb32(d + 0x390, 0x23e0);
    strcpy((char *)d + 0x3c0, "user32.dll");
    pbp(d + 0x3d0, is64, 0x1000);
    pbp(d + 0x3e0, is64, 0x23f0);
    strcpy((char *)d + 0x3f2, "MessageBoxA");
    /* resources: version / 1 / 0x409 -> data at RVA 0x2500 */
    uint8_t *r = d + 0x400;
    pb32(r + 4, 0x22222222);
    pb16(r + 8, 4);
    pb16(r + 10, 1);
    pb16(r + 14, 1);
    pb32(r + 16, 16);
    pb32(r + 20, 0x80000018);
    pb16(r + 0x18 + 14, 1);
    pb32(r + 0x18 + 16, 1);
    pb32(r + 0x18 + 20, 0x80000030);
    pb16(r + 0x30 + 14, 1);
    pb32(r + 0x30 + 16, 0x409);
    pb32(r + 0x30 + 20, 0x48);
    size_t vlen = pb_version_info(d + 0x500);
    pb32(r + 0x48, 0x2500);
    pb32(r + 0x4c, (uint32_t)vlen);
    for (size_t i = 0; i < overlay; i++)
        b[PB_SIZE + i] = (uint8_t)(0xa0 + i);
    return PB_SIZE + overlay;
}

#endif
