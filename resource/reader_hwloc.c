/* reader_hwloc: a resource graph from an hwloc topology (reference 3.2).
 *
 * The topology comes from an XML export or, with no path, from live
 * discovery of this host.  The graph gets a cluster0 root and one vertex per
 * hwloc object of a kind the scheduler knows (Machine -> node, Package ->
 * socket, Core, PU, NUMANode, Group, data/unified caches -> L<n>cache, GPU
 * co-processors -> gpu, block devices -> storage).  Other objects (bridges,
 * PCI devices, network interfaces) are not vertices: their children hang
 * from the nearest ancestor that is one.  An allowlist (-W) filters types the
 * same way; "cluster" is always kept.
 *
 * Children are visited in hwloc's order: normal children, then memory
 * children, then I/O children.  uniq_ids count created vertices only; ids are
 * hwloc logical indexes (for storage, among all OS devices: disks after 8
 * network/IB devices start at 8), except for GPUs (the index in the OS
 * device name: cuda1, opencl0d1, rsmi1 -> gpu1) and nodes (the numeric
 * suffix of the host name).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "resource/reader.h"

enum { MAX_ALLOW = 64, NAME_MAX_LEN = 256 };

struct walker {
    graph_t *g;
    const char *src; /* for messages */
    struct st_error *err;
    char *allow[MAX_ALLOW];
    int nallow; /* 0: everything */
    int64_t next_uniq;
    int32_t next_rank;
    int32_t rank; /* rank of the node being walked */
    int64_t ngpu;
};

/* What an hwloc object becomes. */
struct kind {
    char type[32];
    char basename[NAME_MAX_LEN];
    char name[NAME_MAX_LEN];
    int64_t id;
    int64_t size;
    const char *unit;
    const char *prop_key; /* one property to copy, or NULL */
    const char *prop_value;
};

/* ---- allowlist ------------------------------------------------------------ */

static int parse_allowlist(struct walker *w, const char *list)
{
    if (!list || !*list)
        return 0;
    const char *p = list;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t) (q - p) : strlen(p);
        if (len == 0)
            return st_errorf(w->err, EINVAL, "hwloc allowlist \"%s\": empty type", list);
        if (w->nallow == MAX_ALLOW)
            return st_errorf(w->err, EINVAL, "hwloc allowlist \"%s\": too many types", list);
        if (!(w->allow[w->nallow] = strndup(p, len)))
            return st_errorf(w->err, ENOMEM, "out of memory");
        w->nallow++;
        p = q ? q + 1 : p + len;
        if (q && !*p)
            return st_errorf(w->err, EINVAL, "hwloc allowlist \"%s\": trailing ','", list);
    }
    return 0;
}

static bool allowed(const struct walker *w, const char *type)
{
    if (w->nallow == 0 || strcmp(type, "cluster") == 0)
        return true;
    for (int i = 0; i < w->nallow; i++) {
        if (strcmp(w->allow[i], type) == 0)
            return true;
    }
    return false;
}

/* ---- object classification ----------------------------------------------- */

static bool prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

/* A GPU is a CUDA/OpenCL co-processor or an ROCm SMI device. */
static bool osdev_is_gpu(hwloc_obj_t o)
{
    if (o->type != HWLOC_OBJ_OS_DEVICE)
        return false;
    if (o->attr->osdev.type == HWLOC_OBJ_OSDEV_COPROC)
        return prefix(o->name, "cuda") || prefix(o->name, "opencl");
    if (o->attr->osdev.type == HWLOC_OBJ_OSDEV_GPU)
        return prefix(o->name, "rsmi");
    return false;
}

/* One physical GPU shows up as several OS devices (cuda0 and opencl0d0
 * under one PCI device): only the first one counts. */
static bool gpu_seen_before(hwloc_obj_t o)
{
    for (hwloc_obj_t s = o->prev_sibling; s; s = s->prev_sibling) {
        if (osdev_is_gpu(s))
            return true;
    }
    return false;
}

static int set_name(struct kind *k, const char *basename, int64_t id)
{
    int n1 = snprintf(k->basename, sizeof(k->basename), "%s", basename);
    int n2 = snprintf(k->name, sizeof(k->name), "%s%" PRId64, basename, id);
    k->id = id;
    return n1 < 0 || n2 < 0 || (size_t) n2 >= sizeof(k->name) ? -1 : 0;
}

static void node_kind(struct walker *w, hwloc_obj_t o, struct kind *k)
{
    const char *host = hwloc_obj_get_info_by_name(o, "HostName");
    w->rank = w->next_rank++;
    snprintf(k->type, sizeof(k->type), "node");
    if (!host || !*host || strlen(host) >= NAME_MAX_LEN) {
        set_name(k, "node", w->rank);
        return;
    }
    size_t len = strlen(host), i = len;
    while (i > 0 && host[i - 1] >= '0' && host[i - 1] <= '9')
        i--;
    snprintf(k->name, sizeof(k->name), "%s", host);
    snprintf(k->basename, sizeof(k->basename), "%.*s", (int) i, i ? host : "node");
    k->id = i < len && len - i <= 18 ? strtoll(host + i, NULL, 10) : -1;
}

