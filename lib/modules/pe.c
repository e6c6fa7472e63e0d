/*
 * pe.c - yara 4.2.3's "pe" module: declarations (in yara's order, which is
 * what `yara -D` prints in), the load that fills them from the PE view of
 * lib/formats/pe.h, and the functions over headers and sections. Imports,
 * exports, resources, the rich header, the debug directory and signatures
 * have their own files (pe_*.c). Where yara 4.2.3 has a quirk its values
 * depend on, the quirk is reproduced and named.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "modules.h"
#include "pe_internal.h"

/* ---- functions over headers and sections ---- */

static const pe_state *state(const mo_call *c)
{
    return c->priv;
}

/* PE checksum: 16-bit folded sum of the file's dwords (CheckSum field
 * skipped) plus the file size. */
static mo_val calculate_checksum(mo_call *c)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    const uint8_t *d = st->pe.data;
    size_t len = st->pe.len;
    uint64_t skip = st->pe.opt_offset + 64, csum = 0;
    for (size_t i = 0; i <= len / 4; i++) {
        if (4 * (uint64_t)i == skip)
            continue;
        if (4 * i + 4 <= len) {
            csum += (uint64_t)d[4 * i] | (uint64_t)d[4 * i + 1] << 8 |
                    (uint64_t)d[4 * i + 2] << 16 | (uint64_t)d[4 * i + 3] << 24;
        } else {
            for (size_t j = 0; j < len % 4; j++)
                csum += (uint64_t)d[4 * i + j] << (8 * j);
        }
        if (csum > 0xffffffff)
            csum = (csum & 0xffffffff) + (csum >> 32);
    }
    csum = (csum & 0xffff) + (csum >> 16);
    csum += csum >> 16;
    csum &= 0xffff;
    return mo_int((int64_t)(csum + len));
}

/* yara compares C strings: the argument and the name up to their first NUL */
static mo_val section_index_name(mo_call *c)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    size_t alen;
    const uint8_t *arg = mo_arg_string(c, 0, &alen);
    const uint8_t *nul = memchr(arg, 0, alen);
    if (nul)
        alen = (size_t)(nul - arg);
    for (unsigned i = 0; i < fmt_pe_section_count(&st->pe); i++) {
        fmt_pe_section s;
        if (!fmt_pe_section_at(&st->pe, i, &s))
            continue;
        size_t n = strnlen((const char *)s.name, 8);
        if (n == alen && memcmp(s.name, arg, n) == 0)
            return mo_int(i);
    }
    return mo_undef();
}

static mo_val section_index_addr(mo_call *c)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    int64_t addr = mo_arg_int(c, 0);
    for (unsigned i = 0; i < fmt_pe_section_count(&st->pe); i++) {
        fmt_pe_section s;
        if (!fmt_pe_section_at(&st->pe, i, &s))
            continue;
        if (addr >= s.raw_offset && addr < (int64_t)s.raw_offset + s.raw_size)
            return mo_int(i);
    }
    return mo_undef();
}

/* yara returns the flag itself (0x2000), not 1 */
static mo_val is_dll(mo_call *c)
{
    const pe_state *st = state(c);
    return st ? mo_int(st->pe.characteristics & 0x2000) : mo_undef();
}

static mo_val is_32bit(mo_call *c)
{
    const pe_state *st = state(c);
    return st ? mo_int(!st->pe.is64) : mo_undef();
}

static mo_val is_64bit(mo_call *c)
{
    const pe_state *st = state(c);
    return st ? mo_int(st->pe.is64) : mo_undef();
}

static mo_val rva_to_offset(mo_call *c)
{
    const pe_state *st = state(c);
    if (!st)
        return mo_undef();
    int64_t off = fmt_pe_rva_to_offset(&st->pe, (uint64_t)mo_arg_int(c, 0));
    return off < 0 ? mo_undef() : mo_int(off);
}

/* ---- declarations, in yara 4.2.3's order ---- */

