/* ytree: libyaml event stream -> arena-allocated node tree (see ytree.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "jobspec/ytree.h"

/* Jobspecs nest a handful of levels; user attributes a few more.  The limit
 * keeps the recursive walkers (validation, JSON conversion) within a small
 * stack on hostile input. */
enum { YTREE_MAX_DEPTH = 128 };
enum { ARENA_BLOCK = 4096 };

struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

struct ytree {
    struct arena_block *blocks;
    struct ynode *root;
};

static void *arena_alloc(struct ytree *t, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    struct arena_block *b = t->blocks;
    if (!b || b->size - b->used < size) {
        size_t bsize = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = malloc(sizeof(*b) + bsize);
        if (!b)
            return NULL;
        b->next = t->blocks;
        b->used = 0;
        b->size = bsize;
        t->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

void jobspec_ytree_destroy(ytree_t *t)
{
    if (!t)
        return;
    int saved = errno;
    struct arena_block *b = t->blocks;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(t);
    errno = saved;
}

const struct ynode *jobspec_ytree_root(const ytree_t *t)
{
    return t ? t->root : NULL;
}

/* Builder state: the chain of open collections, each with its last child so
 * that appending is O(1). */
struct open_node {
    struct ynode *node;
    struct ynode *last;
};

struct builder {
    struct ytree *t;
    const char *name;
    struct st_error *err;
    struct open_node stack[YTREE_MAX_DEPTH];
    int depth;
    struct ynode *doc_root;
};

static int fail_at(struct builder *b, yaml_mark_t m, const char *what)
{
    return st_errorf(b->err, EINVAL, "%s:%zu:%zu: %s", b->name, m.line + 1, m.column + 1, what);
}

static bool is_str_tag(const yaml_char_t *tag)
{
    return tag && (strcmp((const char *) tag, YAML_STR_TAG) == 0 ||
                   strcmp((const char *) tag, "!") == 0);
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, yaml_mark_t m)
{
    struct ynode *n = arena_alloc(b->t, sizeof(*n));
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->line = (unsigned) m.line + 1;
    n->col = (unsigned) m.column + 1;
    return n;
}

static bool key_equal(const struct ynode *a, const struct ynode *b)
{
    return a->kind == YNODE_SCALAR && b->kind == YNODE_SCALAR && a->len == b->len &&
           memcmp(a->str, b->str, a->len) == 0;
}

/* Duplicate keys would make lookups ambiguous; reject them where added. */
static int check_duplicate_key(struct builder *b, const struct open_node *parent,
                               const struct ynode *key)
{
    if (parent->node->kind != YNODE_MAP || parent->node->n % 2 != 0)
        return 0;
    for (const struct ynode *k = parent->node->first; k; k = k->next->next) {
        if (key_equal(k, key)) {
            yaml_mark_t m = {0, key->line - 1, key->col - 1};
            char msg[160];
            snprintf(msg, sizeof(msg), "duplicate key \"%.100s\"", key->str);
            return fail_at(b, m, msg);
        }
        if (!k->next)
            break;
    }
    return 0;
}

static int attach(struct builder *b, struct ynode *n)
{
    if (b->depth == 0) {
        b->doc_root = n;
        return 0;
    }
    struct open_node *parent = &b->stack[b->depth - 1];
    if (check_duplicate_key(b, parent, n) < 0)
        return -1;
    if (parent->last)
        parent->last->next = n;
    else
        parent->node->first = n;
    parent->last = n;
    parent->node->n++;
    return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    struct ynode *n = node_new(b, YNODE_SCALAR, ev->start_mark);
    if (!n)
        return st_errorf(b->err, ENOMEM, "%s: out of memory", b->name);
    size_t len = ev->data.scalar.length;
    char *s = arena_alloc(b->t, len + 1);
    if (!s)
        return st_errorf(b->err, ENOMEM, "%s: out of memory", b->name);
    memcpy(s, ev->data.scalar.value, len);
    s[len] = '\0';
    n->str = s;
    n->len = len;
    n->plain =
        ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !is_str_tag(ev->data.scalar.tag);
    return attach(b, n);
}

static int on_collection_start(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind)
{
    if (b->depth >= YTREE_MAX_DEPTH)
        return fail_at(b, ev->start_mark, "nesting is too deep");
    struct ynode *n = node_new(b, kind, ev->start_mark);
    if (!n)
        return st_errorf(b->err, ENOMEM, "%s: out of memory", b->name);
    if (attach(b, n) < 0)
        return -1;
    b->stack[b->depth].node = n;
    b->stack[b->depth].last = NULL;
    b->depth++;
    return 0;
}

/* Handle one event; 1 when the stream is complete, 0 to continue, -1 on error. */
static int on_event(struct builder *b, const yaml_event_t *ev, int *ndocs)
{
    switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_NO_EVENT:
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (++*ndocs > 1)
            return fail_at(b, ev->start_mark, "only one YAML document is allowed");
        return 0;
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_ALIAS_EVENT:
        return fail_at(b, ev->start_mark, "YAML aliases are not supported");
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_collection_start(b, ev, YNODE_SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_collection_start(b, ev, YNODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        b->depth--;
        return 0;
    }
    return 0;
}

static int syntax_error(struct builder *b, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return st_errorf(b->err, ENOMEM, "%s: out of memory", b->name);
    const char *problem = p->problem ? p->problem : "syntax error";
    yaml_mark_t m = p->problem_mark;
    /* JSON is read by the same YAML parser: the words must fit both. */
    if (p->context)
        return st_errorf(b->err, EINVAL, "%s:%zu:%zu: not valid YAML or JSON: %s %s", b->name,
                         m.line + 1, m.column + 1, problem, p->context);
    return st_errorf(b->err, EINVAL, "%s:%zu:%zu: not valid YAML or JSON: %s", b->name,
                     m.line + 1, m.column + 1, problem);
}

static int run_parser(struct builder *b, const char *buf, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return st_errorf(b->err, ENOMEM, "%s: out of memory", b->name);
    yaml_parser_set_input_string(&p, (const unsigned char *) buf, len);
    int ndocs = 0;
    int rc = 0;
    while (rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(b, &p);
            break;
        }
        rc = on_event(b, &ev, &ndocs);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (rc < 0)
        return -1;
    if (!b->doc_root)
        return st_errorf(b->err, EINVAL, "%s:1:1: empty document", b->name);
    return 0;
}

/* JSON reads through libyaml, but YAML takes U+0085, U+2028 and U+2029 as
 * line breaks (folded inside quoted scalars) while JSON takes them as plain
 * characters, and jansson writes them unescaped.  In a JSON document they
 * can only occur inside strings, where the \uXXXX escape means the same, so
 * a copy with them escaped reads as JSON intends.  NULL if no copy is
 * needed (or on allocation failure, *nomem set). */
static char *escape_json_breaks(const char *buf, size_t len, size_t *newlen, bool *nomem)
{
    size_t i = 0, extra = 0;
    *nomem = false;
    while (i < len && strchr(" \t\r\n", buf[i]) && buf[i] != '\0')
        i++;
    if (i >= len || buf[i] != '{')
        return NULL;
    for (size_t j = i; j + 1 < len; j++) {
        if ((unsigned char) buf[j] == 0xc2 && (unsigned char) buf[j + 1] == 0x85)
            extra += 4; /* 2 bytes -> 6 */
        else if (j + 2 < len && (unsigned char) buf[j] == 0xe2 &&
                 (unsigned char) buf[j + 1] == 0x80 &&
                 ((unsigned char) buf[j + 2] == 0xa8 || (unsigned char) buf[j + 2] == 0xa9))
            extra += 3; /* 3 bytes -> 6 */
    }
    if (extra == 0)
        return NULL;
    char *out = malloc(len + extra);
    if (!out) {
        *nomem = true;
        return NULL;
    }
    size_t o = 0;
    for (size_t j = 0; j < len; j++) {
        unsigned char c0 = (unsigned char) buf[j];
        unsigned char c1 = j + 1 < len ? (unsigned char) buf[j + 1] : 0;
        unsigned char c2 = j + 2 < len ? (unsigned char) buf[j + 2] : 0;
        if (j >= i && c0 == 0xc2 && c1 == 0x85) {
            memcpy(out + o, "\\u0085", 6);
            o += 6;
            j += 1;
        } else if (j >= i && c0 == 0xe2 && c1 == 0x80 && (c2 == 0xa8 || c2 == 0xa9)) {
            memcpy(out + o, c2 == 0xa8 ? "\\u2028" : "\\u2029", 6);
            o += 6;
            j += 2;
        } else {
            out[o++] = (char) c0;
        }
    }
    *newlen = o;
    return out;
}

ytree_t *jobspec_ytree_parse(const char *buf, size_t len, const char *name,
                             struct st_error *err)
{
    if (!buf || !name)
        return st_errorf_null(err, EINVAL, "%s: invalid argument", name ? name : "(null)");
    struct ytree *t = calloc(1, sizeof(*t));
    if (!t)
        return st_errorf_null(err, ENOMEM, "%s: out of memory", name);
    struct builder *b = calloc(1, sizeof(*b));
    if (!b) {
        free(t);
        return st_errorf_null(err, ENOMEM, "%s: out of memory", name);
    }
    b->t = t;
    b->name = name;
    b->err = err;
    bool nomem;
    size_t elen = 0;
    char *escaped = escape_json_breaks(buf, len, &elen, &nomem);
    int rc = nomem ? st_errorf(err, ENOMEM, "%s: out of memory", name)
                   : run_parser(b, escaped ? escaped : buf, escaped ? elen : len);
    free(escaped);
    t->root = b->doc_root;
    free(b);
    if (rc < 0) {
        int saved = errno;
        jobspec_ytree_destroy(t);
        errno = saved;
        return NULL;
    }
    return t;
}

const struct ynode *jobspec_ynode_get(const struct ynode *map, const char *key)
{
    if (!map || map->kind != YNODE_MAP)
        return NULL;
    size_t klen = strlen(key);
    for (const struct ynode *k = map->first; k && k->next; k = k->next->next) {
        if (k->kind == YNODE_SCALAR && k->len == klen && memcmp(k->str, key, klen) == 0)
            return k->next;
    }
    return NULL;
}

static bool text_is(const char *s, size_t len, const char *const *words)
{
    for (; *words; words++) {
        if (strlen(*words) == len && memcmp(s, *words, len) == 0)
            return true;
    }
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const bool_words[] = {"true",  "True",  "TRUE", "false",
                                         "False", "FALSE", NULL};

bool jobspec_ynode_is_null(const struct ynode *n)
{
    return n && n->kind == YNODE_SCALAR && n->plain && text_is(n->str, n->len, null_words);
}

static bool all_digits(const char *s, size_t len, const char *set)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!strchr(set, s[i]) || s[i] == '\0')
            return false;
    }
    return true;
}

/* [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_float_text(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    size_t intdigits = 0, fracdigits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, intdigits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, fracdigits++;
    }
    if (intdigits + fracdigits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t expdigits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, expdigits++;
        if (expdigits == 0)
            return false;
    }
    return i == len;
}

enum yscalar_type jobspec_yscalar_resolve(const char *s, size_t len)
{
    if (text_is(s, len, null_words))
        return YS_NULL;
    if (text_is(s, len, bool_words))
        return YS_BOOL;
    size_t sign = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (all_digits(s + sign, len - sign, "0123456789"))
        return YS_INT;
    if (len > 2 && s[0] == '0' && s[1] == 'x' &&
        all_digits(s + 2, len - 2, "0123456789abcdefABCDEF"))
        return YS_INT;
    if (len > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, len - 2, "01234567"))
        return YS_INT;
    if (is_float_text(s, len))
        return YS_REAL;
    return YS_STRING;
}

/* Value of an integer text as resolved above (decimal, 0x or 0o).  *big is
 * set when it does not fit a JSON integer; *d then holds its magnitude. */
static long long int_value(const char *s, bool *big, double *d)
{
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        base = s[1] == 'x' ? 16 : 8;
        digits = s + 2;
    }
    errno = 0;
    long long v = strtoll(digits, NULL, base);
    *big = errno == ERANGE;
    if (*big) {
        /* Accumulate in floating point: strtod cannot read 0o. */
        bool neg = *digits == '-';
        if (*digits == '-' || *digits == '+')
            digits++;
        double acc = 0;
        for (; *digits; digits++) {
            int dv = *digits <= '9' ? *digits - '0' : (*digits | 0x20) - 'a' + 10;
            acc = acc * base + dv;
        }
        *d = neg ? -acc : acc;
    }
    return v;
}