static bool osdev_kind(struct walker *w, hwloc_obj_t o, struct kind *k)
{
    if (osdev_is_gpu(o) && !gpu_seen_before(o)) {
        /* The device's own index (cuda2, opencl0d2, rsmi2 -> gpu2): GPUs
         * of different vendors on one node each count from 0. */
        const char *d = o->name + strlen(o->name);
        while (d > o->name && d[-1] >= '0' && d[-1] <= '9')
            d--;
        snprintf(k->type, sizeof(k->type), "gpu");
        set_name(k, "gpu", *d && strlen(d) <= 9 ? strtoll(d, NULL, 10) : w->ngpu);
        w->ngpu++;
        return true;
    }
    if (o->attr->osdev.type == HWLOC_OBJ_OSDEV_BLOCK) {
        /* hwloc gives the size in kB; pools count GB. */
        const char *sz = hwloc_obj_get_info_by_name(o, "Size");
        int64_t kb = sz ? strtoll(sz, NULL, 10) : 0;
        snprintf(k->type, sizeof(k->type), "storage");
        /* Numbered among every OS device, not among disks: catalyst's
         * sda-sdd (after eno1-4, hsi0/1, qib0/1) are storage8-11 in
         * Fluxion's output (t3026), corona's first device nvme0n1 storage0. */
        set_name(k, "storage", (int64_t) o->logical_index);
        k->size = kb >= 1000000 ? kb / 1000000 : 1;
        k->unit = "GB";
        const char *dev = hwloc_obj_get_info_by_name(o, "LinuxDeviceID");
        if (dev) {
            k->prop_key = "LinuxDeviceID";
            k->prop_value = dev;
        }
        return true;
    }
    return false;
}

static bool cpu_kind(hwloc_obj_t o, struct kind *k)
{
    const char *t = NULL;
    switch (o->type) {
    case HWLOC_OBJ_PACKAGE:
        t = "socket";
        break;
    case HWLOC_OBJ_CORE:
        t = "core";
        break;
    case HWLOC_OBJ_PU:
        t = "pu";
        break;
    case HWLOC_OBJ_NUMANODE:
        t = "numanode";
        break;
    case HWLOC_OBJ_GROUP:
        t = "group";
        break;
    default:
        break;
    }
    if (!t && hwloc_obj_type_is_cache(o->type) &&
        o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION) {
        snprintf(k->type, sizeof(k->type), "L%ucache", o->attr->cache.depth);
        t = k->type;
    }
    if (!t)
        return false;
    if (t != k->type)
        snprintf(k->type, sizeof(k->type), "%s", t);
    set_name(k, k->type, (int64_t) o->logical_index);
    return true;
}

/* Fill k for o; false if o is not a vertex kind. */
static bool classify(struct walker *w, hwloc_obj_t o, struct kind *k)
{
    memset(k, 0, sizeof(*k));
    k->size = 1;
    k->unit = "";
    if (o->type == HWLOC_OBJ_MACHINE) {
        node_kind(w, o, k);
        return true;
    }
    if (o->type == HWLOC_OBJ_OS_DEVICE)
        return osdev_kind(w, o, k);
    return cpu_kind(o, k);
}

/* ---- walk ------------------------------------------------------------------ */

static vtx_t add_vertex(struct walker *w, const struct kind *k, int32_t rank, const char *path)
{
    struct vtx_init in = {
        .type = k->type,
        .basename = k->basename,
        .name = k->name,
        .id = k->id,
        .uniq_id = w->next_uniq++,
        .rank = rank,
        .size = k->size,
        .unit = k->unit,
    };
    vtx_t v = graph_add_vertex(w->g, &in);
    if (v == VTX_NONE || graph_set_path(w->g, v, "containment", path) < 0)
        return VTX_NONE;
    if (k->prop_key && graph_set_property(w->g, v, k->prop_key, k->prop_value) < 0)
        return VTX_NONE;
    return v;
}

static int walk(struct walker *w, hwloc_obj_t o, vtx_t parent, const char *ppath);

static int walk_list(struct walker *w, hwloc_obj_t first, vtx_t parent, const char *ppath)
{
    for (hwloc_obj_t c = first; c; c = c->next_sibling) {
        if (walk(w, c, parent, ppath) < 0)
            return -1;
    }
    return 0;
}

