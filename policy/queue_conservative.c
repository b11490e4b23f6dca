/* queue_conservative: conservative backfilling: every pending job considered by the pass
 * gets a reservation (the depth is capped at the queue depth), so no job
 * can be delayed by a later one.
 *
 * The pass itself is queue_backfill_pass(); this file only sets the depth.
 */
#include "policy/queue_private.h"

const struct queue_policy_ops queue_conservative_ops = {
    .name = "conservative",
    .default_reservation_depth = QUEUE_MAX_RESERVATION_DEPTH,
    .pass = queue_backfill_pass,
};