static const mo_decl version_pair[] = {MO_INTEGER("major"), MO_INTEGER("minor"), MO_END};
static const mo_decl key_value[] = {MO_STRING_("key"), MO_STRING_("value"), MO_END};
static const mo_decl data_directory[] = {
    MO_INTEGER("virtual_address"),
    MO_INTEGER("size"),
    MO_END,
};
static const mo_decl section[] = {
    MO_STRING_("name"),
    MO_STRING_("full_name"),
    MO_INTEGER("characteristics"),
    MO_INTEGER("virtual_address"),
    MO_INTEGER("virtual_size"),
    MO_INTEGER("raw_data_offset"),
    MO_INTEGER("raw_data_size"),
    MO_INTEGER("pointer_to_relocations"),
    MO_INTEGER("pointer_to_line_numbers"),
    MO_INTEGER("number_of_relocations"),
    MO_INTEGER("number_of_line_numbers"),
    MO_END,
};
static const mo_decl overlay[] = {MO_INTEGER("offset"), MO_INTEGER("size"), MO_END};
static const mo_decl rich_signature[] = {
    MO_INTEGER("offset"),
    MO_INTEGER("length"),
    MO_INTEGER("key"),
    MO_STRING_("raw_data"),
    MO_STRING_("clear_data"),
    MO_FUNCTION("version", "i", 'i', pe_fn_rich_version),
    MO_FUNCTION("version", "ii", 'i', pe_fn_rich_version_toolid),
    MO_FUNCTION("toolid", "i", 'i', pe_fn_rich_toolid),
    MO_FUNCTION("toolid", "ii", 'i', pe_fn_rich_toolid_version),
    MO_END,
};
static const mo_decl export_detail[] = {
    MO_INTEGER("offset"),
    MO_STRING_("name"),
    MO_STRING_("forward_name"),
    MO_INTEGER("ordinal"),
    MO_END,
};
static const mo_decl import_function[] = {MO_STRING_("name"), MO_INTEGER("ordinal"), MO_END};
static const mo_decl import_detail[] = {
    MO_STRING_("library_name"),
    MO_INTEGER("number_of_functions"),
    MO_STRUCT_ARRAY("functions", import_function),
    MO_END,
};
static const mo_decl resource[] = {
    MO_INTEGER("rva"),
    MO_INTEGER("offset"),
    MO_INTEGER("length"),
    MO_INTEGER("type"),
    MO_INTEGER("id"),
    MO_INTEGER("language"),
    MO_STRING_("type_string"),
    MO_STRING_("name_string"),
    MO_STRING_("language_string"),
    MO_END,
};
static const mo_decl signature[] = {
    MO_STRING_("thumbprint"),
    MO_STRING_("issuer"),
    MO_STRING_("subject"),
    MO_INTEGER("version"),
    MO_STRING_("algorithm"),
    MO_STRING_("algorithm_oid"),
    MO_STRING_("serial"),
    MO_INTEGER("not_before"),
    MO_INTEGER("not_after"),
    MO_FUNCTION("valid_on", "i", 'i', pe_fn_valid_on),
    MO_END,
};

