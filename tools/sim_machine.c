/* sim_machine: the simulated machine and how SWF jobs ask for it.
 *
 * A shorthand machine is built in memory with the graph builder, the way a
 * GRUG recipe would make it: cluster0 -> node0..N-1 (rank = index) ->
 * core0..C-1 each, in the containment subsystem.  `--procs N` is the flat
 * machine: cluster0 -> socket groups -> core0..N-1, no nodes (see
 * build_flat()).  Any reader's input (`--machine FILE --format grug|jgf|hwloc|...`)
 * works as well.
 *
 * SWF jobs only say how many processors they used.  Two mappings:
 *   cores  slot[procs] -> core[1]: processors are cores anywhere;
 *   nodes  node[ceil(procs / C)] exclusive -> slot -> core: whole nodes.
 * Jobs with the same shape and requested time share one jobspec.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/reader.h"
#include "tools/sim.h"

static const char *const containment = "containment";

static vtx_t add_vertex(graph_t *g, const char *type, int64_t id, int32_t rank,
                        const char *parent_path, char *path, size_t pathsz)
{
    struct vtx_init in = {.type = type,
                          .id = id,
                          .uniq_id = graph_vertex_count(g),
                          .rank = rank,
                          .size = 1,
                          .status = VTX_UP};
    vtx_t v = graph_add_vertex(g, &in);
    if (v == VTX_NONE)
        return VTX_NONE;
    snprintf(path, pathsz, "%s/%s", parent_path, graph_name(g, v));
    if (graph_set_path(g, v, containment, path) < 0)
        return VTX_NONE;
    return v;
}

static int build_nodes(graph_t *g, int64_t nodes, int64_t cores)
{
    char cpath[64], npath[128], path[192];
    vtx_t root = add_vertex(g, "cluster", 0, -1, "", cpath, sizeof cpath);
    if (root == VTX_NONE)
        return -1;
    for (int64_t n = 0; n < nodes; n++) {
        vtx_t nv = add_vertex(g, "node", n, (int32_t) n, cpath, npath, sizeof npath);
        if (nv == VTX_NONE || graph_add_edge(g, root, nv, containment) < 0)
            return -1;
        for (int64_t c = 0; c < cores; c++) {
            vtx_t cv = add_vertex(g, "core", c, (int32_t) n, npath, path, sizeof path);
            if (cv == VTX_NONE || graph_add_edge(g, nv, cv, containment) < 0)
                return -1;
        }
    }
    return 0;
}

/* The flat machine: procs interchangeable cores.  Jobs ask for cores
 * anywhere, so how the cores are grouped cannot change a schedule; groups of
 * FLAT_GROUP cores under "socket" vertices only let the matcher's aggregate
 * filters skip full groups instead of scanning every core. */
enum { FLAT_GROUP = 8 };

static int build_flat(graph_t *g, int64_t procs)
{
    char cpath[64], spath[128], path[192];
    vtx_t root = add_vertex(g, "cluster", 0, -1, "", cpath, sizeof cpath);
    if (root == VTX_NONE)
        return -1;
    vtx_t sv = VTX_NONE;
    for (int64_t c = 0; c < procs; c++) {
        if (c % FLAT_GROUP == 0) {
            sv = add_vertex(g, "socket", c / FLAT_GROUP, -1, cpath, spath, sizeof spath);
            if (sv == VTX_NONE || graph_add_edge(g, root, sv, containment) < 0)
                return -1;
        }
        vtx_t cv = add_vertex(g, "core", c, -1, spath, path, sizeof path);
        if (cv == VTX_NONE || graph_add_edge(g, sv, cv, containment) < 0)
            return -1;
    }
    return 0;
}

graph_t *sim_machine_create(const struct sim_machine_spec *spec, struct st_error *err)
{
    if (!spec)
        return st_errorf_null(err, EINVAL, "machine: invalid argument");
    if (spec->path)
        return reader_load(spec->format ? spec->format : "grug", spec->path, NULL, err);
    int64_t nodes = spec->procs > 0 ? 1 : spec->nodes;
    int64_t cores = spec->procs > 0 ? spec->procs : spec->cores_per_node;
    if (nodes < 1 || cores < 1 || nodes > 1000000 || cores > 1000000)
        return st_errorf_null(err, EINVAL,
                              "machine: give --procs N, --nodes N [--cores-per-node C] "
                              "or --machine FILE");
    graph_t *g = graph_create();
    if (!g)
        return st_errorf_null(err, ENOMEM, "machine: out of memory");
    if ((spec->procs > 0 ? build_flat(g, spec->procs) : build_nodes(g, nodes, cores)) < 0) {
        graph_destroy(g);
        return st_errorf_null(err, ENOMEM, "machine: out of memory");
    }
    if (graph_finalize(g, err) < 0) {
        graph_destroy(g);
        return NULL;
    }
    return g;
}

