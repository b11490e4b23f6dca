/* graph: the resource graph store.
 *
 * A resource graph is a set of vertices (resource pools: a cluster, a node, a
 * core, 2 GB of memory, ...) and directed edges, each edge tagged with one
 * subsystem ("containment", "power", "ibnet", ...).  Every reader builds a
 * graph through the builder calls below and then calls graph_finalize(),
 * which validates the whole graph and builds the read-side structures:
 *
 *   - per-vertex data in dense arrays indexed by vtx_t (SoA);
 *   - children per subsystem, in edge insertion order (output order of every
 *     writer depends on it), and parents the same way: packed CSR after a
 *     load, per-key segments of one pool once the graph changed;
 *   - indexes by type, name, path and rank;
 *   - one root per subsystem (the vertex whose path there is "/name").
 *
 * igraph holds the topology while validating (cycle check); the hot traversal
 * walks only the CSR arrays.  Strings (types, names, basenames, units,
 * subsystems, property keys) are interned: a type is a small integer.
 *
 * After finalize, the graph can still change: vertex status and properties,
 * growth (add vertices and edges, then graph_finalize again: new vertices and
 * edges are appended, ids of existing vertices never change; graph_truncate
 * undoes a growth that failed) and removal of subtrees
 * (graph_remove_subtree: vertices become tombstones, skipped by every
 * iterator and index).  Both update the read side in place, touching only
 * the lists, index entries and path slots of the vertices involved (and of
 * their live neighbours), not the rest of the graph.
 *
 * Errors: -1 or NULL with errno set; builder/finalize errors also fill
 * struct st_error.  A failed graph_finalize() leaves the graph unusable for
 * matching; the caller destroys it (readers never return a partial graph).
 */
#ifndef STRATA_RESOURCE_GRAPH_H
#define STRATA_RESOURCE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "resource/st_error.h"

typedef struct graph graph_t;

/* A vertex index: dense, 0..graph_vertex_count()-1.  Stable for the life of
 * the graph (removal leaves a tombstone). */
typedef int32_t vtx_t;
enum { VTX_NONE = -1 };

/* Interned string id (types, subsystems, names, units, property keys). */
typedef int32_t atom_t;
enum { ATOM_NONE = -1 };

enum vtx_status { VTX_UP = 0, VTX_DOWN = 1 };

/* The maximum number of distinct subsystems in one graph. */
enum { GRAPH_MAX_SUBSYSTEMS = 16 };

/* ---- lifetime ---------------------------------------------------------- */

/* Create an empty graph.  Returns NULL with errno ENOMEM. */
graph_t *graph_create(void);

/* Free everything.  NULL is a no-op; errno is preserved. */
void graph_destroy(graph_t *g);

/* ---- building ---------------------------------------------------------- */

/* Vertex data given to graph_add_vertex().  Strings are copied (interned).
 * name NULL means basename + id; basename NULL means type. */
struct vtx_init {
    const char *type;     /* required */
    const char *basename; /* NULL: same as type */
    const char *name;     /* NULL: basename followed by id */
    int64_t id;           /* local id, -1 if none */
    int64_t uniq_id;      /* graph-unique id (GRUG: creation index) */
    int32_t rank;         /* broker rank, -1 if none */
    int64_t size;         /* pool size, >= 1 usually */
    const char *unit;     /* NULL or "" for none */
    enum vtx_status status;
};

/* Add a vertex.  Returns its vtx_t, or VTX_NONE with errno (EINVAL: NULL
 * type; ENOMEM). */
vtx_t graph_add_vertex(graph_t *g, const struct vtx_init *init);

/* Set the vertex's path in a subsystem (e.g. "containment",
 * "/tiny0/rack0").  Replaces a previous path in that subsystem (the path
 * index and roots follow at the next graph_finalize()).  EINVAL (bad
 * vertex, NULL or empty subsystem, NULL path), ENOSPC (a subsystem beyond
 * GRAPH_MAX_SUBSYSTEMS), ENOMEM. */
int graph_set_path(graph_t *g, vtx_t v, const char *subsystem, const char *path);