static const mo_decl members[] = {
    MO_CONST_INT("MACHINE_UNKNOWN", 0),
    MO_CONST_INT("MACHINE_AM33", 467),
    MO_CONST_INT("MACHINE_AMD64", 34404),
    MO_CONST_INT("MACHINE_ARM", 448),
    MO_CONST_INT("MACHINE_ARMNT", 452),
    MO_CONST_INT("MACHINE_ARM64", 43620),
    MO_CONST_INT("MACHINE_EBC", 3772),
    MO_CONST_INT("MACHINE_I386", 332),
    MO_CONST_INT("MACHINE_IA64", 512),
    MO_CONST_INT("MACHINE_M32R", 36929),
    MO_CONST_INT("MACHINE_MIPS16", 614),
    MO_CONST_INT("MACHINE_MIPSFPU", 870),
    MO_CONST_INT("MACHINE_MIPSFPU16", 1126),
    MO_CONST_INT("MACHINE_POWERPC", 496),
    MO_CONST_INT("MACHINE_POWERPCFP", 497),
    MO_CONST_INT("MACHINE_R4000", 358),
    MO_CONST_INT("MACHINE_SH3", 418),
    MO_CONST_INT("MACHINE_SH3DSP", 419),
    MO_CONST_INT("MACHINE_SH4", 422),
    MO_CONST_INT("MACHINE_SH5", 424),
    MO_CONST_INT("MACHINE_THUMB", 450),
    MO_CONST_INT("MACHINE_WCEMIPSV2", 361),
    MO_CONST_INT("MACHINE_TARGET_HOST", 1),
    MO_CONST_INT("MACHINE_R3000", 354),
    MO_CONST_INT("MACHINE_R10000", 360),
    MO_CONST_INT("MACHINE_ALPHA", 388),
    MO_CONST_INT("MACHINE_SH3E", 420),
    MO_CONST_INT("MACHINE_ALPHA64", 644),
    MO_CONST_INT("MACHINE_AXP64", 644),
    MO_CONST_INT("MACHINE_TRICORE", 1312),
    MO_CONST_INT("MACHINE_CEF", 3311),
    MO_CONST_INT("MACHINE_CEE", 49390),
    MO_CONST_INT("SUBSYSTEM_UNKNOWN", 0),
    MO_CONST_INT("SUBSYSTEM_NATIVE", 1),
    MO_CONST_INT("SUBSYSTEM_WINDOWS_GUI", 2),
    MO_CONST_INT("SUBSYSTEM_WINDOWS_CUI", 3),
    MO_CONST_INT("SUBSYSTEM_OS2_CUI", 5),
    MO_CONST_INT("SUBSYSTEM_POSIX_CUI", 7),
    MO_CONST_INT("SUBSYSTEM_NATIVE_WINDOWS", 8),
    MO_CONST_INT("SUBSYSTEM_WINDOWS_CE_GUI", 9),
    MO_CONST_INT("SUBSYSTEM_EFI_APPLICATION", 10),
    MO_CONST_INT("SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER", 11),
    MO_CONST_INT("SUBSYSTEM_EFI_RUNTIME_DRIVER", 12),
    MO_CONST_INT("SUBSYSTEM_EFI_ROM_IMAGE", 13),
    MO_CONST_INT("SUBSYSTEM_XBOX", 14),
    MO_CONST_INT("SUBSYSTEM_WINDOWS_BOOT_APPLICATION", 16),
    MO_CONST_INT("HIGH_ENTROPY_VA", 32),
    MO_CONST_INT("DYNAMIC_BASE", 64),
    MO_CONST_INT("FORCE_INTEGRITY", 128),
    MO_CONST_INT("NX_COMPAT", 256),
    MO_CONST_INT("NO_ISOLATION", 512),
    MO_CONST_INT("NO_SEH", 1024),
    MO_CONST_INT("NO_BIND", 2048),
    MO_CONST_INT("APPCONTAINER", 4096),
    MO_CONST_INT("WDM_DRIVER", 8192),
    MO_CONST_INT("GUARD_CF", 16384),
    MO_CONST_INT("TERMINAL_SERVER_AWARE", 32768),
    MO_CONST_INT("RELOCS_STRIPPED", 1),
    MO_CONST_INT("EXECUTABLE_IMAGE", 2),
    MO_CONST_INT("LINE_NUMS_STRIPPED", 4),
    MO_CONST_INT("LOCAL_SYMS_STRIPPED", 8),
    MO_CONST_INT("AGGRESIVE_WS_TRIM", 16),
    MO_CONST_INT("LARGE_ADDRESS_AWARE", 32),
    MO_CONST_INT("BYTES_REVERSED_LO", 128),
    MO_CONST_INT("MACHINE_32BIT", 256),
    MO_CONST_INT("DEBUG_STRIPPED", 512),
    MO_CONST_INT("REMOVABLE_RUN_FROM_SWAP", 1024),
    MO_CONST_INT("NET_RUN_FROM_SWAP", 2048),
    MO_CONST_INT("SYSTEM", 4096),
    MO_CONST_INT("DLL", 8192),
    MO_CONST_INT("UP_SYSTEM_ONLY", 16384),
    MO_CONST_INT("BYTES_REVERSED_HI", 32768),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_EXPORT", 0),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_IMPORT", 1),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_RESOURCE", 2),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_EXCEPTION", 3),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_SECURITY", 4),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_BASERELOC", 5),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_DEBUG", 6),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_ARCHITECTURE", 7),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_COPYRIGHT", 7),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_GLOBALPTR", 8),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_TLS", 9),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG", 10),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT", 11),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_IAT", 12),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT", 13),
    MO_CONST_INT("IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR", 14),
    MO_CONST_INT("IMAGE_NT_OPTIONAL_HDR32_MAGIC", 267),
    MO_CONST_INT("IMAGE_NT_OPTIONAL_HDR64_MAGIC", 523),
    MO_CONST_INT("IMAGE_ROM_OPTIONAL_HDR_MAGIC", 263),
    MO_CONST_INT("SECTION_NO_PAD", 8),
    MO_CONST_INT("SECTION_CNT_CODE", 32),
    MO_CONST_INT("SECTION_CNT_INITIALIZED_DATA", 64),
    MO_CONST_INT("SECTION_CNT_UNINITIALIZED_DATA", 128),
    MO_CONST_INT("SECTION_LNK_OTHER", 256),
    MO_CONST_INT("SECTION_LNK_INFO", 512),
    MO_CONST_INT("SECTION_LNK_REMOVE", 2048),
    MO_CONST_INT("SECTION_LNK_COMDAT", 4096),
    MO_CONST_INT("SECTION_NO_DEFER_SPEC_EXC", 16384),
    MO_CONST_INT("SECTION_GPREL", 32768),
    MO_CONST_INT("SECTION_MEM_FARDATA", 32768),
    MO_CONST_INT("SECTION_MEM_PURGEABLE", 131072),
    MO_CONST_INT("SECTION_MEM_16BIT", 131072),
    MO_CONST_INT("SECTION_MEM_LOCKED", 262144),
    MO_CONST_INT("SECTION_MEM_PRELOAD", 524288),
    MO_CONST_INT("SECTION_ALIGN_1BYTES", 1048576),
    MO_CONST_INT("SECTION_ALIGN_2BYTES", 2097152),
    MO_CONST_INT("SECTION_ALIGN_4BYTES", 3145728),
    MO_CONST_INT("SECTION_ALIGN_8BYTES", 4194304),
    MO_CONST_INT("SECTION_ALIGN_16BYTES", 5242880),
    MO_CONST_INT("SECTION_ALIGN_32BYTES", 6291456),
    MO_CONST_INT("SECTION_ALIGN_64BYTES", 7340032),
    MO_CONST_INT("SECTION_ALIGN_128BYTES", 8388608),
    MO_CONST_INT("SECTION_ALIGN_256BYTES", 9437184),
    MO_CONST_INT("SECTION_ALIGN_512BYTES", 10485760),
    MO_CONST_INT("SECTION_ALIGN_1024BYTES", 11534336),
    MO_CONST_INT("SECTION_ALIGN_2048BYTES", 12582912),
    MO_CONST_INT("SECTION_ALIGN_4096BYTES", 13631488),
    MO_CONST_INT("SECTION_ALIGN_8192BYTES", 14680064),
    MO_CONST_INT("SECTION_ALIGN_MASK", 15728640),
    MO_CONST_INT("SECTION_LNK_NRELOC_OVFL", 16777216),
    MO_CONST_INT("SECTION_MEM_DISCARDABLE", 33554432),
    MO_CONST_INT("SECTION_MEM_NOT_CACHED", 67108864),
    MO_CONST_INT("SECTION_MEM_NOT_PAGED", 134217728),
    MO_CONST_INT("SECTION_MEM_SHARED", 268435456),
    MO_CONST_INT("SECTION_MEM_EXECUTE", 536870912),
    MO_CONST_INT("SECTION_MEM_READ", 1073741824),
    MO_CONST_INT("SECTION_MEM_WRITE", 2147483648),
    MO_CONST_INT("SECTION_SCALE_INDEX", 1),
    MO_CONST_INT("RESOURCE_TYPE_CURSOR", 1),
    MO_CONST_INT("RESOURCE_TYPE_BITMAP", 2),
    MO_CONST_INT("RESOURCE_TYPE_ICON", 3),
    MO_CONST_INT("RESOURCE_TYPE_MENU", 4),
    MO_CONST_INT("RESOURCE_TYPE_DIALOG", 5),
    MO_CONST_INT("RESOURCE_TYPE_STRING", 6),
    MO_CONST_INT("RESOURCE_TYPE_FONTDIR", 7),
    MO_CONST_INT("RESOURCE_TYPE_FONT", 8),
    MO_CONST_INT("RESOURCE_TYPE_ACCELERATOR", 9),
    MO_CONST_INT("RESOURCE_TYPE_RCDATA", 10),
    MO_CONST_INT("RESOURCE_TYPE_MESSAGETABLE", 11),
    MO_CONST_INT("RESOURCE_TYPE_GROUP_CURSOR", 12),
    MO_CONST_INT("RESOURCE_TYPE_GROUP_ICON", 14),
    MO_CONST_INT("RESOURCE_TYPE_VERSION", 16),
    MO_CONST_INT("RESOURCE_TYPE_DLGINCLUDE", 17),
    MO_CONST_INT("RESOURCE_TYPE_PLUGPLAY", 19),
    MO_CONST_INT("RESOURCE_TYPE_VXD", 20),
    MO_CONST_INT("RESOURCE_TYPE_ANICURSOR", 21),
    MO_CONST_INT("RESOURCE_TYPE_ANIICON", 22),
    MO_CONST_INT("RESOURCE_TYPE_HTML", 23),
    MO_CONST_INT("RESOURCE_TYPE_MANIFEST", 24),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_UNKNOWN", 0),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_COFF", 1),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_CODEVIEW", 2),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_FPO", 3),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_MISC", 4),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_EXCEPTION", 5),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_FIXUP", 6),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_OMAP_TO_SRC", 7),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_OMAP_FROM_SRC", 8),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_BORLAND", 9),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_RESERVED10", 10),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_CLSID", 11),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_VC_FEATURE", 12),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_POGO", 13),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_ILTCG", 14),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_MPX", 15),
    MO_CONST_INT("IMAGE_DEBUG_TYPE_REPRO", 16),
    MO_INTEGER("is_pe"),
    MO_INTEGER("machine"),
    MO_INTEGER("number_of_sections"),
    MO_INTEGER("timestamp"),
    MO_INTEGER("pointer_to_symbol_table"),
    MO_INTEGER("number_of_symbols"),
    MO_INTEGER("size_of_optional_header"),
    MO_INTEGER("characteristics"),
    MO_INTEGER("entry_point"),
    MO_INTEGER("entry_point_raw"),
    MO_INTEGER("image_base"),
    MO_INTEGER("number_of_rva_and_sizes"),
    MO_INTEGER("number_of_version_infos"),
    MO_DICT_OF("version_info", MO_STRING),
    MO_STRUCT_ARRAY("version_info_list", key_value),
    MO_INTEGER("opthdr_magic"),
    MO_INTEGER("size_of_code"),
    MO_INTEGER("size_of_initialized_data"),
    MO_INTEGER("size_of_uninitialized_data"),
    MO_INTEGER("base_of_code"),
    MO_INTEGER("base_of_data"),
    MO_INTEGER("section_alignment"),
    MO_INTEGER("file_alignment"),
    MO_STRUCT_("linker_version", version_pair),
    MO_STRUCT_("os_version", version_pair),
    MO_STRUCT_("image_version", version_pair),
    MO_STRUCT_("subsystem_version", version_pair),
    MO_INTEGER("win32_version_value"),
    MO_INTEGER("size_of_image"),
    MO_INTEGER("size_of_headers"),
    MO_INTEGER("checksum"),
    MO_FUNCTION("calculate_checksum", "", 'i', calculate_checksum),
    MO_INTEGER("subsystem"),
    MO_INTEGER("dll_characteristics"),
    MO_INTEGER("size_of_stack_reserve"),
    MO_INTEGER("size_of_stack_commit"),
    MO_INTEGER("size_of_heap_reserve"),
    MO_INTEGER("size_of_heap_commit"),
    MO_INTEGER("loader_flags"),
    MO_STRUCT_ARRAY("data_directories", data_directory),
    MO_STRUCT_ARRAY("sections", section),
    MO_STRUCT_("overlay", overlay),
    MO_STRUCT_("rich_signature", rich_signature),
    MO_FUNCTION("imphash", "", 's', pe_fn_imphash),
    MO_CONST_INT("IMPORT_DELAYED", 2),
    MO_CONST_INT("IMPORT_STANDARD", 1),
    MO_CONST_INT("IMPORT_ANY", -1),
    MO_FUNCTION("section_index", "s", 'i', section_index_name),
    MO_FUNCTION("section_index", "i", 'i', section_index_addr),
    MO_FUNCTION("exports", "s", 'i', pe_fn_exports_name),
    MO_FUNCTION("exports", "r", 'i', pe_fn_exports_regex),
    MO_FUNCTION("exports", "i", 'i', pe_fn_exports_ordinal),
    MO_FUNCTION("exports_index", "s", 'i', pe_fn_exports_index_name),
    MO_FUNCTION("exports_index", "i", 'i', pe_fn_exports_index_ordinal),
    MO_FUNCTION("exports_index", "r", 'i', pe_fn_exports_index_regex),
    MO_FUNCTION("imports", "ss", 'i', pe_fn_imports_ss),
    MO_FUNCTION("imports", "si", 'i', pe_fn_imports_si),
    MO_FUNCTION("imports", "s", 'i', pe_fn_imports_s),
    MO_FUNCTION("imports", "rr", 'i', pe_fn_imports_rr),
    MO_FUNCTION("imports", "iss", 'i', pe_fn_imports_iss),
    MO_FUNCTION("imports", "isi", 'i', pe_fn_imports_isi),
    MO_FUNCTION("imports", "is", 'i', pe_fn_imports_is),
    MO_FUNCTION("imports", "irr", 'i', pe_fn_imports_irr),
    MO_FUNCTION("locale", "i", 'i', pe_fn_locale),
    MO_FUNCTION("language", "i", 'i', pe_fn_language),
    MO_FUNCTION("is_dll", "", 'i', is_dll),
    MO_FUNCTION("is_32bit", "", 'i', is_32bit),
    MO_FUNCTION("is_64bit", "", 'i', is_64bit),
    MO_INTEGER("number_of_imports"),
    MO_INTEGER("number_of_imported_functions"),
    MO_INTEGER("number_of_delayed_imports"),
    MO_INTEGER("number_of_delayed_imported_functions"),
    MO_INTEGER("number_of_exports"),
    MO_STRING_("dll_name"),
    MO_INTEGER("export_timestamp"),
    MO_STRUCT_ARRAY("export_details", export_detail),
    MO_STRUCT_ARRAY("import_details", import_detail),
    /* yara 4.2.3 declares this name but fills "delayed_import_details", a
     * path that does not exist: the array is always empty there, so it is
     * here (pe.imports(pe.IMPORT_DELAYED, ...) does see delayed imports) */
    MO_STRUCT_ARRAY("delay_import_details", import_detail),
    MO_INTEGER("resource_timestamp"),
    MO_STRUCT_("resource_version", version_pair),
    MO_STRUCT_ARRAY("resources", resource),
    MO_INTEGER("number_of_resources"),
    MO_STRING_("pdb_path"),
    MO_STRUCT_ARRAY("signatures", signature),
    MO_INTEGER("number_of_signatures"),
    MO_FUNCTION("rva_to_offset", "i", 'i', rva_to_offset),
    MO_END,
};

