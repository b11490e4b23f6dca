/* instance_live: a running instance job's life after its start
 * (docs/nested.md: grow and shrink, a restarted parent).
 *
 * Parent side:
 *   - instance.grow {id, jobspec}: match the jobspec now, under a companion
 *     job id of the matcher tied to the instance job (freed with it), send
 *     the new R to the child (resource.attach) and add it to the job's R;
 *   - instance.shrink {id, ranks, drain}: ask the child to give the ranks up
 *     (resource.shrink: it drains or refuses), then release them from the
 *     job (partial release of the job and of its companions);
 *   - after a restart: instance jobs recovered as running hold their
 *     allocation again and wait for their child to re-register (its
 *     wrapper outlived the old stratad); instance.end is how an adopted
 *     wrapper, which this stratad cannot reap, reports its exit.
 * Child side:
 *   - resource.attach {R}: graft R's JGF into the graph (jobs may run);
 *   - resource.shrink {ranks, drain}: remove those nodes once no job runs
 *     on them (drain: mark them down and cancel the jobs there first);
 *   - both changes are kept in STATEDIR/resize.json and replayed when the
 *     child is restarted on that state directory
 *     (instance_resources_replay()), so it keeps the resources it had.
 *
 * The parent calls its child synchronously (a short timeout) while holding
 * its lock: a child never calls its parent back from a request, so this
 * cannot deadlock.  Every method validates before it mutates; a grow whose
 * child refuses the R releases the companion again.
 */
#ifndef STRATA_DAEMON_INSTANCE_LIVE_H
#define STRATA_DAEMON_INSTANCE_LIVE_H

#include <stdint.h>

#include <jansson.h>

#include "daemon/stratad.h"
#include "resource/st_error.h"

/* Timeout of the parent's calls to a child (ms). */
#define INSTANCE_CHILD_CALL_MS 3000

/* Protocol methods (methods.c's handler signature; docs/protocol.md).
 * Each returns 0 with *result, or -1 with err (EINVAL bad params or NULL
 * arguments, ENOENT no such job, EPERM not the owner, EBUSY, ...). */

/* instance.grow {"id", "jobspec": object}: result {"R": the grant's R,
 * "ranks": the job's ranks now}.  EBUSY when the jobspec does not fit now,
 * ENODEV never, ESRCH no registered child. */
int instance_method_grow(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                         json_t **result, struct st_error *err);

/* instance.shrink {"id", "ranks": idset, "drain": bool (default true)}:
 * result {"done": true, "ranks": the job's ranks now} once released, or
 * {"done": false, "waiting": [child job ids]} while the child drains
 * (call again).  EINVAL ranks not all the job's, or all of them. */
int instance_method_shrink(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                           json_t **result, struct st_error *err);

/* instance.end {"id", "exitcode"}: an adopted instance's wrapper ended.
 * Result {}.  EINVAL when job id is not an adopted instance job. */
int instance_method_end(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                        json_t **result, struct st_error *err);

/* resource.attach {"R": object with a JGF "scheduling" key}: result
 * {"nnodes": nodes now}.  Instance owner only. */
int instance_method_attach(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                           json_t **result, struct st_error *err);

/* resource.shrink {"ranks", "drain": bool (default false)}: result
 * {"removed": true, "ranks"} or {"removed": false, "waiting": [ids]}.
 * EBUSY (not draining and a job runs there), ENOENT a rank is not a node
 * here, EINVAL all of them.  Instance owner only. */
int instance_method_detach(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                           json_t **result, struct st_error *err);

/* Start hook (stratad.c, after the graph is loaded and the state
 * directory set up, before the journal is replayed): apply the resource
 * changes (resource.attach, resource.shrink) this instance saved in
 * STATEDIR/resize.json before it was restarted, so that it has the
 * resources it had, not those its --load R names.  0 (also when there is
 * no such file), or -1 with err ("FILE: change N: what"; EINVAL for NULL
 * arguments or a bad file). */
int instance_resources_replay(struct instance *inst, struct st_error *err);

/* Recovery hook (stratad.c): instance job j was running when the old
 * stratad died.  Hold its allocation again and wait for its child to
 * re-register within the job's grace period.  0, or -1 (the caller fails
 * the job as lost). */
int instance_job_adopt(struct instance *inst, struct job *j);

/* Finish hook (jobs.c): job j ended; release its companions.  No-op for
 * other jobs and NULL. */
void instance_job_ended(struct instance *inst, struct job *j);

/* Main-loop hook (jobs.c): fail adopted jobs whose wrapper vanished and
 * restored ones whose child did not come back in time.  Returns the seconds
 * until it wants to run again (a large number when nothing is watched). */
double instance_tick(struct instance *inst);

#endif