static int64_t count_type(const graph_t *g, const char *type)
{
    atom_t a = graph_atom_find(g, type);
    if (a == ATOM_NONE)
        return 0;
    int n = 0;
    const vtx_t *v = graph_by_type(g, a, &n);
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += graph_size(g, v[i]);
    return total;
}

int64_t sim_machine_cores(const graph_t *g)
{
    return g ? count_type(g, "core") : 0;
}

int64_t sim_machine_nodes(const graph_t *g)
{
    return g ? count_type(g, "node") : 0;
}

/* ---- mapping SWF jobs to jobspecs ----------------------------------------------- */

struct spec_key {
    int64_t units; /* cores or nodes */
    int64_t req;
    jobspec_t *js;
};

struct spec_cache {
    struct spec_key *slots;
    size_t nslots;
};

static size_t key_hash(int64_t a, int64_t b)
{
    uint64_t x = (uint64_t) a * 0x9e3779b97f4a7c15ULL ^ ((uint64_t) b + 0x632be59bd9b4e019ULL);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    return (size_t) (x ^ (x >> 29));
}

static struct spec_key *cache_slot(struct spec_cache *c, int64_t units, int64_t req)
{
    size_t mask = c->nslots - 1;
    for (size_t i = key_hash(units, req) & mask;; i = (i + 1) & mask) {
        struct spec_key *k = &c->slots[i];
        if (!k->js || (k->units == units && k->req == req))
            return k;
    }
}

static jobspec_t *make_spec(enum sim_mapping map, int64_t units, int64_t req,
                            struct st_error *err)
{
    static const char *const argv[] = {"true", NULL}; /* jobs need a command */
    struct jobspec_shape s = {.duration = (double) req, .cores_per_task = 1, .argv = argv};
    if (map == SIM_MAP_CORES) {
        s.ntasks = (int) units;
    } else {
        s.nodes = (int) units;
        s.ntasks = (int) units;
        s.exclusive = true;
    }
    return jobspec_from_shape(&s, err);
}

static int map_job(struct sim_workload *w, struct spec_cache *c, struct sim_job *j,
                   enum sim_mapping map, int64_t cpn, struct st_error *err)
{
    int64_t units = map == SIM_MAP_CORES ? j->procs : (j->procs + cpn - 1) / cpn;
    j->size = map == SIM_MAP_CORES ? j->procs : units * cpn;
    struct spec_key *k = cache_slot(c, units, j->req);
    if (!k->js) {
        struct st_error e2;
        jobspec_t *js = make_spec(map, units, j->req, &e2);
        if (!js)
            return st_errorf(err, EINVAL, "job %lld (line %lld): %s", (long long) j->id,
                             (long long) j->line, e2.text);
        if (sim_workload_add_spec(w, js) < 0) {
            jobspec_destroy(js);
            return st_errorf(err, ENOMEM, "out of memory");
        }
        *k = (struct spec_key){units, j->req, js};
    }
    j->js = k->js;
    /* Every job of a mapping asks for N of the same thing (cores anywhere,
     * or whole nodes), so a bigger, longer one cannot fit where a smaller
     * one did not. */
    j->shape_class = map == SIM_MAP_CORES ? 1 : 2;
    return 0;
}

int sim_workload_map(struct sim_workload *w, enum sim_mapping map, int64_t cores_per_node,
                     struct st_error *err)
{
    if (!w || cores_per_node < 1)
        return st_errorf(err, EINVAL, "mapping: invalid argument");
    struct spec_cache c = {.nslots = 1024};
    while (c.nslots < 2 * w->n)
        c.nslots *= 2;
    c.slots = calloc(c.nslots, sizeof *c.slots);
    if (!c.slots)
        return st_errorf(err, ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < w->n && rc == 0; i++) {
        struct sim_job *j = &w->jobs[i];
        if (j->procs > 0 && !j->js)
            rc = map_job(w, &c, j, map, cores_per_node, err);
    }
    free(c.slots);
    return rc;
}
