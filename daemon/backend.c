/* backend: stratad's queue backend.
 *
 * The mapping of the queue policies' questions onto match ops is the shared
 * one of policy/queue_match.h (also used by strata-sim).  The daemon's part
 * is the writer: allocations are emitted as rv1, so that a job that starts
 * takes its R from the backend, with the JGF ("scheduling") only when the
 * job needs it (an instance loads its graph from it): the JGF is most of
 * the cost of a small job's R (rendered, journaled, kept).
 */
#include <errno.h>

#include "daemon/stratad.h"
#include "policy/queue_match.h"
#include "resource/writer.h"

int backend_create(graph_t *g, matcher_t *m, struct queue_backend *be)
{
    if (!g || !m || !be) {
        errno = EINVAL;
        return -1;
    }
    return queue_match_backend_create(m, false, writer_create(WRITER_RV1, g), be);
}

void backend_destroy(struct queue_backend *be)
{
    queue_match_backend_destroy(be);
}

char *backend_take_R(struct queue_backend *be, int64_t jobid, bool jgf)
{
    writer_t *w = queue_match_backend_last(be, jobid);
    return w ? writer_render_as(w, jgf ? WRITER_RV1 : WRITER_RV1_NOSCHED) : NULL;
}