int jobspec_yscalar_number(const char *s, size_t len, double *out)
{
    enum yscalar_type t = jobspec_yscalar_resolve(s, len);
    if (t == YS_INT) {
        bool big;
        double d = 0;
        long long v = int_value(s, &big, &d);
        *out = big ? d : (double) v;
        return isfinite(*out) ? 0 : -1;
    }
    if (t == YS_REAL) {
        *out = strtod(s, NULL);
        return isfinite(*out) ? 0 : -1;
    }
    return -1;
}

static json_t *int_to_json(const char *s)
{
    bool big;
    double d = 0;
    long long v = int_value(s, &big, &d);
    return big ? json_real(d) : json_integer(v);
}

static json_t *scalar_to_json(const struct ynode *n)
{
    if (!n->plain)
        return json_stringn(n->str, n->len);
    switch (jobspec_yscalar_resolve(n->str, n->len)) {
    case YS_NULL:
        return json_null();
    case YS_BOOL:
        return json_boolean(n->str[0] == 't' || n->str[0] == 'T');
    case YS_INT:
        return int_to_json(n->str);
    case YS_REAL: {
        double d;
        if (jobspec_yscalar_number(n->str, n->len, &d) < 0)
            return json_stringn(n->str, n->len);
        return json_real(d);
    }
    case YS_STRING:
        break;
    }
    return json_stringn(n->str, n->len);
}

