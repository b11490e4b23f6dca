/* fuzz_file.c: see fuzz_file.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test/fuzz/fuzz_file.h"

static char path[4096];

static void remove_input(void)
{
    unlink(path);
}

const char *fuzz_file_write(const char *tag, const uint8_t *data, size_t size)
{
    if (!path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof(path), "%s/fuzz_%s.%d", dir && *dir ? dir : "/tmp", tag,
                 (int) getpid());
        atexit(remove_input);
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    bool ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0 || !ok)
        return NULL;
    return path;
}

void fuzz_check_graph(const graph_t *g)
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
