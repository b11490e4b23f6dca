/* fuzz_grug: libFuzzer target for the GRUG reader.
 *
 * The reader takes a file name (igraph reads GraphML from a FILE *), so each
 * input is written to a private temporary file first.  Oracle: the reader
 * either fails with a message naming the file, or returns a finalized graph
 * whose every vertex is reachable from a root through its parents.
 *
 * Inputs with a number of 5 digits or more are skipped: a recipe is a
 * program, and multi_scale 99999 legitimately builds graphs far larger than
 * a fuzzing run can afford.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resource/reader.h"

static bool too_big(const uint8_t *data, size_t size)
{
    size_t run = 0;
    for (size_t i = 0; i < size; i++) {
        run = isdigit(data[i]) ? run + 1 : 0;
        if (run >= 5)
            return true;
    }
    return false;
}

static void check_graph(graph_t *g)
{
    for (vtx_t v = 0; v < graph_vertex_count(g); v++) {
        bool has_parent_or_root = false;
        for (int s = 0; s < graph_subsystem_count(g); s++) {
            atom_t sub = graph_subsystem_at(g, s);
            int n = 0;
            graph_parents(g, sub, v, &n);
            if (n > 0 || graph_root(g, sub) == v)
                has_parent_or_root = true;
        }
        if (!has_parent_or_root)
            abort();
    }
}

static char path[64];

static void remove_input(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof(path), "/tmp/fuzz_grug.%d.graphml", (int) getpid());
        atexit(remove_input);
    }
    if (too_big(data, size))
        return 0;
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    struct st_error err = {{0}};
    graph_t *g = reader_grug_load(path, &err);
    if (g)
        check_graph(g);
    else if (strncmp(err.text, path, strlen(path)) != 0)
        abort(); /* every failure names the file */
    graph_destroy(g);
    return 0;
}
