/*
 * object.h - what a YARA module gives the conditions: yara's object tree
 * (`pe.sections[0].name`, `pe.version_info["CompanyName"]`,
 * `pe.exports("x")`). A module declares its tree once, as static tables
 * (mo_decl); for each scanned object it fills a value tree (mo_obj) that
 * mirrors the declaration, in an arena that is reset between objects.
 * Anything a module leaves unset is UNDEFINED, as in yara.
 *
 * Declarations are also what the rule compiler type-checks against, and
 * their order is what `vigil yara -D` prints in (yara prints the members of
 * a declared structure in reverse order and those of array and dictionary
 * elements in declaration order, each further array level flipping it
 * again; mo_visit does the same). Keep a module's tables in yara's
 * declaration order.
 *
 * Nothing here trusts the scanned bytes: modules parse them with the
 * bounds-checked readers of lib/util/cursor.h and only set values here.
 */
#ifndef VIGIL_MODULES_OBJECT_H
#define VIGIL_MODULES_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

/* ---- declarations ---- */

typedef enum mo_type {
    MO_INT = 1,
    MO_FLOAT,
    MO_STRING,
    MO_STRUCT,
    MO_ARRAY, /* of `elem` (MO_INT, MO_FLOAT, MO_STRING or MO_STRUCT) */
    MO_DICT,  /* string keys to `elem` */
    MO_FUNC,
} mo_type;

/* A value as conditions see it. */
typedef enum mo_kind { MO_UNDEF = 0, MO_VINT, MO_VFLOAT, MO_VSTRING } mo_kind;
typedef struct mo_val {
    mo_kind kind;
    int64_t i;
    double f;
    const uint8_t *s; /* MO_VSTRING: bytes (arena or static), not NUL-terminated */
    size_t len;
} mo_val;

typedef struct mo_call mo_call;
typedef struct mo_decl mo_decl;

/* A module function: reads its arguments with mo_arg_*, returns its result
 * (MO_UNDEF for yara's UNDEFINED). */
typedef mo_val (*mo_fn)(mo_call *call);

struct mo_decl {
    const char *name; /* NULL ends a member table */
    uint8_t type;     /* mo_type */
    uint8_t elem;     /* MO_ARRAY / MO_DICT: element type */
    const mo_decl *members; /* MO_STRUCT, or arrays/dicts of MO_STRUCT: member table */
    /* MO_FUNC: argument types ('i' integer, 'f' float, 's' string, 'r'
     * regex, 'b' boolean (passed as integer 0/1); "" for none), result type ('i', 'f' or 's'). Overloads are
     * members of the same name with different arguments. */
    const char *args;
    char ret;
    mo_fn fn;
    /* MO_FUNC: it does something besides returning a value (console.log):
     * rules calling it are evaluated whole, in order, as yara does, never
     * decided early by the prefilter */
    bool effects;
    /* constants (pe.MACHINE_I386): values every object has */
    bool is_const;
    int64_t const_i;
    double const_f;
    const char *const_s;
};

#define MO_INTEGER(n) {.name = (n), .type = MO_INT}
#define MO_FLOAT_(n) {.name = (n), .type = MO_FLOAT}
#define MO_STRING_(n) {.name = (n), .type = MO_STRING}
#define MO_STRUCT_(n, m) {.name = (n), .type = MO_STRUCT, .members = (m)}
#define MO_ARRAY_OF(n, t) {.name = (n), .type = MO_ARRAY, .elem = (t)}
#define MO_STRUCT_ARRAY(n, m) {.name = (n), .type = MO_ARRAY, .elem = MO_STRUCT, .members = (m)}
#define MO_DICT_OF(n, t) {.name = (n), .type = MO_DICT, .elem = (t)}
#define MO_STRUCT_DICT(n, m) {.name = (n), .type = MO_DICT, .elem = MO_STRUCT, .members = (m)}
#define MO_FUNCTION(n, a, r, f) {.name = (n), .type = MO_FUNC, .args = (a), .ret = (r), .fn = (f)}
#define MO_FUNCTION_EFFECT(n, a, r, f) \
    {.name = (n), .type = MO_FUNC, .args = (a), .ret = (r), .fn = (f), .effects = true}
#define MO_CONST_INT(n, v) {.name = (n), .type = MO_INT, .is_const = true, .const_i = (v)}
#define MO_CONST_FLOAT(n, v) {.name = (n), .type = MO_FLOAT, .is_const = true, .const_f = (v)}
#define MO_CONST_STRING(n, v) {.name = (n), .type = MO_STRING, .is_const = true, .const_s = (v)}
#define MO_END {.name = NULL}