/* Add the vertex k under parent; *v and *path (caller frees) receive it. */
static int add_child(struct walker *w, const struct kind *k, vtx_t parent, const char *ppath,
                     vtx_t *v, char **path)
{
    if (asprintf(path, "%s/%s", ppath, k->name) < 0) {
        *path = NULL;
        return st_errorf(w->err, ENOMEM, "%s: out of memory", w->src);
    }
    *v = add_vertex(w, k, w->rank, *path);
    if (*v == VTX_NONE || graph_add_edge(w->g, parent, *v, "containment") < 0)
        return st_errorf(w->err, errno, "%s: cannot add %s: %s", w->src, *path,
                         strerror(errno));
    return 0;
}

/* Children of o under parent: normal, then memory, then I/O (hwloc's
 * order).  An object that is no vertex (filtered out, or a bridge) passes
 * its parent down.  hwloc 2 makes an hwloc-1 NUMA node with children a
 * Group holding the NUMA node as a memory child next to the devices, so
 * with group and numanode filtered out the devices hang from the socket,
 * after the group's cores: Fluxion shows corona116's nvme0n1 between
 * socket0's core5 and core6 (t3026), chimera's GPUs under socket0 with -W
 * node,socket,core,gpu (basics/020, b3cac06; its numanode0 in an older
 * file came from a run without -W). */
static int walk_children(struct walker *w, hwloc_obj_t o, vtx_t parent, const char *ppath)
{
    if (walk_list(w, o->first_child, parent, ppath) < 0 ||
        walk_list(w, o->memory_first_child, parent, ppath) < 0)
        return -1;
    return walk_list(w, o->io_first_child, parent, ppath);
}

static int walk(struct walker *w, hwloc_obj_t o, vtx_t parent, const char *ppath)
{
    struct kind k;
    char *path = NULL;
    vtx_t v = VTX_NONE;
    bool is_vertex = classify(w, o, &k) && allowed(w, k.type);
    if (is_vertex && add_child(w, &k, parent, ppath, &v, &path) < 0) {
        free(path);
        return -1;
    }
    int rc = walk_children(w, o, is_vertex ? v : parent, is_vertex ? path : ppath);
    free(path);
    return rc;
}

static int build(struct walker *w, hwloc_topology_t topo)
{
    struct kind k = { .type = "cluster", .basename = "cluster", .name = "cluster0",
                      .id = 0, .size = 1, .unit = "" };
    vtx_t root = add_vertex(w, &k, -1, "/cluster0");
    if (root == VTX_NONE)
        return st_errorf(w->err, errno, "%s: cannot add /cluster0: %s", w->src,
                         strerror(errno));
    w->rank = -1;
    return walk(w, hwloc_get_root_obj(topo), root, "/cluster0");
}

/* ---- topology ---------------------------------------------------------------- */

static hwloc_topology_t load_topology(const char *xml_path, struct st_error *err)
{
    hwloc_topology_t topo;
    const char *src = xml_path ? xml_path : "hwloc";
    if (hwloc_topology_init(&topo) < 0)
        return st_errorf_null(err, ENOMEM, "%s: cannot initialize hwloc", src);
    /* I/O objects are filtered out by default; GPUs and disks are resources. */
    hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    if (xml_path) {
        FILE *f = fopen(xml_path, "r");
        if (!f) {
            int e = errno;
            hwloc_topology_destroy(topo);
            return st_errorf_null(err, e, "%s: %s", xml_path, strerror(e));
        }
        fclose(f);
        if (hwloc_topology_set_xml(topo, xml_path) < 0) {
            hwloc_topology_destroy(topo);
            return st_errorf_null(err, EINVAL, "%s: not a readable hwloc XML file", xml_path);
        }
    }
    if (hwloc_topology_load(topo) < 0) {
        hwloc_topology_destroy(topo);
        return st_errorf_null(err, EINVAL, "%s: cannot load hwloc topology", src);
    }
    return topo;
}

static void walker_fini(struct walker *w)
{
    for (int i = 0; i < w->nallow; i++)
        free(w->allow[i]);
}

graph_t *reader_hwloc_load(const char *xml_path, const char *allowlist, struct st_error *err)
{
    struct walker w = { .src = xml_path ? xml_path : "hwloc", .err = err };
    hwloc_topology_t topo = NULL;
    if (parse_allowlist(&w, allowlist) < 0)
        goto error;
    if (!(topo = load_topology(xml_path, err)))
        goto error;
    if (!(w.g = graph_create())) {
        st_errorf(err, ENOMEM, "%s: out of memory", w.src);
        goto error;
    }
    if (build(&w, topo) < 0)
        goto error;
    struct st_error ferr = { { 0 } };
    if (graph_finalize(w.g, &ferr) < 0) {
        st_errorf(err, EINVAL, "%s: %s", w.src, ferr.text);
        goto error;
    }
    hwloc_topology_destroy(topo);
    walker_fini(&w);
    return w.g;
error: {
    int e = errno;
    if (topo)
        hwloc_topology_destroy(topo);
    graph_destroy(w.g);
    walker_fini(&w);
    errno = e;
    return NULL;
}
}
