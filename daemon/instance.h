/* instance: jobs that are scheduler instances themselves (nested stratad).
 *
 * A job whose jobspec has attributes.system.instance (true, or an object
 * {"options": ["--queue-policy=easy", ...], "prefix": ["ip", "netns",
 * "exec", "ns2"]}: stratad options and a command the child stratad is run
 * through) is started through the strata
 * CLI's hidden `instance-run` command: it fetches the job's R from this
 * (the parent) instance, starts a child stratad whose graph is that R's
 * JGF, registers the child's URI here ("instance.register"), runs the
 * job's command with STRATA_URI pointing at the child, and drains and stops
 * the child when the command ends or the job is signalled.  This module is
 * the parent's side: recognising instance jobs, wrapping their command,
 * and remembering what each child registered so that jobs/info show it.
 *
 * The registry is per process (one stratad is one instance) and is kept
 * after the job ends, so the child's URI and state directory stay
 * inspectable.  Callers hold inst->lock, like every request handler.
 */
#ifndef STRATA_DAEMON_INSTANCE_H
#define STRATA_DAEMON_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/stratad.h"
#include "resource/st_error.h"

/* true if j asks to be an instance (attributes.system.instance is true or
 * an object).  false for NULL. */
bool instance_job_is_instance(const struct job *j);

/* Replace *argv (a calloc'ed, NULL-terminated array whose strings are
 * borrowed) by the instance-run wrapper around it, when j is an instance
 * job; otherwise leave it.  The new array's strings are borrowed from the
 * old one, from j's jobspec and from static storage; the old array is
 * freed.  A noexec instance job (or any in a --noexec instance) still runs
 * its instance: j->noexec is cleared and the child gets --noexec instead, so
 * the jobs inside hold their allocations.  Returns 0, or -1 with errno (EINVAL for NULL arguments, ENOMEM);
 * on failure *argv is unchanged. */
int instance_wrap_argv(struct instance *inst, struct job *j, char ***argv);
/* (The wrapper also gets "--hold" for an interactive instance, attribute
 * {"interactive": true}: no initial program, the instance lives until its
 * owner shuts it down; and "--grace N" from {"grace": N}.) */

/* The "instance.register" method: params {"id", "uri", optional "statedir",
 * "pid" (the child stratad's), "wrapper" (the instance-run process's) and
 * "reconnect"}.  The job must be a running instance job of this instance and
 * the caller its owner or the instance owner.  A job awaiting its child
 * after a restart (instance_child_expect()) becomes adopted: its task is the
 * wrapper process, which this stratad may signal but not reap.  Result {}
 * or -1 with err (EINVAL bad params, ENOENT no such job, EPERM, EBUSY job
 * not running; ESRCH a "reconnect" for a job this stratad did not restore
 * from its journal). */
int instance_method_register(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                             json_t **result, struct st_error *err);

/* The "instance.R" method: params {"id"}; result {"R": the job's R as
 * text}.  What the child instance of a running instance job is built from;
 * sent as the text the parent holds, so that neither side parses it (the R
 * of a large allocation is megabytes of JSON).  Only for a running
 * instance job, its owner or the instance owner (EINVAL, ENOENT, EPERM,
 * EBUSY as instance.register). */
int instance_method_R(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                      json_t **result, struct st_error *err);

/* The running instance job that params' "id" names, as the methods on a
 * live instance (instance.R, instance.grow, instance.shrink) take it: an
 * integer id of an existing instance job, uid's own or uid the instance
 * owner, running and holding its R.  NULL with err filled otherwise, the
 * errors prefixed with method where the id itself is bad: EINVAL (no
 * integer id, not an instance job, NULL inst), ENOENT, EPERM, EBUSY. */
struct job *instance_job_live(struct instance *inst, json_t *params, uint32_t uid,
                              const char *method, struct st_error *err);

/* Add "instance": true and, once registered, "uri", "statedir" and
 * "child_pid" to a job's JSON summary o.  No-op on NULL arguments. */
void instance_job_annotate(const struct job *j, json_t *o);

/* The registered child URI of job id, or NULL. */
const char *instance_child_uri(int64_t id);

/* ---- reconnecting after a parent restart ----------------------------------
 *
 * A child whose parent stratad vanished waits a grace period (the job's
 * attributes.system.instance.grace seconds, default INSTANCE_GRACE_DEFAULT)
 * for the parent to come back, retrying instance.register with "wrapper"
 * (the pid of its instance-run process) and "reconnect": true.  A parent
 * restarted on the same state directory holds each instance job's
 * allocation again (daemon/instance_live.c) and expects that registration
 * until the same grace has passed since its start. */
#define INSTANCE_GRACE_DEFAULT 10

/* The grace period of instance job j in seconds (>= 0). */
double instance_job_grace(const struct job *j);

/* Expect instance job id to re-register before time `until` (inst_now()
 * clock).  Its registry entry is reset to "awaiting".  -1 with ENOMEM. */
int instance_child_expect(int64_t id, double until);

/* The adoption state of job id: INSTANCE_CHILD_NONE (an ordinary child or
 * none), _AWAITING (restored after a restart, not registered yet: *until is
 * the deadline) or _ADOPTED (re-registered: *wrapper is the pid of its
 * instance-run process, not a child of this stratad).  until and wrapper
 * may be NULL. */
enum instance_child_state { INSTANCE_CHILD_NONE, INSTANCE_CHILD_AWAITING, INSTANCE_CHILD_ADOPTED };
enum instance_child_state instance_child_state(int64_t id, double *until, int64_t *wrapper);

/* Forget the adoption of job id (its registration stays for inspection). */
void instance_child_release(int64_t id);

/* How many jobs are awaiting or adopted (0: nothing to watch, the main
 * loop's check costs nothing). */
size_t instance_children_watched(void);

#endif
