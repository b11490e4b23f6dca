/* bench_elastic: the cost of growing and shrinking a loaded graph under a
 * matcher.
 *
 * Usage: bench_elastic [-n OPS] [-N FULL_OPS] [-j JOBS] FILE...
 * For each GRUG file: load it, create a matcher (default parameters), then
 * repeat OPS times: remove one node's subtree (match_remove_path) and
 * attach it back from JGF (match_attach), a different node each time.
 * Prints the mean and max time per remove and per attach, first with the
 * read side and filters updated in place (the default), then FULL_OPS times
 * with graph_set_full_rebuild() on (the whole read side rebuilt and every
 * filter re-primed per change, as before).  With -j, JOBS one-node jobs
 * are allocated first and OPS more removals are timed with them in place
 * (attach is refused while jobs exist): a removal then also re-does the
 * jobs it cuts.  Not run by `meson test`: benchmarks never assert on time.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "resource/reader.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static json_t *jgf_node(const graph_t *g, vtx_t v, atom_t cont)
{
    json_t *paths = json_pack("{s:s}", "containment", graph_path(g, v, cont));
    json_t *md = json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:I, s:o}", "type",
                           graph_atom_str(g, graph_type(g, v)), "basename",
                           graph_atom_str(g, graph_basename(g, v)), "name", graph_name(g, v),
                           "id", (json_int_t) graph_id(g, v), "uniq_id",
                           (json_int_t) graph_uniq_id(g, v), "rank", (int) graph_rank(g, v),
                           "size", (json_int_t) graph_size(g, v), "paths", paths);
    if (graph_unit(g, v) != ATOM_NONE)
        json_object_set_new(md, "unit", json_string(graph_atom_str(g, graph_unit(g, v))));
    char id[16];
    snprintf(id, sizeof(id), "%d", (int) v);
    return json_pack("{s:s, s:o}", "id", id, "metadata", md);
}

static json_t *jgf_edge(vtx_t a, vtx_t b)
{
    char s[16], t[16];
    snprintf(s, sizeof(s), "%d", (int) a);
    snprintf(t, sizeof(t), "%d", (int) b);
    return json_pack("{s:s, s:s, s:{s:s}}", "source", s, "target", t, "metadata", "subsystem",
                     "containment");
}

static void add_subtree(const graph_t *g, vtx_t v, atom_t cont, json_t *nodes, json_t *edges)
{
    json_array_append_new(nodes, jgf_node(g, v, cont));
    int n = 0;
    const vtx_t *ch = graph_children(g, cont, v, &n);
    for (int i = 0; i < n; i++) {
        json_array_append_new(edges, jgf_edge(v, ch[i]));
        add_subtree(g, ch[i], cont, nodes, edges);
    }
}

/* JGF of v's containment subtree hanging below its parent (named by path,
 * so that an attach finds it). */
static char *subtree_jgf(const graph_t *g, vtx_t v, atom_t cont)
{
    int np = 0;
    const vtx_t *p = graph_parents(g, cont, v, &np);
    json_t *nodes = json_array(), *edges = json_array();
    json_array_append_new(nodes, jgf_node(g, p[0], cont));
    json_array_append_new(edges, jgf_edge(p[0], v));
    add_subtree(g, v, cont, nodes, edges);
    json_t *doc = json_pack("{s:{s:o, s:o}}", "graph", "nodes", nodes, "edges", edges);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return s;
}

struct timing {
    double sum, max;
    int n;
};

static void timing_add(struct timing *t, double x)
{
    t->sum += x;
    t->max = x > t->max ? x : t->max;
    t->n++;
}

/* The node of the i-th operation, spread over the node list (which each
 * removal and attach reorders), and its containment path in path; VTX_NONE
 * when fewer than two nodes are left. */
static vtx_t op_node(graph_t *g, int i, char *path, size_t len)
{
    atom_t cont = graph_atom_find(g, "containment");
    int nn = 0;
    const vtx_t *nodes = graph_by_type(g, graph_atom_find(g, "node"), &nn);
    if (nn < 2)
        return VTX_NONE;
    vtx_t v = nodes[(size_t) (i * 7919) % (size_t) nn];
    snprintf(path, len, "%s", graph_path(g, v, cont));
    return v;
}

/* ops removals and attaches of nodes, spread over the node list. */
static int run_ops(matcher_t *m, graph_t *g, int ops, struct timing *rem, struct timing *att)
{
    atom_t cont = graph_atom_find(g, "containment");
    for (int i = 0; i < ops; i++) {
        char path[512];
        vtx_t v = op_node(g, i, path, sizeof(path));
        if (v == VTX_NONE)
            return -1;
        char *jgf = subtree_jgf(g, v, cont);
        struct st_error err = {{0}};
        double t0 = now();
        if (match_remove_path(m, path, &err) < 0) {
            fprintf(stderr, "remove %s: %s\n", path, err.text);
            free(jgf);
            return -1;
        }
        double t1 = now();
        if (match_attach(m, jgf, &err) < 0) {
            fprintf(stderr, "attach %s: %s\n", path, err.text);
            free(jgf);
            return -1;
        }
        double t2 = now();
        timing_add(rem, t1 - t0);
        timing_add(att, t2 - t1);
        free(jgf);
    }
    return 0;
}

