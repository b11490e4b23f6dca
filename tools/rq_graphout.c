/* rq_graphout: resource-query -o/-g, write the resource graph to a file.
 *
 * Fluxion declares these options but never writes the file; strata does,
 * at exit (so the file reflects attach/remove), through igraph's GraphML
 * and DOT writers.  Live vertices only, with their name, type, rank and
 * containment path as attributes; edges carry their subsystem.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

#include "tools/rq.h"

/* Build an igraph copy of g's live part; index[] maps vtx_t -> igraph id. */
static int build_igraph(const graph_t *g, igraph_t *ig, igraph_integer_t *index)
{
    int32_t nv = graph_vertex_count(g);
    igraph_integer_t n = 0;
    igraph_vector_int_t edges;

    for (int32_t v = 0; v < nv; v++)
        index[v] = graph_vertex_live(g, v) ? n++ : -1;
    if (igraph_vector_int_init(&edges, 0) != IGRAPH_SUCCESS)
        return -1;
    for (int64_t i = 0; i < graph_edge_slots(g); i++) {
        vtx_t s, d;
        atom_t ss;
        if (!graph_edge_at(g, i, &s, &d, &ss) || index[s] < 0 || index[d] < 0)
            continue;
        if (igraph_vector_int_push_back(&edges, index[s]) != IGRAPH_SUCCESS ||
            igraph_vector_int_push_back(&edges, index[d]) != IGRAPH_SUCCESS)
            goto error;
    }
    if (igraph_create(ig, &edges, n, IGRAPH_DIRECTED) != IGRAPH_SUCCESS)
        goto error;
    igraph_vector_int_destroy(&edges);
    return 0;
error:
    igraph_vector_int_destroy(&edges);
    return -1;
}

static int set_attributes(const graph_t *g, igraph_t *ig, const igraph_integer_t *index)
{
    atom_t cont = graph_atom_find(g, "containment");
    int32_t nv = graph_vertex_count(g);
    for (int32_t v = 0; v < nv; v++) {
        if (index[v] < 0)
            continue;
        const char *path = cont != ATOM_NONE ? graph_path(g, v, cont) : NULL;
        if (SETVAS(ig, "name", index[v], graph_name(g, v)) != IGRAPH_SUCCESS ||
            SETVAS(ig, "type", index[v], graph_atom_str(g, graph_type(g, v))) !=
                IGRAPH_SUCCESS ||
            SETVAN(ig, "rank", index[v], graph_rank(g, v)) != IGRAPH_SUCCESS ||
            SETVAS(ig, "path", index[v], path ? path : "") != IGRAPH_SUCCESS)
            return -1;
    }
    igraph_integer_t e = 0;
    for (int64_t i = 0; i < graph_edge_slots(g); i++) {
        vtx_t s, d;
        atom_t ss;
        if (!graph_edge_at(g, i, &s, &d, &ss) || index[s] < 0 || index[d] < 0)
            continue;
        if (SETEAS(ig, "subsystem", e++, graph_atom_str(g, ss)) != IGRAPH_SUCCESS)
            return -1;
    }
    return 0;
}

int rq_graph_write(const graph_t *g, const char *basename, const char *format)
{
    bool graphml = format && strcmp(format, "graphml") == 0;
    char *path = NULL;
    igraph_t ig;
    int rc = -1;

    if (!g || !basename) {
        errno = EINVAL;
        return -1;
    }
    igraph_integer_t *index = calloc((size_t) graph_vertex_count(g) + 1, sizeof(*index));
    if (!index || asprintf(&path, "%s.%s", basename, graphml ? "graphml" : "dot") < 0) {
        free(index);
        errno = ENOMEM;
        return -1;
    }
    igraph_set_attribute_table(&igraph_cattribute_table);
    if (build_igraph(g, &ig, index) < 0)
        goto out;
    FILE *f = NULL;
    if (set_attributes(g, &ig, index) == 0 && (f = fopen(path, "w"))) {
        igraph_error_t e = graphml ? igraph_write_graph_graphml(&ig, f, false)
                                   : igraph_write_graph_dot(&ig, f);
        if (fclose(f) == 0 && e == IGRAPH_SUCCESS)
            rc = 0;
    }
    igraph_destroy(&ig);
out:
    if (rc < 0)
        fprintf(stderr, "resource-query: can't write the graph to %s: %s\n", path,
                errno ? strerror(errno) : "igraph error");
    free(path);
    free(index);
    return rc;
}
