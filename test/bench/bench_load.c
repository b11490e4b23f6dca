/* bench_load: load time and memory per vertex of the graph store.
 *
 * Usage: bench_load [-f FORMAT] [-n REPEAT] FILE...
 * For each file prints the best wall-clock load time over REPEAT loads
 * (default 3), the vertex and edge counts and graph_memory_bytes() per
 * vertex.  Not run by `meson test`: benchmarks never assert on time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "resource/reader.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static int bench_one(const char *format, const char *path, int repeat)
{
    double best = 1e30;
    graph_t *g = NULL;
    for (int i = 0; i < repeat; i++) {
        struct st_error err = {{0}};
        graph_destroy(g);
        double t0 = now();
        g = reader_load(format, path, NULL, &err);
        double t = now() - t0;
        if (!g) {
            fprintf(stderr, "%s\n", err.text);
            return -1;
        }
        if (t < best)
            best = t;
    }
    struct graph_stats st;
    graph_get_stats(g, &st);
    size_t bytes = graph_memory_bytes(g);
    printf("%s: load %.3f s, %lld vertices, %lld edges, %zu bytes, %.1f bytes/vertex\n", path,
           best, (long long) st.vertices, (long long) st.edges, bytes,
           st.vertices ? (double) bytes / (double) st.vertices : 0.0);
    graph_destroy(g);
    return 0;
}

int main(int argc, char **argv)
{
    const char *format = "grug";
    int repeat = 3, opt, rc = 0;
    while ((opt = getopt(argc, argv, "f:n:")) != -1) {
        if (opt == 'f')
            format = optarg;
        else if (opt == 'n')
            repeat = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else
            return 2;
    }
    if (optind == argc) {
        fprintf(stderr, "usage: bench_load [-f FORMAT] [-n REPEAT] FILE...\n");
        return 2;
    }
    for (int i = optind; i < argc; i++)
        rc |= bench_one(format, argv[i], repeat) < 0;
    return rc;
}
