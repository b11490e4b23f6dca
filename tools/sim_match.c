/* sim_match: strata-sim's queue backend over the real matcher.
 *
 * The mapping of queue questions onto match ops is the shared one of
 * policy/queue_match.h; this file creates the matcher and a "simple" writer
 * for it, and makes the summary of an allocation ("4 core on node[0-1]")
 * from the writer on demand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/queue_match.h"
#include "resource/hostlist.h"
#include "resource/writer.h"
#include "tools/sim.h"

int sim_match_backend_create(graph_t *g, const char *match_policy, struct queue_backend *be,
                             struct st_error *err)
{
    if (!g || !be)
        return st_errorf(err, EINVAL, "match backend: invalid argument");
    struct match_params p = {.policy = match_policy ? match_policy : "first",
                             .subsystems = "CA",
                             .prune_filters = "ALL:core,ALL:node",
                             .traverser = MATCH_TRAVERSER_SIMPLE,
                             .graph_start = 0,
                             .graph_duration = 3153600000LL};
    matcher_t *m = match_create(g, &p, err);
    if (!m)
        return -1;
    if (queue_match_backend_create(m, true, writer_create(WRITER_SIMPLE, g), be) < 0)
        return st_errorf(err, errno, "match backend: %s", strerror(errno));
    return 0;
}

void sim_match_backend_destroy(struct queue_backend *be)
{
    queue_match_backend_destroy(be);
}

/* The name in a "simple" line: "      ---core3[1:x]" -> "core3". */
static bool line_name(const char *line, size_t len, char *name, size_t namesz)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '-'))
        i++;
    size_t k = 0;
    while (i < len && line[i] != '[' && k + 1 < namesz)
        name[k++] = line[i++];
    name[k] = '\0';
    return k > 0;
}

/* Count cores and collect node names from the rendered selection. */
static char *summarize(const graph_t *g, const char *text, int64_t *ncores)
{
    atom_t node_type = graph_atom_find(g, "node");
    atom_t core_type = graph_atom_find(g, "core");
    hostlist_t *hl = hostlist_create();
    int64_t cores = 0;
    for (const char *p = text; hl && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t) (nl - p) : strlen(p);
        char name[256];
        int n = 0;
        const vtx_t *v =
            line_name(p, len, name, sizeof name) ? graph_by_name(g, name, &n) : NULL;
        if (n > 0 && graph_type(g, v[0]) == core_type)
            cores++;
        else if (n > 0 && graph_type(g, v[0]) == node_type)
            hostlist_append(hl, name);
        p += len + (nl ? 1 : 0);
    }
    char *hosts = hl && hostlist_count(hl) ? hostlist_encode(hl) : NULL;
    char *out = NULL;
    if (hl && asprintf(&out, "%lld core%s%s", (long long) cores, hosts ? " on " : "",
                       hosts ? hosts : "") < 0)
        out = NULL;
    free(hosts);
    hostlist_destroy(hl);
    *ncores = cores;
    return out;
}

char *sim_match_backend_last_alloc(struct queue_backend *be, const graph_t *g, int64_t jobid,
                                   int64_t *cores)
{
    writer_t *w = queue_match_backend_last(be, jobid);
    if (!w || !g)
        return NULL;
    char *text = writer_render(w);
    char *out = text ? summarize(g, text, cores) : NULL;
    free(text);
    return out;
}
