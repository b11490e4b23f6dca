/* queue_match: the queue manager's backend over the real matcher.
 *
 * stratad and strata-sim both drive the queue manager (policy/queue.h)
 * against a matcher; this is the one mapping of the queue policies'
 * questions onto match ops, all at *at = now:
 *
 *   fits_now   WITHOUT_ALLOCATING (nothing is committed);
 *   alloc_now  ALLOCATE_WITH_SATISFIABILITY (EBUSY: later; ENODEV: never);
 *   reserve    ALLOCATE_ORELSE_RESERVE, with a satisfiability check when
 *              it fails, so that a request that can never run is rejected
 *              instead of waiting forever;
 *   estimate   WITHOUT_ALLOCATING_FUTURE;
 *   cancel     match_cancel.
 *
 * Allocations are emitted to a caller-chosen writer (rv1 for the daemon's
 * R, simple for the simulator's summaries); the backend remembers which job
 * the writer's content belongs to, so that a start callback can pick it up.
 */
#ifndef STRATA_POLICY_QUEUE_MATCH_H
#define STRATA_POLICY_QUEUE_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "match/match.h"
#include "policy/queue.h"
#include "resource/writer.h"

/* Fill *be with a backend over matcher m emitting to writer w.  The backend
 * takes w (destroyed with it, also when this call fails); it takes m too
 * when own_matcher is true.  -1 with EINVAL if an argument is NULL, ENOMEM. */
int queue_match_backend_create(matcher_t *m, bool own_matcher, writer_t *w,
                               struct queue_backend *be);

/* Free the backend, its writer (and its matcher if owned).  A backend not
 * made here, or NULL, is left alone. */
void queue_match_backend_destroy(struct queue_backend *be);

/* The writer holding jobid's allocation if the backend's last successful
 * allocating call was that job's and started it now; NULL otherwise.
 * Valid until the next call on the backend. */
writer_t *queue_match_backend_last(struct queue_backend *be, int64_t jobid);

#endif