/* ---- load: headers and sections ---- */

static void set_headers(mo_ctx *c, mo_obj *root, const fmt_pe *pe)
{
    mo_seti(c, root, 1, "is_pe");
    mo_seti(c, root, pe->machine, "machine");
    mo_seti(c, root, pe->number_of_sections, "number_of_sections");
    mo_seti(c, root, pe->timestamp, "timestamp");
    mo_seti(c, root, pe->pointer_to_symbol_table, "pointer_to_symbol_table");
    mo_seti(c, root, pe->number_of_symbols, "number_of_symbols");
    mo_seti(c, root, pe->size_of_optional_header, "size_of_optional_header");
    mo_seti(c, root, pe->characteristics, "characteristics");
    /* -1 when the entry point maps to no file byte, as in yara */
    mo_seti(c, root, fmt_pe_entry_offset(pe), "entry_point");
    mo_seti(c, root, pe->entry_point, "entry_point_raw");
    mo_seti(c, root, (int64_t)pe->image_base, "image_base");
    mo_seti(c, root, pe->number_of_rva_and_sizes, "number_of_rva_and_sizes");
    mo_seti(c, root, pe->magic, "opthdr_magic");
    mo_seti(c, root, pe->linker_major, "linker_version.major");
    mo_seti(c, root, pe->linker_minor, "linker_version.minor");
    mo_seti(c, root, pe->size_of_code, "size_of_code");
    mo_seti(c, root, pe->size_of_initialized_data, "size_of_initialized_data");
    mo_seti(c, root, pe->size_of_uninitialized_data, "size_of_uninitialized_data");
    mo_seti(c, root, pe->base_of_code, "base_of_code");
    if (!pe->is64)
        mo_seti(c, root, pe->base_of_data, "base_of_data");
    mo_seti(c, root, pe->section_alignment, "section_alignment");
    mo_seti(c, root, pe->file_alignment, "file_alignment");
    mo_seti(c, root, pe->os_major, "os_version.major");
    mo_seti(c, root, pe->os_minor, "os_version.minor");
    mo_seti(c, root, pe->image_major, "image_version.major");
    mo_seti(c, root, pe->image_minor, "image_version.minor");
    mo_seti(c, root, pe->subsystem_major, "subsystem_version.major");
    mo_seti(c, root, pe->subsystem_minor, "subsystem_version.minor");
    mo_seti(c, root, pe->win32_version_value, "win32_version_value");
    mo_seti(c, root, pe->size_of_image, "size_of_image");
    mo_seti(c, root, pe->size_of_headers, "size_of_headers");
    mo_seti(c, root, pe->checksum, "checksum");
    mo_seti(c, root, pe->subsystem, "subsystem");
    mo_seti(c, root, pe->dll_characteristics, "dll_characteristics");
    mo_seti(c, root, (int64_t)pe->stack_reserve, "size_of_stack_reserve");
    mo_seti(c, root, (int64_t)pe->stack_commit, "size_of_stack_commit");
    mo_seti(c, root, (int64_t)pe->heap_reserve, "size_of_heap_reserve");
    mo_seti(c, root, (int64_t)pe->heap_commit, "size_of_heap_commit");
    mo_seti(c, root, pe->loader_flags, "loader_flags");
    /* yara reads the count into an int: a count >= 2^31 gives no entries */
    int32_t n = (int32_t)pe->number_of_rva_and_sizes;
    for (int32_t i = 0; i < n && i < FMT_PE_DIRECTORIES; i++) {
        uint64_t at = pe->opt_offset + (pe->is64 ? 112 : 96) + 8 * (uint64_t)i;
        if (!fmt_pe_fits(pe, at, 8))
            break;
        uint32_t rva = 0, size = 0;
        const uint8_t *p = pe->data + at;
        rva = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        size = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        mo_seti(c, root, rva, "data_directories[%d].virtual_address", i);
        mo_seti(c, root, size, "data_directories[%d].size", i);
    }
}

