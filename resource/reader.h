/* reader: build a resource graph from a machine description.
 *
 * Formats (resource-query -f): grug (GraphML recipe), jgf (JSON Graph
 * Format), jgf_shorthand, hwloc (XML export, or this host's live topology
 * when path is NULL), rv1exec and rv1exec_force (RFC 20 R version 1).
 *
 * A reader either returns a complete, finalized graph or NULL with err
 * filled ("FILE:LINE: what is wrong" / "FILE: element ...: ...") and errno
 * set; it never returns a partial graph.
 */
#ifndef STRATA_RESOURCE_READER_H
#define STRATA_RESOURCE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resource/graph.h"
#include "resource/hostlist.h"
#include "resource/idset.h"
#include "resource/st_error.h"

/* Load `path` in `format`.  allowlist (hwloc only; NULL = everything) is a
 * comma-separated list of types to keep.  For hwloc, path NULL means this
 * host's live topology. */
graph_t *reader_load(const char *format, const char *path, const char *allowlist,
                     struct st_error *err);

/* The individual readers, from a file path.  Each returns a finalized graph
 * the caller frees with graph_destroy(), or NULL with errno set: the open
 * error (ENOENT, EACCES...) for an unreadable file, EINVAL for a malformed
 * description (err names the file and the element), ENOMEM.
 *
 * reader_jgf_load: reference 3.3 defaults; vertices and edges in file
 *   order; "in" edges (to a path ancestor) dropped.
 * reader_rv1exec_load: cluster0 -> one node per rank, named from the
 *   nodelist -> <type><id> children; at most READER_RV1_MAX_VERTICES.
 * reader_hwloc_load: xml_path NULL discovers this host; allowlist as for
 *   reader_load() ("cluster" always kept). */
graph_t *reader_grug_load(const char *path, struct st_error *err);
graph_t *reader_jgf_load(const char *path, struct st_error *err);
graph_t *reader_rv1exec_load(const char *path, struct st_error *err);
graph_t *reader_hwloc_load(const char *xml_path, const char *allowlist, struct st_error *err);

/* The largest graph reader_rv1exec_* builds: an R such as
 * {"core": "0-999999999"} is refused (EINVAL) rather than exhausting memory. */
enum { READER_RV1_MAX_VERTICES = 1 << 24 };

/* From text in memory (name is used in messages). */
graph_t *reader_jgf_parse(const char *text, const char *name, struct st_error *err);
graph_t *reader_rv1exec_parse(const char *text, const char *name, struct st_error *err);

/* An R as a nested instance loads it (reference 8, grow_resource_db): the
 * JGF under its "scheduling" key when there is one, unless force_rv1exec
 * (load-format rv1exec_force) or the JGF was written by jgf_shorthand (it
 * omits vertices only a full graph could restore); otherwise the rv1exec
 * reader.  Errors as for the readers it calls. */
graph_t *reader_r_parse(const char *text, const char *name, bool force_rv1exec,
                        struct st_error *err);

/* Graft a JGF subgraph into an existing finalized graph g (resource-query
 * `attach`): vertices whose path already exists in g are reused, others are
 * added with their edges; then g is finalized again.  On error g is left as
 * it was.  A second root is reported with Fluxion's exact text, without the
 * file name: "add_graph_metadata: failed to add root metadata for
 * containment subsystem. Possible duplicate root." (resource-query prints it
 * after "ERROR: can't attach JGF subgraph"); other errors name the file. */
int reader_jgf_attach(graph_t *g, const char *text, const char *name, struct st_error *err);

/* true if format names a known reader. */
int reader_format_valid(const char *format);

/* ---- JGF and R as records (for update / partial-cancel) ------------------
 *
 * The matcher replays (`update`) or partially cancels an allocation described
 * by a JGF or an R without building a second graph: it parses the text into
 * the records below and looks each vertex up in its own graph by path.
 */

/* One (subsystem, path) or (key, value) pair. */
struct reader_kv {
    const char *key;
    const char *value;
};

/* One JGF node, defaults applied exactly as for loading (reference 3.3). */
struct reader_jgf_vertex {
    const char *key;      /* the outer "id" string (edges refer to it) */
    const char *type;
    const char *basename;
    const char *name;
    const char *unit;     /* "" if none */
    int64_t id;
    int64_t uniq_id;
    int64_t size;
    int32_t rank;         /* -1 if none */
    int status;           /* 0 up, 1 down */
    bool exclusive;
    int npaths;           /* >= 1 */
    const struct reader_kv *paths;  /* key = subsystem, value = path */
    int nprops;
    const struct reader_kv *props;  /* properties, in file order */
};

