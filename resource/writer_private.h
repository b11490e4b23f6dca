/* writer_private: the writer's state, shared by writer.c (emission, simple
 * formats) and writer_json.c (JGF, R_lite and RV1 formats).
 *
 * A writer only records what the matcher emits (vertex, depth, amount,
 * exclusivity, optional JSON annotations; edges; time window; queue); all
 * formatting happens once, in writer_render(), so that a failed or abandoned
 * match costs nothing but the recording.
 */
#ifndef STRATA_RESOURCE_WRITER_PRIVATE_H
#define STRATA_RESOURCE_WRITER_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "resource/writer.h"

struct writer_vtx {
    vtx_t v;
    int depth;
    int64_t needs;
    bool exclusive;
    json_t *ephemeral; /* owned, or NULL */
    json_t *agfilter;  /* owned, or NULL */
};

struct writer_edge {
    vtx_t src;
    vtx_t dst;
    atom_t subsystem;
};

struct writer {
    enum writer_format fmt;
    const graph_t *g;
    struct writer_vtx *vtx;
    size_t nvtx;
    size_t vtx_cap;
    struct writer_edge *edge;
    size_t nedge;
    size_t edge_cap;
    int64_t start;
    int64_t end;
    char *queue;
};

/* Render the JSON formats (jgf, jgf_shorthand, rlite, rv1*) of a non-empty
 * writer.  Returns a malloc'd string or NULL (ENOMEM). */
char *writer_json_render(const struct writer *w);

#endif