/* Set (or replace) a property KEY=VALUE on a vertex. */
int graph_set_property(graph_t *g, vtx_t v, const char *key, const char *value);

/* Remove a property; ENOENT if absent. */
int graph_remove_property(graph_t *g, vtx_t v, const char *key);

/* Add an edge src->dst in subsystem.  Edges keep insertion order.  An
 * endpoint that does not exist (yet) is accepted here and reported by
 * graph_finalize().  EINVAL (NULL graph, negative vertex, NULL or empty
 * subsystem), ENOSPC (too many subsystems), ENOMEM. */
int graph_add_edge(graph_t *g, vtx_t src, vtx_t dst, const char *subsystem);

/* Optional: make room for nvertices vertices and nedges edges in total, so
 * that a reader that knows its size does no regrowth.  EINVAL, ENOMEM. */
int graph_reserve(graph_t *g, int32_t nvertices, int64_t nedges);

/* Drop the vertices and edges added since the last successful
 * graph_finalize(), keeping the first nvertices vertices and nedges edges
 * (both at least what that finalize covered, at most the current counts;
 * EINVAL otherwise).  A reader that grows a graph and then fails (e.g. a
 * failed attach) calls this to leave the graph as it was: the read side of
 * the last finalize is still in place.  Paths set on the surviving vertices
 * in the meantime are not undone. */
int graph_truncate(graph_t *g, int32_t nvertices, int64_t nedges);

/* Validate and build the child/parent lists and indexes.  Checks: every edge
 * names existing vertices, no cycle, at most one root per subsystem, every
 * vertex has a path in at least one subsystem.  On failure fills err ("what:
 * where") and returns -1 (errno EINVAL); the read side of the previous
 * finalize stays as it was.  May be called again after more vertices and
 * edges were added (growth): then only the additions are validated and
 * indexed (a full build if a path of an indexed vertex changed or a
 * subsystem appeared). */
int graph_finalize(graph_t *g, struct st_error *err);

/* ---- removal ----------------------------------------------------------- */

/* Remove v and everything below it in the given subsystem's tree (vertices
 * reachable only through v).  Removed vertices become tombstones: skipped by
 * children/parents iteration and by every index; their edges (in every
 * subsystem) are dropped.  The graph must be finalized, with nothing added
 * since.  Returns the number of vertices removed, or -1 (EINVAL: bad or
 * already removed vertex, unknown subsystem, graph not finalized or grown
 * since; ENOMEM, graph unchanged). */
int graph_remove_subtree(graph_t *g, vtx_t v, atom_t subsystem);

/* The same for n vertices at once.  A removal costs the removed vertices,
 * their neighbours' lists and the tails of the index lists they were in; n
 * at once share that last part.  A vertex below another one of the list is
 * simply removed with it.  Every
 * vertex must be live (EINVAL, nothing removed).  Returns the total number
 * of vertices removed, or -1. */
int graph_remove_subtrees(graph_t *g, const vtx_t *v, int n, atom_t subsystem);

/* Rebuild the whole read side on every growth and removal (on) instead of
 * updating it in place (off, the default).  Both give the same read side;
 * the full rebuild costs O(V+E) per change and is kept for comparison
 * (benchmarks, differential tests).  The matcher follows the same switch
 * (match/elastic.c re-primes every filter when it is on).  EINVAL for a
 * NULL graph. */
int graph_set_full_rebuild(graph_t *g, bool on);

/* The switch above; false for NULL. */
bool graph_full_rebuild(const graph_t *g);

/* true if v is a live (not removed) vertex of g. */
bool graph_vertex_live(const graph_t *g, vtx_t v);

/* ---- atoms --------------------------------------------------------------- */

/* Intern s (adding it).  ATOM_NONE on ENOMEM. */
atom_t graph_atom(graph_t *g, const char *s);

/* Look s up without adding: ATOM_NONE if the graph never saw it. */
atom_t graph_atom_find(const graph_t *g, const char *s);

/* The string of an atom; valid for the graph's life.  "" for ATOM_NONE. */
const char *graph_atom_str(const graph_t *g, atom_t a);

