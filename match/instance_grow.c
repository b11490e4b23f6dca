/* instance_grow: attach with jobs (match/instance_grow.h). */
#include <errno.h>

#include "match/instance_grow.h"
#include "match/match_private.h"
#include "resource/reader.h"

int match_attach_live(matcher_t *m, const char *jgf_text, struct st_error *err)
{
    if (!m || !jgf_text)
        return st_errorf(err, EINVAL, "invalid argument");
    if (m->njobs == 0)
        return match_attach(m, jgf_text, err);
    /* A hold stands for its root's whole subtree as the graph is when it
     * is read: expanded after the graft, it would take in vertices grafted
     * below its root.  The jobs get their records below holds first (the
     * state they would have without holds; nothing they hold changes). */
    for (size_t i = 0; i < m->njobs; i++)
        if (match_job_unhold(m, &m->jobs[i]) < 0)
            return st_errorf(err, ENOMEM, "out of memory");
    vtx_t from = graph_vertex_count(m->g);
    if (reader_jgf_attach(m->g, jgf_text, "JGF", err) < 0)
        return -1;
    /* Only the grafted subtrees and their ancestors are primed; the jobs
     * keep their filter spans (what they hold below each ancestor did not
     * change).  graph_full_rebuild() selects the former full refilter. */
    if (match_prime_attached(m, from) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    return 0;
}