static json_t *map_to_json(const struct ynode *n, const struct ynode **bad)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (const struct ynode *k = n->first; k && k->next; k = k->next->next) {
        if (k->kind != YNODE_SCALAR || memchr(k->str, '\0', k->len)) {
            *bad = k;
            errno = EINVAL;
            goto error;
        }
        json_t *v = jobspec_ynode_to_json(k->next, bad);
        if (!v)
            goto error;
        if (json_object_setn_new(o, k->str, k->len, v) < 0) {
            *bad = k;
            errno = EINVAL; /* invalid UTF-8 key */
            goto error;
        }
    }
    return o;
error:
    json_decref(o);
    return NULL;
}

static json_t *seq_to_json(const struct ynode *n, const struct ynode **bad)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (const struct ynode *c = n->first; c; c = c->next) {
        json_t *v = jobspec_ynode_to_json(c, bad);
        if (!v || json_array_append_new(a, v) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *jobspec_ynode_to_json(const struct ynode *n, const struct ynode **bad)
{
    *bad = NULL;
    json_t *v = NULL;
    switch (n->kind) {
    case YNODE_SCALAR:
        v = scalar_to_json(n);
        if (!v) {
            /* jansson refuses invalid UTF-8; libyaml has already checked
             * it, so this is an embedded NUL or an allocation failure. */
            *bad = n;
            errno = EINVAL;
        }
        return v;
    case YNODE_SEQ:
        return seq_to_json(n, bad);
    case YNODE_MAP:
        return map_to_json(n, bad);
    }
    return NULL;
}