static const char node_job[] =
    "version: 9999\nresources:\n  - type: node\n    count: 1\n    exclusive: true\n"
    "    with:\n      - type: slot\n        count: 1\n        label: default\n"
    "        with:\n          - type: core\n            count: 1\n"
    "attributes:\n  system:\n    duration: 3600\n"
    "tasks:\n  - command: [ app ]\n    slot: default\n    count:\n      per_slot: 1\n";

/* Allocate njobs one-node jobs; the number allocated. */
static int allocate_jobs(matcher_t *m, int njobs)
{
    struct st_error err = {{0}};
    jobspec_t *js = jobspec_parse_string(node_job, strlen(node_job), "node", &err);
    if (!js) {
        fprintf(stderr, "%s\n", err.text);
        return 0;
    }
    int n = 0;
    for (int i = 0; i < njobs; i++) {
        int64_t at = 0;
        if (match_run(m, MATCH_ALLOCATE, js, 1000000 + i, &at, NULL, NULL, &err) == 0)
            n++;
    }
    jobspec_destroy(js);
    return n;
}

/* ops removals with jobs in place. */
static int remove_ops(matcher_t *m, graph_t *g, int ops, struct timing *rem)
{
    for (int i = 0; i < ops; i++) {
        char path[512];
        if (op_node(g, i, path, sizeof(path)) == VTX_NONE)
            return -1;
        struct st_error err = {{0}};
        double t0 = now();
        if (match_remove_path(m, path, &err) < 0) {
            fprintf(stderr, "remove %s: %s\n", path, err.text);
            return -1;
        }
        timing_add(rem, now() - t0);
    }
    return 0;
}

static void report(const char *what, const struct timing *rem, const struct timing *att)
{
    printf("  %-12s %4d ops: remove mean %8.3f ms max %8.3f ms | attach mean %8.3f ms max "
           "%8.3f ms\n",
           what, rem->n, rem->n ? 1e3 * rem->sum / rem->n : 0.0, 1e3 * rem->max,
           att->n ? 1e3 * att->sum / att->n : 0.0, 1e3 * att->max);
}

static int bench_one(const char *path, int ops, int full_ops, int jobs)
{
    struct st_error err = {{0}};
    graph_t *g = reader_grug_load(path, &err);
    if (!g) {
        fprintf(stderr, "%s\n", err.text);
        return -1;
    }
    matcher_t *m = match_create(g, NULL, &err);
    if (!m) {
        fprintf(stderr, "%s\n", err.text);
        graph_destroy(g);
        return -1;
    }
    printf("%s: %d vertices\n", path, (int) graph_live_vertex_count(g));
    struct timing rem = {0}, att = {0}, frem = {0}, fatt = {0};
    int rc = run_ops(m, g, ops, &rem, &att);
    if (rc == 0)
        report("in place", &rem, &att);
    if (rc == 0 && jobs > 0) {
        struct timing jrem = {0}, none = {0};
        int got = allocate_jobs(m, jobs);
        if ((rc = remove_ops(m, g, ops, &jrem)) == 0) {
            char what[32];
            snprintf(what, sizeof(what), "%d jobs", got);
            report(what, &jrem, &none);
        }
    }
    graph_set_full_rebuild(g, true);
    if (rc == 0 && full_ops > 0 && jobs == 0 &&
        (rc = run_ops(m, g, full_ops, &frem, &fatt)) == 0)
        report("full-rebuild", &frem, &fatt);
    if (rc == 0 && full_ops > 0 && jobs > 0 && (rc = remove_ops(m, g, full_ops, &frem)) == 0)
        report("full-rebuild", &frem, &fatt);
    printf("  after: %d live vertices of %d slots, %.1f bytes/vertex\n",
           (int) graph_live_vertex_count(g), (int) graph_vertex_count(g),
           (double) graph_memory_bytes(g) / (double) graph_live_vertex_count(g));
    match_destroy(m);
    graph_destroy(g);
    return rc;
}

int main(int argc, char **argv)
{
    int ops = 200, full_ops = 10, jobs = 0, opt, rc = 0;
    while ((opt = getopt(argc, argv, "n:N:j:")) != -1) {
        if (opt == 'n')
            ops = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (opt == 'N')
            full_ops = atoi(optarg) >= 0 ? atoi(optarg) : 0;
        else if (opt == 'j')
            jobs = atoi(optarg) >= 0 ? atoi(optarg) : 0;
        else
            return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: bench_elastic [-n OPS] [-N FULL_OPS] [-j JOBS] FILE...\n");
        return 2;
    }
    for (int i = optind; i < argc; i++)
        if (bench_one(argv[i], ops, full_ops, jobs) < 0)
            rc = 1;
    return rc;
}
