/* queue_hybrid: hybrid backfilling: the first reservation-depth jobs that cannot start
 * now get reservations (64 by default, as Fluxion's hybrid policy).
 *
 * The pass itself is queue_backfill_pass(); this file only sets the depth.
 */
#include "policy/queue_private.h"

const struct queue_policy_ops queue_hybrid_ops = {
    .name = "hybrid",
    .default_reservation_depth = QUEUE_HYBRID_RESERVATION_DEPTH,
    .pass = queue_backfill_pass,
};