/* ---- read side (valid after graph_finalize) ------------------------------ */

/* Number of vertex slots (live + removed). */
int32_t graph_vertex_count(const graph_t *g);
/* Number of live vertices / edges. */
int32_t graph_live_vertex_count(const graph_t *g);
int64_t graph_edge_count(const graph_t *g);

atom_t graph_type(const graph_t *g, vtx_t v);
atom_t graph_basename(const graph_t *g, vtx_t v);
atom_t graph_name_atom(const graph_t *g, vtx_t v);
const char *graph_name(const graph_t *g, vtx_t v);
int64_t graph_id(const graph_t *g, vtx_t v);
int64_t graph_uniq_id(const graph_t *g, vtx_t v);
int32_t graph_rank(const graph_t *g, vtx_t v);
int64_t graph_size(const graph_t *g, vtx_t v);
atom_t graph_unit(const graph_t *g, vtx_t v); /* ATOM_NONE if none */
enum vtx_status graph_status(const graph_t *g, vtx_t v);
int graph_set_status(graph_t *g, vtx_t v, enum vtx_status st);

/* Path of v in subsystem, or NULL if v has none there.  Valid until the next
 * graph_set_path() on v. */
const char *graph_path(const graph_t *g, vtx_t v, atom_t subsystem);

/* Property value for key, or NULL. */
const char *graph_property(const graph_t *g, vtx_t v, const char *key);

/* Number of properties of v, and the i-th (sorted by key), 0 <= i < n. */
int graph_property_count(const graph_t *g, vtx_t v);
int graph_property_at(const graph_t *g, vtx_t v, int i, const char **key, const char **value);

/* Subsystems known to the graph, in order of first appearance. */
int graph_subsystem_count(const graph_t *g);
atom_t graph_subsystem_at(const graph_t *g, int i);

/* Root of a subsystem's tree, or VTX_NONE. */
vtx_t graph_root(const graph_t *g, atom_t subsystem);

/* Children of v in subsystem, in edge insertion order.  *n receives the
 * count.  The array is valid until the next graph_finalize()/removal.
 * Removed vertices are not listed. */
const vtx_t *graph_children(const graph_t *g, atom_t subsystem, vtx_t v, int *n);

/* Parents of v in subsystem (usually one; ASSOCIATE_IN recipes can give
 * several), in edge insertion order. */
const vtx_t *graph_parents(const graph_t *g, atom_t subsystem, vtx_t v, int *n);

/* Edge iteration in insertion order (for the JGF writer): edge i has
 * src, dst and subsystem.  Removed edges report false. */
int64_t graph_edge_slots(const graph_t *g);
bool graph_edge_at(const graph_t *g, int64_t i, vtx_t *src, vtx_t *dst, atom_t *subsystem);

/* ---- indexes ------------------------------------------------------------- */

/* Vertex at a path (any subsystem; as of the last graph_finalize()), or
 * VTX_NONE.  When two vertices share a path, the first one wins (subsystems
 * in order of appearance, then vertex order). */
vtx_t graph_find_path(const graph_t *g, const char *path);

/* Vertices of a type / with a name / with a rank, in vtx order.  *n gets the
 * count; returns NULL with *n = 0 when there are none. */
const vtx_t *graph_by_type(const graph_t *g, atom_t type, int *n);
const vtx_t *graph_by_name(const graph_t *g, const char *name, int *n);
const vtx_t *graph_by_rank(const graph_t *g, int32_t rank, int *n);

/* Load statistics as printed by `resource-query -e`. */
struct graph_stats {
    int64_t vertices;
    int64_t edges;
    int64_t by_type_keys;
    int64_t by_name_keys;
    int64_t by_path_keys;
};
void graph_get_stats(const graph_t *g, struct graph_stats *st);

/* Distinct ranks (ascending, -1 included) and vertex counts per rank. */
int graph_rank_count(const graph_t *g);
void graph_rank_at(const graph_t *g, int i, int32_t *rank, int64_t *nvertices);

/* Approximate heap bytes held by the graph (for bytes-per-vertex reports). */
size_t graph_memory_bytes(const graph_t *g);

#endif
