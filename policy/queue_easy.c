/* queue_easy: EASY backfilling: only the first job that cannot start now gets a
 * reservation; every other job may start now if it does not delay it.
 *
 * The pass itself is queue_backfill_pass(); this file only sets the depth.
 */
#include "policy/queue_private.h"

const struct queue_policy_ops queue_easy_ops = {
    .name = "easy",
    .default_reservation_depth = 1,
    .pass = queue_backfill_pass,
};