typedef struct mo_obj mo_obj; /* one value node; lives in an mo_ctx arena */
typedef struct mo_ctx mo_ctx; /* the arena and state of one module over one object */

typedef struct mo_module {
    const char *name;
    const mo_decl *members; /* the module's top-level structure */
    /* Fills root (a structure of `members`) from the object's bytes. May keep
     * parsed state in *priv for its functions (freed by unload). Returns
     * VIGIL_OK for any input, however malformed (values stay undefined);
     * other codes only for resource failures. NULL when the module has no
     * per-object data (math, hash: functions only). */
    vigil_status (*load)(mo_ctx *c, mo_obj *root, const uint8_t *data, size_t len, void **priv);
    void (*unload)(void *priv);
    /* Releases what the module kept in mo_instance_slot (may be NULL): called
     * once, when the scanner's instance of the module goes. */
    void (*fini)(void *instance);
} mo_module;

/* ---- building values (module load functions) ---- */

/* The member `name` of structure o, created on first use; NULL when o is
 * not a structure, has no such member, or memory ran out (then
 * mo_ctx_failed). Every accessor below accepts NULL and returns NULL, so a
 * chain of them needs one check at the end. */
mo_obj *mo_member(mo_ctx *c, mo_obj *o, const char *name);
/* Element i of array o, created on first use (the array grows; elements
 * between stay undefined). Indices above MO_MAX_ELEMS give NULL. */
mo_obj *mo_element(mo_ctx *c, mo_obj *o, uint64_t i);
/* The entry for key in dictionary o, created on first use. */
mo_obj *mo_entry(mo_ctx *c, mo_obj *o, const void *key, size_t key_len);

void mo_set_int(mo_obj *o, int64_t v);
void mo_set_float(mo_obj *o, double v);
/* Copies the bytes into the arena. */
void mo_set_string(mo_ctx *c, mo_obj *o, const void *s, size_t len);

/* yara-style shorthands: the path is formatted (printf) and walked from
 * root: "sections[%u].name", "version_info[%s]" (a dictionary key in
 * brackets is taken verbatim up to the closing bracket; use mo_entry for
 * keys holding ']'). A path that does not fit the declarations is a
 * programming error and sets nothing (and fails a debug assertion). */