/* One JGF edge: indexes into the vertex array.  Edges that point from a
 * vertex to one of its path ancestors (the "in" direction some writers also
 * emit) are dropped: the containment tree is given by the "contains"
 * direction alone. */
struct reader_jgf_edge {
    size_t src;
    size_t dst;
    const char *subsystem;
};

/* A parsed JGF document.  All strings live as long as the document. */
struct reader_jgf_doc {
    size_t nvertices;
    const struct reader_jgf_vertex *vertices; /* file order */
    size_t nedges;
    const struct reader_jgf_edge *edges;      /* file order */
    const char *free_ranks; /* top-level "free_ranks" idset text, NULL if absent */
    const char *writer;     /* RFC 40 "writer" URI, NULL if absent */
    bool shorthand;         /* writer is "fluxion:jgf_shorthand" */
    void *priv;             /* owned storage; do not touch */
};

/* Parse JGF text ({"graph": ...}, or an R whose "scheduling" key holds the
 * JGF) into records.  The document may be a partial graph (no root): only
 * per-vertex fields, edge endpoints and duplicate ids are checked.  Returns
 * NULL with errno EINVAL and err filled ("NAME:LINE:COL: ..." for bad JSON,
 * "NAME: nodes[i]: ..." for a bad node) on error.  Free with
 * reader_jgf_doc_destroy(). */
struct reader_jgf_doc *reader_jgf_doc_parse(const char *text, const char *name,
                                            struct st_error *err);

/* Free a document; NULL is a no-op; errno is preserved. */
void reader_jgf_doc_destroy(struct reader_jgf_doc *doc);

/* The vertex's path in `subsystem`, or NULL if it has none there (or an
 * argument is NULL). */
const char *reader_jgf_vertex_path(const struct reader_jgf_vertex *v, const char *subsystem);

/* Map every document vertex to the live vertex of g with the same path (in
 * any of its subsystems): out[i] receives the vtx_t or VTX_NONE.  out must
 * hold doc->nvertices entries.  Returns the number of vertices found, or -1
 * with EINVAL on NULL arguments. */
int reader_jgf_doc_resolve(const struct reader_jgf_doc *doc, const graph_t *g, vtx_t *out);

/* jgf_shorthand re-expansion (reference 3.4): a shorthand writer omits the
 * children of exclusively allocated vertices.  This lists, for every
 * exclusive document vertex found in g, all its live containment
 * descendants in g that the document does not itself name, in pre-order,
 * without duplicates.  *out (caller frees) receives *n vertices; the caller
 * treats them as exclusive.  Returns 0, or -1 with errno (EINVAL: NULL
 * argument; ENOMEM). */
int reader_jgf_shorthand_expand(const struct reader_jgf_doc *doc, const graph_t *g,
                                vtx_t **out, size_t *n);

/* One R_lite entry of an RFC 20 R: a set of ranks and, per child type, the
 * set of local ids on each of those ranks. */
struct reader_rv1_entry {
    idset_t *ranks;
    int nchildren;
    const char **child_types;   /* file order, e.g. "core", "gpu" */
    idset_t **child_ids;        /* parallel to child_types */
};

/* A parsed R (version 1). */
struct reader_rv1 {
    int nentries;
    struct reader_rv1_entry *entries; /* file order */
    hostlist_t *nodelist;             /* hostnames in rank order (may be empty) */
    idset_t *all_ranks;               /* union of the entries' ranks */
    int64_t starttime;
    int64_t expiration;
    int nprops;
    const struct reader_kv *props;    /* "properties": name (or name@type) -> ranks */
    bool has_scheduling;              /* R also carries a "scheduling" JGF */
    void *priv;                       /* owned storage; do not touch */
};

/* Parse R text.  Checks version 1, R_lite shape, idsets, and that nodelist
 * (when present) names exactly one host per rank.  A rank may appear in
 * several entries (its resources are the union); several ranks may share a
 * host name (several brokers per host).  NULL with errno EINVAL and
 * err filled on error.  Free with reader_rv1_destroy(). */
struct reader_rv1 *reader_rv1_parse(const char *text, const char *name, struct st_error *err);

/* Free; NULL is a no-op; errno is preserved. */
void reader_rv1_destroy(struct reader_rv1 *r);

/* Hostname of `rank` (the i-th smallest rank gets the i-th nodelist entry),
 * or NULL if the rank is not in r or the nodelist is empty. */
const char *reader_rv1_hostname(const struct reader_rv1 *r, int64_t rank);

#endif
