/* ytree: a small, position-carrying YAML node tree for the jobspec parser.
 *
 * libyaml's document API resolves aliases into shared nodes, which lets a
 * hostile input build cycles or exponential expansions ("billion laughs").
 * The jobspec parser needs neither aliases nor anything beyond plain
 * mappings, sequences and scalars, so this module reads libyaml's event
 * stream into its own tree, rejects aliases and excessive nesting, and keeps
 * each node's line and column (1-based) for error messages.  All nodes and
 * scalar texts live in one arena freed at once, which keeps parsing cheap
 * (the daemon parses jobspecs in bulk).
 *
 * It also converts subtrees to jansson values with YAML 1.2 core-schema
 * scalar resolution, and tells whether a string would need quoting to stay a
 * string when written back as a plain YAML scalar.
 *
 * Private to jobspec/.
 */
#ifndef STRATA_JOBSPEC_YTREE_H
#define STRATA_JOBSPEC_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "resource/st_error.h"

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
    enum ynode_kind kind;
    bool plain;      /* scalar written without quotes (and without a !!str tag) */
    unsigned line;   /* 1-based */
    unsigned col;    /* 1-based */
    const char *str; /* scalar text, NUL-terminated (may contain NULs: len) */
    size_t len;
    /* Children: sequence items in order; a mapping stores key, value, key,
     * value... so `n` is twice its number of pairs. */
    struct ynode *first;
    struct ynode *next;
    size_t n;
};

typedef struct ytree ytree_t;

/* Parse one YAML (or JSON) document from buf.  name prefixes error texts
 * ("name:line:col: ...").  NULL with EINVAL/ENOMEM and err filled on a syntax
 * error, an alias, a second document, an empty stream or nesting deeper than
 * the limit. */
ytree_t *jobspec_ytree_parse(const char *buf, size_t len, const char *name,
                             struct st_error *err);

/* Free the tree and every node and text in it.  NULL is a no-op. */
void jobspec_ytree_destroy(ytree_t *t);

/* The document's root node (valid until the tree is destroyed). */
const struct ynode *jobspec_ytree_root(const ytree_t *t);

/* Value of `key` in mapping `map`, or NULL if absent or map is not a map. */
const struct ynode *jobspec_ynode_get(const struct ynode *map, const char *key);

/* true if the scalar is a null (plain "", "~", "null"). */
bool jobspec_ynode_is_null(const struct ynode *n);

/* Kinds of values a plain scalar resolves to under the YAML 1.2 core schema. */
enum yscalar_type { YS_NULL, YS_BOOL, YS_INT, YS_REAL, YS_STRING };

/* Resolve a plain scalar text.  Infinities and NaNs resolve to YS_STRING
 * because JSON cannot hold them. */
enum yscalar_type jobspec_yscalar_resolve(const char *s, size_t len);

/* Numeric value of a scalar text that resolves to an integer or a real, as
 * the JSON conversion below reads it.  -1 if it is not a finite number. */
int jobspec_yscalar_number(const char *s, size_t len, double *out);

/* Convert a node to a new jansson value (scalars resolved, mapping keys must
 * be scalars and unique).  NULL on error with *bad set to the offending node
 * and errno EINVAL (or ENOMEM, *bad = NULL). */
json_t *jobspec_ynode_to_json(const struct ynode *n, const struct ynode **bad);

#endif