void mo_seti(mo_ctx *c, mo_obj *root, int64_t v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mo_setf(mo_ctx *c, mo_obj *root, double v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mo_sets(mo_ctx *c, mo_obj *root, const void *s, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Like mo_sets for a NUL-terminated string. */
void mo_setz(mo_ctx *c, mo_obj *root, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Arena memory for a module's own use during load (freed with the object's
 * values); NULL when out of memory. */
void *mo_alloc(mo_ctx *c, size_t n);
/* Whether memory ran out while building (the load should return NOMEM). */
bool mo_ctx_failed(const mo_ctx *c);

/* Caps on what one object may make a module build (hostile files). */
#define MO_MAX_ELEMS ((uint64_t)1 << 20)
#define MO_MAX_ARENA ((size_t)256 << 20)

/* ---- reading values (evaluator, functions, printing) ---- */

const mo_decl *mo_obj_decl(const mo_obj *o);
/* Member number k of a structure (index into its decl table), or NULL. */
const mo_obj *mo_get_member(const mo_obj *o, uint32_t k);
/* Array element; NULL when out of range or never set. */
const mo_obj *mo_get_element(const mo_obj *o, int64_t i);
/* Dictionary entry; NULL when absent. */
const mo_obj *mo_get_entry(const mo_obj *o, const void *key, size_t key_len);
/* Array: 1 + highest index set (0 when empty); dictionary: number of keys. */
uint64_t mo_count(const mo_obj *o);
/* Dictionary entry number k (insertion order), its key in *key. */
const mo_obj *mo_entry_at(const mo_obj *o, uint64_t k, const uint8_t **key, size_t *key_len);
/* A leaf's value (constants included); MO_UNDEF for unset leaves, NULL, or
 * non-leaves. */
mo_val mo_value(const mo_obj *o);

/* The declaration of member k of a member table (bounds-checked), or NULL. */
const mo_decl *mo_member_decl(const mo_decl *members, uint32_t k);
/* The value of leaf member k of structure o, whose member table is
 * `members` (o may be NULL: constants are still known). */
mo_val mo_member_value(const mo_obj *o, const mo_decl *members, uint32_t k);

/* Index of member `name` in a decl table with the given argument types for
 * functions (NULL args: the first member of that name), or -1. */
int mo_find_member(const mo_decl *members, const char *name, const char *args);

/* ---- the per-object context ---- */

mo_ctx *mo_ctx_new(void);
void mo_ctx_free(mo_ctx *c);
/* Forgets every value (keeps the arena's first block for the next object). */
void mo_ctx_reset(mo_ctx *c);
/* The root structure for module m, made empty in c. */
mo_obj *mo_ctx_root(mo_ctx *c, const mo_module *m);

/* ---- calling functions ---- */

/* Regex arguments are the evaluator's: it supplies the matcher, which
 * returns the length of the leftmost match of regex in s, or -1. */
typedef int64_t (*mo_regex_fn)(const void *regex, const uint8_t *s, size_t len, void *user);

struct mo_call {
    const mo_obj *self;   /* the structure the function is a member of */
    void *priv;           /* the module's load state for this object */
    const uint8_t *data;  /* the scanned object */
    size_t len;
    const mo_val *args;   /* 'i' 'f' 's' arguments by position */
    const void *const *regex; /* 'r' arguments by position (NULL for others) */
    mo_regex_fn regex_match;
    void *regex_user;
    mo_ctx *ctx;          /* arena for string results and caches */
    /* console.log's output: the front end decides where it goes (yara
     * prints it on stdout); NULL drops it */
    void (*log)(const uint8_t *msg, size_t len, void *log_user);
    void *log_user;
};

int64_t mo_arg_int(const mo_call *c, unsigned i);
double mo_arg_float(const mo_call *c, unsigned i);
const uint8_t *mo_arg_string(const mo_call *c, unsigned i, size_t *len);
/* yara's yr_re_match(regex argument i, s): s is read as a C string (up to
 * its first NUL); the length of the leftmost match, or -1 when none. */
int64_t mo_arg_regex_match_length(const mo_call *c, unsigned i, const uint8_t *s, size_t len);
/* Whether regex argument i matches anywhere in s (read as a C string):
 * mo_arg_regex_match_length(...) >= 0. */
bool mo_arg_regex_match(const mo_call *c, unsigned i, const uint8_t *s, size_t len);

static inline mo_val mo_int(int64_t v)
{
    mo_val r = {.kind = MO_VINT, .i = v};
    return r;
}
static inline mo_val mo_float(double v)
{
    mo_val r = {.kind = MO_VFLOAT, .f = v};
    return r;
}
static inline mo_val mo_string(const uint8_t *s, size_t len)
{
    mo_val r = {.kind = MO_VSTRING, .s = s, .len = len};
    return r;
}
static inline mo_val mo_undef(void)
{
    mo_val r = {.kind = MO_UNDEF};
    return r;
}

/* A slot that lives as long as the module's instance in one scanner,
 * across objects (magic keeps its libmagic handle there, as yara keeps one
 * per thread). Starts NULL; the module's fini releases it. Never shared
 * between threads: each scanner has its own instances. */
void **mo_instance_slot(mo_ctx *c);

/* A per-object cache slot for a module's functions (hash: digests of ranges
 * already computed). *slot starts NULL for each object; what is stored must
 * live in the arena. */
void **mo_cache_slot(mo_ctx *c);

/* ---- walking a tree (yara -D, vigil dump) ---- */

typedef enum mo_event {
    MO_EV_LEAF,   /* a leaf member or element: v holds its value (MO_UNDEF if unset) */
    MO_EV_ENTER,  /* a structure, array or dictionary begins (type in `type`) */
    MO_EV_LEAVE,  /* ... ends */
} mo_event;

typedef struct mo_item {
    mo_event ev;
    uint8_t type;     /* mo_type of the node */
    unsigned depth;   /* 0 for the module itself */
    const char *name; /* member name, or NULL for elements */
    bool is_element;  /* array element (index) or dictionary entry (key) */
    int64_t index;
    const uint8_t *key; /* dictionary entries */
    size_t key_len;
    mo_val v;
} mo_item;

typedef void (*mo_visit_fn)(const mo_item *it, void *user);

/* Walks module m's tree in yara -D order (functions are not visited). */
void mo_visit(const mo_module *m, const mo_obj *root, mo_visit_fn fn, void *user);

#endif
