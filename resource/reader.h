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

#include "resource/graph.h"
#include "resource/st_error.h"

/* Load `path` in `format`.  allowlist (hwloc only; NULL = everything) is a
 * comma-separated list of types to keep.  For hwloc, path NULL means this
 * host's live topology. */
graph_t *reader_load(const char *format, const char *path, const char *allowlist,
                     struct st_error *err);

/* The individual readers, from a file path. */
graph_t *reader_grug_load(const char *path, struct st_error *err);
graph_t *reader_jgf_load(const char *path, struct st_error *err);
graph_t *reader_rv1exec_load(const char *path, struct st_error *err);
graph_t *reader_hwloc_load(const char *xml_path, const char *allowlist, struct st_error *err);

/* From text in memory (name is used in messages). */
graph_t *reader_jgf_parse(const char *text, const char *name, struct st_error *err);
graph_t *reader_rv1exec_parse(const char *text, const char *name, struct st_error *err);

/* Graft a JGF subgraph into an existing finalized graph g (resource-query
 * `attach`): vertices whose path already exists in g are reused, others are
 * added with their edges; then g is finalized again.  On error g is left as
 * it was ("Possible duplicate root" etc. in err). */
int reader_jgf_attach(graph_t *g, const char *text, const char *name, struct st_error *err);

/* true if format names a known reader. */
int reader_format_valid(const char *format);

#endif