/* A "/123" section name is an offset into the COFF string table (right
 * after the symbol table); yara gives up (full_name undefined) on a name
 * running off the file or holding a non-printable byte. */
static void set_full_name(mo_ctx *c, mo_obj *root, const fmt_pe *pe, unsigned i,
                          const uint8_t *name, size_t name_len)
{
    if (pe->pointer_to_symbol_table == 0 || name[0] != '/') {
        mo_sets(c, root, name, name_len, "sections[%u].full_name", i);
        return;
    }
    uint64_t index = 0;
    for (int k = 1; k < 8 && isdigit(name[k]); k++)
        index = index * 10 + (uint64_t)(name[k] - '0');
    uint64_t at = pe->pointer_to_symbol_table + (uint64_t)pe->number_of_symbols * 18 + index;
    for (uint64_t len = 0; fmt_pe_fits(pe, at, len + 1); len++) {
        uint8_t ch = pe->data[at + len];
        if (ch == 0) {
            mo_sets(c, root, pe->data + at, (size_t)len, "sections[%u].full_name", i);
            return;
        }
        /* isprint of a (signed) char: bytes >= 0x80 are not printable */
        if (ch >= 0x80 || !isprint(ch))
            return;
    }
}

static void set_sections(mo_ctx *c, mo_obj *root, const fmt_pe *pe)
{
    uint64_t top_off = 0, top_size = 0;
    for (unsigned i = 0; i < fmt_pe_section_count(pe); i++) {
        fmt_pe_section s;
        if (!fmt_pe_section_at(pe, i, &s))
            break;
        uint8_t name[9] = {0};
        memcpy(name, s.name, 8);
        /* yara strips trailing NULs only: "a\0b" keeps its inner NUL */
        size_t len = 8;
        while (len > 0 && name[len - 1] == 0)
            len--;
        mo_sets(c, root, name, len, "sections[%u].name", i);
        set_full_name(c, root, pe, i, name, len);
        mo_seti(c, root, s.characteristics, "sections[%u].characteristics", i);
        mo_seti(c, root, s.raw_size, "sections[%u].raw_data_size", i);
        mo_seti(c, root, s.raw_offset, "sections[%u].raw_data_offset", i);
        mo_seti(c, root, s.virtual_address, "sections[%u].virtual_address", i);
        mo_seti(c, root, s.virtual_size, "sections[%u].virtual_size", i);
        mo_seti(c, root, s.relocations_offset, "sections[%u].pointer_to_relocations", i);
        mo_seti(c, root, s.line_numbers_offset, "sections[%u].pointer_to_line_numbers", i);
        mo_seti(c, root, s.relocations, "sections[%u].number_of_relocations", i);
        mo_seti(c, root, s.line_numbers, "sections[%u].number_of_line_numbers", i);
        /* the overlay starts after the section ending last on disk; yara
         * sums offset and size in 32 bits */
        uint64_t end = (uint32_t)(s.raw_offset + s.raw_size);
        if (end > top_off + top_size) {
            top_off = s.raw_offset;
            top_size = s.raw_size;
        }
    }
    uint64_t last = top_off + top_size;
    bool has = last && pe->len > last;
    mo_seti(c, root, has ? (int64_t)last : 0, "overlay.offset");
    mo_seti(c, root, has ? (int64_t)(pe->len - last) : 0, "overlay.size");
}

