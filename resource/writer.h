/* writer: render a match (or a find) in one of the match formats.
 *
 * The matcher emits the selected vertices in post-order (children before
 * parents, children in edge insertion order), the edges between them, the
 * time window and a few attributes; a writer accumulates them and renders one
 * string.  Formats (resource-query -F): simple, pretty_simple, jgf,
 * jgf_shorthand, rlite, rv1, rv1_nosched, rv1_shorthand.  Outputs are
 * byte-identical to Fluxion's (JSON with jansson's JSON_INDENT(0) spacing).
 */
#ifndef STRATA_RESOURCE_WRITER_H
#define STRATA_RESOURCE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "resource/graph.h"

typedef struct writer writer_t;

#define WRITER_FORMATS(X)                                                                      \
    X(WRITER_SIMPLE, "simple")                                                                 \
    X(WRITER_PRETTY_SIMPLE, "pretty_simple")                                                   \
    X(WRITER_JGF, "jgf")                                                                       \
    X(WRITER_JGF_SHORTHAND, "jgf_shorthand")                                                   \
    X(WRITER_RLITE, "rlite")                                                                   \
    X(WRITER_RV1, "rv1")                                                                       \
    X(WRITER_RV1_NOSCHED, "rv1_nosched")                                                       \
    X(WRITER_RV1_SHORTHAND, "rv1_shorthand")

#define WRITER_ENUM_(e, s) e,
enum writer_format { WRITER_FORMATS(WRITER_ENUM_) WRITER_FORMAT_COUNT };
#undef WRITER_ENUM_

/* Look a -F name up (exact, lower case).  0 and *fmt set, or -1 with errno
 * EINVAL (NULL argument, unknown name; *fmt unchanged). */
int writer_format_parse(const char *name, enum writer_format *fmt);

/* The -F name of a format (static string), or NULL if fmt is out of range. */
const char *writer_format_name(enum writer_format fmt);

/* Create a writer for format over graph g (borrowed: it must outlive the
 * writer, and vertices are read from it at render time).  NULL with errno
 * EINVAL (NULL g, bad format) or ENOMEM.  Free with writer_destroy(). */
writer_t *writer_create(enum writer_format fmt, const graph_t *g);

/* Free the writer.  NULL is a no-op; errno is preserved. */
void writer_destroy(writer_t *w);

/* Forget everything emitted so far (vertices, edges, window, queue) and keep
 * the buffers, so that one writer serves every match of a session.  NULL is
 * a no-op. */
void writer_reset(writer_t *w);

/* true if no vertex was emitted since creation or the last reset (also for
 * NULL). */
bool writer_empty(const writer_t *w);

/* One selected vertex, in emission (post-)order.
 *   depth:     depth in the dominant subsystem, root = 1 (simple writers)
 *   needs:     amount used (printed as [needs:x|s]; JGF "size" if != 1)
 *   exclusive: printed as x / "exclusive": true
 *   ephemeral: JSON object text added as "ephemeral" (labels), or NULL
 *   agfilter:  JSON object text added as "agfilter" (find), or NULL
 * The annotations are parsed (JSON formats only; the simple formats never
 * show them) and kept.  0, or -1 with errno EINVAL (NULL w, v not a vertex of
 * the graph, negative depth or needs, an annotation that is not a JSON
 * object) or ENOMEM; a failed call records nothing. */
int writer_emit_vertex(writer_t *w, vtx_t v, int depth, int64_t needs, bool exclusive,
                       const char *ephemeral, const char *agfilter);

/* One edge between two emitted vertices, in the subsystem it belongs to
 * (JGF prints the subsystem of non-containment edges; jgf_shorthand uses the
 * edges to find what lies below an exclusive vertex).  0, or -1 with errno
 * EINVAL (NULL w, bad vertex, ATOM_NONE subsystem) or ENOMEM. */
int writer_emit_edge(writer_t *w, vtx_t src, vtx_t dst, atom_t subsystem);

/* The job's window [start, end) (RV1 starttime/expiration).  NULL no-op. */
void writer_emit_time(writer_t *w, int64_t start, int64_t end);

/* The jobspec's queue, for rv1 "attributes.system.scheduler.queue" (copied;
 * NULL clears it).  Only rv1 and rv1_shorthand print it.  NULL w is a no-op. */
void writer_emit_queue(writer_t *w, const char *queue);

/* Render.  Returns a malloc'd string (caller frees), NULL with errno
 * (EINVAL: NULL writer; ENOMEM).  For JSON formats the text is one line with
 * no trailing newline; for simple formats each vertex is one line ending in
 * '\n'.  An empty writer renders "" in every format (Fluxion prints nothing
 * for an empty selection, e.g. a `find` that matches no vertex). */
char *writer_render(writer_t *w);

/* Render what w holds in format fmt instead of w's own (a match emitted
 * once, rendered with or without parts: rv1 and rv1_nosched, say).  fmt
 * must be JSON if and only if w's format is (annotations are kept only by
 * JSON writers).  As writer_render(); NULL with errno EINVAL also for a
 * format out of range or of the other kind. */
char *writer_render_as(writer_t *w, enum writer_format fmt);

/* true for formats whose output is JSON (resource-query adds the newline
 * after them); false for simple, pretty_simple and out-of-range values. */
bool writer_format_is_json(enum writer_format fmt);

#endif
