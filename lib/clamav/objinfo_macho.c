/*
 * objinfo_macho.c - Mach-O load commands as libclamav 1.4's cli_machoheader
 * reads them. Its view is narrow and kept as is: sections are those of
 * LC_SEGMENT / LC_SEGMENT_64 in order (offset, size rounded up to the
 * alignment; an exponent of 32 or more, a size past 32 bits or a rounding
 * that overflows fails the parse); the entry point comes only from a PowerPC
 * LC_THREAD / LC_UNIXTHREAD (srr0), so x86, x86-64 and ARM files have entry
 * point 0 (LC_MAIN is not read), and an entry point address no section holds
 * fails the parse unless there are no sections at all, when the address
 * itself is used. Segment and section tables are read back to back from
 * the segment command, as libclamav does, whatever cmdsize says.
 */
#include "../util/cursor.h"
#include "objinfo_int.h"

#define MAX_CMDS 1024
#define MAX_SECTS_PER_SEGMENT 255

enum { ARCH_OTHER, ARCH_X86, ARCH_PPC, ARCH_PPC64 };

static bool rd32(const cv_objinfo *oi, uint64_t off, uint32_t *v)
{
    bytes b = {oi->data, oi->len};
    if (!rd_u32le(b, off, v))
        return false;
    if (oi->u.macho.big_endian)
        *v = __builtin_bswap32(*v);
    return true;
}

static bool rd64(const cv_objinfo *oi, uint64_t off, uint64_t *v)
{
    uint32_t a = 0, b = 0;
    if (!rd32(oi, off, &a) || !rd32(oi, off + 4, &b))
        return false;
    *v = oi->u.macho.big_endian ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
    return true;
}

typedef struct msect {
    uint32_t rva, vsz, raw, rsz;
} msect;

/* What a walk looks for: section `want` (when want_index), or the first
 * section holding the address `va`. */
typedef struct walk {
    bool want_index;
    uint32_t want;
    uint32_t va;
    bool found;
    msect hit;
    uint32_t count; /* sections seen */
    uint32_t ep;    /* srr0 of the last PowerPC thread command, 0 if none */
} walk;

static bool read_section(const cv_objinfo *oi, uint64_t at, msect *s)
{
    uint32_t addr32 = 0, size32 = 0, offset = 0, align = 0;
    uint64_t addr = 0, size = 0;
    if (oi->u.macho.m64) {
        if (!rd64(oi, at + 32, &addr) || !rd64(oi, at + 40, &size) || !rd32(oi, at + 48, &offset) ||
            !rd32(oi, at + 52, &align) || !in_bounds((bytes){oi->data, oi->len}, at, 80))
            return false;
    } else {
        if (!rd32(oi, at + 32, &addr32) || !rd32(oi, at + 36, &size32) ||
            !rd32(oi, at + 40, &offset) || !rd32(oi, at + 44, &align) ||
            !in_bounds((bytes){oi->data, oi->len}, at, 68))
            return false;
        addr = addr32;
        size = size32;
    }
    if (align >= 32 || size > UINT32_MAX)
        return false;
    uint64_t a = (uint64_t)1 << align;
    uint64_t rsz = size + (a - size % a) % a;
    if (rsz > UINT32_MAX)
        return false;
    *s = (msect){.rva = (uint32_t)addr, .vsz = (uint32_t)size, .raw = offset, .rsz = (uint32_t)rsz};
    return true;
}

/* One pass over the load commands; false where libclamav's parse fails. */
static bool walk_commands(const cv_objinfo *oi, walk *w)
{
    bool m64 = oi->u.macho.m64;
    uint32_t cpu = 0;
    rd32(oi, 4, &cpu);
    int arch = cpu == 7 ? ARCH_X86 : cpu == 18 ? ARCH_PPC : cpu == (18 | 0x1000000) ? ARCH_PPC64 : ARCH_OTHER;
    uint64_t at = m64 ? 32 : 28;
    for (uint32_t i = 0; i < oi->u.macho.ncmds; i++) {
        uint32_t cmd = 0, cmdsize = 0;
        if (!rd32(oi, at, &cmd) || !rd32(oi, at + 4, &cmdsize))
            return false;
        at += 8;
        if (cmd == (m64 ? 0x19u : 0x1u)) { /* LC_SEGMENT(_64) */
            uint32_t nsects = 0;
            uint64_t segsize = m64 ? 64 : 48;
            if (!in_bounds((bytes){oi->data, oi->len}, at, segsize) ||
                !rd32(oi, at + (m64 ? 56 : 40), &nsects))
                return false;
            at += segsize;
            if (nsects > MAX_SECTS_PER_SEGMENT)
                return false;
            for (uint32_t j = 0; j < nsects; j++) {
                msect s;
                if (!read_section(oi, at, &s))
                    return false;
                at += m64 ? 80 : 68;
                if (!w->found && (w->want_index ? w->count == w->want
                                                : s.rva <= w->va && s.rva + s.vsz > w->va)) {
                    w->found = true;
                    w->hit = s;
                }
                w->count++;
            }
        } else if (arch != ARCH_OTHER && (cmd == 4 || cmd == 5)) { /* LC_(UNIX)THREAD */
            /* libclamav's thread state structs: x86 64 bytes, PowerPC 160,
             * PowerPC 64 312 (its C struct, padding included) */
            uint64_t state = arch == ARCH_X86 ? 64 : arch == ARCH_PPC ? 160 : 312;
            at += 8;
            if (!in_bounds((bytes){oi->data, oi->len}, at, state))
                return false;
            if (arch == ARCH_PPC) {
                rd32(oi, at, &w->ep);
            } else if (arch == ARCH_PPC64) {
                uint64_t pc = 0;
                rd64(oi, at, &pc);
                w->ep = (uint32_t)pc;
            }
            at += state;
        } else if (cmdsize > 8) {
            at += cmdsize - 8;
        }
    }
    return true;
}

void cv_macho_init(cv_objinfo *oi)
{
    uint32_t magic = 0, ncmds = 0;
    if (!rd_u32le((bytes){oi->data, oi->len}, 0, &magic) || oi->len < 28)
        return;
    if (magic == 0xfeedface || magic == 0xcefaedfe)
        oi->u.macho.m64 = false;
    else if (magic == 0xfeedfacf || magic == 0xcffaedfe)
        oi->u.macho.m64 = true;
    else
        return; /* a universal binary: libclamav parses only its members */
    oi->u.macho.big_endian = magic == 0xcefaedfe || magic == 0xcffaedfe;
    rd32(oi, 16, &ncmds);
    if (ncmds == 0 || ncmds > MAX_CMDS)
        return;
    oi->u.macho.ncmds = ncmds;
    walk w = {.want_index = true, .want = UINT32_MAX};
    if (!walk_commands(oi, &w))
        return;
    uint32_t ep = w.ep;
    if (ep && w.count) {
        walk m = {.va = ep};
        walk_commands(oi, &m);
        if (!m.found)
            return;
        ep = ep - m.hit.rva + m.hit.raw;
    }
    oi->valid = true;
    oi->ep = ep;
    oi->nsections = (uint16_t)w.count; /* libclamav keeps a 16-bit count */
}

bool cv_macho_section(const cv_objinfo *oi, uint32_t i, uint32_t *raw, uint32_t *size)
{
    walk w = {.want_index = true, .want = i};
    if (!walk_commands(oi, &w) || !w.found)
        return false;
    *raw = w.hit.raw;
    *size = w.hit.rsz;
    return true;
}