static vigil_status load(mo_ctx *c, mo_obj *root, const uint8_t *data, size_t len, void **priv)
{
    mo_seti(c, root, 0, "is_pe");
    fmt_pe pe;
    if (!fmt_pe_parse(data, len, &pe))
        return mo_ctx_failed(c) ? VIGIL_E_NOMEM : VIGIL_OK;
    pe_state *st = mo_alloc(c, sizeof(*st));
    if (!st)
        return VIGIL_E_NOMEM;
    memset(st, 0, sizeof(*st));
    st->pe = pe;
    *priv = st;
    /* yara's order: headers (resources and version info among them),
     * rich header, debug directory, signatures, imports, delayed imports,
     * exports */
    set_headers(c, root, &pe);
    vigil_status s = pe_load_resources(c, root, st);
    if (s == VIGIL_OK) {
        set_sections(c, root, &pe);
        pe_load_rich(c, root, st);
        pe_load_debug(c, root, st);
        pe_load_signatures(c, root, st);
        s = pe_load_imports(c, root, st);
    }
    if (s == VIGIL_OK)
        s = pe_load_delayed_imports(c, root, st);
    if (s == VIGIL_OK)
        s = pe_load_exports(c, root, st);
    if (s == VIGIL_OK && mo_ctx_failed(c))
        s = VIGIL_E_NOMEM;
    return s;
}

const mo_module mo_module_pe = {
    .name = "pe",
    .members = members,
    .load = load,
};

/* ---- shared string helpers ---- */

size_t pe_strnlen(const fmt_pe *pe, uint64_t off, size_t max)
{
    if (off >= pe->len)
        return 0;
    size_t room = pe->len - (size_t)off;
    return strnlen((const char *)pe->data + off, room < max ? room : max);
}

const char *pe_strndup(mo_ctx *c, const fmt_pe *pe, int64_t off, size_t max)
{
    size_t n = off < 0 ? 0 : pe_strnlen(pe, (uint64_t)off, max);
    char *s = mo_alloc(c, n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, pe->data + off, n);
    s[n] = '\0';
    return s;
}
